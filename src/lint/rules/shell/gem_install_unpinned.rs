use crate::lint::{Check, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::helpers::{Unpinned, GEM};

pub static RULE: Rule = Rule {
    code: "BL2014",
    name: "gem-install-unpinned",
    aliases: &["DL3028"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "`gem install` installs gems without pinned versions.",
    doc: r#"## What it does
Checks `gem install` for gems given without a version (`rails:7.1.3`, or
`-v`/`--version`).

## Why is this bad?
An unpinned gem resolves to its newest release at build time, so rebuilds
of the same Dockerfile install different code.

## Example
```dockerfile
FROM ruby:3.3
RUN gem install bundler
```

Use instead:
```dockerfile
FROM ruby:3.3
RUN gem install bundler:2.5.16
```

## How to fix
Pin with `gem install <gem>:<version>` or `gem install <gem> -v <version>`,
or install from a `Gemfile.lock` with `bundle install`.

## References
- hadolint DL3028
"#,
    check: Check::Dockerfile(check),
};

fn pinned(p: &str) -> bool {
    p.contains(':') || p.ends_with(".gem")
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    Unpinned {
        programs: &["gem"],
        subcommands: &["install", "i"],
        spec: GEM,
        pinning_options: &["v", "version"],
        pinned,
        command: "gem install",
        help: |p| format!("pin a version: `gem install {p}:<version>`"),
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
            "FROM ruby:3.3\nRUN gem install bundler\n",
            &["bundler"],
        );
        assert_run_fires(
            &RULE,
            "FROM ruby:3.3\nRUN gem i --no-document rake:13 rails\n",
            &["rails"],
        );
        assert_run_fires(
            &RULE,
            "FROM ruby:3.3\nRUN gem install -N --install-dir /gems rack\n",
            &["rack"],
        );
    }

    #[test]
    fn quiet_when_pinned() {
        assert_run_quiet(&RULE, "FROM ruby:3.3\nRUN gem install bundler:2.5.16\n");
        assert_run_quiet(&RULE, "FROM ruby:3.3\nRUN gem install bundler -v 2.5.16\n");
        assert_run_quiet(
            &RULE,
            "FROM ruby:3.3\nRUN gem update --system && bundle install\n",
        );
    }
}
