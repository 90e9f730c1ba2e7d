//! buildlint: checks and builds container images.
//!
//! The flow: file → parser → IR (with spans) → rules → reports; and
//! IR → context plan → tar stream → daemon → progress and result.
//! Each stage is a module usable without the CLI.

pub mod bake;
pub mod builder;
pub mod cli;
pub mod compose;
pub mod context;
pub mod dockerfile;
pub mod input;
pub mod lint;
pub mod lsp;
pub mod output;
pub mod parallel;
pub mod report;
pub mod source;
pub mod span;
pub mod terminal;
#[cfg(test)]
pub(crate) mod test_corpus;

/// Where rule pages are published; a rule's URL is this plus `CODE.md`.
pub const RULE_URL_BASE: &str = "https://github.com/buildlint/buildlint/blob/main/rules/";
