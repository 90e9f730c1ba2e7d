use super::order::report_out_of_order;
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4045",
    name: "top-level-key-order",
    aliases: &["top-level-properties-order"],
    severity: Severity::Style,
    default_enabled: false,
    fix: FixAvailability::Never,
    summary: "Top-level keys are not in the conventional order.",
    doc: r#"## What it does
Checks the order of the top-level keys (a style rule, off by default):
`x-` extensions, `version`, `name`, `include`, `services`, `networks`,
`volumes`, `secrets`, `configs`, then anything else.

## Why is this bad?
The same layout in every file makes them quick to read: shared fragments
first, then what runs, then what it uses.

## Example
```yaml
volumes:
  data: {}
services:
  db:
    image: postgres:16.4
    volumes: ["data:/var/lib/postgresql/data"]
```

Use instead:
```yaml
services:
  db:
    image: postgres:16.4
    volumes: ["data:/var/lib/postgresql/data"]
volumes:
  data: {}
```

## References
- dclint `top-level-properties-order`
"#,
    check: Check::Stack(check),
};

fn rank(name: &str) -> usize {
    if name.starts_with("x-") {
        return 0;
    }
    const ORDER: &[&str] = &[
        "version", "name", "include", "services", "networks", "volumes", "secrets", "configs",
    ];
    ORDER
        .iter()
        .position(|k| *k == name)
        .map(|i| i + 1)
        .unwrap_or(ORDER.len() + 1)
}

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for doc in &cx.project.documents {
        let Some(entries) = doc.root.as_map() else {
            continue;
        };
        report_out_of_order(
            entries.iter().map(|e| &e.key),
            |k| rank(&k.name),
            "the top level",
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn top_level_order() {
        assert_stack_fires(
            &RULE,
            "volumes: {}\nservices: {}\nx-a: 1\nname: app\n",
            &["services", "x-a", "name"],
        );
        assert_stack_quiet(
            &RULE,
            "x-a: 1\nname: app\nservices: {}\nnetworks: {}\nvolumes: {}\n",
        );
    }
}
