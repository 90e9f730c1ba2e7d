//! Simple commands and their words, read off the tree-sitter-bash tree.

use std::ops::Range;

use tree_sitter::Node;

use super::kind_of;
use super::shells::basename;
use crate::dockerfile::LogicalText;
use crate::span::Span;

/// One shell word as written, with its value after quote removal.
///
/// ```text
/// apt-get install "curl=${V}"
///                 ^^^^^^^^^^^ raw, span (file bytes), range (script bytes)
///                 value: curl=${V}   literal: false (it expands)
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The text as written in the script.
    pub raw: String,
    /// Quotes and backslashes removed; expansions kept as written.
    pub value: String,
    /// True when the word has no expansion or substitution (its value is
    /// what the program receives, globbing aside).
    pub literal: bool,
    /// Byte range in the script text.
    pub range: Range<u32>,
    /// Span in the file.
    pub span: Span,
}

impl Word {
    /// Recomputes the file span from the script range through `map`.
    pub(crate) fn remap(&mut self, map: &LogicalText) {
        self.span = map.span(self.range.start, self.range.end);
    }

    /// The value's last path component (`apt-get` for `/usr/bin/apt-get`).
    pub fn basename(&self) -> &str {
        basename(&self.value)
    }
}

/// `NAME=value` before a command or in `export`/`declare`.
#[derive(Clone, Debug)]
pub struct Assignment {
    pub name: String,
    /// `None` for `export NAME`.
    pub value: Option<Word>,
    pub range: Range<u32>,
    pub span: Span,
}

/// A redirection attached to a command.
#[derive(Clone, Debug)]
pub struct Redirect {
    /// The operator: `>`, `>>`, `<`, `&>`, `>&`, `<<`, `<<-`, `<<<`...
    pub op: String,
    /// The file descriptor written before the operator (`2` in `2>&1`).
    pub fd: Option<String>,
    /// The target word (a file, a descriptor, a here-string); `None` for heredocs.
    pub target: Option<Word>,
    pub range: Range<u32>,
    pub span: Span,
}

impl Assignment {
    pub(crate) fn remap(&mut self, map: &LogicalText) {
        self.span = map.span(self.range.start, self.range.end);
        if let Some(value) = &mut self.value {
            value.remap(map);
        }
    }
}

impl Redirect {
    pub(crate) fn remap(&mut self, map: &LogicalText) {
        self.span = map.span(self.range.start, self.range.end);
        if let Some(target) = &mut self.target {
            target.remap(map);
        }
    }

    /// Writes the command's standard output elsewhere than the pipe or the terminal.
    pub fn redirects_stdout(&self) -> bool {
        let fd_is_stdout = self.fd.as_deref().is_none_or(|fd| fd == "1");
        match self.op.as_str() {
            ">" | ">>" | ">|" | "&>" | "&>>" => fd_is_stdout || self.op.starts_with('&'),
            ">&" => fd_is_stdout && self.target.as_ref().is_none_or(|t| t.value != "1"),
            _ => false,
        }
    }
}

/// Where a command sits in a pipeline `a | b | c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PipeRef {
    /// Identifies the pipeline within the script.
    pub pipeline: usize,
    /// 0-based stage of the command.
    pub stage: usize,
    /// Number of stages.
    pub stages: usize,
}

/// A simple command (`FOO=1 sudo apt-get install -y curl > log`), or a
/// declaration (`export A=1`), wherever it appears: lists, pipelines, loops,
/// functions, `$(...)`.
#[derive(Clone, Debug)]
pub struct Command {
    /// The words as written, the command name first (wrappers included).
    pub words: Vec<Word>,
    /// Index in `words` of the program that actually runs: past wrappers
    /// such as `sudo`, `env`, `exec`, `command`, `nohup`, `busybox`.
    pub name_at: usize,
    /// `NAME=value` prefixes (and, for declarations, the declared names).
    pub assignments: Vec<Assignment>,
    pub redirects: Vec<Redirect>,
    pub pipe: Option<PipeRef>,
    /// The command's status is tested: left of `&&`/`||`, in an `if` or
    /// `while` condition, after `!`.
    pub in_condition: bool,
    /// Inside `$(...)`, backticks or `<(...)`.
    pub in_substitution: bool,
    /// `export`, `declare`, `local`, `readonly`, `typeset`, `unset`.
    pub declaration: bool,
    /// Byte range in the script of the whole command (redirections included).
    pub range: Range<u32>,
    pub span: Span,
}

impl Command {
    /// Recomputes every file span from the script ranges through `map` (for
    /// commands read off the same text at another place in a file).
    pub(crate) fn remap(&mut self, map: &LogicalText) {
        self.span = map.span(self.range.start, self.range.end);
        self.words.iter_mut().for_each(|w| w.remap(map));
        self.assignments.iter_mut().for_each(|a| a.remap(map));
        self.redirects.iter_mut().for_each(|r| r.remap(map));
    }

    /// The program's basename, e.g. `apt-get`.
    pub fn name(&self) -> &str {
        self.words
            .get(self.name_at)
            .map(Word::basename)
            .unwrap_or("")
    }

    /// The word naming the program.
    pub fn name_word(&self) -> Option<&Word> {
        self.words.get(self.name_at)
    }

    /// The first word's basename (a wrapper such as `sudo`, or the program).
    pub fn first(&self) -> &str {
        self.words.first().map(Word::basename).unwrap_or("")
    }

    /// The program's arguments (words after the program name).
    pub fn args(&self) -> &[Word] {
        self.words.get(self.name_at + 1..).unwrap_or(&[])
    }

    /// True when the program is `name` (by basename).
    pub fn is(&self, name: &str) -> bool {
        self.name() == name
    }

    /// True when any argument's value is exactly `value`.
    pub fn has_arg(&self, value: &str) -> bool {
        self.args().iter().any(|w| w.value == value)
    }

    /// The span from the program name through `word` (e.g. `apt-get install`).
    pub fn span_through(&self, word: &Word) -> Span {
        match self.name_word() {
            Some(name) if name.span.start <= word.span.start => name.span.cover(word.span),
            _ => word.span,
        }
    }
}

/// Collects words and commands from a tree over `text`, mapping ranges to
/// the file through `map`.
pub(crate) struct Extractor<'a> {
    pub text: &'a str,
    pub map: &'a LogicalText,
}

/// A map that leaves offsets as they are.
static UNMAPPED: LogicalText = LogicalText {
    text: String::new(),
    segments: Vec::new(),
};

impl<'a> Extractor<'a> {
    /// An extractor whose spans are the script ranges themselves, for what is
    /// read off a text once and mapped to each file later.
    pub fn unmapped(text: &'a str) -> Extractor<'a> {
        Extractor {
            text,
            map: &UNMAPPED,
        }
    }
}

impl Extractor<'_> {
    pub fn span(&self, range: &Range<u32>) -> Span {
        self.map.span(range.start, range.end)
    }

    pub fn node_span(&self, node: Node<'_>) -> Span {
        self.span(&Self::node_range(node))
    }

    pub fn node_range(node: Node<'_>) -> Range<u32> {
        node.start_byte() as u32..node.end_byte() as u32
    }

    pub fn node_text(&self, node: Node<'_>) -> &str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// A word from a node in argument position.
    pub fn word(&self, node: Node<'_>) -> Word {
        let mut value = String::new();
        let literal = self.value_into(node, &mut value);
        let range = Self::node_range(node);
        Word {
            raw: self.node_text(node).to_string(),
            value,
            literal,
            span: self.span(&range),
            range,
        }
    }

    /// Appends the node's value (quotes removed); returns whether it is literal.
    fn value_into(&self, node: Node<'_>, out: &mut String) -> bool {
        let raw = self.node_text(node);
        match kind_of(node) {
            "word" | "number" if node.named_child_count() == 0 => {
                unescape_unquoted(raw, out);
                true
            }
            "raw_string" => {
                out.push_str(raw.strip_prefix('\'').unwrap_or(raw).trim_end_matches('\''));
                true
            }
            "ansi_c_string" => {
                let inner = raw.strip_prefix("$'").unwrap_or(raw);
                out.push_str(inner.strip_suffix('\'').unwrap_or(inner));
                true
            }
            "string" => self.string_value(node, out),
            "translated_string" => {
                let mut literal = true;
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    literal &= self.value_into(child, out);
                }
                literal
            }
            "concatenation" => {
                let mut literal = true;
                let mut cursor = node.walk();
                let mut last = node.start_byte();
                for child in node.children(&mut cursor) {
                    // Text between children that the grammar does not name.
                    if child.start_byte() > last {
                        unescape_unquoted(
                            self.text.get(last..child.start_byte()).unwrap_or(""),
                            out,
                        );
                    }
                    literal &= self.value_into(child, out);
                    last = child.end_byte();
                }
                literal
            }
            "brace_expression" => {
                out.push_str(raw);
                true
            }
            _ => {
                out.push_str(raw);
                false
            }
        }
    }

    /// `"..."`: content with `\"`, `\\`, `\$`, `` \` `` unescaped; expansions as written.
    fn string_value(&self, node: Node<'_>, out: &mut String) -> bool {
        let start = node.start_byte() + 1;
        let end = node.end_byte().saturating_sub(1).max(start);
        let mut literal = true;
        let mut pos = start;
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if kind_of(child) == "string_content" {
                continue;
            }
            if child.start_byte() > pos {
                unescape_double_quoted(self.text.get(pos..child.start_byte()).unwrap_or(""), out);
            }
            out.push_str(self.node_text(child));
            literal = false;
            pos = child.end_byte();
        }
        if end > pos {
            unescape_double_quoted(self.text.get(pos..end).unwrap_or(""), out);
        }
        literal
    }

    /// Every command in the tree, in source order (outer before nested).
    ///
    /// One cursor walk keeps the ancestors of the current node, so the
    /// context of a command (pipeline, condition, substitution) is read off
    /// the stack: tree-sitter's `Node::parent` walks down from the root on
    /// every call, which is quadratic on long `&&` chains.
    pub fn commands<'t>(&self, root: Node<'t>) -> Vec<Command> {
        let mut out = Vec::new();
        let mut cursor = root.walk();
        let mut stack: Vec<Step<'t>> = Vec::new();
        loop {
            stack.push(Step {
                node: cursor.node(),
                field: cursor.field_name(),
            });
            match kind_of(cursor.node()) {
                "command" => {
                    if let Some(cmd) = self.command(&stack) {
                        out.push(cmd);
                    }
                }
                "declaration_command" | "unset_command" => out.push(self.declaration(&stack)),
                _ => {}
            }
            // Leaves and words hold no commands: do not walk into them.
            let leafy = matches!(
                kind_of(cursor.node()),
                "word"
                    | "raw_string"
                    | "comment"
                    | "variable_name"
                    | "simple_expansion"
                    | "special_variable_name"
                    | "heredoc_content"
                    | "file_descriptor"
                    | "test_operator"
                    | "ansi_c_string"
                    | "regex"
                    | "extglob_pattern"
            );
            if !leafy && cursor.goto_first_child() {
                continue;
            }
            loop {
                stack.pop();
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return out;
                }
            }
        }
    }

    /// `(child, field)` pairs of a node.
    fn children<'t>(node: Node<'t>) -> Vec<(Node<'t>, Option<&'t str>)> {
        let mut out = Vec::with_capacity(node.child_count() as usize);
        let mut cursor = node.walk();
        if cursor.goto_first_child() {
            loop {
                out.push((cursor.node(), cursor.field_name()));
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
        }
        out
    }

    /// The redirections a `redirected_statement` adds to its body.
    fn statement_redirects(&self, statement: Node<'_>, out: &mut Vec<Redirect>) {
        for (child, field) in Self::children(statement) {
            if field == Some("redirect") || kind_of(child) == "herestring_redirect" {
                out.push(self.redirect(child));
            }
        }
    }

    fn command(&self, stack: &[Step<'_>]) -> Option<Command> {
        let here = stack.len() - 1;
        let node = stack[here].node;
        let mut words = Vec::new();
        let mut assignments = Vec::new();
        let mut redirects = Vec::new();
        for (child, field) in Self::children(node) {
            match field {
                Some("name") => {
                    let inner = child.named_child(0).unwrap_or(child);
                    words.push(self.word(inner));
                }
                Some("argument") => words.push(self.word(child)),
                Some("redirect") => redirects.push(self.redirect(child)),
                _ => match kind_of(child) {
                    "variable_assignment" => assignments.push(self.assignment(child)),
                    "file_redirect" | "heredoc_redirect" | "herestring_redirect" => {
                        redirects.push(self.redirect(child))
                    }
                    _ => {}
                },
            }
        }
        if words.is_empty() {
            return None;
        }
        // Redirections written after a command belong to its redirected_statement.
        let mut outer = here;
        if here > 0
            && kind_of(stack[here - 1].node) == "redirected_statement"
            && stack[here].field == Some("body")
        {
            self.statement_redirects(stack[here - 1].node, &mut redirects);
            outer = here - 1;
        }
        // `a | b > f`: the grammar puts the redirection on the pipeline; in
        // the shell it belongs to the last command.
        if outer >= 2 {
            let pipeline = stack[outer - 1].node;
            let statement = &stack[outer - 2];
            let last = pipeline
                .named_child(pipeline.named_child_count().saturating_sub(1) as u32)
                .map(|n| n.id());
            if kind_of(pipeline) == "pipeline"
                && last == Some(stack[outer].node.id())
                && kind_of(statement.node) == "redirected_statement"
                && stack[outer - 1].field == Some("body")
            {
                self.statement_redirects(statement.node, &mut redirects);
            }
        }
        let name_at = effective_name(&words);
        let range = Self::node_range(stack[outer].node);
        Some(Command {
            name_at,
            assignments,
            redirects,
            pipe: pipe_ref(stack, outer),
            in_condition: in_condition(stack, outer),
            in_substitution: in_substitution(stack),
            declaration: false,
            span: self.span(&range),
            range,
            words,
        })
    }

    fn declaration(&self, stack: &[Step<'_>]) -> Command {
        let here = stack.len() - 1;
        let node = stack[here].node;
        let mut words = Vec::new();
        let mut assignments = Vec::new();
        for (child, _) in Self::children(node) {
            if !child.is_named() {
                // The keyword: `export`, `declare`...
                let range = Self::node_range(child);
                let raw = self.node_text(child).to_string();
                if !raw.trim().is_empty() && words.is_empty() {
                    words.push(Word {
                        value: raw.clone(),
                        raw,
                        literal: true,
                        span: self.span(&range),
                        range,
                    });
                }
                continue;
            }
            if kind_of(child) == "variable_assignment" {
                assignments.push(self.assignment(child));
            }
            words.push(self.word(child));
        }
        let range = Self::node_range(node);
        Command {
            name_at: 0,
            assignments,
            redirects: Vec::new(),
            pipe: pipe_ref(stack, here),
            in_condition: in_condition(stack, here),
            in_substitution: in_substitution(stack),
            declaration: true,
            span: self.span(&range),
            range,
            words,
        }
    }

    pub fn assignment(&self, node: Node<'_>) -> Assignment {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.node_text(n).to_string())
            .unwrap_or_else(|| self.node_text(node).to_string());
        let value = node.child_by_field_name("value").map(|v| self.word(v));
        let range = Self::node_range(node);
        Assignment {
            name,
            value,
            span: self.span(&range),
            range,
        }
    }

    fn redirect(&self, node: Node<'_>) -> Redirect {
        let mut op = String::new();
        let mut fd = None;
        let mut target = None;
        let mut cursor = node.walk();
        for (i, child) in node.children(&mut cursor).enumerate() {
            let field = node.field_name_for_child(i as u32);
            if kind_of(child) == "file_descriptor" || field == Some("descriptor") {
                fd = Some(self.node_text(child).to_string());
            } else if !child.is_named() && op.is_empty() {
                op = self.node_text(child).to_string();
            } else if (field == Some("destination")
                || (kind_of(node) == "herestring_redirect" && child.is_named()))
                && target.is_none()
            {
                target = Some(self.word(child));
            }
        }
        if kind_of(node) == "herestring_redirect" && op.is_empty() {
            op = "<<<".to_string();
        }
        let range = Self::node_range(node);
        Redirect {
            op,
            fd,
            target,
            span: self.span(&range),
            range,
        }
    }
}

/// Removes backslash escapes of an unquoted word (`\ ` → space, `\<newline>` → nothing).
fn unescape_unquoted(raw: &str, out: &mut String) {
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\n') | None => {}
                Some(next) => out.push(next),
            }
        } else {
            out.push(c);
        }
    }
}

/// Inside double quotes a backslash escapes only `$`, `` ` ``, `"`, `\` and newline.
fn unescape_double_quoted(raw: &str, out: &mut String) {
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('$' | '`' | '"' | '\\') => out.push(chars.next().unwrap_or('\\')),
                Some('\n') => {
                    chars.next();
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
}

/// Index of the program past wrappers: `sudo -u x`, `env A=1 -i`, `exec -a n`,
/// `command`, `builtin`, `nohup`, `time -p`, `nice -n 5`, `busybox`,
/// `gosu user`, `su-exec user`, `doas -u x`, `stdbuf -oL`, `timeout 5`.
fn effective_name(words: &[Word]) -> usize {
    let mut i = 0;
    // A bounded loop: wrappers may nest (`sudo env A=1 nohup make`).
    for _ in 0..8 {
        let Some(word) = words.get(i) else {
            return 0;
        };
        let next = match word.basename() {
            "sudo" | "doas" => skip_options(
                words,
                i + 1,
                &["u", "g", "C", "D", "h", "p", "r", "t", "U", "T"],
                &[
                    "user",
                    "group",
                    "close-from",
                    "chdir",
                    "host",
                    "prompt",
                    "role",
                    "type",
                    "other-user",
                    "command-timeout",
                ],
            ),
            "env" => {
                let mut j = skip_options(
                    words,
                    i + 1,
                    &["u", "C", "S"],
                    &["unset", "chdir", "split-string"],
                );
                while words.get(j).is_some_and(|w| is_assignment_word(&w.value)) {
                    j += 1;
                }
                j
            }
            "exec" => skip_options(words, i + 1, &["a"], &[]),
            "command" => {
                // `command -v x` asks where x is; it does not run it.
                if words
                    .get(i + 1)
                    .is_some_and(|w| w.value == "-v" || w.value == "-V")
                {
                    return i;
                }
                skip_options(words, i + 1, &[], &[])
            }
            "builtin" | "nohup" => i + 1,
            "time" => skip_options(words, i + 1, &["f", "o"], &["format", "output"]),
            "nice" => skip_options(words, i + 1, &["n"], &["adjustment"]),
            "stdbuf" => skip_options(words, i + 1, &["i", "o", "e"], &[]),
            "timeout" => {
                let j = skip_options(words, i + 1, &["k", "s"], &["kill-after", "signal"]);
                j + 1
            }
            "busybox" => i + 1,
            "gosu" | "su-exec" => i + 2,
            _ => return i,
        };
        if next >= words.len() || next == i {
            return i;
        }
        i = next;
    }
    i
}

/// Skips `-x`, `--long`, and the values of options that take one.
fn skip_options(
    words: &[Word],
    mut i: usize,
    short_with_value: &[&str],
    long_with_value: &[&str],
) -> usize {
    while let Some(w) = words.get(i) {
        let v = w.value.as_str();
        if v == "--" {
            return i + 1;
        }
        if let Some(long) = v.strip_prefix("--") {
            i += 1;
            if !long.contains('=') && long_with_value.contains(&long) {
                i += 1;
            }
        } else if let Some(short) = v.strip_prefix('-').filter(|s| !s.is_empty()) {
            i += 1;
            // `-u` `user`; `-uuser` carries its value.
            if short.len() == 1 && short_with_value.contains(&short) {
                i += 1;
            }
        } else {
            return i;
        }
    }
    i
}

/// `NAME=value` as a word (for `env`).
pub fn is_assignment_word(value: &str) -> bool {
    match value.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// A node on the way down from the root, and the field it fills in its parent.
#[derive(Clone, Copy)]
pub(crate) struct Step<'t> {
    node: Node<'t>,
    field: Option<&'t str>,
}

fn pipe_ref(stack: &[Step<'_>], at: usize) -> Option<PipeRef> {
    let parent = stack.get(at.checked_sub(1)?)?.node;
    if kind_of(parent) != "pipeline" {
        return None;
    }
    let node = stack[at].node;
    let mut cursor = parent.walk();
    let stages: Vec<Node<'_>> = parent
        .named_children(&mut cursor)
        .filter(|c| kind_of(*c) != "comment")
        .collect();
    let stage = stages.iter().position(|s| s.id() == node.id())?;
    Some(PipeRef {
        pipeline: parent.id(),
        stage,
        stages: stages.len(),
    })
}

/// ShellCheck's notion of a command whose failure is handled: on the left
/// of `&&` or `||`, in an `if`/`while`/`until` condition, or negated.
fn in_condition(stack: &[Step<'_>], at: usize) -> bool {
    for i in (1..=at).rev() {
        let (child, parent) = (&stack[i], stack[i - 1].node);
        match kind_of(parent) {
            "list" if parent.named_child(0).map(|n| n.id()) == Some(child.node.id()) => {
                return true
            }
            "negated_command" => return true,
            "if_statement" | "elif_clause" | "while_statement"
                if child.field == Some("condition") =>
            {
                return true
            }
            "command_substitution" | "process_substitution" | "program" => return false,
            _ => {}
        }
    }
    false
}

fn in_substitution(stack: &[Step<'_>]) -> bool {
    stack[..stack.len().saturating_sub(1)].iter().any(|s| {
        matches!(
            kind_of(s.node),
            "command_substitution" | "process_substitution"
        )
    })
}
