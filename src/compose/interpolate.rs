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
    substitute_into(template, 0, vars, dialect, &mut out)?;
    Ok(out)
}

fn is_name_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn is_name_char(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

/// For each `${` in `s`, the index of its closing `}` (nested `${` counted;
/// a `}` with no open `${` is text), by the `$`'s index.
fn closing_braces(s: &str) -> std::collections::HashMap<usize, usize> {
    let bytes = s.as_bytes();
    let mut open = Vec::new();
    let mut closes = std::collections::HashMap::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            open.push(i);
            i += 2;
            continue;
        }
        if bytes[i] == b'}' {
            if let Some(start) = open.pop() {
                closes.insert(start, i);
            }
        }
        i += 1;
    }
    closes
}

/// A part of the template being substituted: `template[i..end]`, with
/// text since `literal_start` not yet copied.
struct Part {
    end: usize,
    i: usize,
    literal_start: usize,
}

/// Substitutes without recursion: a default or alternative that holds
/// further templates is a [`Part`] on a stack, so nesting costs heap, not
/// stack. A missing `${VAR:?message}` restarts on its message, whose own
/// errors win, as compose's recursive substitution has it.
fn substitute_into(
    template: &str,
    // Offset of `template` inside the string the user wrote, for ranges.
    base: usize,
    vars: &dyn Lookup,
    dialect: Dialect,
    out: &mut Substituted,
) -> Result<(), TemplateError> {
    let bytes = template.as_bytes();
    let closes = if template.contains("${") {
        closing_braces(template)
    } else {
        Default::default()
    };
    let mut stack: Vec<Part> = Vec::new();
    let mut part = Part {
        end: template.len(),
        i: 0,
        literal_start: 0,
    };
    // A missing required variable whose message is being substituted into
    // `message`: its name, whether it was set at all, and its range.
    let mut required: Option<(String, bool, Range<usize>)> = None;
    let mut message = Substituted::default();
    loop {
        let dest = if required.is_some() {
            &mut message
        } else {
            &mut *out
        };
        if part.i >= part.end {
            dest.value.push_str(&template[part.literal_start..part.end]);
            match stack.pop() {
                Some(outer) => {
                    part = outer;
                    continue;
                }
                None => break,
            }
        }
        let i = part.i;
        if bytes[i] != b'$' {
            part.i += 1;
            continue;
        }
        dest.value.push_str(&template[part.literal_start..i]);
        let start = i;
        let end = part.end;
        let invalid = |to: usize| TemplateError {
            kind: TemplateErrorKind::Invalid,
            message: format!(
                "invalid interpolation format in `{}`",
                &template[start..to.min(end)]
            ),
            range: base + start..base + to.min(end),
        };
        match bytes.get(i + 1).filter(|_| i + 1 < end) {
            Some(b'$') => {
                dest.value.push('$');
                part.i += 2;
            }
            Some(&b) if is_name_start(b) => {
                let mut name_end = i + 2;
                while name_end < end && is_name_char(bytes[name_end]) {
                    name_end += 1;
                }
                let name = &template[i + 1..name_end];
                match vars.get(name) {
                    Some(v) => dest.value.push_str(v),
                    None => dest
                        .unset
                        .push((name.to_string(), base + start..base + name_end)),
                }
                part.i = name_end;
            }
            Some(b'{') => {
                let Some(&close) = closes.get(&i).filter(|&&c| c < end) else {
                    return Err(invalid(end));
                };
                let inner = &template[i + 2..close];
                let inner_start = i + 2;
                let ib = inner.as_bytes();
                if ib.is_empty() || !is_name_start(ib[0]) {
                    return Err(invalid(close + 1));
                }
                let mut n = 1;
                while n < ib.len() && is_name_char(ib[n]) {
                    n += 1;
                }
                let name = &inner[..n];
                let rest = &inner[n..];
                let range = base + start..base + close + 1;
                let (op, arg_len) = if rest.is_empty() {
                    ("", 0)
                } else {
                    let op_len = if rest.starts_with(':') { 2 } else { 1 };
                    let op = rest.get(..op_len).unwrap_or(rest);
                    let valid = match op {
                        ":-" | "-" | ":?" | "?" => true,
                        ":+" | "+" => dialect == Dialect::Compose,
                        _ => false,
                    };
                    if !valid {
                        return Err(invalid(close + 1));
                    }
                    (op, rest.len() - op_len)
                };
                // The argument: template[arg_start..close].
                let arg_start = inner_start + n + op.len();
                debug_assert_eq!(arg_start + arg_len, close);
                let value = vars.get(name);
                part.i = close + 1;
                part.literal_start = close + 1;
                let nested = |part: Part, stack: &mut Vec<Part>| {
                    stack.push(part);
                    Part {
                        end: close,
                        i: arg_start,
                        literal_start: arg_start,
                    }
                };
                match op {
                    "" => match value {
                        Some(v) => dest.value.push_str(v),
                        None => dest.unset.push((name.to_string(), range)),
                    },
                    ":-" | "-" => {
                        let use_default = match value {
                            None => true,
                            Some(v) => op == ":-" && v.is_empty(),
                        };
                        if use_default {
                            part = nested(part, &mut stack);
                        } else {
                            dest.value.push_str(value.unwrap_or(""));
                        }
                    }
                    ":+" | "+" => {
                        let use_alt = match value {
                            None => false,
                            Some(v) => op == "+" || !v.is_empty(),
                        };
                        if use_alt {
                            part = nested(part, &mut stack);
                        } else {
                            dest.value.push_str(value.unwrap_or(""));
                        }
                    }
                    _ => {
                        // ":?" | "?"
                        let missing = match value {
                            None => true,
                            Some(v) => op == ":?" && v.is_empty(),
                        };
                        if missing {
                            // Whatever was being substituted fails with this
                            // error (or one met in its message).
                            stack.clear();
                            message = Substituted::default();
                            required = Some((name.to_string(), value.is_some(), range));
                            part = Part {
                                end: close,
                                i: arg_start,
                                literal_start: arg_start,
                            };
                        } else {
                            dest.value.push_str(value.unwrap_or(""));
                        }
                    }
                }
            }
            _ => {
                // `$` and the character after it (whole, if not ASCII).
                let next = template[i + 1..end]
                    .chars()
                    .next()
                    .map_or(0, char::len_utf8);
                return Err(invalid(i + 1 + next));
            }
        }
        part.literal_start = part.i;
    }
    if let Some((name, set, range)) = required {
        let detail = if message.value.is_empty() {
            String::new()
        } else {
            format!(": {}", message.value)
        };
        return Err(TemplateError {
            kind: TemplateErrorKind::Required { name: name.clone() },
            message: format!(
                "required variable `{name}` is {}{detail}",
                if set { "empty" } else { "not set" }
            ),
            range,
        });
    }
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
        for t in [
            "$", "a $1", "${}", "${1A}", "${A B}", "${A:x}", "${A", "x $ y", "${A:-b",
        ] {
            let e = err(t);
            assert_eq!(e.kind, TemplateErrorKind::Invalid, "{t}");
        }
        let e = err("echo $1");
        assert_eq!(e.range, 5..7);
        assert_eq!(err("a $é").range, 2..5);
        assert_eq!(err("${A B}").range, 0..6);
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

    /// Defaults nested far deeper than a thread's stack would allow under
    /// recursion substitute on a small stack.
    #[test]
    fn deep_nesting_needs_no_stack() {
        let t = "${UNSET:-".repeat(50_000) + "x" + &"}".repeat(50_000);
        let required = format!(
            "${{UNSET:?{}}}",
            "${UNSET:?".repeat(20_000) + &"}".repeat(20_000)
        );
        let (value, err) = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                let vars = env();
                let value = substitute(&t, &vars, Dialect::Compose).map(|s| s.value);
                (
                    value,
                    substitute(&required, &vars, Dialect::Compose).unwrap_err(),
                )
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(value.unwrap(), "x");
        assert_eq!(err.message, "required variable `UNSET` is not set");
        assert_eq!(err.range.start, "${UNSET:?".len() * 20_000);
    }
}
