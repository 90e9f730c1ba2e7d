use crate::dockerfile::{Args, Kind};
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

pub static RULE: Rule = Rule {
    code: "BL1024",
    name: "unknown-instruction",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "An instruction the Dockerfile frontend does not know.",
    doc: r#"## What it does
Checks for instructions that are not Dockerfile instructions, such as a misspelt
`FORM` or `RUNN`, including ONBUILD triggers.

## Why is this bad?
The parser accepts any word at the start of a line, but the build fails on it
with `unknown instruction`, after the context has already been sent.

## Example
```dockerfile
FROM alpine:3.20
RUNN apk add --no-cache curl
```

Use instead:
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl
```

## Fix safety
When one instruction is close to the misspelt word, the fix replaces it; the
fix is unsafe because the line may have been meant as something else entirely
(a forgotten `\` continuation, for instance).

## Fix
```dockerfile
FROM alpine:3.20
RUNN apk add --no-cache curl
```
```dockerfile fixed
FROM alpine:3.20
RUN apk add --no-cache curl
```

## How to fix
Correct the instruction's name, or join the line to the previous instruction
with a `\` continuation if it was meant as part of it.

## References
- BuildKit fails such a build with `dockerfile parse error ... unknown instruction`
"#,
    check: Check::Dockerfile(check),
};

const INSTRUCTIONS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "ENTRYPOINT",
    "COPY",
    "ADD",
    "ENV",
    "LABEL",
    "ARG",
    "EXPOSE",
    "USER",
    "WORKDIR",
    "VOLUME",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
    "MAINTAINER",
    "ONBUILD",
];

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        let inst = match (&inst.args, inst.kind) {
            (Args::Onbuild(inner), _) => inner.as_ref(),
            _ => inst,
        };
        if inst.kind != Kind::Unknown {
            continue;
        }
        let upper = inst.keyword.to_ascii_uppercase();
        let closest = INSTRUCTIONS
            .iter()
            .map(|name| (strsim::damerau_levenshtein(&upper, name), *name))
            .filter(|(d, _)| *d <= 2)
            .min();
        let mut diagnostic = Diagnostic::new(
            inst.keyword_span,
            format!("`{}` is not a Dockerfile instruction", inst.keyword),
        );
        diagnostic = match closest {
            Some((_, name)) => {
                let replacement = if inst.keyword.chars().all(|c| c.is_ascii_lowercase()) {
                    name.to_ascii_lowercase()
                } else {
                    name.to_string()
                };
                diagnostic
                    .help(format!("did you mean `{replacement}`?"))
                    .fix(Fix::unsafe_(vec![Edit::replace(inst.keyword_span, replacement)]))
            }
            None => diagnostic.help(
                "use a Dockerfile instruction, or continue the previous line with `\\` if this belongs to it",
            ),
        };
        out.push(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_unknown_keywords() {
        assert_fires(&RULE, "FROM alpine:3.20\nRUNN make\n", &["RUNN"]);
        assert_fires(&RULE, "FORM alpine:3.20\n", &["FORM"]);
        assert_fires(&RULE, "FROM a:1\nONBUILD COPPY . /app\n", &["COPPY"]);
        assert_quiet(&RULE, "FROM alpine:3.20\nrun make\nOnBuild RUN x\n");
    }

    #[test]
    fn suggests_the_closest_instruction_in_the_same_case() {
        let f = lint(&RULE, "FROM a:1\nrunn make\n");
        let fix = f[0].fix.as_ref().unwrap();
        assert_eq!(fix.edits[0].replacement, "run");
        let f = lint(&RULE, "FROM a:1\nBANANA x\n");
        assert!(f[0].fix.is_none());
    }
}
