use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::pairs;

pub static RULE: Rule = Rule {
    code: "BL1115",
    name: "superfluous-label",
    aliases: &["DL3050"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A label is not in `label-schema` while `strict-labels` is on.",
    doc: r#"## What it does
With `strict-labels = true`, reports every label whose key the `label-schema` option does not
list. Without `strict-labels`, nothing is reported.

## Why is this bad?
Teams that keep a fixed set of labels want every other label to be a deliberate addition to the
schema, not a stray one.

## Example
```toml
strict-labels = true
label-schema = { "org.opencontainers.image.version" = "semver" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version="1.0.0" build-host="ci-7"
```

Use instead:
```toml
strict-labels = true
label-schema = { "org.opencontainers.image.version" = "semver" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version="1.0.0"
```

## Options
- `strict-labels`: report labels outside `label-schema`.
- `label-schema`: the labels allowed.

## References
- hadolint DL3050
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    if !cx.options.strict_labels {
        return;
    }
    for (kv, key, _) in pairs(cx) {
        if !cx.options.label_schema.contains_key(&key) {
            out.push(
                Diagnostic::new(
                    kv.key.span,
                    format!("label `{key}` is not in the label schema"),
                )
                .help("remove the label, or add it to `label-schema` in the configuration"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::rules::dockerfile::labels::lint_schema;

    const SCHEMA: &[(&str, &str)] = &[("version", "semver")];

    #[test]
    fn fires_on_extra_labels_when_strict() {
        assert_eq!(
            lint_schema(&RULE, "FROM a\nLABEL version=1.0.0 extra=x\n", SCHEMA, true),
            ["extra"]
        );
        assert_eq!(
            lint_schema(&RULE, "FROM a\nLABEL a=1\nLABEL b=2\n", SCHEMA, true),
            ["a", "b"]
        );
        assert_eq!(
            lint_schema(&RULE, "FROM a\nLABEL \"x\"=1\n", &[], true),
            ["\"x\""]
        );
    }

    #[test]
    fn quiet_when_not_strict_or_listed() {
        assert!(lint_schema(&RULE, "FROM a\nLABEL extra=x\n", SCHEMA, false).is_empty());
        assert!(lint_schema(&RULE, "FROM a\nLABEL version=1.0.0\n", SCHEMA, true).is_empty());
    }
}
