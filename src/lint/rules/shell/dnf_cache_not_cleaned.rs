use crate::lint::shell::Command;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{cleans_all, Cleanup, YUM};

pub static RULE: Rule = Rule {
    code: "BL2023",
    name: "dnf-cache-not-cleaned",
    aliases: &["DL3040"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN installs with dnf and leaves dnf's cache in the image.",
    doc: r#"## What it does
Checks RUN instructions that run `dnf install` (or `microdnf install`) for a
later `dnf clean all` (`microdnf clean all`), or a removal of
`/var/cache/dnf` or `/var/cache/yum`, in the same RUN.

## Why is this bad?
dnf keeps metadata and packages in its cache directory; left there they
ship in the layer. A cache mount on `/var/cache/dnf` (or `/var/cache/yum`)
keeps the layer clean.

## Example
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62
```

Use instead:
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62 && dnf clean all
```

## How to fix
End the RUN with `&& dnf clean all`.

## References
- hadolint DL3040
"#,
    check: Check::Dockerfile(check),
};

/// Removing either cache directory counts, whichever program installed.
const CACHES: &[&str] = &["/var/cache/yum", "/var/cache/dnf"];

fn dnf_cleans(cmd: &Command) -> bool {
    cleans_all(cmd, "dnf", CACHES)
}

fn microdnf_cleans(cmd: &Command) -> bool {
    cleans_all(cmd, "microdnf", CACHES)
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (programs, cleans, message, help) in [
        (
            &["dnf"],
            dnf_cleans as fn(&Command) -> bool,
            "dnf's cache stays in the image",
            "end the RUN with `&& dnf clean all`",
        ),
        (
            &["microdnf"],
            microdnf_cleans,
            "microdnf's cache stays in the image",
            "end the RUN with `&& microdnf clean all`",
        ),
    ] {
        Cleanup {
            programs,
            installs: &["install", "groupinstall", "localinstall"],
            spec: YUM,
            cleans,
            ordered: true,
            cache_dirs: &["/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"],
            message,
            help,
        }
        .check(cx, out)
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_without_clean() {
        assert_run_fires(
            &RULE,
            "FROM fedora:40\nRUN dnf install -y httpd\n",
            &["dnf install"],
        );
        assert_run_fires(
            &RULE,
            "FROM fedora:40\nRUN dnf clean all && dnf install -y x\n",
            &["dnf install"],
        );
        assert_run_fires(
            &RULE,
            "FROM ubi9\nRUN microdnf install -y x && dnf clean all\n",
            &["microdnf install"],
        );
    }

    #[test]
    fn quiet_with_clean() {
        assert_run_quiet(
            &RULE,
            "FROM fedora:40\nRUN dnf install -y httpd && dnf clean all\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM ubi9\nRUN microdnf install -y x && microdnf clean all\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM fedora:40\nRUN dnf install -y x && rm -rf /var/cache/dnf/*\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM fedora:40\nRUN --mount=type=cache,target=/var/cache/dnf dnf install -y x\n",
        );
    }
}
