use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::commands;

pub static RULE: Rule = Rule {
    code: "BL2062",
    name: "world-writable-chmod",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`chmod` makes files writable by every user (`777`).",
    doc: r#"## What it does
Checks `chmod` for modes that let every user write: `777`, `666`,
`-R 777`, `a+w`, `o+w`, `ugo+rwx`. Modes with the sticky bit (`1777`, as
for `/tmp`) are left alone.

## Why is this bad?
Any process in the container, whatever its user, can then replace the
application's code or configuration; a compromised unprivileged process
becomes a compromised application. `chmod 777` usually hides a wrong owner.

## Example
```dockerfile
FROM debian:12
RUN chmod -R 777 /app
```

Use instead:
```dockerfile
FROM debian:12
RUN chown -R app:app /app && chmod -R u+rwX,go+rX,go-w /app
```

## How to fix
Give the files to the user that needs to write them (`chown`, or
`COPY --chown`), and keep others read-only (`755` for directories, `644`
for files).

## References
- Not covered by hadolint or BuildKit's checks.
"#,
    check: Check::Dockerfile(check),
};

/// True when a chmod mode gives write access to "others" without the sticky bit.
pub fn world_writable(mode: &str) -> bool {
    if !mode.is_empty() && mode.chars().all(|c| c.is_ascii_digit() && c < '8') {
        let digits: Vec<u32> = mode.chars().filter_map(|c| c.to_digit(8)).collect();
        let others = *digits.last().unwrap_or(&0);
        let sticky = digits.len() == 4 && digits[0] & 1 == 1;
        return others & 2 == 2 && !sticky;
    }
    mode.split(',').any(|clause| {
        let who_end = clause.find(['+', '=']).unwrap_or(clause.len());
        let (who, rest) = clause.split_at(who_end);
        let others = who.is_empty() || who.contains(['o', 'a']);
        let adds_write = rest.starts_with(['+', '=']) && rest[1..].contains('w');
        // `+w` alone honours the umask; `a+w`, `o+w` do not.
        others && !who.is_empty() && adds_write && !rest.contains('t')
    })
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        if !cmd.is("chmod") {
            continue;
        }
        let Some(mode) = cmd.args().iter().find(|w| {
            !w.value.starts_with('-') || w.value.starts_with("-w") || w.value.starts_with("-x")
        }) else {
            continue;
        };
        if mode.literal && world_writable(&mode.value) {
            out.push(
                Diagnostic::new(mode.span, format!("`chmod {}` lets every user write these files", mode.value))
                    .help("give the files to the user that writes them (`chown`) and keep others read-only (`755`/`644`)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{world_writable, RULE};
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_world_writable_modes() {
        assert_run_fires(&RULE, "FROM debian:12\nRUN chmod 777 /app\n", &["777"]);
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN chmod -R 0777 /app && chmod a+rwx /x\n",
            &["0777", "a+rwx"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN chmod -R o+w /var/www\n",
            &["o+w"],
        );
    }

    #[test]
    fn quiet_on_safe_modes() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN chmod 755 /app && chmod 1777 /tmp && chmod +x /e.sh\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN chmod -R g+w /app && chmod u=rwx,go=rx /b\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN chmod \"$MODE\" /app\n");
        assert!(world_writable("666") && !world_writable("664") && !world_writable("a+t"));
    }
}
