use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::labels::pairs;

pub static RULE: Rule = Rule {
    code: "BL1113",
    name: "invalid-label-key",
    aliases: &["DL3048"],
    severity: Severity::Style,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A label key does not follow Docker's key format.",
    doc: r#"## What it does
Checks label keys against Docker's guidelines: lower-case letters, digits, `.` and `-`; starting
with a letter and ending with a letter or digit; no `..` or `--`; and not in the namespaces
Docker reserves (`com.docker.`, `io.docker.`, `org.dockerproject.`).

## Why is this bad?
Keys outside the format clash with other tools' labels or are ignored by them; reverse-DNS keys
(`org.opencontainers.image.title`) stay unique.

## Example
```dockerfile
FROM alpine:3.20
LABEL Maintainer_Name="Jane"
```

Use instead:
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.authors="Jane <jane@example.com>"
```

## References
- hadolint DL3048
- Docker documentation, "Docker object labels"
"#,
    check: Check::Dockerfile(check),
};

pub(crate) fn key_problem(key: &str) -> Option<&'static str> {
    let first = key.chars().next()?;
    let last = key.chars().last()?;
    if !first.is_ascii_lowercase() {
        return Some("it must start with a lower-case letter");
    }
    if !(last.is_ascii_lowercase() || last.is_ascii_digit()) {
        return Some("it must end with a lower-case letter or a digit");
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        return Some("it may hold only lower-case letters, digits, `.` and `-`");
    }
    if key.contains("..") || key.contains("--") {
        return Some("it must not hold `..` or `--`");
    }
    if ["com.docker.", "io.docker.", "org.dockerproject."]
        .iter()
        .any(|ns| key.starts_with(ns))
    {
        return Some("its namespace is reserved by Docker");
    }
    None
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (kv, key, _) in pairs(cx) {
        if let Some(problem) = key_problem(&key) {
            out.push(
                Diagnostic::new(kv.key.span, format!("label key `{key}` is not valid: {problem}"))
                    .help("use a reverse-DNS key in lower case, e.g. `org.opencontainers.image.title` or `com.example.team`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_bad_keys() {
        assert_fires(&RULE, "FROM a\nLABEL Maintainer=x\n", &["Maintainer"]);
        assert_fires(
            &RULE,
            "FROM a\nLABEL a_b=1 c..d=2 e-=3\n",
            &["a_b", "c..d", "e-"],
        );
        assert_fires(
            &RULE,
            "FROM a\nLABEL com.docker.thing=1\n",
            &["com.docker.thing"],
        );
    }

    #[test]
    fn fires_on_quoted_keys() {
        assert_fires(&RULE, "FROM a\nLABEL \"1abc\"=x\n", &["\"1abc\""]);
    }

    #[test]
    fn quiet_on_good_keys() {
        assert_quiet(
            &RULE,
            "FROM a\nLABEL org.opencontainers.image.title=x com.example.v2=y\n",
        );
        assert_quiet(&RULE, "FROM a\nLABEL \"maintainer\"=\"me\"\n");
        assert_quiet(&RULE, "FROM a\nLABEL $KEY=x\n");
    }
}
