use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL0003",
    name: "invalid-suppression",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A `# buildlint` comment is not a valid pragma or names no rule.",
    doc: r#"## What it does
Reports a comment that starts with `# buildlint` but is not one of the
pragmas buildlint understands, or that names a rule buildlint does not know:

- `# buildlint ignore=RULE[,RULE...]`: the next instruction
- `# buildlint global ignore=RULE[,RULE...]`: the whole file
- `# buildlint stage ignore=RULE[,RULE...]`: the stage of the `FROM` right after it
- `# buildlint shell=NAME`: the shell the following `RUN`s are written for

A rule is named by its code, its name or an alias (a hadolint code, a
BuildKit check name). Text after the list, separated by a space, is a free
comment: `# buildlint ignore=BL1007  # pinned by the release job`.

## Why is this bad?
A pragma with a typo suppresses nothing, so the finding it was meant to
silence keeps coming back, or worse, the author believes a rule is off when
it is not.

## Example
```dockerfile
# buildlint ignroe=BL1007
FROM alpine:latest
```

Use instead:
```dockerfile
# buildlint ignore=BL1007
FROM alpine:latest
```

## How to fix
Correct the pragma's spelling or the rule name; `buildlint rule --all` lists
every rule.
"#,
    check: Check::Engine,
};
