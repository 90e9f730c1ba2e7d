//! One logical line to one typed [`Instruction`], following BuildKit's
//! dispatch table (`parser.go`) and line parsers (`line_parsers.go`).

use std::ops::Range;

use super::json::{self, JsonError};
use super::words::{self, go_lower, RawFlag};
use crate::dockerfile::ir::*;
use crate::dockerfile::ParseError;
use crate::span::Span;

/// How deeply ONBUILD may nest (`ONBUILD ONBUILD ...`); BuildKit refuses any
/// chaining when it builds, so this only bounds the work on hostile input.
const MAX_ONBUILD_DEPTH: u32 = 16;

/// The line parser BuildKit dispatches an instruction to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineParser {
    /// `parseMaybeJSONToList`: ADD, COPY, VOLUME.
    MaybeJsonToList,
    /// `parseNameOrNameVal`: ARG.
    NameOrNameVal,
    /// `parseMaybeJSON`: CMD, ENTRYPOINT, RUN, SHELL.
    MaybeJson,
    /// `parseEnv` / `parseLabel`.
    NameVal,
    /// `parseStringsWhitespaceDelimited`: EXPOSE, FROM.
    Whitespace,
    /// `parseHealthConfig`.
    Health,
    /// `parseString`: MAINTAINER, STOPSIGNAL, USER, WORKDIR.
    String,
    /// `parseSubCommand`: ONBUILD.
    SubCommand,
    /// `parseIgnore`: anything else.
    Ignore,
}

pub(crate) fn line_parser(kind: Kind) -> LineParser {
    match kind {
        Kind::Add | Kind::Copy | Kind::Volume => LineParser::MaybeJsonToList,
        Kind::Arg => LineParser::NameOrNameVal,
        Kind::Cmd | Kind::Entrypoint | Kind::Run | Kind::Shell => LineParser::MaybeJson,
        Kind::Env | Kind::Label => LineParser::NameVal,
        Kind::Expose | Kind::From => LineParser::Whitespace,
        Kind::Healthcheck => LineParser::Health,
        Kind::Maintainer | Kind::Stopsignal | Kind::User | Kind::Workdir => LineParser::String,
        Kind::Onbuild => LineParser::SubCommand,
        Kind::Unknown => LineParser::Ignore,
    }
}

/// The kind of a keyword as BuildKit dispatches it (Unicode lower-casing).
pub(crate) fn kind_of(keyword: &str) -> Kind {
    Kind::from_keyword(&go_lower(keyword))
}

/// `parseHealthConfig`'s split of its arguments: type, then the command.
pub(crate) fn health_split(text: &str, rest: Range<usize>) -> Option<(Range<usize>, Range<usize>)> {
    if rest.is_empty() {
        return None;
    }
    let b = text.as_bytes();
    let is_sp = |c: u8| matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
    let mut sep = rest.start;
    while sep < rest.end && !is_sp(b[sep]) {
        sep += 1;
    }
    let mut next = sep;
    while next < rest.end && is_sp(b[next]) {
        next += 1;
    }
    Some((rest.start..sep, next..rest.end))
}

/// BuildKit's split of a `key=value` word list or legacy `key value`.
pub(crate) enum NameVal {
    Legacy {
        key: Range<usize>,
        value: Range<usize>,
    },
    Pairs(Vec<(words::RawWord, usize)>),
}

/// `parseNameVal`: `Ok(None)` for no words.
pub(crate) fn name_val(
    text: &str,
    rest: Range<usize>,
    escape: char,
    what: &str,
) -> Result<Option<NameVal>, (String, Range<usize>)> {
    let ws = words::parse_words(text, rest.clone(), escape);
    if ws.is_empty() {
        return Ok(None);
    }
    if !ws[0].text.contains('=') {
        return match words::split_first_whitespace(text, rest.clone()) {
            Some((key, value)) => Ok(Some(NameVal::Legacy { key, value })),
            None => Err((format!("{what} must have two arguments"), rest)),
        };
    }
    let mut pairs = Vec::with_capacity(ws.len());
    for w in ws {
        let Some(eq) = w.text.find('=') else {
            return Err((
                format!(
                    "Syntax error - can't find = in {}. Must be of the form: name=value",
                    super::go_quote::go_quote(&w.text)
                ),
                w.range,
            ));
        };
        pairs.push((w, eq));
    }
    Ok(Some(NameVal::Pairs(pairs)))
}

struct Builder<'a> {
    lt: &'a LogicalText,
    escape: char,
}

impl Builder<'_> {
    fn span(&self, r: &Range<usize>) -> Span {
        self.lt.span(r.start as u32, r.end as u32)
    }

    fn word(&self, r: Range<usize>) -> Word {
        Word {
            raw: self.lt.text[r.clone()].to_string(),
            span: self.span(&r),
        }
    }

    fn word_text(&self, r: Range<usize>, raw: String) -> Word {
        Word {
            raw,
            span: self.span(&r),
        }
    }

    fn flag(&self, f: &RawFlag) -> Flag {
        let raw = &self.lt.text[f.range.clone()];
        let processed = String::from_utf8_lossy(&f.processed);
        let body = processed.strip_prefix("--").unwrap_or(&processed);
        let name = body.split('=').next().unwrap_or("").to_string();
        let name_start = f.range.start + 2.min(raw.len());
        let value = raw.find('=').map(|eq| {
            let v = f.range.start + eq + 1..f.range.end;
            self.word(v)
        });
        let name_end = raw
            .find('=')
            .map(|eq| f.range.start + eq)
            .unwrap_or(f.range.end);
        Flag {
            name,
            name_span: self.span(&(name_start..name_end.max(name_start))),
            value,
            span: self.span(&f.range),
        }
    }

    fn error(&self, message: impl Into<String>, r: &Range<usize>) -> ParseError {
        ParseError::new(message, self.span(r))
    }

    /// `parseJSON` on `rest`: `Ok(Some)` for a string array, `Ok(None)` when
    /// it is not JSON (shell form), `Err` for a JSON array of non-strings.
    fn json(&self, rest: &Range<usize>) -> Result<Option<json::JsonArray>, ParseError> {
        match json::parse_array(&self.lt.text, rest.clone()) {
            Ok(a) => Ok(Some(a)),
            Err(JsonError::Syntax) => Ok(None),
            Err(JsonError::NotStringArray(r)) => Err(self
                .error(
                    "when using JSON array syntax, arrays must be comprised of strings only",
                    &r,
                )
                .with_help(
                    "write every element as a JSON string, e.g. [\"echo\", \"hello\"], or use the shell form",
                )),
        }
    }

    fn exec_args(&self, a: &json::JsonArray) -> Vec<ExecArg> {
        a.elements
            .iter()
            .map(|(r, v)| ExecArg {
                value: v.clone(),
                span: self.span(r),
            })
            .collect()
    }

    fn command(&self, rest: &Range<usize>) -> Result<CommandForm, ParseError> {
        if !rest.is_empty() {
            if let Some(a) = self.json(rest)? {
                return Ok(CommandForm::Exec {
                    args: self.exec_args(&a),
                    span: self.span(&a.range),
                });
            }
        }
        Ok(CommandForm::Shell(
            self.lt.slice(rest.start as u32, rest.end as u32),
        ))
    }

    /// Words of a JSON-or-whitespace list; `(exec_form, words)`.
    fn list(&self, rest: &Range<usize>) -> Result<(bool, Vec<Word>), ParseError> {
        if let Some(a) = self.json(rest)? {
            let ws = a
                .elements
                .iter()
                .map(|(r, v)| self.word_text(r.clone(), v.clone()))
                .collect();
            return Ok((true, ws));
        }
        Ok((
            false,
            words::split_whitespace(&self.lt.text, rest.clone())
                .into_iter()
                .map(|r| self.word(r))
                .collect(),
        ))
    }

    fn build(&self, range: Range<usize>, depth: u32) -> Result<Instruction, ParseError> {
        let text = &self.lt.text;
        let cmd = words::split_command(text, range.clone());
        let keyword = text[cmd.keyword.clone()].to_string();
        let kind = kind_of(&keyword);
        let flags: Vec<Flag> = cmd.flags.iter().map(|f| self.flag(f)).collect();
        let rest = cmd.rest.clone();
        let empty_at_rest = || Word {
            raw: String::new(),
            span: Span::empty_at(self.lt.to_file(rest.start as u32)),
        };
        let mut span_end = if rest.is_empty() {
            cmd.flags
                .last()
                .map(|f| f.range.end)
                .unwrap_or(cmd.keyword.end)
        } else {
            rest.end
        };
        let args = match kind {
            Kind::From => {
                let ws = words::split_whitespace(text, rest.clone());
                let mut it = ws.into_iter().map(|r| self.word(r));
                Args::From(FromArgs {
                    image: it.next().unwrap_or_else(empty_at_rest),
                    as_keyword: it.next(),
                    alias: it.next(),
                })
            }
            Kind::Run => Args::Run(self.command(&rest)?),
            Kind::Cmd => Args::Cmd(self.command(&rest)?),
            Kind::Entrypoint => Args::Entrypoint(self.command(&rest)?),
            Kind::Shell => match self.command(&rest)? {
                CommandForm::Exec { args, .. } => Args::Shell(args),
                CommandForm::Shell(_) => Args::Shell(Vec::new()),
            },
            Kind::Copy | Kind::Add => {
                let (exec_form, mut ws) = self.list(&rest)?;
                let dest = ws.pop();
                let sources = ws
                    .into_iter()
                    .filter(|w| {
                        exec_form || !matches!(super::heredoc::parse_marker(&w.raw), Ok(Some(_)))
                    })
                    .collect();
                let c = CopyArgs {
                    exec_form,
                    sources,
                    dest,
                };
                if kind == Kind::Copy {
                    Args::Copy(c)
                } else {
                    Args::Add(c)
                }
            }
            Kind::Volume => {
                let (exec_form, paths) = self.list(&rest)?;
                Args::Volume { exec_form, paths }
            }
            Kind::Env | Kind::Label => {
                let what = if kind == Kind::Env { "ENV" } else { "LABEL" };
                let pairs = match name_val(text, rest.clone(), self.escape, what) {
                    Ok(None) => Vec::new(),
                    Ok(Some(NameVal::Legacy { key, value })) => vec![KeyValue {
                        key: self.word(key.clone()),
                        value: self.word(value.clone()),
                        legacy: true,
                        span: self.span(&(key.start..value.end)),
                    }],
                    Ok(Some(NameVal::Pairs(ps))) => ps
                        .into_iter()
                        .map(|(w, eq)| {
                            let (k, v) = w.text.split_at(eq);
                            let raw_eq = text[w.range.clone()]
                                .find('=')
                                .map(|i| w.range.start + i)
                                .unwrap_or(w.range.start);
                            KeyValue {
                                key: self.word_text(w.range.start..raw_eq, k.to_string()),
                                value: self.word_text(raw_eq + 1..w.range.end, v[1..].to_string()),
                                legacy: false,
                                span: self.span(&w.range),
                            }
                        })
                        .collect(),
                    Err((message, r)) => {
                        let help = if kind == Kind::Env {
                            "write `ENV NAME=value` (quote values that hold spaces)"
                        } else {
                            "write `LABEL key=value` (quote values that hold spaces)"
                        };
                        return Err(self.error(message, &r).with_help(help));
                    }
                };
                if kind == Kind::Env {
                    Args::Env(pairs)
                } else {
                    Args::Label(pairs)
                }
            }
            Kind::Arg => {
                let decls = words::parse_words(text, rest.clone(), self.escape)
                    .into_iter()
                    .map(|w| {
                        let raw_eq = text[w.range.clone()].find('=').map(|i| w.range.start + i);
                        match (w.text.find('='), raw_eq) {
                            (Some(eq), Some(req)) => ArgDecl {
                                name: self.word_text(w.range.start..req, w.text[..eq].to_string()),
                                default: Some(
                                    self.word_text(
                                        req + 1..w.range.end,
                                        w.text[eq + 1..].to_string(),
                                    ),
                                ),
                                span: self.span(&w.range),
                            },
                            _ => ArgDecl {
                                name: self.word_text(w.range.clone(), w.text.clone()),
                                default: None,
                                span: self.span(&w.range),
                            },
                        }
                    })
                    .collect();
                Args::Arg(decls)
            }
            Kind::Expose => Args::Expose(
                words::split_whitespace(text, rest.clone())
                    .into_iter()
                    .map(|r| self.word(r))
                    .collect(),
            ),
            Kind::User => Args::User(self.word(rest.clone())),
            Kind::Workdir => Args::Workdir(self.word(rest.clone())),
            Kind::Stopsignal => Args::Stopsignal(self.word(rest.clone())),
            Kind::Maintainer => Args::Maintainer(self.word(rest.clone())),
            Kind::Healthcheck => match health_split(text, rest.clone()) {
                None => Args::Healthcheck(HealthcheckArgs::Invalid),
                Some((typ, cmd_range)) => {
                    let command = self.command(&cmd_range)?;
                    let keyword = self.span(&typ);
                    let t = &text[typ];
                    Args::Healthcheck(if t.eq_ignore_ascii_case("NONE") && cmd_range.is_empty() {
                        HealthcheckArgs::None { keyword }
                    } else if t.eq_ignore_ascii_case("CMD") {
                        HealthcheckArgs::Cmd { keyword, command }
                    } else {
                        HealthcheckArgs::Invalid
                    })
                }
            },
            Kind::Onbuild => {
                if rest.is_empty() {
                    Args::Unknown(empty_at_rest())
                } else {
                    if depth >= MAX_ONBUILD_DEPTH {
                        return Err(self
                            .error("ONBUILD triggers are nested too deeply", &rest)
                            .with_help("an ONBUILD trigger cannot itself be ONBUILD; remove the repeated keyword"));
                    }
                    let inner = self.build(rest.clone(), depth + 1)?;
                    Args::Onbuild(Box::new(inner))
                }
            }
            Kind::Unknown => Args::Unknown(self.word(rest.clone())),
        };
        if span_end < cmd.keyword.end {
            span_end = cmd.keyword.end;
        }
        let keyword_span = self.span(&cmd.keyword);
        let end = self
            .lt
            .span(span_end.saturating_sub(1) as u32, span_end as u32)
            .end;
        let span = if span_end > cmd.keyword.start {
            Span::new(keyword_span.start, end.max(keyword_span.end))
        } else {
            keyword_span
        };
        Ok(Instruction {
            kind,
            keyword,
            keyword_span,
            span,
            flags,
            args,
            heredocs: Vec::new(),
            rest: self.lt.slice(rest.start as u32, rest.end as u32),
            stage: None,
            line: self.lt.slice(cmd.keyword.start as u32, range.end as u32),
        })
    }
}

/// Builds the instruction of a whole logical line.
pub(crate) fn build(lt: &LogicalText, escape: char) -> Result<Instruction, ParseError> {
    Builder { lt, escape }.build(0..lt.text.len(), 0)
}
