use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{Unpinned, NPM};

pub static RULE: Rule = Rule {
    code: "BL2010",
    name: "npm-install-unpinned",
    aliases: &["DL3016"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`npm install` installs packages without pinned versions.",
    doc: r#"## What it does
Checks `npm install <package>` (also `npm i` and `npm add`) for packages
without a version, tag or commit.

## Why is this bad?
An unpinned package resolves to its newest release at build time, so
rebuilds of the same Dockerfile can install different code.

`npm install` without packages (it installs from `package.json` and the
lockfile), local folders, tarballs and git URLs with a `#commit` are not
reported.

## Example
```dockerfile
FROM node:22-slim
RUN npm install -g typescript
```

Use instead:
```dockerfile
FROM node:22-slim
RUN npm install -g typescript@5.6.3
```

## How to fix
Add a version: `npm install <package>@<version>`, or install from the
project's lockfile with `npm ci`.

## References
- hadolint DL3016
"#,
    check: Check::Dockerfile(check),
};

/// hadolint's test for a pinned npm package spec.
pub fn npm_pinned(p: &str) -> bool {
    if ["git://", "git+ssh://", "git+http://", "git+https://"]
        .iter()
        .any(|g| p.starts_with(g))
    {
        return p.contains('#');
    }
    if [".tar", ".tar.gz", ".tgz"].iter().any(|s| p.ends_with(s)) {
        return true;
    }
    if ["/", "./", "../", "~/"].iter().any(|s| p.starts_with(s)) {
        return true;
    }
    let unscoped = match p.strip_prefix('@') {
        Some(rest) => rest.split_once('/').map(|(_, r)| r).unwrap_or(rest),
        None => p,
    };
    unscoped.contains('@')
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    Unpinned {
        programs: &["npm"],
        subcommands: &["install", "i", "add"],
        spec: NPM,
        pinning_options: &[],
        pinned: npm_pinned,
        command: "npm install",
        help: |p| format!("pin a version: `{p}@<version>`"),
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
            "FROM node:22\nRUN npm install -g typescript\n",
            &["typescript"],
        );
        assert_run_fires(
            &RULE,
            "FROM node:22\nRUN npm i --prefix /opt @angular/cli left-pad@1.3.0\n",
            &["@angular/cli"],
        );
        assert_run_fires(
            &RULE,
            "FROM node:22\nRUN npm install git+https://github.com/a/b.git\n",
            &["git+https://github.com/a/b.git"],
        );
    }

    #[test]
    fn quiet_when_pinned_or_from_lockfile() {
        assert_run_quiet(&RULE, "FROM node:22\nRUN npm install\n");
        assert_run_quiet(
            &RULE,
            "FROM node:22\nRUN npm ci && npm install -g npm@10.9.0 @scope/x@2 ./local\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM node:22\nRUN npm install git+https://github.com/a/b.git#v1 x.tgz\n",
        );
    }
}
