use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4022",
    name: "missing-dockerfile",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service's Dockerfile does not exist in its build context.",
    doc: r#"## What it does
Checks that the Dockerfile a service builds from (`build.dockerfile`,
`Dockerfile` by default, relative to the build context) exists, when the
context does and there is no `dockerfile_inline`.

## Why is this bad?
`docker compose config` accepts the file; the build fails later with
"failed to read dockerfile".

## Example
```yaml
services:
  web:
    build:
      context: .
      dockerfile: Dockerfile.prod
```

Use instead:
```yaml
services:
  web:
    build:
      context: .
      dockerfile: Dockerfile.prod
```
```files
Dockerfile.prod
```

## How to fix
Fix `dockerfile:`; it is relative to the context, not to the compose file.
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        let Some(b) = &s.build else { continue };
        if b.context_exists != Some(true) || b.dockerfile_exists != Some(false) {
            continue;
        }
        let name = b
            .dockerfile
            .as_ref()
            .map(|d| d.value.as_str())
            .filter(|d| !d.is_empty())
            .unwrap_or("Dockerfile");
        let at = b.dockerfile.clone().unwrap_or_else(|| b.context.clone());
        out.push(
            at.diag(format!(
                "service `{}` builds from `{name}`, which is not in its build context `{}`",
                s.name.value, b.context.value
            ))
            .help("fix `dockerfile:` (relative to the build context), or create the file"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::assert_stack_fires_with;

    #[test]
    fn fires_when_the_context_lacks_the_dockerfile() {
        assert_stack_fires_with(
            &RULE,
            "services:\n  web:\n    build: ./web\n",
            &[("web/", "")],
            &["./web"],
        );
        assert_stack_fires_with(
            &RULE,
            "services:\n  web:\n    build:\n      context: web\n      dockerfile: Dockerfile.dev\n",
            &[("web/Dockerfile", "FROM scratch\n")],
            &["Dockerfile.dev"],
        );
        assert_stack_fires_with(
            &RULE,
            "services:\n  web:\n    build: ./web\n",
            &[("web/Dockerfile", "FROM scratch\n")],
            &[],
        );
        assert_stack_fires_with(
            &RULE,
            "services:\n  web:\n    build:\n      context: .\n      dockerfile_inline: FROM scratch\n",
            &[],
            &[],
        );
        // An unset `${DOCKERFILE}` empties the name: the build uses the
        // context's `Dockerfile`, which is there.
        assert_stack_fires_with(
            &RULE,
            "services:\n  api:\n    build:\n      context: ./api\n      dockerfile: ${API_DOCKERFILE}\n",
            &[("api/Dockerfile", "FROM scratch\n")],
            &[],
        );
        assert_stack_fires_with(
            &RULE,
            "services:\n  api:\n    build:\n      context: ./api\n      dockerfile: ${API_DOCKERFILE}\n",
            &[("api/", "")],
            &["${API_DOCKERFILE}"],
        );
        // A missing context is another rule's finding.
        assert_stack_fires_with(&RULE, "services:\n  web:\n    build: ./nope\n", &[], &[]);
    }
}
