//! `.dockerignore` matching exactly as Docker does (moby/patternmatcher and
//! docker/cli's ignorefile): not gitignore.
//!
//! Reading (ignorefile): a UTF-8 BOM on the first line is dropped; a line is a
//! comment only when `#` is its very first byte; lines are trimmed; a leading
//! `!` makes an exception (the rest is trimmed again); the pattern is cleaned
//! like Go's `filepath.Clean` and one leading `/` is removed.
//!
//! Matching (patternmatcher): patterns are anchored at the context root; `*`
//! and `?` do not cross `/`; `[...]` classes pass through to a regular
//! expression (so only `^` negates and `{a,b}` is literal); `\` escapes;
//! `**` spans any number of directories, including none. A pattern matches a
//! path when it matches the path itself or any of its parent directories, and
//! the last pattern that matches decides.

use std::collections::BTreeMap;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_automata::util::start;
use regex_automata::{hybrid, Anchored};

/// One pattern line of an ignore file.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The line as written (trimmed).
    pub raw: String,
    /// After `!` removal, `filepath.Clean` and leading-`/` stripping.
    pub cleaned: String,
    /// An `!` exception.
    pub negated: bool,
    /// 1-based line number in the ignore file.
    pub line: usize,
}

/// Whose walk of the context the ignore file is applied by. Both decide a
/// path the same way; they differ in which excluded directories they open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Walker {
    /// BuildKit's sender (fsutil): opens an excluded directory when an
    /// exception may match below it, and every excluded directory when an
    /// exception has a wildcard.
    #[default]
    BuildKit,
    /// The docker CLI's tar for the classic builder (`archive.TarWithOptions`):
    /// opens an excluded directory only when an exception pattern starts with
    /// it (`!docs/guide.md` opens `docs`; `!**/*.md` opens nothing).
    Classic,
}

impl Walker {
    pub fn describe(self) -> &'static str {
        match self {
            Walker::BuildKit => "BuildKit's",
            Walker::Classic => "the classic builder's",
        }
    }
}

/// A parsed ignore file.
#[derive(Clone, Debug, Default)]
pub struct IgnoreFile {
    /// Where it was read from, when read from disk.
    pub path: Option<PathBuf>,
    pub patterns: Vec<Pattern>,
    /// One compiled matcher per pattern, same order.
    matchers: Vec<Matcher>,
    /// The walk whose rules apply (BuildKit's unless the build is classic).
    pub walker: Walker,
}

/// The verdict for one path: whether it is excluded, and the index of the
/// pattern that decided (the last one that matched the path or a parent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub excluded: bool,
    pub pattern: Option<usize>,
}

#[derive(Clone, Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct IgnoreError {
    pub line: usize,
    pub message: String,
}

/// Reading an ignore file from disk failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{}: {}", path.display(), error.line, error.message)]
    Syntax { path: PathBuf, error: IgnoreError },
}

/// How one pattern is matched, as patternmatcher decides when compiling.
#[derive(Clone, Debug)]
enum Matcher {
    /// The path equals the pattern.
    Exact(String),
    /// A trailing `**`: the path starts with what precedes it.
    Prefix(String),
    /// A leading `**`: the path ends with what follows it (and `**/foo`
    /// also matches `foo`).
    Suffix(Suffix),
    Regex(Arc<Automaton>),
}

/// Docker decides a path by matching each pattern against the path and
/// then against each of its parents, one regular expression run per parent:
/// time grows with depth times path length, for every pattern, and a walk
/// decides every directory on the way down. Here one pass over the path
/// answers for the path and all its parents at once: [`Matcher::first_end`]
/// finds the shortest of them the pattern matches.
impl Matcher {
    /// The end of the shortest of `path`'s parents (or `path` itself) that
    /// the pattern matches exactly: the index of a `/` (not the first byte)
    /// or `path.len()`. `None` when it matches neither the path nor a parent.
    fn first_end(&self, path: &str) -> Option<usize> {
        let bytes = path.as_bytes();
        let is_end = |at: usize| at == bytes.len() || (at > 0 && bytes[at] == b'/');
        match self {
            Matcher::Exact(p) => {
                count_scanned(p.len());
                (bytes.starts_with(p.as_bytes()) && is_end(p.len())).then_some(p.len())
            }
            Matcher::Prefix(p) => {
                count_scanned(path.len());
                if !bytes.starts_with(p.as_bytes()) {
                    return None;
                }
                let from = p.len().max(1).min(bytes.len());
                Some(memchr::memchr(b'/', &bytes[from..]).map_or(bytes.len(), |i| from + i))
            }
            Matcher::Suffix(s) => s.first_end(bytes, is_end),
            Matcher::Regex(a) => a.first_end(bytes, true),
        }
    }

    /// Whether the pattern matches `path` itself (no parent).
    fn is_match(&self, path: &str) -> bool {
        match self {
            Matcher::Exact(p) => path == p,
            Matcher::Prefix(p) => path.starts_with(p.as_str()),
            Matcher::Suffix(s) => {
                let s = s.text.as_str();
                path.ends_with(s) || (s.starts_with('/') && path == &s[1..])
            }
            Matcher::Regex(a) => a.first_end(path.as_bytes(), false).is_some(),
        }
    }
}

/// A suffix pattern with its Knuth-Morris-Pratt table: every place the
/// suffix ends in a path is found in one pass, overlapping ones included
/// (`/a/a` ends twice in `x/a/a/a`).
#[derive(Clone, Debug)]
struct Suffix {
    text: String,
    /// `fail[i]`: the length of the longest proper border of `text[..=i]`.
    fail: Vec<usize>,
}

impl Suffix {
    fn new(text: String) -> Suffix {
        let t = text.as_bytes();
        let mut fail = vec![0; t.len()];
        let mut k = 0;
        for i in 1..t.len() {
            while k > 0 && t[i] != t[k] {
                k = fail[k - 1];
            }
            if t[i] == t[k] {
                k += 1;
            }
            fail[i] = k;
        }
        Suffix { text, fail }
    }

    fn first_end(&self, path: &[u8], is_end: impl Fn(usize) -> bool) -> Option<usize> {
        let t = self.text.as_bytes();
        count_scanned(path.len());
        if t.is_empty() {
            // A lone `**`: everything, so the first parent.
            return (0..=path.len()).find(|&at| is_end(at));
        }
        // `**/foo` also matches `foo` (and its children) with no `/` before.
        let bare = t
            .strip_prefix(b"/")
            .filter(|rest| path.starts_with(rest) && is_end(rest.len()))
            .map(|rest| rest.len());
        let mut k = 0;
        for (i, &b) in path.iter().enumerate() {
            if bare.is_some_and(|e| e <= i) {
                break;
            }
            while k > 0 && b != t[k] {
                k = self.fail[k - 1];
            }
            if b == t[k] {
                k += 1;
            }
            if k == t.len() {
                if is_end(i + 1) {
                    return Some(bare.map_or(i + 1, |e| e.min(i + 1)));
                }
                k = self.fail[k - 1];
            }
        }
        bare
    }
}

/// A compiled regular expression run as a lazy DFA one byte at a time, so
/// that one pass can ask at every `/` whether the text so far matches.
struct Automaton {
    dfa: Arc<hybrid::dfa::DFA>,
    caches: Pool<hybrid::dfa::Cache, CacheFn>,
}

type CacheFn = Box<dyn Fn() -> hybrid::dfa::Cache + Send + Sync + UnwindSafe + RefUnwindSafe>;

impl std::fmt::Debug for Automaton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Automaton")
    }
}

/// The regex crate's limit on a compiled expression, so that what Docker's
/// patterns compile to is refused exactly where `Regex::new` refused it.
const NFA_SIZE_LIMIT: usize = 10 << 20;
/// The regex crate's lazy DFA cache (a pattern too large for it gets the
/// smallest cache that works).
const DFA_CACHE: usize = 2 << 20;

impl Automaton {
    fn new(pattern: &str) -> Result<Automaton, String> {
        let nfa = thompson::Compiler::new()
            .syntax(regex_automata::util::syntax::Config::new())
            .configure(
                thompson::Config::new()
                    .nfa_size_limit(Some(NFA_SIZE_LIMIT))
                    .which_captures(thompson::WhichCaptures::None),
            )
            .build(pattern)
            .map_err(|e| e.to_string())?;
        let dfa = hybrid::dfa::Builder::new()
            .configure(
                hybrid::dfa::DFA::config()
                    .cache_capacity(DFA_CACHE)
                    .skip_cache_capacity_check(true),
            )
            .build_from_nfa(nfa)
            .map_err(|e| e.to_string())?;
        let dfa = Arc::new(dfa);
        let for_pool = dfa.clone();
        let create: CacheFn = Box::new(move || for_pool.create_cache());
        Ok(Automaton {
            dfa,
            caches: Pool::new(create),
        })
    }

    /// With `parents`, the first `/` (not at 0) or the end where the text
    /// before matches; without, whether all of `path` matches.
    fn first_end(&self, path: &[u8], parents: bool) -> Option<usize> {
        count_scanned(path.len());
        let dfa = &self.dfa;
        let mut cache = self.caches.get();
        let cache = &mut *cache;
        // The DFA never gives up (no cache-clear minimum, no quit bytes: the
        // expressions use only ASCII word boundaries); an error would be a
        // bug, and is read as no match.
        let start = start::Config::new().anchored(Anchored::Yes);
        let mut sid = dfa.start_state(cache, &start).ok()?;
        let matches_here = |cache: &mut hybrid::dfa::Cache, sid| {
            dfa.next_eoi_state(cache, sid)
                .is_ok_and(|end: hybrid::LazyStateID| end.is_match())
        };
        for (i, &b) in path.iter().enumerate() {
            if parents && b == b'/' && i > 0 && matches_here(cache, sid) {
                return Some(i);
            }
            sid = dfa.next_state(cache, sid, b).ok()?;
            if sid.is_dead() || sid.is_quit() {
                return None;
            }
        }
        matches_here(cache, sid).then_some(path.len())
    }
}

#[cfg(test)]
thread_local! {
    /// Bytes of paths the matchers have stepped through on this thread: the
    /// work of matching, for tests that bound it.
    static SCANNED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[inline]
fn count_scanned(_bytes: usize) {
    #[cfg(test)]
    SCANNED.with(|c| c.set(c.get() + _bytes as u64));
}

impl IgnoreFile {
    /// Parses the text of an ignore file as the docker CLI and BuildKit do.
    /// The only errors are the ones Docker reports: a lone `!`, and a
    /// malformed pattern (`filepath.Match`'s `ErrBadPattern`).
    pub fn parse(text: &str) -> Result<IgnoreFile, IgnoreError> {
        let mut file = IgnoreFile::default();
        for (idx, line) in text.split('\n').enumerate() {
            let number = idx + 1;
            let mut line = line.strip_suffix('\r').unwrap_or(line);
            if idx == 0 {
                line = line.strip_prefix('\u{feff}').unwrap_or(line);
            }
            // ignorefile.ReadAll: comments only at column 0, before trimming.
            if line.starts_with('#') {
                continue;
            }
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let read = read_pattern(trimmed);
            // patternmatcher.New: trim, clean again, then split off `!`.
            let mut p = go_clean(read.trim());
            let negated = p.starts_with('!');
            if negated {
                if p.len() == 1 {
                    return Err(IgnoreError {
                        line: number,
                        message: "illegal exclusion pattern: \"!\"".to_string(),
                    });
                }
                p.remove(0);
            }
            if !go_match_pattern_is_valid(&p) {
                return Err(IgnoreError {
                    line: number,
                    message: format!("syntax error in pattern `{p}`"),
                });
            }
            let matcher = compile(&p).map_err(|e| IgnoreError {
                line: number,
                message: format!("syntax error in pattern `{p}`: {e}"),
            })?;
            file.patterns.push(Pattern {
                raw: trimmed.to_string(),
                cleaned: p,
                negated,
                line: number,
            });
            file.matchers.push(matcher);
        }
        Ok(file)
    }

    /// Reads and parses an ignore file from disk.
    pub fn read(path: &Path) -> Result<IgnoreFile, LoadError> {
        let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        IgnoreFile::parse_at(path, &String::from_utf8_lossy(&bytes))
    }

    /// Parses the text of the ignore file at `path` (read from disk or not).
    pub fn parse_at(path: &Path, text: &str) -> Result<IgnoreFile, LoadError> {
        let mut file = IgnoreFile::parse(text).map_err(|error| LoadError::Syntax {
            path: path.to_path_buf(),
            error,
        })?;
        file.path = Some(path.to_path_buf());
        Ok(file)
    }

    /// Decides a cleaned, context-relative path with `/` separators.
    ///
    /// This is `MatchesOrParentMatches`: the result is the polarity of the last
    /// pattern that matches the path or one of its parent directories.
    pub fn decide(&self, path: &str) -> Decision {
        let path = path.trim_start_matches("./");
        if path.is_empty() || path == "." {
            return Decision {
                excluded: false,
                pattern: None,
            };
        }
        for idx in (0..self.patterns.len()).rev() {
            if self.pattern_matches(idx, path) {
                return Decision {
                    excluded: !self.patterns[idx].negated,
                    pattern: Some(idx),
                };
            }
        }
        Decision {
            excluded: false,
            pattern: None,
        }
    }

    /// Whether pattern `idx` matches `path` itself or one of its parents.
    pub fn pattern_matches(&self, idx: usize, path: &str) -> bool {
        self.matchers
            .get(idx)
            .is_some_and(|m| m.first_end(path).is_some())
    }

    /// Whether pattern `idx` matches exactly `path` (no parent matching).
    pub fn pattern_matches_exact(&self, idx: usize, path: &str) -> bool {
        self.matchers.get(idx).is_some_and(|m| m.is_match(path))
    }

    /// [`IgnoreFile::decide`] as the walker sends `path`: an excluded
    /// directory above it that the walker does not open (see
    /// [`IgnoreFile::could_reinclude_below`]) keeps it out whatever an
    /// exception says. The classic builder's walker opens `docs` for
    /// `!docs/guide.md` but not for `!**/*.md`.
    ///
    /// Every parent is decided from one pass of each pattern over `path`:
    /// a pattern matches a parent (or one of its own parents) when the
    /// shortest prefix it matches ends at or before it.
    pub fn decide_as_walked(&self, path: &str) -> Decision {
        let path = path.trim_start_matches("./");
        if path.is_empty() || path == "." {
            return self.decide(path);
        }
        let ends: Vec<Option<usize>> = self.matchers.iter().map(|m| m.first_end(path)).collect();
        let decided_at = |at: usize| {
            let idx = (0..ends.len())
                .rev()
                .find(|&i| ends[i].is_some_and(|e| e <= at));
            Decision {
                excluded: idx.is_some_and(|i| !self.patterns[i].negated),
                pattern: idx,
            }
        };
        let reopens = self.reinclusion_depths(path);
        for (at, _) in path.match_indices('/') {
            if at == 0 {
                continue;
            }
            let above = decided_at(at);
            // `path[..=at]` is the directory with its `/`.
            if above.excluded && !reopens.iter().any(|r| r.opens(at + 1)) {
                return above;
            }
        }
        decided_at(path.len())
    }

    pub fn is_excluded(&self, path: &str) -> bool {
        self.decide(path).excluded
    }

    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.negated)
    }

    /// Whether the walk opens the excluded directory `dir` (context-relative,
    /// `/` separators) to look for re-included entries. For the classic
    /// builder this is exactly the CLI's test, and it decides what is sent.
    /// For BuildKit the result is the same content as fsutil's walk, which
    /// opens more (see [`IgnoreFile::wildcard_exception`]): this errs on the
    /// side of `true` and skips only directories nothing can come back from.
    pub fn could_reinclude_below(&self, dir: &str) -> bool {
        let dir_slash = format!("{}/", dir.trim_end_matches('/'));
        if self.walker == Walker::Classic {
            return self
                .patterns
                .iter()
                .any(|p| p.negated && format!("{}/", p.cleaned).starts_with(&dir_slash));
        }
        self.patterns.iter().any(|p| {
            if !p.negated {
                return false;
            }
            let lit = literal_prefix(&p.cleaned);
            // Something below `dir` starts with `dir/`; the pattern can only
            // match strings that start with its literal prefix.
            lit.starts_with(&dir_slash) || dir_slash.starts_with(&lit)
        })
    }

    /// [`IgnoreFile::could_reinclude_below`] for every directory above
    /// `path` at once: each exception's answer depends only on how long a
    /// start it shares with `path`.
    fn reinclusion_depths(&self, path: &str) -> Vec<Reopens> {
        let shared = |text: &str| {
            count_scanned(text.len().min(path.len()));
            text.bytes()
                .zip(path.bytes())
                .take_while(|(a, b)| a == b)
                .count()
        };
        self.patterns
            .iter()
            .filter(|p| p.negated)
            .map(|p| match self.walker {
                Walker::Classic => {
                    let named = format!("{}/", p.cleaned);
                    Reopens {
                        shared: shared(&named),
                        literal_len: usize::MAX,
                    }
                }
                Walker::BuildKit => {
                    let lit = literal_prefix(&p.cleaned);
                    Reopens {
                        shared: shared(&lit),
                        literal_len: lit.len(),
                    }
                }
            })
            .collect()
    }

    /// The first `!` exception with a wildcard before its end (a trailing
    /// `/*` or `/**` does not count), if any: with one, BuildKit's sender
    /// (fsutil) opens every excluded directory of the context to test what
    /// is below, instead of skipping it.
    pub fn wildcard_exception(&self) -> Option<usize> {
        self.patterns.iter().position(|p| {
            if !p.negated {
                return false;
            }
            let stem = p
                .cleaned
                .strip_suffix("/**")
                .or_else(|| p.cleaned.strip_suffix("/*"))
                .unwrap_or(&p.cleaned);
            stem.contains(['*', '[', ']', '?', '^', '\\'])
        })
    }

    /// The patterns that exclude, in file order (for rules and explanations).
    pub fn exclusions(&self) -> impl Iterator<Item = &Pattern> {
        self.patterns.iter().filter(|p| !p.negated)
    }
}

/// How one exception reopens the directories above a path: `shared` bytes
/// of its text (the literal prefix for BuildKit, the pattern and a `/` for
/// the classic builder) equal the path's first bytes.
struct Reopens {
    shared: usize,
    /// BuildKit: the literal prefix's length (a directory that starts with
    /// the whole prefix may hold a match); the classic builder: no such case.
    literal_len: usize,
}

impl Reopens {
    /// For the directory whose text with its `/` is the path's first `len`
    /// bytes: the exception's text starts with it, or it starts with the
    /// whole literal prefix.
    fn opens(&self, len: usize) -> bool {
        self.shared >= len || (self.literal_len <= len && self.shared >= self.literal_len)
    }
}

/// The characters before the first one with a special meaning in a pattern.
fn literal_prefix(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' | '[' | ']' | '^' => break,
            '\\' => {
                // An escape may also be a regexp class (`\d`): stop unless
                // it is plain punctuation.
                match chars.next() {
                    Some(n) if n.is_ascii_punctuation() => out.push(n),
                    _ => break,
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// ignorefile.ReadAll's per-line processing after comment and blank removal:
/// `!`, trim, `filepath.Clean`, strip one leading `/`.
fn read_pattern(trimmed: &str) -> String {
    let (invert, rest) = match trimmed.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, trimmed),
    };
    let mut pattern = String::new();
    if !rest.is_empty() {
        pattern = go_clean(rest);
        if pattern.len() > 1 && pattern.starts_with('/') {
            pattern.remove(0);
        }
    }
    if invert {
        format!("!{pattern}")
    } else {
        pattern
    }
}

/// Go's `path/filepath.Clean` on Unix.
pub fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

// ---------------------------------------------------------------------------
// filepath.Match syntax check (patternmatcher.New calls `filepath.Match(p, ".")`
// only for its error).

/// Whether Go's `filepath.Match` accepts `pattern` (Unix rules).
fn go_match_pattern_is_valid(pattern: &str) -> bool {
    let mut rest = pattern.as_bytes();
    while !rest.is_empty() {
        // scanChunk: leading stars, then up to the next star outside a class.
        while let [b'*', tail @ ..] = rest {
            rest = tail;
        }
        let mut i = 0;
        let mut in_range = false;
        while i < rest.len() {
            match rest[i] {
                b'\\' if i + 1 < rest.len() => i += 1,
                b'[' => in_range = true,
                b']' => in_range = false,
                b'*' if !in_range => break,
                _ => {}
            }
            i += 1;
        }
        let (chunk, tail) = rest.split_at(i);
        if !chunk_is_valid(chunk) {
            return false;
        }
        rest = tail;
    }
    true
}

/// matchChunk's well-formedness rules for one chunk.
fn chunk_is_valid(mut chunk: &[u8]) -> bool {
    while let Some(&c) = chunk.first() {
        match c {
            b'[' => {
                chunk = &chunk[1..];
                if chunk.first() == Some(&b'^') {
                    chunk = &chunk[1..];
                }
                let mut nrange = 0;
                loop {
                    if chunk.first() == Some(&b']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    match class_char(chunk) {
                        Some(rest) => chunk = rest,
                        None => return false,
                    }
                    if chunk.first() == Some(&b'-') {
                        match class_char(&chunk[1..]) {
                            Some(rest) => chunk = rest,
                            None => return false,
                        }
                    }
                    nrange += 1;
                }
            }
            b'\\' => {
                if chunk.len() < 2 {
                    return false;
                }
                chunk = &chunk[2..];
            }
            _ => chunk = &chunk[1..],
        }
    }
    true
}

/// getEsc: one (possibly escaped) character of a class; `None` when malformed.
fn class_char(chunk: &[u8]) -> Option<&[u8]> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some(b'-') | Some(b']') => return None,
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return None;
            }
        }
        _ => {}
    }
    let len = utf8_len(chunk)?;
    let rest = &chunk[len..];
    if rest.is_empty() {
        return None;
    }
    Some(rest)
}

fn utf8_len(bytes: &[u8]) -> Option<usize> {
    let take = bytes.len().min(4);
    for n in 1..=take {
        if std::str::from_utf8(&bytes[..n]).is_ok() {
            return Some(n);
        }
    }
    None
}

// ---------------------------------------------------------------------------
// patternmatcher's compile, then a translation of the Go regexp it builds
// into the `regex` crate's syntax.

fn compile(pattern: &str) -> Result<Matcher, String> {
    #[derive(PartialEq, Clone, Copy)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regexp,
    }
    let mut re = String::from("^");
    let mut kind = Kind::Exact;
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let mut step = 0;
    while pos < chars.len() {
        let ch = chars[pos];
        pos += 1;
        match ch {
            '*' if chars.get(pos) == Some(&'*') => {
                pos += 1;
                if chars.get(pos) == Some(&'/') {
                    pos += 1;
                }
                if pos >= chars.len() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        re.push_str(".*");
                        kind = Kind::Regexp;
                    }
                } else {
                    // `**/**/` means what `**/` means; thousands of them in a
                    // row made a regex that took seconds per path.
                    if !re.ends_with("(.*/)?") {
                        re.push_str("(.*/)?");
                    }
                    kind = Kind::Regexp;
                }
                if step == 0 {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                kind = Kind::Regexp;
            }
            '?' => {
                re.push_str("[^/]");
                kind = Kind::Regexp;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                re.push('\\');
                re.push(ch);
            }
            '\\' => {
                if pos < chars.len() {
                    re.push('\\');
                    re.push(chars[pos]);
                    pos += 1;
                    kind = Kind::Regexp;
                } else {
                    re.push('\\');
                }
            }
            '[' | ']' => {
                re.push(ch);
                kind = Kind::Regexp;
            }
            c => re.push(c),
        }
        step += 1;
    }
    Ok(match kind {
        Kind::Exact => Matcher::Exact(pattern.to_string()),
        Kind::Prefix => Matcher::Prefix(pattern[..pattern.len() - 2].to_string()),
        Kind::Suffix => Matcher::Suffix(Suffix::new(pattern[2..].to_string())),
        Kind::Regexp => {
            re.push('$');
            let rust = go_regex_to_rust(&re)?;
            Matcher::Regex(Arc::new(Automaton::new(&rust)?))
        }
    })
}

/// Translates the Go regular expression patternmatcher builds into the
/// `regex` crate's syntax with the same meaning. Go's parser rules apply:
/// inside a class `[` is literal unless it starts `[:name:]`, a `]` right
/// after `[` or `[^` is literal, `\d \s \w` are ASCII.
fn go_regex_to_rust(go: &str) -> Result<String, String> {
    let chars: Vec<char> = go.chars().collect();
    let mut out = String::with_capacity(go.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                i += 1;
                let Some(&e) = chars.get(i) else {
                    return Err("trailing backslash".into());
                };
                match e {
                    'A' => out.push_str(r"\A"),
                    'z' => out.push_str(r"\z"),
                    'b' => out.push_str(r"(?-u:\b)"),
                    'B' => out.push_str(r"(?-u:\B)"),
                    'Q' => {
                        // \Q...\E: literal text.
                        i += 1;
                        while i < chars.len() {
                            if chars[i] == '\\' && chars.get(i + 1) == Some(&'E') {
                                i += 1;
                                break;
                            }
                            push_literal(&mut out, chars[i]);
                            i += 1;
                        }
                    }
                    _ => {
                        let (piece, used) = go_escape(&chars[i..], false)?;
                        out.push_str(&piece);
                        i += used - 1;
                    }
                }
                i += 1;
            }
            '[' => {
                let (class, used) = go_class(&chars[i..])?;
                out.push_str(&class);
                i += used;
            }
            ']' => {
                out.push_str(r"\]");
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// A literal character in Rust regex syntax, outside or inside a class.
fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push('\\');
    }
    out.push(c);
}

fn perl_class(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => "0-9",
        's' => r"\t\n\x0C\r ",
        'w' => "0-9A-Za-z_",
        _ => return None,
    })
}

/// Parses a Go escape (after the `\`), returning the Rust text and the number
/// of characters consumed (counting the escape letter).
fn go_escape(s: &[char], in_class: bool) -> Result<(String, usize), String> {
    let e = s[0];
    if let Some(body) = perl_class(e.to_ascii_lowercase()) {
        if e.is_ascii_lowercase() {
            return Ok((
                if in_class {
                    body.to_string()
                } else {
                    format!("[{body}]")
                },
                1,
            ));
        }
        // Negated; inside a class this is a nested class, which Rust accepts.
        return Ok((format!("[^{body}]"), 1));
    }
    if e.is_ascii() && !e.is_ascii_alphanumeric() {
        let mut out = String::new();
        push_literal(&mut out, e);
        return Ok((out, 1));
    }
    let lit = |c: char| {
        let mut out = String::new();
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
        out
    };
    match e {
        'a' => Ok((lit('\x07'), 1)),
        'f' => Ok((lit('\x0C'), 1)),
        't' => Ok((lit('\t'), 1)),
        'n' => Ok((lit('\n'), 1)),
        'r' => Ok((lit('\r'), 1)),
        'v' => Ok((lit('\x0B'), 1)),
        '0'..='7' => {
            // A single non-zero digit is a back-reference: unsupported.
            if e != '0' && !s.get(1).is_some_and(|c| ('0'..='7').contains(c)) {
                return Err("invalid escape sequence".into());
            }
            let mut value = e as u32 - '0' as u32;
            let mut used = 1;
            while used < 3 && s.get(used).is_some_and(|c| ('0'..='7').contains(c)) {
                value = value * 8 + (s[used] as u32 - '0' as u32);
                used += 1;
            }
            let c = char::from_u32(value).ok_or("invalid escape sequence")?;
            Ok((lit(c), used))
        }
        'x' => {
            if s.get(1) == Some(&'{') {
                let end = s
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or("invalid escape sequence")?;
                let hex: String = s[2..end].iter().collect();
                let v = u32::from_str_radix(&hex, 16).map_err(|_| "invalid escape sequence")?;
                let c = char::from_u32(v).ok_or("invalid escape sequence")?;
                Ok((lit(c), end + 1))
            } else {
                let hex: String = s.iter().skip(1).take(2).collect();
                if hex.len() != 2 {
                    return Err("invalid escape sequence".into());
                }
                let v = u32::from_str_radix(&hex, 16).map_err(|_| "invalid escape sequence")?;
                Ok((lit(char::from_u32(v).ok_or("invalid escape sequence")?), 3))
            }
        }
        'p' | 'P' => {
            if s.get(1) == Some(&'{') {
                let end = s
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or("invalid character class range")?;
                let text: String = s[..=end].iter().collect();
                Ok((format!("\\{text}"), end + 1))
            } else if let Some(&n) = s.get(1) {
                Ok((format!("\\{e}{n}"), 2))
            } else {
                Err("invalid character class range".into())
            }
        }
        _ => Err("invalid escape sequence".into()),
    }
}

/// Parses a Go character class starting at `[`, returning the Rust class and
/// the characters consumed.
fn go_class(s: &[char]) -> Result<(String, usize), String> {
    let mut i = 1;
    let mut out = String::from("[");
    if s.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let Some(&c) = s.get(i) else {
            return Err("missing closing ]".into());
        };
        if c == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        // POSIX named class.
        if c == '[' && s.get(i + 1) == Some(&':') {
            let rest: String = s[i + 2..].iter().collect();
            if let Some(end) = rest.find(":]") {
                let name = &rest[..end];
                const NAMES: &[&str] = &[
                    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower",
                    "print", "punct", "space", "upper", "word", "xdigit",
                ];
                let (neg, bare) = match name.strip_prefix('^') {
                    Some(b) => (true, b),
                    None => (false, name),
                };
                if !NAMES.contains(&bare) {
                    return Err("invalid character class range".into());
                }
                out.push_str(&format!("[:{}{}:]", if neg { "^" } else { "" }, bare));
                i += 2 + name.chars().count() + 2;
                continue;
            }
        }
        // Perl and Unicode classes.
        if c == '\\' {
            if let Some(&e) = s.get(i + 1) {
                if perl_class(e.to_ascii_lowercase()).is_some() || e == 'p' || e == 'P' {
                    let (piece, used) = go_escape(&s[i + 1..], true)?;
                    out.push_str(&piece);
                    i += 1 + used;
                    continue;
                }
            }
        }
        let (lo, used) = class_char_go(&s[i..])?;
        i += used;
        push_literal(&mut out, lo);
        if s.get(i) == Some(&'-') && s.get(i + 1).is_some_and(|&c| c != ']') {
            let (hi, used) = class_char_go(&s[i + 1..])?;
            if hi < lo {
                return Err("invalid character class range".into());
            }
            i += 1 + used;
            out.push('-');
            push_literal(&mut out, hi);
        }
    }
    out.push(']');
    Ok((out, i))
}

/// One character of a Go class (`parseClassChar`).
fn class_char_go(s: &[char]) -> Result<(char, usize), String> {
    match s.first() {
        None => Err("missing closing ]".into()),
        Some('\\') => {
            let Some(&e) = s.get(1) else {
                return Err("trailing backslash".into());
            };
            if e.is_ascii() && !e.is_ascii_alphanumeric() {
                return Ok((e, 2));
            }
            let (text, used) = go_escape(&s[1..], true)?;
            // `lit` renders as \x{..}; recover the character.
            let hex = text
                .strip_prefix("\\x{")
                .and_then(|t| t.strip_suffix('}'))
                .ok_or("invalid escape sequence")?;
            let v = u32::from_str_radix(hex, 16).map_err(|_| "invalid escape sequence")?;
            Ok((
                char::from_u32(v).ok_or("invalid escape sequence")?,
                1 + used,
            ))
        }
        Some(&c) => Ok((c, 1)),
    }
}

// ---------------------------------------------------------------------------
// Which ignore file applies.

/// Finds and reads the ignore file for a build, with BuildKit's precedence:
/// `<Dockerfile>.dockerignore` beside the Dockerfile (e.g.
/// `app.Dockerfile.dockerignore`, `Dockerfile.dockerignore`) wins over the
/// context's `.dockerignore`. `dockerfile` may be relative to the context.
/// `Ok(None)` when neither exists.
pub fn load_ignore_file(
    context_dir: &Path,
    dockerfile: Option<&Path>,
) -> Result<Option<IgnoreFile>, LoadError> {
    load_ignore_file_unsaved(context_dir, dockerfile, &BTreeMap::new())
}

/// [`load_ignore_file`] reading the texts in `unsaved` (by absolute path)
/// instead of the files on disk: an editor's unsaved ignore files, which
/// count whether or not the file exists on disk yet.
pub fn load_ignore_file_unsaved(
    context_dir: &Path,
    dockerfile: Option<&Path>,
    unsaved: &BTreeMap<PathBuf, String>,
) -> Result<Option<IgnoreFile>, LoadError> {
    let open = |candidate: &Path| -> Option<Result<Option<IgnoreFile>, LoadError>> {
        let text = unsaved.get(candidate)?;
        Some(IgnoreFile::parse_at(candidate, text).map(Some))
    };
    if let Some(df) = dockerfile {
        let df = if df.is_absolute() {
            df.to_path_buf()
        } else {
            context_dir.join(df)
        };
        if let Some(name) = df.file_name() {
            let mut ignore_name = name.to_os_string();
            ignore_name.push(".dockerignore");
            let candidate = df.with_file_name(ignore_name);
            if let Some(loaded) = open(&candidate) {
                return loaded;
            }
            if candidate.is_file() {
                return IgnoreFile::read(&candidate).map(Some);
            }
        }
    }
    let candidate = context_dir.join(".dockerignore");
    if let Some(loaded) = open(&candidate) {
        return loaded;
    }
    match std::fs::metadata(&candidate) {
        Ok(meta) if meta.is_file() => IgnoreFile::read(&candidate).map(Some),
        // docker build opens it and fails reading: "is a directory".
        Ok(meta) if meta.is_dir() => Err(LoadError::Io {
            path: candidate,
            source: std::io::Error::from_raw_os_error(libc::EISDIR),
        }),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LoadError::Io {
            path: candidate,
            source,
        }),
    }
}

#[cfg(test)]
mod tests;
