//! BuildKit's word processing (`shell/lex.go` semantics): variable expansion,
//! escapes and quote removal, and word splitting.
//!
//! BuildKit runs every word of ENV, LABEL, COPY, ADD, WORKDIR, USER, VOLUME,
//! STOPSIGNAL, EXPOSE and FROM through this processor when it turns the AST
//! into instructions. The rules follow it exactly:
//!
//! - `$NAME`, `${NAME}`; `${NAME:-word}`, `${NAME-word}` (default),
//!   `${NAME:+word}`, `${NAME+word}` (alternative), `${NAME:?word}`,
//!   `${NAME?word}` (error when unset), `${NAME#pat}`, `${NAME##pat}`,
//!   `${NAME%pat}`, `${NAME%%pat}` (shortest / longest prefix or suffix
//!   removal), `${NAME/pat/repl}`, `${NAME//pat/repl}` (first / every match);
//!   the `:` forms also treat an empty value as unset.
//! - Positional (`$1`, `${10}`) and special (`$@ $* $# $? $- $$ $! $0`)
//!   parameters are never set.
//! - Single quotes keep everything literally; double quotes allow `$` and
//!   escape only `"`, `$` and the escape character; outside quotes the escape
//!   character (`\`, or a backtick by directive) escapes any character.
//! - Word splitting ([`Expansion::words`]) happens after expansion, on
//!   unquoted whitespace, including whitespace that came out of a variable.
//!
//! Besides the value, an expansion reports every variable it looked up, with
//! its place in the input and whether it was defined, so rules can underline
//! `$PAHT` and not the whole instruction.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

/// What a variable holds, as far as the linter knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// Set, to this value.
    Known(&'a str),
    /// Set, but to a value the linter cannot know (a base image variable whose
    /// value differs between tags, an ARG given only at build time). It
    /// expands to the empty string and marks the expansion uncertain.
    Unknown,
}

/// The variables an expansion sees. Names are compared case-sensitively, as
/// BuildKit does for Linux images.
pub trait Env {
    /// `None` when the variable is not set.
    fn lookup(&self, name: &str) -> Option<Lookup<'_>>;
}

/// No variables at all.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEnv;

impl Env for NoEnv {
    fn lookup(&self, _name: &str) -> Option<Lookup<'_>> {
        None
    }
}

impl Env for BTreeMap<String, String> {
    fn lookup(&self, name: &str) -> Option<Lookup<'_>> {
        self.get(name).map(|v| Lookup::Known(v.as_str()))
    }
}

impl Env for HashMap<String, String> {
    fn lookup(&self, name: &str) -> Option<Lookup<'_>> {
        self.get(name).map(|v| Lookup::Known(v.as_str()))
    }
}

/// `None` values are set but unknown.
impl Env for BTreeMap<String, Option<String>> {
    fn lookup(&self, name: &str) -> Option<Lookup<'_>> {
        self.get(name).map(|v| match v {
            Some(v) => Lookup::Known(v.as_str()),
            None => Lookup::Unknown,
        })
    }
}

/// `KEY=value` pairs, the last one winning (BuildKit's `BuildEnvs`).
impl Env for [(String, String)] {
    fn lookup(&self, name: &str) -> Option<Lookup<'_>> {
        self.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Lookup::Known(v.as_str()))
    }
}

impl<T: Env + ?Sized> Env for &T {
    fn lookup(&self, name: &str) -> Option<Lookup<'_>> {
        (**self).lookup(name)
    }
}

/// One variable looked up while expanding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    /// Byte range in the processed word, from the `$` to the end of the
    /// reference (`$NAME` or the whole `${...}`).
    pub range: Range<usize>,
    /// Whether the variable was set.
    pub defined: bool,
    /// The modifier of a `${NAME<modifier>word}` reference: `:-`, `-`, `:+`,
    /// `+`, `:?`, `?`, `#`, `##`, `%`, `%%`, `/` or `//`.
    pub modifier: Option<String>,
}

impl VarRef {
    /// `${NAME:-x}`, `${NAME-x}`, `${NAME:+x}`, `${NAME+x}`: the word says
    /// what to do when the variable is unset.
    pub fn handles_unset(&self) -> bool {
        matches!(self.modifier.as_deref(), Some(":-" | "-" | ":+" | "+"))
    }
}

/// The result of processing one word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The word after expansion and quote removal (BuildKit's `ProcessWord`):
    /// whitespace is kept.
    pub value: String,
    /// The same, split into words on unquoted whitespace (`ProcessWords`).
    pub words: Vec<String>,
    /// Every variable looked up, in the order BuildKit looks them up (an
    /// inner `${B}` in `${A:-${B}}` comes before `A`).
    pub refs: Vec<VarRef>,
    /// True when a variable with an unknown value took part: `value` and
    /// `words` are then only a guess.
    pub uncertain: bool,
}

impl Expansion {
    /// Names of the variables that were set.
    pub fn matched(&self) -> BTreeSet<&str> {
        self.refs
            .iter()
            .filter(|r| r.defined)
            .map(|r| r.name.as_str())
            .collect()
    }

    /// Names of the variables that were not set.
    pub fn unmatched(&self) -> BTreeSet<&str> {
        self.refs
            .iter()
            .filter(|r| !r.defined)
            .map(|r| r.name.as_str())
            .collect()
    }

    /// True when the word used no variable at all.
    pub fn is_constant(&self) -> bool {
        self.refs.is_empty()
    }
}

/// A word BuildKit refuses to process (`${}`, an unterminated quote,
/// `${X:?message}` with `X` unset...).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExpandError {
    /// BuildKit's own wording, e.g. `syntax error: bad substitution`.
    pub message: String,
    /// Byte offset in the word where processing stopped.
    pub offset: usize,
    /// The variables looked up before the error.
    pub refs: Vec<VarRef>,
}

/// The word processor, with BuildKit's switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lexer {
    /// The escape character: `\` or, by directive, a backtick.
    pub escape: char,
    /// Keep quote characters in the result.
    pub raw_quotes: bool,
    /// Keep escape characters in the result.
    pub raw_escapes: bool,
    /// Treat quotes as ordinary characters (heredoc bodies, RUN mounts).
    pub skip_process_quotes: bool,
    /// Leave references to unset variables as written.
    pub skip_unset_env: bool,
}

impl Default for Lexer {
    fn default() -> Self {
        Lexer::new('\\')
    }
}

impl Lexer {
    pub const fn new(escape: char) -> Lexer {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_process_quotes: false,
            skip_unset_env: false,
        }
    }

    /// Expands `word` against `env`.
    pub fn process(&self, word: &str, env: &dyn Env) -> Result<Expansion, ExpandError> {
        // Most words are plain text: nothing to expand, unquote or unescape,
        // so the value is the word itself.
        if !word.contains(['$', '\'', '"', self.escape]) {
            return Ok(Expansion {
                value: word.to_string(),
                words: word.split_whitespace().map(str::to_string).collect(),
                refs: Vec::new(),
                uncertain: false,
            });
        }
        let mut sw = ShellWord {
            lexer: *self,
            env,
            chars: word.char_indices().collect(),
            len: word.len(),
            pos: 0,
            raw_escapes: self.raw_escapes,
            refs: Vec::new(),
            uncertain: false,
            depth: 0,
        };
        let raw_escapes = sw.raw_escapes;
        match sw.process_stop_on(None, raw_escapes) {
            Ok((value, words)) => Ok(Expansion {
                value,
                words,
                refs: sw.refs,
                uncertain: sw.uncertain,
            }),
            Err(e) => Err(ExpandError {
                message: format!("failed to process {word:?}: {}", e.message),
                offset: e.offset,
                refs: sw.refs,
            }),
        }
    }
}

/// `ProcessWord`: expansion and quote removal with the given escape character.
pub fn process_word(word: &str, env: &dyn Env, escape: char) -> Result<Expansion, ExpandError> {
    Lexer::new(escape).process(word, env)
}

/// Quote and escape removal only: variables stay as written (`$A` stays `$A`).
pub fn unquote(word: &str, escape: char) -> Result<String, ExpandError> {
    let lexer = Lexer {
        skip_unset_env: true,
        ..Lexer::new(escape)
    };
    lexer.process(word, &NoEnv).map(|e| e.value)
}

/// BuildKit's suggestion for a misspelt name: the closest option within a
/// Levenshtein distance under 3 (`util/suggest`). An exact match suggests
/// nothing; with `case_sensitive` false, the suggestion takes the case of
/// `value` when that is all lower or all upper.
pub fn suggest<'a, I>(value: &str, options: I, case_sensitive: bool) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let val = if case_sensitive {
        value.to_string()
    } else {
        value.to_lowercase()
    };
    let mut best: Option<String> = None;
    let mut min = 3;
    for opt in options {
        let o = if case_sensitive {
            opt.to_string()
        } else {
            opt.to_lowercase()
        };
        if o == val {
            return None;
        }
        let dist = strsim::levenshtein(&val, &o);
        if dist < min {
            min = dist;
            best = Some(if case_sensitive {
                o
            } else if value == value.to_lowercase() {
                o.to_lowercase()
            } else if value == value.to_uppercase() {
                o.to_uppercase()
            } else {
                o
            });
        }
    }
    best
}

/// How deep substitutions may nest (`${a:-${b:-...}}`). BuildKit has no
/// limit of its own; a real file nests two or three levels.
pub const MAX_NESTING: usize = 10_000;
/// Free stack below which a nested substitution moves to a new segment, and
/// that segment's size.
const STACK_RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 1024 * 1024;

struct ShellWord<'e> {
    lexer: Lexer,
    env: &'e dyn Env,
    chars: Vec<(usize, char)>,
    len: usize,
    pos: usize,
    raw_escapes: bool,
    refs: Vec<VarRef>,
    uncertain: bool,
    /// Substitutions being expanded around the current position.
    depth: usize,
}

/// Words as `ProcessWords` builds them.
#[derive(Default)]
struct Words {
    word: String,
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, ch: char) {
        if ch.is_whitespace() && self.in_word {
            if !self.word.is_empty() {
                self.words.push(std::mem::take(&mut self.word));
                self.in_word = false;
            }
        } else if !ch.is_whitespace() {
            self.add_raw_char(ch);
        }
    }

    fn add_raw_char(&mut self, ch: char) {
        self.word.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, s: &str) {
        for ch in s.chars() {
            self.add_char(ch);
        }
    }

    fn add_raw_string(&mut self, s: &str) {
        self.word.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.word.is_empty() {
            self.words.push(std::mem::take(&mut self.word));
        }
        self.words
    }
}

fn is_digit(ch: char) -> bool {
    ch.is_ascii_digit() || (!ch.is_ascii() && ch.is_numeric())
}

fn is_special_param(ch: char) -> bool {
    matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

impl ShellWord<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|&(_, c)| c)
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn offset(&self) -> usize {
        self.chars
            .get(self.pos)
            .map(|&(o, _)| o)
            .unwrap_or(self.len)
    }

    fn error(&self, message: impl Into<String>) -> ExpandError {
        ExpandError {
            message: message.into(),
            offset: self.offset(),
            refs: Vec::new(),
        }
    }

    /// Processes up to `stop` (consumed) or the end of the word.
    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<String>), ExpandError> {
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        let result = self.process_stop_on_inner(stop);
        self.raw_escapes = saved;
        result
    }

    fn process_stop_on_inner(
        &mut self,
        stop: Option<char>,
    ) -> Result<(String, Vec<String>), ExpandError> {
        let mut result = String::new();
        let mut words = Words::default();
        let quotes = !self.lexer.skip_process_quotes;
        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.next();
                return Ok((result, words.finish()));
            }
            if ch == '$' {
                let tmp = self.process_dollar()?;
                result.push_str(&tmp);
                words.add_string(&tmp);
            } else if quotes && ch == '\'' {
                let tmp = self.process_single_quote()?;
                result.push_str(&tmp);
                words.add_raw_string(&tmp);
            } else if quotes && ch == '"' {
                let tmp = self.process_double_quote()?;
                result.push_str(&tmp);
                words.add_raw_string(&tmp);
            } else {
                let mut ch = self.next().unwrap_or(ch);
                if ch == self.lexer.escape {
                    if self.raw_escapes {
                        words.add_raw_char(ch);
                        result.push(ch);
                    }
                    match self.next() {
                        // An escape at the end of the word is dropped.
                        None => break,
                        Some(c) => {
                            ch = c;
                            words.add_raw_char(c);
                        }
                    }
                } else {
                    words.add_char(ch);
                }
                result.push(ch);
            }
        }
        if let Some(stop) = stop {
            return Err(self.error(format!(
                "unexpected end of statement while looking for matching {stop}"
            )));
        }
        Ok((result, words.finish()))
    }

    fn process_single_quote(&mut self) -> Result<String, ExpandError> {
        let mut result = String::new();
        let open = self.next();
        if self.lexer.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.next() {
                None => {
                    return Err(self.error(
                        "unexpected end of statement while looking for matching single-quote",
                    ))
                }
                Some('\'') => {
                    if self.lexer.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn process_double_quote(&mut self) -> Result<String, ExpandError> {
        let mut result = String::new();
        let open = self.next();
        if self.lexer.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.peek() {
                None => {
                    return Err(self.error(
                        "unexpected end of statement while looking for matching double-quote",
                    ))
                }
                Some('"') => {
                    self.next();
                    if self.lexer.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                }
                Some(_) => {
                    let mut ch = self.next().unwrap_or_default();
                    if ch == self.lexer.escape {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            // An escape before the end: ignored; the missing
                            // quote is reported next.
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.lexer.escape => {
                                ch = c;
                                self.next();
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && is_digit(ch) {
                while let Some(c) = self.peek().filter(|&c| is_digit(c)) {
                    self.next();
                    name.push(c);
                }
                return name;
            }
            if name.is_empty() && is_special_param(ch) {
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

    /// Looks a variable up and records the reference `start..here`.
    fn get_env(&mut self, name: &str, start: usize) -> (String, bool) {
        self.get_env_with(name, start, None)
    }

    fn get_env_with(
        &mut self,
        name: &str,
        start: usize,
        modifier: Option<String>,
    ) -> (String, bool) {
        let range = start..self.offset();
        let (value, set) = match self.env.lookup(name) {
            Some(Lookup::Known(v)) => (v.to_string(), true),
            Some(Lookup::Unknown) => {
                self.uncertain = true;
                (String::new(), true)
            }
            None => (String::new(), false),
        };
        self.refs.push(VarRef {
            name: name.to_string(),
            range,
            defined: set,
            modifier,
        });
        (value, set)
    }

    /// One substitution. Nested defaults (`${a:-${b:-...}}`) recurse here:
    /// the stack grows on the heap as needed, and a nesting past
    /// [`MAX_NESTING`] is an error at its place.
    fn process_dollar(&mut self) -> Result<String, ExpandError> {
        if self.depth >= MAX_NESTING {
            return Err(self.error(format!(
                "variable substitutions nested deeper than {MAX_NESTING} levels"
            )));
        }
        self.depth += 1;
        let result = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            self.process_dollar_at_depth()
        });
        self.depth -= 1;
        result
    }

    fn process_dollar_at_depth(&mut self) -> Result<String, ExpandError> {
        let start = self.offset();
        self.next(); // '$'

        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_string());
            }
            let (value, found) = self.get_env(&name, start);
            if !found && self.lexer.skip_unset_env {
                return Ok(format!("${name}"));
            }
            return Ok(value);
        }

        self.next(); // '{'
        match self.peek() {
            None => return Err(self.error("syntax error: missing '}'")),
            Some('{' | '}' | ':') => return Err(self.error("syntax error: bad substitution")),
            _ => {}
        }
        let name = self.process_name();
        let first = self.next();
        let mut chs: String = first.map(String::from).unwrap_or_else(|| "\u{fffd}".into());

        match first {
            Some('}') => {
                let (value, set) = self.get_env(&name, start);
                if !set && self.lexer.skip_unset_env {
                    return Ok(format!("${{{name}}}"));
                }
                Ok(value)
            }
            Some(':' | '+' | '-' | '?' | '#' | '%') => {
                let mut null_is_unset = false;
                let mut ch = first;
                if first == Some(':') {
                    null_is_unset = true;
                    ch = self.next();
                    chs.push(ch.unwrap_or('\u{fffd}'));
                }
                let raw = matches!(ch, Some('#' | '%'));
                let word = match self.process_stop_on(Some('}'), raw) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        if self.peek().is_none() {
                            return Err(self.error("syntax error: missing '}'"));
                        }
                        return Err(e);
                    }
                };
                let mut modifier = chs.clone();
                if let Some(c @ ('#' | '%')) = ch {
                    if word.starts_with(c) {
                        modifier.push(c);
                    }
                }
                let (value, set) = self.get_env_with(&name, start, Some(modifier));
                if self.lexer.skip_unset_env && !set {
                    return Ok(format!("${{{name}{chs}{word}}}"));
                }
                let empty_unset = !set || (null_is_unset && value.is_empty());
                match ch {
                    Some('-') => Ok(if empty_unset { word } else { value }),
                    Some('+') => Ok(if empty_unset { String::new() } else { word }),
                    Some('?') => {
                        if !set {
                            let message = if word.is_empty() {
                                "is not allowed to be unset".to_string()
                            } else {
                                word
                            };
                            return Err(self.error(format!("{name}: {message}")));
                        }
                        if null_is_unset && value.is_empty() {
                            let message = if word.is_empty() {
                                "is not allowed to be empty".to_string()
                            } else {
                                word
                            };
                            return Err(self.error(format!("{name}: {message}")));
                        }
                        Ok(value)
                    }
                    Some(c @ ('%' | '#')) => {
                        let (greedy, pattern) = match word.strip_prefix(c) {
                            Some(rest) => (true, rest.to_string()),
                            None => (false, word),
                        };
                        let trimmed = if c == '%' {
                            trim_suffix(&pattern, &value, greedy)
                        } else {
                            trim_prefix(&pattern, &value, greedy)
                        };
                        trimmed.map_err(|m| self.error(m))
                    }
                    _ => Err(self.error(format!("unsupported modifier ({chs}) in substitution"))),
                }
            }
            Some('/') => {
                let replace_all = self.peek() == Some('/');
                if replace_all {
                    self.next();
                }
                let pattern = match self.process_stop_on(Some('/'), true) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        if self.peek().is_none() {
                            return Err(self.error("syntax error: missing '/' in ${}"));
                        }
                        return Err(e);
                    }
                };
                let replacement = match self.process_stop_on(Some('}'), true) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        if self.peek().is_none() {
                            return Err(self.error("syntax error: missing '}'"));
                        }
                        return Err(e);
                    }
                };
                let modifier = if replace_all { "//" } else { "/" };
                let (value, set) = self.get_env_with(&name, start, Some(modifier.into()));
                if self.lexer.skip_unset_env && !set {
                    return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
                }
                let re = shell_pattern_to_regex(&pattern, true, false).map_err(|m| {
                    self.error(format!("invalid pattern ({pattern}) in substitution: {m}"))
                })?;
                if replace_all {
                    Ok(re.replace_all(&value, replacement.as_str()).into_owned())
                } else if let Some(m) = re.find(&value) {
                    Ok(format!(
                        "{}{}{}",
                        &value[..m.start()],
                        replacement,
                        &value[m.end()..]
                    ))
                } else {
                    Ok(value)
                }
            }
            _ => Err(self.error(format!("unsupported modifier ({chs}) in substitution"))),
        }
    }
}

/// A shell wildcard pattern (`?` one character, `*` any run; `\` escapes `*`,
/// `?` and `\`, and drops before `}` and `/`) as a regular expression.
fn shell_pattern_to_regex(
    pattern: &str,
    greedy: bool,
    anchored: bool,
) -> Result<regex::Regex, String> {
    let mut out = String::with_capacity(pattern.len() + 4);
    if anchored {
        out.push('^');
    }
    let star = if greedy { ".*" } else { ".*?" };
    let mut chars = pattern.chars().peekable();
    while let Some(mut tok) = chars.next() {
        match tok {
            '*' => {
                out.push_str(star);
                continue;
            }
            '?' => {
                out.push('.');
                continue;
            }
            '\\' => {
                if matches!(chars.peek(), Some('}' | '/')) {
                    continue;
                }
                out.push('\\');
                match chars.next() {
                    Some(t @ ('*' | '?' | '\\')) => tok = t,
                    Some(t) => return Err(format!("invalid escape '\\{t}'")),
                    None => return Err("invalid escape '\\'".to_string()),
                }
            }
            '[' | ']' | '{' | '}' | '.' | '+' | '(' | ')' | '|' | '^' | '$' => out.push('\\'),
            _ => {}
        }
        out.push(tok);
    }
    regex::Regex::new(&out).map_err(|e| e.to_string())
}

fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let re = shell_pattern_to_regex(pattern, greedy, true)
        .map_err(|m| format!("invalid pattern ({pattern}) in substitution: {m}"))?;
    Ok(match re.find(value) {
        Some(m) => value[m.end()..].to_string(),
        None => value.to_string(),
    })
}

/// Reverses a pattern without reversing its escapes (`a\*c` → `c\*a`).
fn reverse_pattern(pattern: &str) -> String {
    let runes: Vec<char> = pattern.chars().collect();
    let mut out = vec!['\0'; runes.len()];
    let last = runes.len().saturating_sub(1);
    let mut i = 0;
    while i < runes.len() {
        let tok = runes[i];
        let out_idx = last - i;
        if tok == '\\' && i != last {
            out[out_idx - 1] = tok;
            out[out_idx] = runes[i + 1];
            i += 2;
        } else {
            out[out_idx] = tok;
            i += 1;
        }
    }
    out.into_iter().collect()
}

fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    // The shortest rightmost match is the shortest leftmost match of the
    // reversed pattern in the reversed value.
    let reversed: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&reverse_pattern(pattern), &reversed, greedy)?;
    Ok(trimmed.chars().rev().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn expand(word: &str, pairs: &[(&str, &str)]) -> Result<String, ExpandError> {
        process_word(word, &env(pairs), '\\').map(|e| e.value)
    }

    fn corpus_file(name: &str) -> String {
        let dir = crate::test_corpus::corpus_dir();
        std::fs::read_to_string(dir.join("buildkit-shell").join(name))
            .unwrap_or_else(|e| panic!("cannot read buildkit-shell/{name}: {e}"))
    }

    /// Every `A` and `U` line of BuildKit's `envVarTest`, with its environment.
    #[test]
    fn buildkit_env_var_test() {
        let text = corpus_file("envVarTest");
        let vars = env(&[
            ("PWD", "/home"),
            ("SHELL", "bash"),
            ("KOREAN", "한국어"),
            ("NULL", ""),
        ]);
        let mut ran = 0;
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.trim().split('|').collect();
            assert_eq!(fields.len(), 3, "line {}: {line}", n + 1);
            let (platform, source, expected) =
                (fields[0].trim(), fields[1].trim(), fields[2].trim());
            if platform == "W" {
                continue;
            }
            assert!(platform == "A" || platform == "U", "line {}", n + 1);
            let got = process_word(source, &vars, '\\');
            if expected == "error" {
                assert!(got.is_err(), "line {}: {source:?} gave {got:?}", n + 1);
            } else {
                let got = got.unwrap_or_else(|e| panic!("line {}: {source:?}: {e}", n + 1));
                assert_eq!(got.value, expected, "line {}: {source:?}", n + 1);
            }
            ran += 1;
        }
        assert!(ran > 200, "only {ran} cases ran");
    }

    /// Every line of BuildKit's `wordsTest` (`ProcessWords`).
    #[test]
    fn buildkit_words_test() {
        let text = corpus_file("wordsTest");
        let mut vars: Vec<(String, String)> = Vec::new();
        let mut ran = 0;
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix("ENV ") {
                let rest = rest.trim_start_matches(' ');
                let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
                vars.push((k.to_string(), v.to_string()));
                continue;
            }
            let fields: Vec<&str> = line.split('|').collect();
            assert_eq!(fields.len(), 2, "line {}: {line}", n + 1);
            let source = fields[0].trim();
            let expected: Vec<&str> = fields[1].trim_start_matches(' ').split(',').collect();
            let got = match process_word(source, &vars.as_slice(), '\\') {
                Ok(e) => e.words,
                Err(_) => vec!["error".to_string()],
            };
            assert_eq!(got, expected, "line {}: {source:?}", n + 1);
            ran += 1;
        }
        assert!(ran >= 24, "only {ran} cases ran");
    }

    #[test]
    fn matches_and_unmatched_like_buildkit() {
        let e = process_word(
            "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}",
            &env(&[("FOO", "xxx"), ("BAR", "")]),
            '\\',
        )
        .unwrap();
        assert_eq!(e.value, "xxx  ccc");
        assert_eq!(e.matched(), BTreeSet::from(["FOO", "BAR"]));
        assert_eq!(e.unmatched(), BTreeSet::from(["BAZ"]));

        let e = process_word(
            "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}",
            &env(&[("FOO", "xxx"), ("BAR", "")]),
            '\\',
        )
        .unwrap();
        assert_eq!(e.value, "xxx bbb ccc");

        let e = process_word(
            "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}",
            &env(&[("FOO", "xxx"), ("BAR", "")]),
            '\\',
        )
        .unwrap();
        assert_eq!(e.value, "aaa  ");
        let e = process_word(
            "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}",
            &env(&[("FOO", "xxx"), ("BAR", "")]),
            '\\',
        )
        .unwrap();
        assert_eq!(e.value, "aaa bbb ");

        // The default word is looked at even when not used.
        let e = process_word("${A:-$B}", &env(&[("A", "x")]), '\\').unwrap();
        assert_eq!(e.value, "x");
        assert_eq!(e.unmatched(), BTreeSet::from(["B"]));
    }

    #[test]
    fn mandatory_variables() {
        let set = [("VAR", "plain"), ("ARG", "x")];
        let empty = [("VAR", ""), ("ARG", "x")];
        let unset = [("ARG", "x")];
        assert_eq!(expand("${VAR:?message here$ARG}", &set).unwrap(), "plain");
        let err = expand("${VAR:?message here$ARG}", &empty).unwrap_err();
        assert!(err.message.contains("message herex"), "{err}");
        assert!(expand("${VAR:?message here$ARG}", &unset)
            .unwrap_err()
            .message
            .contains("message herex"));
        assert_eq!(expand("${VAR?message here$ARG}", &set).unwrap(), "plain");
        assert_eq!(expand("${VAR?message here$ARG}", &empty).unwrap(), "");
        assert!(expand("${VAR?message here$ARG}", &unset).is_err());
        assert!(expand("${BAZ:?}", &[]).is_err());
        assert!(expand("${FOO=aaa}", &[("FOO", "x")]).is_err());
        assert!(expand("${FOO=:aaa}", &[("FOO", "x")]).is_err());
        assert!(expand("${FOO=}", &[]).is_err());
    }

    #[test]
    fn prefix_and_suffix_removal() {
        let cases: &[(&str, &str, &str)] = &[
            (r"${FOO#()[]{\}^$.\*\?|\\}", r"()[]{}^$.*?|\x", "x"),
            (r"${FOO%%\**}", "xx**", "xx"),
            ("${FOO#*x*y}", "xxyy", "y"),
            ("${FOO#*}", "xxyy", "xxyy"),
            ("${FOO#}", "xxyy", "xxyy"),
            ("${FOO##*x}", "xxyy", "yy"),
            ("${FOO##}", "xxyy", "xxyy"),
            (r"${FOO#?\?}", "???y", "?y"),
            (r"${FOO%%\**\*}", "a***yy*", "a"),
            ("${FOO%}", "xxyy", "xxyy"),
            ("${FOO%y}", "xxyy", "xxy"),
            ("${FOO%%y*}", "xxyy", "xx"),
            ("${FOO%y*}", "xxyy", "xxy"),
        ];
        for (word, value, expected) in cases {
            assert_eq!(
                expand(word, &[("FOO", value)]).unwrap(),
                *expected,
                "{word} on {value}"
            );
        }
        assert_eq!(
            expand("${FOO#$BAR}", &[("FOO", "xxyy"), ("BAR", "x")]).unwrap(),
            "xyy"
        );
        assert_eq!(
            expand("${ABC:-.}${FOO%x}${ABC:-.}", &[("FOO", "xxyy")]).unwrap(),
            ".xxyy."
        );
    }

    #[test]
    fn substitution() {
        let foo_needle = [("FOO", "/foo*/*/*.txt"), ("NEEDLE", r"\*/")];
        assert_eq!(
            expand("${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", &foo_needle).unwrap(),
            "/foo.*/*.txt - /foo..*.txt"
        );
        let tmp = [("FOO", "/tmp/tmp/bar.txt"), ("NEEDLE", "/tmp")];
        assert_eq!(
            expand("${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", &tmp).unwrap(),
            "/tmp/bar.txt - /bar.txt"
        );
        let abc = [
            ("FOO", "/a/foo/b/c.txt"),
            ("NEEDLE", "/?/"),
            ("REPLACEMENT", "/"),
        ];
        assert_eq!(
            expand(
                "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
                &abc
            )
            .unwrap(),
            "/foo/b/c.txt - /foo/c.txt"
        );
        assert_eq!(
            expand(
                "${FOO/$NEEDLE/$REPLACEMENT}",
                &[
                    ("FOO", "http://google.de"),
                    ("NEEDLE", "http://"),
                    ("REPLACEMENT", "https://")
                ]
            )
            .unwrap(),
            "https://google.de"
        );
        assert_eq!(
            expand(r"${FOO//\//\/}", &[("FOO", "/tmp/foo.txt")]).unwrap(),
            r"\/tmp\/foo.txt"
        );
        assert_eq!(
            expand("${FOO/$BAR/ww}", &[("FOO", "xxyy"), ("BAR", "")]).unwrap(),
            "wwxxyy"
        );
        assert!(expand("${FOO//ww}", &[("FOO", "xxyy")]).is_err());
        assert!(expand("${FOO//}", &[("FOO", "xxyy")]).is_err());
        assert_eq!(expand("${FOO///}", &[("FOO", "xxyy")]).unwrap(), "xxyy");
        let e = process_word("${FOO///}", &NoEnv, '\\').unwrap();
        assert_eq!(e.value, "");
        assert_eq!(e.unmatched(), BTreeSet::from(["FOO"]));
    }

    #[test]
    fn platform_release_name() {
        let vars = [
            ("VERSION", "v1.2.3"),
            ("TARGETOS", "linux"),
            ("TARGETARCH", "arm"),
            ("TARGETVARIANT", "v7"),
        ];
        let word = "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
        assert_eq!(
            expand(word, &vars).unwrap(),
            "something-v1.2.3.linux-arm-v7.tar.gz"
        );
        let vars = [
            ("VERSION", "v1.2.3"),
            ("TARGETOS", "linux"),
            ("TARGETARCH", "amd64"),
        ];
        assert_eq!(
            expand(word, &vars).unwrap(),
            "something-v1.2.3.linux-amd64.tar.gz"
        );
    }

    #[test]
    fn references_carry_their_place() {
        let word = r#"a$PAHT:${HOME:-/x}"$B""#;
        let e = process_word(word, &env(&[("HOME", "/root")]), '\\').unwrap();
        let spans: Vec<(&str, &str, bool)> = e
            .refs
            .iter()
            .map(|r| (r.name.as_str(), &word[r.range.clone()], r.defined))
            .collect();
        assert_eq!(
            spans,
            vec![
                ("PAHT", "$PAHT", false),
                ("HOME", "${HOME:-/x}", true),
                ("B", "$B", false)
            ]
        );
        assert_eq!(e.refs[1].modifier.as_deref(), Some(":-"));
        assert!(e.refs[1].handles_unset());
        assert_eq!(e.refs[0].modifier, None);
        let e = process_word("${A%%x}${B//a/b}${C:?m}${D+x}", &env(&[("C", "1")]), '\\').unwrap();
        let mods: Vec<_> = e
            .refs
            .iter()
            .map(|r| r.modifier.as_deref().unwrap())
            .collect();
        assert_eq!(mods, vec!["%%", "//", ":?", "+"]);
        // Single quotes hide references.
        assert!(process_word("'$A'", &NoEnv, '\\').unwrap().refs.is_empty());
        // An escaped dollar is no reference.
        assert!(process_word(r"\$A", &NoEnv, '\\').unwrap().refs.is_empty());
    }

    #[test]
    fn backtick_escape() {
        let vars = env(&[("A", "x")]);
        assert_eq!(
            process_word(r"C:\dir`$A", &vars, '`').unwrap().value,
            r"C:\dir$A"
        );
        assert_eq!(
            process_word(r#""a`"b""#, &vars, '`').unwrap().value,
            r#"a"b"#
        );
        assert_eq!(
            process_word(r"a\ b", &vars, '`').unwrap().words,
            vec![r"a\", "b"]
        );
        assert_eq!(
            process_word(r"a` b", &vars, '`').unwrap().words,
            vec!["a b"]
        );
    }

    #[test]
    fn unknown_values_mark_the_expansion() {
        let mut vars: BTreeMap<String, Option<String>> = BTreeMap::new();
        vars.insert("HOME".into(), None);
        vars.insert("A".into(), Some("1".into()));
        let e = process_word("$A/$HOME", &vars, '\\').unwrap();
        assert!(e.uncertain);
        assert!(e.unmatched().is_empty());
        let e = process_word("$A", &vars, '\\').unwrap();
        assert!(!e.uncertain);
    }

    #[test]
    fn quote_removal_keeps_variables() {
        assert_eq!(unquote(r#""$A b" 'c'"#, '\\').unwrap(), "$A b c");
        assert_eq!(unquote("${A:-x}", '\\').unwrap(), "${A:-x}");
        assert!(unquote("\"open", '\\').is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("PAHT", ["PATH", "HOME"], true).as_deref(),
            Some("PATH")
        );
        assert_eq!(suggest("PATH", ["PATH"], true), None);
        assert_eq!(suggest("XYZZY", ["PATH"], true), None);
        assert_eq!(
            suggest("alpine_versio", ["ALPINE_VERSION"], false).as_deref(),
            Some("alpine_version")
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(word in "[ -~\\t한]{0,40}") {
            let _ = process_word(&word, &NoEnv, '\\');
            let _ = process_word(&word, &NoEnv, '`');
            let _ = unquote(&word, '\\');
        }
    }

    /// Nested defaults deep enough to overflow a small stack expand (the
    /// stack grows), and past the limit fail with a message at the place.
    #[test]
    fn deep_nesting_neither_overflows_nor_recurses_without_bound() {
        let nested = |depth: usize| {
            let mut w = "x".to_string();
            for _ in 0..depth {
                w = format!("${{a:-{w}}}");
            }
            w
        };
        let ok = nested(MAX_NESTING);
        let too_deep = nested(MAX_NESTING + 1);
        let (value, err) = std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || {
                let env: BTreeMap<String, String> = BTreeMap::new();
                let value = process_word(&ok, &env, '\\').map(|e| e.value);
                let err = process_word(&too_deep, &env, '\\').unwrap_err();
                (value, err)
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(value.unwrap(), "x");
        assert!(err.message.ends_with("nested deeper than 10000 levels"));
        assert_eq!(err.offset, 5 * MAX_NESTING, "at the innermost `${{`");
    }
}
