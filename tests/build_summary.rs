//! What `buildlint build` says about a failed build, against the real
//! Docker daemon: the daemon's message once (in a pipe and on a terminal),
//! and how long the build ran before it failed.

mod support;

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};

use support::{base_image, docker_or_skip, Cleanup, Ctx, NO_NETWORK};

/// A stack of one service whose build fails after a second.
fn failing_stack(project: &str) -> Ctx {
    let base = base_image();
    Ctx::new(&[
        (
            "compose.yaml",
            &format!("name: {project}\nservices:\n  slow:\n    build: ./slow\n"),
        ),
        (
            "slow/Dockerfile",
            &format!("FROM {base}\nRUN sleep 1 && echo giving-up && exit 3\n"),
        ),
    ])
}

fn project_name(what: &str) -> String {
    format!("bltestsummary{what}{}", std::process::id())
}

/// BuildKit's words for the failure.
const DAEMON_SAYS: &str = "exit code: 3";

/// The seconds in the `slow` row of the summary table (`1.23` or `1.23s`).
fn slow_seconds(table: &str) -> f64 {
    let row = table
        .lines()
        .find(|l| l.split_whitespace().next() == Some("slow"))
        .unwrap_or_else(|| panic!("no row for `slow` in {table:?}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[2], "failed", "{table}");
    cells[3]
        .trim_end_matches('s')
        .parse()
        .unwrap_or_else(|_| panic!("no time in {row:?}"))
}

#[test]
fn a_failed_build_is_reported_once_with_its_time_in_a_pipe() {
    if !docker_or_skip("a_failed_build_is_reported_once_with_its_time_in_a_pipe") {
        return;
    }
    let project = project_name("pipe");
    let mut clean = Cleanup::default();
    clean.tag(&format!("{project}-slow:latest"));
    let ctx = failing_stack(&project);
    let cache = tempfile::tempdir().unwrap();
    let compose = ctx.path().join("compose.yaml");
    let (code, out, err) = support::buildlint_build(&[
        "--progress",
        "plain",
        "--pull",
        "never",
        "--cache-dir",
        &cache.path().to_string_lossy(),
        "-f",
        &compose.to_string_lossy(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.matches(DAEMON_SAYS).count(), 1, "{err}");
    // Once, in the report that closes the run, with its source line.
    let report = err.find("error: step").expect("a report");
    assert!(err[report..].contains(DAEMON_SAYS), "{err}");
    assert!(err[report..].contains("slow/Dockerfile:2:1"), "{err}");
    // The progress line says the job failed and for how long it ran.
    let finished = err
        .lines()
        .find(|l| l.starts_with("slow") && l.contains("failed after "))
        .unwrap_or_else(|| panic!("no finished line in {err}"));
    assert!(!finished.contains(DAEMON_SAYS), "{finished}");
    let secs = slow_seconds(&out);
    assert!(secs >= 1.0, "the build slept 1 s before failing: {out}");
}

#[test]
fn a_failed_single_image_build_says_how_long_it_ran() {
    if !docker_or_skip("a_failed_single_image_build_says_how_long_it_ran") {
        return;
    }
    let base = base_image();
    let ctx = Ctx::new(&[(
        "Dockerfile",
        &format!("FROM {base}\nRUN sleep 1 && exit 3\n"),
    )]);
    let cache = tempfile::tempdir().unwrap();
    for builder in ["buildkit", "classic"] {
        let (code, _, err) = support::buildlint_build(&[
            "--progress",
            "plain",
            "--pull",
            "never",
            "--builder",
            builder,
            "--cache-dir",
            &cache.path().to_string_lossy(),
            &ctx.arg(),
        ]);
        assert_eq!(code, 1, "{builder}: {err}");
        // The classic builder words it its own way.
        let says = match builder {
            "classic" => "returned a non-zero code: 3",
            _ => DAEMON_SAYS,
        };
        assert_eq!(err.matches(says).count(), 1, "{builder}: {err}");
        let secs: f64 = err
            .split("failed after ")
            .nth(1)
            .and_then(|rest| rest.split('s').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{builder}: no time in {err}"));
        assert!(secs >= 1.0, "{builder}: {err}");
    }
}

/// Runs the built `buildlint` with its standard error on a terminal of
/// 100 columns (standard output piped); returns the exit code, standard
/// output and what the terminal showed.
fn on_a_terminal(args: &[&str]) -> (i32, String, String) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 40,
        ws_col: 100,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors we then own.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are open and owned by nobody else.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut child = Command::new(env!("CARGO_BIN_EXE_buildlint"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("start buildlint");
    let mut screen = std::fs::File::from(master);
    let reader = std::thread::spawn(move || {
        let mut shown = Vec::new();
        // Ends with EIO once the child (the terminal's last user) exits.
        let mut chunk = [0u8; 4096];
        while let Ok(n) = screen.read(&mut chunk) {
            if n == 0 {
                break;
            }
            shown.extend_from_slice(&chunk[..n]);
        }
        shown
    });
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = child.wait().unwrap();
    let shown = reader.join().unwrap();
    (
        status.code().unwrap_or(-1),
        out,
        strip_escapes(&String::from_utf8_lossy(&shown)),
    )
}

/// The text of terminal output without its control sequences.
fn strip_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for d in chars.by_ref() {
                        if d.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            }
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

#[test]
fn a_failed_build_is_reported_once_with_its_time_on_a_terminal() {
    if !docker_or_skip("a_failed_build_is_reported_once_with_its_time_on_a_terminal") {
        return;
    }
    let project = project_name("tty");
    let mut clean = Cleanup::default();
    clean.tag(&format!("{project}-slow:latest"));
    let ctx = failing_stack(&project);
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path().to_string_lossy().into_owned();
    let compose = ctx.path().join("compose.yaml");
    let compose = compose.to_string_lossy();
    let mut args = vec!["build"];
    args.extend_from_slice(&NO_NETWORK);
    args.extend_from_slice(&[
        "--progress",
        "tty",
        "--pull",
        "never",
        "--cache-dir",
        &cache,
        "-f",
        &compose,
    ]);
    let (code, out, shown) = on_a_terminal(&args);
    assert_eq!(code, 1, "{shown}");
    assert_eq!(shown.matches(DAEMON_SAYS).count(), 1, "{shown}");
    let report = shown.find("error: step").expect("a report");
    assert!(shown[report..].contains(DAEMON_SAYS), "{shown}");
    assert!(shown.contains("failed after "), "{shown}");
    let secs = slow_seconds(&out);
    assert!(secs >= 1.0, "the build slept 1 s before failing: {out}");
}
