use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::pairs;

pub static RULE: Rule = Rule {
    code: "BL1116",
    name: "empty-label",
    aliases: &["DL3051"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A label that `label-schema` requires is set to an empty value.",
    doc: r#"## What it does
Checks the labels named in the `label-schema` option: their value must not be empty. Without
`label-schema`, nothing is reported.

## Why is this bad?
An empty label satisfies a presence check while carrying no information, often because a build
argument was not passed (`LABEL version=$VERSION` with no `--build-arg VERSION=...` gives `""`).

## Example
```toml
label-schema = { "org.opencontainers.image.version" = "text" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version=""
```

Use instead:
```toml
label-schema = { "org.opencontainers.image.version" = "text" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version="1.0.0"
```

## Options
- `label-schema`: the labels checked.

## References
- hadolint DL3051
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let schema = &cx.options.label_schema;
    if schema.is_empty() {
        return;
    }
    for (kv, key, value) in pairs(cx) {
        if schema.contains_key(&key) && value.as_deref() == Some("") {
            out.push(
                Diagnostic::new(kv.span, format!("label `{key}` is empty")).help(format!(
                    "give `{key}` a value, e.g. from a build argument that the build always passes"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::rules::dockerfile::labels::lint_schema;

    const SCHEMA: &[(&str, &str)] = &[("version", "text")];

    #[test]
    fn fires_on_empty_values() {
        assert_eq!(
            lint_schema(&RULE, "FROM a\nLABEL version=\"\"\n", SCHEMA, false),
            ["version=\"\""]
        );
        assert_eq!(
            lint_schema(&RULE, "FROM a\nLABEL version=''\n", SCHEMA, false),
            ["version=''"]
        );
        assert_eq!(
            lint_schema(&RULE, "FROM a\nLABEL a=1 version=\n", SCHEMA, false),
            ["version="]
        );
    }

    #[test]
    fn quiet_on_values_and_other_labels() {
        assert!(lint_schema(&RULE, "FROM a\nLABEL version=1\n", SCHEMA, false).is_empty());
        assert!(lint_schema(&RULE, "FROM a\nLABEL other=\"\"\n", SCHEMA, false).is_empty());
        assert!(lint_schema(&RULE, "FROM a\nLABEL version=\"\"\n", &[], false).is_empty());
    }
}
