//! BL0xxx: buildlint's own findings: files it cannot read or parse,
//! suppressions that suppress nothing, configuration problems.

use crate::lint::Rule;

mod unreadable_file;

pub use unreadable_file::RULE as UNREADABLE_FILE;

pub static RULES: &[&Rule] = &[&unreadable_file::RULE];
