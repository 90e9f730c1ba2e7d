use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::check_format;

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

fn numeric_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

fn identifiers(s: &str, numeric_rule: bool) -> bool {
    s.split('.').all(|id| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && (!numeric_rule || !id.bytes().all(|b| b.is_ascii_digit()) || numeric_identifier(id))
    })
}

/// Semantic Versioning 2.0.0: `1.2.3`, `1.2.3-rc.1+build.5`.
fn is_semver(v: &str) -> bool {
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| numeric_identifier(p))
        && pre.is_none_or(|p| identifiers(p, true))
        && build.is_none_or(|b| identifiers(b, false))
}

#[cfg(test)]
mod tests {
    use super::{is_semver, RULE};
    use crate::lint::rules::dockerfile::labels::assert_format_vectors;

    #[test]
    fn vectors() {
        assert_format_vectors(
            &RULE,
            "org.opencontainers.image.version",
            "semver",
            &["v1.4", "1.04.0"],
            &["1.4.0", "2.0.0-rc.1+sha.5114f85"],
        );
    }

    #[test]
    fn validator() {
        assert!(is_semver("1.2.3-rc.1+build.5"));
        assert!(!is_semver("1.2"));
        assert!(!is_semver("01.2.3"));
    }
}
