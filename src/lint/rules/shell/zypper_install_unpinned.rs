use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{Unpinned, ZYPPER};

pub static RULE: Rule = Rule {
    code: "BL2021",
    name: "zypper-install-unpinned",
    aliases: &["DL3037"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`zypper install` installs packages without pinned versions.",
    doc: r#"## What it does
Checks `zypper install` (`zypper in`) for packages without a version
(`httpd=2.4.58`, `httpd>=2.4`).

## Why is this bad?
Without a version each build installs whatever the repositories hold that
day, so rebuilds of the same Dockerfile differ.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd && zypper clean
```

Use instead:
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58 && zypper clean
```

## How to fix
Pin each package with `=`, `>=`, `<=`, `>` or `<`; local `.rpm` files count
as pinned.

## References
- hadolint DL3037
"#,
    check: Check::Dockerfile(check),
};

fn pinned(p: &str) -> bool {
    p.contains(['=', '<', '>']) || p.ends_with(".rpm")
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    Unpinned {
        programs: &["zypper"],
        subcommands: &["install", "in"],
        spec: ZYPPER,
        pinning_options: &[],
        pinned,
        command: "zypper install",
        help: |p| format!("pin a version: `{p}=<version>`"),
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
            "FROM opensuse/leap\nRUN zypper install -y httpd\n",
            &["httpd"],
        );
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper -n in a=1 b\n",
            &["b"],
        );
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper in -y --from repo x\n",
            &["x"],
        );
    }

    #[test]
    fn quiet_when_pinned() {
        assert_run_quiet(
            &RULE,
            "FROM opensuse/leap\nRUN zypper install -y httpd=2.4.58 'git>=2' x.rpm\n",
        );
        assert_run_quiet(&RULE, "FROM opensuse/leap\nRUN zypper refresh\n");
        assert_run_quiet(&RULE, "FROM opensuse/leap\nRUN zypper rm -y httpd\n");
    }
}
