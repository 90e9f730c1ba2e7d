use crate::dockerfile::{Instruction, Kind, Word};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};
use crate::span::Span;

use crate::lint::rules::dockerfile::dl_helpers::{mount_fields, sub_span, VarTracker};

pub static RULE: Rule = Rule {
    code: "BL3005",
    name: "copy-from-unknown-stage",
    aliases: &["DL3022"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary:
        "`COPY --from` names a misspelt stage, or something that is not a valid image reference.",
    doc: r#"## What it does
Checks the name in `COPY --from=NAME` and `RUN --mount=...,from=NAME`:

- when NAME is no stage of the Dockerfile but within two edits of one (`biuld` for `build`), the
  build would pull an image called `biuld` instead: a warning with a fix to the stage name;
- when NAME is neither a stage nor a valid image reference (`My_Stage`, `app:`), the build fails:
  an error.

A name that is a valid image reference and not close to any stage is taken to be an image or a
named build context (`--build-context`).

## Why is this bad?
A typo in a stage name does not fail where it is written: BuildKit treats the name as an image on
Docker Hub and fails much later with `pull access denied`, or, worse, copies from an image that
happens to have that name.

## Example
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .
FROM alpine:3.20
COPY --from=biuld /out/app /usr/local/bin/app
```

Use instead:
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .
FROM alpine:3.20
COPY --from=build /out/app /usr/local/bin/app
COPY --from=busybox:1.36 /bin/busybox /bin/busybox
```

## Fix
```dockerfile
FROM golang:1.23 AS build
FROM alpine:3.20
COPY --from=biuld /out/app /app
```
```dockerfile fixed
FROM golang:1.23 AS build
FROM alpine:3.20
COPY --from=build /out/app /app
```

The fix is unsafe: NAME could be an image or a named build context that is meant.

## References
- hadolint DL3022 (reports every name that is not an earlier stage)
"#,
    check: Check::Dockerfile(check),
};

/// Why BuildKit would reject `reference` as an image, if it would.
pub(crate) fn image_ref_problem(reference: &str) -> Option<String> {
    crate::dockerfile::image_ref::ImageRef::parse(reference)
        .err()
        .map(|e| e.to_string())
}

/// The `--from` names of an instruction: the name, the word holding it and
/// the span of the name in the file.
fn from_refs(cx: &DockerfileCx<'_>, inst: &Instruction) -> Vec<(String, Span, bool)> {
    let mut refs = Vec::new();
    match inst.kind {
        Kind::Copy | Kind::Add => {
            if let Some(Some(word)) = inst.flag("from").map(|f| f.value.as_ref()) {
                refs.push((word.raw.clone(), word.span, true));
            }
        }
        Kind::Run => {
            for flag in inst.flags_named("mount") {
                let Some(word) = &flag.value else { continue };
                for (key, value, range) in mount_fields(&word.raw) {
                    if key == "from" {
                        let direct = word.raw[range.clone()] == value;
                        refs.push((value, sub_span(cx.df, word, range.start, range.end), direct));
                    }
                }
            }
        }
        _ => {}
    }
    refs
}

fn closest_stage<'d>(cx: &DockerfileCx<'d>, name: &str) -> Option<&'d Word> {
    let lower = name.to_ascii_lowercase();
    cx.df
        .stages
        .iter()
        .filter_map(|s| s.name.as_ref())
        .map(|n| {
            (
                strsim::damerau_levenshtein(&lower, &n.raw.to_ascii_lowercase()),
                n,
            )
        })
        .filter(|(d, n)| *d <= 2 && *d * 3 <= n.raw.len().max(lower.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// True when this rule reports `name` (not a stage, but close to one or
/// not a valid reference), so DL3022's rule leaves it alone.
pub(crate) fn near_or_invalid(cx: &DockerfileCx<'_>, name: &str) -> bool {
    cx.df.stage_by_name(name).is_none()
        && (closest_stage(cx, name).is_some() || image_ref_problem(name).is_some())
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let mut vars = VarTracker::new(cx);
    for inst in &cx.df.instructions {
        vars.before(inst);
        let needed = inst.stage.is_some_and(|s| cx.semantic.is_stage_needed(s));
        if needed {
            for (raw, span, direct) in from_refs(cx, inst) {
                let word = Word {
                    raw: raw.clone(),
                    span,
                };
                let Some(name) = vars.expand(&word) else {
                    continue;
                };
                if cx.df.stage_by_name(&name).is_some() {
                    continue;
                }
                if let Ok(index) = name.parse::<usize>() {
                    if index >= cx.df.stages.len() {
                        out.push(Diagnostic::new(
                            span,
                            format!("there is no stage {index}: the Dockerfile has {} stage(s), numbered from 0", cx.df.stages.len()),
                        ).help("name the stage: `FROM image AS name` and `--from=name`"));
                    }
                    continue;
                }
                if let Some(stage) = closest_stage(cx, &name) {
                    let fix = (direct && raw == name).then(|| {
                        crate::lint::Fix::unsafe_(vec![crate::lint::Edit::replace(
                            span,
                            stage.raw.clone(),
                        )])
                    });
                    out.push(
                        Diagnostic::new(
                            span,
                            format!("`{name}` is not a stage of this Dockerfile: the build reads it as an image of that name"),
                        )
                        .help(format!("did you mean the stage `{}`?", stage.raw))
                        .label(stage.span, "stage defined here")
                        .severity(Severity::Warning)
                        .maybe_fix(fix),
                    );
                    continue;
                }
                if let Some(problem) = image_ref_problem(&name) {
                    out.push(
                        Diagnostic::new(
                            span,
                            format!("`{name}` is neither a stage of this Dockerfile nor a valid image reference ({problem}), so the build will fail"),
                        )
                        .help("name a stage defined with `FROM ... AS name`, or an image such as `alpine:3.20`"),
                    );
                }
            }
        }
        vars.after(inst);
    }
}

#[cfg(test)]
mod tests {
    use super::{image_ref_problem, RULE};
    use crate::lint::testing::{assert_fires, assert_quiet, lint};
    use crate::lint::Severity;

    #[test]
    fn fires_on_near_stage_names() {
        let src = "FROM golang AS build\nFROM alpine\nCOPY --from=biuld /out /out\n";
        assert_fires(&RULE, src, &["biuld"]);
        let found = lint(&RULE, src);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(
            found[0].help.as_deref(),
            Some("did you mean the stage `build`?")
        );
        let fix = found[0].fix.as_ref().unwrap();
        assert_eq!(fix.edits[0].replacement, "build");
    }

    #[test]
    fn fires_on_invalid_references() {
        let src = "FROM golang AS builder\nFROM alpine\nCOPY --from=My_Stage /a /a\nCOPY --from=app: /b /b\n";
        assert_fires(&RULE, src, &["My_Stage", "app:"]);
        assert_eq!(lint(&RULE, src)[0].severity, Severity::Error);
    }

    #[test]
    fn fires_on_mount_from_and_bad_indexes() {
        assert_fires(
            &RULE,
            "FROM golang AS deps\nFROM alpine\nRUN --mount=type=cache,from=dpes,target=/x true\n",
            &["dpes"],
        );
        assert_fires(&RULE, "FROM a\nFROM b\nCOPY --from=2 /x /x\n", &["2"]);
    }

    #[test]
    fn quiet_on_stages_images_and_indexes() {
        assert_quiet(
            &RULE,
            "FROM golang AS build\nFROM alpine\nCOPY --from=build /o /o\nCOPY --from=BUILD /o /o\n",
        );
        assert_quiet(
            &RULE,
            "FROM golang AS build\nFROM alpine\nCOPY --from=0 /o /o\n",
        );
        assert_quiet(
            &RULE,
            "FROM golang AS build\nFROM alpine\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\n",
        );
        assert_quiet(
            &RULE,
            "FROM golang AS build\nFROM alpine\nCOPY --from=composer /usr/bin/composer /usr/bin/\n",
        );
        assert_quiet(
            &RULE,
            "FROM alpine\nARG FROM_STAGE=x\nCOPY --from=$UNSET /a /a\n",
        );
    }

    #[test]
    fn reference_grammar() {
        assert_eq!(image_ref_problem("alpine"), None);
        assert_eq!(image_ref_problem("localhost:5000/team/app:1.0"), None);
        assert_eq!(image_ref_problem("ghcr.io/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), None);
        assert!(image_ref_problem("Alpine").is_some());
        assert!(image_ref_problem("a..b").is_some());
        assert!(image_ref_problem("app:").is_some());
        assert!(image_ref_problem("a@sha256:xyz").is_some());
    }
}
