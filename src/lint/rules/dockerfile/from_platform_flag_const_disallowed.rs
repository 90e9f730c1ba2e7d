use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::bk;

pub static RULE: Rule = Rule {
    code: "BL1019",
    name: "from-platform-flag-const-disallowed",
    aliases: &["FromPlatformFlagConstDisallowed"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`FROM --platform` is a constant.",
    doc: r#"## What it does
Checks for `FROM --platform=` with a constant value such as `linux/amd64`.
A stage whose name mentions the platform's OS or architecture
(`build_amd64`) is left alone: it is one of several per-platform stages.

## Why is this bad?
A constant platform builds that stage for one platform whatever the build
asks for, so a multi-platform build silently gets the wrong binaries (or an
emulated build). Use `$BUILDPLATFORM` for stages that run on the build
machine, or leave the flag out.

## Example
```dockerfile
FROM --platform=linux/amd64 alpine AS base
RUN apk add --no-cache git
```

Use instead:
```dockerfile
FROM alpine AS base
RUN apk add --no-cache git
```

```dockerfile
FROM --platform=${BUILDPLATFORM} alpine AS base
RUN apk add --no-cache git
```

```dockerfile
FROM --platform=linux/amd64 alpine AS build_amd64
...

FROM --platform=linux/arm64 alpine AS build_arm64
...

FROM build_${TARGETARCH} AS build
...
```

## References
- BuildKit check `FromPlatformFlagConstDisallowed`
- hadolint DL3029 reports any `--platform` and is a separate rule.
"#,
    check: Check::Dockerfile(check),
};

const OSES: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// `os[/arch[/variant]]` or a lone OS or architecture, normalized as
/// containerd does; `None` when it is not a platform.
pub fn parse_platform(s: &str) -> Option<(String, String)> {
    let lower = s.to_lowercase();
    let parts: Vec<&str> = lower.split('/').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts.iter().any(|p| {
            p.is_empty()
                || !p
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        })
    {
        return None;
    }
    let norm_os = |os: &str| match os {
        "macos" => "darwin".to_string(),
        o => o.to_string(),
    };
    match parts.as_slice() {
        [one] => {
            if OSES.contains(one) || *one == "macos" {
                Some((
                    norm_os(one),
                    crate::lint::semantic::platform_args("")["TARGETARCH"].clone(),
                ))
            } else {
                normalize_arch(one).map(|a| ("linux".to_string(), a))
            }
        }
        [os, arch, ..] => Some((
            norm_os(os),
            normalize_arch(arch).unwrap_or_else(|| arch.to_string()),
        )),
        [] => None,
    }
}

fn normalize_arch(arch: &str) -> Option<String> {
    Some(
        match arch {
            "i386" | "386" => "386",
            "x86_64" | "x86-64" | "amd64" => "amd64",
            "aarch64" | "arm64" => "arm64",
            "armhf" | "armel" | "arm" => "arm",
            "ppc64le" | "ppc64" | "s390x" | "riscv64" | "loong64" | "mips" | "mipsle"
            | "mips64" | "mips64le" | "wasm" => arch,
            _ => return None,
        }
        .to_string(),
    )
}

/// The FROM instructions BuildKit's `FromPlatformFlagConstDisallowed`
/// reports: a `--platform` value with no variable in it, that parses as a
/// platform, on a stage whose name mentions neither its OS nor its
/// architecture. With the instruction and the expanded value.
pub fn constant_platform_froms<'a>(
    cx: &'a DockerfileCx<'a>,
) -> Vec<(&'a crate::dockerfile::Instruction, String)> {
    let mut out = Vec::new();
    for (i, inst, _) in bk::froms(cx) {
        let Some(stage) = cx.semantic.stages.get(i) else {
            continue;
        };
        let Some(Ok(e)) = &stage.platform else {
            continue;
        };
        if !e.refs.is_empty() {
            continue;
        }
        let Some((os, arch)) = parse_platform(&e.value) else {
            continue;
        };
        let name = stage.name.as_deref().unwrap_or("");
        if name.contains(&os) || name.contains(&arch) {
            continue;
        }
        out.push((inst, e.value.clone()));
    }
    out
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (inst, value) in constant_platform_froms(cx) {
        let Some(word) = inst.flag("platform").and_then(|f| f.value.as_ref()) else {
            continue;
        };
        out.push(
            Diagnostic::new(
                word.span,
                format!("`--platform={value}` pins the stage to one platform"),
            )
            .help("use `--platform=$BUILDPLATFORM` for a stage that runs on the build machine, or remove the flag"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_platform, RULE};
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn platforms() {
        assert_eq!(
            parse_platform("linux/amd64"),
            Some(("linux".into(), "amd64".into()))
        );
        assert_eq!(
            parse_platform("linux/arm/v7"),
            Some(("linux".into(), "arm".into()))
        );
        assert_eq!(
            parse_platform("aarch64"),
            Some(("linux".into(), "arm64".into()))
        );
        assert_eq!(parse_platform("not a platform"), None);
        assert_eq!(parse_platform("a//b"), None);
    }

    #[test]
    fn fires_on_constants() {
        assert_fires(
            &RULE,
            "FROM --platform=linux/amd64 alpine AS base\n",
            &["linux/amd64"],
        );
        assert_fires(
            &RULE,
            "FROM --platform=linux/arm64 alpine\n",
            &["linux/arm64"],
        );
        assert_fires(
            &RULE,
            "FROM --platform=windows/amd64 alpine AS builder\n",
            &["windows/amd64"],
        );
        assert_quiet(&RULE, "FROM --platform=${BUILDPLATFORM} alpine AS base\n");
        assert_quiet(&RULE, "FROM --platform=linux/amd64 alpine AS build_amd64\n");
        assert_quiet(
            &RULE,
            "FROM --platform=linux/arm64 alpine AS linux-builder\n",
        );
        assert_quiet(&RULE, "FROM alpine\n");
    }
}
