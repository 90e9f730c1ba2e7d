use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::{check_format, is_url};

pub static RULE: Rule = Rule {
    code: "BL1117",
    name: "label-not-url",
    aliases: &["DL3052"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A label that `label-schema` types as `url` is not a valid URL.",
    doc: r#"## What it does
Checks the labels that the `label-schema` option types as `url`: each value must be a valid URL.
Values holding variables are not checked; empty values are left to `empty-label`.

Without a `label-schema` entry of type `url`, nothing is reported.

## Why is this bad?
Tools read image labels (registries, scanners, SBOM generators); a value in the wrong format is
dropped or misread by them.

## Example
```toml
label-schema = { "org.opencontainers.image.source" = "url" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source="github.com/acme/app"
```

Use instead:
```toml
label-schema = { "org.opencontainers.image.source" = "url" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source="https://github.com/acme/app"
```

## Options
- `label-schema`: a table from label name to its format (`text`, `url`, `semver`, `hash`,
  `rfc3339`, `spdx`, `email`).

## References
- hadolint DL3052
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_format(
        cx,
        out,
        "url",
        is_url,
        "a valid URL",
        "write an absolute URL, e.g. `https://example.com/project`",
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::rules::dockerfile::labels::lint_schema;

    const SCHEMA: &[(&str, &str)] = &[("org.opencontainers.image.source", "url")];

    #[test]
    fn fires_on_bad_values() {
        assert_eq!(
            lint_schema(
                &RULE,
                "FROM a\nLABEL org.opencontainers.image.source=\"not a url\"\n",
                SCHEMA,
                false
            ),
            ["\"not a url\""]
        );
        assert_eq!(
            lint_schema(
                &RULE,
                "FROM a\nLABEL org.opencontainers.image.source=example.com\n",
                SCHEMA,
                false
            ),
            ["example.com"]
        );
    }

    #[test]
    fn quiet_on_good_values() {
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.source=https://example.com\n",
            SCHEMA,
            false
        )
        .is_empty());
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.source=git+ssh://git@example.com/x.git\n",
            SCHEMA,
            false
        )
        .is_empty());
    }

    #[test]
    fn quiet_without_schema_or_on_other_labels() {
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.source=\"github.com/acme/app\"\n",
            &[],
            false
        )
        .is_empty());
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL other=\"github.com/acme/app\"\n",
            SCHEMA,
            false
        )
        .is_empty());
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.source=$VALUE\n",
            SCHEMA,
            false
        )
        .is_empty());
    }
}
