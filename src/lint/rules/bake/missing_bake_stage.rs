use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5024",
    name: "missing-bake-stage",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A target's `target` names a stage its Dockerfile does not have.",
    doc: r#"## What it does
Checks that the stage named by `target` is a `FROM ... AS name` of the target's Dockerfile (case-insensitive, as BuildKit compares).

## Why is this bad?
The build fails with "target stage could not be found".

## Example
```hcl
target "app" {
  target = "release"
}
```
```dockerfile
FROM scratch AS build
FROM scratch AS prod
```

Use instead:
```hcl
target "app" {
  target = "prod"
}
```
```dockerfile
FROM scratch AS build
FROM scratch AS prod
```

## How to fix
Name an existing stage.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};

pub fn check(cx: &crate::lint::rule::BakeCx<'_>, out: &mut Vec<crate::lint::rule::BakeFinding>) {
    for v in cx.targets {
        let (Some(stage), Some(Ok(df))) = (v.target.str("target"), &v.parsed) else {
            continue;
        };
        let names: Vec<&str> = df
            .stages
            .iter()
            .filter_map(|s| s.name.as_ref().map(|n| n.raw.as_str()))
            .collect();
        if names.iter().any(|n| n.eq_ignore_ascii_case(stage)) {
            continue;
        }
        out.push(crate::lint::rule::BakeFinding {
            rule: &RULE,
            at: v.target.span_of("target"),
            message: format!(
                "target `{}` builds stage `{stage}`, which its Dockerfile does not have",
                v.target.name
            ),
            help: Some(if names.is_empty() {
                "the Dockerfile names no stage (`FROM ... AS name`)".to_string()
            } else {
                format!("its stages are: {}", names.join(", "))
            }),
            target: Some(v.target.name.clone()),
        });
    }
}
