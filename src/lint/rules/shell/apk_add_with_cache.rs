use crate::lint::shell::views;
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Fix, FixAvailability, Rule, Severity,
};

use super::helpers::{has_cache_mount, insert_after, run_of, subcommand, APK};

pub static RULE: Rule = Rule {
    code: "BL2012",
    name: "apk-add-with-cache",
    aliases: &["DL3019"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "`apk add` without `--no-cache` leaves the package index in the image.",
    doc: r#"## What it does
Checks `apk add` for `--no-cache`.

## Why is this bad?
Without it, apk keeps the package index it downloaded (`apk update`, or
`--update`) in `/var/cache/apk`, which then ships in the layer. `--no-cache`
fetches the index on the fly and keeps nothing. A cache mount on
`/var/cache/apk` or `/etc/apk/cache` also keeps the layer clean and is not
reported.

## Example
```dockerfile
FROM alpine:3.20
RUN apk add --update curl=8.9.1-r0
```

Use instead:
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl=8.9.1-r0
```

## Fix
```dockerfile
FROM alpine:3.20
RUN apk add curl=8.9.1-r0
```

```dockerfile fixed
FROM alpine:3.20
RUN apk add --no-cache curl=8.9.1-r0
```

## References
- hadolint DL3019
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for script in views(cx).scripts() {
        let run = run_of(cx, script);
        if has_cache_mount(run, &["/var/cache/apk", "/etc/apk/cache"]) {
            continue;
        }
        for cmd in &script.commands {
            let Some((add, opts)) = subcommand(cmd, &["apk"], &["add"], &APK) else {
                continue;
            };
            if opts.has(&["no-cache"]) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    cmd.span_through(add),
                    "`apk add` without `--no-cache` keeps the package index in the image",
                )
                .help("add `--no-cache` (it replaces `--update` and `rm -rf /var/cache/apk/*`)")
                .fix(Fix::safe(vec![insert_after(script, add, "--no-cache")])),
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
    fn fires_without_no_cache() {
        assert_run_fires(&RULE, "FROM alpine:3.20\nRUN apk add curl\n", &["apk add"]);
        assert_run_fires(
            &RULE,
            "FROM alpine:3.20\nRUN apk update && apk --update add x\n",
            &["apk --update add"],
        );
        assert_run_fires(
            &RULE,
            "FROM alpine:3.20\nRUN set -eux; apk add -t .deps gcc; apk del .deps\n",
            &["apk add"],
        );
    }

    #[test]
    fn quiet_with_no_cache_or_mount() {
        assert_run_quiet(&RULE, "FROM alpine:3.20\nRUN apk add --no-cache curl\n");
        assert_run_quiet(&RULE, "FROM alpine:3.20\nRUN apk --no-cache add curl\n");
        assert_run_quiet(
            &RULE,
            "FROM alpine:3.20\nRUN --mount=type=cache,target=/var/cache/apk apk add curl\n",
        );
    }

    #[test]
    fn fix_inserts_no_cache() {
        assert_fix(
            &RULE,
            "FROM alpine:3.20\nRUN apk add \\\n  curl\n",
            "FROM alpine:3.20\nRUN apk add --no-cache \\\n  curl\n",
            Applicability::Safe,
        );
    }
}
