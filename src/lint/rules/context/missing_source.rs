use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::sources::{
    context_sources, for_guessed_context, suggest_with, Listings, Presence, SourceKind, Verdict,
};

pub static RULE: Rule = Rule {
    code: "BL3002",
    name: "missing-copy-source",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A COPY or ADD source is not in the build context.",
    doc: r#"## What it does
Checks that every relative `COPY` and `ADD` source exists in the build context, and suggests the
closest path the context holds ("did you mean `src/main.go`?"). A wildcard that matches nothing
is reported too: BuildKit then copies nothing without a word, and the classic builder fails.

Sources of `COPY --from`, heredocs and URLs do not come from the context and are not checked;
neither are stages the build target does not need.

When the build context is only guessed (the Dockerfile's directory, because neither
`--context-dir`, the configuration nor a stack file names it), findings are reported at `info` and
say the build will fail *if* the context is the Dockerfile's directory: the same policy for every
rule that depends on what the context holds.

## Why is this bad?
The build fails at that step (`"/app/confg.yaml": not found`), after every earlier step has run,
often in CI minutes after a push.

## Example
```files
config.yaml
```
```dockerfile
FROM alpine:3.20
COPY confg.yaml /etc/app/
```

Use instead:
```files
config.yaml
```
```dockerfile
FROM alpine:3.20
COPY config.yaml /etc/app/
```

## How to fix
Fix the path (it is relative to the build context, not to the Dockerfile), or add the file to
the context.

## Options
The build context: `--context-dir DIR` on the command line, or `context = "DIR"` in buildlint.toml.
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let mut listings = Listings::new();
    for (source, verdict) in context_sources(cx).iter() {
        if source.kind == SourceKind::Bind {
            continue;
        }
        let Verdict::Relative(presence) = &verdict else {
            continue;
        };
        let value = &source.value;
        let diagnostic = match presence {
            Presence::Missing => {
                let suggestion = suggest_with(cx.context, &source.rel, &mut listings);
                let d = Diagnostic::new(
                    source.span,
                    format!("`{value}` is not in the build context, so the build will fail"),
                );
                match &suggestion {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(
                        "sources are relative to the build context, not to the Dockerfile: fix the path or add the file to the context",
                    ),
                }
            }
            Presence::NoMatch => Diagnostic::new(
                source.span,
                format!("`{value}` matches nothing in the build context: the step copies nothing"),
            )
            .help("fix the pattern, or drop the source if nothing is meant to match")
            .severity(Severity::Warning),
            _ => continue,
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
    fn fires_with_did_you_mean() {
        let cx = MemoryContext::new()
            .with_path("config.yaml")
            .with_path("src/main.go");
        let src = "FROM a\nCOPY confg.yaml /etc/\nCOPY scr/main.go missing.txt /src/\n";
        let found = lint_in(&RULE, src, &cx, true);
        assert_eq!(
            underlined(src, &found),
            ["confg.yaml", "scr/main.go", "missing.txt"]
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("did you mean `config.yaml`?")
        );
        assert_eq!(
            found[1].help.as_deref(),
            Some("did you mean `src/main.go`?")
        );
        assert_eq!(found[0].severity, Severity::Error);
    }

    #[test]
    fn guessed_context_reports_at_info() {
        let src = "FROM a\nCOPY app.jar /app.jar\n";
        let found = lint_in(&RULE, src, &MemoryContext::new(), false);
        assert_eq!(underlined(src, &found), ["app.jar"]);
        assert_eq!(found[0].severity, Severity::Info);
        assert!(found[0]
            .help
            .as_deref()
            .unwrap()
            .contains("--context-dir DIR"));
    }

    #[test]
    fn wildcards_match_like_docker() {
        let cx = MemoryContext::new()
            .with_path("package.json")
            .with_path("src/a.ts");
        let src = "FROM a\nCOPY package*.json *.lock src/*.ts /app/\n";
        let found = lint_in(&RULE, src, &cx, true);
        assert_eq!(underlined(src, &found), ["*.lock"]);
        assert_eq!(found[0].severity, Severity::Warning);
    }

    #[test]
    fn quiet_on_present_and_foreign_sources() {
        let cx = MemoryContext::new().with_path("app/x").with_path("a b.txt");
        let src = "FROM a AS b\nFROM a\nCOPY . /src\nCOPY ./app/ \"a b.txt\" /dst/\nCOPY --from=b /nowhere /x\nADD https://example.com/f /f\nCOPY <<EOF /f\nx\nEOF\n";
        assert!(lint_in(&RULE, src, &cx, true).is_empty());
    }

    #[test]
    fn expands_build_args() {
        let cx = MemoryContext::new().with_path("dist/app");
        let src =
            "FROM a\nARG OUT=dist\nCOPY ${OUT}/app /app\nCOPY $OUT/nope /x\nCOPY $UNKNOWN/x /y\n";
        let found = lint_in(&RULE, src, &cx, true);
        assert_eq!(underlined(src, &found), ["$OUT/nope"]);
    }

    #[test]
    fn absolute_and_escaping_sources_are_left_to_their_rules() {
        let src = "FROM a\nCOPY /abs ../up /dst/\n";
        assert!(lint_in(&RULE, src, &MemoryContext::new(), true).is_empty());
    }
}
