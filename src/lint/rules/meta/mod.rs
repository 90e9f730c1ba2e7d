//! BL0xxx: buildlint's own findings: files it cannot read or parse,
//! suppressions that suppress nothing, configuration problems.

use crate::lint::Rule;

mod invalid_suppression;
mod stack_interpolation;
mod stack_reference;
mod stack_schema;
mod unreadable_file;
mod unset_variable;
mod unused_suppression;

pub use invalid_suppression::RULE as INVALID_SUPPRESSION;
pub use stack_interpolation::RULE as STACK_INTERPOLATION;
pub use stack_reference::RULE as STACK_REFERENCE;
pub use stack_schema::RULE as STACK_SCHEMA;
pub use unreadable_file::RULE as UNREADABLE_FILE;
pub use unset_variable::RULE as UNSET_VARIABLE;
pub use unused_suppression::RULE as UNUSED_SUPPRESSION;

pub static RULES: &[&Rule] = &[
    &unreadable_file::RULE,
    &unused_suppression::RULE,
    &invalid_suppression::RULE,
    &stack_schema::RULE,
    &stack_interpolation::RULE,
    &stack_reference::RULE,
    &unset_variable::RULE,
];
