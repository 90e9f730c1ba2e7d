use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::check_format;

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

/// An absolute URI: `scheme:` then characters a URI may hold.
fn is_url(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let rest_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c));
    scheme_ok && rest_ok
}

#[cfg(test)]
mod tests {
    use super::{is_url, RULE};
    use crate::lint::rules::dockerfile::labels::assert_format_vectors;

    #[test]
    fn vectors() {
        assert_format_vectors(
            &RULE,
            "org.opencontainers.image.source",
            "url",
            &["\"not a url\"", "example.com", "\"github.com/acme/app\""],
            &["https://example.com", "git+ssh://git@example.com/x.git"],
        );
    }

    #[test]
    fn validator() {
        assert!(is_url("https://example.com/x?y=1"));
        assert!(!is_url("example.com"));
        assert!(!is_url("https://exa mple.com"));
    }
}
