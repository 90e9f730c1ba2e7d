use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5025",
    name: "duplicate-bake-tag",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "Two targets tag their images with the same name.",
    doc: r#"## What it does
Checks that no tag appears in the `tags` of two different targets.

## Why is this bad?
When both are built (or pushed), whichever finishes last owns the tag: the result depends on timing.

## Example
```hcl
target "app" {
  tags = ["example/app:latest"]
}

target "app-debug" {
  tags = ["example/app:latest"]
}
```

Use instead:
```hcl
target "app" {
  tags = ["example/app:latest"]
}

target "app-debug" {
  tags = ["example/app:debug"]
}
```

## How to fix
Give each target its own tags.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};

pub fn check(cx: &crate::lint::rule::BakeCx<'_>, out: &mut Vec<crate::lint::rule::BakeFinding>) {
    let mut first: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    for v in cx.targets {
        for tag in v.target.list("tags") {
            match first.get(tag.as_str()) {
                Some(other) if *other != v.target.name => {
                    out.push(crate::lint::rule::BakeFinding {
                        rule: &RULE,
                        at: v.target.span_of("tags"),
                        message: format!(
                            "target `{}` tags `{tag}`, as target `{other}` does",
                            v.target.name
                        ),
                        help: Some("give each target its own tags".into()),
                        target: Some(v.target.name.clone()),
                    })
                }
                Some(_) => {}
                None => {
                    first.insert(tag, &v.target.name);
                }
            }
        }
    }
}
