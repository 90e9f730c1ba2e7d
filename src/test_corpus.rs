//! Test support for every stage: where the shared corpus is (BuildKit's
//! parser and shell tests, its documentation examples, the official images'
//! Dockerfiles, compose files).

use std::path::PathBuf;

/// The corpus directory: `../shared/corpus` beside the repository (as CI
/// lays it out), else `/work/shared/corpus`. Panics when neither exists: a
/// test that needs the corpus must not pass without it.
pub fn corpus_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        manifest.join("../shared/corpus"),
        manifest.join("../../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ];
    candidates
        .iter()
        .find(|p| p.join("SOURCES.md").is_file())
        .cloned()
        .unwrap_or_else(|| panic!("the shared corpus is missing; looked in {candidates:?}"))
}
