use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{Unpinned, APT_GET};

pub static RULE: Rule = Rule {
    code: "BL2004",
    name: "apt-get-install-unpinned",
    aliases: &["DL3008"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`apt-get install` installs packages without pinned versions.",
    doc: r#"## What it does
Checks `apt-get install` for packages given without a version
(`curl` rather than `curl=7.88.1-10+deb12u5`).

## Why is this bad?
Without a version, each build installs whatever the archive holds that day:
two builds of the same commit can differ, and a rebuild can break or change
behaviour with no change in the repository.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
```

Use instead:
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \
 && rm -rf /var/lib/apt/lists/*
```

## How to fix
Pin each package: `apt-get install curl=<version>`; `apt-cache policy curl`
in the base image shows the candidates. Packages given as a path
(`./x.deb`) or with a release (`curl/bookworm-backports`) count as pinned.
The finding underlines the first unpinned package and labels the others.

## References
- hadolint DL3008
"#,
    check: Check::Dockerfile(check),
};

/// hadolint's test: a version (`=`), a release or path (`/`), or a `.deb` file.
pub fn apt_pinned(package: &str) -> bool {
    package.contains('=') || package.contains('/') || package.ends_with(".deb")
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    Unpinned {
        programs: &["apt-get"],
        subcommands: &["install"],
        spec: APT_GET,
        pinning_options: &[],
        pinned: apt_pinned,
        command: "apt-get install",
        help: |p| format!("pin a version: `{p}=<version>` (see `apt-cache policy {p}`)"),
    }
    .check(cx, out)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_first_unpinned_package() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
            &["curl"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt-get install -y a=1 b c\n",
            &["b"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt-get -o Dpkg::Options::=--force-confold -y install \"$PKG\"\n",
            &["\"$PKG\""],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN sudo apt-get install -y -t bookworm-backports git\n",
            &["git"],
        );
    }

    #[test]
    fn quiet_when_pinned() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN apt-get install -y curl=7.88.1-10 git/bookworm ./x.deb\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN apt-get update\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN apt-get install -y \"curl=${CURL_VERSION}\"\n",
        );
    }
}
