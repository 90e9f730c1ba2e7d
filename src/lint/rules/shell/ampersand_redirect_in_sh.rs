use crate::lint::shell::bashism::Bashism;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::check_bashism;

pub static RULE: Rule = Rule {
    code: "BL2058",
    name: "ampersand-redirect-in-sh",
    aliases: &["SC3020"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`&>` in a script run by /bin/sh.",
    doc: r#"## What it does
Checks RUN scripts run by `/bin/sh` (or dash) for `&>` redirections.

## Why is this bad?
dash reads `cmd &> file` as `cmd &` (run in the background) then `> file` (truncate the file): the output is not redirected and the step does not wait for the command.

## Example
```dockerfile
FROM debian:12
RUN make &> /tmp/build.log
```

Use instead:
```dockerfile
FROM debian:12
RUN make > /tmp/build.log 2>&1
```

```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-c"]
RUN make &> /tmp/build.log
```

## How to fix
Use `> file 2>&1`, or run the script with bash: `SHELL ["/bin/bash", "-c"]`.

## References
- ShellCheck SC3020
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_bashism(
        cx,
        out,
        Bashism::AmpersandRedirect,
        "`&>` is a bash redirection",
        "use `> file 2>&1`",
    )
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_in_sh() {
        assert_run_fires(&RULE, "FROM debian:12\nRUN make &> /tmp/log\n", &["&>"]);
        assert_run_fires(&RULE, "FROM debian:12\nRUN a &>> /tmp/log; b\n", &["&>>"]);
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN command -v x &> /dev/null || exit 1\n",
            &["&>"],
        );
    }

    #[test]
    fn quiet_in_bash_or_without_it() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN make > /tmp/log 2>&1\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN make &> /tmp/log\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN make >& /dev/null\n");
    }
}
