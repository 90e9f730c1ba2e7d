use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::{check_format, is_rfc3339};

pub static RULE: Rule = Rule {
    code: "BL1118",
    name: "label-not-rfc3339",
    aliases: &["DL3053"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A label that `label-schema` types as `rfc3339` is not an RFC 3339 date-time.",
    doc: r#"## What it does
Checks the labels that the `label-schema` option types as `rfc3339`: each value must be an RFC 3339 date-time.
Values holding variables are not checked; empty values are left to `empty-label`.

Without a `label-schema` entry of type `rfc3339`, nothing is reported.

## Why is this bad?
Tools read image labels (registries, scanners, SBOM generators); a value in the wrong format is
dropped or misread by them.

## Example
```toml
label-schema = { "org.opencontainers.image.created" = "rfc3339" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.created="2024-05-01 12:00"
```

Use instead:
```toml
label-schema = { "org.opencontainers.image.created" = "rfc3339" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.created="2024-05-01T12:00:00Z"
```

## Options
- `label-schema`: a table from label name to its format (`text`, `url`, `semver`, `hash`,
  `rfc3339`, `spdx`, `email`).

## References
- hadolint DL3053
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_format(
        cx,
        out,
        "rfc3339",
        is_rfc3339,
        "an RFC 3339 date-time",
        "write the time as `2024-05-01T12:00:00Z`",
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::rules::dockerfile::labels::lint_schema;

    const SCHEMA: &[(&str, &str)] = &[("org.opencontainers.image.created", "rfc3339")];

    #[test]
    fn fires_on_bad_values() {
        assert_eq!(
            lint_schema(
                &RULE,
                "FROM a\nLABEL org.opencontainers.image.created=yesterday\n",
                SCHEMA,
                false
            ),
            ["yesterday"]
        );
        assert_eq!(
            lint_schema(
                &RULE,
                "FROM a\nLABEL org.opencontainers.image.created=2024-13-01T00:00:00Z\n",
                SCHEMA,
                false
            ),
            ["2024-13-01T00:00:00Z"]
        );
    }

    #[test]
    fn quiet_on_good_values() {
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.created=2024-05-01T12:00:00+02:00\n",
            SCHEMA,
            false
        )
        .is_empty());
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.created=2024-05-01T12:00:00.5Z\n",
            SCHEMA,
            false
        )
        .is_empty());
    }

    #[test]
    fn quiet_without_schema_or_on_other_labels() {
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.created=\"2024-05-01 12:00\"\n",
            &[],
            false
        )
        .is_empty());
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL other=\"2024-05-01 12:00\"\n",
            SCHEMA,
            false
        )
        .is_empty());
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.created=$VALUE\n",
            SCHEMA,
            false
        )
        .is_empty());
    }
}
