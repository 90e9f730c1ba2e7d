use crate::dockerfile::Args;
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};
use crate::span::Span;

use super::sources::{
    context_sources, describe_pattern, for_guessed_context, ContextSource, Presence, SourceKind,
    Verdict,
};
use crate::lint::rules::dockerfile::dl_helpers::sub_span;

pub static RULE: Rule = Rule {
    code: "BL3001",
    name: "absolute-copy-source",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "A COPY or ADD source is written as an absolute path, as if it came from the host.",
    doc: r#"## What it does
Checks `COPY` and `ADD` sources written as absolute paths (`/var/www/html`). Sources are always
read from the build context, never from the host: Docker reads `/x` as `<context>/x`.

- When the context holds that path, the finding is a warning with a fix to the relative form.
- When it does not, the build will fail, and the finding is an error. Its help shows the mount
  that reads the host path at run time instead; a file copied into a directory keeps its name
  there (`-v /etc/nginx/nginx.conf:/etc/nginx/nginx.conf`, not `:/etc/nginx/`, which would hide
  the directory).

When the build context is only guessed (neither `--context-dir`, the configuration nor a stack file
names it), the error cases are reported at `info` and say the build fails *if* the context is that
directory, as every context rule does; the warning with its fix stays a warning.

## Why is this bad?
`COPY /var/www/html /www/html` reads like "copy the host's web root into the image", but a build
cannot see the host. Either the build fails (`"/var/www/html": not found`), or it silently copies
a same-named directory of the context, which the absolute path hides from readers.

## Example
```dockerfile
FROM nginx:1.27
COPY /var/www/html /usr/share/nginx/html
```

Use instead:
```files
site/index.html
```
```dockerfile
FROM nginx:1.27
COPY site /usr/share/nginx/html
```

## Fix
```files
var/www/html/
```
```dockerfile
FROM nginx:1.27
COPY /var/www/html /usr/share/nginx/html
```
```dockerfile fixed
FROM nginx:1.27
COPY var/www/html /usr/share/nginx/html
```

The fix removes the leading `/` only when the context holds the path; it is safe, since Docker
reads both forms from the same place.

## How to fix
Put the files in the build context and write the context-relative path, or, for files that
belong to the host, mount them when the container runs (`docker run -v /var/www/html:/www/html`).

## References
- Dockerfile reference: "COPY": sources are relative to the build context
"#,
    check: Check::Dockerfile(check),
};

/// The edit that drops the leading slashes of a source word, if its raw
/// text starts with them (after an opening quote).
fn relative_fix(cx: &DockerfileCx<'_>, source: &ContextSource) -> Option<Fix> {
    let raw = &source.word.raw;
    let quote = raw
        .chars()
        .next()
        .filter(|c| *c == '"' || *c == '\'')
        .map_or(0, |_| 1);
    let slashes = raw[quote..].bytes().take_while(|&b| b == b'/').count();
    if slashes == 0 {
        return None;
    }
    // Only when the file holds the word's text as is.
    crate::lint::rules::dockerfile::dl_helpers::raw_start(cx.df, &source.word)?;
    let span = sub_span(cx.df, &source.word, quote, quote + slashes);
    let rest = &raw[quote + slashes..];
    let replacement = if rest.is_empty() || rest == "\"" || rest == "'" {
        "."
    } else {
        ""
    };
    Some(Fix::safe(vec![Edit::replace(span, replacement)]))
}

/// Where the source lands in the image, as a mount target: a file copied
/// into a directory (`COPY /etc/nginx/nginx.conf /etc/nginx/`) lands at
/// `/etc/nginx/nginx.conf`, and a mount must name that file, not hide the
/// whole directory.
fn destination(cx: &DockerfileCx<'_>, source: &ContextSource) -> Option<String> {
    let dest = match &cx.df.instructions.get(source.inst)?.args {
        Args::Copy(a) | Args::Add(a) => a.dest.as_ref().map(|d| d.raw.clone())?,
        _ => return None,
    };
    let name = source.value.trim_end_matches('/').rsplit('/').next()?;
    let names_a_file = !source.value.ends_with('/')
        && name.contains('.')
        && !name.starts_with('.')
        && !name.contains(['*', '?', '[']);
    Some(if names_a_file && dest.ends_with('/') {
        format!("{dest}{name}")
    } else {
        dest
    })
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (source, verdict) in context_sources(cx).iter() {
        let Verdict::Absolute(presence) = &verdict else {
            continue;
        };
        if source.kind == SourceKind::Bind {
            continue;
        }
        let kw = source.kind.name();
        let value = &source.value;
        let rel = if source.rel.is_empty() {
            ".".to_string()
        } else {
            source.rel.clone()
        };
        let span: Span = source.span;
        let host_help = match destination(cx, source) {
            Some(dest) => format!(
                "put the files in the build context and write `{rel}`, or mount the host path when the container runs: `docker run -v {value}:{dest} ...`"
            ),
            None => format!("put the files in the build context and write `{rel}`"),
        };
        let diagnostic = match presence {
            Presence::Present => Diagnostic::new(
                span,
                format!(
                    "`{value}` is an absolute path: {kw} reads it from the build context, as `{rel}`, never from the host"
                ),
            )
            .help(format!("write the context-relative path `{rel}`"))
            .severity(Severity::Warning)
            .maybe_fix(relative_fix(cx, source)),
            Presence::Excluded { pattern } => Diagnostic::new(
                span,
                format!(
                    "`{value}` is an absolute path: {kw} reads it from the build context as `{rel}`, which {} excludes, so the build will fail",
                    describe_pattern(cx.context, *pattern)
                ),
            )
            .help(format!(
                "write `{rel}` and keep it out of .dockerignore, or mount the host path when the container runs"
            )),
            Presence::Missing | Presence::NoMatch => Diagnostic::new(
                span,
                format!(
                    "`{value}` is not in the build context: {kw} reads sources from the context (as `{rel}`), never from the host, so the build will fail"
                ),
            )
            .help(host_help),
        };
        // Whether the build fails depends on what the context holds.
        let diagnostic = match presence {
            Presence::Present => diagnostic,
            _ => for_guessed_context(cx, diagnostic),
        };
        out.push(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::context_view::MemoryContext;
    use crate::lint::rules::context::tests::lint_in;
    use crate::lint::testing::{assert_fires, assert_quiet, underlined};
    use crate::lint::{Applicability, Severity};

    #[test]
    fn missing_absolute_source_is_an_error_without_fix() {
        let src = "FROM nginx:latest\nCOPY /var/www/html /www/html\n";
        let found = lint_in(&RULE, src, &MemoryContext::new(), true);
        assert_eq!(underlined(src, &found), ["/var/www/html"]);
        assert_eq!(found[0].severity, Severity::Error);
        assert!(found[0].fix.is_none());
        assert!(found[0].message.ends_with("so the build will fail"));
        assert_eq!(found[0].start().line, 2);
        // A guessed context: the same policy as every context rule.
        let guessed = lint_in(&RULE, src, &MemoryContext::new(), false);
        assert_eq!(guessed[0].severity, Severity::Info);
        assert!(guessed[0]
            .message
            .contains("the build will fail if the build context is"));
        assert!(guessed[0]
            .help
            .as_deref()
            .unwrap()
            .contains("--context-dir"));
    }

    #[test]
    fn the_mount_hint_keeps_a_file_a_file() {
        let src = "FROM nginx:1.27\nCOPY /etc/nginx/nginx.conf /etc/nginx/\nCOPY /srv/www/ /usr/share/nginx/html/\n";
        let found = lint_in(&RULE, src, &MemoryContext::new(), true);
        let helps: Vec<&str> = found.iter().map(|f| f.help.as_deref().unwrap()).collect();
        assert!(
            helps[0].contains("-v /etc/nginx/nginx.conf:/etc/nginx/nginx.conf "),
            "{}",
            helps[0]
        );
        assert!(
            helps[1].contains("-v /srv/www/:/usr/share/nginx/html/ "),
            "{}",
            helps[1]
        );
    }

    #[test]
    fn present_absolute_source_is_a_warning_with_a_safe_fix() {
        let src = "FROM nginx:latest\nCOPY /var/www/html /www/html\n";
        let cx = MemoryContext::new().with_path("var/www/html/");
        let found = lint_in(&RULE, src, &cx, true);
        assert_eq!(underlined(src, &found), ["/var/www/html"]);
        assert_eq!(found[0].severity, Severity::Warning);
        let fix = found[0].fix.as_ref().expect("a fix");
        assert_eq!(fix.applicability, Applicability::Safe);
        let mut fixed = src.to_string();
        for e in fix.edits.iter().rev() {
            fixed.replace_range(e.start as usize..e.end as usize, &e.replacement);
        }
        assert_eq!(fixed, "FROM nginx:latest\nCOPY var/www/html /www/html\n");
    }

    #[test]
    fn quoted_and_root_sources_fix_cleanly() {
        let src = "FROM a\nCOPY [\"/app\", \"/\", \"/dst/\"]\n";
        let cx = MemoryContext::new().with_path("app/x");
        let found = lint_in(&RULE, src, &cx, true);
        assert_eq!(underlined(src, &found), ["\"/app\"", "\"/\""]);
        let mut fixed = src.to_string();
        let mut edits: Vec<_> = found
            .iter()
            .flat_map(|f| f.fix.clone().unwrap().edits)
            .collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.start));
        for e in edits {
            fixed.replace_range(e.start as usize..e.end as usize, &e.replacement);
        }
        assert_eq!(fixed, "FROM a\nCOPY [\"app\", \".\", \"/dst/\"]\n");
    }

    #[test]
    fn quiet_on_relative_and_stage_sources() {
        assert_quiet(&RULE, "FROM a\nCOPY src /src\n");
        assert_quiet(&RULE, "FROM a AS b\nFROM a\nCOPY --from=b /out /out\n");
        assert_quiet(&RULE, "FROM a\nADD https://example.com/x.tgz /x\n");
        assert_quiet(&RULE, "FROM a\nCOPY <<EOF /etc/motd\nhello\nEOF\n");
    }

    #[test]
    fn fires_on_absolute_add_and_wildcards() {
        assert_fires(&RULE, "FROM a\nADD /etc/passwd /x\n", &["/etc/passwd"]);
        assert_fires(&RULE, "FROM a\nCOPY /src/*.js /app/\n", &["/src/*.js"]);
    }

    #[test]
    fn skips_stages_the_target_does_not_need() {
        let src = "FROM a AS dev\nCOPY /host /x\nFROM a AS prod\nCOPY /app /app\n";
        let found =
            super::super::tests::lint_stages(&RULE, src, &MemoryContext::new(), &[false, true]);
        assert_eq!(underlined(src, &found), ["/app"]);
        let all = lint_in(&RULE, src, &MemoryContext::new(), true);
        assert_eq!(underlined(src, &all), ["/host", "/app"]);
    }
}
