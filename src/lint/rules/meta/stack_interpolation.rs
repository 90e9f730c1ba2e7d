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
(`${VAR:?message}` or `${VAR?message}`) that is not set, and a `${` that does
not start a valid variable (`${}`, `${1}`, `${A B}`, `${A:x}`, an unclosed
`${A:-x`).

A `$` followed by anything but a name, `{` or `$` is kept as it is by
`docker compose` (compose-go), so `command: sh -c 'echo "$(date)"'` or `$1`
in a script is fine there. `docker stack deploy` still refuses it: in a
stack file read as a stack (`--stack`, `docker-stack*.yml`) a lone `$` or
`$1` is reported too.

## Why is this bad?
`docker compose` stops with an error on either, before it starts anything.

## Example
```yaml
services:
  web:
    image: "registry.example.com/web:${TAG:?set TAG to the release to deploy}"
```

```yaml
services:
  web:
    image: "registry.example.com/web:${TAG }"
```

Use instead:
```yaml
services:
  web:
    image: "registry.example.com/web:${TAG:-1.4.2}"
```

```yaml
services:
  web:
    image: busybox:1.36
    command: ["sh", "-c", "echo \"started $(date) as $0\""]
```

## How to fix
Set the variable in the environment or in `.env`, give it a default
(`${TAG:-1.4.2}`), or write `$$` for a literal dollar sign.
"#,
    check: Check::Engine,
};
