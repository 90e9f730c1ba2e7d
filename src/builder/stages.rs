//! What a build of one target needs from its Dockerfile: the stages it
//! reaches (FROM another stage, `COPY --from`, `RUN --mount=from=`), and the
//! images from outside the file (base images, `COPY --from=image`), with
//! global ARGs and build args applied as BuildKit applies them to FROM.

use std::collections::BTreeMap;

use crate::dockerfile::expand::process_word;
use crate::dockerfile::{Args, Dockerfile, Instruction, Kind};
use crate::span::Span;

/// Values of the global ARGs (declared before the first FROM): the build arg
/// when given, the default otherwise. Undeclared build args are not visible
/// to FROM, as in BuildKit.
pub fn global_args(
    df: &Dockerfile,
    build_args: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for inst in df.preamble() {
        if let Args::Arg(decls) = &inst.args {
            for d in decls {
                let name = unquote(&d.name.raw);
                let value = match build_args.get(&name) {
                    Some(v) => Some(v.clone()),
                    None => d.default.as_ref().map(|w| expand(&w.raw, &vars, df.escape)),
                };
                if let Some(v) = value {
                    vars.insert(name, v);
                } else {
                    vars.remove(&name);
                }
            }
        }
    }
    vars
}

fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        s[1..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

/// `word` as BuildKit's word processor makes it against `vars` (variables,
/// quotes and escapes, with the Dockerfile's escape character); unset
/// variables expand to nothing, and a word BuildKit refuses to nothing at all.
fn expand(word: &str, vars: &BTreeMap<String, String>, escape: char) -> String {
    process_word(word, vars, escape)
        .map(|e| e.value)
        .unwrap_or_default()
}

/// The stage `name` refers to: an alias (case-insensitive) or a stage index,
/// among the stages defined before `before` (a stage can only use earlier ones).
pub fn stage_ref(df: &Dockerfile, name: &str, before: usize) -> Option<usize> {
    if let Some(s) = df.stages[..before.min(df.stages.len())].iter().find(|s| {
        s.name
            .as_ref()
            .is_some_and(|n| unquote(&n.raw).eq_ignore_ascii_case(name))
    }) {
        return Some(s.index);
    }
    name.parse::<usize>().ok().filter(|&i| i < before)
}

/// The target stage's index: `--target`, or the last stage.
pub fn target_index(df: &Dockerfile, target: Option<&str>) -> Result<usize, String> {
    match target {
        Some(t) => df
            .stages
            .iter()
            .find(|s| s.name.as_ref().is_some_and(|n| unquote(&n.raw).eq_ignore_ascii_case(t)))
            .map(|s| s.index)
            .ok_or_else(|| {
                let names: Vec<String> = df
                    .stages
                    .iter()
                    .filter_map(|s| s.name.as_ref().map(|n| unquote(&n.raw)))
                    .collect();
                if names.is_empty() {
                    format!("target stage `{t}` does not exist: no stage has a name (`FROM image AS name`)")
                } else {
                    format!("target stage `{t}` does not exist; the stages are: {}", names.join(", "))
                }
            }),
        None => df
            .stages
            .len()
            .checked_sub(1)
            .ok_or_else(|| "the Dockerfile has no FROM instruction".to_string()),
    }
}

/// What an instruction reads from elsewhere: `COPY --from`, `RUN --mount=from=`.
fn from_refs(inst: &Instruction) -> Vec<(String, Span)> {
    let mut refs = Vec::new();
    if matches!(inst.kind, Kind::Copy | Kind::Add) {
        for f in inst.flags_named("from") {
            if let Some(v) = &f.value {
                refs.push((unquote(&v.raw), v.span));
            }
        }
    }
    if inst.kind == Kind::Run {
        for f in inst.flags_named("mount") {
            if let Some(v) = &f.value {
                for part in mount_fields(&v.raw) {
                    if let Some(from) = part.strip_prefix("from=") {
                        refs.push((from.to_string(), v.span));
                    }
                }
            }
        }
    }
    refs
}

/// The `k=v` fields of a `--mount` value.
pub fn mount_fields(value: &str) -> Vec<String> {
    unquote(value)
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// For each stage: whether building the target needs it.
pub fn needed_stages(
    df: &Dockerfile,
    target: Option<&str>,
    build_args: &BTreeMap<String, String>,
) -> Result<Vec<bool>, String> {
    let target = target_index(df, target)?;
    let vars = global_args(df, build_args);
    let mut needed = vec![false; df.stages.len()];
    let mut todo = vec![target];
    while let Some(s) = todo.pop() {
        if needed[s] {
            continue;
        }
        needed[s] = true;
        let stage = &df.stages[s];
        if let Args::From(from) = &df.instructions[stage.from].args {
            let image = expand(&from.image.raw, &vars, df.escape);
            if let Some(dep) = stage_ref(df, &image, s) {
                todo.push(dep);
            }
        }
        for inst in &df.instructions[stage.from + 1..stage.end] {
            for (name, _) in from_refs(inst) {
                let name = expand(&name, &vars, df.escape);
                if let Some(dep) = stage_ref(df, &name, s) {
                    todo.push(dep);
                }
            }
        }
    }
    Ok(needed)
}

/// An image from outside the Dockerfile that the build reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalImage {
    /// After ARG expansion.
    pub reference: String,
    /// The word in the file.
    pub span: Span,
    pub stage: usize,
    /// A FROM (true) or a `COPY --from` / mount source (false).
    pub is_base: bool,
    /// FROM `--platform`, expanded.
    pub platform: Option<String>,
}

/// Images the needed stages read from the daemon (FROM and `--from` that are
/// not stages, `scratch` excluded), in file order, without duplicates.
pub fn external_images(
    df: &Dockerfile,
    needed: &[bool],
    build_args: &BTreeMap<String, String>,
) -> Vec<ExternalImage> {
    let mut out: Vec<ExternalImage> = Vec::new();
    for img in image_uses(df, needed, build_args) {
        if !out
            .iter()
            .any(|o| o.reference == img.reference && o.is_base == img.is_base)
        {
            out.push(img);
        }
    }
    out
}

/// Every place the needed stages name an image from outside the Dockerfile
/// (`scratch` excluded), in file order, repeats included.
pub fn image_uses(
    df: &Dockerfile,
    needed: &[bool],
    build_args: &BTreeMap<String, String>,
) -> Vec<ExternalImage> {
    let vars = global_args(df, build_args);
    let mut out: Vec<ExternalImage> = Vec::new();
    let mut push = |img: ExternalImage| {
        if img.reference.is_empty() || img.reference.eq_ignore_ascii_case("scratch") {
            return;
        }
        out.push(img);
    };
    for stage in &df.stages {
        if !needed.get(stage.index).copied().unwrap_or(true) {
            continue;
        }
        let from = &df.instructions[stage.from];
        if let Args::From(args) = &from.args {
            let image = expand(&args.image.raw, &vars, df.escape);
            if stage_ref(df, &image, stage.index).is_none() {
                let platform = from
                    .flag("platform")
                    .and_then(|f| f.value.as_ref())
                    .map(|v| expand(&v.raw, &vars, df.escape));
                push(ExternalImage {
                    reference: image,
                    span: args.image.span,
                    stage: stage.index,
                    is_base: true,
                    platform,
                });
            }
        }
        for inst in &df.instructions[stage.from + 1..stage.end] {
            for (name, span) in from_refs(inst) {
                let name = expand(&name, &vars, df.escape);
                if stage_ref(df, &name, stage.index).is_none() && name.parse::<usize>().is_err() {
                    push(ExternalImage {
                        reference: name,
                        span,
                        stage: stage.index,
                        is_base: false,
                        platform: None,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Dockerfile {
        crate::dockerfile::parse(text.to_string()).unwrap()
    }

    fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn expansion_forms() {
        let vars = args(&[("A", "1"), ("E", ""), ("T", "3.19-alpine")]);
        let x = |word: &str| expand(word, &vars, '\\');
        assert_eq!(x("x$A-${A}"), "x1-1");
        assert_eq!(x("${B:-def}"), "def");
        assert_eq!(x("${E:-def}"), "def");
        assert_eq!(x("${E-def}"), "");
        assert_eq!(x("${A:+alt}"), "alt");
        assert_eq!(x("${B+alt}"), "");
        assert_eq!(x("\\$A"), "$A");
        // The rest of BuildKit's processor: quotes, pattern removal, the
        // file's escape character, and a word it refuses.
        assert_eq!(x("'$A'"), "$A");
        assert_eq!(x("\"$A\"/b:'c'"), "1/b:c");
        assert_eq!(x("${T%%-*}"), "3.19");
        assert_eq!(expand("`$A", &vars, '`'), "$A");
        assert_eq!(x("${U:?unset}"), "");
    }

    #[test]
    fn global_args_are_processed_as_buildkit_does() {
        let df = parse("ARG V=\"3.19-alpine\"\nARG TAG=${V%%-*}\nFROM alpine:$TAG\n");
        let needed = needed_stages(&df, None, &BTreeMap::new()).unwrap();
        let imgs = external_images(&df, &needed, &BTreeMap::new());
        assert_eq!(imgs[0].reference, "alpine:3.19");
    }

    #[test]
    fn global_args_and_build_args_reach_from() {
        let df = parse("ARG BASE=alpine\nARG TAG=3.19\nFROM ${BASE}:$TAG\nRUN x\n");
        let needed = needed_stages(&df, None, &BTreeMap::new()).unwrap();
        let imgs = external_images(&df, &needed, &BTreeMap::new());
        assert_eq!(imgs[0].reference, "alpine:3.19");
        let imgs = external_images(&df, &needed, &args(&[("TAG", "edge")]));
        assert_eq!(imgs[0].reference, "alpine:edge");
    }

    #[test]
    fn only_stages_the_target_reaches_are_needed() {
        let df = parse(
            "FROM a AS deps\nRUN d\nFROM b AS unused\nRUN u\nFROM c AS build\nCOPY --from=deps /x /x\nFROM build AS final\nRUN --mount=type=bind,from=tools,target=/t true\n",
        );
        let needed = needed_stages(&df, None, &BTreeMap::new()).unwrap();
        assert_eq!(needed, vec![true, false, true, true]);
        let imgs: Vec<String> = external_images(&df, &needed, &BTreeMap::new())
            .into_iter()
            .map(|i| i.reference)
            .collect();
        assert_eq!(imgs, vec!["a", "c", "tools"]);
        let needed = needed_stages(&df, Some("unused"), &BTreeMap::new()).unwrap();
        assert_eq!(needed, vec![false, true, false, false]);
        let err = needed_stages(&df, Some("nope"), &BTreeMap::new()).unwrap_err();
        assert!(err.contains("deps, unused, build, final"), "{err}");
    }

    #[test]
    fn scratch_and_numeric_stage_refs_are_not_images() {
        let df = parse("FROM scratch AS s\nFROM busybox\nCOPY --from=0 /a /a\n");
        let needed = needed_stages(&df, None, &BTreeMap::new()).unwrap();
        assert_eq!(needed, vec![true, true]);
        let imgs = external_images(&df, &needed, &BTreeMap::new());
        assert_eq!(imgs.len(), 1);
        assert_eq!(imgs[0].reference, "busybox");
    }
}
