use std::collections::HashMap;

use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1005",
    name: "duplicate-stage-name",
    aliases: &["DuplicateStageName", "DL3024"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "Two stages have the same name.",
    doc: r#"## What it does
Checks that no two stages share a name. Names are compared in lower case, as
BuildKit does.

## Why is this bad?
`COPY --from`, `--target` and `FROM <stage>` find a stage by name. With two
stages of the same name, they silently pick one of them.

## Example
```dockerfile
FROM debian:latest AS builder
RUN apt-get update; apt-get install -y curl

FROM golang:latest AS builder
```

Use instead:
```dockerfile
FROM debian:latest AS deb-builder
RUN apt-get update; apt-get install -y curl

FROM golang:latest AS go-builder
```

## References
- BuildKit check `DuplicateStageName`
- hadolint DL3024
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let mut seen: HashMap<String, crate::span::Span> = HashMap::new();
    for (_, _, from) in bk::froms(cx) {
        let Some(alias) = &from.alias else { continue };
        let name = alias.raw.to_lowercase();
        match seen.get(&name) {
            Some(first) => out.push(
                Diagnostic::new(
                    alias.span,
                    format!("stage name `{name}` is already used by an earlier stage"),
                )
                .label(*first, "first defined here")
                .help("give each stage a distinct name"),
            ),
            None => {
                seen.insert(name, alias.span);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_the_second_use() {
        assert_fires(
            &RULE,
            "FROM debian AS builder\nFROM golang AS builder\n",
            &["builder"],
        );
        assert_fires(
            &RULE,
            "FROM a AS x\nFROM b AS X\nFROM c AS x\n",
            &["X", "x"],
        );
        assert_quiet(&RULE, "FROM a AS x\nFROM b AS y\nFROM c\nFROM d\n");
    }
}
