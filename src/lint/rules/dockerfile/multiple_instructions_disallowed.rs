use crate::dockerfile::{Instruction, Kind};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL1014",
    name: "multiple-instructions-disallowed",
    aliases: &[
        "MultipleInstructionsDisallowed",
        "DL4003",
        "DL4004",
        "DL3012",
    ],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A stage has more than one CMD, ENTRYPOINT or HEALTHCHECK.",
    doc: r#"## What it does
Checks for a `CMD`, `ENTRYPOINT` or `HEALTHCHECK` followed by another of the
same kind in the same stage. The earlier one is reported: it has no effect.

## Why is this bad?
Only the last of these instructions counts; the earlier ones are dead code
that suggests the image does something it does not.

## Example
```dockerfile
FROM alpine
ENTRYPOINT ["echo", "Hello, Norway!"]
ENTRYPOINT ["echo", "Hello, Sweden!"]
# Only "Hello, Sweden!" will be printed
```

Use instead:
```dockerfile
FROM alpine
ENTRYPOINT ["echo", "Hello, Norway!\nHello, Sweden!"]
```

```dockerfile
FROM python:alpine
RUN apk add curl
HEALTHCHECK --interval=1s --timeout=3s \
  CMD ["curl", "-f", "http://localhost:8080"]
CMD ["python", "-m", "http.server", "8080"]
```

## References
- BuildKit check `MultipleInstructionsDisallowed`
- hadolint DL4003 (CMD), DL4004 (ENTRYPOINT), DL3012 (HEALTHCHECK)
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let mut groups: Vec<&[Instruction]> = vec![cx.df.preamble()];
    for stage in &cx.df.stages {
        if cx.semantic.is_stage_needed(stage.index) {
            groups.push(cx.df.stage_instructions(stage));
        }
    }
    for group in groups {
        for kind in [Kind::Cmd, Kind::Entrypoint, Kind::Healthcheck] {
            let all: Vec<&Instruction> = group.iter().filter(|i| i.kind == kind).collect();
            for pair in all.windows(2) {
                let name = kind.name();
                out.push(
                    Diagnostic::new(
                        pair[0].keyword_span,
                        format!("this {name} has no effect: a later {name} in the same stage replaces it"),
                    )
                    .label(pair[1].keyword_span, "replaced by this one")
                    .help(format!("keep a single {name} per stage")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn reports_the_overridden_instruction() {
        assert_fires(
            &RULE,
            "FROM alpine\nENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]\n",
            &["ENTRYPOINT"],
        );
        let src = "FROM alpine\nCMD a\nRUN x\nCMD b\nCMD c\n";
        let f = crate::lint::testing::lint(&RULE, src);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].start().line, 2);
        assert_eq!(f[1].start().line, 4);
        assert_fires(
            &RULE,
            "FROM alpine\nHEALTHCHECK NONE\nHEALTHCHECK CMD true\n",
            &["HEALTHCHECK"],
        );
        assert_quiet(&RULE, "FROM a\nCMD x\nFROM b\nCMD y\n");
        assert_quiet(
            &RULE,
            "FROM a\nCMD x\nENTRYPOINT [\"y\"]\nHEALTHCHECK CMD z\n",
        );
        assert_quiet(&RULE, "FROM a\nONBUILD CMD x\nCMD y\n");
    }
}
