use crate::dockerfile::{Args, Kind, Word};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::{literal, stage_chain, target_stage};

pub static RULE: Rule = Rule {
    code: "BL1102",
    name: "root-final-user",
    aliases: &["DL3002"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "The image the build produces switches to the root user last.",
    doc: r#"## What it does
Checks the last `USER` of the stage the build produces (the `--target` stage, else the last one,
following `FROM <stage>` to the stages it is built on): it should not be `root` or `0`.

Build stages whose files are only copied out may run as root; only the image that ships is
checked.

## Why is this bad?
A container that runs as root turns any flaw in the application into root access inside the
container, and one step closer to the host.

## Example
```dockerfile
FROM debian:12
RUN useradd --create-home app
USER app
RUN make install
USER root
```

Use instead:
```dockerfile
FROM debian:12
RUN useradd --create-home app
USER root
RUN make install
USER app
```

## How to fix
Switch back to an unprivileged user after the steps that need root: `USER app`.

## References
- hadolint DL3002 (checks every stage)
"#,
    check: Check::Dockerfile(check),
};

pub(crate) fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("");
    name == "root" || name == "0"
}

/// The last direct USER of the stage the build produces, following its
/// chain of parent stages.
pub(crate) fn effective_user<'d>(cx: &DockerfileCx<'d>) -> Option<&'d Word> {
    let target = target_stage(cx)?;
    for stage in stage_chain(cx.df, target) {
        let stage = &cx.df.stages[stage];
        let last = cx
            .df
            .stage_instructions(stage)
            .iter()
            .rev()
            .find(|i| i.kind == Kind::User);
        if let Some(inst) = last {
            if let Args::User(word) = &inst.args {
                return Some(word);
            }
        }
    }
    None
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let Some(word) = effective_user(cx) else {
        return;
    };
    let Some(user) = literal(&word.raw, cx.df.escape) else {
        return;
    };
    if is_root(&user) {
        out.push(
            Diagnostic::new(word.span, "the image runs as root: the last USER is root")
                .help("switch to an unprivileged user at the end, e.g. `USER app` or `USER 10001`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint_with, underlined};

    #[test]
    fn fires_on_root_last() {
        assert_fires(&RULE, "FROM debian\nUSER app\nUSER root\n", &["root"]);
        assert_fires(&RULE, "FROM debian\nUSER 0:0\n", &["0:0"]);
        assert_fires(
            &RULE,
            "FROM debian\nUSER root:root\nRUN true\n",
            &["root:root"],
        );
    }

    #[test]
    fn follows_parent_stages() {
        assert_fires(
            &RULE,
            "FROM debian AS base\nUSER root\nFROM base\nRUN true\n",
            &["root"],
        );
        assert_quiet(
            &RULE,
            "FROM debian AS base\nUSER root\nFROM base\nUSER app\n",
        );
    }

    #[test]
    fn quiet_on_build_stages_and_non_root() {
        assert_quiet(
            &RULE,
            "FROM debian AS build\nUSER root\nFROM debian\nUSER app\n",
        );
        assert_quiet(&RULE, "FROM debian\nUSER rootless\n");
        assert_quiet(&RULE, "FROM debian\nRUN true\n");
    }

    #[test]
    fn checks_the_target_stage() {
        let src = "FROM debian AS dev\nUSER root\nFROM debian\nUSER app\n";
        let found = lint_with(
            &RULE,
            src,
            &crate::lint::context_view::MemoryContext::new(),
            true,
            &Default::default(),
            Default::default(),
            Some("dev"),
        );
        assert_eq!(underlined(src, &found), ["root"]);
    }
}
