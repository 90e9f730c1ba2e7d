use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::{check_format, is_email};

pub static RULE: Rule = Rule {
    code: "BL1123",
    name: "label-not-email",
    aliases: &["DL3058"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A label that `label-schema` types as `email` is not an email address.",
    doc: r#"## What it does
Checks the labels that the `label-schema` option types as `email`: each value must be an email address.
Values holding variables are not checked; empty values are left to `empty-label`.

Without a `label-schema` entry of type `email`, nothing is reported.

## Why is this bad?
Tools read image labels (registries, scanners, SBOM generators); a value in the wrong format is
dropped or misread by them.

## Example
```toml
label-schema = { "maintainer" = "email" }
```
```dockerfile
FROM alpine:3.20
LABEL maintainer="Jane Doe"
```

Use instead:
```toml
label-schema = { "maintainer" = "email" }
```
```dockerfile
FROM alpine:3.20
LABEL maintainer="jane@example.com"
```

## Options
- `label-schema`: a table from label name to its format (`text`, `url`, `semver`, `hash`,
  `rfc3339`, `spdx`, `email`).

## References
- hadolint DL3058
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_format(
        cx,
        out,
        "email",
        is_email,
        "an email address",
        "write an address such as `team@example.com`",
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::rules::dockerfile::labels::lint_schema;

    const SCHEMA: &[(&str, &str)] = &[("maintainer", "email")];

    #[test]
    fn fires_on_bad_values() {
        assert_eq!(
            lint_schema(
                &RULE,
                "FROM a\nLABEL maintainer=\"jane at example.com\"\n",
                SCHEMA,
                false
            ),
            ["\"jane at example.com\""]
        );
        assert_eq!(
            lint_schema(
                &RULE,
                "FROM a\nLABEL maintainer=jane@localhost\n",
                SCHEMA,
                false
            ),
            ["jane@localhost"]
        );
    }

    #[test]
    fn quiet_on_good_values() {
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL maintainer=jane@example.com\n",
            SCHEMA,
            false
        )
        .is_empty());
        assert!(lint_schema(
            &RULE,
            "FROM a\nLABEL maintainer=\"ops+oncall@mail.example.org\"\n",
            SCHEMA,
            false
        )
        .is_empty());
    }

    #[test]
    fn quiet_without_schema_or_on_other_labels() {
        assert!(
            lint_schema(&RULE, "FROM a\nLABEL maintainer=\"Jane Doe\"\n", &[], false).is_empty()
        );
        assert!(lint_schema(&RULE, "FROM a\nLABEL other=\"Jane Doe\"\n", SCHEMA, false).is_empty());
        assert!(lint_schema(&RULE, "FROM a\nLABEL maintainer=$VALUE\n", SCHEMA, false).is_empty());
    }
}
