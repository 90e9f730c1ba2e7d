use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{apt_get_install, commands, describe_list};

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
    for (_, cmd) in commands(cx) {
        let Some((_, opts)) = apt_get_install(cmd) else {
            continue;
        };
        let unpinned: Vec<_> = opts
            .operands_after_subcommand()
            .iter()
            .filter(|w| !apt_pinned(&w.value))
            .collect();
        let Some(first) = unpinned.first() else {
            continue;
        };
        let names: Vec<&str> = unpinned.iter().map(|w| w.value.as_str()).collect();
        let mut d = Diagnostic::new(
            first.span,
            format!(
                "`apt-get install` does not pin the version of {}",
                describe_list(&names)
            ),
        )
        .help(format!(
            "pin a version: `{}=<version>` (see `apt-cache policy {}`)",
            first.value, first.value
        ));
        for other in &unpinned[1..] {
            d = d.label(other.span, "not pinned either");
        }
        out.push(d);
    }
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
