//! BL5xxx: rules for bake files (`docker-bake.hcl`, `docker-bake.json`).

use crate::lint::rule::{BakeCx, BakeFinding};
use crate::lint::Rule;

// What bake rejects while loading (BL5001-BL5019), reported from the bake
// front end's problems.
pub mod bake_attribute_type;
pub mod bake_cycle;
pub mod bake_matrix;
pub mod bake_syntax;
pub mod bake_variable_validation;
pub mod undefined_bake_target;
pub mod undefined_bake_variable;
pub mod unevaluated_bake_function;
pub mod unknown_bake_attribute;
pub mod unknown_bake_block;
pub mod unknown_bake_function;

// What bake misses: targets against their contexts and Dockerfiles
// (BL5020-BL5039).
pub mod bake_inline_dockerfile_syntax;
pub mod duplicate_bake_tag;
pub mod missing_bake_context;
pub mod missing_bake_dockerfile;
pub mod missing_bake_stage;
pub mod undeclared_bake_arg;
pub mod unsupported_bake_attribute;
pub mod unsupported_bake_output;

pub static RULES: &[&Rule] = &[
    &bake_syntax::RULE,
    &unknown_bake_block::RULE,
    &unknown_bake_attribute::RULE,
    &bake_attribute_type::RULE,
    &undefined_bake_variable::RULE,
    &unknown_bake_function::RULE,
    &unevaluated_bake_function::RULE,
    &undefined_bake_target::RULE,
    &bake_cycle::RULE,
    &bake_matrix::RULE,
    &bake_variable_validation::RULE,
    &missing_bake_context::RULE,
    &missing_bake_dockerfile::RULE,
    &bake_inline_dockerfile_syntax::RULE,
    &undeclared_bake_arg::RULE,
    &missing_bake_stage::RULE,
    &duplicate_bake_tag::RULE,
    &unsupported_bake_output::RULE,
    &unsupported_bake_attribute::RULE,
];

/// The checks of the rules that look at resolved targets.
pub type BakeCheck = fn(&BakeCx<'_>, &mut Vec<BakeFinding>);

pub static CHECKS: &[BakeCheck] = &[
    missing_bake_context::check,
    missing_bake_dockerfile::check,
    bake_inline_dockerfile_syntax::check,
    undeclared_bake_arg::check,
    missing_bake_stage::check,
    duplicate_bake_tag::check,
    unsupported_bake_output::check,
    unsupported_bake_attribute::check,
];
