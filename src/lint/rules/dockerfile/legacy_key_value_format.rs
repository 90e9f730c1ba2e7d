use crate::dockerfile::{Args, Dockerfile, Instruction, KeyValue};
use crate::lint::semantic::platform_args;
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};
use crate::span::Span;

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1015",
    name: "legacy-key-value-format",
    aliases: &["LegacyKeyValueFormat"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "ENV, LABEL or ARG uses the legacy `key value` form.",
    doc: r#"## What it does
Checks for `ENV key value` and `LABEL key value`, the legacy form with a
space between key and value, and for `ARG key value` where the second word
is no variable the Dockerfile uses (so it reads as a value, not as a second
ARG).

## Why is this bad?
The legacy form is deprecated. It takes the rest of the line as the value,
so `ENV A 1 B 2` sets `A` to `1 B 2`, and it cannot set several variables at
once.

## Example
```dockerfile
FROM alpine
ARG foo bar
```

```dockerfile
ENV DEPS \
    curl \
    git \
    make
```

Use instead:
```dockerfile
FROM alpine
ARG foo=bar
```

```dockerfile
ENV DEPS="\
    curl \
    git \
    make"
```

## Fix
```dockerfile
FROM alpine
ENV VERSION 1.2
ENV OPTS -x -y
```
```dockerfile fixed
FROM alpine
ENV VERSION=1.2
ENV OPTS="-x -y"
```

## Fix safety
For ENV and LABEL the fix writes `key=value`, quoting the value when it holds
spaces; it is safe and is offered only when the value has no quotes or escapes
that quoting would change. For ARG it is unsafe: `ARG foo bar` declares two
arguments, and the fix turns the second into the first's default.

## References
- BuildKit check `LegacyKeyValueFormat`
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in bk::dispatched(cx) {
        match &inst.args {
            Args::Env(pairs) | Args::Label(pairs) => {
                for kv in pairs.iter().filter(|kv| kv.legacy) {
                    let name = inst.kind.name();
                    out.push(
                        Diagnostic::new(
                            kv.key.span,
                            format!("`{name} {} <value>` is the legacy form", kv.key.raw),
                        )
                        .help(format!("write `{name} {}=<value>`", kv.key.raw))
                        .maybe_fix(pair_fix(cx, kv)),
                    );
                }
            }
            Args::Arg(decls) => {
                if let [first, second] = decls.as_slice() {
                    if first.default.is_none()
                        && second.default.is_none()
                        && first.name.span.end <= second.name.span.start
                        && !is_used_variable(cx.df, &second.name.raw)
                        && !is_predefined(&second.name.raw)
                    {
                        let span = first.name.span.cover(second.name.span);
                        let gap = Span::new(first.name.span.end, second.name.span.start);
                        out.push(
                            Diagnostic::new(
                                span,
                                format!(
                                    "`ARG {} {}` declares two arguments, and nothing uses `{}`",
                                    first.name.raw, second.name.raw, second.name.raw
                                ),
                            )
                            .help(format!(
                                "to give `{}` a default, write `ARG {}={}`",
                                first.name.raw, first.name.raw, second.name.raw
                            ))
                            .maybe_fix(
                                single_line(cx, gap)
                                    .then(|| Fix::unsafe_(vec![Edit::replace(gap, "=")])),
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

fn single_line(cx: &DockerfileCx<'_>, gap: Span) -> bool {
    gap.slice(&cx.df.source)
        .chars()
        .all(|c| c == ' ' || c == '\t')
}

/// `key value` → `key=value`, quoting the value when needed. The gap
/// between key and value (continuation lines included) becomes `=`, so the
/// value starts where it started before.
fn pair_fix(cx: &DockerfileCx<'_>, kv: &KeyValue) -> Option<Fix> {
    if kv.value.span.start < kv.key.span.end {
        return None;
    }
    let gap = Span::new(kv.key.span.end, kv.value.span.start);
    if bk::has_comment_inside(cx, gap) {
        return None;
    }
    let raw = &kv.value.raw;
    if !raw.is_empty() && !raw.chars().any(char::is_whitespace) {
        return Some(Fix::safe(vec![Edit::replace(gap, "=")]));
    }
    // Quotes and escapes mean something else inside double quotes.
    if raw.contains(['"', '\'', cx.df.escape]) {
        return None;
    }
    Some(Fix::safe(vec![
        Edit::replace(gap, "=\""),
        Edit::insert(kv.value.span.end, "\""),
    ]))
}

/// Whether `$name` or `${name...}` appears anywhere in the Dockerfile.
fn is_used_variable(df: &Dockerfile, name: &str) -> bool {
    let uses = |text: &str| {
        text.match_indices('$').any(|(at, _)| {
            let rest = &text[at + 1..];
            let rest = rest.strip_prefix('{').unwrap_or(rest);
            rest.starts_with(name)
                && !rest[name.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    df.instructions.iter().any(|inst: &Instruction| {
        uses(&inst.line.text) || inst.heredocs.iter().any(|h| uses(&h.content))
    })
}

/// Arguments BuildKit or Docker define without a declaration's default.
fn is_predefined(name: &str) -> bool {
    const PROXY: &[&str] = &[
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "FTP_PROXY",
        "ftp_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
    ];
    PROXY.contains(&name) || name.starts_with("BUILDKIT_") || platform_args("").contains_key(name)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    fn apply(src: &str) -> String {
        let f = lint(&RULE, src);
        let mut out = src.to_string();
        let mut edits: Vec<_> = f[0].fix.as_ref().expect("a fix").edits.clone();
        edits.sort_by_key(|e| std::cmp::Reverse(e.start));
        for e in edits {
            out.replace_range(e.start as usize..e.end as usize, &e.replacement);
        }
        out
    }

    #[test]
    fn fires_on_legacy_pairs() {
        assert_fires(&RULE, "FROM alpine\nENV A 1\n", &["A"]);
        assert_fires(&RULE, "FROM alpine\nLABEL maintainer me\n", &["maintainer"]);
        assert_fires(&RULE, "ENV DEPS \\\n    curl \\\n    git\n", &["DEPS"]);
        assert_fires(&RULE, "FROM alpine\nARG foo bar\n", &["foo bar"]);
        assert_quiet(&RULE, "FROM alpine\nENV A=1 B=\"2 3\"\nLABEL a=b\n");
        assert_quiet(&RULE, "FROM alpine\nARG foo=bar\n");
    }

    #[test]
    fn arg_pairs_that_are_real_declarations() {
        assert_quiet(&RULE, "FROM alpine\nARG TARGETOS TARGETARCH\n");
        assert_quiet(
            &RULE,
            "FROM alpine\nARG VERSION COMMIT\nRUN echo $VERSION ${COMMIT}\n",
        );
        assert_quiet(&RULE, "FROM alpine\nARG A B C\n");
    }

    #[test]
    fn fixes() {
        assert_eq!(apply("FROM a\nENV A 1\n"), "FROM a\nENV A=1\n");
        assert_eq!(apply("FROM a\nENV A 1 2\n"), "FROM a\nENV A=\"1 2\"\n");
        assert_eq!(
            apply("ENV DEPS \\\n    curl \\\n    git\n"),
            "ENV DEPS=\"curl \\\n    git\"\n"
        );
        let f = lint(&RULE, "FROM a\nENV A \"1\" 2\n");
        assert!(f[0].fix.is_none());
        let f = lint(&RULE, "FROM a\nARG foo bar\n");
        assert_eq!(
            f[0].fix.as_ref().unwrap().applicability,
            crate::lint::Applicability::Unsafe
        );
        assert_eq!(apply("FROM a\nARG foo bar\n"), "FROM a\nARG foo=bar\n");
    }
}
