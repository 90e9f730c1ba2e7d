use super::from_platform_flag_const_disallowed::constant_platform_froms;
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL1109",
    name: "from-platform-flag",
    aliases: &["DL3029"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A FROM instruction uses `--platform`.",
    doc: r#"## What it does
Checks `FROM` instructions whose `--platform` is a constant, as BuildKit's
`FromPlatformFlagConstDisallowed` does (this is hadolint's `DL3029` under that rule's exact
conditions): a value with a variable (`--platform=$BUILDPLATFORM`, the documented form for
cross-compiling stages) is not reported, nor is a stage whose name mentions the platform's OS or
architecture (`build_amd64`, one of several per-platform stages). Where `BL1019` reports the same
flag, this finding is folded into it.

## Why is this bad?
A platform written into the Dockerfile pins every build to it: `docker build --platform` and
multi-platform builds can no longer choose, and an `amd64` image runs emulated (slowly) on `arm64`
machines.

## Example
```dockerfile
FROM --platform=linux/amd64 debian:12
```

Use instead:
```dockerfile
FROM debian:12
```

```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.23 AS build
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /usr/local/bin/app
```

## How to fix
Remove the flag and pass the platform when building: `docker build --platform linux/amd64 .`.
A stage that runs on the build machine (cross-compiling) takes `--platform=$BUILDPLATFORM`.

## References
- BuildKit check `FromPlatformFlagConstDisallowed`
- hadolint DL3029 (silent on `$BUILDPLATFORM` and `$TARGETPLATFORM`; this rule is silent on any
  variable, as BuildKit is)
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (inst, _) in constant_platform_froms(cx) {
        let Some(flag) = inst.flag("platform") else {
            continue;
        };
        out.push(
            Diagnostic::new(flag.span, "the base image's platform is fixed with `--platform`")
                .help("remove the flag and pass the platform to the build: `docker build --platform linux/amd64 .`; a stage that runs on the build machine takes `--platform=$BUILDPLATFORM`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_platform_flags() {
        assert_fires(
            &RULE,
            "FROM --platform=linux/amd64 debian\n",
            &["--platform=linux/amd64"],
        );
        assert_fires(
            &RULE,
            "from --platform=arm64 debian as x\n",
            &["--platform=arm64"],
        );
    }

    #[test]
    fn quiet_on_variables_and_per_platform_stages() {
        assert_quiet(
            &RULE,
            "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nFROM alpine\nCOPY --from=build /a /a\n",
        );
        assert_quiet(&RULE, "FROM --platform=${BUILDPLATFORM} node:20 AS web\n");
        assert_quiet(&RULE, "ARG P=linux/amd64\nFROM --platform=$P debian\n");
        assert_quiet(&RULE, "FROM --platform=linux/arm64 alpine AS build_arm64\n");
    }

    #[test]
    fn quiet_without_flag() {
        assert_quiet(&RULE, "FROM debian:12\n");
        assert_quiet(&RULE, "FROM debian:12 AS platform\n");
        assert_quiet(&RULE, "FROM debian\nRUN --network=none true\n");
    }
}
