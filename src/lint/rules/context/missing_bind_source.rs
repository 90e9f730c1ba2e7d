use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::sources::{
    context_sources, describe_pattern, for_guessed_context, suggest_with, Listings, Presence,
    SourceKind,
};

pub static RULE: Rule = Rule {
    code: "BL3006",
    name: "missing-bind-mount-source",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A `RUN --mount=type=bind` source is not in the build context.",
    doc: r#"## What it does
Checks `RUN --mount=type=bind,source=PATH` mounts that read the build context (no `from=`): PATH
must exist in the context and not be excluded by `.dockerignore`. Mounts of other types, and bind
mounts from a stage or image, are not checked.

When the build context is only guessed (the Dockerfile's directory, because neither
`--context-dir`, the configuration nor a stack file names it), findings are reported at `info` and
say the build will fail *if* the context is the Dockerfile's directory: the same policy for every
rule that depends on what the context holds.

## Why is this bad?
The build fails at that `RUN` with `failed to compute cache key: "/go.sum": not found`.

## Example
```files
go.mod
```
```dockerfile
FROM golang:1.23
RUN --mount=type=bind,source=go.sum,target=go.sum go mod download
```

Use instead:
```files
go.mod
go.sum
```
```dockerfile
FROM golang:1.23
RUN --mount=type=bind,source=go.sum,target=go.sum go mod download
```

## How to fix
Fix the path (relative to the build context), add the file, or take it out of `.dockerignore`.
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let mut listings = Listings::new();
    for (source, verdict) in context_sources(cx).iter() {
        if source.kind != SourceKind::Bind {
            continue;
        }
        let value = &source.value;
        let diagnostic = match verdict.presence() {
            Presence::Present => continue,
            Presence::Missing => {
                let suggestion = suggest_with(cx.context, &source.rel, &mut listings);
                let d = Diagnostic::new(
                    source.span,
                    format!("the bind mount source `{value}` is not in the build context, so the build will fail"),
                );
                match &suggestion {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help("the source is relative to the build context: fix the path or add the file"),
                }
            }
            Presence::NoMatch => Diagnostic::new(
                source.span,
                format!("the bind mount source `{value}` matches nothing in the build context"),
            )
            .help("bind mount sources take no wildcards: name a file or directory"),
            Presence::Excluded { pattern } => Diagnostic::new(
                source.span,
                format!(
                    "the bind mount source `{value}` is excluded from the build context by {}, so the build will fail",
                    describe_pattern(cx.context, *pattern)
                ),
            )
            .help("narrow that pattern, or add an exception line to the ignore file"),
        };
        out.push(for_guessed_context(cx, diagnostic));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::context_view::MemoryContext;
    use crate::lint::rules::context::tests::lint_in;
    use crate::lint::testing::underlined;
    use crate::lint::Severity;

    #[test]
    fn fires_on_missing_sources() {
        let cx = MemoryContext::new().with_path("go.mod");
        let src = "FROM golang\nRUN --mount=type=bind,source=go.sum,target=go.sum --mount=source=go.mdo,target=/m go mod download\n";
        let found = lint_in(&RULE, src, &cx, true);
        assert_eq!(underlined(src, &found), ["go.sum", "go.mdo"]);
        assert_eq!(found[1].help.as_deref(), Some("did you mean `go.mod`?"));
        assert_eq!(found[0].severity, Severity::Error);
    }

    #[test]
    fn guessed_context_reports_at_info() {
        let src = "FROM golang\nRUN --mount=type=bind,src=vendor,target=/v true\n";
        let found = lint_in(&RULE, src, &MemoryContext::new(), false);
        assert_eq!(underlined(src, &found), ["vendor"]);
        assert_eq!(found[0].severity, Severity::Info);
    }

    #[test]
    fn quiet_on_present_foreign_and_other_mounts() {
        let cx = MemoryContext::new().with_path("go.mod").with_path("src/");
        let src = "FROM golang AS b\nFROM golang\nRUN --mount=type=bind,source=go.mod,target=/m --mount=type=bind,source=src,target=/s --mount=type=bind,target=/all --mount=type=bind,from=b,source=/out,target=/o --mount=type=cache,target=/root/.cache --mount=type=secret,id=x true\n";
        assert!(lint_in(&RULE, src, &cx, true).is_empty());
    }
}
