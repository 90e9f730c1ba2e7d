//! BL3xxx: rules that read the build context.

use crate::lint::Rule;

pub static RULES: &[&Rule] = &[];
