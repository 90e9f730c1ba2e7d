use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5004",
    name: "bake-attribute-type",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A bake attribute has the wrong type or does not evaluate.",
    doc: r#"## What it does
Checks that each attribute evaluates and has the type bake expects: a string (`context`, `dockerfile`, `target`), a bool (`pull`, `no-cache`), a list of strings (`tags`, `platforms`, `cache-from`), or a map of strings (`args`, `labels`, `contexts`); `resources` takes only buildx's keys (`memory`, `memory-swap`, `cpuset-cpus`, `cpuset-mems`, and the whole numbers `cpu-shares`, `cpu-period`, `cpu-quota`).

## Why is this bad?
buildx refuses the file ("Unsuitable value type", "Incorrect attribute value type").

## Example
```hcl
target "app" {
  tags = "example/app:1.0"
}
```

Use instead:
```hcl
target "app" {
  tags = ["example/app:1.0"]
}
```

## How to fix
Write the value in the expected type: a single tag still goes in a list.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};
