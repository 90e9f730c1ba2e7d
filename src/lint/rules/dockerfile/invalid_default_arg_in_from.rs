use crate::dockerfile::expand::Lexer;
use crate::dockerfile::image_ref::ImageRef;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1018",
    name: "invalid-default-arg-in-from",
    aliases: &["InvalidDefaultArgInFrom"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "With its ARGs' default values, a FROM image is empty or invalid.",
    doc: r#"## What it does
Expands each `FROM` image with the default values of the global ARGs (no
`--build-arg`) and checks that the result is a valid image reference.

## Why is this bad?
A build without `--build-arg` fails: `ARG TAG` with no default makes
`FROM busybox:${TAG}` the invalid reference `busybox:`.

## Example
```dockerfile
ARG TAG
FROM busybox:${TAG}
```

Use instead:
```dockerfile
ARG TAG=latest
FROM busybox:${TAG}
```

```dockerfile
ARG VARIANT
FROM busybox:stable${VARIANT}
```

```dockerfile
ARG TAG
FROM alpine:${TAG:-3.14}
```

## References
- BuildKit check `InvalidDefaultArgInFrom`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let lexer = Lexer::new(cx.df.escape);
    for (_, _, from) in bk::froms(cx) {
        let Ok(e) = lexer.process(&from.image.raw, &cx.semantic.default_env) else {
            // BuildKit stops checking here; the build reports the error.
            return;
        };
        if e.refs.is_empty() || ImageRef::parse(&e.value).is_ok() {
            continue;
        }
        let missing: Vec<&str> = e
            .refs
            .iter()
            .filter(|r| !r.defined)
            .map(|r| r.name.as_str())
            .collect();
        let shown = if e.value.is_empty() {
            "an empty name".to_string()
        } else {
            format!("`{}`", e.value)
        };
        let help = match missing.first() {
            Some(name) => format!(
                "give `{name}` a default (`ARG {name}=<value>`), or one in place (`${{{name}:-<value>}}`)"
            ),
            None => "change the ARG defaults so that the image name is valid".to_string(),
        };
        out.push(
            Diagnostic::new(
                from.image.span,
                format!("with the ARG defaults, the base image is {shown}, which is not a valid image reference"),
            )
            .help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint_with};

    #[test]
    fn fires_when_defaults_break_the_name() {
        assert_fires(&RULE, "ARG TAG\nFROM busybox:${TAG}\n", &["busybox:${TAG}"]);
        assert_fires(&RULE, "ARG IMAGE\nFROM $IMAGE\n", &["$IMAGE"]);
        assert_fires(&RULE, "ARG REPO=My/App\nFROM ${REPO}:1\n", &["${REPO}:1"]);
        assert_quiet(&RULE, "ARG TAG=latest\nFROM busybox:${TAG}\n");
        assert_quiet(&RULE, "ARG VARIANT\nFROM busybox:stable${VARIANT}\n");
        assert_quiet(&RULE, "ARG TAG\nFROM alpine:${TAG:-3.14}\n");
        assert_quiet(&RULE, "FROM alpine\n");
    }

    #[test]
    fn build_args_do_not_hide_it() {
        let ctx = crate::lint::context_view::MemoryContext::new();
        let args = [("TAG".to_string(), "1.36".to_string())].into();
        let f = lint_with(
            &RULE,
            "ARG TAG\nFROM busybox:${TAG}\n",
            &ctx,
            true,
            &Default::default(),
            args,
            None,
        );
        assert_eq!(f.len(), 1);
    }
}
