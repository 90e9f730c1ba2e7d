//! What the quoting, pipe, bashism and TLS rules read, gathered in one walk
//! of a script's tree (computed on first use, then shared by the rules).

use std::ops::Range;

use tree_sitter::Node;

use super::bashism::{self, Bashism};
use super::context::{place, splits, Place};
use super::kind_of;
use super::walk;
use super::words::Assignment;
use super::words::Extractor;
use crate::span::Span;

/// An assignment or an expansion, in source order.
#[derive(Clone, Debug)]
pub enum Event {
    /// `NAME=value`, or the variable of `for NAME in ...`: whether every value
    /// it gets is one word (a constant without blanks or globs, a number,
    /// arithmetic).
    Assign { name: String, one_word: bool },
    /// `$NAME` or `${NAME...}` where the shell splits and globs the result.
    /// Quoted expansions, special parameters, `${#x}`, `${!x}` and
    /// `${x:+...}` are left out.
    SplitVariable { name: String, range: Range<u32> },
    /// `$(...)` or backticks where the shell splits the output.
    /// `echo_alone`: it is the only argument of `echo`.
    SplitSubstitution { range: Range<u32>, echo_alone: bool },
}

/// Facts about one script.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Per pipeline: where it starts, and its first `|` operator (script offsets).
    pub pipes: Vec<(u32, Range<u32>)>,
    /// Assignments and expansions, in source order.
    pub events: Vec<Event>,
    /// `NAME=value` statements on their own (not before a command, not in `export`).
    pub bare_assignments: Vec<Assignment>,
    /// `$(...)`, backticks and `<(...)`: their ranges.
    pub substitutions: Vec<Range<u32>>,
    /// Bash-only constructs, with the span to underline.
    pub bashisms: Vec<(Bashism, Span)>,
    /// End (script offset) of the last shell comment, 0 when there is none.
    pub last_comment_end: u32,
}

impl Facts {
    /// Maps the spans of facts gathered with spans equal to script ranges
    /// to the file, through `map`.
    pub(crate) fn remap(&mut self, map: &crate::dockerfile::LogicalText) {
        for (_, span) in &mut self.bashisms {
            *span = map.span(span.start, span.end);
        }
        self.bare_assignments.iter_mut().for_each(|a| a.remap(map));
    }
}

fn range(node: Node<'_>) -> Range<u32> {
    node.start_byte() as u32..node.end_byte() as u32
}

/// Whether a value node expands to one word.
fn one_word(script: &Extractor<'_>, value: Option<Node<'_>>) -> bool {
    let Some(value) = value else { return true };
    // `$!`, `$$`, `$?` and `$#` are numbers, quoted or not.
    let text = script.node_text(value).trim_matches('"');
    if matches!(text, "$!" | "$$" | "$?" | "$#") {
        return true;
    }
    match kind_of(value) {
        "arithmetic_expansion" | "number" => true,
        "word" | "string" | "raw_string" | "concatenation" => {
            let w = script.word(value);
            w.literal
                && !w
                    .value
                    .contains(|c: char| c.is_whitespace() || matches!(c, '*' | '?' | '['))
        }
        _ => false,
    }
}

/// Facts of the script `script` reads, whose syntax tree is `root`.
pub(crate) fn gather(script: &Extractor<'_>, root: Node<'_>) -> Facts {
    let mut facts = Facts::default();
    walk(root, &mut |node, path| {
        if let Some((b, n)) = bashism::classify(script, node, path.last().copied()) {
            facts.bashisms.push((b, script.node_span(n)));
        }
        match kind_of(node) {
            "pipeline" => {
                let mut cursor = node.walk();
                let op = node
                    .children(&mut cursor)
                    .find(|c| !c.is_named() && kind_of(*c).starts_with('|'));
                if let Some(op) = op {
                    facts.pipes.push((node.start_byte() as u32, range(op)));
                }
            }
            "variable_assignment" => {
                if let Some(name) = node.child_by_field_name("name") {
                    facts.events.push(Event::Assign {
                        name: script.node_text(name).to_string(),
                        one_word: one_word(script, node.child_by_field_name("value")),
                    });
                }
                let bare = path.last().is_some_and(|p| {
                    matches!(kind_of(*p), "program" | "list" | "variable_assignments")
                });
                if bare {
                    facts.bare_assignments.push(script.assignment(node));
                }
            }
            "for_statement" => {
                if let Some(var) = node.child_by_field_name("variable") {
                    let mut cursor = node.walk();
                    let values: Vec<Node<'_>> =
                        node.children_by_field_name("value", &mut cursor).collect();
                    facts.events.push(Event::Assign {
                        name: script.node_text(var).to_string(),
                        one_word: !values.is_empty()
                            && values.iter().all(|v| one_word(script, Some(*v))),
                    });
                }
            }
            "simple_expansion" | "expansion" => {
                let raw = script.node_text(node);
                if raw.starts_with("${#") || raw.contains(":+") || raw.starts_with("${!") {
                    return;
                }
                let mut cursor = node.walk();
                let Some(name) = node
                    .named_children(&mut cursor)
                    .find(|c| matches!(kind_of(*c), "variable_name" | "special_variable_name"))
                else {
                    return;
                };
                if kind_of(name) == "special_variable_name" || !splits(place(node, path)) {
                    return;
                }
                facts.events.push(Event::SplitVariable {
                    name: script.node_text(name).to_string(),
                    range: range(node),
                });
            }
            "command_substitution" | "process_substitution" => {
                facts.substitutions.push(range(node));
                if kind_of(node) == "process_substitution" {
                    return;
                }
                let where_ = place(node, path);
                if !splits(where_) {
                    return;
                }
                let echo_alone = match where_ {
                    Place::Argument(cmd) => {
                        let mut cursor = cmd.walk();
                        let args: Vec<Node<'_>> = cmd
                            .children_by_field_name("argument", &mut cursor)
                            .collect();
                        let name = cmd
                            .child_by_field_name("name")
                            .map(|n| script.node_text(n))
                            .unwrap_or("");
                        name == "echo" && args.len() == 1 && args[0].id() == node.id()
                    }
                    _ => false,
                };
                facts.events.push(Event::SplitSubstitution {
                    range: range(node),
                    echo_alone,
                });
            }
            "comment" => {
                facts.last_comment_end = facts.last_comment_end.max(node.end_byte() as u32);
            }
            _ => {}
        }
    });
    facts
}
