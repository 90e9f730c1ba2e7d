use crate::lint::shell::bashism::Bashism;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::check_bashism;

pub static RULE: Rule = Rule {
    code: "BL2053",
    name: "array-in-sh",
    aliases: &["SC3030", "SC3054"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An array in a script run by /bin/sh.",
    doc: r#"## What it does
Checks RUN scripts run by `/bin/sh` (or dash) for arrays.

## Why is this bad?
POSIX sh has no arrays: dash fails with a syntax error on `a=(1 2)`, and BusyBox ash (Alpine) too.

## Example
```dockerfile
FROM debian:12
RUN pkgs=(curl git) && echo "${pkgs[0]}"
```

Use instead:
```dockerfile
FROM debian:12
RUN pkgs="curl git" && for p in $pkgs; do echo "$p"; done
```

```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-c"]
RUN pkgs=(curl git) && echo "${pkgs[0]}"
```

## How to fix
Use a blank-separated string and `for`, or `set --`, or run the script with bash: `SHELL ["/bin/bash", "-c"]`.

## References
- ShellCheck SC3030 and SC3054
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    check_bashism(
        cx,
        out,
        Bashism::Array,
        "arrays are a bash feature",
        "use a blank-separated string and `for`, or `set --`",
    )
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_in_sh() {
        assert_run_fires(&RULE, "FROM debian:12\nRUN a=(1 2)\n", &["a=(1 2)"]);
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN echo \"${a[0]}\"\n",
            &["${a[0]}"],
        );
        assert_run_fires(&RULE, "FROM alpine:3.20\nRUN a[1]=x\n", &["a[1]"]);
    }

    #[test]
    fn quiet_in_bash_or_without_it() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN a=\"1 2\"; set -- $a\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN a=(1 2)\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN echo \"a[0]\"\n");
    }
}
