use crate::lint::shell::OptSpec;
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::helpers::commands;

pub static RULE: Rule = Rule {
    code: "BL2026",
    name: "useradd-without-no-log-init",
    aliases: &["DL3046"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "`useradd` with a high UID and without `-l` makes a huge lastlog file.",
    doc: r#"## What it does
Checks `useradd` with a UID of more than five digits for `-l`
(`--no-log-init`).

## Why is this bad?
`useradd` reserves room for the user in `/var/log/lastlog` and
`/var/log/faillog`, sparse files indexed by UID. Docker's layer storage does
not keep them sparse: a UID like 1000000 adds hundreds of megabytes (or
gigabytes) of zeros to the image.

## Example
```dockerfile
FROM debian:12
RUN useradd -u 1000000 app
```

Use instead:
```dockerfile
FROM debian:12
RUN useradd -l -u 1000000 app
```

## Fix
```dockerfile
FROM debian:12
RUN useradd -u 1000000 app
```

```dockerfile fixed
FROM debian:12
RUN useradd -l -u 1000000 app
```

## References
- hadolint DL3046
"#,
    check: Check::Dockerfile(check),
};

const USERADD: OptSpec = OptSpec {
    short_with_value: "bcdefgGkKpRPsuZ",
    long_with_value: &[
        "base-dir",
        "comment",
        "home-dir",
        "expiredate",
        "inactive",
        "gid",
        "groups",
        "skel",
        "key",
        "password",
        "root",
        "prefix",
        "shell",
        "uid",
        "selinux-user",
        "btrfs-subvolume",
    ],
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (script, cmd) in commands(cx) {
        if !cmd.is("useradd") {
            continue;
        }
        let opts = cmd.opts(&USERADD);
        if opts.has(&["l", "no-log-init"]) {
            continue;
        }
        let Some(uid) = opts.get(&["u", "uid"]) else {
            continue;
        };
        let Some(value) = uid.value else { continue };
        if value.as_str().len() <= 5 {
            continue;
        }
        let Some(name) = cmd.name_word() else {
            continue;
        };
        out.push(
            Diagnostic::new(
                uid.word.span.cover(match value {
                    crate::lint::shell::OptValue::Next(w) => w.span,
                    _ => uid.word.span,
                }),
                format!(
                    "`useradd` with UID {} and without `-l` fills the image with an empty lastlog",
                    value.as_str()
                ),
            )
            .help("add `-l` (`--no-log-init`)")
            .fix(Fix::safe(vec![Edit::insert(
                script.file_offset_after(name.range.end),
                " -l",
            )])),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_fix, assert_run_fires, assert_run_quiet};
    use crate::lint::Applicability;

    #[test]
    fn fires_on_high_uid_without_l() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN useradd -u 1000000 app\n",
            &["-u 1000000"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN useradd --uid=123456 -m app\n",
            &["--uid=123456"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN groupadd x && useradd -m -u100000000 app\n",
            &["-u100000000"],
        );
    }

    #[test]
    fn quiet_with_l_or_low_uid() {
        assert_run_quiet(&RULE, "FROM debian:12\nRUN useradd -l -u 1000000 app\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN useradd --no-log-init -u 1000000 app\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN useradd -u 1000 app\n");
    }

    #[test]
    fn fix_adds_l() {
        assert_fix(
            &RULE,
            "FROM debian:12\nRUN useradd -u 1000000 app\n",
            "FROM debian:12\nRUN useradd -l -u 1000000 app\n",
            Applicability::Safe,
        );
    }
}
