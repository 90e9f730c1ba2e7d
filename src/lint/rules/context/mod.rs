//! BL3xxx: rules that read the build context.

use crate::lint::Rule;

mod absolute_source;
pub(crate) mod copy_from_unknown;
mod escaping_source;
mod ignored_source;
mod missing_bind_source;
mod missing_source;
#[cfg(test)]
mod page_examples;
pub(crate) mod sources;
mod wildcard_ignore_exception;

pub static RULES: &[&Rule] = &[
    &absolute_source::RULE,
    &missing_source::RULE,
    &escaping_source::RULE,
    &ignored_source::RULE,
    &copy_from_unknown::RULE,
    &missing_bind_source::RULE,
    &wildcard_ignore_exception::RULE,
];

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use crate::lint::context_view::ContextView;
    use crate::lint::engine::{lint_dockerfile, DockerfileJob, RuleSelection};
    use crate::lint::finding::{Finding, SourceFile};
    use crate::lint::options::RuleOptions;
    use crate::lint::semantic::Semantic;
    use crate::lint::Rule;

    /// Lints with only `rule`, against `context` (`known`, or guessed).
    pub fn lint_in(
        rule: &'static Rule,
        source: &str,
        context: &dyn ContextView,
        known: bool,
    ) -> Vec<Finding> {
        crate::lint::testing::lint_with(
            rule,
            source,
            context,
            known,
            &RuleOptions::default(),
            BTreeMap::new(),
            None,
        )
    }

    /// Lints with the rules of `selection`, against `context` (`known`, or
    /// guessed); the findings in file order.
    pub fn lint_selected(
        selection: &RuleSelection,
        source: &str,
        context: &dyn ContextView,
        known: bool,
    ) -> Vec<Finding> {
        let df = crate::dockerfile::parse(source.to_string()).expect("snippet parses");
        let semantic = Semantic::new(&df, BTreeMap::new(), None);
        let options = RuleOptions::default();
        let job = DockerfileJob {
            file: SourceFile::new("Dockerfile", source),
            df: &df,
            context,
            context_known: known,
            semantic: &semantic,
            options: &options,
            service: None,
        };
        let mut found = lint_dockerfile(&job, selection);
        found.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        found
    }

    /// Lints with only the stages flagged in `needed` in play.
    pub fn lint_stages(
        rule: &'static Rule,
        source: &str,
        context: &dyn ContextView,
        needed: &[bool],
    ) -> Vec<Finding> {
        let df = crate::dockerfile::parse(source.to_string()).expect("snippet parses");
        let mut semantic = Semantic::new(&df, BTreeMap::new(), None);
        semantic.stage_needed = needed.to_vec();
        let options = RuleOptions::default();
        let job = DockerfileJob {
            file: SourceFile::new("Dockerfile", source),
            df: &df,
            context,
            context_known: true,
            semantic: &semantic,
            options: &options,
            service: None,
        };
        let mut found = lint_dockerfile(&job, &RuleSelection::only(&[rule]));
        found.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        found
    }

    /// Every fixture under `fixtures/context/<CODE>/` linted with the
    /// context rules against its own directory: the findings must be exactly
    /// those its `expected.txt` lists (`LINE:COL SEVERITY CODE TEXT`).
    #[test]
    fn context_fixtures_give_each_finding_at_its_span() {
        use crate::lint::context_view::DirContext;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/context");
        let mut dirs: Vec<_> = std::fs::read_dir(&root)
            .expect("fixtures/context exists")
            .flatten()
            .map(|e| e.path())
            .collect();
        dirs.sort();
        assert!(dirs.len() >= 6, "a fixture per context rule");
        for dir in dirs {
            let source = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
            let ignore_path = dir.join(".dockerignore");
            let ignore = ignore_path
                .is_file()
                .then(|| crate::context::dockerignore::IgnoreFile::read(&ignore_path).unwrap());
            let context = DirContext::new(dir.clone(), ignore);
            let found = lint_selected(&RuleSelection::only(super::RULES), &source, &context, true);
            let got: Vec<String> = found
                .iter()
                .map(|f| {
                    let at = f.start();
                    format!(
                        "{}:{} {} {} {}",
                        at.line,
                        at.column,
                        f.severity,
                        f.rule.code,
                        f.span.slice(&source)
                    )
                })
                .collect();
            let expected: Vec<String> = std::fs::read_to_string(dir.join("expected.txt"))
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
            assert_eq!(got, expected, "fixture {}", dir.display());
        }
    }

    /// The seed: with a guessed context no error (BL3001 is information);
    /// with the context named, one error, on line 2, under `/var/www/html`; the `latest`
    /// and no-USER findings beside it. With `var/www/html` in the context, a
    /// warning with its fix instead of the error.
    #[test]
    fn seed_gives_the_absolute_source_error_or_its_fix() {
        use crate::lint::context_view::MemoryContext;
        use crate::lint::Severity;
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed/Dockerfile");
        let source = std::fs::read_to_string(path).unwrap();
        // A guessed context: what the build would do is not known, so the
        // finding is information, not an error.
        let guessed = lint_selected(
            &RuleSelection::defaults(),
            &source,
            &MemoryContext::new(),
            false,
        );
        let abs = guessed.iter().find(|f| f.rule.code == "BL3001").unwrap();
        assert_eq!(abs.severity, Severity::Info);
        assert!(guessed.iter().all(|f| f.severity != Severity::Error));
        let found = lint_selected(
            &RuleSelection::defaults(),
            &source,
            &MemoryContext::new(),
            true,
        );
        let errors: Vec<_> = found
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert_eq!(
            errors.len(),
            1,
            "{:?}",
            found
                .iter()
                .map(|f| (f.rule.code, &f.message))
                .collect::<Vec<_>>()
        );
        assert_eq!(errors[0].rule.code, "BL3001");
        assert_eq!(errors[0].start().line, 2);
        assert_eq!(errors[0].span.slice(&source), "/var/www/html");
        assert!(errors[0].fix.is_none());
        assert!(found
            .iter()
            .any(|f| f.rule.aliases.contains(&"DL3007") && f.span.slice(&source) == "latest"));
        assert!(found.iter().any(|f| f.rule.code == "BL1130"));

        let context = MemoryContext::new().with_path("var/www/html/index.html");
        let found = lint_selected(&RuleSelection::defaults(), &source, &context, true);
        assert!(found.iter().all(|f| f.severity != Severity::Error));
        let abs = found
            .iter()
            .find(|f| f.rule.code == "BL3001")
            .expect("the absolute-source warning");
        assert_eq!(abs.severity, Severity::Warning);
        assert_eq!(abs.span.slice(&source), "/var/www/html");
        let fix = abs.fix.as_ref().expect("a fix");
        let mut fixed = source.clone();
        for e in fix.edits.iter().rev() {
            fixed.replace_range(e.start as usize..e.end as usize, &e.replacement);
        }
        assert!(fixed.contains("\nCOPY var/www/html /www/html\n"), "{fixed}");
    }

    /// Every official image's Dockerfile, linted with every rule of these
    /// families in a guessed, empty context: no panic, and the rules that
    /// must stay quiet on well-kept files do.
    #[test]
    fn official_dockerfiles_lint_cleanly() {
        use crate::lint::context_view::MemoryContext;
        let dir = crate::lint::rules::dockerfile::corpus::corpus_dir().join("official");
        let mut files = Vec::new();
        for image in std::fs::read_dir(&dir).unwrap().flatten() {
            for f in std::fs::read_dir(image.path()).unwrap().flatten() {
                files.push(f.path());
            }
        }
        assert_eq!(files.len(), 569);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for path in &files {
            let source = std::fs::read_to_string(path).unwrap();
            let Ok(df) = crate::dockerfile::parse(source.clone()) else {
                continue;
            };
            let semantic = Semantic::new(&df, BTreeMap::new(), None);
            let options = RuleOptions::default();
            let context = MemoryContext::new();
            let job = DockerfileJob {
                file: SourceFile::new("Dockerfile", source.clone()),
                df: &df,
                context: &context,
                context_known: false,
                semantic: &semantic,
                options: &options,
                service: None,
            };
            let rules: Vec<&'static Rule> = crate::lint::rules::dockerfile::RULES_MORE
                .iter()
                .chain(super::RULES)
                .copied()
                .collect();
            for f in lint_dockerfile(&job, &RuleSelection::only(&rules)) {
                *counts.entry(f.rule.code).or_default() += 1;
                assert!(!f.span.slice(&source).is_empty() || f.span.is_empty());
            }
        }
        // Well-kept files: none of these may fire.
        for quiet in [
            "BL1101", "BL1103", "BL1105", "BL1107", "BL1110", "BL1111", "BL1124", "BL1132",
            "BL3003", "BL3005",
        ] {
            assert_eq!(
                counts.get(quiet),
                None,
                "{quiet} fired on the official images: {counts:?}"
            );
        }
        eprintln!("{counts:?}");
    }

    /// BuildKit's CopyIgnoredFile and ignored-copy-source report the same
    /// source: only the one naming the pattern is kept.
    #[test]
    fn ignored_source_supersedes_copy_ignored_file() {
        use crate::context::dockerignore::IgnoreFile;
        use crate::lint::context_view::MemoryContext;
        use crate::lint::engine::{drop_superseded, SUPERSEDES};
        use crate::lint::registry::by_code;
        let mut context = MemoryContext::new().with_path("secret.env");
        context.set_ignore(IgnoreFile::parse("*.env\n").unwrap());
        let source = "FROM alpine:3.20\nCOPY secret.env /app/\n";
        let rules = [by_code("BL3004").unwrap(), by_code("BL1020").unwrap()];
        let mut found = lint_selected(&RuleSelection::only(&rules), source, &context, true);
        assert_eq!(found.len(), 2, "both rules see the ignored source");
        drop_superseded(&mut found, SUPERSEDES);
        let codes: Vec<_> = found.iter().map(|f| f.rule.code).collect();
        assert_eq!(codes, ["BL3004"]);
    }
}
