use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::commands;

pub static RULE: Rule = Rule {
    code: "BL2003",
    name: "sudo",
    aliases: &["DL3004"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN uses `sudo`.",
    doc: r#"## What it does
Checks RUN scripts for `sudo`.

## Why is this bad?
A build step already runs as the current `USER`, root by default. `sudo`
needs a TTY and a sudoers entry, may prompt for a password, and behaves
differently from one base image to the next; it also has to be installed
in the image, which adds an attack surface to it.

## Example
```dockerfile
FROM debian:12
RUN sudo apt-get update
```

Use instead:
```dockerfile
FROM debian:12
USER root
RUN apt-get update
USER app
```

## How to fix
Switch users with `USER` around the steps that need root, or use `gosu` /
`su-exec` in an entrypoint that must drop privileges at run time.

## References
- hadolint DL3004
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        let upto = cmd.name_at.min(cmd.words.len().saturating_sub(1));
        if let Some(word) = cmd.words[..=upto].iter().find(|w| w.basename() == "sudo") {
            out.push(
                Diagnostic::new(word.span, "`sudo` in a build step").help(
                    "switch users with `USER root` before the step and `USER <name>` after it",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_sudo() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN sudo apt-get update\n",
            &["sudo"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN env A=1 /usr/bin/sudo -u x make\n",
            &["/usr/bin/sudo"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN make && sudo make install\n",
            &["sudo"],
        );
    }

    #[test]
    fn quiet_when_sudo_is_not_run() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN apt-get install -y sudo\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN echo sudo\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN gosu app make\n");
    }
}
