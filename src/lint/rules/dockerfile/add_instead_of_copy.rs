use crate::dockerfile::{Args, Instruction, Kind};
use crate::lint::context_view::EntryKind;
use crate::lint::rules::context::sources::{clean, has_wildcard, looks_like_archive, resolve};
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::dl_helpers::{keyword_in_case_of, VarTracker};

pub static RULE: Rule = Rule {
    code: "BL1104",
    name: "add-instead-of-copy",
    aliases: &["DL3020"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "ADD copies local files or directories, which COPY does plainly.",
    doc: r#"## What it does
Checks `ADD` instructions whose sources are local files or directories rather than URLs, git
repositories or archives (by name, or, when the build context is known, by content).

## Why is this bad?
`ADD` does more than copy: it unpacks a local archive (recognised by its content, not its name) and
fetches URLs. `COPY` says that the files are copied as they are, and nothing else happens.

## Example
```dockerfile
FROM alpine:3.20
ADD app.py /app/
```

Use instead:
```dockerfile
FROM alpine:3.20
COPY app.py /app/
ADD rootfs.tar.gz /
```

## Fix
```dockerfile
FROM alpine:3.20
ADD app.py /app/
```
```dockerfile fixed
FROM alpine:3.20
COPY app.py /app/
```

## Fix safety
Replacing `ADD` with `COPY` changes the result if a source is an archive: `ADD` unpacks it,
`COPY` does not. The fix is safe only when the build context is known and every source was
checked in it: a directory, or a file whose first bytes are not those of a tar, gzip, bzip2, xz or
zstd archive. Otherwise it is unsafe. `ADD` flags `COPY` lacks (`--checksum`, `--keep-git-dir`,
`--unpack`) prevent the fix.

## References
- hadolint DL3020
"#,
    check: Check::Dockerfile(check),
};

const ARCHIVE_EXTENSIONS: &[&str] = &[
    ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz", ".zst", ".tzst",
];

fn is_url(value: &str) -> bool {
    value.contains("://") || value.starts_with("git@")
}

/// Whether every local source was checked in the context not to be an
/// archive.
fn checked_not_archives(cx: &DockerfileCx<'_>, values: &[String]) -> bool {
    if !cx.context_known {
        return false;
    }
    values.iter().all(|value| {
        let (rel, escapes) = clean(value);
        if escapes {
            return false;
        }
        let matches = resolve(cx.context, &rel);
        !matches.is_empty()
            && matches.iter().all(|path| match cx.context.entry(path) {
                Some(EntryKind::Dir) => true,
                Some(EntryKind::File) => cx
                    .context
                    .head(path, 512)
                    .is_some_and(|head| !looks_like_archive(&head)),
                _ => false,
            })
    })
}

fn check_one(
    cx: &DockerfileCx<'_>,
    inst: &Instruction,
    vars: &VarTracker<'_>,
    out: &mut Diagnostics,
) {
    let (Kind::Add, Args::Add(args)) = (&inst.kind, &inst.args) else {
        return;
    };
    let mut local = Vec::new();
    let mut all_local = true;
    for source in &args.sources {
        let value = vars.expand(source).unwrap_or_else(|| {
            source
                .raw
                .trim_matches(|c| c == '"' || c == '\'')
                .to_string()
        });
        let archive_name = ARCHIVE_EXTENSIONS.iter().any(|ext| value.ends_with(ext));
        if is_url(&value) || archive_name {
            all_local = false;
            continue;
        }
        // A file the context shows to be an archive is what ADD is for.
        if cx.context_known && !has_wildcard(&value) {
            let (rel, _) = clean(&value);
            if cx
                .context
                .head(&rel, 512)
                .is_some_and(|h| looks_like_archive(&h))
            {
                all_local = false;
                continue;
            }
        }
        local.push(value);
    }
    if local.is_empty() {
        return;
    }
    let blocking_flag = ["checksum", "keep-git-dir", "unpack"]
        .iter()
        .any(|f| inst.flag(f).is_some());
    let fix = (all_local && !blocking_flag).then(|| {
        let edit = Edit::replace(inst.keyword_span, keyword_in_case_of(&inst.keyword, "COPY"));
        if checked_not_archives(cx, &local) {
            Fix::safe(vec![edit])
        } else {
            Fix::unsafe_(vec![edit])
        }
    });
    out.push(
        Diagnostic::new(inst.keyword_span, "ADD is used to copy local files: use COPY")
            .help("write `COPY`: ADD also unpacks archives and fetches URLs, which this step does not need")
            .maybe_fix(fix),
    );
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let mut vars = VarTracker::new(cx);
    for inst in &cx.df.instructions {
        vars.before(inst);
        check_one(cx, inst.effective(), &vars, out);
        vars.after(inst);
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::context_view::MemoryContext;
    use crate::lint::rules::context::tests::lint_in;
    use crate::lint::testing::{assert_fires, assert_quiet, underlined};
    use crate::lint::Applicability;

    #[test]
    fn fires_on_local_sources() {
        assert_fires(&RULE, "FROM a\nADD app.py /app/\n", &["ADD"]);
        assert_fires(&RULE, "FROM a\nadd src /src\n", &["add"]);
        assert_fires(&RULE, "FROM a\nONBUILD ADD . /app\n", &["ADD"]);
    }

    #[test]
    fn quiet_on_urls_archives_and_heredocs() {
        assert_quiet(&RULE, "FROM a\nADD https://example.com/app.py /app/\n");
        assert_quiet(
            &RULE,
            "FROM a\nADD rootfs.tar.xz /\nADD git@github.com:a/b.git /b\n",
        );
        assert_quiet(&RULE, "FROM a\nCOPY app.py /app/\n");
    }

    #[test]
    fn archive_by_content_is_not_reported() {
        let mut cx = MemoryContext::new();
        cx.add_file("rootfs", &[0x1f, 0x8b, 8, 0, 0]);
        assert!(lint_in(&RULE, "FROM a\nADD rootfs /\n", &cx, true).is_empty());
    }

    #[test]
    fn fix_is_safe_only_when_checked_in_a_known_context() {
        let src = "FROM a\nadd app.py /app/\n";
        let mut cx = MemoryContext::new();
        cx.add_file("app.py", b"print(1)\n");
        let known = lint_in(&RULE, src, &cx, true);
        assert_eq!(underlined(src, &known), ["add"]);
        let fix = known[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Safe);
        assert_eq!(fix.edits[0].replacement, "copy");
        let guessed = lint_in(&RULE, src, &cx, false);
        assert_eq!(
            guessed[0].fix.as_ref().unwrap().applicability,
            Applicability::Unsafe
        );
        let unknown_file = lint_in(&RULE, src, &MemoryContext::new(), true);
        assert_eq!(
            unknown_file[0].fix.as_ref().unwrap().applicability,
            Applicability::Unsafe
        );
    }

    #[test]
    fn no_fix_when_mixed_or_with_add_only_flags() {
        let mixed = lint_in(
            &RULE,
            "FROM a\nADD app.py lib.tgz /app/\n",
            &MemoryContext::new(),
            true,
        );
        assert!(mixed[0].fix.is_none());
        let flags = lint_in(
            &RULE,
            "FROM a\nADD --unpack=false app.py /app/\n",
            &MemoryContext::new(),
            true,
        );
        assert!(flags[0].fix.is_none());
    }
}
