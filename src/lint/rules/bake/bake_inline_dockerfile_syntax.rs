use crate::lint::{Check, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL5022",
    name: "bake-inline-dockerfile-syntax",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A target's `dockerfile-inline` is not a valid Dockerfile.",
    doc: r#"## What it does
Parses each `dockerfile-inline` as BuildKit would.

## Why is this bad?
The build fails with BuildKit's parse error, after the bake file was accepted.

## Example
```hcl
target "app" {
  dockerfile-inline = "FROM scratch\nENV VERSION\n"
}
```

Use instead:
```hcl
target "app" {
  dockerfile-inline = "FROM scratch\nENV VERSION=1.0\n"
}
```

## How to fix
Fix the inline Dockerfile, or move it to a file so it is linted fully.
"#,
    // Reported by the bake driver (src/lint/bake/).
    check: Check::Engine,
};

pub fn check(cx: &crate::lint::rule::BakeCx<'_>, out: &mut Vec<crate::lint::rule::BakeFinding>) {
    for v in cx.targets {
        let (crate::lint::rule::DockerfileSource::Inline(_), Some(Err(e))) =
            (&v.dockerfile, &v.parsed)
        else {
            continue;
        };
        out.push(crate::lint::rule::BakeFinding {
            rule: &RULE,
            at: v.target.span_of("dockerfile-inline"),
            message: format!(
                "the `dockerfile-inline` of target `{}` does not parse: {}",
                v.target.name, e.message
            ),
            help: e.help.clone(),
            target: Some(v.target.name.clone()),
        });
    }
}
