//! Any bytes as a bake file (HCL, or JSON when the first byte is odd), and
//! generated nested ones: loading, evaluating and resolving every target
//! gives a configuration or problems, never a panic.
#![no_main]

use std::collections::BTreeMap;
use std::path::PathBuf;

use buildlint::bake::resolve::{load, resolve, LoadOptions};
use libfuzzer_sys::fuzz_target;

#[path = "nested.rs"]
mod nested;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let json = first & 1 == 1;
    let text = match nested::shape(rest) {
        Some((depth, width, leaf)) => nested::bake(depth, width, &leaf, json),
        None => String::from_utf8_lossy(rest).into_owned(),
    };
    let dir = PathBuf::from("/nonexistent-buildlint-fuzz");
    let file = dir.join(if json { "docker-bake.json" } else { "docker-bake.hcl" });
    let opts = LoadOptions {
        files: vec![file.clone()],
        working_dir: Some(dir),
        environment: BTreeMap::from([("V".to_string(), "v".to_string())]),
        overlay: BTreeMap::from([(file, text)]),
    };
    let loaded = load(&opts);
    let mut names: Vec<String> = loaded.config.targets.iter().map(|t| t.name.clone()).collect();
    names.extend(loaded.config.groups.iter().map(|g| g.name.clone()));
    names.truncate(16);
    let _ = resolve(&loaded.config, &names, &[]);
});
