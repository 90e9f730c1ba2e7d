use crate::lint::shell::bashism::Bashism;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::check_bashism;

pub static RULE: Rule = Rule {
    code: "BL2051",
    name: "source-in-sh",
    aliases: &["SC3046"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`source` in a script run by /bin/sh.",
    doc: r#"## What it does
Checks RUN scripts run by `/bin/sh` (or dash) for `source`.

## Why is this bad?
dash has no `source` builtin: the step fails with "source: not found".

## Example
```dockerfile
FROM debian:12
RUN source /etc/os-release && echo "$ID"
```

Use instead:
```dockerfile
FROM debian:12
RUN . /etc/os-release && echo "$ID"
```

```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-c"]
RUN source /etc/os-release && echo "$ID"
```

## How to fix
Use `.` instead: `. /path/to/file`, or run the script with bash: `SHELL ["/bin/bash", "-c"]`.

## References
- ShellCheck SC3046
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_bashism(
        cx,
        out,
        Bashism::Source,
        "`source` is a bash builtin",
        "use `.` instead: `. /path/to/file`",
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
            "FROM debian:12\nRUN source /etc/os-release\n",
            &["source"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN . /a && source /b\n",
            &["source"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nSHELL [\"/bin/dash\", \"-c\"]\nRUN source /b\n",
            &["source"],
        );
    }

    #[test]
    fn quiet_in_bash_or_without_it() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN . /etc/os-release\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nSHELL [\"/usr/bin/bash\", \"-c\"]\nRUN source /b\n",
        );
        assert_run_quiet(&RULE, "FROM alpine:3.20\nRUN source /b\n");
    }
}
