//! Rule pages: `rules/CODE.md` for every rule and `rules/README.md`, the
//! index, generated from each rule's own `doc`. A test fails when the files
//! in the repository are stale; `BUILDLINT_BLESS=1 cargo test --lib pages`
//! rewrites them.

use super::registry;
use super::rule::{FixAvailability, Rule};

fn fix_text(fix: FixAvailability) -> &'static str {
    match fix {
        FixAvailability::Never => "none",
        FixAvailability::Sometimes => "sometimes available",
        FixAvailability::Always => "always available",
    }
}

fn aliases_text(rule: &Rule) -> String {
    if rule.aliases.is_empty() {
        "none".to_string()
    } else {
        rule.aliases
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The full page of a rule, in Markdown.
pub fn page(rule: &Rule) -> String {
    let mut out = String::new();
    out.push_str(&format!("# {}: {}\n\n", rule.code, rule.name));
    out.push_str(&format!("{}\n\n", rule.summary));
    out.push_str("| | |\n|---|---|\n");
    out.push_str(&format!("| Code | `{}` |\n", rule.code));
    out.push_str(&format!("| Name | `{}` |\n", rule.name));
    out.push_str(&format!("| Aliases | {} |\n", aliases_text(rule)));
    out.push_str(&format!("| Default severity | {} |\n", rule.severity));
    out.push_str(&format!(
        "| Enabled by default | {} |\n",
        if rule.default_enabled { "yes" } else { "no" }
    ));
    out.push_str(&format!("| Fix | {} |\n\n", fix_text(rule.fix)));
    out.push_str(rule.doc.trim());
    out.push('\n');
    out
}

/// The index of all rules, in code order.
pub fn index() -> String {
    let mut out = String::from(
        "# Rules\n\nEvery rule buildlint has, generated from the rules' own documentation \
         (`buildlint rule --all` prints the same list). A rule is named by its code, its \
         name or an alias anywhere: configuration, command line, suppression comments.\n\n\
         | Code | Name | Severity | Default | Aliases | Summary |\n|---|---|---|---|---|---|\n",
    );
    for r in registry::all() {
        out.push_str(&format!(
            "| [{code}]({code}.md) | `{name}` | {sev} | {on} | {aliases} | {summary} |\n",
            code = r.code,
            name = r.name,
            sev = r.severity,
            on = if r.default_enabled { "on" } else { "off" },
            aliases = if r.aliases.is_empty() {
                String::new()
            } else {
                aliases_text(r)
            },
            summary = r.summary.replace('|', "\\|"),
        ));
    }
    out
}

/// Every generated file: (name in `rules/`, content).
pub fn generated() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = registry::all()
        .iter()
        .map(|r| (format!("{}.md", r.code), page(r)))
        .collect();
    out.push(("README.md".to_string(), index()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn rule_pages_are_current() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules");
        let bless = std::env::var_os("BUILDLINT_BLESS").is_some_and(|v| v == "1");
        let wanted = generated();
        let mut problems = Vec::new();
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
        }
        for (name, text) in &wanted {
            let path = dir.join(name);
            let current = std::fs::read_to_string(&path).ok();
            if current.as_deref() != Some(text.as_str()) {
                if bless {
                    std::fs::write(&path, text).unwrap();
                } else {
                    problems.push(format!(
                        "rules/{name} is {}",
                        if current.is_some() {
                            "stale"
                        } else {
                            "missing"
                        }
                    ));
                }
            }
        }
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && !wanted.iter().any(|(n, _)| *n == name) {
                if bless {
                    std::fs::remove_file(entry.path()).unwrap();
                } else {
                    problems.push(format!("rules/{name} belongs to no rule"));
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{}\nregenerate with: BUILDLINT_BLESS=1 cargo test --lib pages",
            problems.join("\n")
        );
    }

    #[test]
    fn page_has_identity_and_doc() {
        let rule = registry::by_code("BL0001").unwrap();
        let text = page(rule);
        assert!(text.starts_with("# BL0001: unreadable-file\n"));
        assert!(text.contains("| Aliases | `DL1000` |"));
        assert!(text.contains("## What it does"));
        assert!(index().contains("[BL0001](BL0001.md)"));
    }
}
