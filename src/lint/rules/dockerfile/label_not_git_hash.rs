use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::check_format;

pub static RULE: Rule = Rule {
    code: "BL1120",
    name: "label-not-git-hash",
    aliases: &["DL3055"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A label that `label-schema` types as `hash` is not a git commit hash.",
    doc: r#"## What it does
Checks the labels that the `label-schema` option types as `hash`: each value must be a git commit hash.
Values holding variables are not checked; empty values are left to `empty-label`.

Without a `label-schema` entry of type `hash`, nothing is reported.

## Why is this bad?
Tools read image labels (registries, scanners, SBOM generators); a value in the wrong format is
dropped or misread by them.

## Example
```toml
label-schema = { "org.opencontainers.image.revision" = "hash" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.revision=main
```

Use instead:
```toml
label-schema = { "org.opencontainers.image.revision" = "hash" }
```
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.revision="0f3c2a1"
```

## Options
- `label-schema`: a table from label name to its format (`text`, `url`, `semver`, `hash`,
  `rfc3339`, `spdx`, `email`).

## References
- hadolint DL3055
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_format(
        cx,
        out,
        "hash",
        is_git_hash,
        "a git commit hash",
        "write the full or short commit hash, e.g. `$(git rev-parse HEAD)` passed as a build arg",
    );
}

/// A git commit hash: 7 or 40 (or 64, SHA-256 repositories) lowercase hex digits.
fn is_git_hash(v: &str) -> bool {
    matches!(v.len(), 7 | 40 | 64)
        && v.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::{is_git_hash, RULE};
    use crate::lint::rules::dockerfile::labels::assert_format_vectors;

    #[test]
    fn vectors() {
        assert_format_vectors(
            &RULE,
            "org.opencontainers.image.revision",
            "hash",
            &["main", "ABCDEF1"],
            &["0f3c2a1", "0123456789abcdef0123456789abcdef01234567"],
        );
    }

    #[test]
    fn validator() {
        assert!(is_git_hash("abc1234"));
        assert!(!is_git_hash("ABC1234"));
    }
}
