use crate::dockerfile::{Args, Kind, Word as DfWord};
use crate::lint::shell::{basename, views, Command};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "BL2006",
    name: "archive-extracted-after-copy",
    aliases: &["DL3010"],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A local archive is copied in with COPY and then extracted by a RUN.",
    doc: r#"## What it does
Checks for a tar archive copied from the build context with `COPY` and
extracted by a later RUN of the same stage (`tar -x`, `gunzip`, `unxz`...).

## Why is this bad?
The archive stays in the COPY layer even after the RUN deletes it, so the
image carries both the archive and its contents. `ADD` extracts a local tar
archive (plain, gzip, bzip2 or xz) in one layer.

## Example
```dockerfile
FROM debian:12
COPY app.tar.gz /tmp/
RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
```

Use instead:
```dockerfile
FROM debian:12
ADD app.tar.gz /opt/
```

## How to fix
Replace the COPY and the extraction with `ADD <archive> <dir>/`.

## References
- hadolint DL3010
"#,
    check: Check::Dockerfile(check),
};

const ARCHIVE_EXTENSIONS: &[&str] = &[
    ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz",
];

fn is_archive(name: &str) -> bool {
    let name = name.trim_matches(['"', '\'']);
    ARCHIVE_EXTENSIONS.iter().any(|e| name.ends_with(e))
}

fn base(name: &str) -> &str {
    basename(name.trim_matches(['"', '\'']))
}

/// `tar -x...`, `tar x...`, `tar --extract`, or a decompressor.
fn extracts(cmd: &Command) -> bool {
    match cmd.name() {
        "tar" => cmd.args().iter().enumerate().any(|(i, w)| {
            let v = w.value.as_str();
            v == "--extract"
                || v == "--get"
                || (v.starts_with('-') && !v.starts_with("--") && v.contains('x'))
                || (i == 0
                    && !v.starts_with('-')
                    && v.contains('x')
                    && v.chars().all(|c| c.is_ascii_alphabetic()))
        }),
        "unzip" | "gunzip" | "bunzip2" | "unlzma" | "unxz" | "zgz" | "uncompress" | "zcat"
        | "gzcat" => true,
        _ => false,
    }
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let v = views(cx);
    // (basename, the COPY word) of archives copied in this stage so far.
    let mut archives: Vec<(&str, &DfWord)> = Vec::new();
    let mut reported: Vec<usize> = Vec::new();
    for (index, inst) in cx.df.instructions.iter().enumerate() {
        match (&inst.kind, &inst.args) {
            (Kind::From, _) => archives.clear(),
            (Kind::Copy, Args::Copy(copy)) if inst.flag("from").is_none() => match &copy.dest {
                Some(dest) if is_archive(&dest.raw) => archives.push((base(&dest.raw), dest)),
                _ => archives.extend(
                    copy.sources
                        .iter()
                        .filter(|s| is_archive(&s.raw))
                        .map(|s| (base(&s.raw), s)),
                ),
            },
            _ => {
                for script in v.of_instruction(index) {
                    for cmd in script.commands.iter().filter(|c| extracts(c)) {
                        for (name, word) in &archives {
                            if reported.contains(&(word.span.start as usize)) {
                                continue;
                            }
                            if let Some(arg) = cmd
                                .args()
                                .iter()
                                .find(|a| !a.value.starts_with('-') && base(&a.value) == *name)
                            {
                                reported.push(word.span.start as usize);
                                out.push(
                                    Diagnostic::new(
                                        word.span,
                                        format!(
                                            "`{name}` is copied in and extracted by a later RUN"
                                        ),
                                    )
                                    .label(arg.span, "extracted here")
                                    .help(
                                        "let ADD extract it in one layer: `ADD <archive> <dir>/`",
                                    ),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::shell::testing::{assert_run_fires, assert_run_quiet};

    #[test]
    fn fires_on_the_copied_archive() {
        assert_run_fires(
            &RULE,
            "FROM debian:12\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n",
            &["app.tar.gz"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nCOPY x /tmp/pkg.tar.xz\nRUN cd /opt && tar xJf /tmp/pkg.tar.xz\n",
            &["/tmp/pkg.tar.xz"],
        );
        assert_run_fires(
            &RULE,
            "FROM debian:12\nCOPY data.gz /d/\nRUN gunzip /d/data.gz\n",
            &["data.gz"],
        );
    }

    #[test]
    fn quiet_otherwise() {
        assert_run_quiet(&RULE, "FROM debian:12\nADD app.tar.gz /opt/\n");
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nCOPY app.tar.gz /tmp/\nFROM debian:12\nRUN tar -xzf /tmp/app.tar.gz\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nCOPY app.tar.gz /tmp/\nRUN tar -czf /tmp/other.tar.gz /etc\n",
        );
        assert_run_quiet(
            &RULE,
            "FROM debian:12\nCOPY --from=build /app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz\n",
        );
    }
}
