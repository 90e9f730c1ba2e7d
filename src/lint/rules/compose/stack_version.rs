use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL4052",
    name: "stack-version",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A stack file has no `version:`, or one `docker stack deploy` does not accept.",
    doc: r#"## What it does
In stack mode (a `docker-stack*.yml` file, or `--stack`), checks that the
file starts with a 3.x `version:` that `docker stack deploy` knows (3.0 to
3.13). The version chooses the schema the file is checked against.

## Why is this bad?
Unlike `docker compose`, which ignores `version:`, `docker stack deploy`
refuses a file without one, or with a version before 3.

## Example
```yaml
# docker-stack.yml
services:
  web:
    image: nginx:1.27
```

Use instead:
```yaml
# docker-stack.yml
version: "3.8"
services:
  web:
    image: nginx:1.27
```

## How to fix
Add `version: "3.8"` (or the version your Engine supports) as the first line.
"#,
    check: Check::Engine,
};
