use super::util::label_first;
use crate::compose::model::{Port, Service};
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4020",
    name: "duplicate-published-port",
    aliases: &["no-duplicate-exported-ports"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "Two port mappings publish the same host port.",
    doc: r#"## What it does
Finds host ports published twice, in one service or across services,
considering ranges (`8000-8010`), protocols (`80/tcp` and `80/udp` do not
clash) and host IPs (`127.0.0.1:80` and `127.0.0.2:80` do not clash; an
unbound port clashes with every address). Services whose profiles never run
together are not compared.

## Why is this bad?
`docker compose config` accepts the file, but `docker compose up` fails on
the second container: "port is already allocated".

## Example
```yaml
services:
  web:
    image: nginx:1.27
    ports: ["8080:80"]
  admin:
    image: example/admin:3.0
    ports: ["8080:8080"]
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
    ports: ["8080:80"]
  admin:
    image: example/admin:3.0
    ports: ["8081:8080"]
```

## How to fix
Publish one of them on another host port.

## References
- dclint `no-duplicate-exported-ports`
"#,
    check: Check::Stack(check),
};

fn wildcard(ip: Option<&str>) -> bool {
    matches!(
        ip,
        None | Some("") | Some("0.0.0.0") | Some("::") | Some("[::]")
    )
}

fn clash(a: &Port, b: &Port) -> bool {
    let (Some(pa), Some(pb)) = (&a.published, &b.published) else {
        return false;
    };
    if a.protocol.value != b.protocol.value || !pa.value.overlaps(&pb.value) {
        return false;
    }
    let (ia, ib) = (
        a.host_ip.as_ref().map(|s| s.value.as_str()),
        b.host_ip.as_ref().map(|s| s.value.as_str()),
    );
    wildcard(ia) || wildcard(ib) || ia == ib
}

/// Services that can run together: either has no profile, or they share one.
fn together(a: &Service, b: &Service) -> bool {
    a.profiles.is_empty()
        || b.profiles.is_empty()
        || a.profiles
            .iter()
            .any(|p| b.profiles.iter().any(|q| q.value == p.value))
}

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    let mut seen: Vec<(&Service, &Port)> = Vec::new();
    for s in &cx.project.services {
        for port in &s.ports {
            let Some(published) = &port.published else {
                continue;
            };
            let first = seen
                .iter()
                .find(|(other, p)| together(s, other) && clash(p, port));
            if let Some((other, p)) = first {
                let Some(first_pub) = &p.published else {
                    continue;
                };
                let whose = if std::ptr::eq(*other, s) {
                    "earlier in this service".to_string()
                } else {
                    format!("by service `{}`", other.name.value)
                };
                let d = published
                    .diag(format!(
                        "host port {}/{} is already published {whose}",
                        published.value, port.protocol.value
                    ))
                    .help("publish it on another host port, or bind the two to different host IPs");
                out.push(label_first(d, first_pub, "first published here"));
                continue;
            }
            seen.push((s, port));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet, only_finding};

    #[test]
    fn same_port_across_services_and_in_one() {
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    ports: ['8080:80', '9000:9000']\n  b:\n    image: b:1\n    ports: ['8080:81', '9000:9001/udp', '127.0.0.1:9000:1']\n",
            &["8080", "9000"],
        );
        let f = only_finding(&RULE, "services:\n  a:\n    image: a:1\n    ports:\n      - 8080:80\n      - target: 81\n        published: 8080\n");
        assert_eq!(
            f.message,
            "host port 8080/tcp is already published earlier in this service"
        );
        assert_eq!(f.start().line, 7);
    }

    #[test]
    fn ranges_protocols_and_host_ips() {
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    ports: ['8000-8010:8000-8010', '8005:80']\n",
            &["8005"],
        );
        assert_stack_quiet(&RULE, "services:\n  a:\n    image: a:1\n    ports: ['53:53/udp', '53:53/tcp', '127.0.0.1:80:80', '127.0.0.2:80:80', '80']\n");
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    ports: ['127.0.0.1:80:80', '80:8080']\n",
            &["80"],
        );
    }

    #[test]
    fn services_in_separate_profiles_do_not_clash() {
        assert_stack_quiet(
            &RULE,
            "services:\n  a:\n    image: a:1\n    profiles: [dev]\n    ports: ['80:80']\n  b:\n    image: b:1\n    profiles: [prod]\n    ports: ['80:80']\n",
        );
    }
}
