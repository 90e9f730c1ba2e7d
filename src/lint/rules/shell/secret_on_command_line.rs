use crate::lint::shell::{views, Command, Word};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL2064",
    name: "secret-on-command-line",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN writes a secret into the Dockerfile: a password option, a token in a URL, or a credentials file.",
    doc: r#"## What it does
Checks RUN scripts for secrets written as constants:
- password and token options with a constant value (`--password=...`,
  `--token ...`, `mysql -p<password>`, `sshpass -p ...`,
  `curl -u user:password`, `docker login -p ...`);
- credentials in URLs (`https://user:password@host/`) and well-known token
  formats, the same list `secret-in-arg-or-env-value` uses for ARG and ENV
  values (AWS access keys, GitHub, GitLab, Slack, Stripe, npm, PyPI, Google
  API keys `AIza...`, JSON Web Tokens, private keys, `sk-` API keys);
- constants echoed into credential files (`~/.netrc`, `~/.npmrc`,
  `~/.pypirc`, `~/.git-credentials`, `~/.pgpass`), or into `chpasswd`.

Values taken from a variable or a file (`--password "$DB_PASSWORD"`,
`--password-stdin`) are not reported here.

## Why is this bad?
The Dockerfile is in version control, and every RUN command line is kept
in the image's history (`docker history --no-trunc`): anyone who can pull
the image can read the secret, even if a later step removes the file.

## Example
```dockerfile
FROM debian:12
RUN git clone https://deploy:s3cr3tpass@git.example.com/app.git /app
```

Use instead:
```dockerfile
FROM debian:12
RUN --mount=type=secret,id=git_token \
    git clone "https://deploy:$(cat /run/secrets/git_token)@git.example.com/app.git" /app
```

## How to fix
Pass secrets with `RUN --mount=type=secret,id=<id>` (and
`docker build --secret id=<id>,src=<file>`), read them from
`/run/secrets/<id>` in the same RUN, and rotate any secret that was
committed.

## References
- Trivy DS-0031, KICS `passwords_and_secrets`, Checkov CKV2_DOCKER_17.
"#,
    check: Check::Dockerfile(check),
};

const SECRET_OPTIONS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "token",
    "api-key",
    "apikey",
    "secret",
    "client-secret",
    "access-token",
    "auth-token",
    "private-token",
    "secret-key",
    "access-key-secret",
];

/// A constant value that looks like a secret (not empty, not an expansion,
/// not a placeholder).
fn constant(w: &Word) -> bool {
    w.literal && !w.value.is_empty() && !w.value.starts_with('$') && !w.value.starts_with('<')
}

fn constant_str(v: &str) -> bool {
    !v.is_empty() && !v.contains('$') && !v.starts_with('<')
}

/// `scheme://user:password@host`: the password part is a constant.
fn url_with_password(v: &str) -> bool {
    if !v.contains('@') {
        return false;
    }
    let Some((_, rest)) = v.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let Some((userinfo, _host)) = authority.rsplit_once('@') else {
        return false;
    };
    match userinfo.split_once(':') {
        Some((_, password)) => constant_str(password),
        None => false,
    }
}

/// Well-known token formats: the same list the ARG and ENV value rule
/// uses (AWS, GitHub, GitLab, Slack, Stripe, npm, PyPI, Google API keys,
/// JWTs, private keys...).
fn token_like(v: &str) -> Option<&'static str> {
    crate::lint::rules::dockerfile::secret_value_in_arg_or_env::secret_in(v)
        .filter(|what| *what != "a URL with a password")
}

const CREDENTIAL_FILES: &[&str] = &[
    ".netrc",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    ".pgpass",
    "_netrc",
];

fn findings(cmd: &Command) -> Vec<(&Word, &'static str)> {
    let mut out = Vec::new();
    let args = cmd.args();
    // --password=x / --password x
    for (i, w) in args.iter().enumerate() {
        if let Some(long) = w.value.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            if SECRET_OPTIONS.contains(&name.to_ascii_lowercase().as_str()) {
                match inline {
                    Some(v) if w.literal && constant_str(v) => {
                        out.push((w, "a password or token option"))
                    }
                    None => {
                        if let Some(next) = args
                            .get(i + 1)
                            .filter(|n| constant(n) && !n.value.starts_with('-'))
                        {
                            out.push((next, "a password or token option"));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    match cmd.name() {
        "mysql" | "mariadb" | "mysqldump" | "mysqladmin" | "mariadb-dump" => {
            if let Some(w) = args.iter().find(|w| {
                w.literal
                    && w.value.len() > 2
                    && w.value.starts_with("-p")
                    && !w.value.starts_with("--")
            }) {
                out.push((w, "a database password"));
            }
        }
        "sshpass" | "docker" | "podman" | "htpasswd" => {
            if let Some(i) = args.iter().position(|w| w.value == "-p") {
                if let Some(next) = args.get(i + 1).filter(|n| constant(n)) {
                    out.push((next, "a password option"));
                }
            }
            if cmd.is("htpasswd")
                && args
                    .first()
                    .is_some_and(|w| w.value.starts_with('-') && w.value.contains('b'))
            {
                if let Some(last) = args.last().filter(|w| constant(w) && args.len() >= 4) {
                    out.push((last, "a password argument"));
                }
            }
        }
        "curl" => {
            for (i, w) in args.iter().enumerate() {
                let value = if w.value == "-u" || w.value == "--user" {
                    args.get(i + 1)
                } else {
                    None
                };
                if let Some(v) = value.filter(|v| v.literal) {
                    if v.value
                        .split_once(':')
                        .is_some_and(|(_, p)| constant_str(p))
                    {
                        out.push((v, "a password option"));
                    }
                }
            }
        }
        _ => {}
    }
    // Credentials in URLs and token formats, in any word.
    for w in &cmd.words {
        if out.iter().any(|(o, _)| std::ptr::eq(*o, w)) {
            continue;
        }
        if url_with_password(&w.value) && w.literal {
            out.push((w, "a password in a URL"));
        } else if let Some(what) = token_like(&w.value) {
            out.push((w, what));
        }
    }
    // echo 'machine x login y password z' > ~/.netrc
    if matches!(cmd.name(), "echo" | "printf") {
        let into_credentials = cmd.redirects.iter().any(|r| {
            r.redirects_stdout()
                && r.target
                    .as_ref()
                    .is_some_and(|t| CREDENTIAL_FILES.iter().any(|f| t.value.ends_with(f)))
        });
        if into_credentials {
            if let Some(first) = args
                .iter()
                .find(|w| constant(w) && !w.value.starts_with('-'))
            {
                if !out.iter().any(|(o, _)| std::ptr::eq(*o, first)) {
                    out.push((first, "credentials written to a file"));
                }
            }
        }
    }
    out
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for script in views(cx).scripts() {
        for cmd in &script.commands {
            for (word, what) in findings(cmd) {
                out.push(
                    Diagnostic::new(word.span, format!("{what} written in the Dockerfile ends up in the image history"))
                        .help("pass it with `RUN --mount=type=secret,id=<id>` and read `/run/secrets/<id>`"),
                );
            }
            // echo 'root:pw' | chpasswd
            if cmd.is("chpasswd") {
                if let Some(pipe) = cmd.pipe {
                    for feeder in script.pipeline_commands(pipe.pipeline) {
                        if matches!(feeder.name(), "echo" | "printf")
                            && feeder.pipe.is_some_and(|p| p.stage < pipe.stage)
                        {
                            if let Some(w) = feeder
                                .args()
                                .iter()
                                .find(|w| constant(w) && w.value.contains(':'))
                            {
                                out.push(
                                    Diagnostic::new(w.span, "a password for `chpasswd` written in the Dockerfile ends up in the image history")
                                        .help("set passwords at run time, or lock the account (`passwd -l`)"),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_constant_secrets() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN git clone https://deploy:s3cr3t@git.example.com/a.git\n",
            &["https://deploy:s3cr3t@git.example.com/a.git"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN mysql -uroot -pS3cret -e 'select 1' && app --password=hunter2\n",
            &["-pS3cret", "--password=hunter2"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN echo 'machine x login u password p' > /root/.netrc\n",
            &["'machine x login u password p'"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN echo 'root:toor' | chpasswd && curl -u admin:admin https://x/\n",
            &["'root:toor'", "admin:admin"],
        );
        assert_run_fires(&RULE, "FROM debian:12\nRUN npm config set //registry.npmjs.org/:_authToken npm_abcdefghijklmnopqrstuvwxyz0123456789\n", &["npm_abcdefghijklmnopqrstuvwxyz0123456789"]);
    }

    #[test]
    fn fires_on_every_known_token_format() {
        // The formats the ARG/ENV value rule knows, here in a RUN.
        for token in [
            "AIzaSyA-1234567890abcdefghijklmnopqrstu",
            "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
            "glpat-0123456789abcdefghij",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ] {
            let src = format!("FROM debian:12\nRUN curl -H 'X-Key: x' https://api.example.com/v1?key={token}\n");
            let found = crate::lint::testing::lint(&RULE, &src);
            assert_eq!(found.len(), 1, "{token}: {found:?}");
        }
    }

    #[test]
    fn quiet_on_secrets_from_elsewhere() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN --mount=type=secret,id=t git clone \"https://x:$(cat /run/secrets/t)@h/a.git\"\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN app --password \"$DB_PASSWORD\" && docker login --password-stdin < /run/secrets/p\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN mysql -p -e 'select 1' && curl https://user@host/x && echo x > /etc/app.conf\n");
    }
}
