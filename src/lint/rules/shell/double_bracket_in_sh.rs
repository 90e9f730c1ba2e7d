use crate::lint::shell::bashism::Bashism;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::check_bashism;

pub static RULE: Rule = Rule {
    code: "BL2050",
    name: "double-bracket-in-sh",
    aliases: &["SC3010"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A `[[ ]]` test in a script run by /bin/sh.",
    doc: r#"## What it does
Checks RUN scripts run by `/bin/sh` (or dash) for `[[ ]]` tests.

## Why is this bad?
On Debian and Ubuntu `/bin/sh` is dash, which has no `[[`: the test fails with "[[: not found", and in an `if` it silently counts as false.

## Example
```dockerfile
FROM debian:12
RUN if [[ -f /etc/os-release ]]; then echo found; fi
```

Use instead:
```dockerfile
FROM debian:12
RUN if [ -f /etc/os-release ]; then echo found; fi
```

```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-c"]
RUN if [[ -f /etc/os-release ]]; then echo found; fi
```

## How to fix
Use `[ ]` (quote the operands), or run the script with bash: `SHELL ["/bin/bash", "-c"]`.

## References
- ShellCheck SC3010
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_bashism(
        cx,
        out,
        Bashism::DoubleBracket,
        "`[[ ]]` is a bash test",
        "use `[ ]` and quote the operands",
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
            "FROM debian:12\nRUN if [[ -f /x ]]; then echo y; fi\n",
            &["[["],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN [[ \"$a\" == b ]] && [[ -d /y ]]\n",
            &["[[", "[["],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN <<EOF\n#!/bin/sh\n[[ -f /x ]] || exit 1\nEOF\n",
            &["[["],
        );
    }

    #[test]
    fn quiet_in_bash_or_without_it() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN [[ -f /x ]]\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN [ -f /x ] && test -d /y\n");
        assert_run_quiet(&RULE, "FROM alpine:3.20\nRUN [[ -f /x ]]\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN bash -c \"[[ -f /x ]]\" && echo \"[[\"\n",
        );
    }
}
