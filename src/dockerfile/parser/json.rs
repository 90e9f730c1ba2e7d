//! The exec (JSON array) form, as Go's `json.Unmarshal` into `[]interface{}`
//! accepts it, with the range of every element. Iterative: nesting depth
//! costs no stack.

use std::ops::Range;

/// Go's `encoding/json` nesting limit.
const MAX_DEPTH: usize = 10_000;

/// A JSON array of strings.
#[derive(Clone, Debug)]
pub(crate) struct JsonArray {
    /// The array, `[` through `]`.
    pub range: Range<usize>,
    /// Each element: the literal's range (quotes included) and its value.
    pub elements: Vec<(Range<usize>, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Not JSON (BuildKit falls back to the shell form).
    Syntax,
    /// Valid JSON, but an element is not a string (BuildKit rejects the file).
    NotStringArray(Range<usize>),
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Parses `text[range]` (leading whitespace already trimmed by the caller).
pub(crate) fn parse_array(text: &str, range: Range<usize>) -> Result<JsonArray, JsonError> {
    let b = text.as_bytes();
    let end = range.end;
    let mut pos = range.start;
    if pos >= end || b[pos] != b'[' {
        return Err(JsonError::Syntax);
    }
    let start = pos;
    // Containers: true for an array, false for an object.
    let mut stack: Vec<bool> = Vec::new();
    let mut elements = Vec::new();
    let mut non_string: Option<Range<usize>> = None;
    // State machine over values.
    #[derive(Clone, Copy, PartialEq)]
    enum Expect {
        /// A value, or `]` right after `[`.
        ValueOrClose,
        Value,
        /// `,` or the closing bracket of the current container.
        CommaOrClose,
        /// An object key (string) or `}` right after `{`.
        KeyOrClose,
        Key,
        Colon,
    }
    let mut expect = Expect::Value;
    let mut array_end = None;
    loop {
        while pos < end && is_ws(b[pos]) {
            pos += 1;
        }
        if array_end.is_some() {
            // Only whitespace may follow the top-level array.
            if pos == end {
                break;
            }
            return Err(JsonError::Syntax);
        }
        if pos >= end {
            return Err(JsonError::Syntax);
        }
        let c = b[pos];
        match expect {
            Expect::Value | Expect::ValueOrClose => {
                if expect == Expect::ValueOrClose && c == b']' {
                    pos += 1;
                    stack.pop();
                    if stack.is_empty() {
                        array_end = Some(pos);
                    }
                    expect = Expect::CommaOrClose;
                    continue;
                }
                let top_level_element = stack.len() == 1 && stack[0];
                match c {
                    b'[' | b'{' => {
                        if !stack.is_empty() && top_level_element && non_string.is_none() {
                            non_string = Some(pos..pos + 1);
                        }
                        stack.push(c == b'[');
                        if stack.len() > MAX_DEPTH {
                            return Err(JsonError::Syntax);
                        }
                        pos += 1;
                        expect = if c == b'[' {
                            Expect::ValueOrClose
                        } else {
                            Expect::KeyOrClose
                        };
                        continue;
                    }
                    b'"' => {
                        let lit_start = pos;
                        let (value, after) = scan_string(b, pos, end)?;
                        if top_level_element {
                            elements.push((lit_start..after, value));
                        }
                        pos = after;
                    }
                    _ => {
                        let lit_start = pos;
                        pos = scan_scalar(b, pos, end)?;
                        if top_level_element && non_string.is_none() {
                            non_string = Some(lit_start..pos);
                        }
                    }
                }
                expect = Expect::CommaOrClose;
            }
            Expect::CommaOrClose => {
                let Some(&is_array) = stack.last() else {
                    return Err(JsonError::Syntax);
                };
                match c {
                    b',' => {
                        pos += 1;
                        expect = if is_array { Expect::Value } else { Expect::Key };
                    }
                    b']' if is_array => {
                        pos += 1;
                        stack.pop();
                        if stack.is_empty() {
                            array_end = Some(pos);
                        }
                    }
                    b'}' if !is_array => {
                        pos += 1;
                        stack.pop();
                    }
                    _ => return Err(JsonError::Syntax),
                }
            }
            Expect::KeyOrClose | Expect::Key => {
                if expect == Expect::KeyOrClose && c == b'}' {
                    pos += 1;
                    stack.pop();
                    expect = Expect::CommaOrClose;
                    continue;
                }
                if c != b'"' {
                    return Err(JsonError::Syntax);
                }
                let (_, after) = scan_string(b, pos, end)?;
                pos = after;
                expect = Expect::Colon;
            }
            Expect::Colon => {
                if c != b':' {
                    return Err(JsonError::Syntax);
                }
                pos += 1;
                expect = Expect::Value;
            }
        }
    }
    if let Some(r) = non_string {
        return Err(JsonError::NotStringArray(r));
    }
    Ok(JsonArray {
        range: start..array_end.unwrap_or(end),
        elements,
    })
}

/// A number or literal; returns the position after it.
fn scan_scalar(b: &[u8], mut pos: usize, end: usize) -> Result<usize, JsonError> {
    for lit in [&b"true"[..], b"false", b"null"] {
        if b[pos..end].starts_with(lit) {
            return Ok(pos + lit.len());
        }
    }
    let digits = |pos: &mut usize| {
        let s = *pos;
        while *pos < end && b[*pos].is_ascii_digit() {
            *pos += 1;
        }
        *pos > s
    };
    if pos < end && b[pos] == b'-' {
        pos += 1;
    }
    if pos < end && b[pos] == b'0' {
        pos += 1;
    } else if pos < end && (b'1'..=b'9').contains(&b[pos]) {
        digits(&mut pos);
    } else {
        return Err(JsonError::Syntax);
    }
    if pos < end && b[pos] == b'.' {
        pos += 1;
        if !digits(&mut pos) {
            return Err(JsonError::Syntax);
        }
    }
    if pos < end && (b[pos] == b'e' || b[pos] == b'E') {
        pos += 1;
        if pos < end && (b[pos] == b'+' || b[pos] == b'-') {
            pos += 1;
        }
        if !digits(&mut pos) {
            return Err(JsonError::Syntax);
        }
    }
    Ok(pos)
}

fn hex4(b: &[u8], pos: usize, end: usize) -> Option<u32> {
    if pos + 4 > end {
        return None;
    }
    let s = std::str::from_utf8(&b[pos..pos + 4]).ok()?;
    if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// A string literal starting at `pos` (the opening quote): its decoded value
/// (as Go decodes it: lone surrogates become U+FFFD) and the position after it.
fn scan_string(b: &[u8], pos: usize, end: usize) -> Result<(String, usize), JsonError> {
    let mut out: Vec<u8> = Vec::new();
    let mut i = pos + 1;
    loop {
        if i >= end {
            return Err(JsonError::Syntax);
        }
        let c = b[i];
        match c {
            b'"' => {
                let s = String::from_utf8(out)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                return Ok((s, i + 1));
            }
            b'\\' => {
                let Some(&e) = b.get(i + 1).filter(|_| i + 1 < end) else {
                    return Err(JsonError::Syntax);
                };
                i += 2;
                let ch = match e {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'/' => '/',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'u' => {
                        let Some(u) = hex4(b, i, end) else {
                            return Err(JsonError::Syntax);
                        };
                        i += 4;
                        if (0xD800..0xDC00).contains(&u) {
                            // A high surrogate pairs with a following \uDC00-\uDFFF.
                            let low = if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u') {
                                hex4(b, i + 2, end).filter(|l| (0xDC00..0xE000).contains(l))
                            } else {
                                None
                            };
                            match low {
                                Some(l) => {
                                    i += 6;
                                    char::from_u32(0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00))
                                        .unwrap_or('\u{FFFD}')
                                }
                                None => '\u{FFFD}',
                            }
                        } else {
                            char::from_u32(u).unwrap_or('\u{FFFD}')
                        }
                    }
                    _ => return Err(JsonError::Syntax),
                };
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            c if c < 0x20 => return Err(JsonError::Syntax),
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(s: &str) -> Result<Vec<String>, JsonError> {
        parse_array(s, 0..s.len()).map(|a| a.elements.into_iter().map(|e| e.1).collect())
    }

    #[test]
    fn go_json_semantics() {
        assert_eq!(values("[]").unwrap(), Vec::<String>::new());
        assert_eq!(values(r#"[ "a",	"b" ]"#).unwrap(), vec!["a", "b"]);
        assert_eq!(
            values(r#"["\" \\ \/ \b \f \n \r \t \u0000 \ud83d\ude00 \ud800"]"#).unwrap(),
            vec!["\" \\ / \u{8} \u{c} \n \r \t \0 😀 \u{FFFD}"]
        );
        assert_eq!(values(r#"["a"] b"#), Err(JsonError::Syntax));
        assert_eq!(values(r#"['a']"#), Err(JsonError::Syntax));
        assert_eq!(values(r#"["a""#), Err(JsonError::Syntax));
        assert_eq!(
            values(r#"["a", ["b"]]"#),
            Err(JsonError::NotStringArray(6..7))
        );
        assert_eq!(values(r#"[1, "a"]"#), Err(JsonError::NotStringArray(1..2)));
        assert_eq!(
            values(r#"[{"k": [1]}, null]"#),
            Err(JsonError::NotStringArray(1..2))
        );
        assert_eq!(values(r#"[01]"#), Err(JsonError::Syntax));
        assert!(values(&"[".repeat(20_000)).is_err());
        let deep = format!("{}{}", "[".repeat(10_001), "]".repeat(10_001));
        assert_eq!(values(&deep), Err(JsonError::Syntax));
        let ok_deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(values(&ok_deep), Err(JsonError::NotStringArray(1..2)));
    }
}
