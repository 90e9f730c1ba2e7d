//! Splitting a logical line into keyword, flags and argument words, with the
//! rules of BuildKit's `splitCommand`, `extractBuilderFlags`, `parseWords`
//! and its whitespace splitter. Every piece keeps its logical byte range.

use std::ops::Range;

/// BuildKit's `[\t\v\f\r ]+` separator (no newline: logical lines have none).
pub(crate) fn is_token_space(b: u8) -> bool {
    matches!(b, b'\t' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Go's `unicode.IsSpace`; the same set as Rust's `char::is_whitespace`.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// `strings.TrimSpace` as a range of `text[range]`.
pub(crate) fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
    let s = &text[range.clone()];
    let lead = s.len() - s.trim_start_matches(is_space).len();
    let trail = s.len() - s.trim_end_matches(is_space).len();
    if lead == s.len() {
        return range.start..range.start;
    }
    range.start + lead..range.end - trail
}

/// A `--flag` word before the arguments.
#[derive(Clone, Debug)]
pub(crate) struct RawFlag {
    /// Logical range of the word as written.
    pub range: Range<usize>,
    /// The word with quotes removed and `\` escapes applied, as bytes
    /// (BuildKit works byte by byte here).
    pub processed: Vec<u8>,
}

/// The parts of a logical line.
#[derive(Clone, Debug)]
pub(crate) struct Command {
    pub keyword: Range<usize>,
    pub flags: Vec<RawFlag>,
    /// The arguments after the flags, trimmed.
    pub rest: Range<usize>,
}

/// `splitCommand`: keyword, flags and the rest of `text[range]`.
pub(crate) fn split_command(text: &str, range: Range<usize>) -> Command {
    let r = trim_range(text, range);
    let bytes = text.as_bytes();
    let mut kw_end = r.start;
    while kw_end < r.end && !is_token_space(bytes[kw_end]) {
        kw_end += 1;
    }
    let keyword = r.start..kw_end;
    if kw_end == r.end {
        return Command {
            keyword,
            flags: Vec::new(),
            rest: r.end..r.end,
        };
    }
    let mut args_start = kw_end;
    while args_start < r.end && is_token_space(bytes[args_start]) {
        args_start += 1;
    }
    let (flags, rest_start) = extract_flags(text, args_start..r.end);
    let rest = trim_range(text, rest_start..r.end);
    Command {
        keyword,
        flags,
        rest,
    }
}

/// Whitespace as `extractBuilderFlags` sees it. BuildKit tests each byte with
/// `unicode.IsSpace`, which would also split inside a UTF-8 sequence on the
/// bytes 0x85 and 0xA0; we keep UTF-8 characters whole.
fn is_flag_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// `extractBuilderFlags` over `text[range]`: the flag words and where the
/// remaining arguments start.
fn extract_flags(text: &str, range: Range<usize>) -> (Vec<RawFlag>, usize) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let bytes = text.as_bytes();
    let (base, end) = (range.start, range.end);
    let mut flags = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word: Vec<u8> = Vec::new();
    let mut word_start = base;
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = base;
    loop {
        let ch = if pos < end { bytes[pos] } else { 0 };
        if phase == Phase::Spaces {
            if pos == end {
                return (flags, end);
            }
            if is_flag_space(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == end || bytes[pos + 1] != b'-' {
                return (flags, pos);
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if pos == end {
            if word != b"--" && (blank_ok || !word.is_empty()) {
                flags.push(RawFlag {
                    range: word_start..end,
                    processed: word,
                });
            }
            return (flags, end);
        }
        if phase == Phase::Word {
            if is_flag_space(ch) {
                phase = Phase::Spaces;
                if word == b"--" {
                    return (flags, pos);
                }
                if blank_ok || !word.is_empty() {
                    flags.push(RawFlag {
                        range: word_start..pos,
                        processed: std::mem::take(&mut word),
                    });
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            let mut c = ch;
            if c == b'\\' {
                if pos + 1 == end {
                    pos += 1;
                    continue;
                }
                pos += 1;
                c = bytes[pos];
            }
            word.push(c);
            pos += 1;
            continue;
        }
        // In quotes.
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        let mut c = ch;
        if c == b'\\' {
            if pos + 1 == end {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            c = bytes[pos];
        }
        word.push(c);
        pos += 1;
    }
}

/// A word of `parseWords` (ENV, LABEL, ARG): BuildKit's string (quotes and
/// escapes kept) and its logical range.
#[derive(Clone, Debug)]
pub(crate) struct RawWord {
    pub range: Range<usize>,
    pub text: String,
}

/// `parseWords` over `text[range]` with escape character `escape`.
pub(crate) fn parse_words(text: &str, range: Range<usize>, escape: char) -> Vec<RawWord> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let s = &text[range.clone()];
    let base = range.start;
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut word = String::new();
    let mut word_start = 0usize;
    let mut word_end = 0usize;
    let mut it = s.char_indices().peekable();
    loop {
        let Some((pos, ch)) = it.next() else {
            if phase != Phase::Spaces && (blank_ok || !word.is_empty()) {
                words.push(RawWord {
                    range: base + word_start..base + word_end,
                    text: word,
                });
            }
            break;
        };
        let at_end_after = pos + ch.len_utf8() == s.len();
        if phase == Phase::Spaces {
            if is_space(ch) {
                continue;
            }
            phase = Phase::Word;
            word_start = pos;
            word_end = pos;
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(RawWord {
                        range: base + word_start..base + word_end,
                        text: std::mem::take(&mut word),
                    });
                }
                word.clear();
                blank_ok = false;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if at_end_after {
                    continue;
                }
                word.push(ch);
                let (p2, c2) = it.next().expect("not at end");
                word.push(c2);
                word_end = p2 + c2.len_utf8();
                continue;
            }
            word.push(ch);
            word_end = pos + ch.len_utf8();
            continue;
        }
        // In quotes.
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if at_end_after {
                phase = Phase::Word;
                continue;
            }
            word.push(ch);
            let (p2, c2) = it.next().expect("not at end");
            word.push(c2);
            word_end = p2 + c2.len_utf8();
            continue;
        }
        word.push(ch);
        word_end = pos + ch.len_utf8();
    }
    words
}

/// BuildKit's `reWhitespace.Split(rest, -1)` over a trimmed, non-empty range.
pub(crate) fn split_whitespace(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if range.is_empty() {
        return out;
    }
    let bytes = text.as_bytes();
    let mut start = range.start;
    let mut i = range.start;
    while i < range.end {
        if is_token_space(bytes[i]) {
            out.push(start..i);
            while i < range.end && is_token_space(bytes[i]) {
                i += 1;
            }
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(start..range.end);
    out
}

/// BuildKit's `reWhitespace.Split(rest, 2)`: the first separator run, if any.
pub(crate) fn split_first_whitespace(
    text: &str,
    range: Range<usize>,
) -> Option<(Range<usize>, Range<usize>)> {
    let bytes = text.as_bytes();
    let i = (range.start..range.end).find(|&i| is_token_space(bytes[i]))?;
    let mut j = i;
    while j < range.end && is_token_space(bytes[j]) {
        j += 1;
    }
    Some((range.start..i, j..range.end))
}

/// Go's `strings.ToLower`, character by character (no context rules).
pub(crate) fn go_lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{130}' => out.push('i'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags_of(line: &str) -> (Vec<String>, String) {
        let c = split_command(line, 0..line.len());
        (
            c.flags
                .iter()
                .map(|f| String::from_utf8(f.processed.clone()).unwrap())
                .collect(),
            line[c.rest].to_string(),
        )
    }

    #[test]
    fn flags_end_at_first_plain_word_or_double_dash() {
        assert_eq!(
            flags_of("COPY --user=me --doit=true foo /tmp/"),
            (
                vec!["--user=me".to_string(), "--doit=true".to_string()],
                "foo /tmp/".to_string()
            )
        );
        assert_eq!(
            flags_of("COPY --doit=true -- foo /tmp/"),
            (vec!["--doit=true".to_string()], "foo /tmp/".to_string())
        );
        assert_eq!(
            flags_of("CMD --doit -- [ ]"),
            (vec!["--doit".to_string()], "[ ]".to_string())
        );
        assert_eq!(
            flags_of(r#"RUN --mount="type=bind,src=a b" x"#),
            (
                vec!["--mount=type=bind,src=a b".to_string()],
                "x".to_string()
            )
        );
        assert_eq!(flags_of("RUN --"), (vec![], String::new()));
    }

    #[test]
    fn words_keep_quotes_and_escapes() {
        let line = r#"name="value value1" b=c\ d 'a\'b''"#;
        let w: Vec<String> = parse_words(line, 0..line.len(), '\\')
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(w, vec![r#"name="value value1""#, r"b=c\ d", r"'a\'b''"]);
    }
}
