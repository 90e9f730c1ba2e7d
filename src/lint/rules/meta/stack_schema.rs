use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL0010",
    name: "stack-schema",
    aliases: &["invalid-schema"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A compose or stack file does not match its schema.",
    doc: r#"## What it does
Checks compose files against the compose specification's schema (the one
`docker compose` uses) and stack files against the `docker stack deploy`
schema for their `version:`. Each error is reported at the offending key or
value, with a suggestion when a key looks misspelt.

A file in the legacy (version 1) format, with its services at the top level
and no `services:` key, gets one finding at the first service saying so,
not one unknown key per service.

## Why is this bad?
`docker compose` and `docker stack deploy` refuse a file that does not match
the schema, so nothing in it runs. A misspelt key such as `imag:` stops the
whole project.

## Example
```yaml
services:
  web:
    imag: nginx:1.27
```

```yaml
web:
  image: nginx:1.27
  ports:
    - "8080:80"
redis:
  image: redis:7
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
```

## How to fix
Rename or remove the key the message names; keys of your own must start
with `x-`. For a legacy file, add `services:` at the top and indent every
service under it.

## References
- dclint `invalid-schema` (reported at 1:1 there)
"#,
    check: Check::Engine,
};
