use std::sync::OnceLock;

use regex::Regex;

use crate::dockerfile::{Args, Word};
use crate::lint::semantic::literal;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::bk;

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

## References
- BuildKit check `SecretsUsedInArgOrEnv`
- hadolint DL3064 looks for a list of known names and is a separate rule.
"#,
    check: Check::Dockerfile(check),
};

fn regexes() -> &'static (Regex, Regex) {
    static RE: OnceLock<(Regex, Regex)> = OnceLock::new();
    RE.get_or_init(|| {
        let deny = "apikey|auth|credential|credentials|key|password|pword|passwd|secret|token";
        let allow = "public|file|version";
        let word =
            |alts: &str| Regex::new(&format!("(?i)(?:_|^)(?:{alts})(?:_|$)")).expect("regex");
        (word(deny), word(allow))
    })
}

/// Whether a variable name looks like it holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let (deny, allow) = regexes();
    deny.is_match(name) && !allow.is_match(name)
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in bk::dispatched(cx) {
        let names: Vec<&Word> = match &inst.args {
            Args::Arg(decls) => decls.iter().map(|d| &d.name).collect(),
            Args::Env(pairs) => pairs.iter().map(|kv| &kv.key).collect(),
            _ => continue,
        };
        for word in names {
            let name = literal(word, cx.df.escape).unwrap_or_else(|| word.raw.clone());
            if !is_secret_name(&name) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    word.span,
                    format!(
                        "`{name}` looks like a secret, and {} values are kept in the image",
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
        assert_quiet(
            &RULE,
            "RUN --mount=type=secret,id=aws_key_id,env=AWS_ACCESS_KEY_ID aws s3 cp s3://b/f .\n",
        );
    }
}
