use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4026",
    name: "privileged-service",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service runs privileged.",
    doc: r#"## What it does
Reports `privileged: true`.

## Why is this bad?
A privileged container has every capability and every host device; a
process that escapes it is root on the host.

## Example
```yaml
services:
  agent:
    image: example/agent:1.0
    privileged: true
```

Use instead:
```yaml
services:
  agent:
    image: example/agent:1.0
    cap_add: [NET_ADMIN]
```

## How to fix
Grant only the capabilities (`cap_add`) and devices (`devices`) the service
needs.

## References
- KICS `privileged_containers_enabled`
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        if let Some(p) = &s.privileged {
            if p.value {
                out.push(
                    p.diag(format!("service `{}` runs privileged", s.name.value))
                        .help("grant only the capabilities it needs with `cap_add`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_on_privileged_true() {
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    privileged: true\n",
            &["true"],
        );
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    privileged: 'true'\n",
            &["'true'"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  a:\n    image: a:1\n    privileged: false\n",
        );
    }
}
