//! The tar stream and the digest: links, special files, unreadable files,
//! big files, long names, determinism.

use std::ffi::CString;
use std::fs;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use buildlint::context::{ContextFs, ContextPlan, Meta, OsFs, PackError, PlanOptions, TarOptions};

fn write(root: &Path, rel: &str, body: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, body).unwrap();
}

fn parse(text: &str) -> buildlint::dockerfile::Dockerfile {
    buildlint::dockerfile::parse(text.to_string()).expect("test Dockerfile parses")
}

fn plan_with(root: &Path, dockerfile: &str, opts: PlanOptions<'_>) -> ContextPlan {
    // Rewriting the same bytes would move the Dockerfile's mtime, which the
    // tar keeps: two plans of one tree must see the same file.
    if fs::read(root.join("Dockerfile")).ok().as_deref() != Some(dockerfile.as_bytes()) {
        write(root, "Dockerfile", dockerfile.as_bytes());
    }
    let df = parse(dockerfile);
    ContextPlan::new(root, Path::new("Dockerfile"), Some(&df), &opts).expect("plan")
}

fn plan(root: &Path, dockerfile: &str) -> ContextPlan {
    plan_with(root, dockerfile, PlanOptions::default())
}

fn tar_bytes(plan: &ContextPlan, opts: &TarOptions) -> Vec<u8> {
    let mut out = Vec::new();
    plan.write_tar(&mut out, opts).expect("tar");
    out
}

struct Listed {
    name: String,
    kind: tar::EntryType,
    mode: u32,
    mtime: u64,
    uid: u64,
    gid: u64,
    uname: Vec<u8>,
    link: Option<String>,
    data: Vec<u8>,
}

fn list(bytes: &[u8]) -> Vec<Listed> {
    let mut ar = tar::Archive::new(bytes);
    let mut out = Vec::new();
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let h = e.header().clone();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        out.push(Listed {
            name: e.path().unwrap().to_string_lossy().into_owned(),
            kind: h.entry_type(),
            mode: h.mode().unwrap(),
            mtime: h.mtime().unwrap(),
            uid: h.uid().unwrap(),
            gid: h.gid().unwrap(),
            uname: h.username_bytes().unwrap_or_default().to_vec(),
            link: e
                .link_name()
                .unwrap()
                .map(|l| l.to_string_lossy().into_owned()),
            data,
        });
    }
    out
}

fn set_mtime(path: &Path, secs: u64) {
    let f = fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

#[test]
fn links_specials_modes_and_order() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "app/run.sh", b"#!/bin/sh\necho hi\n");
    fs::set_permissions(r.join("app/run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    set_mtime(&r.join("app/run.sh"), 1_600_000_000);
    write(r, "data/a.txt", b"same inode\n");
    fs::hard_link(r.join("data/a.txt"), r.join("data/b.txt")).unwrap();
    fs::create_dir_all(r.join("empty/dir")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", r.join("leak")).unwrap();
    std::os::unix::fs::symlink("../data/a.txt", r.join("app/a-link")).unwrap();
    mkfifo(&r.join("pipe"));

    let p = plan(r, "FROM scratch\nCOPY . /\n");
    fn send_sync<T: Send + Sync>(_: &T) {}
    send_sync(&p);
    assert_eq!(p.skipped().len(), 1, "the fifo is skipped");
    assert_eq!(p.skipped()[0].path, "pipe");
    let bytes = tar_bytes(&p, &TarOptions::default());
    assert_eq!(p.tar_size(), bytes.len() as u64);
    let entries = list(&bytes);
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "Dockerfile",
            "app/",
            "app/a-link",
            "app/run.sh",
            "data/",
            "data/a.txt",
            "data/b.txt",
            "empty/",
            "empty/dir/",
            "leak",
        ]
    );
    let by = |n: &str| entries.iter().find(|e| e.name == n).unwrap();
    // The symlink is a link: no byte of /etc/passwd.
    let leak = by("leak");
    assert_eq!(leak.kind, tar::EntryType::Symlink);
    assert_eq!(leak.link.as_deref(), Some("/etc/passwd"));
    assert!(leak.data.is_empty());
    let passwd = fs::read("/etc/passwd").unwrap();
    assert!(
        !bytes
            .windows(passwd.len().min(64))
            .any(|w| w == &passwd[..passwd.len().min(64)]),
        "the tar holds /etc/passwd content"
    );
    // Hard link to the first path.
    let b = by("data/b.txt");
    assert_eq!(b.kind, tar::EntryType::Link);
    assert_eq!(b.link.as_deref(), Some("data/a.txt"));
    assert_eq!(by("data/a.txt").data, b"same inode\n");
    // Modes and mtimes kept; owners zeroed.
    let run = by("app/run.sh");
    assert_eq!(run.mode & 0o7777, 0o755);
    assert_eq!(run.mtime, 1_600_000_000);
    for e in &entries {
        assert_eq!((e.uid, e.gid), (0, 0), "{}", e.name);
        assert!(e.uname.is_empty(), "{}", e.name);
    }
    assert_eq!(by("empty/dir/").kind, tar::EntryType::Directory);

    // --reproducible clamps mtimes.
    let clamped = list(&tar_bytes(
        &p,
        &TarOptions {
            mtime_clamp: Some(1_000_000_000),
            ..TarOptions::default()
        },
    ));
    assert!(clamped.iter().all(|e| e.mtime <= 1_000_000_000));
    assert_eq!(
        clamped
            .iter()
            .find(|e| e.name == "app/run.sh")
            .unwrap()
            .mtime,
        1_000_000_000
    );
}

#[test]
fn two_runs_are_byte_identical_and_touch_changes_no_digest() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    for i in 0..300 {
        write(
            r,
            &format!("src/m{:03}/f{i}.txt", i % 17),
            format!("{i}\n").repeat(i).as_bytes(),
        );
    }
    write(r, "big.bin", &vec![7u8; 3 << 20]);
    let df = "FROM scratch\nCOPY . /\n";
    let a = tar_bytes(&plan(r, df), &TarOptions::default());
    let b = tar_bytes(&plan(r, df), &TarOptions::default());
    assert_eq!(a, b);
    let gz = TarOptions {
        gzip: Some(1),
        ..TarOptions::default()
    };
    assert_eq!(tar_bytes(&plan(r, df), &gz), tar_bytes(&plan(r, df), &gz));

    let p = plan(r, df);
    let d1 = p.digest().unwrap();
    let mut sink = Vec::new();
    let stats = p.write_tar(&mut sink, &TarOptions::default()).unwrap();
    assert_eq!(
        stats.digest, d1,
        "the digest while packing equals the standalone one"
    );
    set_mtime(&r.join("src/m003/f3.txt"), 1_234_567_890);
    let p2 = plan(r, df);
    assert_eq!(p2.digest().unwrap(), d1, "touch changed the digest");
    assert_ne!(
        tar_bytes(&p2, &TarOptions::default()),
        a,
        "the tar keeps mtimes"
    );
    fs::set_permissions(r.join("src/m003/f3.txt"), fs::Permissions::from_mode(0o600)).unwrap();
    assert_ne!(
        plan(r, df).digest().unwrap(),
        d1,
        "chmod must change the digest"
    );
    // The Dockerfile's bytes are not part of the digest when ignored.
    write(r, ".dockerignore", b"Dockerfile\n.dockerignore\n");
    let d3 = plan(r, df).digest().unwrap();
    let p4 = plan(r, "FROM scratch\n# a comment\nCOPY . /\n");
    assert_eq!(p4.digest().unwrap(), d3);
    // ...but it is still sent, for the daemon.
    let names: Vec<String> = list(&tar_bytes(&p4, &TarOptions::default()))
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(names.contains(&"Dockerfile".to_string()));
    assert!(names.contains(&".dockerignore".to_string()));
}

/// More read-ahead batches than the writer lets the readers hold (files
/// pass from the readers to the writer in batches of up to 128 files or
/// 1 MiB, 32 batches ahead at most), with big files, symlinks and hard links
/// between them: the same bytes whatever the number of reader threads, every
/// file's content where it belongs, links kept as links.
#[test]
fn many_batches_are_byte_identical_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    for i in 0..5000 {
        write(
            r,
            &format!("d{:02}/f{i:04}", i % 23),
            format!("file {i}\n").repeat(i % 7).as_bytes(),
        );
    }
    for i in 0..40 {
        write(r, &format!("d05/mid{i:02}.bin"), &vec![i as u8; 300 << 10]);
    }
    write(r, "d07/huge.bin", &vec![9u8; (1 << 20) + 1]);
    std::os::unix::fs::symlink("f0007", r.join("d07/link")).unwrap();
    fs::hard_link(r.join("d03/f0003"), r.join("d03/hard")).unwrap();
    let df = "FROM scratch\nCOPY . /\n";
    let p = plan(r, df);
    let with = |threads| {
        tar_bytes(
            &p,
            &TarOptions {
                threads,
                ..TarOptions::default()
            },
        )
    };
    let one = with(1);
    for threads in [2, 3, 8] {
        assert!(one == with(threads), "{threads} threads wrote other bytes");
    }
    assert!(one == with(2), "a second run wrote other bytes");
    let listed = list(&one);
    let mut files = 0;
    for e in &listed {
        match e.kind {
            tar::EntryType::Regular => {
                assert_eq!(e.data, fs::read(r.join(&e.name)).unwrap(), "{}", e.name);
                files += 1;
            }
            tar::EntryType::Symlink => {
                assert_eq!(
                    (e.name.as_str(), e.link.as_deref()),
                    ("d07/link", Some("f0007"))
                )
            }
            tar::EntryType::Link => assert!(
                matches!(
                    (e.name.as_str(), e.link.as_deref()),
                    ("d03/hard", Some("d03/f0003")) | ("d03/f0003", Some("d03/hard"))
                ),
                "{} -> {:?}",
                e.name,
                e.link
            ),
            _ => {}
        }
    }
    assert_eq!(files, 5000 + 40 + 1 + 1, "the Dockerfile, the files");
    assert_eq!(
        listed
            .iter()
            .filter(|e| e.kind == tar::EntryType::Link)
            .count(),
        1
    );
}

#[test]
fn long_and_non_ascii_names_survive_gnu_tar() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let long_dir = "d".repeat(120);
    let long_file = format!("{long_dir}/{}", "f".repeat(150));
    let split_ok = format!("{}/{}", "p".repeat(90), "n".repeat(90));
    write(r, &long_file, b"long\n");
    write(r, &split_ok, b"split\n");
    write(r, "größe/naïve.txt", b"utf8\n");
    std::os::unix::fs::symlink("t".repeat(130), r.join("longlink")).unwrap();
    let p = plan(r, "FROM scratch\nCOPY . /\n");
    let bytes = tar_bytes(&p, &TarOptions::default());
    assert_eq!(
        p.tar_size(),
        bytes.len() as u64,
        "predicted size with PAX headers"
    );
    let tmp = tempfile::NamedTempFile::new().unwrap();
    fs::write(tmp.path(), &bytes).unwrap();
    let out = std::process::Command::new("tar")
        .arg("-tvf")
        .arg(tmp.path())
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("GNU tar runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8_lossy(&out.stdout);
    for want in [long_file.as_str(), split_ok.as_str(), "größe/naïve.txt"] {
        assert!(
            listing.contains(want),
            "GNU tar does not list {want}:\n{listing}"
        );
    }
    assert!(
        listing.contains(&format!("longlink -> {}", "t".repeat(130))),
        "{listing}"
    );
    // And the tar crate agrees.
    let names: Vec<String> = list(&bytes).into_iter().map(|e| e.name).collect();
    assert!(names.contains(&long_file));
    assert!(names.contains(&"größe/naïve.txt".to_string()));
}

/// A filesystem that refuses to open one path (as `chmod 000` would for a
/// user other than root).
struct Deny {
    inner: OsFs,
    path: &'static [u8],
}

impl ContextFs for Deny {
    fn root(&self) -> &Path {
        self.inner.root()
    }
    fn read_dir(&self, rel: &[u8]) -> io::Result<Vec<(Vec<u8>, Meta)>> {
        self.inner.read_dir(rel)
    }
    fn lstat(&self, rel: &[u8]) -> io::Result<Meta> {
        self.inner.lstat(rel)
    }
    fn read_link(&self, rel: &[u8]) -> io::Result<Vec<u8>> {
        self.inner.read_link(rel)
    }
    fn open(&self, rel: &[u8]) -> io::Result<Box<dyn Read + Send>> {
        if rel == self.path {
            return Err(io::Error::from(io::ErrorKind::PermissionDenied));
        }
        self.inner.open(rel)
    }
}

#[test]
fn unreadable_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    for i in 0..50 {
        write(r, &format!("ok/{i}.txt"), b"fine\n");
    }
    write(r, "ok/secret.key", b"nope\n");
    write(r, "big/huge.bin", &vec![1u8; 2 << 20]);
    for denied in [&b"ok/secret.key"[..], &b"big/huge.bin"[..]] {
        let opts = PlanOptions {
            fs: Some(Arc::new(Deny {
                inner: OsFs::new(r),
                path: denied,
            })),
            ..PlanOptions::default()
        };
        let p = plan_with(r, "FROM scratch\nCOPY . /\n", opts);
        let err = p.write_tar(io::sink(), &TarOptions::default()).unwrap_err();
        let msg = err.to_string();
        let name = String::from_utf8_lossy(denied);
        assert!(matches!(err, PackError::Read { .. }), "{msg}");
        assert!(msg.contains(&*name), "{msg}");
        assert!(msg.contains("ermission denied"), "{msg}");
        let err = p.digest().unwrap_err().to_string();
        assert!(err.contains(&*name), "{err}");
    }
}

/// The same with a real `chmod 000`, as an unprivileged user (root reads
/// anything): the test re-runs itself through `setpriv`, and the run that
/// finds `BUILDLINT_UNREADABLE_DIR` set does the packing.
#[test]
fn unreadable_file_as_another_user() {
    if let Ok(dir) = std::env::var("BUILDLINT_UNREADABLE_DIR") {
        let r = PathBuf::from(dir);
        let df = parse("FROM scratch\nCOPY . /\n");
        let p = ContextPlan::new(
            &r,
            Path::new("Dockerfile"),
            Some(&df),
            &PlanOptions::default(),
        )
        .unwrap();
        let err = p.write_tar(io::sink(), &TarOptions::default()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("locked.txt") && msg.contains("ermission denied"),
            "{msg}"
        );
        println!("UNREADABLE-OK: {msg}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "Dockerfile", b"FROM scratch\nCOPY . /\n");
    write(r, "fine.txt", b"ok\n");
    write(r, "locked.txt", b"secret\n");
    fs::set_permissions(r, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(r.join("locked.txt"), fs::Permissions::from_mode(0o000)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let is_root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if is_root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe);
        c
    } else {
        std::process::Command::new(&exe)
    };
    let out = cmd
        .args(["--exact", "unreadable_file_as_another_user", "--nocapture"])
        .env("BUILDLINT_UNREADABLE_DIR", r)
        .output()
        .expect("setpriv runs (util-linux)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("UNREADABLE-OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 9 GiB sparse file: PAX size, every byte streamed, memory bounded.
#[test]
fn nine_gib_sparse_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let size: u64 = 9 << 30;
    let f = fs::File::create(r.join("huge.img")).unwrap();
    f.set_len(size).unwrap();
    use std::os::unix::fs::FileExt;
    f.write_at(b"HEAD", 0).unwrap();
    f.write_at(b"TAIL", size - 4).unwrap();
    drop(f);
    write(r, "after.txt", b"after\n");
    let p = plan(r, "FROM scratch\nCOPY . /\n");

    let (reader, writer) = io::pipe().unwrap();
    // A bigger pipe: fewer switches between the two threads.
    {
        use std::os::fd::AsRawFd;
        unsafe { libc::fcntl(writer.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
    }
    let opts = TarOptions {
        skip_digest: true,
        ..TarOptions::default()
    };
    let total = std::thread::scope(|s| {
        let h = s.spawn(|| {
            let mut w = writer;
            p.write_tar(&mut w, &opts)
        });
        let mut ar = tar::Archive::new(reader);
        let mut seen = Vec::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            if name == "huge.img" {
                assert_eq!(e.header().entry_size().unwrap(), size);
                let mut head = [0u8; 4];
                e.read_exact(&mut head).unwrap();
                assert_eq!(&head, b"HEAD");
                let mut buf = vec![0u8; 1 << 20];
                let mut n = 4u64;
                let mut last = Vec::new();
                loop {
                    let k = e.read(&mut buf).unwrap();
                    if k == 0 {
                        break;
                    }
                    n += k as u64;
                    last = buf[..k].to_vec();
                }
                assert_eq!(n, size);
                assert!(last.ends_with(b"TAIL"));
            }
            seen.push(name);
        }
        assert_eq!(seen, vec!["Dockerfile", "after.txt", "huge.img"]);
        h.join().unwrap().unwrap()
    });
    assert_eq!(total.content_bytes, size + 6 + 22);
}

#[test]
fn pruning_follows_symlinks_inside_the_context() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "app/main.py", b"print(1)\n");
    write(r, "shared/config.yml", b"a: 1\n");
    write(r, "shared/other.yml", b"b: 2\n");
    write(r, "unrelated/x", b"x\n");
    std::os::unix::fs::symlink("../shared/config.yml", r.join("app/config.yml")).unwrap();
    std::os::unix::fs::symlink("/shared/other.yml", r.join("app/abs.yml")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", r.join("app/passwd")).unwrap();
    let p = plan(r, "FROM scratch\nCOPY app /app\n");
    let names: Vec<&str> = p.files().iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "Dockerfile",
            "app",
            "app/abs.yml",
            "app/config.yml",
            "app/main.py",
            "app/passwd",
            "shared",
            "shared/config.yml",
            "shared/other.yml",
        ]
    );
}

#[test]
fn dockerfile_outside_the_context_is_injected() {
    let ctx = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    write(ctx.path(), "a.txt", b"a\n");
    let text = "FROM scratch\nCOPY a.txt /\n";
    write(other.path(), "build.Dockerfile", text.as_bytes());
    let df = parse(text);
    let p = ContextPlan::new(
        ctx.path(),
        &other.path().join("build.Dockerfile"),
        Some(&df),
        &PlanOptions::default(),
    )
    .unwrap();
    assert!(p.dockerfile_name().starts_with(".dockerfile."));
    let entries = list(&tar_bytes(&p, &TarOptions::default()));
    assert_eq!(entries[0].name, p.dockerfile_name());
    assert_eq!(entries[0].data, text.as_bytes());
    assert_eq!(entries[1].name, "a.txt");
}
