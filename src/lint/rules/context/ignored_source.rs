use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::sources::{
    context_sources, describe_pattern, for_guessed_context, has_wildcard, Presence, SourceKind,
    Verdict,
};

pub static RULE: Rule = Rule {
    code: "BL3004",
    name: "ignored-copy-source",
    aliases: &["CopyIgnoredFile"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A COPY or ADD source is excluded from the build context by .dockerignore.",
    doc: r#"## What it does
Checks every `COPY` and `ADD` source against the build's `.dockerignore` (or
`<Dockerfile>.dockerignore`) and names the pattern, and its line, that excludes it. A literal
source that is excluded fails the build; a wildcard whose every match is excluded copies nothing.

BuildKit's `CopyIgnoredFile` check stops as soon as the ignore file holds an exception (`!path`);
this rule follows exceptions: a directory whose files are brought back by `!dir/keep` is not
reported. It follows them as the builder's walker does: `docs` then `!**/*.md` brings
`docs/guide.md` back for BuildKit, whose sender opens `docs`, but not for the classic builder,
whose walker opens an excluded directory only for an exception that starts with it. `check`
lints for BuildKit (the default builder); `buildlint build --builder classic` for the classic
builder.

When the build context is only guessed (the Dockerfile's directory, because neither
`--context-dir`, the configuration nor a stack file names it), findings are reported at `info` and
say the build will fail *if* the context is the Dockerfile's directory: the same policy for every
rule that depends on what the context holds.

## Why is this bad?
The file is on disk, so the `COPY` looks right, but the build never sees it: it fails with
`not found`, or silently copies less than the author expects.

## Example
```files
config/app.yaml
```
```dockerignore
config
```
```dockerfile
FROM alpine:3.20
COPY config/app.yaml /etc/app.yaml
```

Use instead:
```files
config/app.yaml
config/secret.key
```
```dockerignore
config/*.key
```
```dockerfile
FROM alpine:3.20
COPY config/app.yaml /etc/app.yaml
```

## How to fix
Narrow the pattern in `.dockerignore`, add an exception (`!config/app.yaml`), or stop copying the
file.

## References
- BuildKit check `CopyIgnoredFile`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (source, verdict) in context_sources(cx).iter() {
        if source.kind == SourceKind::Bind {
            continue;
        }
        let Verdict::Relative(Presence::Excluded { pattern }) = &verdict else {
            continue;
        };
        let value = &source.value;
        let by = describe_pattern(cx.context, *pattern);
        let diagnostic = if has_wildcard(&source.rel) {
            Diagnostic::new(
                source.span,
                format!("every match of `{value}` is excluded from the build context by {by}: the step copies nothing"),
            )
            .severity(Severity::Warning)
        } else {
            Diagnostic::new(
                source.span,
                format!(
                    "`{value}` is excluded from the build context by {by}, so the build will fail"
                ),
            )
        };
        let help = match pattern.and_then(|_| cx.context.ignore_file()) {
            Some(_) => format!(
                "narrow that pattern, or add an exception line `!{}` to the ignore file",
                source.rel
            ),
            None => "remove the path from the ignore file".to_string(),
        };
        out.push(for_guessed_context(cx, diagnostic.help(help)));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::context::dockerignore::IgnoreFile;
    use crate::lint::context_view::MemoryContext;
    use crate::lint::rules::context::tests::lint_in;
    use crate::lint::testing::underlined;
    use crate::lint::Severity;

    fn context(paths: &[&str], ignore: &str) -> MemoryContext {
        let mut cx = MemoryContext::new();
        for p in paths {
            cx.add(p);
        }
        cx.set_ignore(IgnoreFile::parse(ignore).expect("valid ignore file"));
        cx
    }

    #[test]
    fn names_the_pattern_and_its_line() {
        let cx = context(
            &["config/app.yaml", "app.py"],
            "# build junk\n*.log\nconfig\n",
        );
        let src = "FROM a\nCOPY app.py config/app.yaml /app/\n";
        let found = lint_in(&RULE, src, &cx, true);
        assert_eq!(underlined(src, &found), ["config/app.yaml"]);
        assert_eq!(found[0].severity, Severity::Error);
        assert!(
            found[0].message.contains("`config` (.dockerignore line 3)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn every_kind_of_source() {
        let cx = context(&["a.tgz", "dir/x", "b.txt"], "a.tgz\ndir\n*.txt\n");
        let src = "FROM a\nADD a.tgz /x/\nCOPY dir /d\nCOPY *.txt /t/\n";
        let found = lint_in(&RULE, src, &cx, true);
        assert_eq!(underlined(src, &found), ["a.tgz", "dir", "*.txt"]);
        assert_eq!(found[2].severity, Severity::Warning);
    }

    #[test]
    fn follows_exceptions() {
        let cx = context(
            &["config/app.yaml", "config/secret.key"],
            "config\n!config/app.yaml\n",
        );
        let src = "FROM a\nCOPY config /c\nCOPY config/secret.key /k\n";
        let found = lint_in(&RULE, src, &cx, true);
        assert_eq!(underlined(src, &found), ["config/secret.key"]);
    }

    #[test]
    fn guessed_context_reports_at_info() {
        let cx = context(&["secret.env"], "*.env\n");
        let src = "FROM a\nCOPY secret.env /s\n";
        let found = lint_in(&RULE, src, &cx, false);
        assert_eq!(found[0].severity, Severity::Info);
    }

    #[test]
    fn quiet_when_only_part_of_a_directory_is_excluded() {
        let cx = context(&["src/a.rs", "src/a.log"], "src/*.log\n");
        assert!(lint_in(
            &RULE,
            "FROM a\nCOPY src /src\nCOPY src/*.rs /r/\n",
            &cx,
            true
        )
        .is_empty());
    }
}
