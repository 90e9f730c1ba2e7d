use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4021",
    name: "missing-build-context",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service's build context directory does not exist.",
    doc: r#"## What it does
Checks that a service's local `build.context` (relative to the compose
file) is an existing directory. Git and HTTP contexts are not checked.

## Why is this bad?
`docker compose config` accepts the file; the build then fails with "unable
to prepare context: path not found", possibly minutes into a CI run.

## Example
```yaml
services:
  web:
    build: ./web
```

Use instead:
```yaml
services:
  web:
    build: ./web
```
```files
web/Dockerfile
```

## How to fix
Fix the path (it is relative to the compose file that declares it), or
create the directory.
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        let Some(b) = &s.build else { continue };
        if b.context_exists != Some(false) {
            continue;
        }
        out.push(
            b.context
                .diag(format!(
                    "the build context `{}` of service `{}` is not a directory",
                    b.context.value, s.name.value
                ))
                .help("fix the path; it is relative to the compose file"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_fires_with};

    #[test]
    fn fires_on_missing_local_contexts() {
        assert_stack_fires(&RULE, "services:\n  web:\n    build: ./web\n", &["./web"]);
        assert_stack_fires(
            &RULE,
            "services:\n  web:\n    build:\n      context: app\n      dockerfile: x\n",
            &["app"],
        );
        assert_stack_fires_with(
            &RULE,
            "services:\n  web:\n    build: ./web\n  api:\n    build: ./api\n",
            &[("web/", "")],
            &["./api"],
        );
        assert_stack_fires_with(
            &RULE,
            "services:\n  web:\n    build: file.txt\n",
            &[("file.txt", "x")],
            &["file.txt"],
        );
        assert_stack_fires(
            &RULE,
            "services:\n  web:\n    build: https://github.com/docker/app.git#main\n",
            &[],
        );
    }
}
