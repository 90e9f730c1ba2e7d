use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::commands;

pub static RULE: Rule = Rule {
    code: "BL2032",
    name: "ln-bin-sh",
    aliases: &["DL4005"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN replaces `/bin/sh` with a link instead of using SHELL.",
    doc: r#"## What it does
Checks for `ln` commands that touch `/bin/sh`.

## Why is this bad?
Relinking `/bin/sh` changes the shell of every script in the image, the
package manager's maintainer scripts included, not only the build's RUN
steps. `SHELL` changes the shell of the following RUN instructions and
nothing else.

## Example
```dockerfile
FROM debian:12
RUN ln -sf /bin/bash /bin/sh
```

Use instead:
```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-c"]
```

## How to fix
Replace the link with `SHELL ["/bin/bash", "-c"]` (or the shell you need).

## References
- hadolint DL4005
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        if !cmd.is("ln") {
            continue;
        }
        if let Some(word) = cmd.args().iter().find(|w| w.value == "/bin/sh") {
            out.push(
                Diagnostic::new(
                    word.span,
                    "relinking `/bin/sh` changes the shell of everything in the image",
                )
                .help(
                    "use `SHELL [\"/bin/bash\", \"-c\"]` to change the shell of RUN instructions",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_relink() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN ln -sf /bin/bash /bin/sh\n",
            &["/bin/sh"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN rm /bin/sh && ln -s bash /bin/sh\n",
            &["/bin/sh"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN ln -snf \"/bin/sh\" /usr/bin/sh\n",
            &["\"/bin/sh\""],
        );
    }

    #[test]
    fn quiet_otherwise() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN ln -s /usr/bin/python3 /usr/bin/python\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN ls -l /bin/sh\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo ok\n",
        );
    }
}
