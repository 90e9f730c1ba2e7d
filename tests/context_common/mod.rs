//! Helpers shared by the context tests.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use buildlint::context::{plan_unpruned, FileKind};

pub fn corpus() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for c in [
        manifest.join("../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ] {
        if c.join("awesome-compose").is_dir() {
            return c;
        }
    }
    panic!("the shared corpus is missing (expected ../shared/corpus beside the repository)");
}

/// Files whose fate the samples' patterns decide, in places where
/// gitignore would decide differently.
pub const DECOYS: &[&str] = &[
    "node_modules/pkg/index.js",
    "web/node_modules/pkg/index.js",
    "build/out.js",
    "src/build/kept.js",
    "target/release/app",
    "sub/target/kept",
    "npm-debug.log",
    "logs/npm-debug.log",
    ".git/HEAD",
    "sub/.git/HEAD",
    ".DS_Store",
    "sub/.DS_Store",
    "Cargo.lock",
    "sub/Cargo.lock",
];

pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        if t.is_dir() {
            copy_tree(&e.path(), &dest);
        } else if t.is_file() {
            fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Every directory of the corpus's awesome-compose holding a Dockerfile.
pub fn build_contexts() -> Vec<PathBuf> {
    fn find(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                find(&p, out);
            } else if e.file_name() == "Dockerfile" {
                out.push(dir.to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    find(&corpus().join("awesome-compose"), &mut out);
    out
}

pub fn with_decoys(src: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(src, tmp.path());
    for d in DECOYS {
        let p = tmp.path().join(d);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, b"decoy\n").unwrap();
    }
    tmp
}

pub fn plan_set(root: &Path) -> BTreeSet<String> {
    let plan = plan_unpruned(root, Path::new("Dockerfile")).expect("plan");
    plan.files()
        .iter()
        .filter(|e| matches!(e.meta.kind, FileKind::File | FileKind::Symlink))
        .map(|e| e.path.clone())
        .collect()
}
