use crate::dockerfile::{Args, Word};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::secret_value_in_arg_or_env::{plainly_not_secret, why_secret};

pub static RULE: Rule = Rule {
    code: "BL1125",
    name: "sensitive-arg-or-env-name",
    aliases: &["DL3064"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An ARG or ENV is named like a credential.",
    doc: r#"## What it does
Checks `ARG` and `ENV` names against a list of well-known credential variables
(`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`, `NPM_TOKEN`, ...) and names holding `password`,
`secret`, `token`, `private`, `api_key`, `client_key` or `username`.

BuildKit's `SecretsUsedInArgOrEnv` matches name words by a pattern instead; `secret-in-arg-or-env-value`
looks at the values. A value that is plainly not a secret (a path, public key fingerprints, a
boolean or a number) is not reported, as in `secrets-used-in-arg-or-env`. The message says what
made the finding: the name alone (`by its name alone`), or the name and a value in a known
credential format, named (`by its name, and its value is a GitHub token`).

## Why is this bad?
Build arguments and environment variables are stored in the image: `docker history` and
`docker inspect` show them to anyone who can pull it.

## Example
```dockerfile
FROM node:22
ARG NPM_TOKEN
RUN npm ci
```

Use instead:
```dockerfile
FROM node:22
RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci
```

## How to fix
Pass secrets with `RUN --mount=type=secret` (`docker build --secret id=npm_token,env=NPM_TOKEN`),
which never writes them into a layer.

## References
- hadolint DL3064
- BuildKit check `SecretsUsedInArgOrEnv`
"#,
    check: Check::Dockerfile(check),
};

const KNOWN: &[&str] = &[
    "ACCESS_TOKEN",
    "APPLICATION_KEY",
    "APP_SECRET",
    "AUTH_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BITTREX_API_KEY",
    "BITTREX_API_SECRET",
    "CF_PASSWORD",
    "CF_USERNAME",
    "CIRCLE_TOKEN",
    "CI_DEPLOY_PASSWORD",
    "CI_DEPLOY_USER",
    "DOCKERHUB_PASSWORD",
    "DOCKER_EMAIL",
    "DOCKER_PASSWORD",
    "DOCKER_USERNAME",
    "FACEBOOK_ACCESS_TOKEN",
    "FACEBOOK_APP_ID",
    "FACEBOOK_APP_SECRET",
    "FIREBASE_API_TOKEN",
    "FIREBASE_TOKEN",
    "FOSSA_API_KEY",
    "GH_ENTERPRISE_TOKEN",
    "GH_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITHUB_TOKEN",
    "HEROKU_API_KEY",
    "HEROKU_API_USER",
    "NPM_AUTH_TOKEN",
    "NPM_TOKEN",
    "OKTA_AUTHN_GROUPID",
    "OKTA_CLIENT_ORGURL",
    "OKTA_CLIENT_TOKEN",
    "OKTA_OAUTH2_CLIENTID",
    "OKTA_OAUTH2_CLIENTSECRET",
    "OPENAI_API_KEY",
    "OS_PASSWORD",
    "OS_USERNAME",
    "POSTGRES_PASSWORD",
    "SLACK_TOKEN",
    "STRIPE_API_KEY",
    "STRIPE_DEVICE_NAME",
    "TRAVIS_OS_NAME",
    "TRAVIS_SECURE_ENV_VARS",
    "TRAVIS_SUDO",
    "VAULT_CLIENT_KEY",
    "VAULT_TOKEN",
];

const SUSPICIOUS: &[&str] = &[
    "api_key",
    "client_key",
    "password",
    "private",
    "secret",
    "token",
    "username",
];

pub(crate) fn is_sensitive_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let lower = name.to_ascii_lowercase();
    KNOWN.contains(&upper.as_str()) || SUSPICIOUS.iter().any(|s| lower.contains(s))
}

fn report(word: &Word, value: Option<&Word>, kind: &str, out: &mut Diagnostics) {
    let name = word.raw.trim_matches(|c| c == '"' || c == '\'');
    let value = value.map(|v| v.raw.trim_matches(|c| c == '"' || c == '\''));
    if value.is_some_and(|v| plainly_not_secret(name, v).is_some()) {
        return;
    }
    if is_sensitive_name(name) {
        out.push(
            Diagnostic::new(word.span, format!("{kind} `{name}` looks like it holds a credential ({}), which the image would keep", why_secret(value)))
                .help("pass it as a build secret instead: `RUN --mount=type=secret,id=...` with `docker build --secret`"),
        );
    }
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        match &inst.effective().args {
            Args::Arg(decls) => decls
                .iter()
                .for_each(|d| report(&d.name, d.default.as_ref(), "ARG", out)),
            Args::Env(pairs) => pairs
                .iter()
                .for_each(|p| report(&p.key, Some(&p.value), "ENV", out)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_known_names() {
        assert_fires(&RULE, "FROM a\nARG NPM_TOKEN\n", &["NPM_TOKEN"]);
        assert_fires(
            &RULE,
            "FROM a\nENV aws_secret_access_key=x\n",
            &["aws_secret_access_key"],
        );
    }

    #[test]
    fn fires_on_suspicious_words() {
        assert_fires(
            &RULE,
            "FROM a\nARG DB_PASSWORD=changeme\nENV A=1 MY_API_KEY=9f8e7d6c5b4a\n",
            &["DB_PASSWORD", "MY_API_KEY"],
        );
        assert_fires(
            &RULE,
            "FROM a\nONBUILD ARG DEPLOY_SECRET\n",
            &["DEPLOY_SECRET"],
        );
    }

    #[test]
    fn the_message_says_what_made_it_a_credential() {
        let message = |src: &str| {
            let found = crate::lint::testing::lint(&RULE, src);
            assert_eq!(found.len(), 1, "{src}");
            found[0].message.clone()
        };
        assert_eq!(
            message("FROM a\nARG NPM_TOKEN\n"),
            "ARG `NPM_TOKEN` looks like it holds a credential (by its name alone), which the image would keep"
        );
        assert_eq!(
            message("FROM a\nENV GH_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n"),
            "ENV `GH_TOKEN` looks like it holds a credential (by its name, and its value is a GitHub token), which the image would keep"
        );
    }

    #[test]
    fn quiet_on_harmless_names() {
        assert_quiet(&RULE, "FROM a\nARG VERSION\nENV PATH=/x HOME=/root\n");
        assert_quiet(&RULE, "FROM a\nARG KEYBOARD\n");
    }
}
