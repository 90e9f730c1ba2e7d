use super::util::{defined, suggestion};
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4004",
    name: "undefined-config",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service uses a config the file does not define.",
    doc: r#"## What it does
Checks that every config listed under a service's `configs:` is defined in
the top-level `configs:` section.

## Why is this bad?
`docker compose` refuses the file: "service refers to undefined config".

## Example
```yaml
services:
  proxy:
    image: nginx:1.27
    configs: [nginx_conf]
```

Use instead:
```yaml
services:
  proxy:
    image: nginx:1.27
    configs: [nginx_conf]
configs:
  nginx_conf:
    file: ./nginx.conf
```

## How to fix
Define the config at the top level with `file:`, `content:`,
`environment:` or `external: true`.

## References
- compose-go `loader/validate.go`: "service %q refers to undefined config %s"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    let p = cx.project;
    for s in &p.services {
        for m in &s.configs {
            if defined(&p.configs, &m.source.value) {
                continue;
            }
            let help = suggestion(&p.configs, &m.source.value).unwrap_or_else(|| {
                format!(
                    "define it under the top-level `configs:` key, e.g. `{}: {{file: ./{}}}`",
                    m.source.value, m.source.value
                )
            });
            out.push(
                m.source
                    .diag(format!(
                        "service `{}` uses the config `{}`, which is not defined",
                        s.name.value, m.source.value
                    ))
                    .help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_on_undefined_configs() {
        assert_stack_fires(
            &RULE,
            "services:\n  p:\n    image: a:1\n    configs: [conf, {source: other, target: /etc/o}, ok]\nconfigs:\n  ok: {content: x}\n",
            &["conf", "other"],
        );
        assert_stack_quiet(&RULE, "services:\n  p:\n    image: a:1\n");
        assert_stack_quiet(
            &RULE,
            "services:\n  p:\n    image: a:1\n    configs: [c]\nconfigs:\n  c: {external: true}\n",
        );
    }
}
