use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5020",
    name: "missing-bake-context",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A target's build context directory does not exist.",
    doc: r#"## What it does
Checks that a target's local `context` (`.` by default, relative to the bake file's directory) is a directory. Remote contexts (Git, HTTP) and `target:`/`docker-image://` contexts are not checked.

## Why is this bad?
The build fails late with "unable to prepare context: path not found".

## Example
```hcl
target "app" {
  context = "services/app"
}
```

Use instead:
```hcl
target "app" {
  context = "services/app"
}
```
```files
services/app/Dockerfile
```

## How to fix
Fix the path; it is relative to where `docker buildx bake` runs (the bake file's directory).
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};

pub fn check(cx: &crate::lint::rule::BakeCx<'_>, out: &mut Vec<crate::lint::rule::BakeFinding>) {
    for v in cx.targets {
        let Some(context) = &v.context else { continue };
        if v.context_exists {
            continue;
        }
        out.push(crate::lint::rule::BakeFinding {
            rule: &RULE,
            at: v.target.span_of("context"),
            message: format!(
                "target `{}` builds in `{}`, which is not a directory",
                v.target.name,
                context.display()
            ),
            help: Some("fix `context`; it is relative to the bake file's directory".into()),
            target: Some(v.target.name.clone()),
        });
    }
}
