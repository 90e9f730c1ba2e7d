//! Test support: the shared corpus (BuildKit's documentation examples, its
//! shell tests, the official images' Dockerfiles).

pub use crate::test_corpus::corpus_dir;

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::corpus_dir;
    use crate::context::dockerignore::IgnoreFile;
    use crate::lint::context_view::MemoryContext;
    use crate::lint::testing::lint_with;
    use crate::lint::Rule;

    /// The rule each BuildKit rule page belongs to, by its BuildKit name.
    fn rule_for(page: &str) -> &'static Rule {
        let name: String = page
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            })
            .collect();
        let name = name.replace("Json", "JSON");
        let found: Vec<_> = super::super::RULES
            .iter()
            .copied()
            .filter(|r| r.aliases.contains(&name.as_str()))
            .collect();
        assert_eq!(found.len(), 1, "no single rule has the alias {name}");
        found[0]
    }

    fn context_for(page: &str) -> MemoryContext {
        let mut ctx = MemoryContext::new();
        if page == "copy-ignored-file" {
            // The page's own `*/tmp/*` does not match `tmp/helloworld.txt`;
            // `tmp` is what the example means.
            ctx.set_ignore(IgnoreFile::parse("tmp\n").unwrap());
        }
        ctx
    }

    /// Every `*-bad-*` example of BuildKit's rule pages fires its rule, every
    /// `*-good-*` example does not (nor the illustrations, except the two
    /// that show the problem).
    #[test]
    fn buildkit_rule_page_examples() {
        let root = corpus_dir().join("buildkit-docs/lint-rules");
        let mut pages: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        pages.sort();
        assert_eq!(pages.len(), 21, "{pages:?}");
        let mut checked = 0;
        for page in &pages {
            let rule = rule_for(page);
            let ctx = context_for(page);
            let mut files: Vec<_> = std::fs::read_dir(root.join(page))
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "Dockerfile"))
                .collect();
            files.sort();
            for file in files {
                let name = file.file_name().unwrap().to_string_lossy().into_owned();
                let shows_problem = name.contains("-bad-")
                    || name.starts_with("undefined-var-001-desc")
                    || name.starts_with("no-empty-continuation-001-desc");
                let src = std::fs::read_to_string(&file).unwrap();
                let findings = lint_with(
                    rule,
                    &src,
                    &ctx,
                    true,
                    &Default::default(),
                    Default::default(),
                    None,
                );
                if shows_problem {
                    assert!(
                        !findings.is_empty(),
                        "{} does not fire on {name}",
                        rule.code
                    );
                } else {
                    assert!(
                        findings.is_empty(),
                        "{} fires on {name}: {:?}",
                        rule.code,
                        findings.iter().map(|f| &f.message).collect::<Vec<_>>()
                    );
                }
                checked += 1;
            }
        }
        assert!(checked >= 60, "only {checked} examples");
    }

    /// A fenced block of a rule page: its info string and text.
    struct Block {
        info: String,
        text: String,
    }

    /// The blocks under `## Example` before `Use instead:`, and after it.
    fn page_examples(doc: &str) -> (Vec<Block>, Vec<Block>) {
        let Some(start) = doc.find("## Example") else {
            return (Vec::new(), Vec::new());
        };
        let rest = &doc[start..];
        let end = rest[2..].find("\n## ").map(|i| i + 2).unwrap_or(rest.len());
        let section = &rest[..end];
        let (bad, good) = section.split_once("Use instead:").unwrap_or((section, ""));
        let blocks = |s: &str| {
            let mut out = Vec::new();
            let mut lines = s.lines();
            while let Some(line) = lines.next() {
                if let Some(info) = line.strip_prefix("```") {
                    let mut text = String::new();
                    for l in lines.by_ref() {
                        if l.starts_with("```") {
                            break;
                        }
                        text.push_str(l);
                        text.push('\n');
                    }
                    out.push(Block {
                        info: info.trim().to_string(),
                        text,
                    });
                }
            }
            out
        };
        (blocks(bad), blocks(good))
    }

    /// Runs each Dockerfile block with the context blocks before it.
    fn run_blocks(rule: &'static Rule, blocks: &[Block], must_fire: bool) {
        let mut ctx = MemoryContext::new();
        for b in blocks {
            match b.info.as_str() {
                "dockerignore" => ctx.set_ignore(IgnoreFile::parse(&b.text).unwrap()),
                "files" => b.text.lines().for_each(|l| ctx.add(l)),
                "dockerfile" => {
                    let f = lint_with(
                        rule,
                        &b.text,
                        &ctx,
                        true,
                        &Default::default(),
                        Default::default(),
                        None,
                    );
                    if must_fire {
                        assert!(
                            !f.is_empty(),
                            "{}: example does not fire:\n{}",
                            rule.code,
                            b.text
                        );
                    } else {
                        assert!(
                            f.is_empty(),
                            "{}: `Use instead` fires:\n{}",
                            rule.code,
                            b.text
                        );
                    }
                }
                _ => {}
            }
        }
    }

    /// The Example and Use-instead blocks of these rules' pages.
    #[test]
    fn rule_page_examples() {
        for rule in super::super::RULES {
            let (bad, good) = page_examples(rule.doc);
            assert!(
                bad.iter().any(|b| b.info == "dockerfile"),
                "{} has no example",
                rule.code
            );
            assert!(
                good.iter().any(|b| b.info == "dockerfile"),
                "{} has no `Use instead`",
                rule.code
            );
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "Use instead:",
                "## References",
            ] {
                assert!(rule.doc.contains(section), "{} lacks {section}", rule.code);
            }
            run_blocks(rule, &bad, true);
            run_blocks(rule, &good, false);
        }
    }

    /// The `## Fix` section's blocks: the Dockerfile before and after.
    fn fix_example(doc: &str) -> Option<(String, String)> {
        let start = doc.find("\n## Fix\n")?;
        let rest = &doc[start + 1..];
        let end = rest[3..].find("\n## ").map(|i| i + 3).unwrap_or(rest.len());
        let section = &rest[..end];
        let block = |info: &str| {
            let open = format!("```{info}\n");
            let at = section.find(&open)? + open.len();
            let len = section[at..].find("```")?;
            Some(section[at..at + len].to_string())
        };
        Some((block("dockerfile")?, block("dockerfile fixed")?))
    }

    /// Each fixable rule's `## Fix` example: applying every fix to the
    /// block before gives the block after, which the rule no longer flags.
    #[test]
    fn rule_page_fix_examples() {
        use crate::lint::FixAvailability;
        for rule in super::super::RULES {
            let example = fix_example(rule.doc);
            if rule.fix == FixAvailability::Never {
                assert!(
                    example.is_none(),
                    "{} has a fix example but no fix",
                    rule.code
                );
                continue;
            }
            let (before, after) =
                example.unwrap_or_else(|| panic!("{} can fix but shows no `## Fix`", rule.code));
            let findings = crate::lint::testing::lint(rule, &before);
            assert!(
                !findings.is_empty(),
                "{}: the fix example does not fire",
                rule.code
            );
            let mut edits: Vec<_> = findings
                .iter()
                .flat_map(|f| f.fix.iter().flat_map(|x| x.edits.clone()))
                .collect();
            edits.sort_by_key(|e| std::cmp::Reverse((e.start, e.end)));
            let mut fixed = before.clone();
            for e in &edits {
                fixed.replace_range(e.start as usize..e.end as usize, &e.replacement);
            }
            assert_eq!(fixed, after, "{}: fix example", rule.code);
            assert!(
                crate::lint::testing::lint(rule, &fixed).is_empty(),
                "{}: still fires after the fix",
                rule.code
            );
        }
    }

    #[test]
    fn corpus_is_found() {
        assert!(Path::new(&corpus_dir())
            .join("buildkit-shell/envVarTest")
            .is_file());
    }
}
