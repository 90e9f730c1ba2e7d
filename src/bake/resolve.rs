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
        // buildx reads a member that names a group being expanded as a
        // target of that name: a cycle only when there is no such target.
        if group_reaches(config, &g.name, &g.name, &mut BTreeSet::new())
            && config.target(&g.name).is_none()
        {
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
    resolve_with_env(config, names, sets, &std::env::vars().collect())
}

/// [`resolve`] with the environment a bare `--set TARGET.args.NAME` reads
/// its value from (buildx: the process environment; unset, the override is
/// ignored).
pub fn resolve_with_env(
    config: &Config,
    names: &[String],
    sets: &[String],
    env: &BTreeMap<String, String>,
) -> Result<Resolved, String> {
    let names: Vec<String> = if names.is_empty() {
        vec!["default".to_string()]
    } else {
        names.to_vec()
    };
    let mut expanded = Vec::new();
    for n in &names {
        expanded.extend(match_names(config, n)?);
    }
    let overrides = parse_overrides(config, sets, env)?;
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
    // buildx's `ReadTargets`: the names asked for join the `default` group
    // (the file's, when it was asked for), sorted.
    let had_default = out.groups.contains_key("default");
    let mut members = out.groups.remove("default").unwrap_or_default();
    for n in &expanded {
        if !(had_default && n == "default") {
            members.push(n.clone());
        }
    }
    members.sort();
    members.dedup();
    out.groups.insert("default".to_string(), members);
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
    let as_target = |targets: &mut Vec<String>| {
        if !targets.iter().any(|t| t == name) {
            targets.push(name.to_string());
        }
    };
    let Some(g) = config.group(name) else {
        as_target(targets);
        return;
    };
    // A group expanded already added its members; a member naming a group
    // still being expanded (`group "foo" { targets = ["foo"] }`) is the
    // target of that name, as in buildx.
    if groups.iter().any(|x| x == name) {
        if visiting.contains(name) {
            as_target(targets);
        }
        return;
    }
    visiting.insert(name.to_string());
    groups.push(name.to_string());
    for (m, _) in &g.targets {
        expand_into(config, m, visiting, targets, groups);
    }
    visiting.remove(name);
}

/// buildx's message for a name that is no target, and what the files do
/// define: the closest name, else the list.
fn unknown_target(config: &Config, name: &str) -> String {
    let mut names: Vec<&str> = config
        .targets
        .iter()
        .map(|t| t.name.as_str())
        .chain(config.groups.iter().map(|g| g.name.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let closest = names
        .iter()
        .map(|n| (strsim::jaro_winkler(name, n), *n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match (closest, names.is_empty()) {
        (Some((_, n)), _) => format!("failed to find target {name} (did you mean `{n}`?)"),
        (None, true) => format!("failed to find target {name} (the bake files define none)"),
        (None, false) => format!(
            "failed to find target {name} (targets and groups: {})",
            names.join(", ")
        ),
    }
}

fn resolve_target(
    config: &Config,
    name: &str,
    overrides: &BTreeMap<String, Vec<Override>>,
) -> Result<Target, String> {
    let mut t = merged(config, name, &mut BTreeMap::new(), overrides)?
        .ok_or_else(|| unknown_target(config, name))?;
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
/// its overrides. Each target is resolved once per resolution and reused (a
/// parent two parents share is merged in full through both); a parent
/// still being merged (a cycle) is skipped, as buildx does.
fn merged(
    config: &Config,
    name: &str,
    visited: &mut BTreeMap<String, Option<Target>>,
    overrides: &BTreeMap<String, Vec<Override>>,
) -> Result<Option<Target>, String> {
    if let Some(done) = visited.get(name) {
        return Ok(done.clone());
    }
    visited.insert(name.to_string(), None);
    let Some(own) = config.target(name) else {
        return Err(unknown_target(config, name));
    };
    let mut base = Target::default();
    for (parent, _) in &own.inherits {
        if let Some(p) = merged(config, parent, visited, overrides)? {
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
    visited.insert(name.to_string(), Some(base.clone()));
    Ok(Some(base))
}

/// buildx's `normalize`: duplicates out of lists, empty contexts dropped.
fn normalize(t: &mut Target) {
    for (key, (value, _)) in t.attrs.iter_mut() {
        match value {
            AttrValue::List(l) => {
                let mut seen = BTreeSet::new();
                // An empty `output`/cache/secret/ssh/attest entry is none
                // (buildx parses them away: `output = [""]`, `--set
                // app.output=`).
                let csv = matches!(
                    *key,
                    "output" | "cache-from" | "cache-to" | "secret" | "ssh" | "attest"
                );
                l.retain(|v| !(csv && v.trim().is_empty()) && seen.insert(v.clone()));
            }
            AttrValue::Map(m) if *key == "contexts" => {
                m.retain(|_, v| v.as_deref().is_some_and(|v| !v.is_empty()));
            }
            // buildx's `Target.Merge` skips null args, labels and hosts:
            // they never reach the resolved target.
            AttrValue::Map(m) => m.retain(|_, v| v.is_some()),
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
    env: &BTreeMap<String, String>,
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
        let value = match (value, field, sub) {
            (Some(v), _, _) => v,
            // `TARGET.args.NAME`: the value of NAME in the environment, or
            // no override at all.
            (None, "args", Some(name)) => match env.get(name) {
                Some(v) => v.as_str(),
                None => continue,
            },
            _ => {
                return Err(format!(
                    "invalid override {set}, expected target.name=value"
                ))
            }
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
        let names = override_targets(config, pattern)?;
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

/// buildx's `expandTargets`: the target of that name, or the targets the
/// glob matches (groups are not expanded).
fn override_targets(config: &Config, pattern: &str) -> Result<Vec<String>, String> {
    if config.target(pattern).is_some() {
        return Ok(vec![pattern.to_string()]);
    }
    let names: Vec<String> = match globset::Glob::new(pattern) {
        Ok(g) => {
            let m = g.compile_matcher();
            config
                .targets
                .iter()
                .filter(|t| m.is_match(&t.name))
                .map(|t| t.name.clone())
                .collect()
        }
        Err(e) => return Err(format!("could not match targets with '{pattern}': {e}")),
    };
    if names.is_empty() {
        return Err(format!("could not find any target matching '{pattern}'"));
    }
    Ok(names)
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
            if attr == "resources" {
                if let Some(why) = super::model::resource_problem(sub, Some(&last)) {
                    return Err(why);
                }
            }
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
            // buildx appends these whether `=` or `+=` is used.
            let always_append = matches!(attr, "annotations" | "attest" | "entitlements");
            if o.append || always_append {
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
