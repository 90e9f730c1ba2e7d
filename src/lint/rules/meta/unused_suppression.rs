use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL0002",
    name: "unused-suppression",
    aliases: &[],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "A suppression comment names a rule that reported nothing there.",
    doc: r#"## What it does
Reports a rule named in a suppression comment (`# buildlint ignore=...`,
`# buildlint global ignore=...`, `# buildlint stage ignore=...` and hadolint's
`# hadolint ignore=...` pragmas) when that rule is in force but reported
nothing in the comment's scope.

## Why is this bad?
A stale suppression hides the next real problem on that line: once the
instruction changes, the rule stays silent without anyone deciding so. It
also tells readers that a problem exists where there is none.

## Example
```dockerfile
# buildlint ignore=BL1007
FROM alpine:3.20
```

Use instead:
```dockerfile
FROM alpine:3.20
```

## Fix
```dockerfile
# buildlint ignore=BL1007
FROM alpine:3.20
```
```dockerfile fixed
FROM alpine:3.20
```

## Fix safety
The fix removes the unused name, or the whole comment when no name is left.
It is safe: the rule reported nothing there.

## How to fix
Delete the name from the comment, or the comment. Names that no buildlint
rule covers (hadolint codes or BuildKit checks that buildlint does not
implement, `check=skip=all`) are left alone, and so are rules that are not
in force for the file. BuildKit's `# check=skip=...` names are never reported:
they configure BuildKit's own checks, which can fire where buildlint's rule
does not (BuildKit's SecretsUsedInArgOrEnv judges the name alone, buildlint's
also the value). A configuration migrated from `.hadolint.yaml` turns
this rule off, since hadolint does not report unused pragmas.

## References
- ruff's `unused-noqa` (RUF100)
"#,
    check: Check::Engine,
};
