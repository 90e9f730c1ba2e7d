//! What a build reads from its context, from the Dockerfile IR.
//!
//! Like BuildKit's `filterPaths`: the sources of COPY and ADD (without
//! `--from`) and of `RUN --mount=type=bind` (without `from=`), in the stages
//! the target needs, with build arguments applied. Anything that cannot be
//! worked out for certain (an unknown variable, a source of `.`) means the
//! whole context: a pruned context must never miss a file the build reads.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::dockerfile::{Args, CopyArgs, Dockerfile, Instruction, Kind, Word};

use super::dockerignore::go_clean;

/// A base image's ONBUILD triggers (`Config.OnBuild` of `docker inspect`).
pub trait OnbuildLookup: Sync {
    /// The triggers of `image`, or why they could not be read.
    fn onbuild_triggers(&self, image: &str) -> Result<Vec<String>, String>;
}

/// No daemon to ask: every lookup fails, so base images stay unchecked.
pub struct NoDaemon;

impl OnbuildLookup for NoDaemon {
    fn onbuild_triggers(&self, _image: &str) -> Result<Vec<String>, String> {
        Err("no daemon was asked".to_string())
    }
}

/// Fixed answers, for tests and for callers that inspected images already.
#[derive(Default)]
pub struct KnownOnbuild(pub HashMap<String, Vec<String>>);

impl OnbuildLookup for KnownOnbuild {
    fn onbuild_triggers(&self, image: &str) -> Result<Vec<String>, String> {
        self.0
            .get(image)
            .cloned()
            .ok_or_else(|| format!("image {image} was not inspected"))
    }
}

/// Which stages a build runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StageSelection {
    /// BuildKit: the target and the stages it depends on.
    #[default]
    Reachable,
    /// The classic builder: every stage up to and including the target.
    UpToTarget,
}

/// One context path (or wildcard pattern) the build reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Cleaned, context-relative; may hold Go `filepath.Match` wildcards.
    pub pattern: String,
    /// 1-based line of the instruction.
    pub line: usize,
    /// `COPY`, `ADD`, `RUN --mount`, `ONBUILD COPY`...
    pub what: String,
}

/// The outcome of reading the Dockerfile.
#[derive(Clone, Debug, Default)]
pub struct Needs {
    /// Why the whole context is needed, when it is.
    pub everything: Option<String>,
    pub sources: Vec<Source>,
    /// Indexes of the stages the build runs.
    pub stages: Vec<usize>,
    /// External base images whose ONBUILD triggers could not be checked.
    pub onbuild_unchecked: Vec<(String, String)>,
    /// Variables substituted with a value that is a guess (for notes).
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PruneError {
    #[error("target stage `{0}` is not in the Dockerfile")]
    UnknownTarget(String),
    #[error("the Dockerfile has no FROM instruction")]
    NoStages,
}

/// What to do when a base image's triggers cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnbuildUnknown {
    /// Send the whole context (what a build must do).
    #[default]
    SendEverything,
    /// Prune anyway and report the images as unchecked (`context ls`).
    Report,
}

pub struct NeedsInput<'a> {
    pub dockerfile: &'a Dockerfile,
    pub build_args: &'a BTreeMap<String, String>,
    pub target: Option<&'a str>,
    pub stages: StageSelection,
    pub onbuild: &'a dyn OnbuildLookup,
    pub onbuild_unknown: OnbuildUnknown,
}

/// The automatic platform arguments BuildKit defines, for this host.
fn platform_args() -> Vec<(&'static str, String)> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    };
    let platform = format!("linux/{arch}");
    vec![
        ("TARGETPLATFORM", platform.clone()),
        ("TARGETOS", "linux".into()),
        ("TARGETARCH", arch.into()),
        ("TARGETVARIANT", String::new()),
        ("BUILDPLATFORM", platform),
        ("BUILDOS", "linux".into()),
        ("BUILDARCH", arch.into()),
        ("BUILDVARIANT", String::new()),
    ]
}

/// Variables in scope while reading a stage.
#[derive(Clone, Default)]
struct Env {
    vars: HashMap<String, String>,
    /// Names set by ENV (an ARG never overrides them).
    from_env: BTreeSet<String>,
    /// Names whose value cannot be known before the build.
    unsure: BTreeSet<String>,
    /// Whether an unknown name could still be defined (by an external base
    /// image's ENV): then an unknown variable makes the value unknown.
    open: bool,
}

impl Env {
    fn get(&self, name: &str) -> Lookup {
        if self.unsure.contains(name) {
            return Lookup::Unknown;
        }
        match self.vars.get(name) {
            Some(_) => Lookup::Set,
            None if self.open => Lookup::Unknown,
            None => Lookup::Unset,
        }
    }
}

enum Lookup {
    Set,
    Unset,
    Unknown,
}

/// Why a word could not be expanded for certain.
#[derive(Debug)]
struct Unsure(String);

impl crate::dockerfile::expand::Env for Env {
    fn lookup(&self, name: &str) -> Option<crate::dockerfile::expand::Lookup<'_>> {
        use crate::dockerfile::expand::Lookup as L;
        match self.get(name) {
            Lookup::Set => self.vars.get(name).map(|v| L::Known(v.as_str())),
            Lookup::Unknown => Some(L::Unknown),
            Lookup::Unset => None,
        }
    }
}

/// Expands a word with BuildKit's word processing
/// ([`crate::dockerfile::expand`]); a variable whose value cannot be known
/// before the build, or a word BuildKit would reject, makes it unsure.
fn expand(word: &str, env: &Env, escape: char) -> Result<String, Unsure> {
    expand_with(crate::dockerfile::expand::Lexer::new(escape), word, env)
}

/// As [`expand`], with quotes kept as ordinary characters (`RUN --mount`).
fn expand_mount(word: &str, env: &Env, escape: char) -> Result<String, Unsure> {
    let lexer = crate::dockerfile::expand::Lexer {
        skip_process_quotes: true,
        ..crate::dockerfile::expand::Lexer::new(escape)
    };
    expand_with(lexer, word, env)
}

fn expand_with(
    lexer: crate::dockerfile::expand::Lexer,
    word: &str,
    env: &Env,
) -> Result<String, Unsure> {
    let e = lexer.process(word, env).map_err(|e| Unsure(e.message))?;
    if e.uncertain {
        let names: Vec<String> = e
            .refs
            .iter()
            .filter(|r| matches!(env.get(&r.name), Lookup::Unknown))
            .map(|r| format!("`${}`", r.name))
            .collect();
        return Err(Unsure(format!(
            "{} has no value known before the build",
            if names.is_empty() {
                "a variable".to_string()
            } else {
                names.join(", ")
            }
        )));
    }
    Ok(e.value)
}

/// The text of a source word. In exec form the IR already holds the decoded
/// JSON string; BuildKit still runs it through the word processor.
fn word_text(word: &Word, _exec_form: bool) -> String {
    word.raw.clone()
}

/// Cleans a source path the way BuildKit resolves it in the context: rooted
/// at the context, `..` cannot climb out.
pub fn clean_context_path(p: &str) -> String {
    let rooted = format!("/{p}");
    let c = go_clean(&rooted);
    c.trim_start_matches('/').to_string()
}

struct StageInfo {
    name: Option<String>,
    /// The FROM image after expansion (None when it could not be expanded).
    base: Option<String>,
    /// Index of the stage this one is built FROM.
    base_stage: Option<usize>,
}

/// Reads the Dockerfile and says what the build reads from the context.
pub fn needs(input: &NeedsInput<'_>) -> Result<Needs, PruneError> {
    let df = input.dockerfile;
    if df.stages.is_empty() {
        return Err(PruneError::NoStages);
    }
    let mut out = Needs::default();
    let escape = df.escape;

    // Global scope: automatic platform args, then ARGs before the first FROM.
    let mut globals = Env::default();
    let automatic: HashMap<String, String> = platform_args()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    for (k, v) in &automatic {
        globals.vars.insert(k.clone(), v.clone());
    }
    for ins in df.preamble() {
        if let Args::Arg(decls) = &ins.args {
            for d in decls {
                let name = d.name.raw.clone();
                if let Some(v) = input.build_args.get(&name) {
                    globals.vars.insert(name, v.clone());
                } else if let Some(def) = &d.default {
                    match expand(&def.raw, &globals, escape) {
                        Ok(v) => {
                            globals.vars.insert(name, v);
                        }
                        Err(_) => {
                            globals.unsure.insert(name);
                        }
                    }
                }
            }
        }
    }

    // Stages: names and bases.
    let mut stages: Vec<StageInfo> = Vec::new();
    for (i, st) in df.stages.iter().enumerate() {
        let from = &df.instructions[st.from];
        let base = match &from.args {
            Args::From(f) => expand(&f.image.raw, &globals, escape).ok(),
            _ => None,
        };
        let base_stage = base.as_deref().and_then(|b| {
            stages
                .iter()
                .position(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(b)))
        });
        let name = st.name.as_ref().map(|n| n.raw.to_ascii_lowercase());
        let _ = i;
        stages.push(StageInfo {
            name,
            base,
            base_stage,
        });
    }
    let target = match input.target {
        Some(t) => stages
            .iter()
            .position(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(t)))
            .ok_or_else(|| PruneError::UnknownTarget(t.to_string()))?,
        None => stages.len() - 1,
    };

    let stage_ref = |value: &str, before: usize| -> Option<usize> {
        if let Ok(n) = value.parse::<usize>() {
            return (n < before).then_some(n);
        }
        stages[..before].iter().position(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(value))
        })
    };

    // Walk stages from the target, collecting sources and stage dependencies.
    let mut wanted: BTreeSet<usize> = BTreeSet::new();
    let mut queue: Vec<usize> = match input.stages {
        StageSelection::Reachable => vec![target],
        StageSelection::UpToTarget => (0..=target).collect(),
    };
    // Each stage's final environment, for stages built FROM it.
    let mut stage_env: HashMap<usize, Env> = HashMap::new();
    while let Some(idx) = queue.pop() {
        if !wanted.insert(idx) {
            continue;
        }
        let info = &stages[idx];
        let stage = &df.stages[idx];
        // The environment starts from the parent stage's, or empty (plus an
        // external image's unknown ENV).
        let mut env = match info.base_stage {
            Some(parent) => {
                if !wanted.contains(&parent) {
                    queue.push(parent);
                }
                stage_env_for(df, &stages, parent, &globals, input, &mut stage_env)
            }
            None => Env {
                open: info
                    .base
                    .as_deref()
                    .is_none_or(|b| !b.eq_ignore_ascii_case("scratch")),
                ..Env::default()
            },
        };
        if info.base.is_none() {
            out.everything.get_or_insert_with(|| {
                format!(
                    "line {}: the FROM image cannot be resolved before the build",
                    line_of(df, &df.instructions[stage.from])
                )
            });
        }
        // ONBUILD triggers: of a parent stage in this file, or of an external image.
        let mut triggers: Vec<&Instruction> = Vec::new();
        if let Some(parent) = info.base_stage {
            for ins in df.stage_instructions(&df.stages[parent]) {
                if let Args::Onbuild(inner) = &ins.args {
                    triggers.push(inner);
                }
            }
        } else if let Some(image) = info.base.as_deref() {
            if !image.eq_ignore_ascii_case("scratch") {
                match input.onbuild.onbuild_triggers(image) {
                    Ok(list) => {
                        for t in list {
                            let word = t
                                .split_whitespace()
                                .next()
                                .unwrap_or("")
                                .to_ascii_uppercase();
                            let copies = word == "COPY"
                                || word == "ADD"
                                || (word == "RUN" && t.contains("--mount"));
                            if copies {
                                out.everything.get_or_insert_with(|| {
                                    format!("base image {image} has an ONBUILD trigger that reads the context: `{t}`")
                                });
                            }
                        }
                    }
                    Err(why) => {
                        if input.onbuild_unknown == OnbuildUnknown::SendEverything {
                            out.everything.get_or_insert_with(|| {
                                format!("the ONBUILD triggers of base image {image} could not be checked ({why})")
                            });
                        }
                        if !out.onbuild_unchecked.iter().any(|(i, _)| i == image) {
                            out.onbuild_unchecked.push((image.to_string(), why));
                        }
                    }
                }
            }
        }
        let body = &df.stage_instructions(stage)[1..];
        let steps = triggers
            .into_iter()
            .map(|t| (t, true))
            .chain(body.iter().map(|b| (b, false)));
        for (ins, is_trigger) in steps {
            read_instruction(
                df, ins, is_trigger, &mut env, &globals, input, idx, &stage_ref, &mut queue,
                &wanted, &mut out,
            );
        }
    }
    out.stages = wanted.into_iter().collect();
    Ok(out)
}

/// The environment at the end of stage `idx` (for a child stage), computed
/// without collecting sources.
fn stage_env_for(
    df: &Dockerfile,
    stages: &[StageInfo],
    idx: usize,
    globals: &Env,
    input: &NeedsInput<'_>,
    cache: &mut HashMap<usize, Env>,
) -> Env {
    if let Some(e) = cache.get(&idx) {
        return e.clone();
    }
    let mut env = match stages[idx].base_stage {
        Some(p) if p < idx => stage_env_for(df, stages, p, globals, input, cache),
        _ => Env {
            open: stages[idx]
                .base
                .as_deref()
                .is_none_or(|b| !b.eq_ignore_ascii_case("scratch")),
            ..Env::default()
        },
    };
    for ins in &df.stage_instructions(&df.stages[idx])[1..] {
        apply_env(df, ins, &mut env, globals, input);
    }
    cache.insert(idx, env.clone());
    env
}

/// ARG and ENV effects on the environment.
fn apply_env(
    df: &Dockerfile,
    ins: &Instruction,
    env: &mut Env,
    globals: &Env,
    input: &NeedsInput<'_>,
) {
    match &ins.args {
        Args::Arg(decls) => {
            for d in decls {
                let name = d.name.raw.clone();
                if env.from_env.contains(&name) {
                    continue;
                }
                let value = if let Some(v) = input.build_args.get(&name) {
                    Some(Ok(v.clone()))
                } else if let Some(def) = &d.default {
                    Some(expand(&def.raw, env, df.escape))
                } else if globals.unsure.contains(&name) {
                    Some(Err(Unsure(format!(
                        "the global `{name}` has no value known before the build"
                    ))))
                } else {
                    globals.vars.get(&name).cloned().map(Ok)
                };
                match value {
                    Some(Ok(v)) => {
                        env.unsure.remove(&name);
                        env.vars.insert(name, v);
                    }
                    Some(Err(_)) => {
                        env.vars.remove(&name);
                        env.unsure.insert(name);
                    }
                    None => {
                        // Declared without a value: expands to empty unless
                        // the base image defines it.
                        env.vars.remove(&name);
                        env.unsure.remove(&name);
                    }
                }
            }
        }
        Args::Env(pairs) => {
            for kv in pairs {
                let key = kv.key.raw.clone();
                match expand(&kv.value.raw, env, df.escape) {
                    Ok(v) => {
                        env.vars.insert(key.clone(), v);
                        env.unsure.remove(&key);
                    }
                    Err(_) => {
                        env.vars.remove(&key);
                        env.unsure.insert(key.clone());
                    }
                }
                env.from_env.insert(key);
            }
        }
        _ => {}
    }
}

fn line_of(df: &Dockerfile, ins: &Instruction) -> usize {
    df.lines.line_of(ins.span.start) + 1
}

#[allow(clippy::too_many_arguments)]
fn read_instruction(
    df: &Dockerfile,
    ins: &Instruction,
    is_trigger: bool,
    env: &mut Env,
    globals: &Env,
    input: &NeedsInput<'_>,
    stage: usize,
    stage_ref: &dyn Fn(&str, usize) -> Option<usize>,
    queue: &mut Vec<usize>,
    wanted: &BTreeSet<usize>,
    out: &mut Needs,
) {
    let line = line_of(df, ins);
    let prefix = if is_trigger { "ONBUILD " } else { "" };
    apply_env(df, ins, env, globals, input);
    let mut everything = |out: &mut Needs, why: String| {
        out.everything.get_or_insert(format!("line {line}: {why}"));
    };
    match (&ins.kind, &ins.args) {
        (Kind::Copy, Args::Copy(c)) | (Kind::Add, Args::Add(c)) => {
            let what = format!("{prefix}{}", ins.kind.name());
            if let Some(from) = ins.flag("from") {
                let value = from.value.as_ref().map(|w| expand(&w.raw, env, df.escape));
                match value {
                    Some(Ok(v)) => {
                        if let Some(dep) = stage_ref(&v, stage) {
                            if !wanted.contains(&dep) {
                                queue.push(dep);
                            }
                        }
                        // Another stage or an image: not the context.
                    }
                    _ => everything(
                        out,
                        format!("`{what} --from` cannot be resolved before the build"),
                    ),
                }
                return;
            }
            copy_sources(
                df,
                c,
                env,
                ins.kind == Kind::Add,
                &what,
                line,
                out,
                &mut everything,
            );
        }
        (Kind::Run, _) => {
            for flag in ins.flags_named("mount") {
                let Some(value) = &flag.value else { continue };
                let text = match expand_mount(&value.raw, env, df.escape) {
                    Ok(t) => t,
                    Err(Unsure(why)) => {
                        everything(out, format!("a `RUN --mount` cannot be resolved: {why}"));
                        continue;
                    }
                };
                let fields = parse_mount(&text);
                let get = |keys: &[&str]| {
                    fields
                        .iter()
                        .find(|(k, _)| keys.contains(&k.to_ascii_lowercase().as_str()))
                        .map(|(_, v)| v.clone())
                };
                let kind = get(&["type"])
                    .unwrap_or_else(|| "bind".into())
                    .to_ascii_lowercase();
                if let Some(from) = get(&["from"]) {
                    if let Some(dep) = stage_ref(&from, stage) {
                        if !wanted.contains(&dep) {
                            queue.push(dep);
                        }
                    }
                    continue;
                }
                if kind != "bind" {
                    continue;
                }
                let source = get(&["source", "src"]).unwrap_or_default();
                let cleaned = clean_context_path(&source);
                if cleaned.is_empty() {
                    everything(out, format!("`{prefix}RUN --mount=type=bind` without `from` binds the whole context"));
                } else {
                    out.sources.push(Source {
                        pattern: cleaned,
                        line,
                        what: format!("{prefix}RUN --mount"),
                    });
                }
            }
        }
        _ => {}
    }
}

#[allow(clippy::too_many_arguments)]
fn copy_sources(
    df: &Dockerfile,
    c: &CopyArgs,
    env: &Env,
    is_add: bool,
    what: &str,
    line: usize,
    out: &mut Needs,
    everything: &mut dyn FnMut(&mut Needs, String),
) {
    for src in &c.sources {
        let text = word_text(src, c.exec_form);
        let value = match expand(&text, env, df.escape) {
            Ok(v) => v,
            Err(Unsure(why)) => {
                everything(out, format!("a `{what}` source cannot be resolved: {why}"));
                continue;
            }
        };
        let lower = value.to_ascii_lowercase();
        if is_add && (lower.contains("://") || lower.starts_with("git@")) {
            continue;
        }
        let cleaned = clean_context_path(&value);
        if cleaned.is_empty() {
            everything(out, format!("`{what} {}` reads the whole context", src.raw));
            continue;
        }
        out.sources.push(Source {
            pattern: cleaned,
            line,
            what: what.to_string(),
        });
    }
}

/// Splits a `--mount` value into `key=value` fields (CSV, quotes allowed).
fn parse_mount(text: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                fields.push(std::mem::take(&mut cur));
            }
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
        .into_iter()
        .filter(|f| !f.is_empty())
        .map(|f| match f.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), v.to_string()),
            None => (f.trim().to_string(), "true".to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_paths_stay_in_the_context() {
        assert_eq!(clean_context_path("/app/x"), "app/x");
        assert_eq!(clean_context_path("../../etc/passwd"), "etc/passwd");
        assert_eq!(clean_context_path("."), "");
        assert_eq!(clean_context_path("./"), "");
        assert_eq!(clean_context_path("a/../b/"), "b");
    }

    #[test]
    fn expansion() {
        let mut env = Env::default();
        env.vars.insert("A".into(), "x".into());
        env.vars.insert("E".into(), String::new());
        let e = |w: &str, env: &Env| expand(w, env, '\\').map_err(|u| u.0);
        assert_eq!(e("$A/b", &env).unwrap(), "x/b");
        assert_eq!(e("${A}b", &env).unwrap(), "xb");
        assert_eq!(e("${B:-def}", &env).unwrap(), "def");
        assert_eq!(e("${E:-def}", &env).unwrap(), "def");
        assert_eq!(e("${E-def}", &env).unwrap(), "");
        assert_eq!(e("${A:+alt}", &env).unwrap(), "alt");
        assert_eq!(e("${B:+alt}", &env).unwrap(), "");
        assert_eq!(e("$B", &env).unwrap(), "");
        assert_eq!(e("'$A'", &env).unwrap(), "$A");
        assert_eq!(e("\"$A y\"", &env).unwrap(), "x y");
        assert_eq!(e("\\$A", &env).unwrap(), "$A");
        assert_eq!(e("a$", &env).unwrap(), "a$");
        assert_eq!(e("${A/x/y}", &env).unwrap(), "y");
        assert!(e("${B:?unset}", &env).is_err());
        env.open = true;
        assert!(e("$B", &env).is_err());
        assert_eq!(e("$A", &env).unwrap(), "x");
    }
}
