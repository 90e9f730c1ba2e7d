//! BL4xxx: rules for compose and stack files.

use crate::lint::Rule;

mod order;
mod util;

// What `docker compose config` rejects (BL4001-BL4019).
mod conflicting_scale;
mod container_name_with_replicas;
mod dependency_cycle;
mod duplicate_container_name;
mod duplicate_mount_target;
mod missing_env_file;
mod missing_image_and_build;
mod network_mode_with_networks;
mod secret_without_source;
mod undefined_config;
mod undefined_network;
mod undefined_secret;
mod undefined_service;
mod undefined_volume;

// What compose misses: runtime clashes, missing build inputs, security
// (BL4020-BL4029).
mod docker_socket_mount;
mod duplicate_published_port;
mod host_namespace;
mod image_tag_not_pinned;
mod missing_build_context;
mod missing_dockerfile;
mod obsolete_version;
mod privileged_service;
mod unbound_port;

// dclint's rules not covered above; its style rules are off by default
// (BL4030-BL4049).
mod build_and_image;
mod invalid_container_name;
mod missing_project_name;
mod quoted_volume;
mod service_key_order;
mod top_level_key_order;
mod unquoted_port;
mod unsorted_dependencies;
mod unsorted_ports;
mod unsorted_services;

// Stack mode: `docker stack deploy`, and what `buildlint build` applies
// (BL4050-BL4059).
mod build_key_not_applied;
mod stack_build_without_image;
mod stack_unsupported_key;
mod stack_version;

pub use stack_version::RULE as STACK_VERSION;

pub static RULES: &[&Rule] = &[
    &undefined_network::RULE,
    &undefined_volume::RULE,
    &undefined_secret::RULE,
    &undefined_config::RULE,
    &undefined_service::RULE,
    &dependency_cycle::RULE,
    &container_name_with_replicas::RULE,
    &duplicate_container_name::RULE,
    &network_mode_with_networks::RULE,
    &missing_env_file::RULE,
    &missing_image_and_build::RULE,
    &duplicate_mount_target::RULE,
    &conflicting_scale::RULE,
    &secret_without_source::RULE,
    &duplicate_published_port::RULE,
    &missing_build_context::RULE,
    &missing_dockerfile::RULE,
    &unbound_port::RULE,
    &image_tag_not_pinned::RULE,
    &obsolete_version::RULE,
    &privileged_service::RULE,
    &docker_socket_mount::RULE,
    &host_namespace::RULE,
    &build_and_image::RULE,
    &missing_project_name::RULE,
    &unquoted_port::RULE,
    &invalid_container_name::RULE,
    &quoted_volume::RULE,
    &unsorted_dependencies::RULE,
    &service_key_order::RULE,
    &unsorted_ports::RULE,
    &unsorted_services::RULE,
    &top_level_key_order::RULE,
    &stack_unsupported_key::RULE,
    &stack_build_without_image::RULE,
    &stack_version::RULE,
    &build_key_not_applied::RULE,
];

#[cfg(test)]
mod pages {
    use crate::lint::registry;
    use crate::lint::stack::testing::{lint_case, page_cases, underlined};

    /// Every page whose examples are compose files: the Example blocks fire
    /// the rule, the Use-instead blocks do not.
    #[test]
    fn yaml_examples_on_rule_pages() {
        let mut checked = 0;
        for rule in registry::all() {
            if !rule.doc.contains("```yaml") {
                continue;
            }
            let (fire, quiet) = page_cases(rule.doc);
            assert!(!fire.is_empty(), "{}: no Example block", rule.code);
            assert!(!quiet.is_empty(), "{}: no Use-instead block", rule.code);
            for case in &fire {
                let f = lint_case(rule, case);
                assert!(
                    !f.is_empty(),
                    "{} does not fire on its example:\n{}",
                    rule.code,
                    case.yaml
                );
            }
            for case in &quiet {
                let f = lint_case(rule, case);
                assert!(
                    f.is_empty(),
                    "{} fires on its Use-instead block:\n{}\n{:?}",
                    rule.code,
                    case.yaml,
                    underlined(&f)
                );
            }
            checked += 1;
        }
        assert!(checked >= 40, "only {checked} pages with compose examples");
    }
}
