use crate::lint::shell::bashism::Bashism;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::check_bashism;

pub static RULE: Rule = Rule {
    code: "BL2056",
    name: "echo-flags-in-sh",
    aliases: &["SC3037"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`echo -e` in a script run by /bin/sh.",
    doc: r#"## What it does
Checks RUN scripts run by `/bin/sh` (or dash) for `echo -e`.

## Why is this bad?
dash's echo has no `-e`: it prints `-e` as text (and always interprets escapes), so files written with `echo -e` get a stray `-e`.

## Example
```dockerfile
FROM debian:12
RUN echo -e 'a\tb' > /etc/x.conf
```

Use instead:
```dockerfile
FROM debian:12
RUN printf 'a\tb\n' > /etc/x.conf
```

```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-c"]
RUN echo -e 'a\tb' > /etc/x.conf
```

## How to fix
Use `printf`: `printf 'a\tb\n'`, or run the script with bash: `SHELL ["/bin/bash", "-c"]`.

## References
- ShellCheck SC3037
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_bashism(
        cx,
        out,
        Bashism::EchoFlags,
        "`echo -e` is a bash feature",
        "use `printf` instead: `printf 'a\\tb\\n'`",
    )
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_in_sh() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN echo -e \"a\\\\tb\" > /x\n",
            &["-e"],
        );
        assert_run_fires(&RULE, "FROM debian:12\nRUN echo -ne x\n", &["-ne"]);
        assert_run_fires(&RULE, "FROM debian:12\nRUN true; echo -E y\n", &["-E"]);
    }

    #[test]
    fn quiet_in_bash_or_without_it() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN echo -n x && printf \"a\\\\tb\\\\n\"\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo -e x\n",
        );
        assert_run_quiet(&RULE, "FROM alpine:3.20\nRUN echo -e x\n");
    }
}
