//! Facts about a Dockerfile that several rules need, computed once per lint:
//! build args and target in force, the ARG scopes, the base image of each
//! stage, which stages the target needs, and the variables in scope at each
//! instruction.
//!
//! The model follows BuildKit's `dockerfile2llb`:
//! - ARGs before the first FROM are global: they, the automatic platform
//!   arguments (`BUILDPLATFORM`, `TARGETARCH`...) and `--build-arg` values
//!   expand the FROM image and `--platform`; a stage sees a global ARG only
//!   after redeclaring it (`ARG NAME`).
//! - A stage's environment starts from its base: an earlier stage's final
//!   environment, or the image config's ENV (the official images' variables
//!   come from a generated table; an [`ImageResolver`] can supply a local
//!   image's config), or only `PATH` for `scratch`. ENV and ARG (with a value)
//!   add to it; an ARG without a value declares the name.
//! - The target (`--target`, else the last stage) needs its base stage, the
//!   stages it copies from (`COPY --from`), mounts from (`RUN --mount=from=`),
//!   and, transitively, what those need; ONBUILD triggers of a base stage count
//!   for the stages built on it.

use std::collections::{BTreeMap, BTreeSet};

use crate::dockerfile::expand::{self, Env, ExpandError, Expansion, Lexer, Lookup};
use crate::dockerfile::image_ref::ImageRef;
use crate::dockerfile::{ArgDecl, Args, Dockerfile, Instruction, Kind, Word};
use crate::span::Span;

pub mod official;

/// What a base image's configuration tells the linter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// `Config.Env`: names with their values, `None` when the value is not
    /// known (it differs between tags, or only the name was recorded).
    pub env: Vec<(String, Option<String>)>,
    /// `Config.Shell` (set by a SHELL instruction in the image's build).
    pub shell: Vec<String>,
    /// `Config.WorkingDir`.
    pub working_dir: Option<String>,
    /// The image's OS (`linux`, `windows`), when known.
    pub os: Option<String>,
    /// `Config.User`: the user its containers run as (`None` or empty: root,
    /// or not known).
    pub user: Option<String>,
    /// `Config.OnBuild`: instructions that run first in a stage built on
    /// the image.
    pub onbuild: Vec<String>,
}

/// Supplies base image configurations: the official images table, or (from
/// the CLI) the local daemon's image inspect. `None` means unknown: rules
/// then assume the image may define any conventional variable name.
pub trait ImageResolver: Sync {
    fn resolve(&self, image: &ImageRef) -> Option<ImageConfig>;
}

/// Knows nothing about any image.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoImages;

impl ImageResolver for NoImages {
    fn resolve(&self, _image: &ImageRef) -> Option<ImageConfig> {
        None
    }
}

/// Asks each resolver in turn; the first that knows the image wins.
pub struct ResolverChain<'a>(pub Vec<&'a dyn ImageResolver>);

impl ImageResolver for ResolverChain<'_> {
    fn resolve(&self, image: &ImageRef) -> Option<ImageConfig> {
        self.0.iter().find_map(|r| r.resolve(image))
    }
}

/// A stage's base, after expanding the FROM word with the global arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseImage {
    /// `FROM scratch`.
    Scratch,
    /// An earlier stage, by index.
    Stage(usize),
    Image(ImageRef),
    /// Not known here: the name depends on a build argument whose value is
    /// not known (declared without a default and not given with
    /// `--build-arg`), or it names one of the build's named contexts.
    Unknown,
    /// The word does not expand to an image reference (BuildKit's message).
    Invalid(String),
}

/// One stage as the model sees it.
#[derive(Clone, Debug)]
pub struct StageInfo {
    pub index: usize,
    /// The stage name as BuildKit keeps it: the alias, lower-cased.
    pub name: Option<String>,
    /// The FROM image word after expansion with the global arguments.
    pub base_name: Result<Expansion, ExpandError>,
    pub base: BaseImage,
    /// `--platform` after expansion with the global arguments.
    pub platform: Option<Result<Expansion, ExpandError>>,
    /// Stages this one needs directly (base, `COPY --from`, `RUN --mount from=`).
    pub deps: BTreeSet<usize>,
    /// The configuration of the image at the root of the stage's chain
    /// (an earlier stage's base for `FROM stage`), when a resolver knows it.
    pub base_config: Option<ImageConfig>,
    /// The variables right after the FROM (from the base).
    pub start_scope: Scope,
    /// The variables at the end of the stage (what stages built on it start with).
    pub end_scope: Scope,
}

/// A global ARG (declared before the first FROM).
#[derive(Clone, Debug)]
pub struct GlobalArg {
    pub name: String,
    /// Index of the ARG instruction in `Dockerfile::instructions`.
    pub instruction: usize,
    /// Its value for this lint: the `--build-arg`, else the expanded default;
    /// `None` when it has neither (or the default's value is not known).
    pub value: Option<String>,
    pub has_default: bool,
}

/// The variables in scope at one point of a stage, as BuildKit's build
/// environment holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// Set variables: base image ENV, ENV, and ARGs with a value. `None`
    /// values are set but unknown.
    pub env: BTreeMap<String, Option<String>>,
    /// ARG names declared in the stage (and the stages it is built on).
    pub args: BTreeSet<String>,
    /// The base image is not known, so it may define any variable.
    pub base_unknown: bool,
    /// The shell was set (a SHELL instruction here or in the base image).
    pub shell_set: bool,
    /// A WORKDIR was set in this Dockerfile (here or in a base stage).
    pub workdir_set: bool,
}

/// Names an unknown base image may define: conventional environment
/// variable names, upper case (`JAVA_HOME`, `NODE_VERSION`). A name with a
/// lower-case letter (`foo`, `myVar`) is not one images set.
pub fn may_be_image_variable(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && name.bytes().any(|b| b.is_ascii_uppercase())
}

/// BuildKit's variables that never reach the build environment.
pub const NON_ENV_ARGS: &[&str] = &["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

impl Env for Scope {
    fn lookup(&self, name: &str) -> Option<Lookup<'_>> {
        if let Some(v) = self.env.get(name) {
            return Some(match v {
                Some(v) => Lookup::Known(v),
                None => Lookup::Unknown,
            });
        }
        // Declared without a value: it may come with `--build-arg`.
        if self.args.contains(name) {
            return Some(Lookup::Unknown);
        }
        if self.base_unknown && may_be_image_variable(name) {
            return Some(Lookup::Unknown);
        }
        None
    }
}

impl Scope {
    /// A name that is set or declared (what UndefinedVar does not report).
    pub fn is_defined(&self, name: &str) -> bool {
        self.lookup(name).is_some() || NON_ENV_ARGS.contains(&name)
    }

    /// Names a misspelt reference may have meant (BuildKit suggests among
    /// the environment's names).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.env.keys().map(String::as_str)
    }

    fn set(&mut self, name: &str, value: Option<String>) {
        self.env.insert(name.to_string(), value);
    }

    /// The scope of a stage built on an image with this config.
    pub fn from_image(config: &ImageConfig) -> Scope {
        let mut scope = Scope::default();
        for (k, v) in &config.env {
            scope.set(k, v.clone());
        }
        scope.env.entry("PATH".into()).or_insert(None);
        scope.shell_set = !config.shell.is_empty();
        scope
    }

    /// `FROM scratch`: only the default PATH.
    pub fn scratch() -> Scope {
        let mut scope = Scope::default();
        scope.set("PATH", Some(DEFAULT_PATH.into()));
        scope
    }

    /// A base nothing is known about.
    pub fn unknown_base() -> Scope {
        Scope {
            base_unknown: true,
            ..Scope::default()
        }
        .with_path()
    }

    fn with_path(mut self) -> Scope {
        self.env.entry("PATH".into()).or_insert(None);
        self
    }
}

/// BuildKit's default PATH for Linux images.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Resolved view of a Dockerfile for one (build args, target) pair.
#[derive(Clone, Debug, Default)]
pub struct Semantic {
    /// The build's named contexts, by name.
    pub named_contexts: BTreeSet<String>,
    /// `--build-arg` values (and a stack service's `build.args`).
    pub build_args: BTreeMap<String, String>,
    /// `--target`, if any.
    pub target: Option<String>,
    /// For each stage index: whether the target needs it (all true without a
    /// target, and when the target names no stage).
    pub stage_needed: Vec<bool>,
    /// The stage being built: the target, else the last stage.
    pub target_stage: Option<usize>,
    /// `--target` was given but names no stage.
    pub target_missing: bool,
    /// The escape character of the file.
    pub escape: char,
    /// Global ARGs in declaration order.
    pub global_args: Vec<GlobalArg>,
    /// What FROM expands with: the automatic platform arguments and the
    /// global ARGs (values unknown when declared without one).
    pub global_env: BTreeMap<String, Option<String>>,
    /// The same with default values only, no `--build-arg` (what BuildKit's
    /// InvalidDefaultArgInFrom checks): declared-only ARGs are unset here.
    pub default_env: BTreeMap<String, String>,
    pub stages: Vec<StageInfo>,
    /// The parsed RUN scripts, computed on first use (see [`crate::lint::shell::views`]).
    pub shell: crate::lint::shell::ShellCache,
    /// Facts several rules share, computed on first use.
    pub memo: crate::lint::memo::Memo,
}

/// The automatic platform arguments for a build on this machine (Linux
/// images), before `--build-arg` overrides.
pub fn platform_args(target_stage_name: &str) -> BTreeMap<String, String> {
    let (arch, variant) = host_arch();
    let platform = if variant.is_empty() {
        format!("linux/{arch}")
    } else {
        format!("linux/{arch}/{variant}")
    };
    let mut m = BTreeMap::new();
    for prefix in ["BUILD", "TARGET"] {
        m.insert(format!("{prefix}PLATFORM"), platform.clone());
        m.insert(format!("{prefix}OS"), "linux".into());
        m.insert(format!("{prefix}OSVERSION"), String::new());
        m.insert(format!("{prefix}ARCH"), arch.into());
        m.insert(format!("{prefix}VARIANT"), variant.into());
    }
    m.insert("TARGETSTAGE".into(), target_stage_name.to_string());
    m
}

fn host_arch() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "x86_64" => ("amd64", ""),
        "aarch64" => ("arm64", ""),
        "arm" => ("arm", "v7"),
        "x86" => ("386", ""),
        "powerpc64" => ("ppc64le", ""),
        "s390x" => ("s390x", ""),
        "riscv64" => ("riscv64", ""),
        "loongarch64" => ("loong64", ""),
        other => (other, ""),
    }
}

/// Where `COPY --from` or `RUN --mount=from=` reads from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CopySource {
    Stage(usize),
    /// A numeric index past the stages.
    BadIndex(i64),
    /// Not a stage: an image (or an invalid reference).
    Image(Result<ImageRef, String>),
}

impl Semantic {
    /// The model with the official images table for base image variables.
    pub fn new(
        df: &Dockerfile,
        build_args: BTreeMap<String, String>,
        target: Option<String>,
    ) -> Semantic {
        Semantic::with_resolver(df, build_args, target, &official::OfficialImages)
    }

    /// The model with a given source of base image configurations.
    pub fn with_resolver(
        df: &Dockerfile,
        build_args: BTreeMap<String, String>,
        target: Option<String>,
        resolver: &dyn ImageResolver,
    ) -> Semantic {
        Semantic::with_named_contexts(df, build_args, target, resolver, BTreeSet::new())
    }

    /// The model of a build that names contexts (`--build-context NAME=...`,
    /// bake `contexts`, compose `build.additional_contexts`): a `FROM` of
    /// such a name is the named context, not an image, and its content is
    /// not known here.
    pub fn with_named_contexts(
        df: &Dockerfile,
        build_args: BTreeMap<String, String>,
        target: Option<String>,
        resolver: &dyn ImageResolver,
        named_contexts: BTreeSet<String>,
    ) -> Semantic {
        let lexer = Lexer::new(df.escape);
        let target_name = match &target {
            Some(t) => t.clone(),
            None => df
                .stages
                .last()
                .and_then(|s| s.name.as_ref())
                .map(|n| n.raw.to_lowercase())
                .unwrap_or_default(),
        };

        // Automatic arguments, overridden by build args.
        let mut auto = platform_args(&target_name);
        for (k, v) in auto.iter_mut() {
            if let Some(b) = build_args.get(k) {
                *v = b.clone();
            }
        }
        let mut global_env: BTreeMap<String, Option<String>> = auto
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        let mut default_env: BTreeMap<String, String> = auto.clone();
        let mut global_args = Vec::new();
        for (idx, inst) in df.preamble().iter().enumerate() {
            let Args::Arg(decls) = &inst.args else {
                continue;
            };
            for decl in decls {
                let name = decl.name.raw.clone();
                // With build args (what the build uses).
                let value: Option<Option<String>> = match (build_args.get(&name), &decl.default) {
                    (Some(v), _) => Some(Some(v.clone())),
                    (None, Some(default)) => match lexer.process(&default.raw, &global_env) {
                        Ok(e) if !e.uncertain => Some(Some(e.value)),
                        Ok(_) => Some(None),
                        Err(_) => Some(None),
                    },
                    (None, None) => None,
                };
                match &value {
                    Some(v) => {
                        global_env.insert(name.clone(), v.clone());
                    }
                    None => {
                        global_env.insert(name.clone(), None);
                    }
                }
                // Defaults only (BuildKit's InvalidDefaultArgInFrom view).
                if let Some(default) = &decl.default {
                    match lexer.process(&default.raw, &default_env) {
                        Ok(e) => {
                            default_env.insert(name.clone(), e.value);
                        }
                        Err(_) => {
                            default_env.remove(&name);
                        }
                    }
                }
                global_args.push(GlobalArg {
                    name,
                    instruction: idx,
                    value: value.flatten(),
                    has_default: decl.default.is_some(),
                });
            }
        }

        let mut sem = Semantic {
            build_args,
            target,
            stage_needed: vec![true; df.stages.len()],
            target_stage: None,
            target_missing: false,
            escape: df.escape,
            global_args,
            global_env,
            default_env,
            stages: Vec::with_capacity(df.stages.len()),
            shell: Default::default(),
            memo: Default::default(),
            named_contexts,
        };

        for stage in &df.stages {
            let info = sem.resolve_stage(df, stage.index, resolver);
            sem.stages.push(info);
        }

        // Dependencies: COPY --from, RUN --mount from=, and ONBUILD triggers
        // of a base stage.
        for i in 0..sem.stages.len() {
            let mut deps = BTreeSet::new();
            if let BaseImage::Stage(b) = sem.stages[i].base {
                deps.insert(b);
                for inst in df.stage_instructions(&df.stages[b]) {
                    if let Args::Onbuild(inner) = &inst.args {
                        deps.extend(sem.instruction_sources(inner));
                    }
                }
            }
            for inst in df.stage_instructions(&df.stages[i]) {
                deps.extend(sem.instruction_sources(inst));
            }
            deps.remove(&i);
            sem.stages[i].deps = deps;
        }

        // The target and what it needs.
        sem.target_stage = match &sem.target {
            Some(t) => {
                let found = sem.stage_by_name(t);
                sem.target_missing = found.is_none();
                found
            }
            None => sem.stages.len().checked_sub(1),
        };
        if let (Some(t), Some(_)) = (sem.target_stage, &sem.target) {
            let mut needed = vec![false; sem.stages.len()];
            let mut todo = vec![t];
            while let Some(s) = todo.pop() {
                if std::mem::replace(&mut needed[s], true) {
                    continue;
                }
                todo.extend(sem.stages[s].deps.iter().copied());
            }
            sem.stage_needed = needed;
        }
        sem
    }

    fn resolve_stage(
        &self,
        df: &Dockerfile,
        index: usize,
        resolver: &dyn ImageResolver,
    ) -> StageInfo {
        let stage = &df.stages[index];
        let from = &df.instructions[stage.from];
        let lexer = Lexer::new(df.escape);
        let name = stage.name.as_ref().map(|n| n.raw.to_lowercase());
        let (image_word, platform_word) = match &from.args {
            Args::From(f) => (
                Some(&f.image),
                from.flag("platform").and_then(|f| f.value.as_ref()),
            ),
            _ => (None, None),
        };
        let base_name = match image_word {
            Some(w) => lexer.process(&w.raw, &self.global_env),
            None => Err(ExpandError {
                message: "FROM requires an image".into(),
                offset: 0,
                refs: Vec::new(),
            }),
        };
        let platform = platform_word.map(|w| lexer.process(&w.raw, &self.global_env));
        let base = match &base_name {
            Err(e) => BaseImage::Invalid(e.message.clone()),
            Ok(e) if e.uncertain => BaseImage::Unknown,
            Ok(e) => {
                let value = e.value.as_str();
                // BuildKit matches a FROM against earlier stage names as written
                // after expansion (stage names are lower case).
                if let Some(prev) = self.stages[..index]
                    .iter()
                    .rev()
                    .find(|s| s.name.as_deref() == Some(value))
                {
                    BaseImage::Stage(prev.index)
                } else if value == "scratch" {
                    BaseImage::Scratch
                } else if self.named_contexts.contains(value) {
                    BaseImage::Unknown
                } else if value.is_empty() {
                    BaseImage::Invalid("base name should not be blank".into())
                } else {
                    match ImageRef::parse(value) {
                        Ok(r) => BaseImage::Image(r),
                        Err(err) => BaseImage::Invalid(err.to_string()),
                    }
                }
            }
        };
        let base_config = match &base {
            BaseImage::Stage(b) => self.stages[*b].base_config.clone(),
            BaseImage::Image(r) => resolver.resolve(r),
            _ => None,
        };
        let start = match &base {
            BaseImage::Scratch => Scope::scratch(),
            BaseImage::Stage(b) => self.stages[*b].end_scope.clone(),
            BaseImage::Image(_) => match &base_config {
                Some(config) => self.image_scope(config),
                None => Scope::unknown_base(),
            },
            BaseImage::Unknown | BaseImage::Invalid(_) => Scope::unknown_base(),
        };
        let mut scope = start.clone();
        for inst in df.stage_instructions(stage).iter().skip(1) {
            self.apply(&mut scope, inst, &lexer);
        }
        StageInfo {
            index,
            name,
            base_name,
            base,
            platform,
            deps: BTreeSet::new(),
            base_config,
            start_scope: start,
            end_scope: scope,
        }
    }

    /// The scope of a stage built on an image: its config, then its ONBUILD
    /// triggers, which run before the stage's own instructions.
    fn image_scope(&self, config: &ImageConfig) -> Scope {
        let mut scope = Scope::from_image(config);
        if config.onbuild.is_empty() {
            return scope;
        }
        let text = format!("FROM scratch\n{}\n", config.onbuild.join("\n"));
        match crate::dockerfile::parse(text) {
            Ok(df) => {
                let lexer = Lexer::new(df.escape);
                for stage in &df.stages {
                    for inst in df.stage_instructions(stage).iter().skip(1) {
                        self.apply(&mut scope, inst, &lexer);
                    }
                }
            }
            // Triggers this parser does not read may set anything.
            Err(_) => scope.base_unknown = true,
        }
        scope
    }

    /// Walks the instructions of stage `stage` after its FROM, giving each
    /// with the scope before it.
    pub fn walk_stage<'d, F>(&self, df: &'d Dockerfile, stage: usize, mut f: F)
    where
        F: FnMut(&'d Instruction, &Scope),
    {
        let (Some(st), Some(info)) = (df.stages.get(stage), self.stages.get(stage)) else {
            return;
        };
        let lexer = Lexer::new(df.escape);
        let mut scope = info.start_scope.clone();
        for inst in df.stage_instructions(st).iter().skip(1) {
            f(inst, &scope);
            self.apply(&mut scope, inst, &lexer);
        }
    }

    /// Applies one instruction to a scope, as BuildKit dispatches it.
    pub fn apply(&self, scope: &mut Scope, inst: &Instruction, lexer: &Lexer) {
        match &inst.args {
            Args::Env(pairs) => {
                // Every word is expanded before any pair is set.
                let expanded: Vec<(Option<String>, Option<String>)> = pairs
                    .iter()
                    .map(|kv| {
                        let key = lexer.process(&kv.key.raw, &*scope).ok().map(|e| e.value);
                        let value = match lexer.process(&kv.value.raw, &*scope) {
                            Ok(e) if !e.uncertain => Some(e.value),
                            _ => None,
                        };
                        (key, value)
                    })
                    .collect();
                for (key, value) in expanded {
                    if let Some(key) = key {
                        scope.set(&key, value);
                    }
                }
            }
            Args::Arg(decls) => {
                for decl in decls {
                    self.apply_arg(scope, decl, lexer);
                }
            }
            Args::Shell(_) => scope.shell_set = true,
            Args::Workdir(_) => scope.workdir_set = true,
            _ => {}
        }
    }

    /// Applies one declaration of a stage's ARG instruction: its value is the
    /// `--build-arg`, else its expanded default, else the global ARG's value.
    pub fn apply_arg(&self, scope: &mut Scope, decl: &ArgDecl, lexer: &Lexer) {
        let name = decl.name.raw.as_str();
        let value: Option<Option<String>> = if let Some(v) = self.build_args.get(name) {
            Some(Some(v.clone()))
        } else if let Some(default) = &decl.default {
            Some(match lexer.process(&default.raw, &*scope) {
                Ok(e) if !e.uncertain => Some(e.value),
                _ => None,
            })
        } else {
            self.global_env.get(name).cloned()
        };
        if let Some(v) = value {
            if !NON_ENV_ARGS.contains(&name) {
                scope.set(name, v);
            }
        }
        scope.args.insert(name.to_string());
    }

    pub fn is_stage_needed(&self, stage: usize) -> bool {
        self.stage_needed.get(stage).copied().unwrap_or(true)
    }

    /// Whether an instruction belongs to a stage the target needs (instructions
    /// before the first FROM always count).
    pub fn is_instruction_needed(&self, inst: &Instruction) -> bool {
        inst.stage.is_none_or(|s| self.is_stage_needed(s))
    }

    /// The stage BuildKit finds for a name (`--target`, `COPY --from`):
    /// case-insensitive, the last stage of that name.
    pub fn stage_by_name(&self, name: &str) -> Option<usize> {
        let lower = name.to_lowercase();
        self.stages
            .iter()
            .rev()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
            .map(|s| s.index)
    }

    /// What `COPY --from=<from>` or `--mount=from=<from>` refers to.
    pub fn copy_source(&self, from: &str) -> CopySource {
        if let Ok(n) = from.parse::<i64>() {
            return if n >= 0 && (n as usize) < self.stages.len() {
                CopySource::Stage(n as usize)
            } else {
                CopySource::BadIndex(n)
            };
        }
        match self.stage_by_name(from) {
            Some(i) => CopySource::Stage(i),
            None => CopySource::Image(ImageRef::parse(from).map_err(|e| e.to_string())),
        }
    }

    /// Stages an instruction reads from (`COPY --from`, `RUN --mount from=`).
    pub fn instruction_sources(&self, inst: &Instruction) -> Vec<usize> {
        let mut out = Vec::new();
        match inst.kind {
            Kind::Copy => {
                if let Some(w) = inst.flag("from").and_then(|f| f.value.as_ref()) {
                    if let CopySource::Stage(s) = self.copy_source(&w.raw) {
                        out.push(s);
                    }
                }
            }
            Kind::Run => {
                for f in inst.flags_named("mount") {
                    let Some(v) = &f.value else { continue };
                    for (k, v) in mount_options(&v.raw) {
                        if k == "from" {
                            if let CopySource::Stage(s) = self.copy_source(&v) {
                                out.push(s);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// The global ARG declared with this name, if any.
    pub fn global_arg(&self, name: &str) -> Option<&GlobalArg> {
        self.global_args.iter().rev().find(|a| a.name == name)
    }
}

/// The `key=value` fields of a `--mount` value (BuildKit reads it as one CSV
/// record; keys are lower-cased, a field without `=` has an empty value).
pub fn mount_options(value: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = value.chars().peekable();
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' if in_quotes => in_quotes = false,
            '"' if at_field_start => in_quotes = true,
            ',' if !in_quotes => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
                continue;
            }
            c => field.push(c),
        }
        at_field_start = false;
    }
    fields.push(field);
    fields
        .into_iter()
        .filter(|f| !f.is_empty())
        .map(|f| match f.split_once('=') {
            Some((k, v)) => (k.trim().to_lowercase(), v.to_string()),
            None => (f.trim().to_lowercase(), String::new()),
        })
        .collect()
}

/// The file span of `range` (byte offsets into `word.raw`), also when the
/// word crossed a line continuation that its raw text no longer holds.
pub fn word_span(inst: &Instruction, word: &Word, range: std::ops::Range<usize>) -> Span {
    let raw_len = word.raw.len();
    let (start, end) = (range.start.min(raw_len), range.end.min(raw_len));
    if word.span.len() as usize == raw_len {
        return Span::new(word.span.start + start as u32, word.span.start + end as u32);
    }
    // Find the word in the instruction's logical line, where continuations
    // are joined the same way, and map through it.
    for line in [&inst.line, &inst.rest] {
        for (at, _) in line.text.match_indices(word.raw.as_str()) {
            if line.to_file(at as u32) == word.span.start {
                return line.span((at + start) as u32, (at + end) as u32);
            }
        }
    }
    word.span
}

/// Expands a word of an instruction with a scope, as BuildKit's dispatch does.
pub fn expand_word(lexer: &Lexer, word: &Word, scope: &Scope) -> Result<Expansion, ExpandError> {
    lexer.process(&word.raw, scope)
}

/// Quote removal for a word that holds no variables (keys, flags).
pub fn literal(word: &Word, escape: char) -> Option<String> {
    expand::unquote(&word.raw, escape).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Dockerfile {
        crate::dockerfile::parse(src.to_string()).unwrap()
    }

    fn sem(src: &str) -> (Dockerfile, Semantic) {
        let df = parse(src);
        let s = Semantic::new(&df, BTreeMap::new(), None);
        (df, s)
    }

    fn sem_with(src: &str, args: &[(&str, &str)], target: Option<&str>) -> Semantic {
        let df = parse(src);
        Semantic::new(
            &df,
            args.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            target.map(str::to_string),
        )
    }

    #[test]
    fn from_resolves_global_args_and_build_args() {
        let src = "ARG IMAGE=nginx:1.27\nFROM ${IMAGE}\n";
        let (_, s) = sem(src);
        assert_eq!(
            s.stages[0].base,
            BaseImage::Image(ImageRef::parse("nginx:1.27").unwrap())
        );
        let s = sem_with(src, &[("IMAGE", "alpine:3")], None);
        assert_eq!(
            s.stages[0].base,
            BaseImage::Image(ImageRef::parse("alpine:3").unwrap())
        );
        // Declared without a default: unknown until given.
        let (_, s) = sem("ARG IMAGE\nFROM ${IMAGE}\n");
        assert_eq!(s.stages[0].base, BaseImage::Unknown);
        assert_eq!(s.default_env.get("IMAGE"), None);
        // Defaults referring to earlier ARGs.
        let (_, s) = sem("ARG V=3.20\nARG IMG=alpine:${V}\nFROM $IMG\n");
        assert_eq!(
            s.stages[0].base,
            BaseImage::Image(ImageRef::parse("alpine:3.20").unwrap())
        );
    }

    #[test]
    fn stage_bases_and_names() {
        let (_, s) = sem(
            "FROM golang:1.22 AS Build\nFROM build\nFROM scratch AS out\nFROM Build\nFROM out AS final\n",
        );
        assert_eq!(s.stages[0].name.as_deref(), Some("build"));
        assert_eq!(s.stages[1].base, BaseImage::Stage(0));
        assert_eq!(s.stages[2].base, BaseImage::Scratch);
        // FROM matches stage names as written: `Build` is no stage (and no
        // valid image name).
        assert!(matches!(s.stages[3].base, BaseImage::Invalid(_)));
        assert_eq!(s.stages[4].base, BaseImage::Stage(2));
        assert_eq!(s.stage_by_name("BUILD"), Some(0));
        // Automatic platform args.
        let (_, s) = sem(
            "FROM alpine AS build_amd64\nFROM alpine AS build_arm64\nFROM build_${TARGETARCH}\n",
        );
        let arch = host_arch().0;
        let expected = if arch == "amd64" { 0 } else { 1 };
        if arch == "amd64" || arch == "arm64" {
            assert_eq!(s.stages[2].base, BaseImage::Stage(expected));
        }
        let s = sem_with(
            "FROM alpine AS build_amd64\nFROM alpine AS build_arm64\nFROM build_${TARGETARCH}\n",
            &[("TARGETARCH", "arm64")],
            None,
        );
        assert_eq!(s.stages[2].base, BaseImage::Stage(1));
    }

    #[test]
    fn target_needs_its_dependencies() {
        let src = "\
FROM alpine AS a
FROM alpine AS b
FROM alpine AS c
COPY --from=a /x /x
RUN --mount=type=bind,from=b,target=/y true
FROM c AS d
FROM alpine AS unrelated
COPY --from=0 /x /x
";
        let s = sem_with(src, &[], Some("D"));
        assert_eq!(s.target_stage, Some(3));
        assert_eq!(s.stage_needed, vec![true, true, true, true, false]);
        assert!(!s.is_stage_needed(4));
        let s = sem_with(src, &[], None);
        assert!(s.stage_needed.iter().all(|&n| n));
        let s = sem_with(src, &[], Some("missing"));
        assert!(s.target_missing);
        assert!(s.stage_needed.iter().all(|&n| n));
        let s = sem_with(src, &[], Some("unrelated"));
        assert_eq!(s.stage_needed, vec![true, false, false, false, true]);
    }

    #[test]
    fn onbuild_triggers_of_a_base_stage_are_dependencies() {
        let src = "FROM alpine AS assets\nFROM alpine AS base\nONBUILD COPY --from=assets /a /a\nFROM base AS app\nFROM alpine AS other\n";
        let s = sem_with(src, &[], Some("app"));
        assert_eq!(s.stage_needed, vec![true, true, true, false]);
    }

    #[test]
    fn copy_sources() {
        let (_, s) = sem("FROM alpine AS builder\nFROM alpine\n");
        assert_eq!(s.copy_source("Builder"), CopySource::Stage(0));
        assert_eq!(s.copy_source("1"), CopySource::Stage(1));
        assert_eq!(s.copy_source("7"), CopySource::BadIndex(7));
        assert!(matches!(s.copy_source("nginx:1"), CopySource::Image(Ok(_))));
        assert!(matches!(s.copy_source("Nope"), CopySource::Image(Err(_))));
    }

    #[test]
    fn scopes_follow_env_and_arg() {
        let src = "\
ARG GLOBAL=g
ARG ONLY_GLOBAL=x
FROM scratch AS base
ARG GLOBAL
ARG LOCAL=l
ARG NOVALUE
ENV A=1 B=$A
ENV C $LOCAL
FROM base
ARG TARGETARCH
";
        let (df, s) = sem(src);
        let end = &s.stages[0].end_scope;
        assert_eq!(end.env.get("GLOBAL"), Some(&Some("g".to_string())));
        assert_eq!(end.env.get("LOCAL"), Some(&Some("l".to_string())));
        assert_eq!(end.env.get("A"), Some(&Some("1".to_string())));
        // ENV expands every word before setting any.
        assert_eq!(end.env.get("B"), Some(&Some(String::new())));
        assert_eq!(end.env.get("C"), Some(&Some("l".to_string())));
        assert!(end.args.contains("NOVALUE"));
        assert!(!end.env.contains_key("NOVALUE"));
        assert!(end.is_defined("NOVALUE"));
        assert!(!end.is_defined("ONLY_GLOBAL"));
        assert!(end.is_defined("PATH"));
        // A stage built on another inherits its scope.
        let end = &s.stages[1].end_scope;
        assert!(end.is_defined("LOCAL"));
        assert_eq!(
            end.env.get("TARGETARCH"),
            Some(&Some(host_arch().0.to_string()))
        );
        // The walk gives the scope before each instruction.
        let mut seen = Vec::new();
        s.walk_stage(&df, 0, |inst, scope| {
            seen.push((inst.keyword.clone(), scope.is_defined("A")));
        });
        assert_eq!(
            seen,
            vec![
                ("ARG".into(), false),
                ("ARG".into(), false),
                ("ARG".into(), false),
                ("ENV".into(), false),
                ("ENV".into(), true)
            ]
        );
    }

    #[test]
    fn build_args_win_over_defaults_in_stages() {
        let s = sem_with("FROM scratch\nARG V=1\n", &[("V", "2")], None);
        assert_eq!(
            s.stages[0].end_scope.env.get("V"),
            Some(&Some("2".to_string()))
        );
    }

    #[test]
    fn official_images_define_their_variables() {
        let (_, s) = sem("FROM python:3.12\n");
        let scope = &s.stages[0].end_scope;
        assert!(scope.is_defined("PYTHON_VERSION"));
        assert!(!scope.base_unknown);
        assert!(!scope.is_defined("NODE_VERSION"));
        let (_, s) = sem("FROM alpine:3.20\n");
        assert!(!s.stages[0].end_scope.is_defined("JAVA_HOME"));
        assert!(!s.stages[0].end_scope.base_unknown);
        // An unknown image may define conventional names, not others.
        let (_, s) = sem("FROM mycorp/base:1\n");
        let scope = &s.stages[0].end_scope;
        assert!(scope.base_unknown);
        assert!(scope.is_defined("APP_HOME"));
        assert!(!scope.is_defined("foo"));
    }

    #[test]
    fn a_resolver_supplies_image_config() {
        struct Local;
        impl ImageResolver for Local {
            fn resolve(&self, image: &ImageRef) -> Option<ImageConfig> {
                (image.familiar_name() == "mycorp/base").then(|| ImageConfig {
                    env: vec![("APP_HOME".into(), Some("/app".into()))],
                    shell: vec!["/bin/bash".into(), "-c".into()],
                    ..ImageConfig::default()
                })
            }
        }
        let df = parse("FROM mycorp/base:1\n");
        let chain = ResolverChain(vec![&Local, &official::OfficialImages]);
        let s = Semantic::with_resolver(&df, BTreeMap::new(), None, &chain);
        let scope = &s.stages[0].end_scope;
        assert!(!scope.base_unknown);
        assert!(scope.is_defined("APP_HOME"));
        assert!(!scope.is_defined("OTHER_HOME"));
        assert!(scope.shell_set);
    }

    #[test]
    fn the_base_config_follows_the_stage_chain() {
        struct Local;
        impl ImageResolver for Local {
            fn resolve(&self, image: &ImageRef) -> Option<ImageConfig> {
                (image.familiar_name() == "mycorp/runtime").then(|| ImageConfig {
                    user: Some("1001".into()),
                    os: Some("linux".into()),
                    ..ImageConfig::default()
                })
            }
        }
        let df = parse(
            "FROM mycorp/runtime:2 AS base
FROM base AS final
FROM alpine:3.20
",
        );
        let s = Semantic::with_resolver(&df, BTreeMap::new(), None, &Local);
        let user = |i: usize| {
            s.stages[i]
                .base_config
                .as_ref()
                .and_then(|c| c.user.clone())
        };
        assert_eq!(user(0).as_deref(), Some("1001"));
        assert_eq!(user(1).as_deref(), Some("1001"));
        assert_eq!(user(2), None);
    }

    #[test]
    fn onbuild_triggers_of_an_image_set_variables() {
        struct Local(Vec<String>);
        impl ImageResolver for Local {
            fn resolve(&self, _image: &ImageRef) -> Option<ImageConfig> {
                Some(ImageConfig {
                    env: vec![("PATH".into(), Some(DEFAULT_PATH.into()))],
                    onbuild: self.0.clone(),
                    ..ImageConfig::default()
                })
            }
        }
        let df = parse("FROM mycorp/base:1\n");
        let triggers = Local(vec!["ENV APP_HOME=/app".into(), "ARG build_id".into()]);
        let s = Semantic::with_resolver(&df, BTreeMap::new(), None, &triggers);
        let scope = &s.stages[0].start_scope;
        assert!(!scope.base_unknown);
        assert_eq!(scope.env["APP_HOME"].as_deref(), Some("/app"));
        assert!(scope.is_defined("build_id"));
        assert!(!scope.is_defined("OTHER_HOME"));

        let unreadable = Local(vec!["COPY <<EOF /x".into()]);
        let s = Semantic::with_resolver(&df, BTreeMap::new(), None, &unreadable);
        assert!(s.stages[0].start_scope.base_unknown);
    }

    #[test]
    fn mount_option_fields() {
        assert_eq!(
            mount_options("type=bind,From=builder,source=/a,target=/b,ro"),
            vec![
                ("type".into(), "bind".into()),
                ("from".into(), "builder".into()),
                ("source".into(), "/a".into()),
                ("target".into(), "/b".into()),
                ("ro".into(), String::new()),
            ]
        );
        assert_eq!(
            mount_options(r#""type=secret,id=a",target=/x"#),
            vec![
                ("type".into(), "secret,id=a".into()),
                ("target".into(), "/x".into())
            ]
        );
    }

    #[test]
    fn word_spans_cross_continuations() {
        let src = "FROM alpine\nENV DEPS \\\n    curl \\\n    git\n";
        let df = parse(src);
        let inst = &df.instructions[1];
        let Args::Env(pairs) = &inst.args else {
            panic!()
        };
        let w = &pairs[0].value;
        let g = w.raw.find("git").unwrap();
        let span = word_span(inst, w, g..g + 3);
        assert_eq!(span.slice(src), "git");
        let c = w.raw.find("curl").unwrap();
        assert_eq!(word_span(inst, w, c..c + 4).slice(src), "curl");
    }
}
