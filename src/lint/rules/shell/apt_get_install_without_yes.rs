use crate::lint::shell::views;
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Fix, FixAvailability, Rule, Severity,
};

use super::helpers::{apt_get_install, insert_after};

pub static RULE: Rule = Rule {
    code: "BL2008",
    name: "apt-get-install-without-yes",
    aliases: &["DL3014"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "`apt-get install` without `-y` waits for an answer.",
    doc: r#"## What it does
Checks `apt-get install` for `-y` (`--yes`, `--assume-yes`, `-qq`, or
`-o APT::Get::Assume-Yes=true`).

## Why is this bad?
Without it apt-get asks "Do you want to continue?" whenever it installs
more than what was named. A build has no terminal: apt-get reads end of
input, aborts, and the build fails, or it works today and fails the day a
dependency is added.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install --no-install-recommends curl=7.88.1-10+deb12u5
```

Use instead:
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
```

## Fix
```dockerfile
FROM debian:12
RUN apt-get install --no-install-recommends curl=7.88.1-10+deb12u5
```

```dockerfile fixed
FROM debian:12
RUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
```

## References
- hadolint DL3014
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for script in views(cx).scripts() {
        for cmd in &script.commands {
            let Some((install, opts)) = apt_get_install(cmd) else {
                continue;
            };
            let quiet_twice = opts.opts.iter().filter(|o| o.name == "q").count() >= 2;
            let assume_yes = opts.values(&["o", "option"]).any(|v| {
                v.to_ascii_lowercase().starts_with("apt::get::assume-yes=") && !v.ends_with("false")
            });
            let piped_yes = cmd.pipe.is_some_and(|p| p.stage > 0)
                && script.commands.iter().any(|c| {
                    c.is("yes")
                        && c.pipe
                            .is_some_and(|p| Some(p.pipeline) == cmd.pipe.map(|q| q.pipeline))
                });
            if opts.has(&["y", "yes", "assume-yes", "force-yes"])
                || quiet_twice
                || assume_yes
                || piped_yes
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    cmd.span_through(install),
                    "`apt-get install` without `-y` stops at a prompt",
                )
                .help("add `-y`: `apt-get install -y <package>`")
                .fix(Fix::safe(vec![insert_after(script, install, "-y")])),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_fix, assert_run_fires, assert_run_quiet};
    use crate::lint::Applicability;

    #[test]
    fn fires_without_yes() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt-get install curl\n",
            &["apt-get install"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt-get -q install curl\n",
            &["apt-get -q install"],
        );
        assert_run_fires(&RULE, "FROM debian:12\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install x\n", &["apt-get install"]);
    }

    #[test]
    fn quiet_with_yes() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN apt-get install -y curl\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN apt-get -qqy install curl && apt-get --yes install x\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN apt-get -qq install curl\n");
        assert_run_quiet(&RULE, "FROM debian:12\nRUN yes | apt-get install curl\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN apt-get -o APT::Get::Assume-Yes=true install curl\n",
        );
    }

    #[test]
    fn fix_inserts_y() {
        assert_fix(
            &RULE,
            "FROM debian:12\nRUN apt-get update && apt-get install \\\n  curl\n",
            "FROM debian:12\nRUN apt-get update && apt-get install -y \\\n  curl\n",
            Applicability::Safe,
        );
    }
}
