use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::commands;

pub static RULE: Rule = Rule {
    code: "BL2013",
    name: "apt-command",
    aliases: &["DL3027"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN uses `apt` instead of `apt-get`.",
    doc: r#"## What it does
Checks RUN scripts for the `apt` command.

## Why is this bad?
`apt` is the interactive front end: its output and options are not
promised to stay stable, and it warns "apt does not have a stable CLI
interface. Use with caution in scripts." `apt-get` and `apt-cache` are meant
for scripts.

## Example
```dockerfile
FROM debian:12
RUN apt update && apt install -y curl
```

Use instead:
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y curl
```

## How to fix
Use `apt-get` (install, update, remove) or `apt-cache` (search, policy).

## References
- hadolint DL3027
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        if let (true, Some(word)) = (cmd.is("apt"), cmd.name_word()) {
            out.push(
                Diagnostic::new(word.span, "`apt` is meant for terminals, not scripts")
                    .help("use `apt-get` or `apt-cache`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_apt() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt update && apt install -y curl\n",
            &["apt", "apt"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN /usr/bin/apt install -y curl\n",
            &["/usr/bin/apt"],
        );
        assert_run_fires(&RULE, "FROM debian:12\nRUN sudo apt -y upgrade\n", &["apt"]);
    }

    #[test]
    fn quiet_on_apt_get() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN apt-get update && apt-cache policy curl\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN echo apt\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN aptitude install -y x\n");
    }
}
