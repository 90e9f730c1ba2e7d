//! Loading bake files and resolving targets as `docker buildx bake` does:
//! files merged in order, groups expanded, `inherits` merged, `--set`
//! applied, defaults filled in, and `target:` contexts followed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::discover;
use super::eval::Evaluator;
use super::model::{
    attr_kind, AttrKind, AttrValue, BakeFile, Config, KeySpan, Problem, ProblemKind, Target,
};
use super::parse;
use crate::span::Span;

/// What to load, as `docker buildx bake` is told.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `-f` files in order; empty means the default names in `working_dir`.
    pub files: Vec<PathBuf>,
    /// Where default files are looked for; default: the current directory.
    pub working_dir: Option<PathBuf>,
    /// The environment variables override `variable` defaults from (the
    /// caller passes `std::env::vars()`).
    pub environment: BTreeMap<String, String>,
    /// Texts read instead of files, by path as given.
    pub overlay: BTreeMap<PathBuf, String>,
}

/// Files read and what they define.
#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<BakeFile>,
    pub config: Config,
    /// Problems found while reading and evaluating, and in references
    /// between targets and groups (independent of what is selected).
    pub problems: Vec<Problem>,
    /// Nothing could be loaded, in words.
    pub error: Option<String>,
}

/// Loads and evaluates the files.
pub fn load(opts: &LoadOptions) -> Loaded {
    let dir = opts
        .working_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let paths = if opts.files.is_empty() {
        discover::default_files(&dir)
    } else {
        opts.files.clone()
    };
    let mut loaded = Loaded::default();
    if paths.is_empty() {
        loaded.error = Some(format!(
            "no bake file found in {} (looked for {})",
            dir.display(),
            discover::DEFAULT_FILE_NAMES.join(", ")
        ));
        return loaded;
    }
    let mut raws = Vec::new();
    for path in paths {
        let text = match opts.overlay.get(&path) {
            Some(t) => t.clone(),
            None => match read_text(&path) {
                Ok(t) => t,
                Err(e) => {
                    loaded.error = Some(format!("{}: {e}", path.display()));
                    return loaded;
                }
            },
        };
        let file = loaded.files.len();
        match parse::parse(&text, discover::is_json(&path)) {
            Ok(raw) => raws.push(raw),
            Err(e) => {
                loaded.problems.push(Problem {
                    kind: ProblemKind::Syntax,
                    at: KeySpan { file, span: e.span },
                    message: e.message,
                });
                raws.push(parse::RawFile::default());
            }
        }
        loaded.files.push(BakeFile { path, text });
    }
    let mut evaluator = Evaluator::new(&opts.environment);
    loaded.config = evaluator.run(&raws);
    loaded.problems.extend(evaluator.problems);
    loaded.problems.extend(check_references(&loaded.config));
    loaded
}

/// Reads a bake file: text only, of a sane size.
fn read_text(path: &Path) -> Result<String, String> {
    const MAX: u64 = 16 << 20;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > MAX {
        return Err(format!(
            "the file is larger than {} MiB; is it a bake file?",
            MAX >> 20
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {}); a bake file is HCL or JSON text",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Undefined names and cycles in groups, `inherits` and `target:`
/// contexts, over every target and group the files define.
pub fn check_references(config: &Config) -> Vec<Problem> {
    let mut problems = Vec::new();
    let defined = |n: &str| config.target(n).is_some() || config.group(n).is_some();
    for g in &config.groups {
        for (member, at) in &g.targets {
            if !defined(member) {
                problems.push(Problem {
                    kind: ProblemKind::UndefinedTarget,
                    at: *at,
                    message: format!(
                        "group `{}` names `{member}`, which is no target or group",
                        g.name
                    ),
                });
            }
        }
        if group_reaches(config, &g.name, &g.name, &mut BTreeSet::new()) {
            problems.push(Problem {
                kind: ProblemKind::Cycle,
                at: g.at,
                message: format!("group `{}` contains itself", g.name),
            });
        }
    }
    for t in &config.targets {
        for (parent, at) in &t.inherits {
            if config.target(parent).is_none() {
                problems.push(Problem {
                    kind: ProblemKind::UndefinedTarget,
                    at: *at,
                    message: format!(
                        "target `{}` inherits from `{parent}`, which is not a target",
                        t.name
                    ),
                });
            }
        }
        if let Some(path) = inherits_cycle(config, &t.name, &mut Vec::new()) {
            problems.push(Problem {
                kind: ProblemKind::Cycle,
                at: t.inherits.first().map(|i| i.1).unwrap_or(t.at),
                message: format!("`inherits` goes round in a circle: {}", path.join(" → ")),
            });
        }
        for (name, other) in t.target_contexts() {
            let at = t.span_of("contexts");
            if other == t.name {
                problems.push(Problem {
                    kind: ProblemKind::Cycle,
                    at,
                    message: format!(
                        "context `{name}` of target `{}` is the target itself",
                        t.name
                    ),
                });
            } else if config.target(&other).is_none() {
                problems.push(Problem {
                    kind: ProblemKind::UndefinedTarget,
                    at,
                    message: format!(
                        "context `{name}` names `target:{other}`, which is not a target"
                    ),
                });
            }
        }
        if let Some(path) = link_cycle(config, &t.name, &mut Vec::new()) {
            if path.len() > 2 {
                problems.push(Problem {
                    kind: ProblemKind::Cycle,
                    at: t.span_of("contexts"),
                    message: format!(
                        "`target:` contexts go round in a circle: {}",
                        path.join(" → ")
                    ),
                });
            }
        }
    }
    problems
}

fn group_reaches(config: &Config, from: &str, goal: &str, seen: &mut BTreeSet<String>) -> bool {
    let Some(g) = config.group(from) else {
        return false;
    };
    for (m, _) in &g.targets {
        if m == goal {
            return true;
        }
        if seen.insert(m.clone()) && group_reaches(config, m, goal, seen) {
            return true;
        }
    }
    false
}

/// The path of an `inherits` cycle through `name`, if any.
fn inherits_cycle(config: &Config, name: &str, path: &mut Vec<String>) -> Option<Vec<String>> {
    if path.first().is_some_and(|f| f == name) {
        let mut p = path.clone();
        p.push(name.to_string());
        return Some(p);
    }
    if path.iter().any(|p| p == name) {
        return None;
    }
    let t = config.target(name)?;
    path.push(name.to_string());
    for (parent, _) in &t.inherits {
        if let Some(p) = inherits_cycle(config, parent, path) {
            return Some(p);
        }
    }
    path.pop();
    None
}

fn link_cycle(config: &Config, name: &str, path: &mut Vec<String>) -> Option<Vec<String>> {
    if path.first().is_some_and(|f| f == name) {
        let mut p = path.clone();
        p.push(name.to_string());
        return Some(p);
    }
    if path.iter().any(|p| p == name) {
        return None;
    }
    let t = config.target(name)?;
    path.push(name.to_string());
    for (_, other) in t.target_contexts() {
        if let Some(p) = link_cycle(config, &other, path) {
            return Some(p);
        }
    }
    path.pop();
    None
}

/// Selected targets resolved for building.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub targets: BTreeMap<String, Target>,
    /// Groups by name, with their member names (`default` always there).
    pub groups: BTreeMap<String, Vec<String>>,
    /// Targets added only because another uses them as `target:` context.
    pub linked: BTreeSet<String>,
}

/// One `--set` override.
#[derive(Clone, Debug)]
struct Override {
    key: String,
    values: Vec<String>,
    append: bool,
}

/// Resolves `names` (targets or groups; empty means `default`) with `sets`
/// (`target.key=value`) as `docker buildx bake` does. An error is a
/// sentence naming what to fix.
pub fn resolve(config: &Config, names: &[String], sets: &[String]) -> Result<Resolved, String> {
    let names: Vec<String> = if names.is_empty() {
        vec!["default".to_string()]
    } else {
        names.to_vec()
    };
    let mut expanded = Vec::new();
    for n in &names {
        expanded.extend(match_names(config, n)?);
    }
    let overrides = parse_overrides(config, sets)?;
    let mut out = Resolved::default();
    for n in &expanded {
        let (targets, groups) = expand_group(config, n);
        for t in targets {
            if out.targets.contains_key(&t) {
                continue;
            }
            let resolved = resolve_target(config, &t, &overrides)?;
            out.targets.insert(t, resolved);
        }
        for g in groups {
            if let Some(group) = config.group(&g) {
                out.groups.insert(
                    g.clone(),
                    group.targets.iter().map(|m| m.0.clone()).collect(),
                );
            }
        }
    }
    if !(out.groups.contains_key("default") && expanded.iter().any(|n| n == "default")) {
        let mut members: Vec<String> = expanded.clone();
        members.sort();
        members.dedup();
        out.groups.insert("default".to_string(), members);
    }
    // Targets other targets use through `target:` contexts are built too.
    let mut queue: Vec<String> = out.targets.keys().cloned().collect();
    while let Some(name) = queue.pop() {
        let links = out.targets[&name].target_contexts();
        for (_, other) in links {
            if other == name {
                return Err(format!("target {other} cannot link to itself"));
            }
            if !out.targets.contains_key(&other) {
                let mut t = resolve_target(config, &other, &overrides)?;
                t.attrs.insert(
                    "output",
                    (
                        AttrValue::List(vec!["type=cacheonly".into()]),
                        t.span_of("output"),
                    ),
                );
                out.targets.insert(other.clone(), t);
                out.linked.insert(other.clone());
                queue.push(other);
            }
        }
    }
    Ok(out)
}

/// Glob patterns (`*`, `?`, `[`) match target and group names.
fn match_names(config: &Config, pattern: &str) -> Result<Vec<String>, String> {
    if !pattern.contains(['*', '?', '[']) {
        return Ok(vec![pattern.to_string()]);
    }
    let glob = globset::Glob::new(pattern)
        .map_err(|e| format!("invalid target pattern {pattern:?}: {e}"))?
        .compile_matcher();
    let mut out: Vec<String> = config
        .groups
        .iter()
        .map(|g| &g.name)
        .chain(config.targets.iter().map(|t| &t.name))
        .filter(|n| glob.is_match(n.as_str()))
        .cloned()
        .collect();
    out.dedup();
    if out.is_empty() {
        return Err(format!("no target or group matches {pattern:?}"));
    }
    Ok(out)
}

/// buildx's `ResolveGroup`: the targets and groups a name stands for.
pub fn expand_group(config: &Config, name: &str) -> (Vec<String>, Vec<String>) {
    let mut targets = Vec::new();
    let mut groups = Vec::new();
    let mut visiting = BTreeSet::new();
    expand_into(config, name, &mut visiting, &mut targets, &mut groups);
    (targets, groups)
}

fn expand_into(
    config: &Config,
    name: &str,
    visiting: &mut BTreeSet<String>,
    targets: &mut Vec<String>,
    groups: &mut Vec<String>,
) {
    let Some(g) = config.group(name) else {
        if !targets.iter().any(|t| t == name) {
            targets.push(name.to_string());
        }
        return;
    };
    if !visiting.insert(name.to_string()) {
        return;
    }
    if !groups.iter().any(|x| x == name) {
        groups.push(name.to_string());
    }
    for (m, _) in &g.targets {
        expand_into(config, m, visiting, targets, groups);
    }
}

fn resolve_target(
    config: &Config,
    name: &str,
    overrides: &BTreeMap<String, Vec<Override>>,
) -> Result<Target, String> {
    let mut t = merged(config, name, &mut BTreeSet::new(), overrides)?
        .ok_or_else(|| format!("failed to find target {name}"))?;
    t.inherits.clear();
    let at = t.at;
    if t.str("context").is_none() {
        t.attrs.insert("context", (AttrValue::Str(".".into()), at));
    }
    if t.str("dockerfile").is_none_or(str::is_empty) {
        t.attrs
            .insert("dockerfile", (AttrValue::Str("Dockerfile".into()), at));
    }
    Ok(t)
}

/// buildx's `Config.target`: parents merged in order, then the target, then
/// its overrides. A parent already being merged is skipped, as buildx does.
fn merged(
    config: &Config,
    name: &str,
    visiting: &mut BTreeSet<String>,
    overrides: &BTreeMap<String, Vec<Override>>,
) -> Result<Option<Target>, String> {
    if !visiting.insert(name.to_string()) {
        return Ok(None);
    }
    let Some(own) = config.target(name) else {
        return Err(format!("failed to find target {name}"));
    };
    let mut base = Target::default();
    for (parent, _) in &own.inherits {
        if let Some(p) = merged(config, parent, visiting, overrides)? {
            base.merge(&p);
        }
    }
    base.merge(own);
    base.name = own.name.clone();
    base.at = own.at;
    for o in overrides.get(name).into_iter().flatten() {
        apply_override(&mut base, o)?;
    }
    normalize(&mut base);
    Ok(Some(base))
}

/// buildx's `normalize`: duplicates out of lists, empty contexts dropped.
fn normalize(t: &mut Target) {
    for (key, (value, _)) in t.attrs.iter_mut() {
        match value {
            AttrValue::List(l) => {
                let mut seen = BTreeSet::new();
                l.retain(|v| seen.insert(v.clone()));
            }
            AttrValue::Map(m) if *key == "contexts" => {
                m.retain(|_, v| v.as_deref().is_some_and(|v| !v.is_empty()));
            }
            _ => {}
        }
    }
    if t.map("contexts").is_some_and(|m| m.is_empty()) {
        t.attrs.remove("contexts");
    }
}

fn parse_overrides(
    config: &Config,
    sets: &[String],
) -> Result<BTreeMap<String, Vec<Override>>, String> {
    let mut out: BTreeMap<String, Vec<Override>> = BTreeMap::new();
    for set in sets {
        let (lhs, value) = match set.split_once('=') {
            Some((l, v)) => (l, Some(v)),
            None => (set.as_str(), None),
        };
        let append = lhs.ends_with('+');
        let lhs = lhs.trim_end_matches('+');
        let mut keys = lhs.splitn(3, '.');
        let (Some(pattern), Some(field)) = (keys.next(), keys.next()) else {
            return Err(format!("invalid override key {lhs}, expected target.name"));
        };
        let sub = keys.next();
        let Some(value) = value else {
            return Err(format!(
                "invalid override {set}, expected target.name=value"
            ));
        };
        if matches!(
            field,
            "args" | "contexts" | "labels" | "extra-hosts" | "secret"
        ) && sub.is_none()
        {
            return Err(format!("invalid key {lhs}, {field} requires name"));
        }
        let attr = match field {
            "platform" => "platforms",
            "secrets" => "secret",
            other => other,
        };
        if attr_kind(attr).is_none() {
            return Err(format!("unknown key: {field}"));
        }
        let key = match sub {
            Some(s) => format!("{attr}.{s}"),
            None => attr.to_string(),
        };
        let mut names = Vec::new();
        for n in match_names(config, pattern)? {
            names.extend(expand_group(config, &n).0);
        }
        for name in names {
            let list = out.entry(name).or_default();
            match list.iter_mut().find(|o| o.key == key) {
                Some(o) => o.values.push(value.to_string()),
                None => list.push(Override {
                    key: key.clone(),
                    values: vec![value.to_string()],
                    append,
                }),
            }
        }
    }
    Ok(out)
}

fn apply_override(t: &mut Target, o: &Override) -> Result<(), String> {
    let (attr, sub) = match o.key.split_once('.') {
        Some((a, s)) => (a, Some(s)),
        None => (o.key.as_str(), None),
    };
    let Some((attr, kind)) = attr_kind(attr) else {
        return Err(format!("unknown key: {attr}"));
    };
    let at = KeySpan {
        file: usize::MAX,
        span: Span::default(),
    };
    let last = o.values.last().cloned().unwrap_or_default();
    match (kind, sub) {
        (AttrKind::Map, Some(sub)) => {
            let entry = t
                .attrs
                .entry(attr)
                .or_insert_with(|| (AttrValue::Map(BTreeMap::new()), at));
            if let AttrValue::Map(m) = &mut entry.0 {
                m.insert(sub.to_string(), Some(last));
            }
        }
        (AttrKind::Str, _) => {
            t.attrs.insert(attr, (AttrValue::Str(last), at));
        }
        (AttrKind::Bool, _) => {
            let b = match last.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                other => return Err(format!("invalid value {other:?} for boolean key {attr}")),
            };
            t.attrs.insert(attr, (AttrValue::Bool(b), at));
        }
        (AttrKind::ListAppend | AttrKind::ListReplace, _) => {
            let mut values = o.values.clone();
            if o.append {
                let mut have = t.list(attr).to_vec();
                have.append(&mut values);
                values = have;
            }
            t.attrs.insert(attr, (AttrValue::List(values), at));
        }
        (AttrKind::Map, None) => return Err(format!("invalid key {attr}, {attr} requires name")),
    }
    Ok(())
}
