//! Runs the rule pages of the hadolint-derived, security and context rules:
//! every `## Example` Dockerfile must fire its rule, every `Use instead:`
//! one must not, and every `## Fix` pair must turn into its `fixed` block.
//! ```files, ```dockerignore and ```toml blocks before a Dockerfile set up
//! its build context and options. Dockerfiles are linted as
//! `buildlint build --secret id=npm,src=FILE --ssh default` would lint them.

use crate::context::dockerignore::IgnoreFile;
use crate::lint::context_view::MemoryContext;
use crate::lint::options::RuleOptions;
use crate::lint::testing::lint_with;
use crate::lint::{Finding, Rule};

#[derive(Debug)]
struct Block {
    info: String,
    body: String,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            let mut body = String::new();
            for l in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(l);
                body.push('\n');
            }
            out.push(Block {
                info: info.trim().to_string(),
                body,
            });
        }
    }
    out
}

fn section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    let start = doc
        .find(&format!("\n{heading}\n"))
        .or_else(|| doc.starts_with(heading).then_some(0))?;
    let rest = &doc[start + heading.len() + 1..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Lints each Dockerfile block with the context and options set up by the
/// blocks before it.
fn run(rule: &'static Rule, blocks: &[Block]) -> Vec<(String, Vec<Finding>)> {
    let mut context = MemoryContext::new();
    let mut options = page_options();
    let mut out = Vec::new();
    for block in blocks {
        match block.info.as_str() {
            "files" => {
                for line in block.body.lines().filter(|l| !l.trim().is_empty()) {
                    context.add(line.trim());
                }
            }
            "dockerignore" => {
                context.set_ignore(IgnoreFile::parse(&block.body).expect("ignore file parses"))
            }
            "toml" => options = options_from_toml(&block.body),
            "dockerfile" => {
                let found = lint_with(
                    rule,
                    &block.body,
                    &context,
                    true,
                    &options,
                    Default::default(),
                    None,
                );
                out.push((block.body.clone(), found));
                context = MemoryContext::new();
                options = page_options();
            }
            _ => {}
        }
    }
    out
}

fn page_options() -> RuleOptions {
    RuleOptions {
        build: Some(crate::lint::page_examples::page_build()),
        ..RuleOptions::default()
    }
}

fn options_from_toml(text: &str) -> RuleOptions {
    let value: toml::Value = toml::from_str(text).expect("page toml parses");
    let mut options = page_options();
    if let Some(list) = value.get("trusted-registries").and_then(|v| v.as_array()) {
        options.trusted_registries = list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
    }
    if let Some(table) = value.get("label-schema").and_then(|v| v.as_table()) {
        options.label_schema = table
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect();
    }
    if let Some(strict) = value.get("strict-labels").and_then(|v| v.as_bool()) {
        options.strict_labels = strict;
    }
    options
}

fn apply(source: &str, findings: &[Finding]) -> String {
    let mut edits: Vec<_> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|f| f.edits.clone())
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.start));
    let mut out = source.to_string();
    for e in edits {
        out.replace_range(e.start as usize..e.end as usize, &e.replacement);
    }
    out
}

fn check_page(rule: &'static Rule) {
    let example =
        section(rule.doc, "## Example").unwrap_or_else(|| panic!("{} has no Example", rule.code));
    let (bad, good) = example
        .split_once("Use instead:")
        .unwrap_or_else(|| panic!("{} has no `Use instead:`", rule.code));
    let bad_cases = run(rule, &blocks(bad));
    assert!(
        !bad_cases.is_empty(),
        "{}: no Example Dockerfile",
        rule.code
    );
    for (src, found) in &bad_cases {
        assert!(
            !found.is_empty(),
            "{}: Example does not fire:\n{src}",
            rule.code
        );
    }
    let good_cases = run(rule, &blocks(good));
    assert!(
        !good_cases.is_empty(),
        "{}: no Use-instead Dockerfile",
        rule.code
    );
    for (src, found) in &good_cases {
        assert!(
            found.is_empty(),
            "{}: Use-instead fires: {:?}\n{src}",
            rule.code,
            found.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }
    if let Some(fix) = section(rule.doc, "## Fix") {
        let bs = blocks(fix);
        let expected = bs
            .iter()
            .find(|b| b.info == "dockerfile fixed")
            .unwrap_or_else(|| panic!("{}: Fix section without a fixed block", rule.code));
        let cases = run(rule, &bs);
        let (src, found) = cases.first().expect("a Fix Dockerfile");
        assert_eq!(
            apply(src, found),
            expected.body,
            "{}: fix result",
            rule.code
        );
        assert_ne!(
            rule.fix,
            crate::lint::FixAvailability::Never,
            "{} shows a fix",
            rule.code
        );
    }
}

#[test]
fn every_page_example_behaves() {
    for rule in crate::lint::rules::dockerfile::RULES_MORE
        .iter()
        .chain(super::RULES)
    {
        check_page(rule);
    }
}

#[test]
fn fixable_rules_show_a_fix() {
    for rule in crate::lint::rules::dockerfile::RULES_MORE
        .iter()
        .chain(super::RULES)
    {
        if rule.fix != crate::lint::FixAvailability::Never {
            assert!(
                section(rule.doc, "## Fix").is_some(),
                "{} can fix but shows no Fix",
                rule.code
            );
        }
    }
}
