use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4009",
    name: "network-mode-with-networks",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service sets both `network_mode` and `networks`.",
    doc: r#"## What it does
Reports a service with both `network_mode` and `networks`.

## Why is this bad?
A container either uses another network stack (`host`, `none`,
`service:NAME`, `container:NAME`) or joins networks, not both. `docker
compose` refuses the file: "network_mode and networks cannot be combined".

## Example
```yaml
services:
  web:
    image: nginx:1.27
    network_mode: host
    networks: [front]
networks:
  front: {}
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
    networks: [front]
networks:
  front: {}
```

## How to fix
Keep one of the two keys.

## References
- compose-go `loader/validate.go`: "service %s declares mutually exclusive `network_mode` and `networks`"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for s in &cx.project.services {
        let (Some(mode), Some(key)) = (&s.network_mode, s.key("networks")) else {
            continue;
        };
        let mut d = key
            .diag(format!(
                "service `{}` sets `networks` and `network_mode: {}`, which exclude each other",
                s.name.value, mode.value
            ))
            .help("remove `networks`, or remove `network_mode`");
        d.labels.push(crate::lint::finding::Label {
            span: mode.span,
            message: "network_mode set here".into(),
            file: Some(mode.file.clone()),
        });
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_on_both() {
        assert_stack_fires(
            &RULE,
            "services:\n  w:\n    image: a:1\n    network_mode: host\n    networks: [x]\n",
            &["networks"],
        );
        assert_stack_fires(&RULE, "services:\n  w:\n    image: a:1\n    networks:\n      x: {}\n    network_mode: 'service:v'\n", &["networks"]);
        assert_stack_quiet(
            &RULE,
            "services:\n  w:\n    image: a:1\n    network_mode: host\n",
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  w:\n    image: a:1\n    networks: [x]\n",
        );
    }
}
