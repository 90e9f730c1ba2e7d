use crate::lint::{Check, Diagnostic, Diagnostics, FixAvailability, Rule, Severity, StackCx};
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "BL4031",
    name: "missing-project-name",
    aliases: &["require-project-name-field"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A compose file has no top-level `name:`.",
    doc: r#"## What it does
Reports a compose project whose main file has no top-level `name:` (not in
stack mode, where the stack is named on the command line).

## Why is this bad?
Without it the project is named after the directory, so the same file run
from two checkouts, or a renamed directory, creates new containers,
networks and volumes instead of reusing them.

## Example
```yaml
services:
  web:
    image: nginx:1.27
```

Use instead:
```yaml
name: shop
services:
  web:
    image: nginx:1.27
```

## How to fix
Add `name: <project>` at the top of the file.

## References
- dclint `require-project-name-field`
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    let p = cx.project;
    if p.stack_mode || p.root.get("name").is_some() {
        return;
    }
    let Some(doc) = p.documents.first() else {
        return;
    };
    let span = doc
        .root
        .as_map()
        .and_then(|m| m.first())
        .map(|e| e.key.span)
        .unwrap_or_else(|| Span::empty_at(0));
    out.push(
        Diagnostic::new(
            span,
            format!(
                "the project has no `name:`, so it is named after its directory (`{}`)",
                p.name.value
            ),
        )
        .in_file(doc.file.clone())
        .help(format!(
            "add `name: {}` at the top",
            if p.name.value.is_empty() {
                "my-app"
            } else {
                &p.name.value
            }
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet};

    #[test]
    fn fires_without_name() {
        assert_stack_fires(&RULE, "services:\n  w:\n    image: a:1\n", &["services"]);
        assert_stack_fires(
            &RULE,
            "# leading comment\nx-a: &a {}\nservices: {}\n",
            &["x-a"],
        );
        assert_stack_quiet(&RULE, "name: app\nservices: {}\n");
        assert_stack_quiet(&RULE, "# docker-stack.yml\nversion: '3.8'\nservices: {}\n");
    }
}
