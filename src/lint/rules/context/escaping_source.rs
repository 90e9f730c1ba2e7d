use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::sources::{context_sources, Presence, SourceKind, Verdict};

pub static RULE: Rule = Rule {
    code: "BL3003",
    name: "copy-source-outside-context",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A COPY or ADD source climbs out of the build context with `..`.",
    doc: r#"## What it does
Checks `COPY` and `ADD` sources whose `..` segments climb above the build context root
(`COPY ../shared /shared`).

## Why is this bad?
A build only sees its context. The classic builder rejects such a path ("forbidden path outside
the build context"); BuildKit silently clamps it to the context root, so `../shared` reads
`<context>/shared`, which is rarely what was meant. Either way the files next to the context are
not copied.

## Example
```dockerfile
FROM node:22
COPY ../shared /app/shared
```

Use instead:
```files
shared/index.js
```
```dockerfile
FROM node:22
COPY shared /app/shared
```

## How to fix
Make the context the common parent directory and point at the Dockerfile
(`docker build -f app/Dockerfile .`, or `context: .` with `dockerfile: app/Dockerfile` in a stack
file), then write paths relative to that context. Named build contexts
(`--build-context shared=../shared` with `COPY --from=shared`) are another way.
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (source, verdict) in context_sources(cx).iter() {
        if source.kind == SourceKind::Bind {
            continue;
        }
        let Verdict::Escapes(presence) = &verdict else {
            continue;
        };
        let value = &source.value;
        let rel = if source.rel.is_empty() {
            "."
        } else {
            &source.rel
        };
        let clamped = match presence {
            Presence::Present => format!(
                "BuildKit reads it as `{rel}` inside the context and the classic builder rejects it"
            ),
            _ => format!(
                "BuildKit looks for `{rel}` inside the context, which does not hold it, and the classic builder rejects it"
            ),
        };
        out.push(
            Diagnostic::new(
                source.span,
                format!("`{value}` points outside the build context: {clamped}"),
            )
            .help(
                "build from a parent directory (`docker build -f <dir>/Dockerfile .`) and write the path from there, or pass the directory as a named context (`--build-context name=<dir>` and `COPY --from=name`)",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::context_view::MemoryContext;
    use crate::lint::rules::context::tests::lint_in;
    use crate::lint::testing::{assert_fires, assert_quiet, underlined};

    #[test]
    fn fires_on_parent_paths() {
        assert_fires(
            &RULE,
            "FROM a\nCOPY ../shared /app/shared\n",
            &["../shared"],
        );
        assert_fires(&RULE, "FROM a\nADD a/../../x.txt /x\n", &["a/../../x.txt"]);
        assert_fires(&RULE, "FROM a\nCOPY [\"..\", \"/up\"]\n", &["\"..\""]);
    }

    #[test]
    fn says_what_buildkit_reads_instead() {
        let src = "FROM a\nCOPY ../shared /app/shared\n";
        let cx = MemoryContext::new().with_path("shared/");
        let found = lint_in(&RULE, src, &cx, true);
        assert_eq!(underlined(src, &found), ["../shared"]);
        assert!(found[0].message.contains("reads it as `shared`"));
    }

    #[test]
    fn quiet_on_dots_that_stay_inside() {
        assert_quiet(&RULE, "FROM a\nCOPY a/../b /b\n");
        assert_quiet(&RULE, "FROM a\nCOPY ./x /x\n");
        assert_quiet(&RULE, "FROM a AS b\nFROM a\nCOPY --from=b ../x /x\n");
    }
}
