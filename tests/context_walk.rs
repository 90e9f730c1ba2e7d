//! The walk: excluded directories are not entered unless an exception could
//! re-include something below them; pruning keeps the walk out of what the
//! build does not read; directory errors name the directory.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use buildlint::context::walk::{walk, All};
use buildlint::context::{ContextFs, ContextPlan, IgnoreFile, Meta, OsFs, PlanOptions};

/// Records every directory read.
struct Counting {
    inner: OsFs,
    read: Mutex<Vec<String>>,
    fail: Option<&'static str>,
}

impl ContextFs for Counting {
    fn root(&self) -> &Path {
        self.inner.root()
    }
    fn read_dir(&self, rel: &[u8]) -> io::Result<Vec<(Vec<u8>, Meta)>> {
        let name = String::from_utf8_lossy(rel).into_owned();
        if self.fail == Some(name.as_str()) {
            return Err(io::Error::from(io::ErrorKind::PermissionDenied));
        }
        self.read.lock().unwrap().push(name);
        self.inner.read_dir(rel)
    }
    fn lstat(&self, rel: &[u8]) -> io::Result<Meta> {
        self.inner.lstat(rel)
    }
    fn read_link(&self, rel: &[u8]) -> io::Result<Vec<u8>> {
        self.inner.read_link(rel)
    }
    fn open(&self, rel: &[u8]) -> io::Result<Box<dyn Read + Send>> {
        self.inner.open(rel)
    }
}

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "node_modules/a/b/c.js",
        "node_modules/keep/x.js",
        "build/out/bin",
        "build/keep.txt",
        "src/main.rs",
        "src/deep/er/lib.rs",
    ] {
        let p = dir.path().join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, f).unwrap();
    }
    dir
}

fn dirs_read(root: &Path, ignore: &str) -> (Vec<String>, Vec<String>) {
    let fs = Counting {
        inner: OsFs::new(root),
        read: Mutex::new(Vec::new()),
        fail: None,
    };
    let ignore = IgnoreFile::parse(ignore).unwrap();
    let res = walk(&fs, Some(&ignore), &All, &HashSet::new()).unwrap();
    let mut read = fs.read.into_inner().unwrap();
    read.sort();
    let files = res
        .entries
        .iter()
        .filter(|e| e.meta.kind == buildlint::context::FileKind::File)
        .map(|e| e.path.clone())
        .collect();
    (read, files)
}

#[test]
fn excluded_directories_are_not_entered() {
    let dir = tree();
    let (read, files) = dirs_read(dir.path(), "node_modules\nbuild\n");
    assert_eq!(read, vec!["", "src", "src/deep", "src/deep/er"]);
    assert_eq!(files, vec!["src/deep/er/lib.rs", "src/main.rs"]);
}

#[test]
fn exceptions_open_only_the_directories_they_can_reach() {
    let dir = tree();
    let (read, files) = dirs_read(dir.path(), "node_modules\nbuild\n!build/keep.txt\n");
    assert!(read.contains(&"build".to_string()));
    assert!(
        !read.iter().any(|d| d.starts_with("node_modules")),
        "{read:?}"
    );
    assert!(!read.contains(&"build/out".to_string()), "{read:?}");
    assert_eq!(
        files,
        vec!["build/keep.txt", "src/deep/er/lib.rs", "src/main.rs"]
    );
    // A wildcard exception can reach anywhere: every excluded directory is read.
    let (read, files) = dirs_read(dir.path(), "*\n!**/x.js\n");
    assert!(read.contains(&"node_modules/keep".to_string()), "{read:?}");
    assert_eq!(files, vec!["node_modules/keep/x.js"]);
}

#[test]
fn pruning_keeps_the_walk_out() {
    let dir = tree();
    let text = "FROM scratch\nCOPY src/main.rs /\n";
    fs::write(dir.path().join("Dockerfile"), text).unwrap();
    let counting = Arc::new(Counting {
        inner: OsFs::new(dir.path()),
        read: Mutex::new(Vec::new()),
        fail: None,
    });
    let df = buildlint::dockerfile::parse(text.to_string()).unwrap();
    let opts = PlanOptions {
        fs: Some(counting.clone()),
        ..PlanOptions::default()
    };
    let plan = ContextPlan::new(dir.path(), Path::new("Dockerfile"), Some(&df), &opts).unwrap();
    let mut read = counting.read.lock().unwrap().clone();
    read.sort();
    assert_eq!(read, vec!["", "src"]);
    let names: Vec<&str> = plan.files().iter().map(|e| e.path.as_str()).collect();
    assert_eq!(names, vec!["Dockerfile", "src", "src/main.rs"]);
}

#[test]
fn an_unreadable_directory_is_an_error_naming_it() {
    let dir = tree();
    fs::write(dir.path().join("Dockerfile"), "FROM scratch\nCOPY . /\n").unwrap();
    let df = buildlint::dockerfile::parse("FROM scratch\nCOPY . /\n".to_string()).unwrap();
    let opts = PlanOptions {
        fs: Some(Arc::new(Counting {
            inner: OsFs::new(dir.path()),
            read: Mutex::new(Vec::new()),
            fail: Some("src/deep"),
        })),
        ..PlanOptions::default()
    };
    let err = ContextPlan::new(dir.path(), Path::new("Dockerfile"), Some(&df), &opts)
        .err()
        .expect("an error");
    let msg = err.to_string();
    assert!(
        msg.contains("src/deep") && msg.contains("ermission denied"),
        "{msg}"
    );
}
