use crate::lint::shell::views;
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

pub static RULE: Rule = Rule {
    code: "BL2042",
    name: "cd-without-fallback",
    aliases: &["SC2164"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "A `cd` whose failure is ignored.",
    doc: r#"## What it does
Checks RUN scripts for `cd` commands whose failure nothing catches: not
followed by `&&`, not guarded by `|| exit`, not in an `if` condition, and
no `set -e` in the script (or `-e` in the SHELL).

## Why is this bad?
If the directory does not exist, `cd` fails, the script goes on in the
wrong directory, and `cd /build; rm -rf *` empties the wrong one.

## Example
```dockerfile
FROM debian:12
RUN cd /usr/src/app; make install
```

Use instead:
```dockerfile
FROM debian:12
RUN cd /usr/src/app && make install
```

```dockerfile
FROM debian:12
RUN set -e; cd /usr/src/app; make install
```

## Fix
```dockerfile
FROM debian:12
RUN cd /usr/src/app; make install
```

```dockerfile fixed
FROM debian:12
RUN cd /usr/src/app || exit; make install
```

## Fix safety
The fix appends `|| exit` to the `cd`: the step now fails where it went on
in the wrong directory, which is the intended change, so it is safe.

## References
- ShellCheck SC2164
"#,
    check: Check::Dockerfile(check),
};

/// `cd`, `cd -`, `cd /`, `cd ..`, `cd ~`, `cd $HOME`: always there.
fn safe_target(arg: Option<&str>) -> bool {
    match arg {
        None => true,
        Some(a) => {
            matches!(a, "-" | "~" | "$HOME" | "${HOME}")
                || a.trim_start_matches('/')
                    .split('/')
                    .all(|p| p.is_empty() || p == "." || p == "..")
        }
    }
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for script in views(cx).scripts() {
        if script.sets_errexit() {
            continue;
        }
        for cmd in &script.commands {
            if !cmd.is("cd") || cmd.in_condition {
                continue;
            }
            let target = cmd
                .args()
                .iter()
                .find(|w| !w.value.starts_with('-') || w.value == "-");
            if safe_target(target.map(|w| w.raw.as_str())) {
                continue;
            }
            let Some(name) = cmd.name_word() else {
                continue;
            };
            let fix = Fix::safe(vec![Edit::insert(
                script.file_offset_after(cmd.range.end),
                " || exit",
            )]);
            out.push(
                Diagnostic::new(
                    name.span,
                    "if this `cd` fails, the script goes on in the wrong directory",
                )
                .help("use `cd <dir> && ...`, `cd <dir> || exit`, or `set -e`")
                .fix(fix),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_fix, assert_run_fires, assert_run_quiet};
    use crate::lint::Applicability;

    #[test]
    fn fires_on_unchecked_cd() {
        assert_run_fires(&RULE, "FROM debian:12\nRUN cd /usr/src; make\n", &["cd"]);
        assert_run_fires(&RULE, "FROM debian:12\nRUN cd \"$(mktemp -d)\"\n", &["cd"]);
        assert_run_fires(&RULE, "FROM debian:12\nRUN make && cd /x; ls\n", &["cd"]);
    }

    #[test]
    fn quiet_when_checked() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN cd /usr/src && make\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN cd /x || exit 1; if cd /y; then :; fi\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN set -eux; cd /x; make; cd ..; cd -\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nSHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN cd /x; make\n");
    }

    #[test]
    fn fix_appends_exit() {
        assert_fix(
            &RULE,
            "FROM debian:12\nRUN cd /usr/src; make\n",
            "FROM debian:12\nRUN cd /usr/src || exit; make\n",
            Applicability::Safe,
        );
    }
}
