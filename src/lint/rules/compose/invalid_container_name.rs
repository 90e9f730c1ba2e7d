use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4033",
    name: "invalid-container-name",
    aliases: &["service-container-name-regex"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A `container_name` is not a name Docker accepts.",
    doc: r#"## What it does
Checks `container_name` against Docker's rule: a letter or digit, then
letters, digits, `_`, `.` or `-`.

## Why is this bad?
`docker compose config` accepts it, but creating the container fails:
"Invalid container name, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed".

## Example
```yaml
services:
  web:
    image: nginx:1.27
    container_name: "my web"
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
    container_name: my-web
```

## References
- dclint `service-container-name-regex`
"#,
    check: Check::Stack(check),
};

fn valid(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && name.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        let Some(n) = &s.container_name else { continue };
        if valid(&n.value) {
            continue;
        }
        out.push(
            n.diag(format!("`{}` is not a valid container name", n.value))
                .help("start with a letter or digit; use only letters, digits, `_`, `.` and `-`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn docker_name_rule() {
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    container_name: 'my web'\n  b:\n    image: a:1\n    container_name: _b\n  c:\n    image: a:1\n    container_name: c\n",
            &["'my web'", "_b", "c"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  a:\n    image: a:1\n    container_name: app-web_1.x\n",
        );
    }
}
