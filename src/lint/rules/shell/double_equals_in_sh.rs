use crate::lint::shell::bashism::Bashism;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::check_bashism;

pub static RULE: Rule = Rule {
    code: "BL2057",
    name: "double-equals-in-sh",
    aliases: &["SC3014"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`==` in a `[ ]` test in a script run by /bin/sh.",
    doc: r#"## What it does
Checks RUN scripts run by `/bin/sh` (or dash) for `==` in `[ ]` tests.

## Why is this bad?
dash's `[` knows only `=`: `[ "$a" == b ]` fails with "unexpected operator" and counts as false.

## Example
```dockerfile
FROM debian:12
RUN if [ "$(uname -m)" == x86_64 ]; then echo amd64; fi
```

Use instead:
```dockerfile
FROM debian:12
RUN if [ "$(uname -m)" = x86_64 ]; then echo amd64; fi
```

```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-c"]
RUN if [ "$(uname -m)" == x86_64 ]; then echo amd64; fi
```

## How to fix
Use `=`: `[ "$a" = b ]`, or run the script with bash: `SHELL ["/bin/bash", "-c"]`.

## References
- ShellCheck SC3014
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_bashism(
        cx,
        out,
        Bashism::DoubleEquals,
        "`==` in `[ ]` is a bash feature",
        "use `=`: `[ \"$a\" = b ]`",
    )
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_in_sh() {
        assert_run_fires(&RULE, "FROM debian:12\nRUN [ \"$a\" == b ]\n", &["=="]);
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN if [ x == y ]; then :; fi\n",
            &["=="],
        );
        assert_run_fires(&RULE, "FROM debian:12\nRUN test \"$a\" == b\n", &["=="]);
    }

    #[test]
    fn quiet_in_bash_or_without_it() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN [ \"$a\" = b ] && [[ $a == b ]] || echo ==\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN [ a == b ]\n",
        );
        assert_run_quiet(&RULE, "FROM alpine:3.20\nRUN [ a == b ]\n");
    }
}
