use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::check_format;

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

/// An RFC 5322 address in its common form: `local@domain.tld`.
fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::{is_email, RULE};
    use crate::lint::rules::dockerfile::labels::assert_format_vectors;

    #[test]
    fn vectors() {
        assert_format_vectors(
            &RULE,
            "maintainer",
            "email",
            &["\"jane at example.com\"", "jane@localhost", "\"Jane Doe\""],
            &["jane@example.com", "\"ops+oncall@mail.example.org\""],
        );
    }

    #[test]
    fn validator() {
        assert!(is_email("dev@example.com"));
        assert!(!is_email("dev@localhost"));
        assert!(!is_email("a..b@example.com"));
    }
}
