use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{commands, subcommand, APT_GET};

pub static RULE: Rule = Rule {
    code: "BL2063",
    name: "apt-get-upgrade",
    aliases: &[],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A RUN upgrades every installed package (`apt-get upgrade`).",
    doc: r#"## What it does
Checks RUN scripts for `apt-get upgrade`, `dist-upgrade` and `full-upgrade`
(and the same with `apt`).

## Why is this bad?
The result depends on the day of the build, not on the Dockerfile: two
builds of one commit contain different package versions, the image no
longer matches its base tag, and the upgraded packages are stored a second
time in the new layer. Security fixes are better taken by rebuilding on a
freshly published base image.

hadolint dropped its rule for this (DL3005) in 2023, as upgrading is
sometimes the only way to get a fix quickly; this rule is therefore only
`info`.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get upgrade -y
```

Use instead:
```dockerfile
FROM debian:12.8
RUN apt-get update && apt-get install -y --no-install-recommends openssl=3.0.15-1~deb12u1
```

## How to fix
Rebuild on a newer base image, or upgrade only the packages you need with
`apt-get install --only-upgrade <package>=<version>`.

## References
- hadolint DL3005 (removed in 2.11); Trivy DS-0024.
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        if let Some((sub, _)) = subcommand(
            cmd,
            &["apt-get", "apt"],
            &["upgrade", "dist-upgrade", "full-upgrade"],
            &APT_GET,
        ) {
            out.push(
                Diagnostic::new(cmd.span_through(sub), format!("`{} {}` makes the image depend on the day of the build", cmd.name(), sub.value))
                    .help("rebuild on a newer base image, or upgrade named packages with `apt-get install --only-upgrade <pkg>=<version>`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_upgrades() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt-get update && apt-get upgrade -y\n",
            &["apt-get upgrade"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt-get -y dist-upgrade\n",
            &["apt-get -y dist-upgrade"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt full-upgrade -y\n",
            &["apt full-upgrade"],
        );
    }

    #[test]
    fn quiet_otherwise() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN apt-get update && apt-get install -y --only-upgrade openssl\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN apt-get install -y unattended-upgrades\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN pip install --upgrade pip\n");
    }
}
