use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::commands;

pub static RULE: Rule = Rule {
    code: "BL2001",
    name: "container-irrelevant-command",
    aliases: &["DL3001"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN uses a command that makes no sense while building an image.",
    doc: r#"## What it does
Checks RUN scripts for interactive or system-management commands: `ssh`,
`vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`.

## Why is this bad?
A build step runs once, without a terminal, in a throw-away container with no
init system and no services. `service nginx start` starts nothing that
survives the step, `vim` waits for input that never comes, and `mount` needs
privileges a build does not have.

## Example
```dockerfile
FROM debian:12
RUN service nginx start
```

Use instead:
```dockerfile
FROM debian:12
CMD ["nginx", "-g", "daemon off;"]
```

## How to fix
Start long-running processes from `CMD` or `ENTRYPOINT`, edit files with
`sed` or `COPY`, and leave process inspection to `docker exec`.

## References
- hadolint DL3001
"#,
    check: Check::Dockerfile(check),
};

const COMMANDS: &[&str] = &[
    "free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim",
];

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        let name = cmd.name();
        if let (true, Some(word)) = (COMMANDS.contains(&name), cmd.name_word()) {
            out.push(
                Diagnostic::new(
                    word.span,
                    format!("`{name}` makes no sense in a build step"),
                )
                .help("start services from CMD or ENTRYPOINT; edit files with sed or COPY"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_each_command_word() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN service nginx start\n",
            &["service"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt-get update && vim /etc/x && ps aux\n",
            &["vim", "ps"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN sudo /usr/bin/kill -9 1\n",
            &["/usr/bin/kill"],
        );
    }

    #[test]
    fn quiet_on_ordinary_commands() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN apt-get install -y procps\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN echo service top\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN [\"service\", \"x\"]\n");
    }
}
