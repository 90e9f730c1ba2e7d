use super::order::report_out_of_order;
use crate::compose::yaml::Node;
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4042",
    name: "service-key-order",
    aliases: &["service-keys-order"],
    severity: Severity::Style,
    default_enabled: false,
    fix: FixAvailability::Never,
    summary: "A service's keys are not in the conventional order.",
    doc: r#"## What it does
Checks the order of keys inside each service, by group (a style rule, off
by default): `image`, `build`, `container_name`; `depends_on`; `volumes`,
`volumes_from`, `configs`, `secrets`; `environment`, `env_file`; `ports`,
`networks`, `network_mode`, `extra_hosts`; `command`, `entrypoint`,
`working_dir`, `restart`, `healthcheck`; `logging`, `labels`; `user`,
`isolation`; then everything else.

## Why is this bad?
The same order in every service makes a file quick to read: what runs, what
it needs, what it mounts, how it is reached.

## Example
```yaml
services:
  web:
    ports: ["8080:80"]
    image: nginx:1.27
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
    ports: ["8080:80"]
```

## References
- dclint `service-keys-order` (its default groups)
"#,
    check: Check::Stack(check),
};

const ORDER: &[&str] = &[
    "image",
    "build",
    "container_name",
    "depends_on",
    "volumes",
    "volumes_from",
    "configs",
    "secrets",
    "environment",
    "env_file",
    "ports",
    "networks",
    "network_mode",
    "extra_hosts",
    "command",
    "entrypoint",
    "working_dir",
    "restart",
    "healthcheck",
    "logging",
    "labels",
    "user",
    "isolation",
];

fn rank(name: &str) -> usize {
    ORDER.iter().position(|k| *k == name).unwrap_or(ORDER.len())
}

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for doc in &cx.project.documents {
        let Some(services) = doc.root.get("services").and_then(Node::as_map) else {
            continue;
        };
        for s in services {
            let Some(entries) = s.value.as_map() else {
                continue;
            };
            // Keys merged in from an anchor (`<<`) are not written here.
            let keys = entries
                .iter()
                .filter(|e| e.key.origin.is_none())
                .map(|e| &e.key);
            let what = format!("service `{}`", s.key.name);
            report_out_of_order(keys, |k| rank(&k.name), &what, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn group_order() {
        assert_stack_fires(&RULE, "services:\n  w:\n    ports: ['1:1']\n    image: a:1\n    deploy: {}\n    restart: always\n", &["image", "restart"]);
        assert_stack_quiet(&RULE, "services:\n  w:\n    image: a:1\n    depends_on: [x]\n    volumes: [./a:/a]\n    ports: ['1:1']\n    restart: always\n    deploy: {}\n  x:\n    image: b:1\n");
        assert_stack_quiet(
            &RULE,
            "x-base: &base\n  restart: always\nservices:\n  w:\n    <<: *base\n    image: a:1\n",
        );
    }
}
