//! Any bytes as a Dockerfile, and generated nested ones: `check` (parse and
//! every rule, with no context) returns findings, never panics or overflows.
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use buildlint::lint::config::Settings;
use buildlint::lint::context_view::MemoryContext;
use buildlint::lint::driver::lint_bytes;
use buildlint::lint::semantic::NoImages;
use libfuzzer_sys::fuzz_target;

#[path = "nested.rs"]
mod nested;

fuzz_target!(|data: &[u8]| {
    let bytes = match nested::shape(data) {
        Some((depth, width, leaf)) => nested::dockerfile(depth, width, &leaf).into_bytes(),
        None => data.to_vec(),
    };
    let context = MemoryContext::new().with_path("x");
    let _ = lint_bytes(
        Path::new("Dockerfile"),
        bytes,
        &context,
        true,
        &Settings::default(),
        &BTreeMap::new(),
        None,
        None,
        &NoImages,
    );
});
