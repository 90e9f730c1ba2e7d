use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{Unpinned, APK};

pub static RULE: Rule = Rule {
    code: "BL2011",
    name: "apk-add-unpinned",
    aliases: &["DL3018"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`apk add` installs packages without pinned versions.",
    doc: r#"## What it does
Checks `apk add` for packages without a version constraint
(`curl=8.9.1-r0`, `curl~8.9`).

## Why is this bad?
Without a version each build installs whatever the Alpine repository holds
that day, so rebuilds of the same Dockerfile differ.

## Example
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl
```

Use instead:
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl=8.9.1-r0
```

## How to fix
Pin each package with `=` (exact) or `~` (a version prefix). Local `.apk`
files and the `--virtual` name are not packages and are not reported.

## References
- hadolint DL3018
"#,
    check: Check::Dockerfile(check),
};

fn pinned(p: &str) -> bool {
    p.contains(['=', '~', '<', '>']) || p.ends_with(".apk")
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    Unpinned {
        programs: &["apk"],
        subcommands: &["add"],
        spec: APK,
        pinning_options: &[],
        pinned,
        command: "apk add",
        help: |p| format!("pin a version: `{p}=<version>` or `{p}~<major.minor>`"),
    }
    .check(cx, out)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_unpinned() {
        assert_run_fires(
            &RULE,
            "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
            &["curl"],
        );
        assert_run_fires(
            &RULE,
            "FROM alpine:3.20\nRUN apk add --virtual .build-deps gcc=13 make\n",
            &["make"],
        );
        assert_run_fires(
            &RULE,
            "FROM alpine:3.20\nRUN apk --no-cache add -t .deps bash tzdata\n",
            &["bash"],
        );
    }

    #[test]
    fn quiet_when_pinned() {
        assert_run_quiet(
            &RULE,
            "FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r0 'git~2.45' ./x.apk\n",
        );
        assert_run_quiet(&RULE, "FROM alpine:3.20\nRUN apk update && apk upgrade\n");
        assert_run_quiet(&RULE, "FROM alpine:3.20\nRUN apk del .build-deps\n");
    }
}
