use crate::lint::shell::{OptSpec, Script};
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::helpers::{commands, is_alpine_like};

pub static RULE: Rule = Rule {
    code: "BL2027",
    name: "wget-without-progress",
    aliases: &["DL3047"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "`wget` without `--progress` floods the build log.",
    doc: r#"## What it does
Checks `wget` for an option that tames its progress output: `--progress`,
`-q` (`--quiet`), `-nv` (`--no-verbose`), or a log file (`-o`, `-a`).

## Why is this bad?
Without a terminal, wget's default progress display prints a line every few
kilobytes: a large download adds thousands of lines to the build log.

## Example
```dockerfile
FROM debian:12
RUN wget https://example.com/app.tar.gz
```

Use instead:
```dockerfile
FROM debian:12
RUN wget --progress=dot:giga https://example.com/app.tar.gz
```

## Fix
```dockerfile
FROM debian:12
RUN wget https://example.com/app.tar.gz
```

```dockerfile fixed
FROM debian:12
RUN wget --progress=dot:giga https://example.com/app.tar.gz
```

## Fix safety
The fix adds `--progress=dot:giga`, which GNU wget understands. BusyBox wget
(Alpine's default) rejects it, so in stages that look Alpine or BusyBox based
the fix is unsafe; use `-q` there.

## References
- hadolint DL3047
"#,
    check: Check::Dockerfile(check),
};

const WGET: OptSpec = OptSpec {
    short_with_value: "oaOPUTtwYeiBQ",
    long_with_value: &[
        "output-file",
        "append-output",
        "output-document",
        "directory-prefix",
        "user-agent",
        "timeout",
        "tries",
        "wait",
        "progress",
        "execute",
        "input-file",
        "base",
        "quota",
        "header",
        "user",
        "password",
        "post-data",
        "post-file",
        "method",
        "body-data",
        "ca-certificate",
        "certificate",
        "private-key",
    ],
};

fn fix(cx: &DockerfileCx<'_>, script: &Script, at: u32) -> Fix {
    let edit = Edit::insert(at, " --progress=dot:giga");
    if is_alpine_like(cx, script.instruction) {
        Fix::unsafe_(vec![edit])
    } else {
        Fix::safe(vec![edit])
    }
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for (script, cmd) in commands(cx) {
        if !cmd.is("wget") {
            continue;
        }
        let opts = cmd.opts(&WGET);
        let no_verbose = cmd
            .args()
            .iter()
            .any(|w| w.value == "-nv" || w.value == "--no-verbose");
        if no_verbose
            || opts.has(&[
                "progress",
                "q",
                "quiet",
                "o",
                "output-file",
                "a",
                "append-output",
                "show-progress",
            ])
        {
            continue;
        }
        let Some(name) = cmd.name_word() else {
            continue;
        };
        out.push(
            Diagnostic::new(
                name.span,
                "`wget` without `--progress` prints thousands of progress lines",
            )
            .help("add `--progress=dot:giga`, or `-q`")
            .fix(fix(cx, script, script.file_offset_after(name.range.end))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_fix, assert_run_fires, assert_run_quiet};
    use crate::lint::Applicability;

    #[test]
    fn fires_without_progress_option() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN wget https://x/a.tgz\n",
            &["wget"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN wget -O /tmp/a https://x/a && wget -c https://x/b\n",
            &["wget", "wget"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nRUN curl -s x | wget -i -\n",
            &["wget"],
        );
    }

    #[test]
    fn quiet_with_progress_option() {
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN wget --progress=dot:giga https://x/a.tgz\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nRUN wget -qO- https://x/a | tar -xz && wget -nv https://x/b\n",
        );
        assert_run_quiet(&RULE, "FROM debian:12\nRUN wget -o /dev/null https://x/a\n");
    }

    #[test]
    fn fix_is_unsafe_on_alpine() {
        assert_fix(
            &RULE,
            "FROM debian:12\nRUN wget https://x/a\n",
            "FROM debian:12\nRUN wget --progress=dot:giga https://x/a\n",
            Applicability::Safe,
        );
        let alpine = "FROM alpine:3.20\nRUN wget https://x/a\n";
        assert_fix(&RULE, alpine, alpine, Applicability::Safe);
    }
}
