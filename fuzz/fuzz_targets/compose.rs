//! Any bytes as a compose file, and generated nested ones: loading (YAML,
//! interpolation, merge, schema) gives a project or problems, never a panic.
#![no_main]

use std::collections::BTreeMap;
use std::path::PathBuf;

use buildlint::compose::load::{load_with_overlay, LoadOptions};
use libfuzzer_sys::fuzz_target;

#[path = "nested.rs"]
mod nested;

fuzz_target!(|data: &[u8]| {
    let text = match nested::shape(data) {
        Some((depth, width, leaf)) => nested::compose(depth, width, &leaf),
        None => String::from_utf8_lossy(data).into_owned(),
    };
    let dir = PathBuf::from("/nonexistent-buildlint-fuzz");
    let file = dir.join("compose.yaml");
    let opts = LoadOptions {
        files: vec![file.clone()],
        working_dir: Some(dir),
        environment: BTreeMap::from([("X".to_string(), "x".to_string())]),
        ..LoadOptions::default()
    };
    let overlay = BTreeMap::from([(file, text)]);
    let _ = load_with_overlay(&opts, &overlay);
});
