use crate::dockerfile::Kind;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL1124",
    name: "instruction-before-from",
    aliases: &["DL3061"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An instruction other than ARG comes before the first FROM.",
    doc: r#"## What it does
Checks that a Dockerfile begins with `FROM`, optionally preceded by `ARG` instructions, parser
directives and comments.

## Why is this bad?
Only `ARG` may come before `FROM`; the build fails on anything else (`no build stage in current
context`).

## Example
```dockerfile
LABEL maintainer="team@example.com"
FROM alpine:3.20
```

Use instead:
```dockerfile
ARG ALPINE_VERSION=3.20
FROM alpine:${ALPINE_VERSION}
LABEL maintainer="team@example.com"
```

## How to fix
Move the instruction below `FROM`.

## References
- hadolint DL3061
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in cx.df.preamble() {
        // An unknown instruction is reported as such (unknown-instruction).
        if matches!(inst.kind, Kind::Arg | Kind::From | Kind::Unknown) {
            continue;
        }
        out.push(
            Diagnostic::new(
                inst.keyword_span,
                format!("`{}` comes before the first FROM", inst.keyword),
            )
            .help("only ARG may come before FROM: move this instruction into a stage"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_before_from() {
        assert_fires(&RULE, "LABEL a=b\nFROM alpine\n", &["LABEL"]);
        assert_fires(
            &RULE,
            "ARG X\nrun true\nENV A=1\nFROM alpine\n",
            &["run", "ENV"],
        );
        assert_fires(&RULE, "COPY . /app\n", &["COPY"]);
    }

    #[test]
    fn quiet_with_args_and_comments_first() {
        assert_quiet(
            &RULE,
            "# syntax=docker/dockerfile:1\n# comment\nARG V=1\nFROM alpine:$V\nRUN x\n",
        );
        assert_quiet(&RULE, "FROM alpine\nLABEL a=b\n");
    }
}
