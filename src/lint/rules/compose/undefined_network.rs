use super::util::{defined, suggestion};
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4001",
    name: "undefined-network",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service joins a network the file does not define.",
    doc: r#"## What it does
Checks that every network a service lists under `networks:` is defined in
the top-level `networks:` section (`default` is always defined).

## Why is this bad?
`docker compose` refuses the file: "service refers to undefined network".
Nothing starts.

## Example
```yaml
services:
  web:
    image: nginx:1.27
    networks: [frontnet]
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
    networks: [frontnet]
networks:
  frontnet: {}
```

## How to fix
Add the network under the top-level `networks:` key (with `external: true`
if it is created outside the project), or fix the name.

## References
- compose-go `loader/validate.go`: "service %q refers to undefined network %s"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    let p = cx.project;
    for s in &p.services {
        for n in &s.networks {
            if n.name.value == "default" || defined(&p.networks, &n.name.value) {
                continue;
            }
            let mut d = n.name.diag(format!(
                "service `{}` joins the network `{}`, which is not defined",
                s.name.value, n.name.value
            ));
            d = d.help(suggestion(&p.networks, &n.name.value).unwrap_or_else(|| {
                format!(
                    "add `{}: {{}}` under the top-level `networks:` key",
                    n.name.value
                )
            }));
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet, only_finding};

    #[test]
    fn fires_on_undefined_networks_only() {
        assert_stack_fires(
            &RULE,
            "services:\n  web:\n    image: a:1\n    networks: [front, back, default]\nnetworks:\n  back: {}\n",
            &["front"],
        );
        assert_stack_fires(
            &RULE,
            "services:\n  web:\n    image: a:1\n    networks:\n      front:\n        aliases: [w]\n",
            &["front"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  web:\n    image: a:1\n    networks: [default]\n",
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  web:\n    image: a:1\n    networks: [ext]\nnetworks:\n  ext: {external: true}\n",
        );
    }

    #[test]
    fn suggests_a_close_name() {
        let f = only_finding(&RULE, "services:\n  web:\n    image: a:1\n    networks: [frontend]\nnetworks:\n  front-end: {}\n");
        assert_eq!(f.help.as_deref(), Some("did you mean `front-end`?"));
    }
}
