//! Where an expansion sits, for the quoting rules: whether the shell splits
//! and globs its result.

use tree_sitter::Node;

use super::kind_of;

/// The syntactic place of an expansion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place<'t> {
    /// An argument of a command (`cmd $x`); the command node.
    Argument(Node<'t>),
    /// The command name (`$CC -o x`).
    CommandName,
    /// A redirection target (`> $file`).
    Redirect,
    /// An operand of `[ ... ]` or `test`.
    SingleBracketTest,
    /// The value in `export A=$x` (split by POSIX shells).
    DeclarationValue,
    /// Inside double quotes, `[[ ]]`, an assignment, `case`, a here-string,
    /// arithmetic, a heredoc, or another expansion: no word splitting.
    NoSplit,
    /// The word list of `for x in $list`: splitting is the point.
    ForList,
}

/// Classifies the expansion `node`, whose ancestors are `path` (root first).
pub fn place<'t>(node: Node<'t>, path: &[Node<'t>]) -> Place<'t> {
    let mut child = node;
    for (i, &parent) in path.iter().enumerate().rev() {
        match kind_of(parent) {
            "string"
            | "arithmetic_expansion"
            | "heredoc_body"
            | "herestring_redirect"
            | "subscript"
            | "expansion"
            | "case_statement"
            | "case_item"
            | "raw_string"
            | "translated_string" => return Place::NoSplit,
            "concatenation" | "array" => {}
            "command_name" => return Place::CommandName,
            "command" => {
                let mut cursor = parent.walk();
                let is_argument = parent
                    .children_by_field_name("argument", &mut cursor)
                    .any(|a| a.id() == child.id());
                return if is_argument {
                    Place::Argument(parent)
                } else {
                    Place::NoSplit
                };
            }
            "variable_assignment" => {
                let grand = i.checked_sub(1).map(|g| path[g]);
                return if grand.is_some_and(|g| kind_of(g) == "declaration_command") {
                    Place::DeclarationValue
                } else {
                    Place::NoSplit
                };
            }
            "declaration_command" | "unset_command" => return Place::DeclarationValue,
            "file_redirect" => return Place::Redirect,
            "test_command" => {
                let double = parent.child(0).is_some_and(|c| kind_of(c) == "[[");
                return if double {
                    Place::NoSplit
                } else {
                    Place::SingleBracketTest
                };
            }
            "binary_expression" | "unary_expression" | "parenthesized_expression" => {
                // Inside a test: keep climbing to find which kind.
            }
            "for_statement" => return Place::ForList,
            _ => return Place::NoSplit,
        }
        child = parent;
    }
    Place::NoSplit
}

/// True when the shell splits and globs the result at this place.
pub fn splits(place: Place<'_>) -> bool {
    matches!(
        place,
        Place::Argument(_) | Place::Redirect | Place::SingleBracketTest | Place::DeclarationValue
    )
}
