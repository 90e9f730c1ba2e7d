//! A hostile or broken endpoint in `DOCKER_HOST`: a reply that never ends,
//! an error whose body never ends, a flood of short progress lines while
//! the output is slow. buildlint must say what went wrong and keep its
//! memory bounded. The endpoint is a unix socket served by this test; it
//! imitates nothing of Docker but the shape of an HTTP reply.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const VERSION: &str = r#"{"Version":"20.10.24","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}"#;

/// What the endpoint answers to a request whose line contains `path`.
#[derive(Clone)]
enum Reply {
    Json(u16, String),
    /// A chunked body of `first`, then `unit` repeated until the client
    /// stops reading or `limit` bytes are written.
    Endless {
        status: u16,
        first: String,
        unit: String,
        limit: u64,
    },
}

struct Endpoint {
    socket: PathBuf,
    /// Body bytes written by endless replies.
    written: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wakes the accept loop.
        let _ = UnixStream::connect(&self.socket);
    }
}

/// Serves `routes` (the first whose key the request line contains; 404
/// otherwise) on a socket in `dir`.
fn serve(dir: &Path, routes: Vec<(&'static str, Reply)>) -> Endpoint {
    let socket = dir.join("hostile.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    let written = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (w, s) = (written.clone(), stop.clone());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            if s.load(Ordering::Acquire) {
                break;
            }
            let Ok(conn) = conn else { continue };
            let routes = routes.clone();
            let (w, s) = (w.clone(), s.clone());
            std::thread::spawn(move || answer(conn, &routes, &w, &s));
        }
    });
    Endpoint {
        socket,
        written,
        stop,
    }
}

fn answer(conn: UnixStream, routes: &[(&str, Reply)], written: &AtomicU64, stop: &AtomicBool) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut has_body = false;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        let h = h.to_ascii_lowercase();
        has_body |= h.starts_with("transfer-encoding")
            || h.starts_with("content-length: ") && !h.contains(": 0");
    }
    if has_body {
        // The build context: read and thrown away.
        std::thread::spawn(move || {
            let mut sink = [0u8; 64 << 10];
            while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
        });
    }
    let reply = routes
        .iter()
        .find(|(key, _)| line.contains(key))
        .map(|(_, r)| r.clone())
        .unwrap_or_else(|| Reply::Json(404, r#"{"message":"no such thing"}"#.to_string()));
    let mut conn = conn;
    match reply {
        Reply::Json(status, body) => {
            let _ = write!(
                conn,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
        Reply::Endless {
            status,
            first,
            unit,
            limit,
        } => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            );
            if conn.write_all(head.as_bytes()).is_err() {
                return;
            }
            let mut chunk = first;
            while chunk.len() < 64 << 10 {
                chunk.push_str(&unit);
            }
            while !stop.load(Ordering::Acquire) && written.load(Ordering::Acquire) < limit {
                let frame = format!("{:x}\r\n{chunk}\r\n", chunk.len());
                if conn.write_all(frame.as_bytes()).is_err() {
                    return;
                }
                written.fetch_add(chunk.len() as u64, Ordering::AcqRel);
                chunk.clear();
                while chunk.len() < 64 << 10 {
                    chunk.push_str(&unit);
                }
            }
            let _ = conn.write_all(b"0\r\n\r\n");
        }
    }
}

/// A context that lints clean and builds from scratch.
fn context(dir: &Path) -> PathBuf {
    let ctx = dir.join("ctx");
    std::fs::create_dir(&ctx).unwrap();
    std::fs::write(ctx.join("Dockerfile"), "FROM scratch\nCOPY f /f\n").unwrap();
    std::fs::write(ctx.join("f"), "x\n").unwrap();
    ctx
}

fn build(dir: &Path, endpoint: &Endpoint, ctx: &Path, stderr: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_buildlint"))
        .args([
            "build",
            "--builder",
            "classic",
            "--progress",
            "plain",
            "--network",
            "none",
        ])
        .arg("-t")
        .arg("hostile-daemon-test:1")
        .arg(ctx)
        .env(
            "DOCKER_HOST",
            format!("unix://{}", endpoint.socket.display()),
        )
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

/// Waits for `child` (at most two minutes) and returns its exit code and
/// its peak resident memory in bytes.
fn wait_with_peak(child: &mut Child) -> (Option<i32>, u64) {
    let pid = child.id() as libc::pid_t;
    let start = Instant::now();
    loop {
        let mut status = 0;
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let got = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if got == pid {
            let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
            return (code, usage.ru_maxrss as u64 * 1024);
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "buildlint still running after two minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The peak resident memory of a running process, from /proc.
fn peak_of_running(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

const MIB: u64 = 1 << 20;
/// What an endless reply may cost buildlint: the 8 MiB cap read into
/// memory, its copy for parsing, and the program itself.
const PEAK_BOUND: u64 = 150 * MIB;

#[test]
fn an_endless_version_reply_is_cut_off_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = serve(
        dir.path(),
        vec![(
            "/version",
            Reply::Endless {
                status: 200,
                first: r#"{"Version":""#.to_string(),
                unit: "a".repeat(64),
                limit: 512 * MIB,
            },
        )],
    );
    let ctx = context(dir.path());
    let mut child = build(dir.path(), &endpoint, &ctx, Stdio::piped());
    let mut stderr = child.stderr.take().unwrap();
    let reading = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let (code, peak) = wait_with_peak(&mut child);
    let stderr = reading.join().unwrap();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("the daemon's reply is larger than 8 MiB"),
        "{stderr}"
    );
    let written = endpoint.written.load(Ordering::Acquire);
    assert!(written < 32 * MIB, "the endpoint wrote {written} bytes");
    assert!(peak < PEAK_BOUND, "peak memory {} MiB", peak / MIB);
}

/// A build against an endpoint whose `/build` reply is `first`, then
/// `unit` without end: buildlint's exit code, its peak memory, what it
/// printed, and how much the endpoint managed to write.
fn build_against_endless_reply(
    status: u16,
    first: &str,
    unit: &str,
) -> (Option<i32>, u64, String, u64) {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = serve(
        dir.path(),
        vec![
            ("/version", Reply::Json(200, VERSION.to_string())),
            (
                "/build",
                Reply::Endless {
                    status,
                    first: first.to_string(),
                    unit: unit.to_string(),
                    limit: 512 * MIB,
                },
            ),
        ],
    );
    let ctx = context(dir.path());
    let mut child = build(dir.path(), &endpoint, &ctx, Stdio::piped());
    let mut stderr = child.stderr.take().unwrap();
    let reading = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let (code, peak) = wait_with_peak(&mut child);
    let stderr = reading.join().unwrap();
    let written = endpoint.written.load(Ordering::Acquire);
    (code, peak, stderr, written)
}

#[test]
fn an_endless_error_body_is_cut_off_too() {
    let (code, peak, stderr, written) =
        build_against_endless_reply(500, r#"{"message":""#, &"b".repeat(64));
    assert_ne!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("the daemon's reply is larger than 8 MiB"),
        "{stderr}"
    );
    assert!(written < 32 * MIB, "the endpoint wrote {written} bytes");
    assert!(peak < PEAK_BOUND, "peak memory {} MiB", peak / MIB);
}

/// The daemon floods short lines while nobody reads buildlint's output (a
/// terminal or a CI log that fell behind): the build stops reading from the
/// daemon until the output catches up, so neither buildlint's memory nor
/// what the endpoint manages to send grows.
#[test]
fn a_flood_of_short_lines_waits_for_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let limit = 96 * MIB;
    let endpoint = serve(
        dir.path(),
        vec![
            ("/version", Reply::Json(200, VERSION.to_string())),
            (
                "/build",
                Reply::Endless {
                    status: 200,
                    first: "{\"stream\":\"Step 1/1 : RUN flood\\n\"}\r\n".to_string(),
                    unit: "{\"stream\":\"x\\n\"}\r\n".to_string(),
                    limit,
                },
            ),
        ],
    );
    let ctx = context(dir.path());
    // The output is a pipe nobody reads.
    let mut child = build(dir.path(), &endpoint, &ctx, Stdio::piped());
    let pid = child.id();
    // Until the endpoint can write no more (or wrote all it would).
    let mut last = u64::MAX;
    let mut still_since = Instant::now();
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let now = endpoint.written.load(Ordering::Acquire);
        if now != last {
            last = now;
            still_since = Instant::now();
        }
        if now >= limit || still_since.elapsed() > Duration::from_secs(3) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no end");
    }
    let peak = peak_of_running(pid);
    let running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    let mut shown = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut shown)
        .unwrap();
    assert!(running, "buildlint ended early:\n{shown}");
    assert!(
        shown.lines().filter(|l| l.ends_with(" x")).count() > 100,
        "the flood reached the output:\n{}",
        &shown[..shown.len().min(2000)]
    );
    let written = endpoint.written.load(Ordering::Acquire);
    assert!(
        written < 16 * MIB,
        "the endpoint wrote {} MiB of short lines nobody showed",
        written / MIB
    );
    assert!(peak < PEAK_BOUND, "peak memory {} MiB", peak / MIB);
}

/// A successful build whose one message never ends: the stream is decoded
/// line by line, so the line is bounded, not the stream.
#[test]
fn an_endless_message_in_a_build_stream_is_cut_off() {
    let (code, peak, stderr, written) =
        build_against_endless_reply(200, r#"{"stream":""#, &"b".repeat(64));
    assert_ne!(code, Some(0), "{stderr}");
    assert!(stderr.contains("without a line end"), "{stderr}");
    assert!(
        written < 64 * MIB,
        "the endpoint wrote {} MiB",
        written / MIB
    );
    assert!(peak < PEAK_BOUND, "peak memory {} MiB", peak / MIB);
}
