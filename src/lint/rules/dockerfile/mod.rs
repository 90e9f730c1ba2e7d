//! BL1xxx: rules that read Dockerfile instructions.

use crate::lint::Rule;

#[cfg(test)]
pub(crate) mod corpus;

// BuildKit's build checks and the base-image tag rules (BL1001-BL1049).
mod latest_base_image_tag;

pub static RULES: &[&Rule] = &[&latest_base_image_tag::RULE];

// hadolint's instruction rules and the security rules (BL1100-BL1199).

pub static RULES_MORE: &[&Rule] = &[];
