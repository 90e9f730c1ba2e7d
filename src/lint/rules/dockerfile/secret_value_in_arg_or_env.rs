use std::sync::OnceLock;

use regex::Regex;

use crate::dockerfile::{Args, Word};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::{has_variable, literal};

pub static RULE: Rule = Rule {
    code: "BL1132",
    name: "secret-in-arg-or-env-value",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An ARG default or ENV value holds a credential.",
    doc: r#"## What it does
Checks the values of `ENV` and the defaults of `ARG` for credentials, whatever the variable is
called: cloud and service tokens by their known formats (AWS access keys, GitHub, GitLab, Slack,
Stripe, npm, PyPI, Google API keys, JSON Web Tokens), private key blocks, and URLs with a password
(`https://user:pass@host`).

Name-based checks (`sensitive-arg-or-env-name`, BuildKit's `SecretsUsedInArgOrEnv`) miss
`ENV DATABASE_URL=postgres://app:hunter2@db/app`; this rule reads the value.

## Why is this bad?
The value is stored in the image's configuration and history: everyone who can pull the image can
read the credential. Rotating it is then the only fix.

## Example
```dockerfile
FROM python:3.12
ENV DATABASE_URL=postgres://app:hunter2@db:5432/app
```

Use instead:
```dockerfile
FROM python:3.12
ENV DATABASE_URL=postgres://app@db:5432/app
```

## How to fix
Remove the credential from the Dockerfile and rotate it. Pass credentials at run time
(`docker run -e`, a secrets manager) or, for the build, with `RUN --mount=type=secret`.

## References
- KICS "Passwords And Secrets"; Trivy DS-0031
"#,
    check: Check::Dockerfile(check),
};

fn patterns() -> &'static [(Regex, &'static str)] {
    static P: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    P.get_or_init(|| {
        [
            (r"(?-u:\b)(AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)", "an AWS access key ID"),
            (r"(?-u:\b)gh[pousr]_[A-Za-z0-9]{36,}(?-u:\b)", "a GitHub token"),
            (r"(?-u:\b)github_pat_[A-Za-z0-9_]{50,}(?-u:\b)", "a GitHub token"),
            (r"(?-u:\b)glpat-[A-Za-z0-9_-]{20,}(?-u:\b)", "a GitLab token"),
            (r"(?-u:\b)xox[baprs]-[A-Za-z0-9-]{10,}(?-u:\b)", "a Slack token"),
            (r"(?-u:\b)[sr]k_live_[A-Za-z0-9]{20,}(?-u:\b)", "a Stripe secret key"),
            (r"(?-u:\b)npm_[A-Za-z0-9]{36}(?-u:\b)", "an npm token"),
            (
                r"(?-u:\b)pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}(?-u:\b)",
                "a PyPI token",
            ),
            (r"(?-u:\b)AIza[0-9A-Za-z_-]{35}(?-u:\b)", "a Google API key"),
            (
                r"(?-u:\b)eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
                "a JSON Web Token",
            ),
            (r"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----", "a private key"),
            (r"(?-u:\b)sk-[A-Za-z0-9_-]{32,}(?-u:\b)", "an API secret key"),
            (
                r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@$]+:([^/\s@$]+)@[^\s/]+",
                "a URL with a password",
            ),
        ]
        .into_iter()
        .map(|(re, what)| (Regex::new(re).expect("valid pattern"), what))
        .collect()
    })
}

/// What kind of credential a value holds, if any.
pub(crate) fn secret_in(value: &str) -> Option<&'static str> {
    patterns().iter().find_map(|(re, what)| {
        re.captures(value).and_then(|c| {
            // A URL password that is a placeholder is not a leak.
            if *what == "a URL with a password" {
                let pw = c.get(1)?.as_str();
                let placeholder = pw.starts_with('<')
                    || pw.starts_with('{')
                    || pw.chars().all(|ch| ch == '*' || ch == 'x');
                (!placeholder).then_some(*what)
            } else {
                Some(*what)
            }
        })
    })
}

fn report(cx: &DockerfileCx<'_>, name: &str, value: &Word, out: &mut Diagnostics) {
    let text = literal(&value.raw, cx.df.escape).unwrap_or_else(|| value.raw.clone());
    // A URL whose password is a variable (`https://u:$TOKEN@host`) is not a literal secret.
    if let Some(what) = secret_in(&text) {
        if what == "a URL with a password"
            && has_variable(&value.raw, cx.df.escape)
            && literal(&value.raw, cx.df.escape).is_none()
        {
            return;
        }
        out.push(
            Diagnostic::new(value.span, format!("the value of `{name}` holds {what}, which the image keeps readable"))
                .help("remove it from the Dockerfile and rotate it; pass credentials at run time, or to the build with `RUN --mount=type=secret`"),
        );
    }
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        match &inst.effective().args {
            Args::Arg(decls) => {
                for d in decls {
                    if let Some(default) = &d.default {
                        report(cx, &d.name.raw, default, out);
                    }
                }
            }
            Args::Env(pairs) => {
                for p in pairs {
                    report(cx, &p.key.raw, &p.value, out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_token_formats() {
        assert_fires(
            &RULE,
            "FROM a\nENV KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
            &["AKIAIOSFODNN7EXAMPLE"],
        );
        assert_fires(
            &RULE,
            "FROM a\nARG T=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n",
            &["ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"],
        );
        assert_fires(
            &RULE,
            "FROM a\nENV K=\"-----BEGIN RSA PRIVATE KEY-----\"\n",
            &["\"-----BEGIN RSA PRIVATE KEY-----\""],
        );
    }

    #[test]
    fn fires_on_url_passwords() {
        assert_fires(
            &RULE,
            "FROM a\nENV DATABASE_URL=postgres://app:hunter2@db:5432/app\n",
            &["postgres://app:hunter2@db:5432/app"],
        );
        assert_fires(
            &RULE,
            "FROM a\nENV A=1 PIP_INDEX_URL=https://u:p4ss@pypi.example.com/simple\n",
            &["https://u:p4ss@pypi.example.com/simple"],
        );
    }

    #[test]
    fn quiet_on_plain_values_and_variables() {
        assert_quiet(&RULE, "FROM a\nENV DATABASE_URL=postgres://app@db/app\n");
        assert_quiet(
            &RULE,
            "FROM a\nENV URL=https://u:$TOKEN@example.com/x\nARG PASSWORD\n",
        );
        assert_quiet(
            &RULE,
            "FROM a\nENV URL=https://user:<password>@example.com\n",
        );
        assert_quiet(
            &RULE,
            "FROM a\nENV PATH=/usr/local/bin:$PATH TZ=Europe/Paris\n",
        );
    }
}
