use crate::context::dockerignore::go_clean;
use crate::dockerfile::expand::Lexer;
use crate::dockerfile::{Args, Kind};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1020",
    name: "copy-ignored-file",
    aliases: &["CopyIgnoredFile"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "COPY or ADD names a source that .dockerignore excludes.",
    doc: r#"## What it does
Checks each source of `COPY` (without `--from`) and `ADD` against the build
context's `.dockerignore`. Like BuildKit, it stays quiet when the ignore file
has `!` exceptions, which a static check cannot follow reliably.

## Why is this bad?
Excluded files are not sent to the builder: the instruction fails with
"not found", or a wildcard silently copies fewer files than expected.

## Example
```dockerignore
tmp
```

```dockerfile
FROM scratch
COPY ./tmp/helloworld.txt /helloworld.txt
```

Use instead:
```dockerignore
tmp
```

```dockerfile
FROM scratch
COPY ./forever/helloworld.txt /helloworld.txt
```

## References
- BuildKit check `CopyIgnoredFile`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let Some(ignore) = cx.context.ignore_file() else {
        return;
    };
    if ignore.has_exceptions() {
        return;
    }
    let lexer = Lexer::new(cx.df.escape);
    bk::walk(cx, |inst, scope| {
        let sources = match (&inst.kind, &inst.args) {
            (Kind::Copy, Args::Copy(c)) if inst.flag("from").is_none() => &c.sources,
            (Kind::Add, Args::Add(c)) => &c.sources,
            _ => return,
        };
        for word in sources {
            let Ok(e) = lexer.process(&word.raw, scope) else {
                continue;
            };
            if e.uncertain || !e.unmatched().is_empty() || bk::is_remote_source(&e.value) {
                continue;
            }
            let cleaned = go_clean(&e.value);
            let path = cleaned.trim_start_matches('/');
            if path.is_empty() || path == "." {
                continue;
            }
            let decision = ignore.decide(path);
            if !decision.excluded {
                continue;
            }
            let by = decision
                .pattern
                .and_then(|i| ignore.patterns.get(i))
                .map(|p| format!(" (pattern `{}` on line {})", p.raw, p.line))
                .unwrap_or_default();
            let mut diag = Diagnostic::new(
                word.span,
                format!(
                    "`{path}` is excluded by .dockerignore{by}, so {} cannot read it",
                    inst.kind.name()
                ),
            )
            .help("remove this source, or stop excluding it in .dockerignore");
            if !cx.context_known {
                diag = diag.severity(Severity::Info).help(
                    "the build context is only guessed (the Dockerfile's directory); set it with `--context-dir DIR` if this .dockerignore is not the build's",
                );
            }
            out.push(diag);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::context::dockerignore::IgnoreFile;
    use crate::lint::context_view::MemoryContext;
    use crate::lint::rules::context::tests::lint_in;
    use crate::lint::testing::underlined;
    use crate::lint::Severity;

    fn run(ignore: &str, src: &str, known: bool) -> Vec<crate::lint::Finding> {
        let mut ctx = MemoryContext::new();
        ctx.set_ignore(IgnoreFile::parse(ignore).unwrap());
        lint_in(&RULE, src, &ctx, known)
    }

    fn fires(ignore: &str, src: &str, expected: &[&str]) {
        assert_eq!(underlined(src, &run(ignore, src, true)), expected, "{src}");
    }

    #[test]
    fn fires_on_excluded_sources() {
        fires(
            "tmp\n",
            "FROM scratch\nCOPY ./tmp/helloworld.txt /helloworld.txt\n",
            &["./tmp/helloworld.txt"],
        );
        fires(
            "*.log\nsecrets/\n",
            "FROM scratch\nCOPY app.log secrets/key.pem ok.txt /dst/\nADD /secrets /s\n",
            &["app.log", "secrets/key.pem", "/secrets"],
        );
        fires(
            "node_modules\n",
            "FROM scratch\nARG DIR=node_modules\nCOPY ${DIR}/x /x\n",
            &["${DIR}/x"],
        );
        fires(
            "tmp\n",
            "FROM scratch\nCOPY ./forever/helloworld.txt /x\n",
            &[],
        );
        // From another stage, from a URL: not the context.
        fires(
            "tmp\n",
            "FROM scratch AS a\nFROM scratch\nCOPY --from=a tmp /x\n",
            &[],
        );
        fires(
            "tmp\n",
            "FROM scratch\nADD https://example.com/tmp /x\n",
            &[],
        );
    }

    #[test]
    fn exceptions_turn_it_off() {
        fires(
            "tmp\n!tmp/keep.txt\n",
            "FROM scratch\nCOPY tmp/other.txt /x\n",
            &[],
        );
    }

    #[test]
    fn guessed_context_is_info() {
        let f = run("tmp\n", "FROM scratch\nCOPY tmp/a /a\n", false);
        assert_eq!(f[0].severity, Severity::Info);
        let f = run("tmp\n", "FROM scratch\nCOPY tmp/a /a\n", true);
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(
            f[0].message.contains("pattern `tmp` on line 1"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn no_ignore_file_is_quiet() {
        let ctx = MemoryContext::new();
        let f = lint_in(&RULE, "FROM scratch\nCOPY tmp /x\n", &ctx, true);
        assert!(f.is_empty());
    }
}
