//! The bake file names buildx reads when no `-f` is given, in its order.

use std::path::{Path, PathBuf};

/// buildx's default names after the compose files, in reading (and merge)
/// order: later files override earlier ones.
pub const DEFAULT_FILE_NAMES: [&str; 4] = [
    "docker-bake.json",
    "docker-bake.hcl",
    "docker-bake.override.json",
    "docker-bake.override.hcl",
];

/// Whether `path` is named like a bake file (`docker-bake*.hcl`, `*.hcl`
/// next to it, `docker-bake*.json`).
pub fn is_bake_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".hcl") || (lower.starts_with("docker-bake") && lower.ends_with(".json"))
}

/// The default bake files present in `dir`, in buildx's order.
pub fn default_files(dir: &Path) -> Vec<PathBuf> {
    DEFAULT_FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect()
}

/// Whether the file is read as JSON (by its extension, as buildx does).
pub fn is_json(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}
