//! Shared by the label rules: LABEL pairs with their literal keys and
//! values, and the check of a `label-schema` format against the rule's
//! validator.

use crate::dockerfile::{Args, KeyValue};
use crate::lint::{Diagnostic, Diagnostics, DockerfileCx};

use super::dl_helpers::literal;

/// Each LABEL pair of the build (ONBUILD triggers excluded) with its key
/// and value after quote removal (`None` for a value holding variables).
pub fn pairs<'d>(cx: &DockerfileCx<'d>) -> Vec<(&'d KeyValue, String, Option<String>)> {
    let mut out = Vec::new();
    for inst in &cx.df.instructions {
        if let Args::Label(kvs) = &inst.args {
            for kv in kvs {
                let Some(key) = literal(&kv.key.raw, cx.df.escape) else {
                    continue;
                };
                let value = literal(&kv.value.raw, cx.df.escape);
                out.push((kv, key, value));
            }
        }
    }
    out
}

/// Reports schema labels of `format` whose value fails `valid`.
pub fn check_format(
    cx: &DockerfileCx<'_>,
    out: &mut Diagnostics,
    format: &str,
    valid: fn(&str) -> bool,
    what: &str,
    help: &str,
) {
    let schema = &cx.options.label_schema;
    if !schema.values().any(|f| f.eq_ignore_ascii_case(format)) {
        return;
    }
    for (kv, key, value) in pairs(cx) {
        let Some(value) = value else { continue };
        if value.is_empty() {
            continue; // the empty-label rule's
        }
        if schema
            .get(&key)
            .is_some_and(|f| f.eq_ignore_ascii_case(format))
            && !valid(&value)
        {
            out.push(
                Diagnostic::new(
                    kv.value.span,
                    format!("label `{key}` is not {what}: `{value}`"),
                )
                .help(help.to_string()),
            );
        }
    }
}

/// Lints with a label schema (tests).
#[cfg(test)]
pub fn lint_schema(
    rule: &'static crate::lint::Rule,
    src: &str,
    schema: &[(&str, &str)],
    strict: bool,
) -> Vec<String> {
    let options = crate::lint::options::RuleOptions {
        label_schema: schema
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        strict_labels: strict,
        ..Default::default()
    };
    let found = crate::lint::testing::lint_with(
        rule,
        src,
        &crate::lint::context_view::MemoryContext::new(),
        true,
        &options,
        Default::default(),
        None,
    );
    crate::lint::testing::underlined(src, &found)
}

/// Vectors for a rule checking one `label-schema` format (tests): `label`
/// typed `format` is reported, at its value, for each of `bad`, and not for
/// each of `good`; nothing is reported for a bad value without the schema
/// entry, on another label, or for a value holding a variable.
#[cfg(test)]
pub fn assert_format_vectors(
    rule: &'static crate::lint::Rule,
    label: &str,
    format: &str,
    bad: &[&str],
    good: &[&str],
) {
    let schema = &[(label, format)];
    let lint = |key: &str, value: &str, schema: &[(&str, &str)]| {
        lint_schema(
            rule,
            &format!("FROM a\nLABEL {key}={value}\n"),
            schema,
            false,
        )
    };
    for value in bad {
        assert_eq!(lint(label, value, schema), [*value], "{label}={value}");
        assert!(lint(label, value, &[]).is_empty(), "no schema: {value}");
        assert!(lint("other", value, schema).is_empty(), "other={value}");
    }
    for value in good {
        assert!(lint(label, value, schema).is_empty(), "{label}={value}");
    }
    assert!(lint(label, "$VALUE", schema).is_empty());
}
