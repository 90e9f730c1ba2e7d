use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{commands, subcommand, ZYPPER};

pub static RULE: Rule = Rule {
    code: "BL2019",
    name: "zypper-dist-upgrade",
    aliases: &["DL3035"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN runs `zypper dist-upgrade`.",
    doc: r#"## What it does
Checks RUN scripts for `zypper dist-upgrade` (`zypper dup`).

## Why is this bad?
A distribution upgrade inside an image build can move the image to another
release than its base tag says, with changes nobody reviewed; the result
depends on the day of the build.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper dup -y
```

Use instead:
```dockerfile
FROM opensuse/leap:15.6
RUN zypper patch -y && zypper clean
```

## How to fix
Use a newer base image instead, or `zypper patch` / `zypper update` for fixes
within the release.

## References
- hadolint DL3035
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        if let Some((sub, _)) = subcommand(cmd, &["zypper"], &["dist-upgrade", "dup"], &ZYPPER) {
            out.push(
                Diagnostic::new(
                    cmd.span_through(sub),
                    "`zypper dist-upgrade` upgrades the whole distribution during the build",
                )
                .help("use a newer base image, or `zypper patch`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_dist_upgrade() {
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper dup -y\n",
            &["zypper dup"],
        );
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper -n dist-upgrade\n",
            &["zypper -n dist-upgrade"],
        );
        assert_run_fires(
            &RULE,
            "FROM opensuse/leap\nRUN zypper ref && zypper dup\n",
            &["zypper dup"],
        );
    }

    #[test]
    fn quiet_otherwise() {
        assert_run_quiet(&RULE, "FROM opensuse/leap\nRUN zypper patch -y\n");
        assert_run_quiet(&RULE, "FROM opensuse/leap\nRUN zypper install -y dup\n");
        assert_run_quiet(&RULE, "FROM opensuse/leap\nRUN echo zypper dup\n");
    }
}
