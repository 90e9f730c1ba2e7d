use crate::lint::{
    Check, Diagnostic, Diagnostics, Edit, Fix, FixAvailability, Rule, Severity, StackCx,
};

pub static RULE: Rule = Rule {
    code: "BL4023",
    name: "unbound-port",
    aliases: &["no-unbound-port-interfaces"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "A port is published on every host interface.",
    doc: r#"## What it does
Reports published ports without a host IP (`"8080:80"`), which Docker binds
on all interfaces (`0.0.0.0` and `::`). Not checked in stack mode, where
swarm's ingress network publishes ports.

## Why is this bad?
A database or admin port published this way is reachable from the network,
and Docker's iptables rules bypass host firewalls such as ufw.

## Example
```yaml
services:
  db:
    image: postgres:16.4
    ports: ["5432:5432"]
```

Use instead:
```yaml
services:
  db:
    image: postgres:16.4
    ports: ["127.0.0.1:5432:5432"]
```

## Fix
```yaml
services:
  db:
    image: postgres:16.4
    ports: ["5432:5432"]
```
```yaml fixed
services:
  db:
    image: postgres:16.4
    ports: ["127.0.0.1:5432:5432"]
```

## Fix safety
The fix binds the port to `127.0.0.1`, so other machines can no longer
reach it: unsafe, applied with `--unsafe-fixes`.

## How to fix
Prefix the mapping with the address to listen on, usually `127.0.0.1:`.

## References
- dclint `no-unbound-port-interfaces`
- KICS `container_traffic_not_bound_to_host_interface`
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    if cx.project.stack_mode {
        return;
    }
    for s in &cx.project.services {
        for p in &s.ports {
            let Some(published) = &p.published else {
                continue;
            };
            if p.host_ip.is_some() {
                continue;
            }
            let mut d = Diagnostic::new(
                published.span,
                format!(
                    "port {} of service `{}` is published on all interfaces",
                    published.value, s.name.value
                ),
            )
            .in_file(published.file.clone())
            .help("bind it to an address: `127.0.0.1:HOST:CONTAINER`");
            // The short syntax written literally: insert the address before
            // the host port.
            let text = published.file.text.as_str();
            if p.short && published.span.slice(text) == published.value.to_string() {
                d = d.fix(Fix::unsafe_(vec![Edit::insert(
                    published.span.start,
                    "127.0.0.1:",
                )]));
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet, only_finding};

    #[test]
    fn fires_on_unbound_published_ports() {
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    ports: ['8080:80', '127.0.0.1:9000:9000', '3000', {target: 5432, published: 5432}]\n",
            &["8080", "5432"],
        );
        assert_stack_quiet(&RULE, "services:\n  a:\n    image: a:1\n    ports: [{target: 1, published: 2, host_ip: 127.0.0.1}]\n");
        assert_stack_quiet(&RULE, "# docker-stack.yml\nversion: '3.8'\nservices:\n  a:\n    image: a:1\n    ports: ['80:80']\n");
    }

    #[test]
    fn fix_inserts_localhost() {
        let f = only_finding(
            &RULE,
            "services:\n  a:\n    image: a:1\n    ports: [\"8080:80\"]\n",
        );
        let fix = f.fix.unwrap();
        assert_eq!(fix.edits[0].replacement, "127.0.0.1:");
        assert_eq!(&f.file.text[fix.edits[0].start as usize..], "8080:80\"]\n");
    }
}
