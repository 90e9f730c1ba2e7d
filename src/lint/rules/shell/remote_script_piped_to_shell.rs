use crate::lint::shell::{views, Command, Script, ShellKind};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: "BL2060",
    name: "remote-script-piped-to-shell",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A script downloaded during the build is run without being checked.",
    doc: r#"## What it does
Checks RUN scripts for a download piped straight into a shell or an
interpreter (`curl -fsSL https://x/install.sh | sh`, `wget -qO- ... | bash`),
and for the same through a substitution (`sh -c "$(curl ...)"`,
`bash <(curl ...)`).

## Why is this bad?
Whatever the server returns that day runs as root in the build: a
compromised or hijacked host, a changed script or a truncated download
(the shell runs the part that arrived) all go straight into the image, and
nothing in the Dockerfile says what ran.

## Example
```dockerfile
FROM debian:12
RUN curl -fsSL https://example.com/install.sh | sh
```

Use instead:
```dockerfile
FROM debian:12
ADD --checksum=sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 https://example.com/install.sh /tmp/install.sh
RUN sh /tmp/install.sh
```

## How to fix
Download to a file, verify it against a known checksum (or signature), then
run it: `ADD --checksum=sha256:<sum> <url> /tmp/x.sh`, or
`curl -fsSLo /tmp/x.sh <url> && echo "<sum>  /tmp/x.sh" | sha256sum -c && sh /tmp/x.sh`.

## References
- Not covered by hadolint or BuildKit's checks.
"#,
    check: Check::Dockerfile(check),
};

/// Interpreters that run a script read from standard input.
fn is_interpreter(cmd: &Command) -> bool {
    let name = cmd.name();
    ShellKind::of_program(name).is_posix_family()
        || ["python", "python3", "perl", "ruby", "node", "php"].contains(&name)
        || name.starts_with("python3.")
}

/// A download that writes the body to standard output.
fn downloads_to_stdout(cmd: &Command) -> bool {
    let args = cmd.args();
    match cmd.name() {
        "curl" => {
            !args.iter().any(|w| {
                let v = w.value.as_str();
                v == "-o"
                    || v == "-O"
                    || v.starts_with("--output")
                    || v == "--remote-name"
                    || v == "--remote-name-all"
                    || (v.starts_with('-') && !v.starts_with("--") && v.contains(['o', 'O']))
            }) && !cmd.redirects.iter().any(|r| r.redirects_stdout())
        }
        "wget" => {
            args.windows(2).any(|w| {
                matches!(w[0].value.as_str(), "-O" | "--output-document") && w[1].value == "-"
            }) || args.iter().any(|w| {
                let v = w.value.as_str();
                v == "-O-"
                    || v == "--output-document=-"
                    || (v.starts_with('-') && !v.starts_with("--") && v.ends_with("O-"))
            })
        }
        "fetch" => args
            .windows(2)
            .any(|w| w[0].value == "-o" && w[1].value == "-"),
        _ => false,
    }
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for script in views(cx).scripts() {
        // `curl ... | sh`
        for cmd in &script.commands {
            let Some(pipe) = cmd.pipe else { continue };
            if pipe.stage == 0 || !is_interpreter(cmd) || cmd.args().iter().any(|w| w.value == "-c")
            {
                continue;
            }
            let download = script
                .pipeline_commands(pipe.pipeline)
                .find(|c| c.pipe.is_some_and(|p| p.stage < pipe.stage) && downloads_to_stdout(c));
            if let (Some(download), Some(name)) = (download, cmd.name_word()) {
                report(out, name.span, download, cmd.name());
            }
        }
        // `sh -c "$(curl ...)"`, `bash <(curl ...)`
        for cmd in script.commands.iter().filter(|c| is_interpreter(c)) {
            for arg in cmd.args() {
                if let Some(download) = nested_download(script, arg.range.clone()) {
                    if let Some(name) = cmd.name_word() {
                        report(out, name.span, download, cmd.name());
                    }
                }
            }
        }
    }
}

/// A download command inside a `$(...)` or `<(...)` within `range`.
fn nested_download(script: &Script, range: std::ops::Range<u32>) -> Option<&Command> {
    script
        .facts()
        .substitutions
        .iter()
        .filter(|n| n.start >= range.start && n.end <= range.end)
        .find_map(|n| {
            script.commands.iter().find(|c| {
                c.range.start >= n.start && c.range.end <= n.end && downloads_to_stdout(c)
            })
        })
}

fn report(out: &mut Diagnostics, span: Span, download: &Command, shell: &str) {
    let tool = download.name();
    let label_span = download
        .name_word()
        .map(|w| w.span)
        .unwrap_or(download.span);
    out.push(
        Diagnostic::new(span, format!("a script downloaded with `{tool}` runs in `{shell}` without any check"))
            .label(label_span, "downloaded here")
            .help("download to a file, check its sha256 (or use `ADD --checksum=sha256:...`), then run it"),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_download_into_shell() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN curl -fsSL https://x/install.sh | sh\n",
            &["sh"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN wget -qO- https://x/i | sudo bash -s -- --yes\n",
            &["bash"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN sh -c \"$(curl -fsSL https://x/i)\"\n",
            &["sh"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN curl -sSL https://x/get-pip.py | python3 -\n",
            &["python3"],
        );
    }

    #[test]
    fn quiet_on_checked_or_saved_downloads() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN curl -fsSLo /tmp/i.sh https://x/i && sh /tmp/i.sh\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN curl -fsSL https://x/a.tgz | tar -xz\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN wget -O /tmp/k https://x/k | sh\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN echo ok | sh\n");
    }
}
