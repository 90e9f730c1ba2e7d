use crate::dockerfile::Kind;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::{expand, literal, stage_chain, stage_from, target_stage, VarTracker};
use super::root_final_user::effective_user;

pub static RULE: Rule = Rule {
    code: "BL1130",
    name: "missing-user",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "The image the build produces never sets USER, so it runs as root.",
    doc: r#"## What it does
Checks that the image the build produces (the `--target` stage or the last one, with the stages it
is built on) has a `USER` instruction, when the Dockerfile decides what its containers run (a
`CMD` or `ENTRYPOINT` in those stages). hadolint's `DL3002` only looks at the last `USER` and says
nothing when there is none at all, which is the common case.

A Dockerfile without `CMD` or `ENTRYPOINT` builds a base for other images, which choose the
process and its user; it is not reported.

Base images known to set an unprivileged user are not reported: tags holding `nonroot` or
`rootless` (`gcr.io/distroless/static:nonroot`) and Chainguard images (`cgr.dev/chainguard/...`).

## Why is this bad?
Without `USER`, containers run as root (unless the base image says otherwise): a flaw in the
application gives root inside the container and weakens the isolation from the host.

## Example
```dockerfile
FROM nginx:1.27
CMD ["nginx", "-g", "daemon off;"]
```

Use instead:
```dockerfile
FROM nginxinc/nginx-unprivileged:1.27
USER 101
CMD ["nginx", "-g", "daemon off;"]
```

## How to fix
Create an unprivileged user and switch to it: `RUN adduser -D -u 10001 app` then `USER 10001`.

## References
- Trivy DS-0002, Checkov CKV_DOCKER_3, KICS "Missing User Instruction"
- hadolint DL3002 (only the last USER)
"#,
    check: Check::Dockerfile(check),
};

fn sets_unprivileged_user(image: &str) -> bool {
    let lower = image.to_ascii_lowercase();
    let tag = lower
        .rsplit('/')
        .next()
        .and_then(|n| n.split_once(':'))
        .map(|(_, t)| t);
    tag.is_some_and(|t| t.contains("nonroot") || t.contains("rootless"))
        || lower.starts_with("cgr.dev/chainguard/")
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    if effective_user(cx).is_some() {
        return;
    }
    let Some(target) = target_stage(cx) else {
        return;
    };
    let vars = VarTracker::new(cx);
    // The image at the root of the stage chain is the one whose USER is inherited.
    let chain = stage_chain(cx.df, target);
    let runs_something = chain.iter().any(|&s| {
        cx.df
            .stage_instructions(&cx.df.stages[s])
            .iter()
            .any(|i| matches!(i.kind, Kind::Cmd | Kind::Entrypoint))
    });
    if !runs_something {
        return;
    }
    let root = *chain.last().unwrap_or(&target);
    if let Some(from) = stage_from(cx.df, root) {
        let image = expand(&from.image.raw, cx.df.escape, vars.globals())
            .or_else(|| literal(&from.image.raw, cx.df.escape))
            .unwrap_or_default();
        if sets_unprivileged_user(&image) {
            return;
        }
    }
    let Some(from) = stage_from(cx.df, target) else {
        return;
    };
    out.push(
        Diagnostic::new(from.image.span, "the image never sets USER, so its containers run as root")
            .help("create an unprivileged user and switch to it: `RUN adduser -D -u 10001 app` and `USER 10001`"),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_without_user() {
        assert_fires(
            &RULE,
            "FROM nginx:latest\nCOPY a /a\nCMD [\"nginx\"]\n",
            &["nginx:latest"],
        );
        assert_fires(
            &RULE,
            "FROM a AS b\nUSER app\nFROM c\nENTRYPOINT [\"/c\"]\n",
            &["c"],
        );
        assert_fires(
            &RULE,
            "FROM scratch AS base\nCMD [\"/app\"]\nFROM base\nCOPY app /app\n",
            &["base"],
        );
    }

    #[test]
    fn quiet_on_base_images_that_run_nothing() {
        assert_quiet(&RULE, "FROM alpine:3.20\nRUN apk add --no-cache curl\n");
    }

    #[test]
    fn quiet_with_user_anywhere_in_the_chain() {
        assert_quiet(&RULE, "FROM a\nUSER app\nCMD [\"x\"]\n");
        assert_quiet(&RULE, "FROM a AS base\nUSER 10001\nFROM base\nRUN x\n");
        assert_quiet(&RULE, "FROM a\nUSER root\n");
    }

    #[test]
    fn quiet_on_unprivileged_base_images() {
        assert_quiet(
            &RULE,
            "FROM gcr.io/distroless/static:nonroot\nCMD [\"/app\"]\n",
        );
        assert_quiet(&RULE, "FROM cgr.dev/chainguard/nginx\nCMD [\"x\"]\n");
        assert_quiet(&RULE, "FROM docker:27-dind-rootless\nCMD [\"x\"]\n");
    }
}
