//! The Dockerfile IR: what the parser gives the rules, the context planner and
//! the builder. Every piece carries the byte span of its raw text in the file.
//!
//! Words keep their raw text (quotes and escapes as written); expansion and
//! quote removal happen on demand through [`crate::dockerfile::expand`], as
//! BuildKit does when it turns the AST into instructions.

use serde::Serialize;

use crate::span::{LineIndex, Span};

/// A parsed Dockerfile.
#[derive(Clone, Debug, Serialize)]
pub struct Dockerfile {
    /// The whole file as read (BOM and CRLF kept, so spans index it directly).
    #[serde(skip)]
    pub source: String,
    #[serde(skip)]
    pub lines: LineIndex,
    /// The escape character: `\` by default, or a backtick by directive.
    pub escape: char,
    /// Parser directives at the top of the file (`# syntax=`, `# escape=`, `# check=`).
    pub directives: Vec<Directive>,
    /// Instructions in file order. ONBUILD's trigger is nested in its instruction.
    pub instructions: Vec<Instruction>,
    /// Every comment line (directives excluded), including those inside continuations.
    pub comments: Vec<Comment>,
    /// Empty lines inside a continuation (BuildKit's NoEmptyContinuation).
    pub empty_continuation_lines: Vec<Span>,
    /// Stages, one per FROM, in order.
    pub stages: Vec<Stage>,
}

/// ```text
/// # escape=`
///   ^^^^^^ name (lower-cased in `name`)
///          ^ value
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct Directive {
    /// Lower-case name: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
    pub span: Span,
    pub name_span: Span,
    pub value_span: Span,
}

/// A `#` comment line. `text` is what follows the `#`, trimmed.
#[derive(Clone, Debug, Serialize)]
pub struct Comment {
    pub text: String,
    /// The whole line, from the `#` to the end of line (indentation excluded).
    pub span: Span,
    /// True when the comment sits inside a continued instruction.
    pub in_continuation: bool,
}

/// A stage: a FROM instruction and the instructions up to the next FROM.
#[derive(Clone, Debug, Serialize)]
pub struct Stage {
    pub index: usize,
    /// Index into `Dockerfile::instructions` of the FROM.
    pub from: usize,
    /// Index one past the stage's last instruction.
    pub end: usize,
    /// The `AS name` alias, as written.
    pub name: Option<Word>,
}

/// A word of an instruction's arguments, as written in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Word {
    /// The raw text (quotes and escapes kept; for a word that crossed a line
    /// continuation, the continuation is removed, as BuildKit joins lines).
    pub raw: String,
    /// Span of the word in the file (covering any continuation inside it).
    pub span: Span,
}

/// A `--name` or `--name=value` flag before an instruction's arguments.
///
/// ```text
/// RUN --mount=type=cache,target=/x make
///     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ span
///       ^^^^^ name_span   (name = "mount")
///             ^^^^^^^^^^^^^^^^^^^^ value (Word)
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct Flag {
    /// Name without the leading dashes, as written (BuildKit matches it case-sensitively).
    pub name: String,
    pub name_span: Span,
    /// `None` for `--flag` with no `=`.
    pub value: Option<Word>,
    pub span: Span,
}

/// Text of a continued logical line with a map back to the file.
///
/// BuildKit joins continuation lines (dropping the escape, the newline and
/// comment lines) into one logical line; `text` is that line (for shell-form
/// commands: from the first byte of the command to the end), and `to_file`
/// maps any offset in it back to a byte offset in the file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LogicalText {
    pub text: String,
    /// Ordered segments `(logical_start, file_start)`: logical bytes from
    /// `logical_start` up to the next segment's start are contiguous in the file
    /// from `file_start`.
    pub segments: Vec<(u32, u32)>,
}

impl LogicalText {
    /// File offset of logical offset `offset`.
    pub fn to_file(&self, offset: u32) -> u32 {
        let i = match self.segments.binary_search_by_key(&offset, |s| s.0) {
            Ok(i) => i,
            Err(0) => return offset,
            Err(i) => i - 1,
        };
        let (logical, file) = self.segments[i];
        file + (offset - logical)
    }

    /// The logical range `start..end` as its own text, still mapped to the file.
    /// Offsets are clamped to the text and to character boundaries.
    pub fn slice(&self, start: u32, end: u32) -> LogicalText {
        let len = self.text.len() as u32;
        let mut start = start.min(len);
        let mut end = end.min(len).max(start);
        while !self.text.is_char_boundary(start as usize) {
            start -= 1;
        }
        while !self.text.is_char_boundary(end as usize) {
            end += 1;
        }
        let mut segments = Vec::new();
        if end > start || !self.segments.is_empty() {
            segments.push((0, self.to_file(start)));
        }
        for &(logical, file) in &self.segments {
            if logical > start && logical < end {
                segments.push((logical - start, file));
            }
        }
        LogicalText {
            text: self.text[start as usize..end as usize].to_string(),
            segments,
        }
    }

    /// File span covering the whole text (empty at the mapped start when empty).
    pub fn file_span(&self) -> Span {
        self.span(0, self.text.len() as u32)
    }

    /// File span of a logical range. An end at a segment boundary stays at
    /// the end of the previous segment, so a span never swallows a continuation.
    pub fn span(&self, start: u32, end: u32) -> Span {
        if end <= start {
            let s = self.to_file(start);
            return Span::new(s, s);
        }
        Span::new(self.to_file(start), self.to_file(end - 1) + 1)
    }
}

/// A command as CMD, ENTRYPOINT, RUN and HEALTHCHECK CMD take it.
#[derive(Clone, Debug, Serialize)]
pub enum CommandForm {
    /// `["executable", "arg"]`: the JSON array, elements decoded.
    Exec { args: Vec<ExecArg>, span: Span },
    /// Shell form: the logical command text (continuations joined, comment
    /// lines dropped), with its map back to the file.
    Shell(LogicalText),
}

/// One element of an exec-form array: its decoded value and the span of the
/// JSON string literal in the file.
#[derive(Clone, Debug, Serialize)]
pub struct ExecArg {
    pub value: String,
    pub span: Span,
}

/// A heredoc attached to RUN, COPY or ADD.
///
/// ```text
/// RUN python3 <<-"EOF"
///             ^^^^^^^^ marker_span
/// print(1)      <- body_span covers the body lines
/// EOF           <- terminator_span
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct Heredoc {
    /// The delimiter name without quotes (`EOF`).
    pub name: String,
    /// `<<-`: leading tabs are stripped from the body.
    pub strip_tabs: bool,
    /// False for `<<"EOF"` and `<<'EOF'`: no expansion of the body.
    pub expand: bool,
    /// File descriptor number before `<<` (`3<<EOF`), if any.
    pub fd: Option<u32>,
    pub marker_span: Span,
    /// The body as BuildKit passes it (tabs stripped for `<<-`), ending with a newline.
    pub content: String,
    pub body_span: Span,
    pub terminator_span: Span,
}

/// A key/value pair of ENV or LABEL.
///
/// ```text
/// ENV A=1 B="two words"      LABEL a.b="x"      ENV LEGACY value here
///     ^^^ span  ^ key_span ...                   legacy = true: value is the rest of the line
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct KeyValue {
    pub key: Word,
    pub value: Word,
    /// `ENV key value` (space separated, one pair per instruction).
    pub legacy: bool,
    pub span: Span,
}

/// One name of an ARG instruction, with its default if any.
#[derive(Clone, Debug, Serialize)]
pub struct ArgDecl {
    pub name: Word,
    pub default: Option<Word>,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct FromArgs {
    /// The image reference as written (may hold `$VAR`); empty for a bare `FROM`.
    pub image: Word,
    /// `AS` keyword and the stage name.
    pub as_keyword: Option<Word>,
    pub alias: Option<Word>,
}

/// COPY and ADD: sources and a destination (last word), or heredocs.
#[derive(Clone, Debug, Serialize)]
pub struct CopyArgs {
    /// True when written as a JSON array.
    pub exec_form: bool,
    /// Sources as written. A source that is a heredoc marker is not listed here
    /// (see `Instruction::heredocs`).
    /// In exec form each word's `raw` is the decoded JSON string and its
    /// span the string literal.
    pub sources: Vec<Word>,
    pub dest: Option<Word>,
}

#[derive(Clone, Debug, Serialize)]
pub enum HealthcheckArgs {
    /// `HEALTHCHECK NONE`.
    None { keyword: Span },
    /// `HEALTHCHECK [--flags] CMD ...` (flags are on the instruction).
    Cmd { keyword: Span, command: CommandForm },
    /// Bare `HEALTHCHECK`, or anything else after it; BuildKit rejects it when
    /// building, so rules may report it.
    Invalid,
}

/// The arguments of an instruction, typed by kind.
#[derive(Clone, Debug, Serialize)]
pub enum Args {
    From(FromArgs),
    Run(CommandForm),
    Cmd(CommandForm),
    Entrypoint(CommandForm),
    Copy(CopyArgs),
    Add(CopyArgs),
    Env(Vec<KeyValue>),
    Label(Vec<KeyValue>),
    Arg(Vec<ArgDecl>),
    Expose(Vec<Word>),
    User(Word),
    Workdir(Word),
    /// Paths, from a JSON array or whitespace-separated words.
    Volume {
        exec_form: bool,
        paths: Vec<Word>,
    },
    Stopsignal(Word),
    Healthcheck(HealthcheckArgs),
    /// SHELL takes only a JSON array; empty when it is not written as one
    /// (BuildKit rejects that when building; `Instruction::rest` has the text).
    Shell(Vec<ExecArg>),
    Maintainer(Word),
    /// The trigger, parsed as an instruction with its own file spans (its
    /// heredocs are on it). A bare `ONBUILD` has `Unknown` (empty) instead.
    Onbuild(Box<Instruction>),
    /// An instruction BuildKit does not know; rules report it. Holds the rest
    /// of the logical line as one word.
    Unknown(Word),
}

/// The kind of an instruction, as upper-case names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Kind {
    From,
    Run,
    Cmd,
    Entrypoint,
    Copy,
    Add,
    Env,
    Label,
    Arg,
    Expose,
    User,
    Workdir,
    Volume,
    Stopsignal,
    Healthcheck,
    Shell,
    Maintainer,
    Onbuild,
    Unknown,
}

impl Kind {
    pub fn from_keyword(keyword: &str) -> Kind {
        match keyword.to_ascii_uppercase().as_str() {
            "FROM" => Kind::From,
            "RUN" => Kind::Run,
            "CMD" => Kind::Cmd,
            "ENTRYPOINT" => Kind::Entrypoint,
            "COPY" => Kind::Copy,
            "ADD" => Kind::Add,
            "ENV" => Kind::Env,
            "LABEL" => Kind::Label,
            "ARG" => Kind::Arg,
            "EXPOSE" => Kind::Expose,
            "USER" => Kind::User,
            "WORKDIR" => Kind::Workdir,
            "VOLUME" => Kind::Volume,
            "STOPSIGNAL" => Kind::Stopsignal,
            "HEALTHCHECK" => Kind::Healthcheck,
            "SHELL" => Kind::Shell,
            "MAINTAINER" => Kind::Maintainer,
            "ONBUILD" => Kind::Onbuild,
            _ => Kind::Unknown,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::From => "FROM",
            Kind::Run => "RUN",
            Kind::Cmd => "CMD",
            Kind::Entrypoint => "ENTRYPOINT",
            Kind::Copy => "COPY",
            Kind::Add => "ADD",
            Kind::Env => "ENV",
            Kind::Label => "LABEL",
            Kind::Arg => "ARG",
            Kind::Expose => "EXPOSE",
            Kind::User => "USER",
            Kind::Workdir => "WORKDIR",
            Kind::Volume => "VOLUME",
            Kind::Stopsignal => "STOPSIGNAL",
            Kind::Healthcheck => "HEALTHCHECK",
            Kind::Shell => "SHELL",
            Kind::Maintainer => "MAINTAINER",
            Kind::Onbuild => "ONBUILD",
            Kind::Unknown => "UNKNOWN",
        }
    }
}

/// One instruction.
///
/// ```text
/// run --network=none apt-get update \
/// ^^^ keyword (as written: "run"), kind = Run
///     ^^^^^^^^^^^^^^ flags[0]
///   && make            <- span runs to the end of the last continuation line
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct Instruction {
    pub kind: Kind,
    /// The keyword as written (case kept).
    pub keyword: String,
    pub keyword_span: Span,
    /// Whole instruction: keyword through the last argument byte, continuation
    /// lines and heredoc bodies included (line ending excluded).
    pub span: Span,
    pub flags: Vec<Flag>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
    /// The arguments after the flags as one logical line (continuations
    /// joined, comment lines dropped), mapped back to the file.
    pub rest: LogicalText,
    /// Stage index the instruction belongs to; `None` before the first FROM.
    pub stage: Option<usize>,
    /// The whole logical line as BuildKit sees it (keyword, flags and
    /// arguments; continuations joined, comment lines dropped), mapped back
    /// to the file. For an ONBUILD trigger: from the trigger's keyword.
    pub line: LogicalText,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name == name)
    }

    /// The ONBUILD trigger, or the instruction itself.
    pub fn effective(&self) -> &Instruction {
        match &self.args {
            Args::Onbuild(inner) => inner,
            _ => self,
        }
    }
}

impl Dockerfile {
    /// Instructions before the first FROM (global ARGs and anything misplaced).
    pub fn preamble(&self) -> &[Instruction] {
        let end = self
            .stages
            .first()
            .map(|s| s.from)
            .unwrap_or(self.instructions.len());
        &self.instructions[..end]
    }

    /// The instructions of a stage, FROM included.
    pub fn stage_instructions(&self, stage: &Stage) -> &[Instruction] {
        &self.instructions[stage.from..stage.end]
    }

    /// The stage whose name equals `name` (case-insensitive, as BuildKit compares).
    pub fn stage_by_name(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n.raw.eq_ignore_ascii_case(name))
        })
    }
}
