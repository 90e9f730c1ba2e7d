//! BL0xxx: buildlint's own findings: files it cannot read or parse,
//! suppressions that suppress nothing, configuration problems.

use crate::lint::Rule;

mod invalid_suppression;
mod unreadable_file;
mod unused_suppression;

pub use invalid_suppression::RULE as INVALID_SUPPRESSION;
pub use unreadable_file::RULE as UNREADABLE_FILE;
pub use unused_suppression::RULE as UNUSED_SUPPRESSION;

pub static RULES: &[&Rule] = &[
    &unreadable_file::RULE,
    &unused_suppression::RULE,
    &invalid_suppression::RULE,
];
