use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1008",
    name: "reserved-stage-name",
    aliases: &["ReservedStageName", "DL3063"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A stage is named `scratch` or `context`.",
    doc: r#"## What it does
Checks for stages named `scratch` or `context` (in any case).

## Why is this bad?
`scratch` is the empty image and `context` is the build context's name for
`COPY --from` and named contexts. A stage with one of these names changes
what `FROM scratch` or `--from=context` refer to.

## Example
```dockerfile
FROM alpine AS scratch
FROM alpine AS context
```

Use instead:
```dockerfile
FROM alpine AS builder
```

## References
- BuildKit check `ReservedStageName`
- hadolint DL3063
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, _, from) in bk::froms(cx) {
        let Some(alias) = &from.alias else { continue };
        let name = alias.raw.to_lowercase();
        if name == "scratch" || name == "context" {
            out.push(
                Diagnostic::new(alias.span, format!("`{name}` is a reserved name"))
                    .help("choose another stage name"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_reserved_names() {
        assert_fires(&RULE, "FROM alpine AS scratch\n", &["scratch"]);
        assert_fires(&RULE, "FROM alpine AS Context\n", &["Context"]);
        assert_fires(
            &RULE,
            "FROM alpine AS scratch\nFROM alpine AS context\n",
            &["scratch", "context"],
        );
        assert_quiet(&RULE, "FROM scratch AS base\n");
        assert_quiet(&RULE, "FROM alpine AS contexts\n");
    }
}
