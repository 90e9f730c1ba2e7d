use crate::lint::shell::views;
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Fix, FixAvailability, Rule, Severity,
};

use super::helpers::{apt_get_install, insert_after};

pub static RULE: Rule = Rule {
    code: "BL2009",
    name: "apt-get-install-recommends",
    aliases: &["DL3015"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "`apt-get install` also installs recommended packages.",
    doc: r#"## What it does
Checks `apt-get install` for `--no-install-recommends` (or
`-o APT::Install-Recommends=false`).

## Why is this bad?
By default apt also installs every package the named ones *recommend*:
documentation, optional tools, often hundreds of megabytes the image never
uses, each one more thing to patch.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u5 \
 && rm -rf /var/lib/apt/lists/*
```

Use instead:
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \
 && rm -rf /var/lib/apt/lists/*
```

## Fix
```dockerfile
FROM debian:12
RUN apt-get install -y curl=7.88.1-10+deb12u5
```

```dockerfile fixed
FROM debian:12
RUN apt-get install --no-install-recommends -y curl=7.88.1-10+deb12u5
```

## Fix safety
The fix adds `--no-install-recommends`. It is unsafe: the software may rely
on a package that was only recommended (`ca-certificates` for `curl` is the
classic), and then fails at run time; add such packages by name.

## References
- hadolint DL3015
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for script in views(cx).scripts() {
        for cmd in &script.commands {
            let Some((install, opts)) = apt_get_install(cmd) else {
                continue;
            };
            let off = opts.values(&["o", "option"]).any(|v| {
                let v = v.to_ascii_lowercase();
                v == "apt::install-recommends=false" || v == "apt::install-recommends=0"
            });
            if opts.has(&["no-install-recommends"])
                || off
                || cmd.has_arg("APT::Install-Recommends=false")
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    cmd.span_through(install),
                    "`apt-get install` also installs recommended packages",
                )
                .help("add `--no-install-recommends`, and name the recommended packages you need")
                .fix(Fix::unsafe_(vec![insert_after(
                    script,
                    install,
                    "--no-install-recommends",
                )])),
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
    fn fires_without_the_flag() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt-get install -y curl\n",
            &["apt-get install"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN apt-get update && apt-get -y install a b\n",
            &["apt-get -y install"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN for p in a b; do apt-get install -y $p; done\n",
            &["apt-get install"],
        );
    }

    #[test]
    fn quiet_with_the_flag() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN apt-get -o APT::Install-Recommends=false install -y curl\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN apt-get update\n");
    }

    #[test]
    fn fix_is_unsafe() {
        let src = "FROM debian:12\nRUN apt-get install -y curl\n";
        assert_fix(&RULE, src, src, Applicability::Safe);
        assert_fix(
            &RULE,
            src,
            "FROM debian:12\nRUN apt-get install --no-install-recommends -y curl\n",
            Applicability::Unsafe,
        );
    }
}
