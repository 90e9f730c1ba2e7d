use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5021",
    name: "missing-bake-dockerfile",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A target's Dockerfile does not exist in its context.",
    doc: r#"## What it does
Checks that the target's `dockerfile` (`Dockerfile` by default, relative to the context) exists when the context does and there is no `dockerfile-inline`.

## Why is this bad?
The build fails late with "failed to read dockerfile".

## Example
```hcl
target "app" {
  dockerfile = "app.Dockerfile"
}
```
```files
Dockerfile
```

Use instead:
```hcl
target "app" {
  dockerfile = "app.Dockerfile"
}
```
```files
app.Dockerfile
```

## How to fix
Fix `dockerfile`: it is relative to the context, not to the bake file.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};

pub fn check(cx: &crate::lint::rule::BakeCx<'_>, out: &mut Vec<crate::lint::rule::BakeFinding>) {
    for v in cx.targets {
        let crate::lint::rule::DockerfileSource::File {
            path,
            exists: false,
        } = &v.dockerfile
        else {
            continue;
        };
        out.push(crate::lint::rule::BakeFinding {
            rule: &RULE,
            at: v.target.span_of("dockerfile"),
            message: format!(
                "target `{}` builds from `{}`, which does not exist",
                v.target.name,
                path.display()
            ),
            help: Some("fix `dockerfile` (relative to the context), or create the file".into()),
            target: Some(v.target.name.clone()),
        });
    }
}
