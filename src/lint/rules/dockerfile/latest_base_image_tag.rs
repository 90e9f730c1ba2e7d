use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::base_image::resolved_froms;

pub static RULE: Rule = Rule {
    code: "BL1007",
    name: "latest-base-image-tag",
    aliases: &["DL3007"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A base image is pinned to the floating `:latest` tag.",
    doc: r#"## What it does
Checks for `FROM` instructions whose image tag is `latest`. Build arguments
are resolved first (`ARG TAG=latest` + `FROM nginx:${TAG}` is reported); a
digest pins the image whatever the tag.

## Why is this bad?
`latest` moves whenever the image's publisher pushes a new release, so the
same Dockerfile builds a different image from one day to the next, and a
rebuild can break without any change in your repository.

## Example
```dockerfile
FROM nginx:latest
```

Use instead:
```dockerfile
FROM nginx:1.27.3
```

## How to fix
Pin the tag to a release, or better a digest (`nginx:1.27.3@sha256:...`).

## References
- hadolint DL3007
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for f in resolved_froms(cx) {
        if f.image.tag.as_deref() != Some("latest") || f.image.digest.is_some() {
            continue;
        }
        let name = f.image.familiar_name();
        let diag = Diagnostic::new(
            f.part_span(f.image.tag_range.as_ref()),
            "the base image uses the `latest` tag",
        )
        .help(format!(
            "pin a release tag or a digest, e.g. `{name}:<version>`"
        ));
        out.push(f.explain(cx, diag));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_latest_only() {
        assert_fires(&RULE, "FROM nginx:latest\n", &["latest"]);
        assert_fires(&RULE, "FROM localhost:5000/app:latest AS x\n", &["latest"]);
        assert_quiet(&RULE, "FROM nginx:1.27\n");
        assert_quiet(&RULE, "FROM localhost:5000/app\n");
        assert_quiet(&RULE, "FROM nginx:latest@sha256:0000000000000000000000000000000000000000000000000000000000000000\n");
    }

    #[test]
    fn resolves_build_args() {
        assert_fires(
            &RULE,
            "ARG TAG=latest\nFROM nginx:${TAG}\n",
            &["nginx:${TAG}"],
        );
        assert_quiet(&RULE, "ARG TAG=1.27\nFROM nginx:${TAG}\n");
        assert_quiet(&RULE, "ARG TAG\nFROM nginx:${TAG}\n");
        assert_quiet(&RULE, "FROM nginx:1 AS latest\nFROM latest\n");
    }
}
