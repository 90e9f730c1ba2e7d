use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4050",
    name: "stack-unsupported-key",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A stack file uses a service key `docker stack deploy` ignores.",
    doc: r#"## What it does
In stack mode (a `docker-stack*.yml` file, or `--stack`), reports service
keys that `docker stack deploy` accepts but ignores: `container_name`,
`depends_on`, `links`, `external_links`, `network_mode`, `restart`,
`cgroup_parent`, `devices`, `security_opt`, `userns_mode` and
`privileged`. (`build` next to an `image` is fine: compose builds, the stack
deploys the image.)

## Why is this bad?
The file reads as if the setting applied, but the swarm service runs
without it: no restart policy, no start order, no fixed name.

## Example
```yaml
# docker-stack.yml
version: "3.8"
services:
  web:
    image: nginx:1.27
    restart: always
```

Use instead:
```yaml
# docker-stack.yml
version: "3.8"
services:
  web:
    image: nginx:1.27
    deploy:
      restart_policy:
        condition: any
```

## How to fix
Use the swarm equivalent (`deploy.restart_policy` for `restart`, health
checks instead of `depends_on`), or remove the key.

## References
- Compose file v3 reference: "Note when using docker stack deploy"
"#,
    check: Check::Stack(check),
};

const IGNORED: &[(&str, &str)] = &[
    ("container_name", "swarm names tasks itself; remove it"),
    (
        "depends_on",
        "swarm starts services in no particular order; use health checks and retries",
    ),
    (
        "links",
        "services on the same overlay network reach each other by name; remove it",
    ),
    (
        "external_links",
        "attach the services to a shared network instead",
    ),
    ("network_mode", "attach the service to networks instead"),
    ("restart", "use `deploy.restart_policy`"),
    ("cgroup_parent", "remove it"),
    ("devices", "remove it; swarm services cannot map devices"),
    ("security_opt", "remove it"),
    ("userns_mode", "remove it"),
    (
        "privileged",
        "remove it; swarm services cannot run privileged",
    ),
];

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    if !cx.project.stack_mode {
        return;
    }
    for s in &cx.project.services {
        for (key, help) in IGNORED {
            let Some(k) = s.key(key) else { continue };
            out.push(
                k.diag(format!(
                    "`docker stack deploy` ignores `{key}` (service `{}`)",
                    s.name.value
                ))
                .help(*help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_in_stack_mode_only() {
        let stack = "# docker-stack.yml\nversion: '3.8'\nservices:\n  w:\n    image: a:1\n    build: .\n    container_name: w\n    restart: always\n    depends_on: [x]\n  x:\n    image: b:1\n";
        assert_stack_fires(&RULE, stack, &["container_name", "restart", "depends_on"]);
        assert_stack_quiet(
            &RULE,
            "services:\n  w:\n    image: a:1\n    restart: always\n",
        );
        assert_stack_quiet(&RULE, "# docker-stack.yml\nversion: '3.8'\nservices:\n  w:\n    image: a:1\n    deploy: {restart_policy: {condition: any}}\n");
    }
}
