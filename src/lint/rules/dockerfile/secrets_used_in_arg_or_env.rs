use crate::dockerfile::{Args, Word};
use crate::lint::semantic::literal;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::bk;
use super::secret_value_in_arg_or_env::{plainly_not_secret, why_secret};

pub static RULE: Rule = Rule {
    code: "BL1017",
    name: "secrets-used-in-arg-or-env",
    aliases: &["SecretsUsedInArgOrEnv"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An ARG or ENV name suggests it holds a secret.",
    doc: r#"## What it does
Checks ARG and ENV names for words that suggest a secret: `apikey`, `auth`,
`credential(s)`, `key`, `password`, `pword`, `passwd`, `secret` or `token`,
as a whole name or as one of its `_`-separated words (`GITHUB_TOKEN`,
`db_password`). Names that also hold `public`, `file` or `version` are
left alone (`PUBLIC_KEY`, `KEY_FILE`).

The value counts too: a name set to something that is plainly not a secret
is not reported: a path (`SSL_KEY=/etc/ssl/private/server.key`), public key
fingerprints (`GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305`), a boolean
or a number (`AUTH_ENABLED=false`), or, when the only secret word is `key`, a
plain word (`Logging__Console__FormatterOptions__Key=ProcessId`). BuildKit
looks at the name alone; a value in a known credential format is always
reported (by `secret-in-arg-or-env-value` too). The message says what made
the finding: the name alone (`by its name alone`: no value, a variable, or a
value in no known format), or the name and a value in a known format, named
(`by its name, and its value is a Google API key`).

## Why is this bad?
ENV values are stored in the image's configuration, and ARG values in its
build history: anyone who can pull the image can read them.

## Example
```dockerfile
ARG AWS_ACCESS_KEY_ID
ARG AWS_SECRET_ACCESS_KEY
RUN aws s3 cp s3://my-bucket/file .
```

Use instead:
```dockerfile
RUN --mount=type=secret,id=aws_key_id,env=AWS_ACCESS_KEY_ID \
    --mount=type=secret,id=aws_secret_key,env=AWS_SECRET_ACCESS_KEY \
    aws s3 cp s3://my-bucket/file .
```

Not reported:
```dockerfile
FROM python:3.12-slim
ENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305
ENV TLS_KEY=/run/secrets/tls.key AUTH_ENABLED=false
```

## References
- BuildKit check `SecretsUsedInArgOrEnv`
- hadolint DL3064 looks for a list of known names and is a separate rule.
"#,
    check: Check::Dockerfile(check),
};

/// Words that make a name look like a secret's, and words that clear it.
const DENY: [&str; 10] = [
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "pword",
    "passwd",
    "secret",
    "token",
];
const ALLOW: [&str; 3] = ["public", "file", "version"];

/// Whether one of the `_`-separated words of `name` is one of `words`,
/// ignoring case as BuildKit's `(?i)(?:_|^)(?:words)(?:_|$)` does (simple
/// case folding, where the Kelvin sign is a `k` and the long s an `s`).
/// Matched by hand: compiling those patterns cost more than linting a
/// typical Dockerfile.
fn has_word(name: &str, words: &[&str]) -> bool {
    name.split('_').any(|part| {
        words.iter().any(|w| {
            let mut chars = part.chars();
            w.bytes().all(|b| {
                chars.next().is_some_and(|c| match c {
                    '\u{212A}' => b == b'k',
                    '\u{17F}' => b == b's',
                    c => c.is_ascii() && (c as u8).eq_ignore_ascii_case(&b),
                })
            }) && chars.next().is_none()
        })
    })
}

/// Whether a variable name looks like it holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    has_word(name, &DENY) && !has_word(name, &ALLOW)
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in bk::dispatched(cx) {
        let names: Vec<(&Word, Option<&Word>)> = match &inst.args {
            Args::Arg(decls) => decls
                .iter()
                .map(|d| (&d.name, d.default.as_ref()))
                .collect(),
            Args::Env(pairs) => pairs.iter().map(|kv| (&kv.key, Some(&kv.value))).collect(),
            _ => continue,
        };
        for (word, value) in names {
            let name = literal(word, cx.df.escape).unwrap_or_else(|| word.raw.clone());
            if !is_secret_name(&name) {
                continue;
            }
            let value = value.and_then(|v| literal(v, cx.df.escape));
            if value
                .as_deref()
                .is_some_and(|v| plainly_not_secret(&name, v).is_some())
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    word.span,
                    format!(
                        "`{name}` looks like a secret ({}), and {} values are kept in the image",
                        why_secret(value.as_deref()),
                        inst.kind.name()
                    ),
                )
                .help(
                    "pass it with a secret mount: `RUN --mount=type=secret,id=<id>,env=<NAME> ...`",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_secret_name, RULE};
    use crate::lint::testing::{assert_fires, assert_quiet};

    /// The matcher against BuildKit's patterns, on names built from the
    /// words, separators and look-alike characters.
    #[test]
    fn words_match_as_the_patterns_do() {
        use regex::Regex;
        let word = |alts: &[&str]| {
            Regex::new(&format!("(?i)(?:_|^)(?:{})(?:_|$)", alts.join("|"))).unwrap()
        };
        let (deny, allow) = (word(&super::DENY), word(&super::ALLOW));
        let pieces = [
            "key",
            "KEY",
            "Key",
            "\u{212A}ey",
            "\u{17F}ecret",
            "secre",
            "tokens",
            "auth",
            "apikey",
            "public",
            "FILE",
            "version",
            "x",
            "",
            "_",
            "__",
            "-",
            "db",
            "password",
            "passwd",
            "pword",
            "credential",
            "credentials",
            "é",
            "keyé",
        ];
        let mut names = Vec::new();
        for a in pieces {
            for b in pieces {
                for sep in ["_", "", "-", "__"] {
                    names.push(format!("{a}{sep}{b}"));
                    names.push(format!("{sep}{a}_{b}{sep}"));
                }
            }
        }
        for name in names {
            assert_eq!(
                is_secret_name(&name),
                deny.is_match(&name) && !allow.is_match(&name),
                "{name:?}"
            );
        }
    }

    #[test]
    fn secret_words() {
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "db_password",
            "AUTH",
            "api_KEY",
            "CREDENTIALS",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "PUBLIC_KEY",
            "KEY_FILE",
            "TOKEN_VERSION",
            "KEYS",
            "MONKEY",
            "PATH",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn fires_on_arg_and_env() {
        assert_fires(
            &RULE,
            "ARG AWS_ACCESS_KEY_ID\nARG AWS_SECRET_ACCESS_KEY\nRUN aws s3 cp s3://b/f .\n",
            &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
        );
        assert_fires(&RULE, "FROM a\nENV GITHUB_TOKEN=abc\n", &["GITHUB_TOKEN"]);
        assert_fires(
            &RULE,
            "FROM a\nARG db_password=x other=y\n",
            &["db_password"],
        );
        assert_quiet(&RULE, "FROM a\nENV PUBLIC_KEY=x NODE_VERSION=1\n");
    }

    #[test]
    fn the_message_says_what_made_it_a_secret() {
        let message = |src: &str| {
            let found = crate::lint::testing::lint(&RULE, src);
            assert_eq!(found.len(), 1, "{src}");
            found[0].message.clone()
        };
        assert_eq!(
            message("FROM a\nARG GITHUB_TOKEN\n"),
            "`GITHUB_TOKEN` looks like a secret (by its name alone), and ARG values are kept in the image"
        );
        assert_eq!(
            message("FROM a\nENV DB_PASSWORD=postgres\n"),
            "`DB_PASSWORD` looks like a secret (by its name alone), and ENV values are kept in the image"
        );
        assert_eq!(
            message("FROM a\nENV API_KEY=AIzaSyD-0123456789abcdefghijklmnopqrstu\n"),
            "`API_KEY` looks like a secret (by its name, and its value is a Google API key), and ENV values are kept in the image"
        );
    }

    #[test]
    fn quiet_on_values_that_are_not_secrets() {
        for src in [
            "FROM python:3.12\nENV GPG_KEY 7169605F62C751356D054A26A821E680E5FA6305\n",
            "FROM php:8\nENV GPG_KEYS 1198C0117593497A5EC5C199286AF1F9897469DC 39B641343D8C104B2B146DC3F9C39DC0B9698544\n",
            "FROM a\nENV SSL_KEY=/etc/ssl/private/server.key\n",
            "FROM a\nARG AUTH_ENABLED=false\n",
            "FROM a\nENV Logging__Console__FormatterOptions__Key=ProcessId\n",
            "FROM a\nENV TOKEN_TTL=3600\n",
        ] {
            assert_quiet(&RULE, src);
        }
        // A real-looking value, a password word, or no value: reported.
        assert_fires(
            &RULE,
            "FROM a\nENV DB_PASSWORD=postgres\n",
            &["DB_PASSWORD"],
        );
        assert_fires(
            &RULE,
            "FROM a\nENV API_KEY=AIzaSyD-0123456789abcdefghijklmnopqrstu\n",
            &["API_KEY"],
        );
        assert_fires(&RULE, "FROM a\nARG GITHUB_TOKEN\n", &["GITHUB_TOKEN"]);
        assert_quiet(
            &RULE,
            "RUN --mount=type=secret,id=aws_key_id,env=AWS_ACCESS_KEY_ID aws s3 cp s3://b/f .\n",
        );
    }
}
