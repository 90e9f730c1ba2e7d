use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4030",
    name: "build-and-image",
    aliases: &["no-build-and-image"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service has both `build` and `image`, without a `pull_policy`.",
    doc: r#"## What it does
Reports a service with both `build:` and `image:` and no `pull_policy:`.

## Why is this bad?
`docker compose up` first tries to pull `image:` from its registry and only
builds when the pull fails, so a stale or unrelated remote image can run
instead of your code. With `pull_policy: build` (or `never`) the intent is
explicit.

## Example
```yaml
services:
  web:
    build: .
    image: registry.example.com/web:1.4
```
```files
Dockerfile
```

Use instead:
```yaml
services:
  web:
    build: .
    image: registry.example.com/web:1.4
    pull_policy: build
```
```files
Dockerfile
```

## How to fix
Add `pull_policy: build`, or drop `image:` if the name does not matter.

## References
- dclint `no-build-and-image` (with its default `checkPullPolicy: true`)
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    if cx.project.stack_mode {
        return;
    }
    for s in &cx.project.services {
        let (Some(_), Some(image)) = (&s.build, &s.image) else {
            continue;
        };
        if s.pull_policy.is_some() {
            continue;
        }
        out.push(
            image
                .diag(format!(
                    "service `{}` has both `build` and `image`; compose pulls `{}` before it builds",
                    s.name.value, image.value
                ))
                .help("add `pull_policy: build` to always build, or remove `image:`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_without_pull_policy() {
        assert_stack_fires(
            &RULE,
            "services:\n  w:\n    build: .\n    image: app:1\n",
            &["app:1"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  w:\n    build: .\n    image: app:1\n    pull_policy: build\n",
        );
        assert_stack_quiet(&RULE, "services:\n  w:\n    build: .\n");
    }
}
