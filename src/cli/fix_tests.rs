//! `check --fix` / `--diff` end to end, in-process.

use std::path::Path;

use crate::cli::run_captured;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap()
}

const APT: &str = "FROM debian:12\n# tools\nRUN apt-get update && \\\n    apt-get install curl=7.88.1-10+deb12u5\n";

#[test]
fn fix_writes_safe_fixes_and_reports_what_is_left() {
    let tmp = tempfile::tempdir().unwrap();
    let df = write(tmp.path(), "Dockerfile", APT);
    let (code, out, err) = run_captured(&["check", "--isolated", "--fix", &df]);
    let fixed = read(&df);
    // DL3014 and DL3009 are safe (DL3015 is not); the comment and the
    // continuation stay.
    assert_eq!(
        fixed,
        "FROM debian:12\n# tools\nRUN apt-get update && \\\n    apt-get install -y curl=7.88.1-10+deb12u5 && rm -rf /var/lib/apt/lists/*\n",
        "{err}"
    );
    assert!(err.contains("fixed "), "{err}");
    assert!(err.contains("BL2"), "{err}");
    // The report shows only what is left, and the exit status follows it.
    assert!(!out.contains("apt-get install` without `-y`"), "{out}");
    let (code2, out2, _) = run_captured(&["check", "--isolated", &df]);
    assert_eq!(code, code2, "{out}\n{out2}");
    // A second --fix changes nothing.
    let (_, _, err) = run_captured(&["check", "--isolated", "--fix", &df]);
    assert_eq!(read(&df), fixed);
    assert!(err.contains("nothing to fix"), "{err}");
}

#[test]
fn diff_writes_nothing_and_exits_1_when_a_file_would_change() {
    let tmp = tempfile::tempdir().unwrap();
    let df = write(tmp.path(), "Dockerfile", APT);
    let (code, out, err) = run_captured(&["check", "--isolated", "--diff", &df]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert_eq!(read(&df), APT);
    let bare = df.trim_start_matches('/');
    assert!(
        out.starts_with(&format!("--- a/{bare}\n+++ b/{bare}\n")),
        "{out}"
    );
    assert!(out.contains("+    apt-get install -y curl"), "{out}");
    let (_, out, _) = run_captured(&["check", "--isolated", "--diff", "--unsafe-fixes", &df]);
    assert!(
        out.contains("+    apt-get install --no-install-recommends -y curl"),
        "{out}"
    );
    assert!(err.contains("would fix"), "{err}");
    // Nothing to change: exit 0, no diff.
    let clean = write(tmp.path(), "b/Dockerfile", "FROM scratch\nCOPY a /a\n");
    let (code, out, _) = run_captured(&["check", "--isolated", "--diff", &clean]);
    assert_eq!(code, 0, "{out}");
    assert!(out.is_empty(), "{out}");
}

#[test]
fn unsafe_fixes_need_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    // DL4006: the SHELL line before a piped RUN is an unsafe fix.
    let text = "FROM debian:12\nRUN wget -O - https://example.com/x | wc -l\n";
    let df = write(tmp.path(), "Dockerfile", text);
    let (_, out, _) = run_captured(&["check", "--isolated", "--diff", &df]);
    assert!(!out.contains("pipefail"), "{out}");
    let (_, out, _) = run_captured(&["check", "--isolated", "--diff", "--unsafe-fixes", &df]);
    assert!(
        out.contains("+SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]"),
        "{out}"
    );
    assert_eq!(read(&df), text);
    let (code, _, err) = run_captured(&["check", "--isolated", "--unsafe-fixes", &df]);
    assert_eq!(code, 2, "--unsafe-fixes alone is a usage error: {err}");
}

#[cfg(unix)]
#[test]
fn crlf_bom_and_permissions_survive() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let text = APT.replace('\n', "\r\n");
    let text = format!("\u{feff}{text}");
    let df = write(tmp.path(), "Dockerfile", &text);
    std::fs::set_permissions(&df, std::fs::Permissions::from_mode(0o600)).unwrap();
    run_captured(&["check", "--isolated", "--fix", &df]);
    let fixed = read(&df);
    assert!(fixed.starts_with('\u{feff}'), "{fixed:?}");
    assert!(fixed.contains("install -y"), "{fixed:?}");
    assert_eq!(
        fixed.matches('\n').count(),
        fixed.matches("\r\n").count(),
        "{fixed:?}"
    );
    assert_eq!(
        std::fs::metadata(&df).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn an_unparsable_file_is_never_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "FROM debian:12\nRUN apt-get install curl\nENV PATH\n";
    let df = write(tmp.path(), "Dockerfile", text);
    let (code, _, _) = run_captured(&["check", "--isolated", "--fix", &df]);
    assert_eq!(code, 2);
    assert_eq!(read(&df), text);
    let (code, out, _) = run_captured(&["check", "--isolated", "--diff", &df]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
}

#[test]
fn exit_non_zero_on_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "FROM debian:12\nRUN apt-get install curl\n";
    let df = write(tmp.path(), "Dockerfile", text);
    // Only the -y rule, so nothing is left once it is fixed.
    let args = ["check", "--isolated", "--select", "DL3014", "--fix"];
    let (code, _, err) = run_captured(&[&args[..], &["--exit-non-zero-on-fix", &df]].concat());
    assert_eq!(code, 1, "{err}");
    assert!(read(&df).contains("install -y curl"));
    let (code, _, _) = run_captured(&[&args[..], &["--exit-non-zero-on-fix", &df]].concat());
    assert_eq!(code, 0, "nothing changed the second time");
    let text2 = write(tmp.path(), "b/Dockerfile", text);
    let (code, _, _) = run_captured(&[&args[..], &[text2.as_str()]].concat());
    assert_eq!(code, 0, "fixed, nothing left: exit 0");
}

#[test]
fn stack_files_are_fixed_as_text_and_keep_their_comments() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "# the app\nversion: \"3.8\" # old\nservices:\n  web:\n    image: nginx:1.27 # pinned\n    ports:\n      - 8080:80\n";
    let compose = write(tmp.path(), "compose.yaml", text);
    let (_, out, err) = run_captured(&["check", "--isolated", "--fix", &compose]);
    assert_eq!(
        read(&compose),
        "# the app\nservices:\n  web:\n    image: nginx:1.27 # pinned\n    ports:\n      - \"8080:80\"\n",
        "{out}\n{err}"
    );
    // In stack mode `version` is required: kept, by name or by `--stack`,
    // also when another fix in the file leads to a second round.
    let stack = write(tmp.path(), "s/docker-stack.yml", text);
    run_captured(&["check", "--isolated", "--fix", &stack]);
    assert!(read(&stack).contains("version: \"3.8\" # old\n"));
    assert!(read(&stack).contains("- \"8080:80\""));
    let flagged = write(tmp.path(), "t/compose.yaml", text);
    run_captured(&["check", "--isolated", "--stack", "--fix", &flagged]);
    assert!(read(&flagged).contains("version: \"3.8\" # old\n"));
    assert!(read(&flagged).contains("- \"8080:80\""));
    // A project given with -f: fixed in each of its files.
    let base = write(
        tmp.path(),
        "p/base.yaml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    let over = write(
        tmp.path(),
        "p/over.yaml",
        "services:\n  web:\n    ports:\n      - 8080:80 # web\n",
    );
    let (_, out, err) = run_captured(&["check", "--isolated", "--fix", "-f", &base, "-f", &over]);
    assert_eq!(
        read(&over),
        "services:\n  web:\n    ports:\n      - \"8080:80\" # web\n",
        "{out}\n{err}"
    );
}

#[test]
fn standard_input_gets_the_fixed_text_back() {
    let (code, out, err) = crate::cli::run_captured_with_stdin(
        &[
            "check",
            "--isolated",
            "--select",
            "DL3014",
            "--fix",
            "-",
            "--stdin-filename",
            "Dockerfile",
        ],
        b"FROM debian:12\nRUN apt-get install curl\n",
    );
    assert_eq!(
        out, "FROM debian:12\nRUN apt-get install -y curl\n",
        "{err}"
    );
    assert_eq!(code, 0);
}

#[test]
fn fix_conflicts_with_adoption_flags() {
    let (code, _, err) = run_captured(&["check", "--fix", "--add-suppressions", "x"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run_captured(&["check", "--exit-non-zero-on-fix", "x"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn check_says_how_many_findings_fix_would_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let df = write(tmp.path(), "Dockerfile", APT);
    let (_, _, err) = run_captured(&["check", "--isolated", &df]);
    assert!(
        err.contains("can be fixed with `--fix`") && err.contains("more with `--unsafe-fixes`"),
        "{err}"
    );
    let (_, _, err) = run_captured(&["check", "--isolated", "--format", "json", &df]);
    assert!(
        !err.contains("can be fixed"),
        "only under the human report: {err}"
    );
}

#[test]
fn add_becomes_copy_safely_once_the_context_shows_no_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let ctx = tmp.path().join("ctx");
    write(&ctx, "app.py", "print('hi')\n");
    // A gzip header: ADD would unpack it.
    std::fs::write(ctx.join("data.bin"), [0x1f, 0x8b, 8, 0, 0, 0]).unwrap();
    let text = "FROM alpine:3.20\nADD app.py /app/\nADD data.bin /data/\n";
    let df = write(tmp.path(), "Dockerfile", text);
    let ctx = ctx.to_string_lossy().into_owned();
    let (_, _, err) = run_captured(&["check", "--isolated", "--context-dir", &ctx, "--fix", &df]);
    assert_eq!(
        read(&df),
        "FROM alpine:3.20\nCOPY app.py /app/\nADD data.bin /data/\n",
        "{err}"
    );
    // Without a known context the source is not checked: unsafe only.
    let df2 = write(
        tmp.path(),
        "b/Dockerfile",
        "FROM alpine:3.20\nADD app.py /app/\n",
    );
    write(tmp.path(), "b/app.py", "x\n");
    run_captured(&["check", "--isolated", "--fix", &df2]);
    assert!(read(&df2).contains("ADD app.py"));
    run_captured(&["check", "--isolated", "--fix", "--unsafe-fixes", &df2]);
    assert!(read(&df2).contains("COPY app.py"));
}

#[test]
fn findings_in_a_baseline_are_not_fixed_in_any_round() {
    let tmp = tempfile::tempdir().unwrap();
    // BL1004 (casing) is recorded; BL1015 is not. Fixing BL1015 leads to a
    // second round, where the recorded BL1004 must stay alone.
    let text = "FROM alpine:3.20\nENV A 1\nrun echo\nCMD [\"sh\"]\n";
    let df = write(tmp.path(), "Dockerfile", text);
    let baseline = tmp
        .path()
        .join("baseline.json")
        .to_string_lossy()
        .into_owned();
    let sel = ["check", "--isolated", "--select", "BL1004"];
    let (code, _, err) = run_captured(&[&sel[..], &["--write-baseline", &baseline, &df]].concat());
    assert_eq!(code, 0, "{err}");
    let args = [
        "check",
        "--isolated",
        "--select",
        "BL1004,BL1015",
        "--baseline",
        &baseline,
    ];
    let (_, _, err) = run_captured(&[&args[..], &["--fix", &df]].concat());
    assert_eq!(
        read(&df),
        "FROM alpine:3.20\nENV A=1\nrun echo\nCMD [\"sh\"]\n",
        "{err}"
    );
}
