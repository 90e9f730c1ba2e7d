use crate::lint::shell::ParsedOpts;
use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{commands, pip_install, report_unpinned, PIP_INSTALL};

pub static RULE: Rule = Rule {
    code: "BL2007",
    name: "pip-install-unpinned",
    aliases: &["DL3013"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`pip install` installs packages without pinned versions.",
    doc: r#"## What it does
Checks `pip install` (and `python -m pip install`) for packages given without
a version specifier.

## Why is this bad?
An unpinned package resolves to the newest release at build time, so the
same Dockerfile builds different images over time, and a new release can
break the build or the application.

Installs from a requirements file (`-r`), with a constraints file (`-c`), of
the current project (`.`), of local wheels or archives, and of VCS URLs with a
revision (`git+https://...@v1.2`) are not reported.

## Example
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir flask
```

Use instead:
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir flask==3.0.3
```

## How to fix
Pin with `==` (or another specifier), or install from a requirements file
with pinned versions: `pip install -r requirements.txt`.

## References
- hadolint DL3013
"#,
    check: Check::Dockerfile(check),
};

const VCS_SCHEMES: &[&str] = &["git+", "git:", "hg+", "svn+", "svn:", "bzr+"];

fn is_vcs(p: &str) -> bool {
    VCS_SCHEMES.iter().any(|s| p.starts_with(s))
}

/// hadolint's test for a pinned pip requirement.
pub fn pip_pinned(p: &str) -> bool {
    ["==", ">=", "<=", ">", "<", "!=", "~=", "==="]
        .iter()
        .any(|s| p.contains(s))
        || (is_vcs(p) && p.contains('@'))
        || p.ends_with(".whl")
        || p.ends_with(".tar.gz")
        || (!is_vcs(p) && p.contains('/'))
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (_, cmd) in commands(cx) {
        let Some((_, rest)) = pip_install(cmd) else {
            continue;
        };
        let opts = ParsedOpts::parse(rest, &PIP_INSTALL);
        if opts.has(&["r", "requirement", "c", "constraint"])
            || opts.positionals.iter().any(|w| w.value == ".")
        {
            continue;
        }
        report_unpinned(
            out,
            &opts.positionals,
            pip_pinned,
            "pip install",
            "version",
            |p| {
                format!(
                    "pin a version: `{p}==<version>`, or install from a pinned requirements file"
                )
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_unpinned_packages() {
        assert_run_fires(&RULE, "FROM python:3\nRUN pip install flask\n", &["flask"]);
        assert_run_fires(
            &RULE,
            "FROM python:3\nRUN python3 -m pip install --upgrade pip setuptools==70\n",
            &["pip"],
        );
        assert_run_fires(&RULE, "FROM python:3\nRUN pip3 --no-cache-dir install -i https://x/simple 'requests[socks]'\n", &["'requests[socks]'"]);
    }

    #[test]
    fn quiet_when_pinned_or_from_files() {
        assert_run_quiet(
            &RULE,
            "FROM python:3\nRUN pip install flask==3.0 'django>=4,<5' ./dist/x.whl\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM python:3\nRUN pip install -r requirements.txt\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM python:3\nRUN pip install -e . && pip install git+https://github.com/a/b@v1\n",
        );
        assert_run_quiet(&RULE, "FROM python:3\nRUN pipx install black\n");
    }
}
