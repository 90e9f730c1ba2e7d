use crate::dockerfile::{Args, Kind};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL1007",
    name: "latest-base-image-tag",
    aliases: &["DL3007"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A base image is pinned to the floating `:latest` tag.",
    doc: r#"## What it does
Checks for `FROM` instructions whose image tag is `latest`.

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
    for inst in &cx.df.instructions {
        if inst.kind != Kind::From {
            continue;
        }
        let Args::From(from) = &inst.args else {
            continue;
        };
        let image = &from.image.raw;
        if image.contains('@') {
            continue;
        }
        let name_end = image.rfind('/').map(|i| i + 1).unwrap_or(0);
        if let Some(colon) = image[name_end..].find(':') {
            let tag = &image[name_end + colon + 1..];
            if tag == "latest" {
                let start = from.image.span.start + (name_end + colon + 1) as u32;
                out.push(
                    Diagnostic::new(
                        crate::span::Span::new(start, from.image.span.end),
                        "the base image uses the `latest` tag",
                    )
                    .help("pin a release tag or a digest, e.g. `nginx:1.27.3`"),
                );
            }
        }
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
}
