use super::order::report_out_of_order;
use crate::compose::yaml::{Key, Node, Value};
use crate::lint::{Check, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4041",
    name: "unsorted-dependencies",
    aliases: &["service-dependencies-alphabetical-order"],
    severity: Severity::Style,
    default_enabled: false,
    fix: FixAvailability::Never,
    summary: "A service's `depends_on` is not in alphabetical order.",
    doc: r#"## What it does
Reports `depends_on` entries out of alphabetical order (a style rule, off
by default).

## Why is this bad?
Sorted lists are easier to scan and produce smaller diffs.

## Example
```yaml
services:
  web:
    image: nginx:1.27
    depends_on: [db, cache]
  db:
    image: postgres:16.4
  cache:
    image: redis:7.4
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
    depends_on: [cache, db]
  db:
    image: postgres:16.4
  cache:
    image: redis:7.4
```

## References
- dclint `service-dependencies-alphabetical-order`
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    for doc in &cx.project.documents {
        let Some(services) = doc.root.get("services").and_then(Node::as_map) else {
            continue;
        };
        for s in services {
            let Some(deps) = s.value.get("depends_on") else {
                continue;
            };
            let keys: Vec<Key> = match &deps.value {
                Value::Map(entries) => entries.iter().map(|e| e.key.clone()).collect(),
                Value::Seq(items) => items
                    .iter()
                    .filter_map(|n| Some(Key::new(n.scalar_string()?, n.span, n.file.clone())))
                    .collect(),
                _ => continue,
            };
            let what = format!("the `depends_on` of `{}`", s.key.name);
            report_out_of_order(keys.iter(), |k| k.name.to_ascii_lowercase(), &what, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn alphabetical() {
        assert_stack_fires(
            &RULE,
            "services:\n  w:\n    image: a:1\n    depends_on: [db, cache, queue, api]\n",
            &["cache", "api"],
        );
        assert_stack_fires(&RULE, "services:\n  w:\n    image: a:1\n    depends_on:\n      b: {condition: service_started}\n      a: {condition: service_started}\n", &["a"]);
        assert_stack_quiet(
            &RULE,
            "services:\n  w:\n    image: a:1\n    depends_on: [a, b, c]\n",
        );
    }
}
