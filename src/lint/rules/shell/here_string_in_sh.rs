use crate::lint::shell::bashism::Bashism;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::check_bashism;

pub static RULE: Rule = Rule {
    code: "BL2054",
    name: "here-string-in-sh",
    aliases: &["SC3011"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A here-string `<<<` in a script run by /bin/sh.",
    doc: r#"## What it does
Checks RUN scripts run by `/bin/sh` (or dash) for here-strings (`<<<`).

## Why is this bad?
dash has no here-strings: the step fails with a syntax error.

## Example
```dockerfile
FROM debian:12
RUN tr a-z A-Z <<< "hello"
```

Use instead:
```dockerfile
FROM debian:12
RUN printf '%s\n' hello | tr a-z A-Z
```

```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-c"]
RUN tr a-z A-Z <<< "hello"
```

## How to fix
Pipe instead: `printf %s "$x" | cmd`, or run the script with bash: `SHELL ["/bin/bash", "-c"]`.

## References
- ShellCheck SC3011
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_bashism(
        cx,
        out,
        Bashism::HereString,
        "here-strings (`<<<`) are a bash feature",
        "pipe instead: `printf '%s\\n' \"$x\" | cmd`",
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
            "FROM debian:12\nRUN tr a-z A-Z <<< hello\n",
            &["<<< hello"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN read -r x <<< \"$V\" && echo \"$x\"\n",
            &["<<< \"$V\""],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN grep -q x <<<\"$(cat /f)\" > /dev/null\n",
            &["<<<\"$(cat /f)\""],
        );
    }

    #[test]
    fn quiet_in_bash_or_without_it() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN echo hello | tr a-z A-Z\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN tr a-z A-Z <<< hello\n",
        );
        assert_run_quiet(&RULE, "FROM alpine:3.20\nRUN tr a-z A-Z <<< hello\n");
    }
}
