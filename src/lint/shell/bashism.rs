//! Bash features that `/bin/sh` (dash on Debian and Ubuntu) does not have.

use tree_sitter::Node;

use super::kind_of;
use super::words::Extractor;
use super::{Script, ShellKind};

/// A bash-only construct.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bashism {
    /// `[[ ... ]]` (SC3010).
    DoubleBracket,
    /// `source file` (SC3046).
    Source,
    /// `function name { ...; }` (SC2112, SC2113).
    FunctionKeyword,
    /// `a=(1 2)`, `a[0]=x`, `${a[@]}` (SC3030, SC3054).
    Array,
    /// `<<< "$x"` (SC3011).
    HereString,
    /// `{a,b}`, `{1..5}` (SC3009).
    BraceExpansion,
    /// `echo -e`, `echo -E` (SC3037).
    EchoFlags,
    /// `==` in `[ ]` (SC3014).
    DoubleEquals,
    /// `&>`, `&>>` (SC3020).
    AmpersandRedirect,
}

/// Whether `kind` of shell lacks bash's features: `/bin/sh` and dash.
/// On Alpine `/bin/sh` is BusyBox ash, which has `[[`, `source`, `<<<`,
/// `echo -e`, `==` and `&>`, but no arrays nor brace expansion.
pub fn applies(script: &Script, bashism: Bashism, alpine_like: bool) -> bool {
    let kind = script.shell.kind;
    if !kind.is_plain_sh() && kind != ShellKind::Ash {
        return false;
    }
    let busybox = kind == ShellKind::Ash || (kind == ShellKind::Sh && alpine_like);
    if busybox {
        return matches!(bashism, Bashism::Array | Bashism::BraceExpansion);
    }
    true
}

/// The bashism `node` is, if any (with the node to underline).
pub(crate) fn classify<'t>(
    script: &Extractor<'_>,
    node: Node<'t>,
    parent: Option<Node<'t>>,
) -> Option<(Bashism, Node<'t>)> {
    match kind_of(node) {
        "test_command" => {
            let first = node.child(0)?;
            if kind_of(first) == "[[" {
                return Some((Bashism::DoubleBracket, first));
            }
            None
        }
        "binary_expression" => {
            let test = parent.filter(|p| kind_of(*p) == "test_command")?;
            if test.child(0).is_some_and(|c| kind_of(c) == "[[") {
                return None;
            }
            let op = node.child_by_field_name("operator")?;
            (script.node_text(op) == "==").then_some((Bashism::DoubleEquals, op))
        }
        "command" => {
            let name = node.child_by_field_name("name")?;
            let name_text = script.node_text(name);
            if name_text == "source" {
                return Some((Bashism::Source, name));
            }
            if name_text == "echo" {
                let mut cursor = node.walk();
                let first = node
                    .children_by_field_name("argument", &mut cursor)
                    .next()?;
                let t = script.node_text(first);
                if t.len() > 1
                    && t.starts_with('-')
                    && t[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'))
                    && t.contains(['e', 'E'])
                {
                    return Some((Bashism::EchoFlags, first));
                }
            }
            if name_text == "[" || name_text == "test" {
                let mut cursor = node.walk();
                let eq = node
                    .children_by_field_name("argument", &mut cursor)
                    .find(|a| script.node_text(*a) == "==");
                if let Some(eq) = eq {
                    return Some((Bashism::DoubleEquals, eq));
                }
            }
            None
        }
        "function_definition" => {
            let first = node.child(0)?;
            (kind_of(first) == "function").then_some((Bashism::FunctionKeyword, first))
        }
        "variable_assignment" => {
            let value = node.child_by_field_name("value");
            if value.is_some_and(|v| kind_of(v) == "array") {
                return Some((Bashism::Array, node));
            }
            let name = node.child_by_field_name("name")?;
            (kind_of(name) == "subscript").then_some((Bashism::Array, name))
        }
        "expansion" => {
            let mut cursor = node.walk();
            let has_subscript = node
                .named_children(&mut cursor)
                .any(|c| kind_of(c) == "subscript");
            has_subscript.then_some((Bashism::Array, node))
        }
        "herestring_redirect" => Some((Bashism::HereString, node)),
        "file_redirect" => {
            let op = node.child(0).filter(|c| !c.is_named())?;
            matches!(kind_of(op), "&>" | "&>>").then_some((Bashism::AmpersandRedirect, op))
        }
        "brace_expression" => Some((Bashism::BraceExpansion, node)),
        "concatenation" => {
            // tree-sitter reads `{a,b}` as the words `{`, `a,b`, `}`.
            let text = script.node_text(node);
            if parent.is_some_and(|p| kind_of(p) == "concatenation") {
                return None;
            }
            has_brace_expansion(text).then_some((Bashism::BraceExpansion, node))
        }
        _ => None,
    }
}

/// `{x,y}` or `{a..b}` outside quotes and not after `$`.
fn has_brace_expansion(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(c),
            (None, b'\\') => i += 1,
            (None, b'$') if bytes.get(i + 1) == Some(&b'{') => {
                // Skip a whole `${...}`: its braces are not brace expansion.
                let mut depth = 0;
                while i < bytes.len() {
                    match bytes[i] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            (None, b'{') => {
                if let Some(len) = text[i + 1..].find('}') {
                    let inner = &text[i + 1..i + 1 + len];
                    let plain = !inner.contains(['{', ' ', '"', '\'', '$']);
                    if plain && (inner.contains(',') || inner.contains("..")) {
                        return true;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}
