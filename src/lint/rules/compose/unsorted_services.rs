use super::order::report_out_of_order;
use crate::compose::yaml::Node;
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4044",
    name: "unsorted-services",
    aliases: &["services-alphabetical-order"],
    severity: Severity::Style,
    default_enabled: false,
    fix: FixAvailability::Never,
    summary: "Services are not in alphabetical order.",
    doc: r#"## What it does
Reports services listed out of alphabetical order (a style rule, off by
default).

## Why is this bad?
In a long file, alphabetical order is the quickest way to find a service.

## Example
```yaml
services:
  web:
    image: nginx:1.27
  api:
    image: example/api:2.3
```

Use instead:
```yaml
services:
  api:
    image: example/api:2.3
  web:
    image: nginx:1.27
```

## References
- dclint `services-alphabetical-order`
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for doc in &cx.project.documents {
        let Some(services) = doc.root.get("services").and_then(Node::as_map) else {
            continue;
        };
        report_out_of_order(
            services.iter().map(|e| &e.key),
            |k| k.name.to_ascii_lowercase(),
            "`services`",
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn alphabetical_services() {
        assert_stack_fires(
            &RULE,
            "services:\n  web: {image: 'a:1'}\n  api: {image: 'a:1'}\n  db: {image: 'a:1'}\n",
            &["api", "db"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  api: {image: 'a:1'}\n  web: {image: 'a:1'}\n",
        );
        assert_stack_quiet(&RULE, "services: {}\n");
    }
}
