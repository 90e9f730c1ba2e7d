//! Heredoc markers: BuildKit splits the whole logical line into shell words
//! (quotes and escapes kept, unset variables left as written) and takes every
//! word matching `^(\d*)<<(-?)([^<]*)$` whose delimiter is one word.
//!
//! The word splitting follows `shell/lex.go` with an empty environment; only
//! what decides word boundaries and errors is kept (no expansion happens
//! because no variable is set).

use std::ops::Range;

/// A heredoc marker found on a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Marker {
    pub name: String,
    pub fd: Option<u32>,
    pub chomp: bool,
    pub expand: bool,
    /// Logical range of the marker word.
    pub range: Range<usize>,
}

/// Why a marker's delimiter could not be read (BuildKit fails the parse).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MarkerError {
    pub message: String,
    pub range: Range<usize>,
}

/// How deeply `${...}` may nest before the line is treated as unlexable
/// (BuildKit recurses without bound; this keeps the stack and the time of
/// rebuilding nested words bounded).
const MAX_NESTING: u32 = 64;

struct Lexer<'a> {
    s: &'a str,
    pos: usize,
    raw_quotes: bool,
    raw_escapes: bool,
    depth: u32,
}

#[derive(Default)]
struct Words {
    words: LexWords,
    word: String,
    start: usize,
    end: usize,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, ch: char, at: Range<usize>) {
        if ch.is_whitespace() {
            if self.in_word && !self.word.is_empty() {
                let w = std::mem::take(&mut self.word);
                self.words.push((self.start..self.end, w));
                self.in_word = false;
            }
        } else {
            self.add_raw_char(ch, at);
        }
    }

    fn touch(&mut self, at: &Range<usize>) {
        if self.word.is_empty() {
            self.start = at.start;
        }
        self.end = at.end;
    }

    fn add_raw_char(&mut self, ch: char, at: Range<usize>) {
        self.touch(&at);
        self.word.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, s: &str, at: Range<usize>) {
        for ch in s.chars() {
            self.add_char(ch, at.clone());
        }
    }

    fn add_raw_string(&mut self, s: &str, at: Range<usize>) {
        self.touch(&at);
        self.word.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> LexWords {
        if !self.word.is_empty() {
            let w = std::mem::take(&mut self.word);
            self.words.push((self.start..self.end, w));
        }
        self.words
    }
}

type LexResult<T> = Result<T, String>;
/// Words with their logical ranges.
type LexWords = Vec<(Range<usize>, String)>;

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> LexResult<(String, LexWords)> {
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        let r = self.stop_on_inner(stop);
        self.raw_escapes = saved;
        r
    }

    fn stop_on_inner(&mut self, stop: Option<char>) -> LexResult<(String, LexWords)> {
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(ch) = self.peek() {
            let at = self.pos;
            if stop == Some(ch) {
                self.next();
                return Ok((result, words.finish()));
            }
            match ch {
                '$' => {
                    let tmp = self.process_dollar()?;
                    result.push_str(&tmp);
                    words.add_string(&tmp, at..self.pos);
                }
                '\'' => {
                    let tmp = self.single_quote()?;
                    result.push_str(&tmp);
                    words.add_raw_string(&tmp, at..self.pos);
                }
                '"' => {
                    let tmp = self.double_quote()?;
                    result.push_str(&tmp);
                    words.add_raw_string(&tmp, at..self.pos);
                }
                _ => {
                    self.next();
                    if ch == '\\' {
                        if self.raw_escapes {
                            words.add_raw_char(ch, at..self.pos);
                            result.push(ch);
                        }
                        let Some(c) = self.next() else {
                            break;
                        };
                        words.add_raw_char(c, at..self.pos);
                        result.push(c);
                    } else {
                        words.add_char(ch, at..self.pos);
                        result.push(ch);
                    }
                }
            }
        }
        if let Some(c) = stop {
            return Err(format!(
                "unexpected end of statement while looking for matching {c}"
            ));
        }
        Ok((result, words.finish()))
    }

    fn single_quote(&mut self) -> LexResult<String> {
        let mut out = String::new();
        let q = self.next().unwrap_or('\'');
        if self.raw_quotes {
            out.push(q);
        }
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    )
                }
                Some('\'') => {
                    if self.raw_quotes {
                        out.push('\'');
                    }
                    return Ok(out);
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn double_quote(&mut self) -> LexResult<String> {
        let mut out = String::new();
        let q = self.next().unwrap_or('"');
        if self.raw_quotes {
            out.push(q);
        }
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    )
                }
                Some('"') => {
                    self.next();
                    if self.raw_quotes {
                        out.push('"');
                    }
                    return Ok(out);
                }
                Some('$') => {
                    let v = self.process_dollar()?;
                    out.push_str(&v);
                }
                Some(_) => {
                    let mut ch = self.next().unwrap_or('\0');
                    if ch == '\\' {
                        if self.raw_escapes {
                            out.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some('"' | '$' | '\\') => ch = self.next().unwrap_or('\0'),
                            Some(_) => {}
                        }
                    }
                    out.push(ch);
                }
            }
        }
    }

    fn process_dollar(&mut self) -> LexResult<String> {
        if self.depth >= MAX_NESTING {
            return Err("substitutions nested too deeply".into());
        }
        self.depth += 1;
        let r = self.dollar_inner();
        self.depth -= 1;
        r
    }

    fn dollar_inner(&mut self) -> LexResult<String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(format!("${name}"));
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            _ => {}
        }
        let name = self.process_name();
        let ch = self.next();
        match ch {
            Some('}') => Ok(format!("${{{name}}}")),
            Some(':') => {
                let ch2 = self.next();
                let chs = format!(":{}", ch2.unwrap_or('\u{FFFD}'));
                let raw = matches!(ch2, Some('#' | '%'));
                let (word, _) = self.modifier_word(raw)?;
                Ok(format!("${{{name}{chs}{word}}}"))
            }
            Some(c @ ('+' | '-' | '?' | '#' | '%')) => {
                let (word, _) = self.modifier_word(c == '#' || c == '%')?;
                Ok(format!("${{{name}{c}{word}}}"))
            }
            Some('/') => {
                if self.peek() == Some('/') {
                    self.next();
                }
                let (pattern, _) = self.process_stop_on(Some('/'), true).map_err(|e| {
                    if self.peek().is_none() {
                        "syntax error: missing '/' in ${}".to_string()
                    } else {
                        e
                    }
                })?;
                let (replacement, _) = self.modifier_word(true)?;
                Ok(format!("${{{name}/{pattern}/{replacement}}}"))
            }
            other => Err(format!(
                "unsupported modifier ({}) in substitution",
                other.unwrap_or('\u{FFFD}')
            )),
        }
    }

    fn modifier_word(&mut self, raw: bool) -> LexResult<(String, LexWords)> {
        self.process_stop_on(Some('}'), raw).map_err(|e| {
            if self.peek().is_none() {
                "syntax error: missing '}'".to_string()
            } else {
                e
            }
        })
    }

    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && is_digit(ch) {
                while let Some(c) = self.peek().filter(|c| is_digit(*c)) {
                    self.next();
                    name.push(c);
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !ch.is_alphabetic() && !is_digit(ch) && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }
}

/// Go's `unicode.IsDigit` (decimal digits, any script).
fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
        || (!c.is_ascii()
            && matches!(
                unicode_general_category::get_general_category(c),
                unicode_general_category::GeneralCategory::DecimalNumber
            ))
}

/// `ProcessWords` with the given quote and escape handling.
fn shell_words(s: &str, raw_quotes: bool, raw_escapes: bool) -> LexResult<LexWords> {
    let mut lx = Lexer {
        s,
        pos: 0,
        raw_quotes,
        raw_escapes,
        depth: 0,
    };
    lx.process_stop_on(None, raw_escapes).map(|(_, w)| w)
}

/// What a marker word says: delimiter, descriptor, `<<-`, expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MarkerWord {
    pub name: String,
    pub fd: Option<u32>,
    pub chomp: bool,
    pub expand: bool,
}

/// `ParseHeredoc` on one word: `Ok(None)` when it is not a heredoc marker.
pub(crate) fn parse_marker(word: &str) -> Result<Option<MarkerWord>, String> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let Some(after) = word[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, rest) = match after.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, after),
    };
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    let fd = if digits > 0 {
        Some(word[..digits].parse::<u32>().unwrap_or(0))
    } else {
        None
    };
    let words = shell_words(rest, false, false)?;
    if words.len() != 1 {
        return Ok(None);
    }
    let raw = shell_words(rest, true, false)?;
    if raw.len() != words.len() {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    }
    let quotes = |s: &str| s.chars().filter(|c| *c == '\'' || *c == '"').count();
    let name = words[0].1.clone();
    let expand = quotes(&name) == quotes(&raw[0].1);
    Ok(Some(MarkerWord {
        name,
        fd,
        chomp,
        expand,
    }))
}

/// The heredoc markers of a logical line, in order.
pub(crate) fn markers(line: &str) -> Result<Vec<Marker>, MarkerError> {
    let Ok(words) = shell_words(line, true, true) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (range, word) in words {
        match parse_marker(&word) {
            Ok(Some(m)) => out.push(Marker {
                name: m.name,
                fd: m.fd,
                chomp: m.chomp,
                expand: m.expand,
                range,
            }),
            Ok(None) => {}
            Err(message) => return Err(MarkerError { message, range }),
        }
    }
    Ok(out)
}

/// `ChompHeredocContent`: leading tabs removed from every line.
pub(crate) fn chomp(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    for line in content.split_inclusive('\n') {
        out.push_str(line.trim_start_matches('\t'));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, bool, bool, &str)> {
        markers(line)
            .unwrap()
            .into_iter()
            .map(|m| (m.name, m.chomp, m.expand, &line[m.range]))
            .collect()
    }

    #[test]
    fn finds_markers_like_buildkit() {
        assert_eq!(
            names("RUN python3 <<EOF"),
            vec![("EOF".into(), false, true, "<<EOF")]
        );
        assert_eq!(
            names(r#"COPY <<-"A" <<'B' /dir/"#),
            vec![
                ("A".into(), true, false, r#"<<-"A""#),
                ("B".into(), false, false, "<<'B'")
            ]
        );
        assert!(names("RUN cat << EOF").is_empty());
        assert!(names("RUN cat<<EOF").is_empty());
        assert!(names(r#"RUN echo "<<EOF""#).is_empty());
        assert!(names(r#"RUN echo "unterminated <<EOF"#).is_empty());
        assert_eq!(names("RUN 3<<X cat")[0].0, "X");
        assert_eq!(markers("RUN 3<<X cat").unwrap()[0].fd, Some(3));
        assert_eq!(
            names("RUN <<E\"O\"F")[0],
            ("EOF".into(), false, false, "<<E\"O\"F")
        );
    }

    #[test]
    fn chomp_strips_leading_tabs_per_line() {
        assert_eq!(chomp("\t\ta\n\tb\n c\n"), "a\nb\n c\n");
    }
}
