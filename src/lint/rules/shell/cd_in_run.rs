use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::commands;

pub static RULE: Rule = Rule {
    code: "BL2002",
    name: "cd-in-run",
    aliases: &["DL3003"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN changes directory with `cd` instead of WORKDIR.",
    doc: r#"## What it does
Checks RUN scripts for `cd`.

## Why is this bad?
A `cd` lasts only until the end of its RUN, so the next instruction starts
in the old directory again; readers of the Dockerfile have to follow every
`cd` to know where a command runs. `WORKDIR` sets the directory for all later
instructions and creates it if needed.

## Example
```dockerfile
FROM debian:12
RUN cd /usr/src/app && make
```

Use instead:
```dockerfile
FROM debian:12
WORKDIR /usr/src/app
RUN make
```

## How to fix
Replace the `cd` with a `WORKDIR` before the RUN, or pass the directory to
the tool (`make -C /usr/src/app`).

## References
- hadolint DL3003
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        if let (true, Some(word)) = (cmd.is("cd"), cmd.name_word()) {
            out.push(
                Diagnostic::new(word.span, "`cd` changes directory for this RUN only")
                    .help("use `WORKDIR <dir>` before the RUN, or pass the directory to the tool"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_cd() {
        assert_run_fires(&RULE, "FROM debian:12\nRUN cd /usr/src && make\n", &["cd"]);
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN (cd /x && make) && cd /\n",
            &["cd", "cd"],
        );
        assert_run_fires(&RULE, "FROM debian:12\nRUN x=$(cd /a && pwd)\n", &["cd"]);
    }

    #[test]
    fn quiet_without_cd() {
        assert_run_quiet(&RULE, "FROM debian:12\nWORKDIR /usr/src\nRUN make\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN echo cd\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN make -C /usr/src\n");
    }
}
