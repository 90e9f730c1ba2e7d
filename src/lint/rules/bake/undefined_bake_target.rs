use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5008",
    name: "undefined-bake-target",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A group, `inherits` or `target:` context names no target.",
    doc: r#"## What it does
Checks that group members are targets or groups, that `inherits` names targets, and that `target:NAME` named contexts point at targets.

## Why is this bad?
buildx fails with "failed to find target" when the name is used.

## Example
```hcl
group "default" {
  targets = ["app", "worker"]
}

target "app" {
  inherits = ["_base"]
}
```

Use instead:
```hcl
group "default" {
  targets = ["app"]
}

target "_base" {}

target "app" {
  inherits = ["_base"]
}
```

## How to fix
Fix the name, or define the target.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};
