use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5007",
    name: "unevaluated-bake-function",
    aliases: &[],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A bake expression calls a buildx function buildlint does not evaluate.",
    doc: r#"## What it does
Reports calls to buildx functions outside the set buildlint evaluates: the attribute holding the call is left out of what buildlint resolves, so checks that depend on it are skipped.

## Why is this bad?
The file is valid for buildx; the finding says which values buildlint could not see, so its other findings are read with that in mind.

## Example
```hcl
target "app" {
  tags = ["example/app:${uuidv4()}"]
}
```

Use instead:
```hcl
target "app" {
  tags = ["example/app:${sha256("v1")}"]
}
```

## How to fix
Nothing is wrong with the file; the list of evaluated functions is in docs/bake.md.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};
