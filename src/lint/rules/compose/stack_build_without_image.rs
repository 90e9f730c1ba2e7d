use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4051",
    name: "stack-build-without-image",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A stack service has `build` but no `image`.",
    doc: r#"## What it does
In stack mode, reports services that have `build:` but no `image:`.

## Why is this bad?
`docker stack deploy` cannot build: it ignores `build` and needs an image
every node can pull, so the service has nothing to run.

## Example
```yaml
# docker-stack.yml
version: "3.8"
services:
  web:
    build: .
```

Use instead:
```yaml
# docker-stack.yml
version: "3.8"
services:
  web:
    build: .
    image: registry.example.com/web:1.4
```

## How to fix
Add `image:` naming where the built image is pushed, build and push it
(`docker compose build && docker compose push`), then deploy.
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    if !cx.project.stack_mode {
        return;
    }
    for s in &cx.project.services {
        let (Some(b), None) = (&s.build, &s.image) else {
            continue;
        };
        out.push(
            b.key
                .diag(format!(
                    "service `{}` has `build` but no `image`; a stack cannot build images",
                    s.name.value
                ))
                .help("add `image:` with the registry name the built image is pushed to"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_in_stack_mode() {
        assert_stack_fires(
            &RULE,
            "# docker-stack.yml\nversion: '3.8'\nservices:\n  w:\n    build: .\n",
            &["build"],
        );
        assert_stack_fires(
            &RULE,
            "# docker-stack.yaml\nversion: '3.8'\nservices:\n  w:\n    build:\n      context: .\n",
            &["build"],
        );
        assert_stack_quiet(
            &RULE,
            "# docker-stack.yml\nversion: '3.8'\nservices:\n  w:\n    build: .\n    image: r/w:1\n",
        );
        assert_stack_quiet(&RULE, "services:\n  w:\n    build: .\n");
    }
}
