//! BL1xxx: rules that read Dockerfile instructions.

use crate::lint::Rule;

#[cfg(test)]
pub(crate) mod corpus;

mod base_image;
mod bk;
mod expose;

// BuildKit's build checks and the base-image tag rules (BL1001-BL1049).
mod consistent_instruction_casing;
mod copy_ignored_file;
mod duplicate_stage_name;
mod expose_invalid_format;
mod expose_proto_casing;
mod from_as_casing;
mod from_platform_flag_const_disallowed;
mod invalid_default_arg_in_from;
mod invalid_definition_description;
mod json_args_recommended;
mod latest_base_image_tag;
mod legacy_key_value_format;
mod maintainer_deprecated;
mod multiple_instructions_disallowed;
mod no_empty_continuation;
mod redundant_target_platform;
mod reserved_stage_name;
mod secrets_used_in_arg_or_env;
mod stage_name_casing;
mod undefined_arg_in_from;
mod undefined_var;
mod untagged_base_image;
mod workdir_relative_path;

pub use secrets_used_in_arg_or_env::is_secret_name;

pub static RULES: &[&Rule] = &[
    &stage_name_casing::RULE,
    &from_as_casing::RULE,
    &no_empty_continuation::RULE,
    &consistent_instruction_casing::RULE,
    &duplicate_stage_name::RULE,
    &untagged_base_image::RULE,
    &latest_base_image_tag::RULE,
    &reserved_stage_name::RULE,
    &json_args_recommended::RULE,
    &maintainer_deprecated::RULE,
    &undefined_arg_in_from::RULE,
    &workdir_relative_path::RULE,
    &undefined_var::RULE,
    &multiple_instructions_disallowed::RULE,
    &legacy_key_value_format::RULE,
    &redundant_target_platform::RULE,
    &secrets_used_in_arg_or_env::RULE,
    &invalid_default_arg_in_from::RULE,
    &from_platform_flag_const_disallowed::RULE,
    &copy_ignored_file::RULE,
    &invalid_definition_description::RULE,
    &expose_proto_casing::RULE,
    &expose_invalid_format::RULE,
];

// hadolint's instruction rules and the security rules (BL1100-BL1199).

pub static RULES_MORE: &[&Rule] = &[];
