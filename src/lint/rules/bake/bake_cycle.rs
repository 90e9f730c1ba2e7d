use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5009",
    name: "bake-cycle",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`inherits`, groups, `target:` contexts or variables refer back to themselves.",
    doc: r#"## What it does
Checks for circles: a target that inherits from itself through others, a group that contains itself, targets whose `target:` contexts need each other, and variables whose defaults depend on each other.

## Why is this bad?
buildx rejects context and variable cycles; an `inherits` or group cycle is silently cut, so some settings are not inherited.

## Example
```hcl
target "a" {
  inherits = ["b"]
}

target "b" {
  inherits = ["a"]
}
```

Use instead:
```hcl
target "base" {}

target "a" {
  inherits = ["base"]
}

target "b" {
  inherits = ["base"]
}
```

## How to fix
Break the circle: move the shared settings into a target both inherit from.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};
