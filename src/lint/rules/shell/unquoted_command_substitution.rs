use crate::lint::shell::facts::Event;
use crate::lint::shell::views;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL2041",
    name: "unquoted-command-substitution",
    aliases: &["SC2046"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "An unquoted `$(...)` is split into words and globbed.",
    doc: r#"## What it does
Checks RUN scripts for `$(...)` and backticks outside double quotes where the
shell splits the output into words and expands globs: command arguments,
redirection targets, `[ ]` tests, `export` values. `$(seq ...)`, a lone
`echo $(...)` and `for x in $(...)` are left alone.

## Why is this bad?
Output with spaces or newlines becomes several arguments, and a `*` in it
expands to file names. `chown $(id -un) /app` breaks as soon as the command
prints something unexpected.

## Example
```dockerfile
FROM debian:12
RUN make -j$(nproc)
```

Use instead:
```dockerfile
FROM debian:12
RUN make -j"$(nproc)"
```

## How to fix
Double-quote the substitution: `"$(cmd)"`. Where splitting is intended,
read the output into an array (bash) or use `xargs`.

## References
- ShellCheck SC2046
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for script in views(cx).scripts() {
        for event in &script.facts().events {
            let Event::SplitSubstitution { range, echo_alone } = event else {
                continue;
            };
            let text = script
                .text()
                .get(range.start as usize..range.end as usize)
                .unwrap_or("");
            let inner = text
                .trim_start_matches("$(")
                .trim_start_matches('`')
                .trim_start();
            // `$(seq ...)` is meant to split; `echo $(cmd)` is ShellCheck's SC2005.
            if inner.starts_with("seq ") || inner.is_empty() || *echo_alone {
                continue;
            }
            out.push(
                Diagnostic::new(
                    script.span(range.clone()),
                    "the output of this substitution is split into words and globbed",
                )
                .help(format!("double-quote it: `\"{text}\"`")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_unquoted_substitutions() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN make -j$(nproc)\n",
            &["$(nproc)"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN chown `id -u` /x && [ $(id -u) = 0 ]\n",
            &["`id -u`", "$(id -u)"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN export A=$(id -u)\n",
            &["$(id -u)"],
        );
    }

    #[test]
    fn quiet_when_quoted_or_exempt() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN make -j\"$(nproc)\" && x=$(id -u)\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN for i in $(seq 3); do :; done; echo $(date)\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN $(which python3) -V && X=$(id) make\n",
        );
    }
}
