use crate::dockerfile::{Args, Kind};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::literal;

pub static RULE: Rule = Rule {
    code: "BL1131",
    name: "add-url-without-checksum",
    aliases: &[],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "ADD downloads a URL without `--checksum`.",
    doc: r#"## What it does
Checks `ADD https://...` (or `http://`) sources on an `ADD` without `--checksum=sha256:...`.
Git sources are pinned by their commit instead and are not reported.

## Why is this bad?
Whatever the server returns goes into the image: a compromised or changed download is built in
silently, and the same Dockerfile builds different images over time.

## Example
```dockerfile
FROM alpine:3.20
ADD https://example.com/tool-1.2.tar.gz /opt/
```

Use instead:
```dockerfile
# syntax=docker/dockerfile:1.6
FROM alpine:3.20
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool-1.2.tar.gz /opt/
```

## How to fix
Add `--checksum=sha256:<digest>` (Dockerfile syntax 1.6 or newer), or download with `curl` in a
`RUN` and verify with `sha256sum -c`.

## References
- KICS "Curl or Wget Instead of Add"; Trivy DS-0005
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        let inst = inst.effective();
        let (Kind::Add, Args::Add(args)) = (&inst.kind, &inst.args) else {
            continue;
        };
        if inst
            .flag("checksum")
            .is_some_and(|f| f.value.as_ref().is_some_and(|v| !v.raw.is_empty()))
        {
            continue;
        }
        for source in &args.sources {
            let value = literal(&source.raw, cx.df.escape).unwrap_or_else(|| source.raw.clone());
            let lower = value.to_ascii_lowercase();
            let http = lower.starts_with("https://") || lower.starts_with("http://");
            let git = lower.ends_with(".git") || lower.contains(".git#") || lower.contains(".git?");
            if http && !git {
                out.push(
                    Diagnostic::new(source.span, "ADD downloads this URL without verifying its content")
                        .help("add `--checksum=sha256:<digest>` to the ADD, or download in a RUN and check with `sha256sum -c`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn fires_on_unverified_urls() {
        assert_fires(
            &RULE,
            "FROM a\nADD https://example.com/x.tgz /x\n",
            &["https://example.com/x.tgz"],
        );
        assert_fires(
            &RULE,
            "FROM a\nADD --chown=1:1 http://example.com/a /a\n",
            &["http://example.com/a"],
        );
        assert_fires(
            &RULE,
            "FROM a\nADD local.txt https://example.com/b /d/\n",
            &["https://example.com/b"],
        );
    }

    #[test]
    fn quiet_with_checksum_git_or_local() {
        assert_quiet(&RULE, "FROM a\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 https://example.com/x /x\n");
        assert_quiet(
            &RULE,
            "FROM a\nADD https://github.com/moby/buildkit.git#v0.14.0 /src\n",
        );
        assert_quiet(&RULE, "FROM a\nADD app.tgz /app\nCOPY x /x\n");
    }
}
