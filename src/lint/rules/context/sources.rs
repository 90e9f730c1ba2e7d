//! What the build reads from its context, and what the context holds for
//! each such path. Every context rule reads the same verdicts, so one source
//! gets one finding: an absolute path is the absolute-source rule's, a path
//! leaving the context the escaping rule's, and so on.

use std::sync::Arc;

use crate::dockerfile::{Args, Instruction, Kind, Word};
use crate::lint::context_view::{ContextView, EntryKind};
use crate::lint::rules::dockerfile::dl_helpers::{mount_fields, sub_span, VarTracker};
use crate::lint::{Diagnostic, DockerfileCx, Severity};
use crate::span::Span;

/// How an instruction reads the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Copy,
    Add,
    /// `RUN --mount=type=bind,source=...` without `from=`.
    Bind,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Copy => "COPY",
            SourceKind::Add => "ADD",
            SourceKind::Bind => "the bind mount",
        }
    }
}

/// One path the build reads from its context.
#[derive(Debug)]
pub struct ContextSource {
    /// The instruction's index in the file.
    pub inst: usize,
    pub kind: SourceKind,
    /// The word holding the path (for a bind mount: the flag's value).
    pub word: Word,
    /// What to underline: the source word, or the `source=` value.
    pub span: Span,
    /// The path after quote removal and variable expansion.
    pub value: String,
    /// The context-relative path BuildKit reads (leading `/` and `..` that
    /// climb above the root dropped, `.` segments cleaned).
    pub rel: String,
}

/// Whether the context holds a path, and what keeps it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Presence {
    Present,
    /// Excluded by the ignore file; `pattern` indexes `IgnoreFile::patterns`.
    Excluded {
        pattern: Option<usize>,
    },
    /// Not in the context; `suggest` finds a close path on demand.
    Missing,
    /// A wildcard that matches nothing.
    NoMatch,
}

/// How a source is written, and whether the context holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Written as `/x`: Docker reads `<context>/x`.
    Absolute(Presence),
    /// Written with `..` segments that climb above the context root.
    Escapes(Presence),
    Relative(Presence),
}

impl Verdict {
    pub fn presence(&self) -> &Presence {
        match self {
            Verdict::Absolute(p) | Verdict::Escapes(p) | Verdict::Relative(p) => p,
        }
    }
}

/// Every context path the stages the build needs read, with its verdict:
/// computed once per lint (six rules read it).
pub fn context_sources(cx: &DockerfileCx<'_>) -> Arc<Vec<(ContextSource, Verdict)>> {
    cx.semantic.memo.get_or(|| {
        let mut out = Vec::new();
        let mut vars = VarTracker::new(cx);
        for (index, inst) in cx.df.instructions.iter().enumerate() {
            vars.before(inst);
            if let Some(stage) = inst.stage {
                if cx.semantic.is_stage_needed(stage) {
                    collect(cx, index, inst, &vars, &mut out);
                }
            }
            vars.after(inst);
        }
        out.into_iter()
            .map(|s| {
                let verdict = verdict(cx.context, &s);
                (s, verdict)
            })
            .collect::<Vec<_>>()
    })
}

fn is_remote(value: &str) -> bool {
    value.contains("://") || value.starts_with("git@")
}

fn collect(
    cx: &DockerfileCx<'_>,
    index: usize,
    inst: &Instruction,
    vars: &VarTracker<'_>,
    out: &mut Vec<ContextSource>,
) {
    match (&inst.kind, &inst.args) {
        (Kind::Copy, Args::Copy(args)) | (Kind::Add, Args::Add(args)) => {
            // Sources of `--from` come from a stage or an image, not the context.
            if inst.flag("from").is_some() {
                return;
            }
            let kind = if inst.kind == Kind::Add {
                SourceKind::Add
            } else {
                SourceKind::Copy
            };
            for word in &args.sources {
                let Some(value) = vars.expand(word) else {
                    continue;
                };
                if value.is_empty() || (kind == SourceKind::Add && is_remote(&value)) {
                    continue;
                }
                let value = match value.split_once("/./") {
                    // `COPY --parents a/./b` reads `a/b`.
                    Some((a, b)) if inst.flag("parents").is_some() => format!("{a}/{b}"),
                    _ => value,
                };
                out.push(ContextSource {
                    inst: index,
                    kind,
                    word: word.clone(),
                    span: word.span,
                    rel: clean(&value).0,
                    value,
                });
            }
        }
        (Kind::Run, _) => {
            for flag in inst.flags_named("mount") {
                let Some(word) = &flag.value else {
                    continue;
                };
                let fields = mount_fields(&word.raw);
                let field = |k: &[&str]| fields.iter().find(|f| k.contains(&f.0.as_str()));
                let kind = field(&["type"]).map(|f| f.1.as_str()).unwrap_or("bind");
                if kind != "bind" || field(&["from"]).is_some() {
                    continue;
                }
                let (value, span) = match field(&["source", "src"]) {
                    Some((_, v, range)) => {
                        (v.clone(), sub_span(cx.df, word, range.start, range.end))
                    }
                    None => continue, // the whole context: always there
                };
                let Some(value) =
                    super::super::dockerfile::dl_helpers::expand(&value, cx.df.escape, &vars.vars)
                else {
                    continue;
                };
                if value.is_empty() {
                    continue;
                }
                out.push(ContextSource {
                    inst: index,
                    kind: SourceKind::Bind,
                    word: word.clone(),
                    span,
                    rel: clean(&value).0,
                    value,
                });
            }
        }
        _ => {}
    }
}

/// Cleans a path the way Go's `path.Clean` does from the context root:
/// returns the relative path (`""` for the root) and whether `..` segments
/// tried to climb above the root.
pub fn clean(path: &str) -> (String, bool) {
    let mut parts: Vec<&str> = Vec::new();
    let mut escaped = false;
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    escaped = true;
                }
            }
            s => parts.push(s),
        }
    }
    (parts.join("/"), escaped)
}

/// The verdict for one source.
pub fn verdict(context: &dyn ContextView, source: &ContextSource) -> Verdict {
    let presence = presence(context, &source.rel);
    if source.value.starts_with('/') {
        Verdict::Absolute(presence)
    } else if clean(&source.value).1 {
        Verdict::Escapes(presence)
    } else {
        Verdict::Relative(presence)
    }
}

/// True when a path segment holds a wildcard (Go `filepath.Match` syntax).
pub fn has_wildcard(path: &str) -> bool {
    let mut escaped = false;
    for c in path.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// Go's `filepath.Match` for one path segment (no `/` in either).
pub fn segment_match(pattern: &str, name: &str) -> bool {
    // A directory listing is matched name by name: the literal text before
    // the first wildcard and after the last `*` turns most names away
    // before the pattern is decoded.
    let special = |c: char| matches!(c, '*' | '?' | '[' | '\\');
    let head = &pattern[..pattern.find(special).unwrap_or(pattern.len())];
    if !name.starts_with(head) {
        return false;
    }
    if let Some(star) = pattern.rfind('*') {
        let tail = &pattern[star + 1..];
        if !tail.contains(special) && !name.ends_with(tail) {
            return false;
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_from(&p, &n)
}

fn match_from(p: &[char], n: &[char]) -> bool {
    let mut pi = 0;
    let mut ni = 0;
    // Backtracking point for the last `*`.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                '?' if ni < n.len() => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                '[' if ni < n.len() => {
                    if let Some((matched, len)) = class_match(&p[pi..], n[ni]) {
                        if matched {
                            pi += len;
                            ni += 1;
                            continue;
                        }
                    } else {
                        return false; // malformed class: Go reports ErrBadPattern
                    }
                }
                '\\' if pi + 1 < p.len() && ni < n.len() && p[pi + 1] == n[ni] => {
                    pi += 2;
                    ni += 1;
                    continue;
                }
                c if c != '\\' && ni < n.len() && c == n[ni] && c != '?' && c != '[' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                _ => {}
            }
        } else if ni == n.len() {
            return true;
        }
        match star {
            Some((sp, sn)) if sn < n.len() => {
                star = Some((sp, sn + 1));
                pi = sp + 1;
                ni = sn + 1;
            }
            _ => return false,
        }
    }
}

/// Matches a `[...]` class at the start of `p` against `c`: whether it
/// matched and the class's length, or `None` when malformed.
fn class_match(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negated = p.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *p.get(i)?;
        if ch == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        let lo = if ch == '\\' {
            i += 1;
            *p.get(i)?
        } else {
            ch
        };
        i += 1;
        let mut hi = lo;
        if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|&x| x != ']') {
            i += 1;
            hi = if p[i] == '\\' {
                i += 1;
                *p.get(i)?
            } else {
                p[i]
            };
            i += 1;
        }
        if lo <= c && c <= hi {
            matched = true;
        }
    }
    Some((matched != negated, i))
}

/// Context paths a (possibly wildcard) relative path names, as BuildKit
/// resolves them: each segment matched against the directory entries.
/// Bounded, so a pathological pattern cannot run long.
pub fn resolve(context: &dyn ContextView, rel: &str) -> Vec<String> {
    if !has_wildcard(rel) {
        return match context.entry(rel) {
            Some(_) => vec![rel.to_string()],
            None => Vec::new(),
        };
    }
    let mut current = vec![String::new()];
    for seg in rel.split('/') {
        let mut next = Vec::new();
        for dir in &current {
            if has_wildcard(seg) {
                for (name, _) in context.list_dir(dir) {
                    if segment_match(seg, &name) {
                        next.push(join(dir, &name));
                    }
                }
            } else {
                let unescaped = seg.replace('\\', "");
                let path = join(dir, &unescaped);
                if context.entry(&path).is_some() {
                    next.push(path);
                }
            }
            if next.len() > 10_000 {
                break;
            }
        }
        current = next;
        if current.is_empty() {
            break;
        }
    }
    current
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether the context holds `rel` (a cleaned relative path, maybe a
/// wildcard) for the build, after the ignore file.
pub fn presence(context: &dyn ContextView, rel: &str) -> Presence {
    if rel.is_empty() {
        return Presence::Present;
    }
    let matches = resolve(context, rel);
    if matches.is_empty() {
        if has_wildcard(rel) {
            return Presence::NoMatch;
        }
        return Presence::Missing;
    }
    let mut first_pattern = None;
    for path in &matches {
        match excluded_by(context, path) {
            None => return Presence::Present,
            Some(pattern) => {
                first_pattern.get_or_insert(pattern);
            }
        }
    }
    Presence::Excluded {
        pattern: first_pattern.flatten(),
    }
}

/// `Some(pattern)` when the ignore file keeps `path` (and everything below
/// it) out of the context.
fn excluded_by(context: &dyn ContextView, path: &str) -> Option<Option<usize>> {
    let ignore = context.ignore_file()?;
    let decision = ignore.decide_as_walked(path);
    if !decision.excluded {
        return None;
    }
    // An exception may bring back something below an excluded directory.
    if ignore.could_reinclude_below(path) && context.entry(path) == Some(EntryKind::Dir) {
        let mut stack = vec![path.to_string()];
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            for (name, kind) in context.list_dir(&dir) {
                seen += 1;
                let child = join(&dir, &name);
                if !ignore.decide_as_walked(&child).excluded {
                    return None;
                }
                if kind == EntryKind::Dir {
                    stack.push(child);
                }
            }
            if seen > 20_000 {
                return None; // too large to tell: assume something is sent
            }
        }
    }
    Some(decision.pattern)
}

/// Directory listings already read, shared by the suggestions of one file.
pub type Listings = std::collections::HashMap<String, Vec<(String, EntryKind)>>;

/// A path the context does hold, close to a missing one: each missing
/// segment replaced by the closest entry of its directory.
#[cfg(test)]
pub fn suggest(context: &dyn ContextView, rel: &str) -> Option<String> {
    suggest_with(context, rel, &mut Listings::new())
}

/// [`suggest`], reading each directory once across calls.
pub fn suggest_with(
    context: &dyn ContextView,
    rel: &str,
    listings: &mut Listings,
) -> Option<String> {
    let mut fixed = String::new();
    for seg in rel.split('/') {
        let candidate = join(&fixed, seg);
        if context.entry(&candidate).is_some() {
            fixed = candidate;
            continue;
        }
        let entries = listings
            .entry(fixed.clone())
            .or_insert_with(|| context.list_dir(&fixed));
        let best = entries
            .iter()
            .filter(|(name, _)| name.len().abs_diff(seg.len()) <= 2)
            .map(|(name, _)| {
                let d = if name.eq_ignore_ascii_case(seg) {
                    0
                } else {
                    strsim::damerau_levenshtein(name, seg)
                };
                (d, name.clone())
            })
            .filter(|(d, name)| {
                *d <= 2 && *d * 3 < name.chars().count().max(seg.chars().count()) + 1
            })
            .min()?;
        fixed = join(&fixed, &best.1);
    }
    (fixed != rel && context.entry(&fixed).is_some()).then_some(fixed)
}

/// The ignore file's pattern, as `` `pattern` (.dockerignore line N)``.
pub fn describe_pattern(context: &dyn ContextView, pattern: Option<usize>) -> String {
    let Some(ignore) = context.ignore_file() else {
        return "the .dockerignore file".to_string();
    };
    let file = ignore
        .path
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".dockerignore".to_string());
    match pattern.and_then(|i| ignore.patterns.get(i)) {
        Some(p) => format!("the pattern `{}` ({file} line {})", p.raw, p.line),
        None => format!("the {file} file"),
    }
}

/// The one policy for findings that depend on what the build context holds
/// when the context is only guessed (the Dockerfile's directory): they are
/// `info`, the message says the build fails *if* the context is that
/// directory, and the help says how to name the real one.
pub fn for_guessed_context(cx: &DockerfileCx<'_>, diagnostic: Diagnostic) -> Diagnostic {
    if cx.context_known {
        return diagnostic;
    }
    let message = diagnostic.message.replace(
        "the build will fail",
        "the build will fail if the build context is the Dockerfile's directory",
    );
    let how = "the build context was guessed as the Dockerfile's directory: name it with `--context-dir DIR` or a `context` key in buildlint.toml";
    let help = match diagnostic.help {
        Some(h) => format!("{h}; {how}"),
        None => how.to_string(),
    };
    Diagnostic {
        message,
        help: Some(help),
        severity: Some(Severity::Info),
        ..diagnostic
    }
}

/// True when the bytes start like an archive ADD unpacks: tar, gzip, bzip2,
/// xz or zstd.
pub fn looks_like_archive(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
        || head.starts_with(b"BZh")
        || head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00])
        || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || head.starts_with(&[0x1f, 0x9d])
        || head.get(257..262) == Some(b"ustar")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::context_view::MemoryContext;

    #[test]
    fn clean_drops_dots_and_reports_escapes() {
        assert_eq!(clean("/var/www/html"), ("var/www/html".to_string(), false));
        assert_eq!(clean("./a/../b/"), ("b".to_string(), false));
        assert_eq!(clean("../x"), ("x".to_string(), true));
        assert_eq!(clean("a/../../x"), ("x".to_string(), true));
        assert_eq!(clean("."), (String::new(), false));
    }

    #[test]
    fn segment_match_is_go_filepath_match() {
        assert!(segment_match("*.json", "package.json"));
        assert!(!segment_match("*.json", "package.json5"));
        assert!(segment_match("pack?ge*", "package-lock.json"));
        assert!(segment_match("[a-c]x", "bx"));
        assert!(!segment_match("[^a-c]x", "bx"));
        assert!(segment_match("\\*", "*"));
        assert!(!segment_match("\\*", "a"));
        assert!(segment_match("*", ""));
        assert!(segment_match("a*b*c", "aXXbYYc"));
        assert!(!segment_match("a*b*c", "aXXbYY"));
        // The literal head and tail only turn names away.
        assert!(segment_match("a*", "a"));
        assert!(!segment_match("ab*", "a"));
        assert!(segment_match("*.js", ".js"));
        assert!(!segment_match("*.js", "a.jsx"));
        assert!(segment_match("*[.]js", "a.js"));
        assert!(segment_match("a*\\*", "ab*"));
        assert!(!segment_match("a*\\*", "ab"));
        assert!(segment_match("plain", "plain"));
        assert!(!segment_match("plain", "plainer"));
    }

    #[test]
    fn resolve_matches_per_segment() {
        let cx = MemoryContext::new()
            .with_path("src/a.js")
            .with_path("src/b.js")
            .with_path("src/deep/c.js")
            .with_path("lib/d.js");
        assert_eq!(resolve(&cx, "src/*.js"), ["src/a.js", "src/b.js"]);
        assert_eq!(resolve(&cx, "*/d.js"), ["lib/d.js"]);
        assert!(resolve(&cx, "*.js").is_empty());
        assert_eq!(resolve(&cx, "src/deep"), ["src/deep"]);
    }

    #[test]
    fn suggest_fixes_near_misses() {
        let cx = MemoryContext::new()
            .with_path("src/main.go")
            .with_path("README.md");
        assert_eq!(suggest(&cx, "scr/main.go").as_deref(), Some("src/main.go"));
        assert_eq!(suggest(&cx, "readme.md").as_deref(), Some("README.md"));
        assert_eq!(suggest(&cx, "src/mian.go").as_deref(), Some("src/main.go"));
        assert_eq!(suggest(&cx, "docs"), None);
    }

    #[test]
    fn archives_are_told_by_content() {
        assert!(looks_like_archive(&[0x1f, 0x8b, 8, 0]));
        let mut tar = vec![0u8; 300];
        tar[257..262].copy_from_slice(b"ustar");
        assert!(looks_like_archive(&tar));
        assert!(!looks_like_archive(b"#!/bin/sh\necho hi\n"));
    }
}
