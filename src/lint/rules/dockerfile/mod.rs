//! BL1xxx: rules that read Dockerfile instructions.

use crate::lint::Rule;

#[cfg(test)]
pub(crate) mod corpus;

pub(crate) mod base_facts;
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
mod unknown_instruction;
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
    &unknown_instruction::RULE,
];

// hadolint's instruction rules and the security rules (BL1100-BL1199).
mod add_instead_of_copy;
mod add_url_without_checksum;
mod copy_from_own_stage;
mod copy_from_undefined_stage;
mod copy_whole_filesystem;
mod copy_without_workdir;
pub(crate) mod dl_helpers;
mod empty_label;
mod env_self_reference;
mod expose_ssh_port;
mod from_platform_flag;
mod inline_ignore_pragma;
mod instruction_before_from;
mod invalid_expose_port;
mod invalid_instruction_flag;
mod invalid_label_key;
mod invalid_onbuild_trigger;
mod label_not_email;
mod label_not_git_hash;
mod label_not_rfc3339;
mod label_not_semver;
mod label_not_spdx;
mod label_not_url;
pub(crate) mod labels;
mod missing_healthcheck;
mod missing_label;
mod multi_source_dest;
mod no_user;
mod non_numeric_user;
mod relative_workdir;
mod root_final_user;
mod secret_name_in_arg_or_env;
mod secret_not_provided;
pub(crate) mod secret_value_in_arg_or_env;
mod superfluous_label;
mod untrusted_registry;

pub static RULES_MORE: &[&Rule] = &[
    &inline_ignore_pragma::RULE,
    &relative_workdir::RULE,
    &root_final_user::RULE,
    &invalid_expose_port::RULE,
    &add_instead_of_copy::RULE,
    &multi_source_dest::RULE,
    &copy_from_undefined_stage::RULE,
    &copy_from_own_stage::RULE,
    &untrusted_registry::RULE,
    &from_platform_flag::RULE,
    &invalid_onbuild_trigger::RULE,
    &env_self_reference::RULE,
    &copy_without_workdir::RULE,
    &invalid_label_key::RULE,
    &missing_label::RULE,
    &superfluous_label::RULE,
    &empty_label::RULE,
    &label_not_url::RULE,
    &label_not_rfc3339::RULE,
    &label_not_spdx::RULE,
    &label_not_git_hash::RULE,
    &label_not_semver::RULE,
    &missing_healthcheck::RULE,
    &label_not_email::RULE,
    &instruction_before_from::RULE,
    &secret_name_in_arg_or_env::RULE,
    &non_numeric_user::RULE,
    &copy_whole_filesystem::RULE,
    &no_user::RULE,
    &add_url_without_checksum::RULE,
    &secret_value_in_arg_or_env::RULE,
    &expose_ssh_port::RULE,
    &invalid_instruction_flag::RULE,
    &secret_not_provided::RULE,
];
