//! What a stage inherits from the image at the root of its chain: the OS,
//! the user its containers run as, and the distribution family (for advice
//! that has to run in that image). Facts come from the stage chain, the
//! resolver's image config (the daemon's, with `inspect-images`) and a table
//! of well-known bases.

use crate::dockerfile::image_ref::ImageRef;
use crate::dockerfile::{Args, Kind};
use crate::lint::semantic::{BaseImage, ImageConfig};
use crate::lint::shell::ShellKind;
use crate::lint::DockerfileCx;

/// The image a stage is ultimately built on.
pub enum RootBase<'a> {
    Scratch,
    Image(&'a ImageRef),
    /// A variable that cannot be resolved, or an invalid reference.
    Unknown,
}

/// The stage and the earlier stages it is built on, nearest first, and the
/// image at the root.
pub fn root_base<'a>(cx: &'a DockerfileCx<'a>, stage: usize) -> (Vec<usize>, RootBase<'a>) {
    let mut chain = vec![stage];
    let mut current = stage;
    loop {
        let Some(info) = cx.semantic.stages.get(current) else {
            return (chain, RootBase::Unknown);
        };
        match &info.base {
            BaseImage::Stage(b) if !chain.contains(b) => {
                chain.push(*b);
                current = *b;
            }
            BaseImage::Scratch => return (chain, RootBase::Scratch),
            BaseImage::Image(r) => return (chain, RootBase::Image(r)),
            _ => return (chain, RootBase::Unknown),
        }
    }
}

fn base_config<'a>(cx: &'a DockerfileCx<'a>, stage: usize) -> Option<&'a ImageConfig> {
    cx.semantic.stages.get(stage)?.base_config.as_ref()
}

/// Microsoft's Windows base images (and images named after them).
pub fn is_windows_image(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "mcr.microsoft.com/windows",
        "windows/servercore",
        "windows/nanoserver",
        "windowsservercore",
        "nanoserver",
        "servercore",
    ]
    .iter()
    .any(|p| name.contains(p))
}

/// A stage is Windows by the file's `` # escape=` `` directive, a `SHELL`
/// running PowerShell or cmd in its chain, a `--platform=windows/...`, or
/// its base image (by name, or the OS in its config).
pub fn stage_is_windows(cx: &DockerfileCx<'_>, stage: usize) -> bool {
    if cx.df.escape == '`' {
        return true;
    }
    let (chain, root) = root_base(cx, stage);
    for &s in &chain {
        let Some(df_stage) = cx.df.stages.get(s) else {
            continue;
        };
        for inst in cx.df.stage_instructions(df_stage) {
            let windows = match (&inst.kind, &inst.args) {
                (Kind::Shell, Args::Shell(argv)) => argv.first().is_some_and(|p| {
                    matches!(
                        ShellKind::of_program(&p.value),
                        ShellKind::PowerShell | ShellKind::Cmd
                    )
                }),
                (Kind::From, _) => inst
                    .flag("platform")
                    .and_then(|f| f.value.as_ref())
                    .is_some_and(|v| v.raw.to_ascii_lowercase().starts_with("windows")),
                _ => false,
            };
            if windows {
                return true;
            }
        }
    }
    if base_config(cx, stage).is_some_and(|c| c.os.as_deref() == Some("windows")) {
        return true;
    }
    match root {
        RootBase::Image(r) => is_windows_image(&r.familiar_string()),
        _ => false,
    }
}

/// Where a default user came from, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserSource {
    /// The base image's config (the daemon's inspect).
    ImageConfig,
    /// The table of well-known bases.
    KnownImage,
}

/// The unprivileged user well-known bases run as, by their name and tag:
/// distroless `:nonroot`, Chainguard, Ubuntu and .NET chiseled images,
/// `-rootless` and `nonroot` tags, nanoserver (`ContainerUser`) and images
/// published to run unprivileged.
pub fn known_default_user(image: &ImageRef) -> Option<&'static str> {
    let name = image.familiar_name().to_ascii_lowercase();
    let tag = image.effective_tag().unwrap_or("").to_ascii_lowercase();
    if tag.contains("nonroot") || name.ends_with("/nonroot") {
        return Some("65532");
    }
    if tag.contains("rootless") {
        return Some("1000");
    }
    if name.starts_with("cgr.dev/chainguard/") {
        return Some("65532");
    }
    if tag.contains("chiseled") || tag.contains("chiselled") || name.contains("chiselled") {
        // .NET chiseled images run as `app` (APP_UID 1654); Canonical's as 584792.
        return Some(if name.starts_with("mcr.microsoft.com/dotnet/") {
            "1654"
        } else {
            "584792"
        });
    }
    if name.contains("nanoserver") {
        return Some("ContainerUser");
    }
    const UNPRIVILEGED: &[(&str, &str)] = &[
        ("nginxinc/nginx-unprivileged", "101"),
        ("bitnami/", "1001"),
        ("gcr.io/distroless/", ""),
        ("jenkins/jenkins", "1000"),
        ("grafana/grafana", "472"),
        ("prom/prometheus", "65534"),
        ("sonarqube", "1000"),
    ];
    UNPRIVILEGED.iter().find_map(|(prefix, user)| {
        // Distroless runs as root unless the tag says `nonroot` (above).
        (!user.is_empty() && (name == *prefix || name.starts_with(prefix))).then_some(*user)
    })
}

/// Whether a user string names root (`root`, `0`, `0:0`,
/// `ContainerAdministrator`).
pub fn is_root_user(user: &str) -> bool {
    let uid = user.split(':').next().unwrap_or("").trim();
    uid.is_empty()
        || uid == "0"
        || uid.eq_ignore_ascii_case("root")
        || uid.eq_ignore_ascii_case("ContainerAdministrator")
}

/// The unprivileged user the stage's root image runs as, if one is known:
/// the image config's `User` first, then the well-known bases.
pub fn base_runs_as(cx: &DockerfileCx<'_>, stage: usize) -> Option<(String, UserSource)> {
    if let Some(user) = base_config(cx, stage).and_then(|c| c.user.clone()) {
        return (!is_root_user(&user)).then_some((user, UserSource::ImageConfig));
    }
    match root_base(cx, stage).1 {
        RootBase::Image(r) => {
            known_default_user(r).map(|u| (u.to_string(), UserSource::KnownImage))
        }
        _ => None,
    }
}

/// The distribution family of a stage's root image, for commands that must
/// run in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Alpine, BusyBox: `adduser -D`.
    Alpine,
    /// Debian, Ubuntu and images built on them: `useradd`.
    Debian,
    /// RHEL, UBI, Fedora, CentOS, Rocky, Alma, Amazon Linux: `useradd`.
    Rhel,
    /// `scratch` and distroless: no shell, so no RUN.
    NoShell,
    Unknown,
}

pub fn family(cx: &DockerfileCx<'_>, stage: usize) -> Family {
    let image = match root_base(cx, stage).1 {
        RootBase::Scratch => return Family::NoShell,
        RootBase::Image(r) => r,
        RootBase::Unknown => return Family::Unknown,
    };
    let name = image.familiar_name().to_ascii_lowercase();
    let tag = image.effective_tag().unwrap_or("").to_ascii_lowercase();
    let last = name.rsplit('/').next().unwrap_or(&name);
    if name.starts_with("gcr.io/distroless/")
        || tag.contains("chiseled")
        || tag.contains("chiselled")
        || (name.starts_with("cgr.dev/chainguard/") && !tag.contains("dev"))
    {
        return Family::NoShell;
    }
    if matches!(last, "alpine" | "busybox") || tag.contains("alpine") || tag.contains("musl") {
        return Family::Alpine;
    }
    if matches!(
        last,
        "ubi"
            | "ubi8"
            | "ubi9"
            | "ubi-minimal"
            | "fedora"
            | "centos"
            | "rockylinux"
            | "almalinux"
            | "amazonlinux"
            | "oraclelinux"
    ) || name.contains("redhat")
        || tag.contains("ubi")
    {
        return Family::Rhel;
    }
    if matches!(last, "debian" | "ubuntu")
        || [
            "bookworm", "bullseye", "buster", "trixie", "slim", "jammy", "noble", "focal",
        ]
        .iter()
        .any(|t| tag.contains(t))
        || image.official_name().is_some()
    {
        // Official images without an Alpine tag are Debian based.
        return Family::Debian;
    }
    Family::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap()
    }

    #[test]
    fn known_users_of_well_known_bases() {
        for (image, user) in [
            ("gcr.io/distroless/static-debian12:nonroot", Some("65532")),
            ("gcr.io/distroless/static-debian12", None),
            ("cgr.dev/chainguard/nginx", Some("65532")),
            (
                "mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled",
                Some("1654"),
            ),
            ("ubuntu/python:3.12-24.04_chiselled", Some("584792")),
            (
                "mcr.microsoft.com/windows/nanoserver:ltsc2022",
                Some("ContainerUser"),
            ),
            ("mcr.microsoft.com/windows/servercore:ltsc2022", None),
            ("docker:27-dind-rootless", Some("1000")),
            ("nginxinc/nginx-unprivileged:1.27", Some("101")),
            ("bitnami/postgresql:16", Some("1001")),
            ("nginx:1.27", None),
            ("python:3.12-slim", None),
        ] {
            assert_eq!(known_default_user(&r(image)), user, "{image}");
        }
    }

    #[test]
    fn root_users() {
        for u in ["root", "0", "0:0", "ContainerAdministrator", "root:root"] {
            assert!(is_root_user(u), "{u}");
        }
        for u in ["app", "1000", "ContainerUser", "65532:65532"] {
            assert!(!is_root_user(u), "{u}");
        }
    }
}
