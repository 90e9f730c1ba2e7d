use crate::dockerfile::{Instruction, Kind};
use crate::lint::shell::{views, ShellOrigin};
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::helpers::is_alpine_like;

pub static RULE: Rule = Rule {
    code: "BL2033",
    name: "pipe-without-pipefail",
    aliases: &["DL4006"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "A RUN with a pipe runs without `-o pipefail`.",
    doc: r#"## What it does
Checks RUN scripts that contain a pipe (`a | b`) for `pipefail`: from a
`SHELL` with `-o pipefail` (bash, zsh, ash or ksh, by basename, so
`/usr/bin/bash` counts), or from `set -o pipefail` earlier in the script.

## Why is this bad?
A pipeline's status is the status of its last command. In
`curl -fsSL https://example.com/key | gpg --dearmor -o /k.gpg`, a failed
download still "succeeds" and the build goes on with an empty key. With
`pipefail` any failing command fails the step.

## Example
```dockerfile
FROM debian:12
RUN curl -fsSL https://example.com/app.tar.gz | tar -xz -C /opt
```

Use instead:
```dockerfile
FROM debian:12
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/app.tar.gz | tar -xz -C /opt
```

## Fix
```dockerfile
FROM debian:12
RUN curl -fsSL https://example.com/app.tar.gz | tar -xz -C /opt
```

```dockerfile fixed
FROM debian:12
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/app.tar.gz | tar -xz -C /opt
```

## Fix safety
The fix inserts `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (`/bin/ash`
in Alpine and BusyBox stages) before the first such RUN of the stage, when
the stage still uses the default `/bin/sh`. It is unsafe: later RUNs then
run in bash instead of sh, which the image must have, and which treats some
scripts differently.

## References
- hadolint DL4006
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let v = views(cx);
    let mut fixed_stage: Option<Option<usize>> = None;
    for (index, inst) in cx.df.instructions.iter().enumerate() {
        if inst.kind != Kind::Run {
            continue;
        }
        let Some(pipe) = v.of_instruction(index).iter().find_map(|script| {
            script
                .facts()
                .pipes
                .iter()
                .find(|(start, _)| !script.pipefail_at(*start))
                .map(|(_, op)| script.span(op.clone()))
        }) else {
            continue;
        };
        let mut d = Diagnostic::new(
            pipe,
            "this pipe hides failures of the commands before its last one",
        )
        .help("set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before this RUN");
        let default_shell = v
            .shell_at(index)
            .is_some_and(|s| s.origin == ShellOrigin::Default);
        if default_shell && fixed_stage != Some(inst.stage) {
            fixed_stage = Some(inst.stage);
            d = d.fix(Fix::unsafe_(vec![shell_edit(cx, inst)]));
        }
        out.push(d);
    }
}

/// `SHELL [...]` on its own line before the RUN, indented like it.
fn shell_edit(cx: &DockerfileCx<'_>, inst: &Instruction) -> Edit {
    let src = &cx.df.source;
    let start = inst.keyword_span.start as usize;
    let line_start = src[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let indent = &src[line_start..start];
    let indent = if indent.chars().all(|c| c == ' ' || c == '\t') {
        indent
    } else {
        ""
    };
    let newline = if src.contains("\r\n") { "\r\n" } else { "\n" };
    let shell = if is_alpine_like(
        cx,
        cx.df
            .instructions
            .iter()
            .position(|i| std::ptr::eq(i, inst))
            .unwrap_or(0),
    ) {
        "/bin/ash"
    } else {
        "/bin/bash"
    };
    Edit::insert(
        line_start as u32,
        format!("{indent}SHELL [\"{shell}\", \"-o\", \"pipefail\", \"-c\"]{newline}"),
    )
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_fix, assert_run_fires_in, Variants};
    use crate::lint::Applicability;

    #[test]
    fn fires_on_the_pipe() {
        let v = Variants::NO_ONBUILD;
        assert_run_fires_in(
            &RULE,
            "FROM debian:12\nRUN curl -fsSL https://x | tar -xz\n",
            &["|"],
            v,
        );
        assert_run_fires_in(&RULE, "FROM debian:12\nRUN x=$(ls | wc -l)\n", &["|"], v);
        assert_run_fires_in(
            &RULE,
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN a | b\n",
            &["|"],
            v,
        );
        assert_run_fires_in(
            &RULE,
            "FROM debian:12\nRUN a | b\nRUN c | d\n",
            &["|", "|"],
            v,
        );
    }

    #[test]
    fn quiet_with_pipefail() {
        let v = Variants::NO_ONBUILD;
        assert_run_fires_in(&RULE, "FROM debian:12\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nENV A=1\nRUN a | b\n", &[], v);
        assert_run_fires_in(&RULE, "FROM debian:12\nSHELL [\"/usr/bin/bash\", \"-euxo\", \"pipefail\", \"-c\"]\nRUN a | b\n", &[], v);
        assert_run_fires_in(
            &RULE,
            "FROM debian:12\nRUN set -o pipefail && a | b\n",
            &[],
            v,
        );
        assert_run_fires_in(&RULE, "FROM debian:12 AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM base\nRUN a | b\n", &[], v);
        assert_run_fires_in(&RULE, "FROM debian:12\nRUN a || b\n", &[], v);
    }

    #[test]
    fn fix_inserts_shell_once_per_stage() {
        assert_fix(
            &RULE,
            "FROM debian:12\n  RUN a | b\nRUN c | d\n",
            "FROM debian:12\n  SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n  RUN a | b\nRUN c | d\n",
            Applicability::Unsafe,
        );
        assert_fix(
            &RULE,
            "FROM alpine:3\nRUN a | b\n",
            "FROM alpine:3\nSHELL [\"/bin/ash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n",
            Applicability::Unsafe,
        );
    }
}
