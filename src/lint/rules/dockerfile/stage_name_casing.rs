use crate::dockerfile::{Args, Instruction, Kind};
use crate::lint::semantic::{mount_options, word_span};
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1001",
    name: "stage-name-casing",
    aliases: &["StageNameCasing"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "A stage name is not lower case.",
    doc: r#"## What it does
Checks that stage names (`FROM image AS name`) are lower case.

## Why is this bad?
BuildKit lower-cases stage names: `COPY --from=Builder` and `--target Builder`
find the stage `builder`, but `FROM Builder` does not (it is read as an image
name, and fails). Writing names in lower case keeps every reference working.

## Example
```dockerfile
FROM alpine AS BuilderBase
```

Use instead:
```dockerfile
FROM alpine AS builder-base
```

## Fix
```dockerfile
FROM alpine AS Build
RUN make
FROM scratch
COPY --from=Build /out /
```
```dockerfile fixed
FROM alpine AS build
RUN make
FROM scratch
COPY --from=build /out /
```

The fix renames the stage and every reference to it (`FROM`, `COPY --from`,
`RUN --mount=from=`). It is safe: BuildKit already treats the names as lower case.

## References
- BuildKit check `StageNameCasing`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, _, from) in bk::froms(cx) {
        let Some(alias) = &from.alias else { continue };
        let lower = alias.raw.to_lowercase();
        if alias.raw == lower {
            continue;
        }
        let mut edits = vec![Edit::replace(alias.span, lower.clone())];
        let mut complete = true;
        for inst in &cx.df.instructions {
            references(inst, &alias.raw, &lower, &mut edits, &mut complete);
            if let Args::Onbuild(inner) = &inst.args {
                references(inner, &alias.raw, &lower, &mut edits, &mut complete);
            }
        }
        edits.sort_by_key(|e| e.start);
        edits.dedup_by_key(|e| e.start);
        out.push(
            Diagnostic::new(
                alias.span,
                format!("stage name `{}` is not lower case", alias.raw),
            )
            .help(format!("rename the stage `{lower}`"))
            .maybe_fix(complete.then(|| Fix::safe(edits))),
        );
    }
}

/// Adds edits renaming references to the stage `name` in `inst`.
fn references(
    inst: &Instruction,
    name: &str,
    lower: &str,
    edits: &mut Vec<Edit>,
    complete: &mut bool,
) {
    let mut rename =
        |word: &crate::dockerfile::Word, range: std::ops::Range<usize>, complete: &mut bool| {
            if word.raw[range.clone()].eq_ignore_ascii_case(name) {
                let span = word_span(inst, word, range);
                if span.len() as usize == name.len() {
                    edits.push(Edit::replace(span, lower.to_string()));
                } else {
                    *complete = false;
                }
            }
        };
    match (&inst.kind, &inst.args) {
        (Kind::From, Args::From(f)) => rename(&f.image, 0..f.image.raw.len(), complete),
        (Kind::Copy, _) => {
            if let Some(w) = inst.flag("from").and_then(|f| f.value.as_ref()) {
                rename(w, 0..w.raw.len(), complete);
            }
        }
        (Kind::Run, _) => {
            for flag in inst.flags_named("mount") {
                let Some(w) = &flag.value else { continue };
                let mut at = 0;
                for field in w.raw.split(',') {
                    if let Some(v) = field.strip_prefix("from=") {
                        let start = at + "from=".len();
                        rename(w, start..start + v.len(), complete);
                    }
                    at += field.len() + 1;
                }
                // Quoted CSV fields are left alone.
                if w.raw.contains('"')
                    && mount_options(&w.raw)
                        .iter()
                        .any(|(k, v)| k == "from" && v.eq_ignore_ascii_case(name))
                {
                    *complete = false;
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_upper_case_names() {
        assert_fires(&RULE, "FROM alpine AS BuilderBase\n", &["BuilderBase"]);
        assert_fires(&RULE, "from alpine as BUILD\n", &["BUILD"]);
        assert_fires(
            &RULE,
            "FROM alpine AS a\nFROM alpine AS Final_Stage\n",
            &["Final_Stage"],
        );
        assert_quiet(&RULE, "FROM alpine AS builder-base\n");
        assert_quiet(&RULE, "FROM alpine\n");
        assert_quiet(&RULE, "FROM Alpine\n");
    }

    #[test]
    fn fix_renames_every_reference() {
        let src = "FROM alpine AS Build\nRUN true\nFROM Build AS next\nCOPY --from=BUILD /a /a\nRUN --mount=type=bind,from=Build,target=/x true\nONBUILD COPY --from=build /b /b\n";
        let findings = lint(&RULE, src);
        assert_eq!(findings.len(), 1);
        let fix = findings[0].fix.as_ref().expect("a fix");
        assert_eq!(fix.applicability, crate::lint::Applicability::Safe);
        let mut fixed = src.to_string();
        for e in fix.edits.iter().rev() {
            fixed.replace_range(e.start as usize..e.end as usize, &e.replacement);
        }
        assert_eq!(
            fixed,
            "FROM alpine AS build\nRUN true\nFROM build AS next\nCOPY --from=build /a /a\nRUN --mount=type=bind,from=build,target=/x true\nONBUILD COPY --from=build /b /b\n"
        );
    }
}
