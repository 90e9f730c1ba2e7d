use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::{check_format, is_semver};

pub static RULE: Rule = Rule {
    code: "BL1121",
    name: "label-not-semver",
    aliases: &["DL3056"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A label that `label-schema` types as `semver` is not a semantic version.",
    doc: r#"## What it does
Checks the labels that the `label-schema` option types as `semver`: each value must be a semantic version.
Values holding variables are not checked; empty values are left to `empty-label`.

Without a `label-schema` entry of type `semver`, nothing is reported.

## Why is this bad?
Tools read image labels (registries, scanners, SBOM generators); a value in the wrong format is
dropped or misread by them.

## Example
```toml
label-schema = { "org.opencontainers.image.version" = "semver" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version=v1.4
```

Use instead:
```toml
label-schema = { "org.opencontainers.image.version" = "semver" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version=1.4.0
```

## Options
- `label-schema`: a table from label name to its format (`text`, `url`, `semver`, `hash`,
  `rfc3339`, `spdx`, `email`).

## References
- hadolint DL3056
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_format(
        cx,
        out,
        "semver",
        is_semver,
        "a semantic version",
        "write a version as `MAJOR.MINOR.PATCH`, e.g. `1.4.0`",
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::rules::dockerfile::labels::lint_schema;

    const SCHEMA: &[(&str, &str)] = &[("org.opencontainers.image.version", "semver")];

    #[test]
    fn fires_on_bad_values() {
        assert_eq!(
            lint_schema(
                &RULE,
                "FROM a\nLABEL org.opencontainers.image.version=v1.4\n",
                SCHEMA,
                false
            ),
            ["v1.4"]
        );
        assert_eq!(
            lint_schema(
                &RULE,
                "FROM a\nLABEL org.opencontainers.image.version=1.04.0\n",
                SCHEMA,
                false
            ),
            ["1.04.0"]
        );
    }

    #[test]
    fn quiet_on_good_values() {
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.version=1.4.0\n",
            SCHEMA,
            false
        )
        .is_empty());
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.version=2.0.0-rc.1+sha.5114f85\n",
            SCHEMA,
            false
        )
        .is_empty());
    }

    #[test]
    fn quiet_without_schema_or_on_other_labels() {
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.version=v1.4\n",
            &[],
            false
        )
        .is_empty());
        assert!(lint_schema(&RULE, "FROM a\nLABEL other=v1.4\n", SCHEMA, false).is_empty());
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.version=$VALUE\n",
            SCHEMA,
            false
        )
        .is_empty());
    }
}
