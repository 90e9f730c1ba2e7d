use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5006",
    name: "unknown-bake-function",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A bake expression calls a function that does not exist.",
    doc: r#"## What it does
Checks that every function called is one of buildx's standard library (listed in docs/bake.md) or is defined by a `function` block.

## Why is this bad?
buildx refuses the file ("Call to unknown function").

## Example
```hcl
target "app" {
  tags = ["example/app:${lowercase("V1")}"]
}
```

Use instead:
```hcl
target "app" {
  tags = ["example/app:${lower("V1")}"]
}
```

## How to fix
Use the function's buildx name (`lower`, not `lowercase`), or define it with a `function` block.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};
