//! `.env` files as compose reads them: `KEY=value`, `export KEY=value`,
//! `KEY: value`, single quotes (literal), double quotes (escapes and
//! variables), unquoted values with ` #` comments, and bare `KEY` lines that
//! take the value from the environment. Values may use compose templates.

use std::collections::BTreeMap;

use super::interpolate::{substitute, Dialect, Lookup};
use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotEnvError {
    pub message: String,
    pub span: Span,
}

/// Variables seen by a `.env` value: the process environment first, then
/// what the files read so far defined.
struct Chain<'a> {
    first: &'a dyn Lookup,
    then: &'a BTreeMap<String, String>,
}

impl Lookup for Chain<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.first
            .get(name)
            .or_else(|| self.then.get(name).map(String::as_str))
    }
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// Parses `text` into `out`. `environment` (the process environment) wins
/// over the file's own values, as in compose.
pub fn parse(
    text: &str,
    environment: &dyn Lookup,
    out: &mut BTreeMap<String, String>,
) -> Result<(), DotEnvError> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut pos = bom;
    let len = text.len();
    loop {
        // Statement start: skip blank space and comment lines.
        let rest = &text[pos..];
        let Some(skip) = rest.find(|c: char| !c.is_whitespace()) else {
            return Ok(());
        };
        pos += skip;
        if text[pos..].starts_with('#') {
            match text[pos..].find('\n') {
                Some(nl) => {
                    pos += nl;
                    continue;
                }
                None => return Ok(()),
            }
        }
        let line_start = pos;
        // `export ` prefix.
        if let Some(after) = text[pos..].strip_prefix("export") {
            if after.starts_with([' ', '\t']) {
                pos += "export".len();
                pos += text[pos..].len() - text[pos..].trim_start_matches(is_space).len();
            }
        }
        // Key.
        let key_start = pos;
        let mut key_end = len;
        let mut terminator = None;
        for (i, c) in text[pos..].char_indices() {
            match c {
                '=' | ':' | '\n' => {
                    key_end = pos + i;
                    terminator = Some(c);
                    break;
                }
                c if is_space(c) => {}
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphanumeric() => {}
                other => {
                    let at = pos + i;
                    return Err(DotEnvError {
                        message: format!(
                            "unexpected character `{}` in a variable name",
                            other.escape_default()
                        ),
                        span: Span::new(at as u32, (at + other.len_utf8()) as u32),
                    });
                }
            }
        }
        let key = text[key_start..key_end].trim_end_matches(char::is_whitespace);
        if key.is_empty() {
            return Err(DotEnvError {
                message: "a line has a value but no variable name".into(),
                span: Span::new(line_start as u32, key_end as u32),
            });
        }
        if key.contains(|c: char| c.is_whitespace()) {
            return Err(DotEnvError {
                message: format!("the variable name `{key}` contains a space"),
                span: Span::new(key_start as u32, (key_start + key.len()) as u32),
            });
        }
        let key = key.to_string();
        if terminator != Some('=') && terminator != Some(':') {
            // A bare name: inherited from the environment, if set there.
            if let Some(v) = environment.get(&key) {
                out.insert(key, v.to_string());
            }
            pos = if terminator == Some('\n') {
                key_end + 1
            } else {
                len
            };
            continue;
        }
        pos = key_end + 1;
        pos += text[pos..].len() - text[pos..].trim_start_matches(is_space).len();
        // Value.
        let quote = text[pos..]
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'');
        let value = if let Some(q) = quote {
            let body_start = pos + 1;
            let bytes = text.as_bytes();
            let mut i = body_start;
            let mut close = None;
            while i < len {
                if bytes[i] == q as u8 && bytes[i - 1] != b'\\' {
                    close = Some(i);
                    break;
                }
                i += 1;
            }
            let Some(close) = close else {
                let line_end = text[pos..].find('\n').map(|n| pos + n).unwrap_or(len);
                return Err(DotEnvError {
                    message: format!("the quoted value of `{key}` is never closed"),
                    span: Span::new(pos as u32, line_end as u32),
                });
            };
            let raw = &text[body_start..close];
            pos = close + 1;
            if q == '"' {
                let unescaped = expand_escapes(raw);
                expand(&unescaped, environment, out, pos)?
            } else {
                raw.to_string()
            }
        } else {
            let line_end = text[pos..].find('\n').map(|n| pos + n).unwrap_or(len);
            let mut raw = &text[pos..line_end];
            if let Some(c) = raw.find(" #") {
                raw = &raw[..c];
            }
            let raw = raw.trim_end_matches(char::is_whitespace);
            let v = expand(raw, environment, out, pos)?;
            pos = line_end;
            v
        };
        let value = match environment.get(&key) {
            Some(v) => v.to_string(),
            None => value,
        };
        out.insert(key, value);
    }
}

fn expand(
    raw: &str,
    environment: &dyn Lookup,
    defined: &BTreeMap<String, String>,
    at: usize,
) -> Result<String, DotEnvError> {
    if !raw.contains('$') {
        return Ok(raw.to_string());
    }
    let chain = Chain {
        first: environment,
        then: defined,
    };
    substitute(raw, &chain, Dialect::Compose)
        .map(|s| s.value)
        .map_err(|e| DotEnvError {
            message: e.message,
            span: Span::new(at as u32, at as u32),
        })
}

/// `\n` and `\r` become line breaks; other backslash escapes drop the backslash.
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other @ ('\\' | '"' | '\'' | '$' | '`' | '!')) => out.push(other),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(
        text: &str,
        env: &[(&str, &str)],
    ) -> Result<BTreeMap<String, String>, DotEnvError> {
        let env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut out = BTreeMap::new();
        parse(text, &env, &mut out).map(|_| out)
    }

    fn get(m: &BTreeMap<String, String>, k: &str) -> String {
        m.get(k)
            .cloned()
            .unwrap_or_else(|| panic!("{k} missing in {m:?}"))
    }

    #[test]
    fn plain_values() {
        let m = parse_str(
            "OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n456 = ABC\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\nOPTION_I=a#b\n",
            &[],
        )
        .unwrap();
        assert_eq!(get(&m, "OPTION_A"), "1");
        assert_eq!(get(&m, "OPTION_C"), "3");
        assert_eq!(get(&m, "OPTION_D"), "4");
        assert_eq!(get(&m, "OPTION_E"), "5");
        assert_eq!(get(&m, "456"), "ABC");
        assert_eq!(get(&m, "OPTION_F"), "");
        assert_eq!(get(&m, "OPTION_G"), "");
        assert_eq!(get(&m, "OPTION_H"), "my string");
        assert_eq!(get(&m, "OPTION_I"), "a#b");
    }

    #[test]
    fn quoted_values() {
        let m = parse_str(
            "A='1'\nC=''\nD='\\n'\nE=\"1\"\nG=\"\"\nH=\"\\n\"\nI = \"echo 'asd'\" # Inline comment\nJ = 'first line\nsecond line'\nZ = \"last value\"\n",
            &[],
        )
        .unwrap();
        assert_eq!(get(&m, "A"), "1");
        assert_eq!(get(&m, "C"), "");
        assert_eq!(get(&m, "D"), "\\n");
        assert_eq!(get(&m, "E"), "1");
        assert_eq!(get(&m, "G"), "");
        assert_eq!(get(&m, "H"), "\n");
        assert_eq!(get(&m, "I"), "echo 'asd'");
        assert_eq!(get(&m, "J"), "first line\nsecond line");
        assert_eq!(get(&m, "Z"), "last value");
    }

    #[test]
    fn export_yaml_style_bom_and_special_names() {
        let m = parse_str(
            "\u{feff}export OPTION_A=2\nFOO:BAR\nVAR.WITH.DOTS=dots\nVAR-WITH-DASHES=dashes\n",
            &[],
        )
        .unwrap();
        assert_eq!(get(&m, "OPTION_A"), "2");
        assert_eq!(get(&m, "FOO"), "BAR");
        assert_eq!(get(&m, "VAR.WITH.DOTS"), "dots");
        assert_eq!(get(&m, "VAR-WITH-DASHES"), "dashes");
    }

    #[test]
    fn substitutions_and_precedence() {
        let m = parse_str(
            "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\nF=${FROM_OS:-x}\nG='$OPTION_A'\nFROM_OS=file\n",
            &[("FROM_OS", "os")],
        )
        .unwrap();
        assert_eq!(get(&m, "OPTION_B"), "1");
        assert_eq!(get(&m, "OPTION_C"), "1");
        assert_eq!(get(&m, "OPTION_D"), "1_1");
        assert_eq!(get(&m, "OPTION_E"), "");
        assert_eq!(get(&m, "F"), "os");
        assert_eq!(get(&m, "G"), "$OPTION_A");
        // The process environment wins over the file.
        assert_eq!(get(&m, "FROM_OS"), "os");
    }

    #[test]
    fn inherited_names() {
        let m = parse_str("foo=bar\nFROM_OS\nNOT_FOUND\nbar=baz", &[("FROM_OS", "os")]).unwrap();
        assert_eq!(get(&m, "FROM_OS"), "os");
        assert!(!m.contains_key("NOT_FOUND"));
        assert_eq!(get(&m, "bar"), "baz");
    }

    #[test]
    fn errors_point_at_the_line() {
        let text = "# some comments\nfoo=\"\n  a\n  multine\n  value\n\"\nINVALID LINE\nzot=qix";
        let e = parse_str(text, &[]).unwrap_err();
        assert!(e.message.contains("INVALID LINE"), "{}", e.message);
        assert_eq!(e.span.slice(text), "INVALID LINE");
        let text = "A=\"never closed\nB=1\n";
        let e = parse_str(text, &[]).unwrap_err();
        assert!(e.message.contains("never closed"));
        assert_eq!(e.span.slice(text), "\"never closed");
        let e = parse_str("A$B=1", &[]).unwrap_err();
        assert!(e.message.contains('$'));
    }
}
