use std::collections::BTreeMap;

use super::util::label_first;
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4008",
    name: "duplicate-container-name",
    aliases: &["no-duplicate-container-names"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "Two services set the same `container_name`.",
    doc: r#"## What it does
Reports a `container_name` already used by another service of the project.

## Why is this bad?
Container names are unique on an Engine. `docker compose` refuses the file:
"container name is already in use by service".

## Example
```yaml
services:
  web:
    image: nginx:1.27
    container_name: app
  api:
    image: example/api:2.3
    container_name: app
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
    container_name: app-web
  api:
    image: example/api:2.3
    container_name: app-api
```

## How to fix
Give each service its own name, or drop `container_name` and let compose
name the containers.

## References
- dclint `no-duplicate-container-names`
- compose-go `types/project.go`: "container name %q is already in use by service %q"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    let mut first: BTreeMap<&str, &crate::compose::model::Service> = BTreeMap::new();
    for s in &cx.project.services {
        let Some(name) = &s.container_name else {
            continue;
        };
        match first.get(name.value.as_str()) {
            None => {
                first.insert(name.value.as_str(), s);
            }
            Some(other) => {
                let Some(first_name) = &other.container_name else {
                    continue;
                };
                let d = name
                    .diag(format!(
                        "the container name `{}` is already used by service `{}`",
                        name.value, other.name.value
                    ))
                    .help("give each service its own `container_name`");
                out.push(label_first(d, first_name, "first used here"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet, only_finding};

    #[test]
    fn fires_on_the_second_use() {
        assert_stack_fires(
            &RULE,
            "services:\n  a:\n    image: a:1\n    container_name: web\n  b:\n    image: b:1\n    container_name: web\n  c:\n    image: c:1\n    container_name: \"web\"\n",
            &["web", "\"web\""],
        );
        let f = only_finding(&RULE, "services:\n  a:\n    image: a:1\n    container_name: x\n  b:\n    image: b:1\n    container_name: x\n");
        assert_eq!(f.start().line, 7);
        assert_eq!(f.labels[0].message, "first used here");
        assert_stack_quiet(&RULE, "services:\n  a:\n    image: a:1\n    container_name: x\n  b:\n    image: b:1\n    container_name: y\n");
    }
}
