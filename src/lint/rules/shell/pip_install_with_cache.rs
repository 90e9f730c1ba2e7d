use crate::lint::shell::{views, Command};
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Fix, FixAvailability, Rule, Severity,
};

use super::helpers::{has_cache_mount, insert_after, is_truthy, pip_install, run_of};

pub static RULE: Rule = Rule {
    code: "BL2025",
    name: "pip-install-with-cache",
    aliases: &["DL3042"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "`pip install` keeps its download cache in the image.",
    doc: r#"## What it does
Checks `pip install` for `--no-cache-dir`.

## Why is this bad?
pip caches downloaded wheels under `~/.cache/pip`. In an image that cache is
dead weight, often as large as the installed packages themselves.

It is not reported when `PIP_NO_CACHE_DIR` is set (by `ENV`, or on the
command), or when the RUN mounts a cache on pip's cache directory
(`--mount=type=cache,target=/root/.cache/pip`), which keeps the cache out of
the layer. hadolint still reports the latter (hadolint#497).

## Example
```dockerfile
FROM python:3.12-slim
RUN pip install flask==3.0.3
```

Use instead:
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir flask==3.0.3
```

```dockerfile
FROM python:3.12-slim
RUN --mount=type=cache,target=/root/.cache/pip pip install flask==3.0.3
```

## Fix
```dockerfile
FROM python:3.12-slim
RUN pip install flask==3.0.3
```

```dockerfile fixed
FROM python:3.12-slim
RUN pip install --no-cache-dir flask==3.0.3
```

## References
- hadolint DL3042
"#,
    check: Check::Dockerfile(check),
};

fn has_no_cache_dir(cmd: &Command) -> bool {
    cmd.args().iter().any(|w| {
        w.value == "--no-cache-dir"
            || w.value
                .strip_prefix("--no-cache-dir=")
                .is_some_and(is_truthy)
    }) || cmd.assignments.iter().any(|a| {
        a.name == "PIP_NO_CACHE_DIR" && a.value.as_ref().is_some_and(|v| is_truthy(&v.value))
    })
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let v = views(cx);
    for script in v.scripts() {
        let env_off = script
            .vars
            .get("PIP_NO_CACHE_DIR")
            .and_then(|var| var.value.as_deref())
            .is_some_and(is_truthy);
        let text_off = script
            .text()
            .match_indices("PIP_NO_CACHE_DIR=")
            .any(|(at, m)| {
                is_truthy(
                    script.text()[at + m.len()..]
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .trim_end_matches(';'),
                )
            });
        if env_off || text_off {
            continue;
        }
        let run = run_of(cx, script);
        if has_cache_mount(run, &["/root/.cache/pip"]) {
            continue;
        }
        for cmd in &script.commands {
            let Some((install, _)) = pip_install(cmd) else {
                continue;
            };
            if has_no_cache_dir(cmd) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    cmd.span_through(install),
                    "`pip install` keeps its download cache in the image",
                )
                .help("add `--no-cache-dir`")
                .fix(Fix::safe(vec![insert_after(
                    script,
                    install,
                    "--no-cache-dir",
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
    fn fires_without_no_cache_dir() {
        assert_run_fires(
            &RULE,
            "FROM python:3\nRUN pip install flask==3\n",
            &["pip install"],
        );
        assert_run_fires(
            &RULE,
            "FROM python:3\nRUN python -m pip install -r req.txt\n",
            &["python -m pip install"],
        );
        assert_run_fires(
            &RULE,
            "FROM python:3\nRUN pip3 install -U pip && pip3 install --no-cache-dir x==1\n",
            &["pip3 install"],
        );
    }

    #[test]
    fn quiet_with_no_cache_dir_env_or_cache_mount() {
        assert_run_quiet(
            &RULE,
            "FROM python:3\nRUN pip install --no-cache-dir flask==3\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM python:3\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM python:3\nRUN PIP_NO_CACHE_DIR=true pip install flask==3\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM python:3\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask==3\n",
        );
        assert_run_quiet(&RULE, "FROM python:3\nRUN pipx install black==24.1\n");
    }

    #[test]
    fn fix_inserts_the_flag() {
        assert_fix(
            &RULE,
            "FROM python:3\nRUN pip install \\\n  flask==3\n",
            "FROM python:3\nRUN pip install --no-cache-dir \\\n  flask==3\n",
            Applicability::Safe,
        );
    }
}
