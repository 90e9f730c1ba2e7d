//! The Dockerfile parser.
//!
//! It reads lines the way BuildKit's `parser.Parse` does (directives, the
//! escape character, continuations with comment and empty lines, heredoc
//! bodies), turns each logical line into a typed [`Instruction`] with the
//! line parsers of `line_parsers.go`, and keeps the byte span of every piece.
//! The file is read once, front to back: time is linear in its size.

pub(crate) mod go_quote;
pub(crate) mod heredoc;
pub(crate) mod instruction;
pub(crate) mod json;
mod render;
pub(crate) mod words;

use super::ir::*;
use super::ParseError;
use crate::span::{LineIndex, Span};

/// The longest line BuildKit reads (`bufio.MaxScanTokenSize - 1`).
pub const MAX_LINE_LEN: usize = 64 * 1024 - 1;

/// A physical line: `start..text_end` is its text without the line ending
/// (every trailing `\r` and `\n` removed, as BuildKit trims), `next` is
/// where the following line starts.
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    text_end: usize,
    next: usize,
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    line_no: usize,
    escape: char,
    directives_done: bool,
    directives: Vec<Directive>,
    comments: Vec<Comment>,
    empty_continuation_lines: Vec<Span>,
    instructions: Vec<Instruction>,
}

/// Go's `\s` in `regexp` (RE2): no vertical tab.
fn is_re_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

/// Matches BuildKit's directive pattern
/// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` on `text`, returning the
/// name and value ranges.
fn match_directive(text: &str) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let b = text.as_bytes();
    if b.first() != Some(&b'#') {
        return None;
    }
    let mut i = 1;
    while i < b.len() && is_re_space(b[i]) {
        i += 1;
    }
    let name_start = i;
    if i >= b.len() || !b[i].is_ascii_alphabetic() {
        return None;
    }
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    let name = name_start..i;
    while i < b.len() && is_re_space(b[i]) {
        i += 1;
    }
    if b.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    let after_eq = i;
    while i < b.len() && is_re_space(b[i]) {
        i += 1;
    }
    let mut end = b.len();
    while end > i && is_re_space(b[end - 1]) {
        end -= 1;
    }
    if end > i {
        return Some((name, i..end));
    }
    // Only whitespace after `=`: the lazy `(.+?)` still takes one character,
    // the last one.
    if b.len() > after_eq {
        let last = text[after_eq..].chars().next_back()?;
        return Some((name, b.len() - last.len_utf8()..b.len()));
    }
    None
}

/// BuildKit's continuation pattern `([^E])E[ \t]*$|^E[ \t]*$`: the length of
/// `text` kept when it continues, `None` when the line ends here.
fn continuation(text: &str, escape: char) -> Option<usize> {
    let t = text.trim_end_matches([' ', '\t']);
    let before = t.strip_suffix(escape)?;
    match before.chars().next_back() {
        None => Some(0),
        Some(c) if c == escape => None,
        Some(_) => Some(before.len()),
    }
}

/// Builds a [`LogicalText`] from pieces of the file.
#[derive(Default)]
struct LogicalBuilder {
    lt: LogicalText,
}

impl LogicalBuilder {
    fn push(&mut self, src: &str, start: usize, end: usize) {
        let logical = self.lt.text.len() as u32;
        let contiguous = self
            .lt
            .segments
            .last()
            .is_some_and(|&(l, f)| f as usize + (logical - l) as usize == start);
        if self.lt.segments.is_empty() || (!contiguous && end > start) {
            self.lt.segments.push((logical, start as u32));
        }
        self.lt.text.push_str(&src[start..end]);
    }
}

impl<'a> Parser<'a> {
    fn next_line(&mut self) -> Result<Option<Line>, ParseError> {
        if self.pos >= self.src.len() {
            return Ok(None);
        }
        let bytes = self.src.as_bytes();
        let start = self.pos;
        let (raw_end, next) = match memchr::memchr(b'\n', &bytes[start..]) {
            Some(i) => (start + i, start + i + 1),
            None => (bytes.len(), bytes.len()),
        };
        if raw_end - start > MAX_LINE_LEN {
            let at = start + MAX_LINE_LEN;
            let at = (at..=raw_end)
                .find(|&i| self.src.is_char_boundary(i))
                .unwrap_or(raw_end);
            return Err(ParseError::new(
                format!(
                    "this line is {} bytes long; BuildKit reads lines of at most {MAX_LINE_LEN} bytes",
                    raw_end - start
                ),
                Span::new(at as u32, raw_end as u32),
            )
            .with_help(
                "split the line with line continuations, or move the data into a file in the build context",
            ));
        }
        let mut text_end = raw_end;
        while text_end > start && bytes[text_end - 1] == b'\r' {
            text_end -= 1;
        }
        self.pos = next;
        self.line_no += 1;
        Ok(Some(Line {
            start,
            text_end,
            next,
        }))
    }

    /// Directive handling of one (left-trimmed) line; true when it was a directive.
    fn directive(&mut self, start: usize, end: usize) -> Result<bool, ParseError> {
        if self.directives_done {
            return Ok(false);
        }
        let text = &self.src[start..end];
        let Some((name_r, value_r)) = match_directive(text) else {
            self.directives_done = true;
            return Ok(false);
        };
        let name = text[name_r.clone()].to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            self.directives_done = true;
            return Ok(false);
        }
        let span = |r: &std::ops::Range<usize>| {
            Span::new((start + r.start) as u32, (start + r.end) as u32)
        };
        if self.directives.iter().any(|d| d.name == name) {
            return Err(ParseError::new(
                format!("only one {name} parser directive can be used"),
                span(&name_r),
            )
            .with_help(format!("remove this second `# {name}=` line")));
        }
        let value = text[value_r.clone()].to_string();
        if name == "escape" {
            self.escape = match value.as_str() {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return Err(ParseError::new(
                        format!("invalid escape token '{value}' does not match ` or \\"),
                        span(&value_r),
                    )
                    .with_help("write `# escape=\\` (the default) or `# escape=`` ` (backtick)"))
                }
            };
        }
        self.directives.push(Directive {
            name,
            value,
            span: Span::new(start as u32, end as u32),
            name_span: span(&name_r),
            value_span: span(&value_r),
        });
        Ok(true)
    }

    fn comment(&mut self, start: usize, end: usize, in_continuation: bool) {
        let text = self.src[start + 1..end].trim().to_string();
        self.comments.push(Comment {
            text,
            span: Span::new(start as u32, end as u32),
            in_continuation,
        });
    }

    fn run(&mut self) -> Result<(), ParseError> {
        let src = self.src;
        while let Some(line) = self.next_line()? {
            let mut start = line.start;
            if self.line_no == 1 && src[start..].starts_with('\u{feff}') {
                start += 3;
            }
            let lead = src[start..line.text_end].len()
                - src[start..line.text_end]
                    .trim_start_matches(char::is_whitespace)
                    .len();
            let tstart = start + lead;
            let was_directive = self.directive(tstart, line.text_end)?;
            let trimmed = &src[tstart..line.text_end];
            if trimmed.starts_with('#') {
                if !was_directive {
                    self.comment(tstart, line.text_end, false);
                }
                continue;
            }
            let mut cont = continuation(trimmed, self.escape);
            if cont.is_none() && trimmed.is_empty() {
                continue;
            }
            let mut b = LogicalBuilder::default();
            b.push(src, tstart, tstart + cont.unwrap_or(trimmed.len()));
            let mut last_line = line;
            while cont.is_some() {
                let Some(l) = self.next_line()? else {
                    break;
                };
                last_line = l;
                let text = &src[l.start..l.text_end];
                let t = text.trim_start_matches(char::is_whitespace);
                if t.starts_with('#') {
                    let at = l.text_end - t.len();
                    self.comment(at, l.text_end, true);
                    continue;
                }
                if t.is_empty() {
                    self.empty_continuation_lines
                        .push(Span::new(l.start as u32, l.text_end as u32));
                    continue;
                }
                cont = continuation(text, self.escape);
                b.push(src, l.start, l.start + cont.unwrap_or(text.len()));
            }
            let _ = last_line;
            let lt = b.lt;
            let mut inst = instruction::build(&lt, self.escape)?;
            self.heredocs(&lt, &mut inst)?;
            self.instructions.push(inst);
        }
        Ok(())
    }

    /// Reads the bodies of the heredocs opened on the instruction's line.
    fn heredocs(&mut self, lt: &LogicalText, inst: &mut Instruction) -> Result<(), ParseError> {
        let target = match &inst.args {
            Args::Onbuild(inner) => inner.as_ref(),
            _ => &*inst,
        };
        let json = match &target.args {
            Args::Run(CommandForm::Exec { .. }) => true,
            Args::Run(_) => false,
            Args::Copy(c) | Args::Add(c) => c.exec_form,
            _ => return Ok(()),
        };
        if json || !lt.text.contains("<<") {
            return Ok(());
        }
        let markers = heredoc::markers(&lt.text).map_err(|e| {
            ParseError::new(e.message, lt.span(e.range.start as u32, e.range.end as u32))
                .with_help("write the heredoc delimiter as one word, e.g. <<EOF or <<'EOF'")
        })?;
        let mut docs = Vec::with_capacity(markers.len());
        let mut end = inst.span.end;
        for m in markers {
            let marker_span = lt.span(m.range.start as u32, m.range.end as u32);
            let body_start = self.pos;
            let mut content = String::new();
            let terminator = loop {
                let Some(l) = self.next_line()? else {
                    return Err(
                        ParseError::new("unterminated heredoc", marker_span).with_help(format!(
                            "end the heredoc with a line holding only `{}`{}",
                            m.name,
                            if m.chomp {
                                " (leading tabs allowed)"
                            } else {
                                ""
                            }
                        )),
                    );
                };
                let text = &self.src[l.start..l.text_end];
                let t = if m.chomp {
                    text.trim_start_matches('\t')
                } else {
                    text
                };
                if t == m.name {
                    break (
                        l,
                        Span::new((l.text_end - t.len()) as u32, l.text_end as u32),
                    );
                }
                content.push_str(&self.src[l.start..l.next]);
            };
            let (tline, terminator_span) = terminator;
            end = tline.text_end as u32;
            if m.chomp {
                content = heredoc::chomp(&content);
            }
            docs.push(Heredoc {
                name: m.name,
                strip_tabs: m.chomp,
                expand: m.expand,
                fd: m.fd,
                marker_span,
                content,
                body_span: Span::new(body_start as u32, tline.start as u32),
                terminator_span,
            });
        }
        if docs.is_empty() {
            return Ok(());
        }
        inst.span.end = end;
        match &mut inst.args {
            Args::Onbuild(inner) => {
                inner.span.end = end;
                inner.heredocs = docs;
            }
            _ => inst.heredocs = docs,
        }
        Ok(())
    }
}

/// Parses a whole Dockerfile.
pub fn parse(source: String) -> Result<Dockerfile, ParseError> {
    let mut p = Parser {
        src: &source,
        pos: 0,
        line_no: 0,
        escape: '\\',
        directives_done: false,
        directives: Vec::new(),
        comments: Vec::new(),
        empty_continuation_lines: Vec::new(),
        instructions: Vec::new(),
    };
    p.run()?;
    if p.instructions.is_empty() {
        // At the end of the text, not past the final newline (a line the
        // file does not have).
        let end = source.trim_end_matches(['\n', '\r']).len() as u32;
        return Err(
            ParseError::new("file with no instructions", Span::new(end, end))
                .with_help("a Dockerfile needs at least one instruction, e.g. `FROM alpine:3.20`"),
        );
    }
    let Parser {
        escape,
        directives,
        comments,
        empty_continuation_lines,
        mut instructions,
        ..
    } = p;
    let mut stages: Vec<Stage> = Vec::new();
    for (i, inst) in instructions.iter_mut().enumerate() {
        if inst.kind == Kind::From {
            if let Some(last) = stages.last_mut() {
                last.end = i;
            }
            let name = match &inst.args {
                Args::From(f) => match (&f.as_keyword, &f.alias) {
                    (Some(k), Some(a)) if k.raw.eq_ignore_ascii_case("as") => Some(a.clone()),
                    _ => None,
                },
                _ => None,
            };
            stages.push(Stage {
                index: stages.len(),
                from: i,
                end: i + 1,
                name,
            });
        }
        inst.stage = stages.last().map(|s| s.index);
        if let Args::Onbuild(inner) = &mut inst.args {
            inner.stage = inst.stage;
        }
    }
    let n = instructions.len();
    if let Some(last) = stages.last_mut() {
        last.end = n;
    }
    let lines = LineIndex::new(&source);
    Ok(Dockerfile {
        source,
        lines,
        escape,
        directives,
        instructions,
        comments,
        empty_continuation_lines,
        stages,
    })
}

#[cfg(test)]
mod tests;
