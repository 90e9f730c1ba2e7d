use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5002",
    name: "unknown-bake-block",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A bake file has a block bake does not know.",
    doc: r#"## What it does
Checks that top-level blocks are `target`, `group`, `variable` or `function`, each with one label, and that nested blocks are ones bake knows (`validation` in a `variable`).

## Why is this bad?
buildx rejects the file ("Unsupported block type").

## Example
```hcl
targte "app" {
  tags = ["example/app:1.0"]
}
```

Use instead:
```hcl
target "app" {
  tags = ["example/app:1.0"]
}
```

## How to fix
Fix the block type's spelling.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};
