//! Selecting context paths by COPY/ADD source patterns, with Go's
//! `filepath.Match` as BuildKit matches a wildcard source.

use super::walk::{Selection, Selector};

/// Selects the paths that match the sources (and everything below them).
#[derive(Clone, Debug, Default)]
pub struct SourceSelector {
    patterns: Vec<Vec<String>>,
}

impl SourceSelector {
    pub fn new<I: IntoIterator<Item = String>>(patterns: I) -> SourceSelector {
        SourceSelector {
            patterns: patterns
                .into_iter()
                .map(|p| p.split('/').map(str::to_string).collect())
                .collect(),
        }
    }

    pub fn add(&mut self, pattern: &str) -> bool {
        let comps: Vec<String> = pattern.split('/').map(str::to_string).collect();
        if self.patterns.contains(&comps) {
            return false;
        }
        self.patterns.push(comps);
        true
    }
}

impl Selector for SourceSelector {
    fn select(&self, path: &str) -> Selection {
        if path.is_empty() {
            return if self.patterns.is_empty() {
                Selection::Skip
            } else {
                Selection::Descend
            };
        }
        let comps: Vec<&str> = path.split('/').collect();
        let mut best = Selection::Skip;
        for pat in &self.patterns {
            let n = comps.len().min(pat.len());
            if (0..n).all(|i| component_matches(&pat[i], comps[i])) {
                let sel = if comps.len() >= pat.len() {
                    Selection::Take
                } else {
                    Selection::Descend
                };
                if sel > best {
                    best = sel;
                    if best == Selection::Take {
                        break;
                    }
                }
            }
        }
        best
    }
}

/// A source component against a name: literally, or as a Go
/// `filepath.Match` pattern when it holds wildcards.
fn component_matches(pattern: &str, name: &str) -> bool {
    if pattern == name {
        return true;
    }
    if !pattern.contains(['*', '?', '[', '\\']) {
        return false;
    }
    go_match(pattern, name).unwrap_or(true)
}

/// Go's `path/filepath.Match` (Unix). `Err` for a malformed pattern.
pub(crate) fn go_match(pattern: &str, name: &str) -> Result<bool, ()> {
    let mut pattern: &[u8] = pattern.as_bytes();
    let mut name: &[u8] = name.as_bytes();
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains(&b'/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (t, ok) = match_chunk(chunk, &name[i + 1..])?;
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
                i += 1;
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while let [b'*', rest @ ..] = pattern {
        pattern = rest;
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

fn decode(s: &[u8]) -> (char, usize) {
    let take = s.len().min(4);
    for n in 1..=take {
        if let Ok(t) = std::str::from_utf8(&s[..n]) {
            if let Some(c) = t.chars().next() {
                return (c, n);
            }
        }
    }
    ('\u{fffd}', 1)
}

fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Result<(&'a [u8], bool), ()> {
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk[0] {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let (c, n) = decode(s);
                    r = c;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let mut negated = false;
                if chunk.first() == Some(&b'^') {
                    negated = true;
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.first() == Some(&b']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&b'-') {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s[0] == b'/' {
                        failed = true;
                    }
                    let (_, n) = decode(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            b'\\' => {
                chunk = &chunk[1..];
                if chunk.is_empty() {
                    return Err(());
                }
                if !failed {
                    if chunk[0] != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
            c => {
                if !failed {
                    if c != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        Ok((&[], false))
    } else {
        Ok((s, true))
    }
}

fn get_esc(chunk: &[u8]) -> Result<(char, &[u8]), ()> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some(b'-') | Some(b']') => return Err(()),
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return Err(());
            }
        }
        _ => {}
    }
    let (r, n) = decode(chunk);
    let rest = &chunk[n..];
    if rest.is_empty() {
        return Err(());
    }
    Ok((r, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_match_cases() {
        for (p, s, want) in [
            ("abc", "abc", Ok(true)),
            ("*", "abc", Ok(true)),
            ("*c", "abc", Ok(true)),
            ("a*", "a", Ok(true)),
            ("a*", "abc", Ok(true)),
            ("a*", "ab/c", Ok(false)),
            ("a*/b", "abc/b", Ok(true)),
            ("a*/b", "a/c/b", Ok(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
            ("ab[c]", "abc", Ok(true)),
            ("ab[b-d]", "abc", Ok(true)),
            ("ab[e-g]", "abc", Ok(false)),
            ("ab[^c]", "abc", Ok(false)),
            ("ab[^e-g]", "abc", Ok(true)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "ab", Ok(false)),
            ("a?b", "a☺b", Ok(true)),
            ("a[^a]b", "a☺b", Ok(true)),
            ("a???b", "a☺b", Ok(false)),
            ("[a-ζ]*", "α", Ok(true)),
            ("*[a-ζ]", "A", Ok(false)),
            ("a?b", "a/b", Ok(false)),
            ("[\\]a]", "]", Ok(true)),
            ("[x\\-]", "-", Ok(true)),
            ("[]a]", "]", Err(())),
            ("[-]", "-", Err(())),
            ("[x-]", "x", Err(())),
            ("\\", "a", Err(())),
            ("[", "a", Err(())),
            ("a[", "ab", Err(())),
            ("*x", "xxx", Ok(true)),
            ("*.go", "main.go", Ok(true)),
            ("*.go", "main.rs", Ok(false)),
        ] {
            assert_eq!(go_match(p, s), want, "Match({p:?}, {s:?})");
        }
    }

    #[test]
    fn source_selector() {
        let s = SourceSelector::new(["src/*.rs".to_string(), "Cargo.toml".to_string()]);
        assert_eq!(s.select(""), Selection::Descend);
        assert_eq!(s.select("src"), Selection::Descend);
        assert_eq!(s.select("src/main.rs"), Selection::Take);
        assert_eq!(s.select("src/main.rs/x"), Selection::Take);
        assert_eq!(s.select("src/lib.c"), Selection::Skip);
        assert_eq!(s.select("Cargo.toml"), Selection::Take);
        assert_eq!(s.select("Cargo.lock"), Selection::Skip);
        assert_eq!(s.select("node_modules"), Selection::Skip);
    }
}
