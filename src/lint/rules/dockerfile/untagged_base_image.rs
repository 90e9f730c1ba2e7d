use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::base_image::resolved_froms;

pub static RULE: Rule = Rule {
    code: "BL1006",
    name: "untagged-base-image",
    aliases: &["DL3006"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A base image has neither a tag nor a digest.",
    doc: r#"## What it does
Checks for `FROM` images written without a tag or digest, which pull
`latest`. Build arguments are resolved first: `FROM ${IMAGE}` is checked
against the value `IMAGE` has (its default, or `--build-arg`), and not
reported when that value is unknown. Stage names and `scratch` are not images.

## Why is this bad?
Without a tag, every build pulls whatever `latest` points to that day, so the
same Dockerfile builds different images over time.

## Example
```dockerfile
FROM debian
```

```dockerfile
ARG IMAGE=python
FROM ${IMAGE}
```

Use instead:
```dockerfile
FROM debian:bookworm-slim
```

```dockerfile
ARG IMAGE=python:3.12-slim
FROM ${IMAGE}
```

```dockerfile
ARG IMAGE
FROM ${IMAGE}
```

## References
- hadolint DL3006
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for f in resolved_froms(cx) {
        if !f.image.is_untagged() {
            continue;
        }
        let name = f.image.familiar_name();
        let message = if f.literal {
            format!("the base image `{name}` has no tag")
        } else {
            format!(
                "the base image `{name}` (from `{}`) has no tag",
                f.from.image.raw
            )
        };
        let diag = Diagnostic::new(f.from.image.span, message)
            .help(format!("pin a tag or a digest, e.g. `{name}:<version>`"));
        out.push(f.explain(cx, diag));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint, lint_with};

    #[test]
    fn fires_on_untagged_images() {
        assert_fires(&RULE, "FROM debian\n", &["debian"]);
        assert_fires(
            &RULE,
            "FROM localhost:5000/app AS x\n",
            &["localhost:5000/app"],
        );
        assert_fires(&RULE, "ARG IMAGE=python\nFROM ${IMAGE}\n", &["${IMAGE}"]);
        assert_quiet(&RULE, "FROM debian:12\n");
        assert_quiet(&RULE, "FROM scratch\n");
        assert_quiet(&RULE, "FROM alpine:3 AS base\nFROM base\n");
        assert_quiet(
            &RULE,
            "FROM nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
        );
    }

    #[test]
    fn resolves_build_args_instead_of_guessing() {
        // hadolint reports these; the value is tagged or unknown.
        assert_quiet(&RULE, "ARG IMAGE=nginx:1.27\nFROM ${IMAGE}\n");
        assert_quiet(&RULE, "ARG IMAGE\nFROM ${IMAGE}\n");
        assert_quiet(&RULE, "ARG TAG=3.20\nFROM alpine:${TAG}\n");
        let src = "ARG IMAGE\nFROM $IMAGE\n";
        let args = [("IMAGE".to_string(), "nginx".to_string())].into();
        let ctx = crate::lint::context_view::MemoryContext::new();
        let f = lint_with(&RULE, src, &ctx, true, &Default::default(), args, None);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("`nginx`"), "{}", f[0].message);
    }

    #[test]
    fn points_at_the_default() {
        let src = "ARG IMAGE=python\nFROM ${IMAGE}\n";
        let f = lint(&RULE, src);
        assert_eq!(f[0].labels.len(), 1);
        assert_eq!(f[0].labels[0].span.slice(src), "python");
    }
}
