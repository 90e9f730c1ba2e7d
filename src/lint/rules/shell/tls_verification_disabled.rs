use crate::dockerfile::Args;
use crate::lint::shell::{views, Command, Word};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "BL2061",
    name: "tls-verification-disabled",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A download turns off TLS certificate verification.",
    doc: r#"## What it does
Checks RUN scripts and `ENV`/`ARG` for switches that turn off TLS
certificate checks: `curl -k`/`--insecure`, `wget --no-check-certificate`,
`git -c http.sslVerify=false` and `git config http.sslVerify false`,
`GIT_SSL_NO_VERIFY`, `pip --trusted-host` and `PIP_TRUSTED_HOST`,
`NODE_TLS_REJECT_UNAUTHORIZED=0`, `npm`/`yarn` `strict-ssl false`,
`PYTHONHTTPSVERIFY=0`, and apt's `Acquire::https::Verify-Peer=false`.

## Why is this bad?
Without certificate checks anyone on the network path (a proxy, a
compromised mirror, a hostile Wi-Fi at the CI runner) can serve their own
files, and the build installs them without a warning.

## Example
```dockerfile
FROM debian:12
RUN curl -k -fsSLo /tmp/app.tgz https://example.com/app.tgz
```

Use instead:
```dockerfile
FROM debian:12
RUN curl -fsSLo /tmp/app.tgz https://example.com/app.tgz
```

## How to fix
Remove the switch. If a private CA signs the server's certificate, add the
CA to the image (`COPY ca.crt /usr/local/share/ca-certificates/` and
`update-ca-certificates`) or point the tool at it (`curl --cacert`,
`PIP_CERT`, `NODE_EXTRA_CA_CERTS`).

## References
- Checkov CKV2_DOCKER_2, _3, _4, _6, _12, _13, _14, _16.
"#,
    check: Check::Dockerfile(check),
};

/// Environment variables that turn verification off, and whether a value of
/// `value` does.
fn env_disables(name: &str, value: &str) -> bool {
    let value = value.trim_matches(['"', '\'']);
    match name {
        "GIT_SSL_NO_VERIFY" => {
            !value.is_empty() && value != "0" && !value.eq_ignore_ascii_case("false")
        }
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => value == "0",
        "PIP_TRUSTED_HOST" => !value.is_empty(),
        "NPM_CONFIG_STRICT_SSL" | "npm_config_strict_ssl" | "YARN_STRICT_SSL" => {
            value.eq_ignore_ascii_case("false")
        }
        "CURL_INSECURE" => !value.is_empty(),
        _ => false,
    }
}

fn falsy(v: &str) -> bool {
    matches!(
        v.trim_matches(['"', '\'']).to_ascii_lowercase().as_str(),
        "false" | "0" | "no" | "off"
    )
}

/// The word that turns verification off in `cmd`, with what it is.
fn insecure_word(cmd: &Command) -> Option<(&Word, &'static str)> {
    let args = cmd.args();
    let find = |pred: &dyn Fn(&str) -> bool| args.iter().find(|w| pred(&w.value));
    match cmd.name() {
        "curl" => find(&|v| {
            v == "--insecure" || (v.starts_with('-') && !v.starts_with("--") && v.contains('k'))
        })
        .map(|w| (w, "`curl` without certificate checks")),
        "wget" => find(&|v| v == "--no-check-certificate")
            .map(|w| (w, "`wget` without certificate checks")),
        "git" => args
            .windows(2)
            .find(|p| {
                p[0].value == "-c"
                    && p[1]
                        .value
                        .to_ascii_lowercase()
                        .starts_with("http.sslverify=")
                    && falsy(p[1].value.split_once('=').map(|x| x.1).unwrap_or(""))
            })
            .map(|p| (&p[1], "`git` without certificate checks"))
            .or_else(|| {
                let i = args
                    .iter()
                    .position(|w| w.value.eq_ignore_ascii_case("http.sslVerify"))?;
                let v = args.get(i + 1)?;
                (args.iter().any(|w| w.value == "config") && falsy(&v.value))
                    .then_some((&args[i], "`git` configured without certificate checks"))
            }),
        n if n.starts_with("pip") => {
            find(&|v| v == "--trusted-host" || v.starts_with("--trusted-host="))
                .map(|w| (w, "`pip` trusting a host without certificate checks"))
        }
        "npm" | "yarn" | "pnpm" => {
            if let Some(w) = find(&|v| v == "--strict-ssl=false" || v == "--no-strict-ssl") {
                return Some((w, "the package manager without certificate checks"));
            }
            let i = args.iter().position(|w| w.value == "strict-ssl")?;
            (args.iter().any(|w| w.value == "config" || w.value == "set")
                && args.get(i + 1).is_some_and(|v| falsy(&v.value)))
            .then_some((
                &args[i],
                "the package manager configured without certificate checks",
            ))
        }
        "apt-get" | "apt" => find(&|v| {
            let l = v.to_ascii_lowercase();
            (l.starts_with("acquire::https::verify-peer=")
                || l.starts_with("acquire::https::verify-host="))
                && falsy(l.split_once('=').map(|x| x.1).unwrap_or(""))
        })
        .map(|w| (w, "`apt-get` without certificate checks")),
        _ => None,
    }
}

fn push(out: &mut Diagnostics, span: Span, what: &str) {
    out.push(
        Diagnostic::new(
            span,
            format!("{what}: anyone on the network path can change what is installed"),
        )
        .help("remove it; trust a private CA by adding its certificate to the image instead"),
    );
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for script in views(cx).scripts() {
        for cmd in &script.commands {
            if let Some((word, what)) = insecure_word(cmd) {
                push(out, word.span, what);
            }
            for a in &cmd.assignments {
                if env_disables(
                    &a.name,
                    a.value.as_ref().map(|v| v.value.as_str()).unwrap_or(""),
                ) {
                    push(
                        out,
                        a.span,
                        &format!("`{}` turns certificate checks off", a.name),
                    );
                }
            }
        }
        // `GIT_SSL_NO_VERIFY=1` on its own line.
        for a in &script.facts().bare_assignments {
            if env_disables(
                &a.name,
                a.value.as_ref().map(|v| v.value.as_str()).unwrap_or(""),
            ) {
                push(
                    out,
                    a.span,
                    &format!("`{}` turns certificate checks off", a.name),
                );
            }
        }
    }
    for inst in &cx.df.instructions {
        let inst = inst.effective();
        match &inst.args {
            Args::Env(pairs) => {
                for p in pairs {
                    if env_disables(&p.key.raw, &p.value.raw) {
                        push(
                            out,
                            p.span,
                            &format!("`{}` turns certificate checks off", p.key.raw),
                        );
                    }
                }
            }
            Args::Arg(decls) => {
                for d in decls {
                    if let Some(v) = &d.default {
                        if env_disables(&d.name.raw, &v.raw) {
                            push(
                                out,
                                d.span,
                                &format!("`{}` turns certificate checks off", d.name.raw),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};
    use crate::lint::testing::assert_fires;

    #[test]
    fn fires_on_insecure_switches() {
        assert_run_fires(&RULE, "FROM debian:12\nRUN curl -fsSLk https://x/a -o a && wget --no-check-certificate https://x/b\n", &["-fsSLk", "--no-check-certificate"]);
        assert_run_fires(&RULE, "FROM debian:12\nRUN git -c http.sslVerify=false clone https://x/r && git config --global http.sslVerify false\n", &["http.sslVerify=false", "http.sslVerify"]);
        assert_run_fires(&RULE, "FROM python:3\nRUN pip install --trusted-host pypi.org x==1 && npm config set strict-ssl false\n", &["--trusted-host", "strict-ssl"]);
        assert_run_fires(&RULE, "FROM node:22\nRUN NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci && export GIT_SSL_NO_VERIFY=1\n", &["NODE_TLS_REJECT_UNAUTHORIZED=0", "GIT_SSL_NO_VERIFY=1"]);
        assert_fires(
            &RULE,
            "FROM debian:12\nENV GIT_SSL_NO_VERIFY=1 NODE_TLS_REJECT_UNAUTHORIZED=0\n",
            &["GIT_SSL_NO_VERIFY=1", "NODE_TLS_REJECT_UNAUTHORIZED=0"],
        );
    }

    #[test]
    fn quiet_on_verified_downloads() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN curl -fsSL https://x/a -o a && wget -q https://x/b\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN git config --global http.sslVerify true && NODE_TLS_REJECT_UNAUTHORIZED=1 node x\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN curl --cacert /ca.pem https://x/a -o a\n",
        );
    }
}
