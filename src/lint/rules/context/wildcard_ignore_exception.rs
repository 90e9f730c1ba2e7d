use crate::context::Walker;
use crate::lint::context_view::{ContextView, EntryKind};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::sources::{context_sources, SourceKind};

pub static RULE: Rule = Rule {
    code: "BL3007",
    name: "wildcard-ignore-exception",
    aliases: &[],
    severity: Severity::Info,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A `!` exception with a wildcard makes BuildKit read every excluded directory.",
    doc: r#"## What it does
Checks `.dockerignore` for an exception (`!pattern`) with a wildcard before its end
(`!**/*.md`, `!*/config.json`; a trailing `/*` or `/**` does not count). With one, BuildKit's
sender (fsutil) can no longer skip an excluded directory: it opens every one of them, all the
way down, to test each entry against the exception. The finding says how many entries below
excluded directories are read only to be left out.

The classic builder's walker (the docker CLI's) does not open them at all: there the same
file sends less (`**` then `!**/*.md` sends `docs/guide.md` to BuildKit, not to the classic
builder). `buildlint context ls --classic` shows the classic builder's view. `check` lints
for BuildKit, the default builder; `buildlint build --builder classic` lints for the classic
builder, and there this rule is silent.

The finding is placed at the first instruction that reads the context; a build that reads
nothing from it sends nothing.

## Why is this bad?
Every build walks the excluded trees (`node_modules`, `.git`, build output): slow on big trees,
and the build fails with a permission error when one of them is unreadable, although nothing
in it was meant to be sent.

## Example
```files
node_modules/left-pad/index.js
node_modules/left-pad/package.json
docs/guide.md
src/main.js
```
```dockerignore
node_modules
docs
!**/*.md
```
```dockerfile
FROM node:22-alpine
COPY src/ /app/src/
```

Use instead:
```dockerignore
node_modules
docs
!docs/guide.md
```
```dockerfile
FROM node:22-alpine
COPY src/ /app/src/
```

## How to fix
Write the exception without a wildcard before its end: name the files (`!docs/guide.md`) or
whole directories (`!docs/**`); fsutil then opens only the directories those names lead
through. Any other wildcard (`!docs/*.md` too) makes it open everything.
"#,
    check: Check::Dockerfile(check),
};

/// At most this many entries are counted below excluded directories.
const COUNT_LIMIT: usize = 100_000;

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let Some(ignore) = cx.context.ignore_file() else {
        return;
    };
    if ignore.walker == Walker::Classic {
        return;
    }
    let Some(idx) = ignore.wildcard_exception() else {
        return;
    };
    let sources = context_sources(cx);
    let Some(first) = sources
        .iter()
        .map(|(s, _)| s)
        .find(|s| matches!(s.kind, SourceKind::Copy | SourceKind::Add))
    else {
        return;
    };
    // Entries below excluded directories that stay excluded: read for nothing.
    let (dirs, wasted, example) = excluded_trees(cx.context);
    if wasted == 0 {
        return;
    }
    let pattern = &ignore.patterns[idx];
    let file = ignore
        .path
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".dockerignore".to_string());
    let count = if wasted >= COUNT_LIMIT {
        format!("more than {COUNT_LIMIT}")
    } else {
        wasted.to_string()
    };
    let example = example.map(|e| format!(", e.g. `{e}`")).unwrap_or_default();
    out.push(
        Diagnostic::new(
            first.span,
            format!(
                "the exception `{}` ({file} line {}) has a wildcard, so BuildKit opens every excluded directory to send this context: {count} entries in {dirs} excluded directories{example} are read only to be left out",
                pattern.raw, pattern.line
            ),
        )
        .help("write the exception without a wildcard before its end: name the files (`!docs/guide.md`) or whole directories (`!docs/**`)"),
    );
}

/// The excluded directories (topmost ones), the entries below them that
/// stay excluded, and the first such directory.
fn excluded_trees(context: &dyn ContextView) -> (usize, usize, Option<String>) {
    let Some(ignore) = context.ignore_file() else {
        return (0, 0, None);
    };
    let mut dirs = 0;
    let mut wasted = 0;
    let mut example = None;
    // (directory, inside an excluded one)
    let mut stack = vec![(String::new(), false)];
    while let Some((dir, inside)) = stack.pop() {
        for (name, kind) in context.list_dir(&dir) {
            let path = join(&dir, &name);
            let excluded = ignore.decide(&path).excluded;
            if inside && excluded {
                wasted += 1;
                if wasted >= COUNT_LIMIT {
                    return (dirs, wasted, example);
                }
            }
            if kind == EntryKind::Dir {
                if excluded && !inside {
                    dirs += 1;
                    example.get_or_insert_with(|| path.clone());
                }
                stack.push((path, inside || excluded));
            }
        }
    }
    (dirs, wasted, example)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::context::{IgnoreFile, Walker};
    use crate::lint::context_view::MemoryContext;
    use crate::lint::rules::context::tests::lint_in;

    fn context(ignore: &str, paths: &[&str]) -> MemoryContext {
        let mut cx = MemoryContext::new();
        for p in paths {
            cx.add(p);
        }
        cx.set_ignore(IgnoreFile::parse(ignore).unwrap());
        cx
    }

    const TREE: &[&str] = &[
        "node_modules/a/index.js",
        "node_modules/a/package.json",
        "node_modules/b/index.js",
        "docs/guide.md",
        "src/main.js",
    ];
    const SRC: &str = "FROM node:22-alpine\nCOPY src/ /app/src/\n";

    #[test]
    fn reports_the_cost_of_a_wildcard_exception() {
        let found = lint_in(
            &RULE,
            SRC,
            &context("node_modules\ndocs\n!**/*.md\n", TREE),
            true,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let m = &found[0].message;
        assert!(m.contains("`!**/*.md` (.dockerignore line 3)"), "{m}");
        // node_modules/a, a/index.js, a/package.json, b, b/index.js.
        assert!(m.contains(": 5 entries in 2 excluded directories"), "{m}");
    }

    #[test]
    fn quiet_on_prefix_exceptions_classic_builds_and_unread_contexts() {
        assert!(lint_in(
            &RULE,
            SRC,
            &context("node_modules\ndocs\n!docs/guide.md\n", TREE),
            true
        )
        .is_empty());
        // A wildcard before the end counts, even under a named directory.
        assert_eq!(
            lint_in(
                &RULE,
                SRC,
                &context("node_modules\ndocs\n!docs/*.md\n", TREE),
                true
            )
            .len(),
            1
        );
        assert!(lint_in(&RULE, SRC, &context("node_modules\n!docs/**\n", TREE), true).is_empty());
        let mut classic = context("node_modules\ndocs\n!**/*.md\n", TREE);
        let mut ignore = IgnoreFile::parse("node_modules\ndocs\n!**/*.md\n").unwrap();
        ignore.walker = Walker::Classic;
        classic.set_ignore(ignore);
        assert!(lint_in(&RULE, SRC, &classic, true).is_empty());
        assert!(lint_in(
            &RULE,
            "FROM alpine:3.20\nRUN true\n",
            &context("node_modules\n!**/*.md\n", TREE),
            true
        )
        .is_empty());
    }
}
