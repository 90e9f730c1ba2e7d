use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::check_format;

pub static RULE: Rule = Rule {
    code: "BL1119",
    name: "label-not-spdx",
    aliases: &["DL3054"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A label that `label-schema` types as `spdx` is not an SPDX license identifier.",
    doc: r#"## What it does
Checks the labels that the `label-schema` option types as `spdx`: each value must be an SPDX license identifier.
Values holding variables are not checked; empty values are left to `empty-label`.

Without a `label-schema` entry of type `spdx`, nothing is reported.

## Why is this bad?
Tools read image labels (registries, scanners, SBOM generators); a value in the wrong format is
dropped or misread by them.

## Example
```toml
label-schema = { "org.opencontainers.image.licenses" = "spdx" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.licenses="Apache 2"
```

Use instead:
```toml
label-schema = { "org.opencontainers.image.licenses" = "spdx" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.licenses="Apache-2.0"
```

## Options
- `label-schema`: a table from label name to its format (`text`, `url`, `semver`, `hash`,
  `rfc3339`, `spdx`, `email`).

## References
- hadolint DL3054
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_format(
        cx,
        out,
        "spdx",
        is_spdx,
        "an SPDX license identifier",
        "use an SPDX identifier or expression, e.g. `Apache-2.0` or `MIT OR Apache-2.0`",
    );
}

/// An SPDX license identifier or expression (`MIT`, `Apache-2.0 OR MIT`).
fn is_spdx(v: &str) -> bool {
    spdx::Expression::parse(v).is_ok()
}

#[cfg(test)]
mod tests {
    use super::{is_spdx, RULE};
    use crate::lint::rules::dockerfile::labels::assert_format_vectors;

    #[test]
    fn vectors() {
        assert_format_vectors(
            &RULE,
            "org.opencontainers.image.licenses",
            "spdx",
            &["GPL", "\"Apache License\"", "\"Apache 2\""],
            &["MIT", "\"GPL-2.0-only WITH Classpath-exception-2.0\""],
        );
    }

    #[test]
    fn validator() {
        assert!(is_spdx("MIT"));
        assert!(is_spdx("Apache-2.0 OR MIT"));
        assert!(!is_spdx("Not-A-License"));
    }
}
