use crate::lint::shell::bashism::Bashism;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::check_bashism;

pub static RULE: Rule = Rule {
    code: "BL2052",
    name: "function-keyword-in-sh",
    aliases: &["SC2112", "SC2113"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "The `function` keyword in a script run by /bin/sh.",
    doc: r#"## What it does
Checks RUN scripts run by `/bin/sh` (or dash) for the `function` keyword.

## Why is this bad?
POSIX sh defines functions as `name() { ...; }`; dash rejects `function name { ...; }` with a syntax error.

## Example
```dockerfile
FROM debian:12
RUN function greet { echo hi; }; greet
```

Use instead:
```dockerfile
FROM debian:12
RUN greet() { echo hi; }; greet
```

```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-c"]
RUN function greet { echo hi; }; greet
```

## How to fix
Define functions as `name() { ...; }`, or run the script with bash: `SHELL ["/bin/bash", "-c"]`.

## References
- ShellCheck SC2112 and SC2113
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_bashism(
        cx,
        out,
        Bashism::FunctionKeyword,
        "the `function` keyword is bash syntax",
        "define the function as `name() { ...; }`",
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
            "FROM debian:12\nRUN function f { :; }; f\n",
            &["function"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN function f() { :; }\n",
            &["function"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN true && function g { echo; }\n",
            &["function"],
        );
    }

    #[test]
    fn quiet_in_bash_or_without_it() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN f() { :; }; f\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN function f { :; }\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN echo function\n");
    }
}
