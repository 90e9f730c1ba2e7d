//! Language server benchmark: `cargo bench --bench lsp`.
//!
//! Starts `buildlint lsp` (the binary built with the bench) with its
//! default debounce, and measures over real JSON-RPC on stdio the time
//! from a `didChange` to the `publishDiagnostics` of that version for:
//!
//! * a 200-line Dockerfile with its build context (files, a `.dockerignore`);
//! * a 20-service compose file whose services build from their own
//!   contexts (the Dockerfiles are linted through the stack each time).
//!
//! The anchor, measured in the same run: `buildlint check` on the same file
//! as a process (start, configuration, context, lint, report). It prints
//! medians, the 90th percentile, the ratio (check / server: how many times
//! sooner an editor sees the findings than a `check` run would give them),
//! the server's resident memory when idle after the edits, and the peak RSS
//! of one `check` process. Target: median under 10 ms.

#[path = "../tests/lsp_common/mod.rs"]
mod lsp_common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lsp_common::{project, rss_kib, Client};
use serde_json::json;

const EDITS: i64 = 300;
const CHECK_RUNS: usize = 30;

fn dockerfile(lines: usize) -> String {
    let mut out = String::from(
        "# syntax=docker/dockerfile:1\nARG BASE=debian:12\nFROM ${BASE} AS build\nWORKDIR /src\n",
    );
    let mut i = 0;
    while out.lines().count() < lines - 7 {
        out.push_str(&match i % 5 {
            0 => format!("COPY src/file{i}.txt /src/file{i}.txt\n"),
            1 => format!("RUN apt-get update && apt-get install -y --no-install-recommends pkg{i}=1.{i} \\\n    && rm -rf /var/lib/apt/lists/*\n"),
            2 => format!("ENV VAR_{i}=value{i}\n"),
            3 => format!("RUN echo \"$VAR_{}\" > /tmp/out{i}\n", i - 1),
            _ => format!("LABEL org.example.step{i}=\"{i}\"\n"),
        });
        i += 1;
    }
    while out.lines().count() < lines - 5 {
        out.push_str(&format!("LABEL org.example.pad{}=\"x\"\n", out.len()));
    }
    out.push_str("FROM debian:12\nCOPY --from=build /src /app\nUSER 10001\nWORKDIR /app\nCMD [\"/app/run\"]\n");
    out
}

fn compose(services: usize) -> String {
    let mut out = String::from("name: bench\nservices:\n");
    for i in 0..services {
        out.push_str(&format!(
            "  svc{i}:\n    build:\n      context: ./svc{i}\n      args:\n        VERSION: \"{i}\"\n    networks: [front]\n    depends_on:\n      - svc{}\n    environment:\n      MODE: prod\n",
            (i + 1) % services.max(2) * (i + 1 < services) as usize
        ));
    }
    out.push_str("networks:\n  front: {}\n");
    out
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p90(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() * 9 / 10]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// didChange → publishDiagnostics, `EDITS` times, each waited for.
fn latencies(c: &mut Client, uri: &str, text: &str) -> Vec<Duration> {
    let mut out = Vec::new();
    for v in 2..EDITS + 2 {
        let edited = format!("{text}# edit {v}\n");
        let start = Instant::now();
        c.change(uri, v, &edited);
        c.diagnostics_at(uri, v);
        out.push(start.elapsed());
        c.drain();
    }
    out
}

/// `buildlint check FILE` as a process: wall times and the peak RSS (KiB).
fn check_runs(dir: &Path, file: &str) -> (Vec<Duration>, i64) {
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..CHECK_RUNS {
        let start = Instant::now();
        // Reaped by `wait4` below, which also reports its peak RSS.
        #[allow(clippy::zombie_processes)]
        let child = Command::new(env!("CARGO_BIN_EXE_buildlint"))
            .args(["check", "--format", "compact", file])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut status = 0;
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: waits for our own child; `usage` is a valid out-pointer.
        unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
        times.push(start.elapsed());
        peak = peak.max(usage.ru_maxrss);
    }
    (times, peak)
}

fn report(what: &str, mut server: Vec<Duration>, mut check: Vec<Duration>) {
    let (m, p) = (median(&mut server), p90(&mut server));
    let anchor = median(&mut check);
    println!(
        "{what}: didChange -> publishDiagnostics median {:.2} ms, p90 {:.2} ms (target < 10 ms); \
         `buildlint check` process median {:.2} ms; ratio check/server {:.1}x",
        ms(m),
        ms(p),
        ms(anchor),
        anchor.as_secs_f64() / m.as_secs_f64()
    );
}

fn main() {
    let mut files: Vec<(String, String)> = vec![
        ("Dockerfile".into(), dockerfile(200)),
        (".dockerignore".into(), "*.log\ntmp/\n".into()),
    ];
    for i in 0..200 {
        files.push((format!("src/file{i}.txt"), format!("{i}\n")));
    }
    files.push(("stack/compose.yaml".into(), compose(20)));
    for i in 0..20 {
        files.push((
            format!("stack/svc{i}/Dockerfile"),
            "FROM alpine:3.20\nARG VERSION\nWORKDIR /app\nCOPY app.txt /app/\nRUN echo $VERSION > /app/version\nUSER 10001\nCMD [\"/app/run\"]\n".to_string(),
        ));
        files.push((format!("stack/svc{i}/app.txt"), "x\n".into()));
    }
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = project(&borrowed);
    let df_text = &files[0].1;
    assert_eq!(df_text.lines().count(), 200, "a 200-line Dockerfile");
    let compose_text = std::fs::read_to_string(dir.path().join("stack/compose.yaml")).unwrap();

    let mut c = Client::start_with(dir.path(), &[], json!({}));
    let idle_start = rss_kib(c.pid());
    let df = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    let first = c.diagnostics(&df);
    let stack = c.open(&dir.path().join("stack/compose.yaml"), "yaml");
    c.diagnostics(&stack);
    c.drain();
    println!(
        "fixture: 200-line Dockerfile ({} findings), 20-service compose file with 20 build contexts",
        first.len()
    );

    let df_times = latencies(&mut c, &df, df_text);
    let (df_check, df_peak) = check_runs(dir.path(), "Dockerfile");
    report("Dockerfile (200 lines)", df_times, df_check);

    let stack_times = latencies(&mut c, &stack, &compose_text);
    let (stack_check, stack_peak) = check_runs(dir.path(), "stack/compose.yaml");
    report(
        "compose file (20 services, Dockerfiles through the stack)",
        stack_times,
        stack_check,
    );

    std::thread::sleep(Duration::from_millis(200));
    let idle = rss_kib(c.pid());
    println!(
        "server RSS: {:.1} MiB at start, {:.1} MiB idle after {} edits; one `check` process peaks at {:.1} MiB (Dockerfile) / {:.1} MiB (compose); ratio idle server/check {:.2}",
        idle_start as f64 / 1024.0,
        idle as f64 / 1024.0,
        2 * EDITS,
        df_peak as f64 / 1024.0,
        stack_peak as f64 / 1024.0,
        idle as f64 / df_peak.max(stack_peak) as f64
    );
    assert!(c.shutdown().success());
}
