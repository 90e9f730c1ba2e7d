use crate::dockerfile::{Args, Kind};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL1110",
    name: "invalid-onbuild-trigger",
    aliases: &["DL3043"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "ONBUILD triggers ONBUILD, FROM or MAINTAINER.",
    doc: r#"## What it does
Checks the instruction an `ONBUILD` triggers: it cannot be `ONBUILD`, `FROM` or `MAINTAINER`.

## Why is this bad?
Docker refuses these triggers: the build fails (`ONBUILD ONBUILD` is not allowed), or an image
that uses this one as its base fails later.

## Example
```dockerfile
FROM node:22
ONBUILD FROM node:22
```

Use instead:
```dockerfile
FROM node:22
ONBUILD COPY . /app
```

## How to fix
Trigger only instructions that make sense in the image built from this one (`COPY`, `RUN`, ...).

## References
- hadolint DL3043
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        let Args::Onbuild(inner) = &inst.args else {
            continue;
        };
        if matches!(inner.kind, Kind::Onbuild | Kind::From | Kind::Maintainer) {
            out.push(
                Diagnostic::new(
                    inner.keyword_span,
                    format!("ONBUILD cannot trigger {}", inner.kind.name()),
                )
                .help("trigger an instruction such as `COPY` or `RUN`, or drop this line"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_forbidden_triggers() {
        assert_fires(&RULE, "FROM a\nONBUILD FROM b\n", &["FROM"]);
        assert_fires(&RULE, "FROM a\nonbuild maintainer me\n", &["maintainer"]);
        assert_fires(&RULE, "FROM a\nONBUILD ONBUILD RUN x\n", &["ONBUILD"]);
    }

    #[test]
    fn quiet_on_valid_triggers() {
        assert_quiet(&RULE, "FROM a\nONBUILD COPY . /app\nONBUILD RUN make\n");
        assert_quiet(&RULE, "FROM a\nRUN echo FROM\n");
        assert_quiet(&RULE, "FROM a\nMAINTAINER me\n");
    }
}
