//! BL2xxx: rules for the shell scripts inside RUN (and ONBUILD RUN, and
//! heredoc bodies run by a shell), read through [`crate::lint::shell`].
//!
//! - BL2001-BL2039: hadolint's RUN rules, with its DL codes as aliases.
//! - BL2040-BL2049: ShellCheck findings that matter in Dockerfiles.
//! - BL2050-BL2059: bash features in scripts run by `/bin/sh`.
//! - BL2060-BL2069: dangers none of hadolint, BuildKit or ShellCheck report.

use crate::lint::Rule;

mod helpers;

mod container_irrelevant_command;
mod cd_in_run;
mod sudo;
mod apt_get_install_unpinned;
mod apt_lists_not_removed;
mod archive_extracted_after_copy;
mod pip_install_unpinned;
mod apt_get_install_without_yes;
mod apt_get_install_recommends;
mod npm_install_unpinned;
mod apk_add_unpinned;
mod apk_add_with_cache;
mod apt_command;
mod gem_install_unpinned;
mod yum_install_without_yes;
mod yum_cache_not_cleaned;
mod yum_install_unpinned;
mod zypper_without_yes;
mod zypper_dist_upgrade;
mod zypper_cache_not_cleaned;
mod zypper_install_unpinned;
mod dnf_install_without_yes;
mod dnf_cache_not_cleaned;
mod dnf_install_unpinned;
mod pip_install_with_cache;
mod useradd_without_no_log_init;
mod wget_without_progress;
mod consecutive_run;
mod yarn_cache_not_cleaned;
mod go_install_unpinned;
mod curl_and_wget;
mod ln_bin_sh;
mod pipe_without_pipefail;
mod unquoted_variable;
mod unquoted_command_substitution;
mod cd_without_fallback;
mod double_bracket_in_sh;
mod source_in_sh;
mod function_keyword_in_sh;
mod array_in_sh;
mod here_string_in_sh;
mod brace_expansion_in_sh;
mod echo_flags_in_sh;
mod double_equals_in_sh;
mod ampersand_redirect_in_sh;
mod remote_script_piped_to_shell;
mod tls_verification_disabled;
mod world_writable_chmod;
mod apt_get_upgrade;
mod secret_on_command_line;

pub static RULES: &[&Rule] = &[
    &container_irrelevant_command::RULE,
    &cd_in_run::RULE,
    &sudo::RULE,
    &apt_get_install_unpinned::RULE,
    &apt_lists_not_removed::RULE,
    &archive_extracted_after_copy::RULE,
    &pip_install_unpinned::RULE,
    &apt_get_install_without_yes::RULE,
    &apt_get_install_recommends::RULE,
    &npm_install_unpinned::RULE,
    &apk_add_unpinned::RULE,
    &apk_add_with_cache::RULE,
    &apt_command::RULE,
    &gem_install_unpinned::RULE,
    &yum_install_without_yes::RULE,
    &yum_cache_not_cleaned::RULE,
    &yum_install_unpinned::RULE,
    &zypper_without_yes::RULE,
    &zypper_dist_upgrade::RULE,
    &zypper_cache_not_cleaned::RULE,
    &zypper_install_unpinned::RULE,
    &dnf_install_without_yes::RULE,
    &dnf_cache_not_cleaned::RULE,
    &dnf_install_unpinned::RULE,
    &pip_install_with_cache::RULE,
    &useradd_without_no_log_init::RULE,
    &wget_without_progress::RULE,
    &consecutive_run::RULE,
    &yarn_cache_not_cleaned::RULE,
    &go_install_unpinned::RULE,
    &curl_and_wget::RULE,
    &ln_bin_sh::RULE,
    &pipe_without_pipefail::RULE,
    &unquoted_variable::RULE,
    &unquoted_command_substitution::RULE,
    &cd_without_fallback::RULE,
    &double_bracket_in_sh::RULE,
    &source_in_sh::RULE,
    &function_keyword_in_sh::RULE,
    &array_in_sh::RULE,
    &here_string_in_sh::RULE,
    &brace_expansion_in_sh::RULE,
    &echo_flags_in_sh::RULE,
    &double_equals_in_sh::RULE,
    &ampersand_redirect_in_sh::RULE,
    &remote_script_piped_to_shell::RULE,
    &tls_verification_disabled::RULE,
    &world_writable_chmod::RULE,
    &apt_get_upgrade::RULE,
    &secret_on_command_line::RULE,
];
