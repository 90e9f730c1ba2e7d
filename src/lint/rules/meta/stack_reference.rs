use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL0012",
    name: "stack-reference",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An `include`, `extends` or env file of a stack cannot be followed.",
    doc: r#"## What it does
Reports what stops compose from assembling the project: an `include:` or
`extends:` file that does not exist, an `extends:` naming a service that does
not exist, `include` or `extends` cycles (the cycle is named), a resource
defined both in a file and in a file it includes, an override that replaces a
mapping with a scalar, and a `.env` or `--env-file` file compose cannot
parse.

## Why is this bad?
`docker compose` stops at the first of these, so no service of the project
starts.

## Example
```yaml
services:
  web:
    extends:
      service: base
    image: nginx:1.27
```

Use instead:
```yaml
services:
  base:
    restart: always
  web:
    extends:
      service: base
    image: nginx:1.27
```

## How to fix
Create the missing file or service, fix the path (relative to the file that
names it), or break the cycle.
"#,
    check: Check::Engine,
};
