use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL1100",
    name: "inline-ignore-pragma",
    aliases: &["DL1001"],
    severity: Severity::Warning,
    default_enabled: false,
    fix: FixAvailability::Never,
    summary: "A comment suppresses findings inline (`# hadolint ignore=`, `# buildlint ignore=`).",
    doc: r#"## What it does
Reports every suppression comment: `# hadolint ignore=...`, `# hadolint global ignore=...`,
`# hadolint stage ignore=...`, `# buildlint ignore=...` and `# buildlint global ignore=...`.

This is a policy rule, off by default: turn it on (`select = ["inline-ignore-pragma"]`) where every
exception must be agreed in the configuration rather than in the file.

## Why is this bad?
An inline suppression hides a finding where a reviewer is unlikely to look. Teams that want every
exception to be visible keep them in `buildlint.toml`, next to the reason.

## Example
```dockerfile
FROM alpine:3.20
# hadolint ignore=DL3018
RUN apk add curl
```

Use instead:
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl=8.9.1-r2
```

## How to fix
Fix the finding, or move the exception into the configuration (`ignore = ["DL3018"]` in `buildlint.toml`).

## References
- hadolint DL1001
"#,
    check: Check::Dockerfile(check),
};

/// True when a comment's text (after `#`) is a suppression pragma.
fn is_pragma(text: &str) -> bool {
    let mut words = text.split_whitespace();
    let Some(tool) = words.next() else {
        return false;
    };
    if !tool.eq_ignore_ascii_case("hadolint") && !tool.eq_ignore_ascii_case("buildlint") {
        return false;
    }
    let rest: Vec<&str> = words.collect();
    let rest = rest.join(" ");
    let rest = rest
        .strip_prefix("global ")
        .or_else(|| rest.strip_prefix("stage "))
        .unwrap_or(&rest);
    rest.trim_start()
        .strip_prefix("ignore")
        .is_some_and(|r| r.trim_start().starts_with('='))
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for comment in &cx.df.comments {
        if is_pragma(&comment.text) {
            out.push(
                Diagnostic::new(comment.span, "an inline comment suppresses findings").help(
                    "fix the finding, or list the exception under `ignore` in buildlint.toml",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_hadolint_pragmas() {
        assert_fires(
            &RULE,
            "FROM alpine:3.20\n# hadolint ignore=DL3018\nRUN apk add curl\n",
            &["# hadolint ignore=DL3018"],
        );
        assert_fires(
            &RULE,
            "# hadolint global ignore=DL3006\nFROM alpine\n",
            &["# hadolint global ignore=DL3006"],
        );
    }

    #[test]
    fn fires_on_buildlint_pragmas() {
        assert_fires(
            &RULE,
            "FROM alpine:3.20\n  # buildlint ignore = BL1104\nADD a /a\n",
            &["# buildlint ignore = BL1104"],
        );
    }

    #[test]
    fn quiet_on_other_comments() {
        assert_quiet(
            &RULE,
            "FROM alpine:3.20\n# ignore the cache here\nRUN true\n",
        );
        assert_quiet(&RULE, "FROM alpine:3.20\n# hadolint shell=bash\nRUN true\n");
    }
}
