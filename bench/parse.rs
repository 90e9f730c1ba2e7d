//! Parser throughput: every Dockerfile under the corpus's `official/`, then
//! 10 MB Dockerfiles. Prints files/s and MB/s, and the ratio to an anchor run
//! in the same process (building the line index of the same bytes, the least
//! any parser must do), so numbers compare across machines.
//!
//! Run: `cargo bench --bench parse` (release profile). Optional argument: the
//! corpus directory (default `../shared/corpus`, then `/work/shared/corpus`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use buildlint::dockerfile;
use buildlint::span::LineIndex;

fn corpus() -> PathBuf {
    if let Some(arg) = std::env::args().skip(1).find(|a| !a.starts_with("--")) {
        return PathBuf::from(arg);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for c in [
        manifest.join("../shared/corpus"),
        manifest.join("../../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ] {
        if c.join("official").is_dir() {
            return c;
        }
    }
    eprintln!("bench: corpus not found; pass its directory as the argument");
    std::process::exit(2);
}

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read corpus") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(std::fs::read_to_string(&p).expect("UTF-8 Dockerfile"));
            }
        }
    }
    out
}

/// Best of `rounds` timings of `f`.
fn best(rounds: usize, mut f: impl FnMut()) -> Duration {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn report(what: &str, files: usize, bytes: usize, parse: Duration, anchor: Duration) {
    let s = parse.as_secs_f64();
    println!(
        "{what:<34} {files:>6} files {:>8.2} MB  {:>9.3} ms  {:>10.0} files/s  {:>7.1} MB/s  {:>5.1}x the line-index anchor",
        bytes as f64 / 1e6,
        s * 1e3,
        files as f64 / s,
        bytes as f64 / 1e6 / s,
        s / anchor.as_secs_f64().max(1e-9),
    );
}

fn bench_set(what: &str, texts: &[String], rounds: usize) {
    let bytes: usize = texts.iter().map(String::len).sum();
    let anchor = best(rounds, || {
        for t in texts {
            std::hint::black_box(LineIndex::new(t));
        }
    });
    let parse = best(rounds, || {
        for t in texts {
            let df = dockerfile::parse(t.clone()).expect("corpus file parses");
            std::hint::black_box(df);
        }
    });
    report(what, texts.len(), bytes, parse, anchor);
}

fn main() {
    let root = corpus();
    let official = files(&root.join("official"));
    bench_set("official/ (each file)", &official, 10);

    // Real Dockerfiles one after the other, at growing sizes: MB/s staying
    // flat shows the time is linear in the size.
    for mb in [1usize, 2, 5, 10] {
        let mut big = String::new();
        'fill: loop {
            for t in &official {
                if big.len() >= mb * 1_000_000 {
                    break 'fill;
                }
                big.push_str(t);
                big.push('\n');
            }
        }
        bench_set(
            &format!("{mb:>2} MB: official files concatenated"),
            std::slice::from_ref(&big),
            3,
        );
    }

    // 10 MB in one RUN continued over 200k lines, with comments inside.
    let mut run = String::from("FROM debian:12\nRUN set -eux \\\n");
    while run.len() < 10_000_000 {
        run.push_str("    && apt-get install -y --no-install-recommends ca-certificates curl \\\n");
        run.push_str("    # a comment inside the continuation\n");
    }
    run.push_str("    && true\n");
    bench_set("10 MB: one continued RUN", std::slice::from_ref(&run), 3);

    // 10 MB of heredoc body.
    let mut heredoc = String::from("FROM debian:12\nRUN <<EOF\n");
    while heredoc.len() < 10_000_000 {
        heredoc.push_str("echo 'a line of a heredoc body that is long enough to matter'\n");
    }
    heredoc.push_str("EOF\n");
    bench_set("10 MB: one heredoc", std::slice::from_ref(&heredoc), 3);
}
