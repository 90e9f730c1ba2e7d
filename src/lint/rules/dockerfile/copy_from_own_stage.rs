use crate::dockerfile::Kind;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::literal;

pub static RULE: Rule = Rule {
    code: "BL1107",
    name: "copy-from-own-stage",
    aliases: &["DL3023"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`COPY --from` names the stage it is in.",
    doc: r#"## What it does
Checks `COPY --from=NAME` (or `--from=N`) that names the stage the instruction belongs to.

## Why is this bad?
A stage cannot copy from itself: the build fails with `circular dependency detected on stage`.

## Example
```dockerfile
FROM golang:1.23 AS build
COPY --from=build /go/bin/app /app
```

Use instead:
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /go/bin/app .
FROM alpine:3.20
COPY --from=build /go/bin/app /app
```

## How to fix
Copy from an earlier stage, or use a plain `RUN cp` inside the stage.

## References
- hadolint DL3023
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        if inst.kind != Kind::Copy {
            continue;
        }
        let (Some(stage), Some(Some(word))) =
            (inst.stage, inst.flag("from").map(|f| f.value.as_ref()))
        else {
            continue;
        };
        let Some(name) = literal(&word.raw, cx.df.escape) else {
            continue;
        };
        let own = &cx.df.stages[stage];
        let by_name = own
            .name
            .as_ref()
            .is_some_and(|n| n.raw.eq_ignore_ascii_case(&name));
        let by_index = name.parse::<usize>().is_ok_and(|i| i == stage);
        if by_name || by_index {
            let mut d = Diagnostic::new(
                word.span,
                format!("`COPY --from={name}` copies from the stage it is in"),
            )
            .help("copy from an earlier stage, or use `RUN cp` within this stage");
            if let Some(n) = &own.name {
                d = d.label(n.span, "the current stage");
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_own_name() {
        assert_fires(
            &RULE,
            "FROM golang AS build\nCOPY --from=build /a /a\n",
            &["build"],
        );
        assert_fires(
            &RULE,
            "FROM golang AS Build\nCOPY --from=build /a /a\n",
            &["build"],
        );
    }

    #[test]
    fn fires_on_own_index() {
        assert_fires(&RULE, "FROM a\nFROM b\nCOPY --from=1 /a /a\n", &["1"]);
    }

    #[test]
    fn quiet_on_other_stages() {
        assert_quiet(
            &RULE,
            "FROM golang AS build\nFROM alpine\nCOPY --from=build /a /a\n",
        );
        assert_quiet(&RULE, "FROM a\nFROM b\nCOPY --from=0 /a /a\n");
        assert_quiet(&RULE, "FROM a AS x\nCOPY --from=nginx /a /a\n");
    }
}
