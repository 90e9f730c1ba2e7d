use crate::dockerfile::Kind;
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
Checks `FROM` instructions that carry a `--platform` flag, whatever its value.

BuildKit's `FromPlatformFlagConstDisallowed` only reports constant values and
`RedundantTargetPlatform` only `$TARGETPLATFORM`; this rule is stricter, as hadolint is: the
platform belongs to the build command, so one Dockerfile builds for every platform.

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

## How to fix
Remove the flag and pass the platform when building: `docker build --platform linux/amd64 .`.
Cross-compiling stages that need the build machine's platform are the exception
(`FROM --platform=$BUILDPLATFORM golang AS build`): suppress the rule there.

## References
- hadolint DL3029
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        if inst.kind != Kind::From {
            continue;
        }
        let Some(flag) = inst.flag("platform") else {
            continue;
        };
        if flag.value.as_ref().is_none_or(|v| v.raw.is_empty()) {
            continue;
        }
        out.push(
            Diagnostic::new(flag.span, "the base image's platform is fixed with `--platform`")
                .help("remove the flag and pass the platform to the build: `docker build --platform linux/amd64 .`"),
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
            "FROM --platform=$BUILDPLATFORM golang AS build\nFROM alpine\n",
            &["--platform=$BUILDPLATFORM"],
        );
        assert_fires(
            &RULE,
            "from --platform=arm64 debian as x\n",
            &["--platform=arm64"],
        );
    }

    #[test]
    fn quiet_without_flag() {
        assert_quiet(&RULE, "FROM debian:12\n");
        assert_quiet(&RULE, "FROM debian:12 AS platform\n");
        assert_quiet(&RULE, "FROM debian\nRUN --network=none true\n");
    }
}
