use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL0011",
    name: "stack-interpolation",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A `${...}` in a stack file cannot be interpolated.",
    doc: r#"## What it does
Reports variables that compose cannot substitute: a required variable
(`${VAR:?message}` or `${VAR?message}`) that is not set, and text that is not
a valid template (`$1`, `${}`, a lone `$`).

## Why is this bad?
`docker compose` stops with an error on either, before it starts anything.

## Example
```yaml
services:
  web:
    image: "registry.example.com/web:${TAG:?set TAG to the release to deploy}"
```

Use instead:
```yaml
services:
  web:
    image: "registry.example.com/web:${TAG:-1.4.2}"
```

## How to fix
Set the variable in the environment or in `.env`, give it a default
(`${TAG:-1.4.2}`), or write `$$` for a literal dollar sign.
"#,
    check: Check::Engine,
};
