use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL0013",
    name: "unset-variable",
    aliases: &[],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A stack file uses a variable that is not set and has no default.",
    doc: r#"## What it does
Reports `$VAR` and `${VAR}` when `VAR` is set neither in the environment nor
in the project's `.env` file (or `--env-file`), and the template gives no
default.

## Why is this bad?
Compose substitutes an empty string and only prints a warning, so
`image: "nginx:${TAG}"` quietly becomes `nginx:` and a port mapping
`"${PORT}:80"` publishes a random port.

## Example
```yaml
services:
  web:
    image: "nginx:${NGINX_TAG}"
```

Use instead:
```yaml
services:
  web:
    image: "nginx:${NGINX_TAG:-1.27}"
```

## How to fix
Give the variable a default (`${NGINX_TAG:-1.27}`), make it required
(`${NGINX_TAG:?set NGINX_TAG}`), or set it in `.env`.
"#,
    check: Check::Engine,
};
