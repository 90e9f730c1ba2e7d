use crate::dockerfile::Kind;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::{stage_chain, stage_from, target_stage};

pub static RULE: Rule = Rule {
    code: "BL1122",
    name: "missing-healthcheck",
    aliases: &["DL3057"],
    severity: Severity::Info,
    default_enabled: false,
    fix: FixAvailability::Never,
    summary: "The image the build produces has no HEALTHCHECK.",
    doc: r#"## What it does
Checks that the image the build produces (the `--target` stage or the last one, with the stages
it is built on) sets a `HEALTHCHECK`. Off by default: many images run under an orchestrator that
probes health itself.

## Why is this bad?
Without a health check, Docker only knows whether the process runs, not whether it answers:
`docker ps` and Swarm show a hung service as healthy.

## Example
```dockerfile
FROM nginx:1.27
```

Use instead:
```dockerfile
FROM nginx:1.27
HEALTHCHECK CMD curl -fsS http://localhost/ || exit 1
```

## References
- hadolint DL3057
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let Some(target) = target_stage(cx) else {
        return;
    };
    let has = stage_chain(cx.df, target).into_iter().any(|s| {
        cx.df
            .stage_instructions(&cx.df.stages[s])
            .iter()
            .any(|i| i.kind == Kind::Healthcheck)
    });
    if has {
        return;
    }
    if let Some(from) = stage_from(cx.df, target) {
        out.push(
            Diagnostic::new(from.image.span, "the image has no HEALTHCHECK")
                .help("add `HEALTHCHECK CMD <command that fails when the service is unhealthy>`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_without_healthcheck() {
        assert_fires(&RULE, "FROM nginx\n", &["nginx"]);
        assert_fires(&RULE, "FROM a AS b\nHEALTHCHECK CMD true\nFROM c\n", &["c"]);
        assert_fires(&RULE, "FROM a\nONBUILD HEALTHCHECK CMD true\n", &["a"]);
    }

    #[test]
    fn quiet_with_healthcheck() {
        assert_quiet(&RULE, "FROM nginx\nHEALTHCHECK CMD true\n");
        assert_quiet(&RULE, "FROM nginx\nHEALTHCHECK NONE\n");
        assert_quiet(&RULE, "FROM a AS base\nHEALTHCHECK CMD true\nFROM base\n");
    }
}
