use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5010",
    name: "bake-matrix",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A `matrix` or `name` is not one bake can expand.",
    doc: r#"## What it does
Checks that `matrix` is a map of lists, that `name` is only used with a `matrix`, that neither is used in a group, and that every generated name is valid (letters, digits, `_`, `-`).

## Why is this bad?
buildx refuses the file ("matrix values must be a list", "name requires matrix", "only [a-zA-Z0-9_-]+ are allowed").

## Example
```hcl
target "app" {
  matrix = {
    version = ["1.0", "2.0"]
  }
  name = "app-${version}"
}
```

Use instead:
```hcl
target "app" {
  matrix = {
    version = ["1.0", "2.0"]
  }
  name = "app-${replace(version, ".", "-")}"
}
```

## How to fix
Build names with `replace` or `sanitize`; keep `name` for matrix targets.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};
