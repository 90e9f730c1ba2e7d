//! A directory of the context swapped for a symlink to `/etc` while the
//! context is read: no reader (the tar, the digest, the file listing the
//! BuildKit session sends, the context rules' view) may return a byte or a
//! name from the host. A run may fail (the context changed under it); it may
//! never read through the link.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use buildlint::context::{ContextFs, ContextPlan, Meta, OsFs, PlanOptions, TarOptions};
use buildlint::lint::context_view::{ContextView, DirContext};

const MARK: &[u8] = b"ctx:";
const FILES: usize = 600;

/// Every name and byte the readers return, checked against the context.
struct Watching {
    inner: OsFs,
    names: Arc<HashSet<Vec<u8>>>,
    leaks: Mutex<Vec<String>>,
}

impl Watching {
    fn leak(&self, what: String) {
        self.leaks.lock().unwrap().push(what);
    }
}

impl ContextFs for Watching {
    fn root(&self) -> &Path {
        self.inner.root()
    }
    fn read_dir(&self, rel: &[u8]) -> io::Result<Vec<(Vec<u8>, Meta)>> {
        let list = self.inner.read_dir(rel)?;
        for (name, _) in &list {
            if !self.names.contains(name) {
                self.leak(format!(
                    "listed {} in {}",
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(rel)
                ));
            }
        }
        Ok(list)
    }
    fn lstat(&self, rel: &[u8]) -> io::Result<Meta> {
        self.inner.lstat(rel)
    }
    fn read_link(&self, rel: &[u8]) -> io::Result<Vec<u8>> {
        self.inner.read_link(rel)
    }
    fn open(&self, rel: &[u8]) -> io::Result<Box<dyn Read + Send>> {
        let mut data = Vec::new();
        self.inner.open(rel)?.read_to_end(&mut data)?;
        if !data.starts_with(MARK) {
            self.leak(format!(
                "read {} bytes of {} not from the context",
                data.len(),
                String::from_utf8_lossy(rel)
            ));
        }
        Ok(Box::new(io::Cursor::new(data)))
    }
    // The tar's read-ahead opens files through their directory's handle.
    fn read_files(&self, files: &[(&[u8], u64)], each: &mut dyn FnMut(usize, io::Result<Vec<u8>>)) {
        self.inner.read_files(files, &mut |i, read| {
            if let Ok(data) = &read {
                if !data.starts_with(MARK) {
                    self.leak(format!(
                        "read {} bytes of {} not from the context",
                        data.len(),
                        String::from_utf8_lossy(files[i].0)
                    ));
                }
            }
            each(i, read)
        });
    }
}

/// A context whose directory `etc` holds files named like the host's.
fn context() -> (tempfile::TempDir, HashSet<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let mut names: HashSet<Vec<u8>> = HashSet::new();
    let write = |rel: &str, names: &mut HashSet<Vec<u8>>| {
        let p = dir.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, [MARK, rel.as_bytes()].concat()).unwrap();
        names.insert(p.file_name().unwrap().as_encoded_bytes().to_vec());
    };
    write("Dockerfile", &mut names);
    fs::write(
        dir.path().join("Dockerfile"),
        b"ctx:\nFROM scratch\nCOPY . /\n",
    )
    .unwrap();
    write("a.txt", &mut names);
    for i in 0..FILES {
        write(&format!("etc/f{i:04}"), &mut names);
    }
    for host in ["passwd", "hostname", "hosts", "group"] {
        write(&format!("etc/{host}"), &mut names);
    }
    write("etc/sub/passwd", &mut names);
    for n in ["etc", "etc.real", "sub"] {
        names.insert(n.as_bytes().to_vec());
    }
    (dir, names)
}

/// Swaps `etc` for a symlink to `/etc` and back every couple of milliseconds.
fn swapper(root: PathBuf, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let (dir, real) = (root.join("etc"), root.join("etc.real"));
        let mut swaps = 0;
        while !stop.load(Ordering::Relaxed) {
            fs::rename(&dir, &real).unwrap();
            std::os::unix::fs::symlink("/etc", &dir).unwrap();
            std::thread::sleep(Duration::from_millis(2));
            fs::remove_file(&dir).unwrap();
            fs::rename(&real, &dir).unwrap();
            std::thread::sleep(Duration::from_millis(1));
            swaps += 1;
        }
        swaps
    })
}

/// The regular files of a tar whose content is not the context's.
fn foreign_in_tar(tar: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut archive = tar::Archive::new(tar);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let path = entry.path().unwrap().display().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if !data.starts_with(MARK) {
            out.push(path);
        }
    }
    out
}

#[test]
fn no_host_byte_through_a_directory_swapped_for_a_symlink() {
    let (dir, names) = context();
    let names = Arc::new(names);
    let root = dir.path().to_path_buf();
    let stop = Arc::new(AtomicBool::new(false));
    let swaps = swapper(root.clone(), stop.clone());
    let (mut planned, mut tars, mut digests) = (0, 0, 0);
    let mut leaks = Vec::new();
    for round in 0..150 {
        let fs = Arc::new(Watching {
            inner: OsFs::new(&root),
            names: names.clone(),
            leaks: Mutex::new(Vec::new()),
        });
        let opts = PlanOptions {
            prune: false,
            fs: Some(fs.clone()),
            ..PlanOptions::default()
        };
        if let Ok(plan) = ContextPlan::new(&root, Path::new("Dockerfile"), None, &opts) {
            planned += 1;
            if round % 2 == 0 {
                let mut tar = Vec::new();
                if plan.write_tar(&mut tar, &TarOptions::default()).is_ok() {
                    tars += 1;
                    leaks.extend(foreign_in_tar(&tar));
                }
            } else if plan.digest().is_ok() {
                digests += 1;
            }
        }
        leaks.extend(fs.leaks.lock().unwrap().drain(..));

        // The context rules' view, on the same swapping tree.
        let view = DirContext::new(root.clone(), None);
        for (name, _) in view.list_dir("etc") {
            if !names.contains(name.as_bytes()) {
                leaks.push(format!("the rules' view listed etc/{name}"));
            }
        }
        for path in ["etc/passwd", "etc/sub/passwd", "etc/hostname"] {
            if let Some(head) = view.head(path, 64) {
                if !head.starts_with(MARK) {
                    leaks.push(format!("the rules' view read {path} from the host"));
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swaps.join().unwrap();
    assert!(swaps > 20, "the swap loop ran only {swaps} times");
    // Runs may all fail while the tree keeps changing (a loaded machine);
    // once it stops, the same readers must work and read only the context.
    let fs = Arc::new(Watching {
        inner: OsFs::new(&root),
        names: names.clone(),
        leaks: Mutex::new(Vec::new()),
    });
    let opts = PlanOptions {
        prune: false,
        fs: Some(fs.clone()),
        ..PlanOptions::default()
    };
    let plan = ContextPlan::new(&root, Path::new("Dockerfile"), None, &opts).unwrap();
    let mut tar = Vec::new();
    plan.write_tar(&mut tar, &TarOptions::default()).unwrap();
    plan.digest().unwrap();
    leaks.extend(foreign_in_tar(&tar));
    leaks.extend(fs.leaks.lock().unwrap().drain(..));
    eprintln!("{planned} plans, {tars} tars, {digests} digests completed during {swaps} swaps");
    assert!(
        leaks.is_empty(),
        "{} host reads in 150 rounds ({swaps} swaps), first: {:?}",
        leaks.len(),
        &leaks[..leaks.len().min(5)]
    );
}
