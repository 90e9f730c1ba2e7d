//! BL4xxx: rules for compose and stack files.

use crate::lint::Rule;

mod stack_version;

pub use stack_version::RULE as STACK_VERSION;

pub static RULES: &[&Rule] = &[&stack_version::RULE];
