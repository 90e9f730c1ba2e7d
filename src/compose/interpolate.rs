//! Variable interpolation exactly as compose does it: `$VAR`, `${VAR}`,
//! `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`,
//! `${VAR:+alt}`, `${VAR+alt}`, defaults that nest further templates, and `$$`
//! for a literal `$`.

use std::collections::BTreeMap;
use std::ops::Range;

use super::yaml::{Node, Value};

/// Variables available to a template.
pub trait Lookup {
    fn get(&self, name: &str) -> Option<&str>;
}

impl Lookup for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        BTreeMap::get(self, name).map(String::as_str)
    }
}

/// A template compose refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub kind: TemplateErrorKind,
    pub message: String,
    /// Byte range of the offending `$...` in the template.
    pub range: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// `${VAR:?message}` or `${VAR?message}` with the variable missing.
    Required { name: String },
    /// Not a template compose understands (`$1`, `${}`, `${A B}`, a lone `$`).
    Invalid,
}

/// The result of substituting one string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Substituted {
    pub value: String,
    /// Variables used without a default that are not set (compose warns and
    /// uses an empty string), with their range in the template.
    pub unset: Vec<(String, Range<usize>)>,
}

/// Which operators the dialect knows: `docker stack deploy` lacks `:+` / `+`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Compose,
    Stack,
}

/// Substitutes variables in `template`.
pub fn substitute(
    template: &str,
    vars: &dyn Lookup,
    dialect: Dialect,
) -> Result<Substituted, TemplateError> {
    let mut out = Substituted::default();
    substitute_into(template, 0, vars, dialect, &mut out, 0)?;
    Ok(out)
}

/// How deep defaults, alternatives and messages may nest (`${A:-${B:-...}}`).
/// Real files nest two or three levels; the bound keeps a hostile value from
/// exhausting the stack (each level is one call), and is reported as an
/// invalid template at the value.
pub const MAX_NESTING: usize = 100;

fn is_name_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn is_name_char(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

/// Index of the `}` closing the `${` at `start` (nested `${` counted).
fn closing_brace(s: &str, start: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            depth += 1;
            i += 2;
            continue;
        }
        if bytes[i] == b'}' {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

/// A `${...}` as the dialect's pattern matches it.
struct Braced<'a> {
    name: &'a str,
    /// `""`, `:-`, `-`, `:?`, `?`, `:+` or `+`.
    op: &'a str,
    /// The default, alternative or message after the operator.
    arg: &'a str,
    /// Index of the `}` that closes the variable.
    close: usize,
    /// Text that compose-go's match swallowed after `close` and substitutes
    /// on its own (`${A:-x}-${B}` matches up to the last `}` on the line).
    rest: Option<Range<usize>>,
    /// Where scanning resumes.
    end: usize,
}

/// Matches the `${` at `start` as compose-go's pattern does (`${NAME}`, or a
/// name, an operator and anything up to the last `}` on the line, cut at the
/// first balanced `}`), or as docker stack deploy's does (the nearest
/// balanced `}`, no `+` operators). `None`: the template is invalid.
fn match_braced(template: &str, start: usize, dialect: Dialect) -> Option<Braced<'_>> {
    let bytes = template.as_bytes();
    let name_start = start + 2;
    if !bytes.get(name_start).copied().is_some_and(is_name_start) {
        return None;
    }
    let mut p = name_start + 1;
    while p < bytes.len() && is_name_char(bytes[p]) {
        p += 1;
    }
    let name = &template[name_start..p];
    let op_len = match (bytes.get(p), bytes.get(p + 1)) {
        (Some(b'}'), _) => {
            return Some(Braced {
                name,
                op: "",
                arg: "",
                close: p,
                rest: None,
                end: p + 1,
            })
        }
        (Some(b':'), Some(b'-' | b'?' | b'+')) | (Some(b'-' | b'?' | b'+'), _) => {
            if bytes[p] == b':' {
                2
            } else {
                1
            }
        }
        _ => return None,
    };
    let op = &template[p..p + op_len];
    let arg_start = p + op_len;
    match dialect {
        Dialect::Stack => {
            if op.ends_with('+') {
                return None;
            }
            let close = closing_brace(template, start)?;
            Some(Braced {
                name,
                op,
                arg: &template[arg_start..close],
                close,
                rest: None,
                end: close + 1,
            })
        }
        Dialect::Compose => {
            // `(.*)}`: greedy, and `.` stops at a line break.
            let line_end = template[arg_start..]
                .find('\n')
                .map_or(template.len(), |n| arg_start + n);
            let last = arg_start + template[arg_start..line_end].rfind('}')?;
            let matched = &template[start..=last];
            let (close, rest) = match first_balanced_close(matched) {
                Some(c) if start + c < last => (start + c, Some(start + c + 1..last + 1)),
                _ => (last, None),
            };
            Some(Braced {
                name,
                op,
                arg: &template[arg_start..close],
                close,
                rest,
                end: last + 1,
            })
        }
    }
}

/// compose-go's count of braces in a matched `${...}`: every `{` opens (and
/// the character after it is skipped), every `}` closes; the index where the
/// count first returns to zero.
fn first_balanced_close(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut open = 0i64;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if bytes[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

fn substitute_into(
    template: &str,
    // Offset of `template` inside the string the user wrote, for ranges.
    base: usize,
    vars: &dyn Lookup,
    dialect: Dialect,
    out: &mut Substituted,
    depth: usize,
) -> Result<(), TemplateError> {
    if depth > MAX_NESTING {
        return Err(TemplateError {
            kind: TemplateErrorKind::Invalid,
            message: format!(
                "interpolation nested more than {MAX_NESTING} levels deep (`${{VAR:-${{...}}}}`)"
            ),
            range: base..base + template.len(),
        });
    }
    let bytes = template.as_bytes();
    let mut i = 0;
    let mut literal_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        out.value.push_str(&template[literal_start..i]);
        let start = i;
        let invalid = |end: usize| TemplateError {
            kind: TemplateErrorKind::Invalid,
            message: format!(
                "invalid interpolation format in `{}`",
                &template[start..end.min(template.len())]
            ),
            range: base + start..base + end.min(template.len()),
        };
        match bytes.get(i + 1) {
            Some(b'$') => {
                out.value.push('$');
                i += 2;
            }
            Some(&b) if is_name_start(b) => {
                let mut end = i + 2;
                while end < bytes.len() && is_name_char(bytes[end]) {
                    end += 1;
                }
                let name = &template[i + 1..end];
                match vars.get(name) {
                    Some(v) => out.value.push_str(v),
                    None => out.unset.push((name.to_string(), base + start..base + end)),
                }
                i = end;
            }
            Some(b'{') => {
                let Some(braced) = match_braced(template, i, dialect) else {
                    let end = closing_brace(template, i).map_or(template.len(), |c| c + 1);
                    return Err(invalid(end));
                };
                let Braced {
                    name,
                    op,
                    arg,
                    close,
                    rest,
                    end,
                } = braced;
                let range = base + start..base + close + 1;
                let arg_base = base + i + 2 + name.len() + op.len();
                let value = vars.get(name);
                match op {
                    "" => match value {
                        Some(v) => out.value.push_str(v),
                        None => out.unset.push((name.to_string(), range)),
                    },
                    ":-" | "-" => {
                        let use_default = match value {
                            None => true,
                            Some(v) => op == ":-" && v.is_empty(),
                        };
                        if use_default {
                            substitute_into(arg, arg_base, vars, dialect, out, depth + 1)?;
                        } else {
                            out.value.push_str(value.unwrap_or(""));
                        }
                    }
                    ":+" | "+" => {
                        let use_alt = match value {
                            None => false,
                            Some(v) => op == "+" || !v.is_empty(),
                        };
                        if use_alt {
                            substitute_into(arg, arg_base, vars, dialect, out, depth + 1)?;
                        } else {
                            out.value.push_str(value.unwrap_or(""));
                        }
                    }
                    _ => {
                        // ":?" | "?"
                        let missing = match value {
                            None => true,
                            Some(v) => op == ":?" && v.is_empty(),
                        };
                        if missing {
                            let mut msg = Substituted::default();
                            substitute_into(arg, arg_base, vars, dialect, &mut msg, depth + 1)?;
                            let detail = if msg.value.is_empty() {
                                String::new()
                            } else {
                                format!(": {}", msg.value)
                            };
                            return Err(TemplateError {
                                kind: TemplateErrorKind::Required {
                                    name: name.to_string(),
                                },
                                message: format!(
                                    "required variable `{name}` is {}{detail}",
                                    if value.is_none() { "not set" } else { "empty" }
                                ),
                                range,
                            });
                        }
                        out.value.push_str(value.unwrap_or(""));
                    }
                }
                // What compose-go's match swallowed after the variable is
                // substituted on its own: scanning on from its start is the
                // same (it ends at the line's last `}`), and costs no stack.
                i = rest.map_or(end, |rest| rest.start);
            }
            // compose-go keeps a `$` that starts no template as it is (`$(date)`,
            // `$1`, `a $ b`, `$}`); docker stack deploy refuses it.
            _ if dialect == Dialect::Compose => {
                literal_start = i;
                i += 1;
                continue;
            }
            _ => {
                // `$` and the character after it (whole, if not ASCII).
                let next = template[i + 1..].chars().next().map_or(0, char::len_utf8);
                return Err(invalid(i + 1 + next));
            }
        }
        literal_start = i;
    }
    out.value.push_str(&template[literal_start..]);
    Ok(())
}

/// A problem met while interpolating a tree.
#[derive(Clone, Debug)]
pub struct TreeProblem {
    pub error: TemplateError,
    /// The scalar holding the template.
    pub node_span: crate::span::Span,
    pub file: super::yaml::FileRef,
    /// The template's span in the file (the whole scalar when it cannot be
    /// narrowed).
    pub span: crate::span::Span,
}

/// A variable used without a default that is not set.
#[derive(Clone, Debug)]
pub struct UnsetVariable {
    pub name: String,
    pub file: super::yaml::FileRef,
    pub span: crate::span::Span,
}

/// Interpolates every string value in `node` (keys are left alone, as
/// compose does). A value that fails keeps its raw text.
pub fn interpolate_tree(
    node: &mut Node,
    vars: &dyn Lookup,
    dialect: Dialect,
    problems: &mut Vec<TreeProblem>,
    unset: &mut Vec<UnsetVariable>,
) {
    match &mut node.value {
        Value::Str(s) => {
            if !s.contains('$') {
                return;
            }
            match substitute(s, vars, dialect) {
                Ok(done) => {
                    for (name, range) in &done.unset {
                        unset.push(UnsetVariable {
                            name: name.clone(),
                            file: node.file.clone(),
                            span: node.sub_span(range.clone()),
                        });
                    }
                    node.value = Value::Str(done.value);
                }
                Err(error) => {
                    let span = node.sub_span(error.range.clone());
                    problems.push(TreeProblem {
                        error,
                        node_span: node.span,
                        file: node.file.clone(),
                        span,
                    });
                }
            }
        }
        Value::Seq(items) => {
            for item in items {
                interpolate_tree(item, vars, dialect, problems, unset);
            }
        }
        Value::Map(entries) => {
            for e in entries {
                interpolate_tree(&mut e.value, vars, dialect, problems, unset);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> BTreeMap<String, String> {
        [
            ("SET", "value"),
            ("EMPTY", ""),
            ("TAG", "1.27"),
            ("lower", "low"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn sub(t: &str) -> String {
        substitute(t, &env(), Dialect::Compose)
            .unwrap_or_else(|e| panic!("{t}: {e:?}"))
            .value
    }

    fn err(t: &str) -> TemplateError {
        substitute(t, &env(), Dialect::Compose).unwrap_err()
    }

    #[test]
    fn every_form() {
        assert_eq!(sub("nginx:$TAG"), "nginx:1.27");
        assert_eq!(sub("nginx:${TAG}"), "nginx:1.27");
        assert_eq!(sub("$lower-$SET"), "low-value");
        // Unset → empty, and recorded.
        let s = substitute("a${MISSING}b$GONE", &env(), Dialect::Compose).unwrap();
        assert_eq!(s.value, "ab");
        assert_eq!(
            s.unset,
            vec![("MISSING".to_string(), 1..11), ("GONE".to_string(), 12..17)]
        );
        // :- and -
        assert_eq!(sub("${MISSING:-d}"), "d");
        assert_eq!(sub("${EMPTY:-d}"), "d");
        assert_eq!(sub("${SET:-d}"), "value");
        assert_eq!(sub("${MISSING-d}"), "d");
        assert_eq!(sub("${EMPTY-d}"), "");
        assert_eq!(sub("${SET-d}"), "value");
        // :+ and +
        assert_eq!(sub("${SET:+alt}"), "alt");
        assert_eq!(sub("${EMPTY:+alt}"), "");
        assert_eq!(sub("${MISSING:+alt}"), "");
        assert_eq!(sub("${SET+alt}"), "alt");
        assert_eq!(sub("${EMPTY+alt}"), "alt");
        assert_eq!(sub("${MISSING+alt}"), "");
        // :? and ?
        assert_eq!(sub("${SET:?need it}"), "value");
        assert_eq!(sub("${EMPTY?need it}"), "");
        // $$
        assert_eq!(sub("echo $$HOME $${SET}"), "echo $HOME ${SET}");
        assert_eq!(sub("cost: 5$$"), "cost: 5$");
    }

    #[test]
    fn nested_defaults() {
        assert_eq!(sub("${MISSING:-${SET}}"), "value");
        assert_eq!(sub("${MISSING:-${ALSO_MISSING:-deep}}"), "deep");
        assert_eq!(sub("${MISSING:-${TAG}-x}/y"), "1.27-x/y");
        assert_eq!(sub("${SET:-${MISSING:?never evaluated}}"), "value");
        assert_eq!(sub("pre-${MISSING:-a{b}c"), "pre-a{bc");
        assert_eq!(
            sub("${MISSING:-default with spaces}!"),
            "default with spaces!"
        );
        assert_eq!(sub("${A:-x}${B:-y}"), "xy");
    }

    #[test]
    fn required_variables() {
        let e = err("image: ${REGISTRY:?set the registry}/app");
        assert_eq!(
            e.kind,
            TemplateErrorKind::Required {
                name: "REGISTRY".into()
            }
        );
        assert_eq!(
            e.message,
            "required variable `REGISTRY` is not set: set the registry"
        );
        assert_eq!(e.range, 7..36);
        let e = err("${EMPTY:?}");
        assert_eq!(e.message, "required variable `EMPTY` is empty");
        let e = err("${MISSING?}");
        assert_eq!(e.message, "required variable `MISSING` is not set");
        // The message itself is interpolated.
        let e = err("${MISSING:?tag $TAG}");
        assert!(e.message.ends_with("tag 1.27"), "{}", e.message);
    }

    #[test]
    fn invalid_templates() {
        // What compose-go refuses: `${` that starts no valid variable.
        for t in [
            "${",
            "${}",
            "${ }",
            "${ x}",
            "${x }",
            "${x!}",
            "${1A}",
            "${A B}",
            "${A:x}",
            "${A",
            "${A:-b",
            "run ${A:-x\n}",
        ] {
            let e = err(t);
            assert_eq!(e.kind, TemplateErrorKind::Invalid, "{t:?}");
        }
        assert_eq!(err("${A B}").range, 0..6);
        assert_eq!(err("echo ${1}").range, 5..9);
    }

    /// compose-go's template rules, case by case (its own tests' shapes,
    /// written here with this module's variables: SET=value, EMPTY="",
    /// TAG=1.27, JSON={"j":2}).
    #[test]
    fn compose_go_cases() {
        let mut vars = env();
        vars.insert("JSON".into(), r#"{"j":2}"#.into());
        let cases: &[(&str, &str)] = &[
            // A `$` that starts no template stays as it is.
            ("a $ string", "a $ string"),
            ("^REGEX$", "^REGEX$"),
            ("$}", "$}"),
            ("$", "$"),
            ("sh -c 'echo \"$(date)\"'", "sh -c 'echo \"$(date)\"'"),
            ("echo $1 $@ $? $*", "echo $1 $@ $? $*"),
            ("5$ and $é", "5$ and $é"),
            // Escapes.
            ("$${SET}", "${SET}"),
            ("$$(date)", "$(date)"),
            // Names are case-insensitive in the pattern.
            ("$lower ${lower}", "low low"),
            // The text around a template does not change which operator applies.
            ("-ok ${EMPTY:-d}", "-ok d"),
            ("+ok ${MISSING:-${EMPTY-d}}", "+ok "),
            (":-ok ${MISSING-d}", ":-ok d"),
            (":-ok ${EMPTY-d}", ":-ok "),
            (":?ok ${EMPTY:-d}", ":?ok d"),
            ("?ok ${EMPTY:-d}", "?ok d"),
            // The first operator after the name wins; the rest is text.
            ("${MISSING-err?msg}", "err?msg"),
            ("${EMPTY:-/non:-alnum}", "/non:-alnum"),
            ("${SET?x-y}", "value"),
            ("${SET:+a:?b}", "a:?b"),
            // Nested defaults and alternatives.
            ("ok ${MISSING-$TAG}", "ok 1.27"),
            ("ok ${MISSING-${TAG} ${TAG}}", "ok 1.27 1.27"),
            ("ok ${EMPTY+$TAG ${TAG:+second}}", "ok 1.27 second"),
            ("${SET:+${SET},}B", "value,B"),
            ("${MISSING:+${SET},}B", "B"),
            // Braces inside a default are counted.
            (r#"ok ${MISSING:-{"j":1}}"#, r#"ok {"j":1}"#),
            (r#"ok ${JSON-{"j":1}}"#, r#"ok {"j":2}"#),
            ("${MISSING:-{x}}y", "{x}y"),
            // Two templates on a line: each is substituted.
            ("${MISSING:-a}-${TAG}", "a-1.27"),
            ("${MISSING:-a}/${SET:-b}/$TAG", "a/value/1.27"),
            // Required variables that are set.
            ("ok ${SET:?err}", "ok value"),
            ("ok ${EMPTY?err}", "ok "),
        ];
        for (template, want) in cases {
            let got = substitute(template, &vars, Dialect::Compose)
                .unwrap_or_else(|e| panic!("{template:?}: {e:?}"));
            assert_eq!(&got.value, want, "{template:?}");
        }
        let required: &[(&str, &str, &str)] = &[
            (
                "not ok ${MISSING:?must be set}",
                "MISSING",
                "not set: must be set",
            ),
            (
                "not ok ${EMPTY:?must not be empty}",
                "EMPTY",
                "empty: must not be empty",
            ),
            ("not ok ${MISSING:?}", "MISSING", "not set"),
            (
                "not ok ${MISSING?must be set}",
                "MISSING",
                "not set: must be set",
            ),
            ("not ok ${MISSING?}", "MISSING", "not set"),
            ("${MISSING?bar-baz}", "MISSING", "not set: bar-baz"),
            ("${MISSING:?tag ${TAG}}", "MISSING", "not set: tag 1.27"),
        ];
        for (template, name, tail) in required {
            let e = substitute(template, &vars, Dialect::Compose).unwrap_err();
            assert_eq!(
                e.kind,
                TemplateErrorKind::Required {
                    name: name.to_string()
                },
                "{template:?}"
            );
            assert!(e.message.ends_with(tail), "{template:?}: {}", e.message);
        }
    }

    #[test]
    fn stack_dialect_refuses_a_lone_dollar() {
        for t in ["$", "a $1", "x $ y", "$(date)"] {
            let e = substitute(t, &env(), Dialect::Stack).unwrap_err();
            assert_eq!(e.kind, TemplateErrorKind::Invalid, "{t}");
        }
        let e = substitute("echo $1", &env(), Dialect::Stack).unwrap_err();
        assert_eq!(e.range, 5..7);
        let e = substitute("a $é", &env(), Dialect::Stack).unwrap_err();
        assert_eq!(e.range, 2..5);
    }

    #[test]
    fn stack_dialect_has_no_plus() {
        assert!(substitute("${SET:+x}", &env(), Dialect::Stack).is_err());
        assert_eq!(
            substitute("${SET:-x}", &env(), Dialect::Stack)
                .unwrap()
                .value,
            "value"
        );
    }

    /// Nesting past the bound is an invalid template at the value, not a
    /// stack overflow, even on a small stack; nesting within it works, and
    /// thousands of templates on one line cost no depth.
    #[test]
    fn deep_nesting_is_bounded_and_needs_little_stack() {
        let within = "${UNSET:-".repeat(MAX_NESTING) + "x" + &"}".repeat(MAX_NESTING);
        let beyond = "${UNSET:-".repeat(20_000) + "x" + &"}".repeat(20_000);
        let required = "${UNSET:?".repeat(20_000) + &"}".repeat(20_000);
        let wide = "${SET:-a}-".repeat(5_000);
        let (within, beyond, required, wide) = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || {
                let vars = env();
                (
                    substitute(&within, &vars, Dialect::Compose).map(|s| s.value),
                    substitute(&beyond, &vars, Dialect::Compose).unwrap_err(),
                    substitute(&required, &vars, Dialect::Compose).unwrap_err(),
                    substitute(&wide, &vars, Dialect::Compose).map(|s| s.value),
                )
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(within.unwrap(), "x");
        assert_eq!(beyond.kind, TemplateErrorKind::Invalid);
        assert!(
            beyond.message.contains("nested more than"),
            "{}",
            beyond.message
        );
        assert!(
            required.message.contains("nested more than"),
            "{}",
            required.message
        );
        assert_eq!(wide.unwrap(), "value-".repeat(5_000));
    }
}
