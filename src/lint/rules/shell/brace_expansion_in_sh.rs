use crate::lint::shell::bashism::Bashism;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::check_bashism;

pub static RULE: Rule = Rule {
    code: "BL2055",
    name: "brace-expansion-in-sh",
    aliases: &["SC3009"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "Brace expansion in a script run by /bin/sh.",
    doc: r#"## What it does
Checks RUN scripts run by `/bin/sh` (or dash) for brace expansion (`{a,b}`).

## Why is this bad?
dash and BusyBox ash do not expand braces: `mkdir -p /a/{x,y}` creates one directory literally named `{x,y}`, and the build goes on.

## Example
```dockerfile
FROM debian:12
RUN mkdir -p /srv/{data,logs}
```

Use instead:
```dockerfile
FROM debian:12
RUN mkdir -p /srv/data /srv/logs
```

```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-c"]
RUN mkdir -p /srv/{data,logs}
```

## How to fix
Write the words out: `mkdir -p /a/x /a/y`, or run the script with bash: `SHELL ["/bin/bash", "-c"]`.

## References
- ShellCheck SC3009
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_bashism(
        cx,
        out,
        Bashism::BraceExpansion,
        "brace expansion is a bash feature",
        "write the words out: `mkdir -p /a/x /a/y`",
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
            "FROM debian:12\nRUN mkdir -p /srv/{data,logs}\n",
            &["/srv/{data,logs}"],
        );
        assert_run_fires(&RULE, "FROM debian:12\nRUN echo {1..3}\n", &["{1..3}"]);
        assert_run_fires(
            &RULE,
            "FROM alpine:3.20\nRUN cp /a/{x,y}.conf /etc/\n",
            &["/a/{x,y}.conf"],
        );
    }

    #[test]
    fn quiet_in_bash_or_without_it() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN echo \"{a,b}\" ${x:-{a,b}} \x27{c,d}\x27\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN mkdir -p /srv/{data,logs}\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN find . -exec rm {} +\n");
    }
}
