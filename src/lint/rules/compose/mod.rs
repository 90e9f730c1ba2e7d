//! BL4xxx: rules for compose and stack files.

use crate::lint::Rule;

pub static RULES: &[&Rule] = &[];
