use super::util::service_refs;
use crate::lint::{Check, Diagnostic, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4005",
    name: "undefined-service",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A service depends on a service the project does not define.",
    doc: r#"## What it does
Checks that the services named by `depends_on`, `links`,
`network_mode: service:NAME`, `volumes_from` and
`build.additional_contexts: service:NAME` exist. A `depends_on` entry with
`required: false` may name a missing service.

## Why is this bad?
`docker compose` refuses the file: "service depends on undefined service".

## Example
```yaml
services:
  web:
    image: nginx:1.27
    depends_on: [api]
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
    depends_on: [api]
  api:
    image: example/api:2.3
```

## How to fix
Fix the service name, define the service, or mark the dependency
`required: false` if it is optional.

## References
- compose-go: "service %q depends on undefined service %q"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    let p = cx.project;
    for s in &p.services {
        for r in service_refs(s) {
            if r.optional || p.service(&r.target).is_some() {
                continue;
            }
            let help = crate::compose::schema::did_you_mean(
                &r.target,
                p.services.iter().map(|s| s.name.value.as_str()),
            )
            .map(|n| format!("did you mean `{n}`?"))
            .unwrap_or_else(|| "define the service, or fix the name".into());
            out.push(
                Diagnostic::new(
                    r.span,
                    format!(
                        "service `{}` refers to `{}` in `{}`, but no such service is defined",
                        s.name.value, r.target, r.via
                    ),
                )
                .in_file(r.at.file.clone())
                .help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet, only_finding};

    #[test]
    fn every_kind_of_reference() {
        assert_stack_fires(
            &RULE,
            "services:\n  web:\n    image: a:1\n    depends_on: [api, db]\n    links: ['cache:c']\n    network_mode: 'service:vpn'\n    volumes_from: [data, 'container:x']\n  db:\n    image: b:1\n",
            &["api", "cache", "vpn", "data"],
        );
        assert_stack_fires(
            &RULE,
            "services:\n  web:\n    build:\n      context: .\n      additional_contexts:\n        base: service:bse\n  base:\n    image: b:1\n",
            &["bse"],
        );
    }

    #[test]
    fn optional_dependencies_and_known_services() {
        assert_stack_quiet(
            &RULE,
            "services:\n  web:\n    image: a:1\n    depends_on:\n      db:\n        condition: service_started\n        required: false\n",
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  web:\n    image: a:1\n    depends_on: [db]\n  db:\n    image: b:1\n",
        );
        let f = only_finding(
            &RULE,
            "services:\n  web:\n    image: a:1\n    depends_on: [dbb]\n  db:\n    image: b:1\n",
        );
        assert_eq!(f.help.as_deref(), Some("did you mean `db`?"));
    }
}
