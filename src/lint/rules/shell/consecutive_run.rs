use crate::dockerfile::{Args, CommandForm, Instruction, Kind};
use crate::lint::shell::views;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL2028",
    name: "consecutive-run",
    aliases: &["DL3059"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "Consecutive single-command RUN instructions could be one.",
    doc: r#"## What it does
Checks for a RUN that directly follows another RUN with the same flags
(comments between them do not count), when each runs a single command.

## Why is this bad?
Each RUN makes a layer and a cache step. Single commands in a row are
usually one logical step, and merging them makes the image smaller (a file
removed by the second RUN still weighs in the first layer) and the build
faster. RUNs that already chain several commands were split on purpose and
are left alone, as are RUNs whose `--mount`, `--network` or `--security`
flags differ, and RUNs of PowerShell or cmd stages.

## Example
```dockerfile
FROM debian:12
RUN mkdir -p /app
RUN chown nobody /app
```

Use instead:
```dockerfile
FROM debian:12
RUN mkdir -p /app && chown nobody /app
```

## How to fix
Join the commands with `&&` in one RUN.

## References
- hadolint DL3059
"#,
    check: Check::Dockerfile(check),
};

/// Commands a RUN runs, as hadolint counts them; `None` for a RUN of a
/// PowerShell or cmd stage, whose commands the bash grammar cannot count.
fn command_count(cx: &DockerfileCx<'_>, index: usize, run: &Instruction) -> Option<usize> {
    let v = views(cx);
    let scripts = v.of_instruction(index);
    if !scripts.is_empty() {
        return Some(scripts.iter().map(|s| s.commands.len()).sum());
    }
    match &run.args {
        Args::Run(CommandForm::Shell(_)) => {
            let posix = v.shell_at(index).is_some_and(|s| s.kind.is_posix_family());
            posix.then_some(0)
        }
        _ => Some(1),
    }
}

fn flags_key(cx: &DockerfileCx<'_>, run: &Instruction) -> Vec<String> {
    let mut key: Vec<String> = run
        .flags
        .iter()
        .map(|f| f.span.slice(&cx.df.source).to_string())
        .collect();
    key.sort();
    key
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let mut prev: Option<(&Instruction, Vec<String>, usize)> = None;
    for (index, inst) in cx.df.instructions.iter().enumerate() {
        if inst.kind != Kind::Run {
            prev = None;
            continue;
        }
        let key = flags_key(cx, inst);
        let Some(count) = command_count(cx, index, inst) else {
            prev = None;
            continue;
        };
        if let Some((p, pkey, pcount)) = &prev {
            if *pkey == key && *pcount <= 1 && count <= 1 {
                out.push(
                    Diagnostic::new(
                        inst.keyword_span,
                        "this RUN could be merged with the previous one",
                    )
                    .label(p.keyword_span, "previous RUN")
                    .help("join the commands with `&&` in one RUN"),
                );
            }
        }
        prev = Some((inst, key, count));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires_in, Variants};

    #[test]
    fn fires_on_the_second_of_two_single_command_runs() {
        let v = Variants::NO_ONBUILD;
        assert_run_fires_in(
            &RULE,
            "FROM debian:12\nRUN mkdir /app\nRUN chown x /app\n",
            &["RUN"],
            v,
        );
        assert_run_fires_in(
            &RULE,
            "FROM debian:12\nRUN a\n# why\nRUN b\nRUN c\n",
            &["RUN", "RUN"],
            v,
        );
        assert_run_fires_in(&RULE, "FROM debian:12\nRUN x=1\nRUN echo $(id)\n", &[], v);
    }

    #[test]
    fn quiet_when_chained_separated_or_flags_differ() {
        let v = Variants::NO_ONBUILD;
        assert_run_fires_in(&RULE, "FROM debian:12\nRUN a && b\nRUN c\n", &[], v);
        assert_run_fires_in(&RULE, "FROM debian:12\nRUN a\nWORKDIR /x\nRUN b\n", &[], v);
        assert_run_fires_in(
            &RULE,
            "FROM debian:12\nRUN --mount=type=cache,target=/x a\nRUN b\n",
            &[],
            v,
        );
        assert_run_fires_in(
            &RULE,
            "FROM debian:12\nRUN a\nONBUILD RUN b\nRUN c\n",
            &[],
            Variants::NONE,
        );
        // PowerShell commands are not counted with the bash grammar.
        assert_run_fires_in(
            &RULE,
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nRUN Write-Host a\nRUN Write-Host b\n",
            &[],
            Variants::NONE,
        );
    }
}
