use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4010",
    name: "missing-env-file",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service's `env_file` does not exist.",
    doc: r#"## What it does
Checks that each file listed under a service's `env_file:` exists, unless it
is marked `required: false`. Paths are relative to the compose file.

## Why is this bad?
`docker compose` stops: "env file ... not found".

## Example
```yaml
services:
  cache:
    image: redis:7.4
    env_file: ./missing.env
```

Use instead:
```yaml
services:
  cache:
    image: redis:7.4
    env_file:
      - path: ./missing.env
        required: false
```

## How to fix
Create the file, fix the path, or mark it `required: false`.

## References
- compose-go: "env file %s not found"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        for f in &s.env_files {
            if f.exists || !f.required {
                continue;
            }
            out.push(
                f.path
                    .diag(format!(
                        "the env file `{}` of service `{}` does not exist",
                        f.path.value, s.name.value
                    ))
                    .help("create it, fix the path (relative to the compose file), or write `{path: ..., required: false}`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{
        assert_stack_fires, assert_stack_fires_with, assert_stack_quiet,
    };

    #[test]
    fn fires_on_missing_required_files() {
        assert_stack_fires(
            &RULE,
            "services:\n  c:\n    image: a:1\n    env_file: ./missing.env\n",
            &["./missing.env"],
        );
        assert_stack_fires(
            &RULE,
            "services:\n  c:\n    image: a:1\n    env_file: [a.env, {path: b.env, required: false}, {path: c.env}]\n",
            &["a.env", "c.env"],
        );
        assert_stack_fires_with(
            &RULE,
            "services:\n  c:\n    image: a:1\n    env_file: [conf/app.env, x.env]\n",
            &[("conf/app.env", "A=1\n")],
            &["x.env"],
        );
        assert_stack_quiet(&RULE, "services:\n  c:\n    image: a:1\n");
    }
}
