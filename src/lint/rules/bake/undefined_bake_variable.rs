use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5005",
    name: "undefined-bake-variable",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A bake expression uses a variable no `variable` block defines.",
    doc: r#"## What it does
Checks that every variable an expression reads is defined: by a `variable` block, a top-level attribute, a `matrix` key, or buildx itself (`BAKE_CMD_CONTEXT`, `BAKE_LOCAL_PLATFORM`).

## Why is this bad?
buildx refuses the file ("Unknown variable"); an environment variable alone does not define one.

## Example
```hcl
target "app" {
  tags = ["example/app:${TAG}"]
}
```

Use instead:
```hcl
variable "TAG" {
  default = "latest"
}

target "app" {
  tags = ["example/app:${TAG}"]
}
```

## How to fix
Add a `variable` block (its default can be overridden from the environment).
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};
