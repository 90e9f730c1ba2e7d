use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5003",
    name: "unknown-bake-attribute",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A target, group or variable has an attribute bake does not know.",
    doc: r#"## What it does
Checks each attribute of `target`, `group`, `variable` and `function` blocks against the attributes buildx defines, and suggests the closest one.

## Why is this bad?
buildx rejects the file ("Unsupported argument"), or, in JSON, ignores the key so the setting silently does nothing.

## Example
```hcl
target "app" {
  dockerfil = "app.Dockerfile"
}
```

Use instead:
```hcl
target "app" {
  dockerfile = "app.Dockerfile"
}
```

## How to fix
Fix the attribute name; see docs/bake.md for the list.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};
