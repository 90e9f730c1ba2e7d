use crate::dockerfile::Kind;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::base_facts::{base_runs_as, family, stage_is_windows, Family};
use super::dl_helpers::{stage_chain, stage_from, target_stage};
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

The user the base image already runs as counts: a `USER` in an earlier stage of the chain, the
image's `Config.User` when `inspect-images` asks the daemon, and a table of well-known unprivileged
bases: `nonroot` tags (`gcr.io/distroless/static:nonroot`), Chainguard (`cgr.dev/chainguard/...`),
Ubuntu and .NET chiseled images, `-rootless` tags, `nginxinc/nginx-unprivileged`, Bitnami.
Windows stages (by `` # escape=` ``, a PowerShell or cmd `SHELL`, or a Windows base) are not
checked: their users are `ContainerUser` and `ContainerAdministrator`, and nanoserver already
runs as `ContainerUser`.

The help gives the command for the base's family: `adduser -D` on Alpine and BusyBox, `useradd`
on Debian, Ubuntu and RHEL, and for `scratch` and distroless (no shell) `USER 65532` alone.

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

```dockerfile
FROM gcr.io/distroless/static-debian12:nonroot
COPY --chown=65532:65532 app /app
CMD ["/app"]
```

```dockerfile
FROM mcr.microsoft.com/dotnet/aspnet:8.0 AS base
USER $APP_UID
WORKDIR /app

FROM base AS final
COPY --chown=1654:1654 publish/ .
ENTRYPOINT ["dotnet", "Api.dll"]
```

## How to fix
Create an unprivileged user and switch to it (`RUN useradd --uid 10001 app` on Debian and RHEL,
`RUN adduser -D -u 10001 app` on Alpine), then `USER 10001`; on `scratch` or distroless write
`USER 65532` alone.

## References
- Trivy DS-0002, Checkov CKV_DOCKER_3, KICS "Missing User Instruction"
- hadolint DL3002 (only the last USER)
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    if effective_user(cx).is_some() {
        return;
    }
    let Some(target) = target_stage(cx) else {
        return;
    };
    let chain = stage_chain(cx.df, target);
    let runs_something = chain.iter().any(|&s| {
        cx.df
            .stage_instructions(&cx.df.stages[s])
            .iter()
            .any(|i| matches!(i.kind, Kind::Cmd | Kind::Entrypoint))
    });
    // Windows images have no Linux users: `ContainerUser` is their
    // unprivileged account, and nanoserver runs as it already.
    if !runs_something || stage_is_windows(cx, target) || base_runs_as(cx, target).is_some() {
        return;
    }
    let Some(from) = stage_from(cx.df, target) else {
        return;
    };
    let help = match family(cx, target) {
        Family::Alpine => {
            "create an unprivileged user and switch to it: `RUN adduser -D -u 10001 app` and `USER 10001`"
        }
        Family::Debian | Family::Rhel => {
            "create an unprivileged user and switch to it: `RUN useradd --uid 10001 --no-create-home app` and `USER 10001`"
        }
        Family::NoShell => {
            "the image has no shell to create a user with: switch to a numeric ID alone, `USER 65532` (files the process writes must be owned by it: `COPY --chown=65532:65532`)"
        }
        Family::Unknown => {
            "create an unprivileged user (`useradd --uid 10001 app` on Debian, Ubuntu and RHEL, `adduser -D -u 10001 app` on Alpine and BusyBox) and switch to it: `USER 10001`"
        }
    };
    out.push(
        Diagnostic::new(
            from.image.span,
            "the image never sets USER, so its containers run as root",
        )
        .help(help),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

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
        assert_quiet(
            &RULE,
            "FROM mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled\nCOPY app /app\nENTRYPOINT [\"/app/api\"]\n",
        );
        // Through a local stage built on one.
        assert_quiet(
            &RULE,
            "FROM gcr.io/distroless/base-debian12:nonroot AS run\nFROM run\nCOPY app /app\nCMD [\"/app\"]\n",
        );
    }

    #[test]
    fn quiet_on_windows_stages() {
        assert_quiet(
            &RULE,
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nCMD [\"powershell\"]\n",
        );
        assert_quiet(
            &RULE,
            "# escape=`\nARG BASE\nFROM $BASE\nCMD [\"app.exe\"]\n",
        );
    }

    #[test]
    fn the_help_fits_the_base() {
        let help = |src: &str| lint(&RULE, src)[0].help.clone().unwrap();
        assert!(help("FROM alpine:3.20\nCMD [\"x\"]\n").contains("adduser -D"));
        assert!(help("FROM python:3.12-slim\nCMD [\"x\"]\n").contains("useradd"));
        assert!(help("FROM debian:bookworm\nCMD [\"x\"]\n").contains("useradd"));
        assert!(
            help("FROM registry.access.redhat.com/ubi9/ubi\nCMD [\"x\"]\n").contains("useradd")
        );
        let scratch = help("FROM scratch\nCOPY app /app\nCMD [\"/app\"]\n");
        assert!(
            scratch.contains("USER 65532") && !scratch.contains("RUN "),
            "{scratch}"
        );
        let distroless = help("FROM gcr.io/distroless/static-debian12\nCMD [\"/app\"]\n");
        assert!(distroless.contains("USER 65532"), "{distroless}");
    }
}
