//! Inputs a careless user or an attacker hands the binary: a FIFO nobody
//! writes to, a pipe, a directory where a file belongs.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary; a run still going after a minute is killed and fails
/// the test (a FIFO used to block `open()` forever).
fn run(args: &[&str], cwd: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_buildlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("buildlint {args:?} still running after a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

#[test]
fn a_fifo_with_no_writer_is_refused_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("Dockerfile"));
    for args in [
        &["check", "Dockerfile"][..],
        &["check", "-f", "Dockerfile"],
        &["context", "ls", "-f", "Dockerfile", "."],
    ] {
        let out = run(args, dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stdout}{stderr}");
        assert!(
            format!("{stdout}{stderr}").contains("no writer"),
            "{args:?}: {stdout}{stderr}"
        );
    }
}

#[test]
fn a_pipe_with_a_writer_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nMAINTAINER me\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_buildlint");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("'{bin}' check -f <(cat Dockerfile)"))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("MAINTAINER"), "{text}");
}

/// An escape sequence in an instruction name reaches the terminal as
/// visible text in human output; JSON keeps the exact bytes.
#[test]
fn escape_sequences_in_files_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let title = "\u{1b}]0;owned\u{7}";
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM scratch\nRUN{title} x\n"),
    )
    .unwrap();
    for format in ["human", "compact"] {
        let out = run(&["check", "--format", format, "Dockerfile"], dir.path());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{format}: {text:?}"
        );
        assert!(
            text.contains("\u{241b}]0;owned\u{2407}"),
            "{format}: {text}"
        );
    }
    let out = run(&["check", "--format", "json", "Dockerfile"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json.to_string().contains("\\u001b]0;owned\\u0007"),
        "{json}"
    );
}

/// `build` and `check` agree: an unreadable Dockerfile (a directory, a
/// symlink loop) is "could not run", exit 2, for both.
#[test]
fn an_unreadable_dockerfile_exits_2_in_check_and_build() {
    let dir = tempfile::tempdir().unwrap();
    let as_dir = dir.path().join("dir");
    std::fs::create_dir_all(as_dir.join("Dockerfile")).unwrap();
    let looped = dir.path().join("loop");
    std::fs::create_dir_all(&looped).unwrap();
    std::os::unix::fs::symlink("Dockerfile", looped.join("Dockerfile")).unwrap();
    for ctx in [&as_dir, &looped] {
        for args in [
            &["check", "-f", "Dockerfile"][..],
            &[
                "build",
                "--no-cache",
                "--progress",
                "plain",
                "-f",
                "Dockerfile",
                ".",
            ],
        ] {
            let out = run(args, ctx);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{args:?} in {}: {}{}",
                ctx.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// A file of comments only is reported on a line it has.
#[test]
fn a_comments_only_file_is_reported_inside_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "# one\n# two\n").unwrap();
    let out = run(&["check", "--format", "json", "Dockerfile"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"]
        .as_array()
        .or(json.as_array())
        .cloned()
        .unwrap_or_default();
    assert!(!findings.is_empty(), "{json}");
    for f in findings {
        let line = f["line"].as_u64().unwrap();
        assert!((1..=2).contains(&line), "{f}");
    }
}
