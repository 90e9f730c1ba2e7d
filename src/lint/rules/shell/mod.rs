//! BL2xxx: rules for the shell scripts inside RUN.

use crate::lint::Rule;

pub static RULES: &[&Rule] = &[];
