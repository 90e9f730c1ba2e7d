//! `buildlint check` on stack files, in-process: every planted bug once,
//! Dockerfiles linted through their stack, stack mode, unloadable files.

use std::path::{Path, PathBuf};

use crate::lint::stack::testing::write_files;
use crate::test_corpus::corpus_dir;

fn check_json(args: &[&str]) -> (u8, Vec<serde_json::Value>, String) {
    let mut argv = vec!["check", "--isolated", "--format", "json"];
    argv.extend_from_slice(args);
    let (code, out, err) = crate::cli::run_captured(&argv);
    let findings: Vec<serde_json::Value> =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}\n{err}"));
    (code, findings, err)
}

fn line(f: &serde_json::Value) -> String {
    format!(
        "{}:{}:{} {}",
        Path::new(f["file"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy(),
        f["line"],
        f["column"],
        f["code"].as_str().unwrap()
    )
}

#[test]
fn check_reports_every_planted_bug_once_and_exits_1() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/stack-planted");
    let (code, findings, err) = check_json(&[dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f["severity"] == "error" || f["severity"] == "warning")
        .map(line)
        .collect();
    assert_eq!(
        errors,
        [
            "compose.yaml:4:12 BL4021",
            "compose.yaml:5:21 BL4007",
            "compose.yaml:8:16 BL4001",
            "compose.yaml:9:18 BL4006",
            "compose.yaml:15:9 BL4002",
            "compose.yaml:17:15 BL4003",
            "compose.yaml:19:5 BL0010",
            "compose.yaml:20:15 BL4010",
            "compose.yaml:22:10 BL4020",
        ]
    );
}

#[test]
fn check_on_a_sample_lints_its_dockerfiles_through_the_stack_once() {
    let sample = corpus_dir().join("awesome-compose/react-express-mysql");
    let (code, findings, err) = check_json(&[sample.to_str().unwrap()]);
    assert!(code <= 1, "{err}");
    assert!(
        !findings
            .iter()
            .any(|f| f["severity"] == "error"
                && f["file"].as_str().unwrap().ends_with("compose.yaml"))
    );
    let dockerfile_findings: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["file"].as_str().unwrap().ends_with("Dockerfile"))
        .collect();
    assert!(!dockerfile_findings.is_empty(), "{findings:#?}");
    for f in &dockerfile_findings {
        assert!(
            f["service"].is_string(),
            "a Dockerfile finding without its service: {f}"
        );
    }
    // Each finding once: no second, guessed-context lint of the same file.
    let mut keys: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {}", line(f), f["file"]))
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "{findings:#?}");
}

#[test]
fn check_stack_mode_and_unloadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_files(
        d,
        &[
            ("stack/docker-stack.yml", "services:\n  web:\n    build: .\n    restart: always\n"),
            ("stack/Dockerfile", "FROM scratch\n"),
            ("plain/stack.yml", "version: '3.8'\nservices:\n  web:\n    image: nginx:1.27\n    container_name: web\n"),
            ("bad/compose.yaml", "services:\n  web:\n    image: a\n    image: b\n"),
        ],
    );
    let (code, findings, _) = check_json(&[d.join("stack").to_str().unwrap()]);
    assert_eq!(code, 1);
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"BL4052") && codes.contains(&"BL4051") && codes.contains(&"BL4050"),
        "{codes:?}"
    );
    let (_, findings, _) =
        check_json(&["--stack", "-f", d.join("plain/stack.yml").to_str().unwrap()]);
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"BL4050") && !codes.contains(&"BL4025"),
        "{codes:?}"
    );
    let (code, findings, _) = check_json(&[d.join("bad").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(findings[0]["code"], "BL0001");
    assert_eq!(
        (findings[0]["line"].as_u64(), findings[0]["column"].as_u64()),
        (Some(4), Some(5))
    );
}
