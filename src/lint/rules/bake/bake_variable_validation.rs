use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5011",
    name: "bake-variable-validation",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A bake variable fails its own `validation`.",
    doc: r#"## What it does
Evaluates each `validation` block of a `variable` with the value the variable gets (its default or the environment's) and reports the `error_message` when the `condition` is false.

## Why is this bad?
buildx stops with the variable's error message.

## Example
```hcl
variable "REPLICAS" {
  default = 0
  validation {
    condition     = REPLICAS > 0
    error_message = "REPLICAS must be positive"
  }
}
```

Use instead:
```hcl
variable "REPLICAS" {
  default = 1
  validation {
    condition     = REPLICAS > 0
    error_message = "REPLICAS must be positive"
  }
}
```

## How to fix
Change the default, or set the variable in the environment.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};
