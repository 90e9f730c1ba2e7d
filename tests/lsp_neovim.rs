//! End to end with a real editor: Debian's `neovim`, headless, configured
//! with `editors/neovim/buildlint.lua` (the configuration docs/editors.md
//! shows), its built-in LSP client attached to `buildlint lsp`. It opens a
//! fixture, the diagnostics it received are read back, a quick fix is
//! applied through the editor's code-action flow, and the buffer's text and
//! the updated diagnostics are checked.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What Neovim saw: diagnostics before and after the action, and the text.
struct Seen {
    before: Vec<Value>,
    after: Vec<Value>,
    text: String,
}

fn find(diagnostics: &[Value], code: &str) -> Option<Value> {
    diagnostics.iter().find(|d| d["code"] == code).cloned()
}

/// Runs Neovim in `dir` on `file`, applying the action titled `action` on
/// the line of the diagnostic `code`.
fn neovim(dir: &Path, file: &str, code: &str, action: &str) -> Seen {
    let out = tempfile::tempdir().unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_buildlint"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-u"])
        .arg(repo().join("editors/neovim/buildlint.lua"))
        .arg("-c")
        .arg(format!(
            "luafile {}",
            repo().join("tests/lsp_neovim/driver.lua").display()
        ))
        .current_dir(dir)
        .env("PATH", path)
        .env("LSP_OUT", out.path())
        .env("LSP_FILE", file)
        .env("LSP_CODE", code)
        .env("LSP_ACTION", action)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nvim: install Debian's neovim (`apt-get install neovim`; .ci/run does)");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nvim did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |name: &str| std::fs::read_to_string(out.path().join(name)).unwrap_or_default();
    let json = |name: &str| -> Vec<Value> {
        let text = read(name);
        serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
    };
    let seen = Seen {
        before: json("before.json"),
        after: json("after.json"),
        text: read("text"),
    };
    assert!(
        status.success(),
        "nvim exited with {status}; before: {:?}",
        seen.before
    );
    seen
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn the_seed_in_neovim_with_a_suppression_applied() {
    let seed = std::fs::read_to_string(repo().join("fixtures/seed/Dockerfile")).unwrap();
    // The context is named, so the missing source is an error (on a guessed
    // context it would be info).
    let dir = project(&[
        ("Dockerfile", &seed),
        ("buildlint.toml", "context = \".\"\n"),
    ]);
    let seen = neovim(
        dir.path(),
        "Dockerfile",
        "BL3001",
        "Suppress BL3001 on this line",
    );
    // The absolute COPY source: an error at 2:6 (0-based 1:5).
    let copy = find(&seen.before, "BL3001").expect("BL3001 received");
    assert_eq!(
        (copy["lnum"].as_u64(), copy["col"].as_u64()),
        (Some(1), Some(5))
    );
    assert_eq!(copy["severity"], 1, "error");
    assert!(find(&seen.before, "BL1007").is_some());
    assert!(
        seen.text
            .contains("# buildlint ignore=BL3001\nCOPY /var/www/html /www/html\n"),
        "{}",
        seen.text
    );
    assert!(find(&seen.after, "BL3001").is_none(), "{:?}", seen.after);
    assert!(find(&seen.after, "BL1007").is_some(), "the others stay");
}

#[test]
fn a_fix_applied_in_neovim() {
    let dir = project(&[("Dockerfile", "FROM debian:12\nRUN apt-get install curl\n")]);
    let seen = neovim(dir.path(), "Dockerfile", "BL2008", "Fix BL2008");
    assert_eq!(seen.text, "FROM debian:12\nRUN apt-get install -y curl\n");
    assert!(find(&seen.after, "BL2008").is_none(), "{:?}", seen.after);
}

#[test]
fn a_compose_file_with_an_undefined_network_in_neovim() {
    let compose = "services:\n  web:\n    image: nginx:1.27\n    networks:\n      - front\nnetworks:\n  back: {}\n";
    let dir = project(&[("compose.yaml", compose)]);
    let seen = neovim(
        dir.path(),
        "compose.yaml",
        "BL4001",
        "Suppress BL4001 on this line",
    );
    let net = find(&seen.before, "BL4001").expect("BL4001 received");
    assert_eq!(
        (net["lnum"].as_u64(), net["col"].as_u64()),
        (Some(4), Some(8))
    );
    assert_eq!(net["severity"], 1);
    assert!(net["message"].as_str().unwrap().contains("`front`"));
    assert!(
        seen.text
            .contains("    networks:\n      # buildlint ignore=BL4001\n      - front\n"),
        "{}",
        seen.text
    );
    assert!(find(&seen.after, "BL4001").is_none(), "{:?}", seen.after);
}
