//! Every rule, in code order. Each family lists its rules in its own `mod.rs`.

use std::sync::OnceLock;

use super::rule::Rule;
use super::rules;

/// All rules, sorted by code.
pub fn all() -> &'static [&'static Rule] {
    static ALL: OnceLock<Vec<&'static Rule>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<&'static Rule> = [
            rules::meta::RULES,
            rules::dockerfile::RULES,
            rules::dockerfile::RULES_MORE,
            rules::shell::RULES,
            rules::context::RULES,
            rules::compose::RULES,
            rules::bake::RULES,
        ]
        .concat();
        all.sort_by_key(|r| r.code);
        all
    })
}

/// Every rule `id` names: by code, name or alias (an alias may name several).
pub fn lookup(id: &str) -> Vec<&'static Rule> {
    all().iter().copied().filter(|r| r.is_named(id)).collect()
}

/// The rule with this exact code.
pub fn by_code(code: &str) -> Option<&'static Rule> {
    all().iter().copied().find(|r| r.code == code)
}

/// The closest known identifier to a misspelt one, for "did you mean".
pub fn suggest(id: &str) -> Option<String> {
    let id_lower = id.to_ascii_lowercase();
    all()
        .iter()
        .flat_map(|r| {
            std::iter::once(r.code)
                .chain(std::iter::once(r.name))
                .chain(r.aliases.iter().copied())
        })
        .map(|cand| {
            (
                strsim::jaro_winkler(&id_lower, &cand.to_ascii_lowercase()),
                cand,
            )
        })
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rule::Check;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for rule in all() {
            assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
            assert!(
                rule.code.len() == 6 && rule.code.starts_with("BL"),
                "bad code {}",
                rule.code
            );
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "name {} is not kebab-case",
                rule.name
            );
            for section in ["## What it does", "## Why is this bad?"] {
                assert!(
                    rule.doc.contains(section),
                    "{} doc lacks {section}",
                    rule.code
                );
            }
        }
    }

    #[test]
    fn code_prefix_matches_family() {
        for rule in rules::meta::RULES {
            assert!(rule.code.starts_with("BL0"), "{}", rule.code);
        }
        for rule in rules::dockerfile::RULES
            .iter()
            .chain(rules::dockerfile::RULES_MORE)
        {
            assert!(rule.code.starts_with("BL1"), "{}", rule.code);
            assert!(matches!(rule.check, Check::Dockerfile(_)), "{}", rule.code);
        }
        for rule in rules::shell::RULES {
            assert!(rule.code.starts_with("BL2"), "{}", rule.code);
        }
        for rule in rules::context::RULES {
            assert!(rule.code.starts_with("BL3"), "{}", rule.code);
        }
        for rule in rules::compose::RULES {
            assert!(rule.code.starts_with("BL4"), "{}", rule.code);
        }
        for rule in rules::bake::RULES {
            assert!(rule.code.starts_with("BL5"), "{}", rule.code);
        }
    }
}
