use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL0001",
    name: "unreadable-file",
    aliases: &["DL1000"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A file could not be read or parsed.",
    doc: r#"## What it does
Reports a file that buildlint could not read (missing, a directory, not
permitted) or could not parse (not UTF-8, a syntax error BuildKit would also
reject, invalid YAML).

## Why is this bad?
A file that cannot be parsed cannot be built, and none of the other rules can
check it. The run exits with status 2 so that CI does not mistake an unchecked
file for a clean one.

## Example
```dockerfile
FROM alpine:3.20
ENV PATH
```

Use instead:
```dockerfile
FROM alpine:3.20
ENV PATH=/usr/local/bin:$PATH
```

## How to fix
Fix the syntax error at the reported line and column; the message says what
the parser expected.
"#,
    check: Check::Engine,
};
