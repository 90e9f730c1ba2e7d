use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5001",
    name: "bake-syntax",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A bake file is not valid HCL or JSON.",
    doc: r#"## What it does
Checks that each bake file parses: HCL for `.hcl` files, JSON for `.json`.

## Why is this bad?
`docker buildx bake` stops at the first syntax error and builds nothing.

## Example
```hcl
target "app" {
  tags = ["example/app:1.0",
}
```

Use instead:
```hcl
target "app" {
  tags = ["example/app:1.0"]
}
```

## How to fix
Fix the syntax at the position reported.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};
