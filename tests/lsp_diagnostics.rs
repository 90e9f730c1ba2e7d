//! `buildlint lsp` over real JSON-RPC: diagnostics on open and change,
//! exact UTF-16 ranges, stacks and their Dockerfiles, ignore and
//! configuration files, and the protocol's lifecycle and error rules.

mod lsp_common;

use lsp_common::*;
use serde_json::json;

const SEED: &str = include_str!("../fixtures/seed/Dockerfile");

#[test]
fn the_seed_gets_its_findings_with_rule_pages() {
    // The context is named, so the missing source is an error (on a guessed
    // context it would be info).
    let dir = project(&[
        ("Dockerfile", SEED),
        ("buildlint.toml", "context = \".\"\n"),
    ]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    let d = c.diagnostics(&u);
    let copy = with_code(&d, "BL3001");
    assert_eq!(copy.len(), 1, "{d:?}");
    let copy = copy[0];
    // The seed's `COPY /var/www/html`: line 2, column 6 (1-based).
    assert_eq!(start(copy), (1, 5));
    assert_eq!(copy["range"]["end"], json!({"line": 1, "character": 18}));
    assert_eq!(copy["severity"], 1);
    assert_eq!(copy["source"], "buildlint");
    assert_eq!(
        copy["codeDescription"]["href"],
        "https://github.com/buildlint/buildlint/blob/main/rules/BL3001.md"
    );
    assert!(copy["message"]
        .as_str()
        .unwrap()
        .contains("is not in the build context"));
    let latest = with_code(&d, "BL1007");
    assert_eq!(latest[0]["severity"], 2);
    assert_eq!(start(latest[0]), (0, 11));
    assert!(c.shutdown().success());
}

#[test]
fn ranges_count_utf16_units_after_non_ascii_text() {
    let line = "RUN echo \"é😀\" && apt-get install -y --no-install-recommends curl";
    let text = format!("FROM debian:12\n{line}\n");
    let dir = project(&[("Dockerfile", &text)]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    let d = c.diagnostics(&u);
    let pin = with_code(&d, "BL2004");
    assert_eq!(pin.len(), 1, "{d:?}");
    let byte = line.find("curl").unwrap();
    let units = line[..byte].encode_utf16().count() as u64;
    assert_eq!(
        units as usize + 3,
        byte,
        "é is 2 bytes, 😀 4 bytes and 2 units"
    );
    assert_eq!(start(pin[0]), (1, units));
    assert_eq!(
        pin[0]["range"]["end"]["character"].as_u64().unwrap(),
        units + 4
    );
}

#[test]
fn every_change_is_linted_and_versioned() {
    let dir = project(&[("Dockerfile", "FROM alpine:3.20\n")]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    assert!(with_code(&c.diagnostics(&u), "BL1007").is_empty());
    // Unsaved text is what is linted.
    c.change(&u, 2, "FROM alpine:latest\n");
    let d = c.diagnostics_at(&u, 2);
    assert_eq!(with_code(&d, "BL1007").len(), 1, "{d:?}");
    // A burst of changes: the last one wins.
    for v in 3..20 {
        c.change(&u, v, &format!("FROM alpine:3.{v}\n"));
    }
    c.change(&u, 20, "FROM alpine:latest\nFROM alpine:latest\n");
    let d = c.diagnostics_at(&u, 20);
    assert_eq!(with_code(&d, "BL1007").len(), 2, "{d:?}");
    // Closing clears them.
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}));
    assert!(c.diagnostics(&u).is_empty());
}

#[test]
fn a_file_that_does_not_parse_reports_where() {
    let dir = project(&[]);
    let mut c = Client::start(dir.path());
    let u = c.open_text(
        &dir.path().join("Dockerfile"),
        "dockerfile",
        "FROM alpine:3.20\nENV PATH\n",
    );
    let d = c.diagnostics(&u);
    let bad = with_code(&d, "BL0001");
    assert_eq!(bad.len(), 1, "{d:?}");
    assert_eq!(start(bad[0]).0, 1);
    // The rest of the file is still linted: a half-typed instruction does
    // not hide the findings of the others.
    c.change(
        &u,
        2,
        "FROM alpine:latest\nENV PATH\nRUN apt-get install curl\n",
    );
    let d = c.diagnostics_at(&u, 2);
    assert_eq!(with_code(&d, "BL0001").len(), 1, "{d:?}");
    assert_eq!(start(with_code(&d, "BL1007")[0]), (0, 12));
    assert_eq!(start(with_code(&d, "BL2008")[0]).0, 2);
    assert!(d.iter().all(|x| start(x).0 != 1 || x["code"] == "BL0001"));
    // A broken stack file still gets the findings of what loaded.
    let s = c.open_text(
        &dir.path().join("compose.yaml"),
        "yaml",
        "services:\n  web:\n    image: nginx:1.27\n    networks: [front]\n  bad: [\n",
    );
    let d = c.diagnostics(&s);
    assert!(!d.is_empty());
    assert!(d.iter().all(|x| x["range"]["start"]["line"].is_u64()));
}

#[test]
fn a_stack_and_the_dockerfiles_it_builds_refresh_each_other() {
    let compose = "services:\n  web:\n    build:\n      context: ./app\n      args:\n        BASE: alpine:3.20\n    networks:\n      - front\nnetworks:\n  back: {}\n";
    let dockerfile = "ARG BASE=alpine:latest\nFROM ${BASE}\nCOPY missing.txt /x\n";
    let dir = project(&[("compose.yaml", compose), ("app/Dockerfile", dockerfile)]);
    let mut c = Client::start(dir.path());
    let s = c.open(&dir.path().join("compose.yaml"), "yaml");
    let d = c.diagnostics(&s);
    let net = with_code(&d, "BL4001");
    assert_eq!(net.len(), 1, "{d:?}");
    assert_eq!(start(net[0]), (7, 8));

    // The Dockerfile is linted as the service builds it: with its build
    // arg (no `latest` base), in its context.
    let f = c.open(&dir.path().join("app/Dockerfile"), "dockerfile");
    let d = c.diagnostics(&f);
    assert!(with_code(&d, "BL1007").is_empty(), "{d:?}");
    let missing = with_code(&d, "BL3002");
    assert_eq!(missing.len(), 1, "{d:?}");
    assert!(missing[0]["message"]
        .as_str()
        .unwrap()
        .contains("(service web)"));

    // An unsaved change to the stack refreshes the Dockerfile.
    c.drain();
    c.change(&s, 2, &compose.replace("alpine:3.20", "alpine:latest"));
    let d = c.diagnostics(&f);
    assert_eq!(with_code(&d, "BL1007").len(), 1, "{d:?}");
    // And a change to the Dockerfile is linted through the stack.
    c.change(&f, 2, "ARG BASE\nFROM ${BASE}\nCOPY . /x\n");
    let d = c.diagnostics_at(&f, 2);
    assert_eq!(with_code(&d, "BL1007").len(), 1, "{d:?}");
    assert!(with_code(&d, "BL3002").is_empty(), "{d:?}");
}

#[test]
fn ignore_and_configuration_files_on_disk_are_followed() {
    let dir = project(&[
        ("Dockerfile", "FROM alpine:latest\nCOPY app.txt /app.txt\n"),
        ("app.txt", "x"),
    ]);
    let mut c = Client::start(dir.path());
    // The server asks to be told of changes to these files.
    let reg = c.wait_for(|m| m["method"] == "client/registerCapability");
    let globs = reg["params"]["registrations"][0]["registerOptions"]["watchers"].to_string();
    assert!(globs.contains(".dockerignore") && globs.contains("buildlint.toml"));
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    let d = c.diagnostics(&u);
    assert!(with_code(&d, "BL3004").is_empty(), "{d:?}");
    assert_eq!(with_code(&d, "BL1007")[0]["severity"], 2);

    std::fs::write(dir.path().join(".dockerignore"), "app.txt\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&dir.path().join(".dockerignore")), "type": 1}]}),
    );
    let d = c.diagnostics(&u);
    assert_eq!(with_code(&d, "BL3004").len(), 1, "{d:?}");

    std::fs::write(
        dir.path().join("buildlint.toml"),
        "[rules]\nBL1007 = \"error\"\n",
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&dir.path().join("buildlint.toml")), "type": 1}]}),
    );
    let d = c.diagnostics(&u);
    assert_eq!(with_code(&d, "BL1007")[0]["severity"], 1, "{d:?}");
}

#[test]
fn unknown_requests_panics_and_the_lifecycle() {
    let dir = project(&[("Dockerfile", SEED)]);
    let mut c = Client::start_with(
        dir.path(),
        &[("BUILDLINT_LSP_PANIC", "textDocument/hover")],
        json!({}),
    );
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    c.diagnostics(&u);
    let r = c.call("buildlint/noSuchThing", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    // A handler that panics is answered with an error; the server goes on.
    let hover = json!({"textDocument": {"uri": u}, "position": {"line": 0, "character": 1}});
    let r = c.call("textDocument/hover", hover.clone());
    assert_eq!(r["error"]["code"], -32603, "{r}");
    c.change(&u, 2, "FROM alpine:latest\n");
    assert_eq!(with_code(&c.diagnostics_at(&u, 2), "BL1007").len(), 1);
    // Notifications it does not know are ignored.
    c.notify("$/somethingElse", json!({}));
    // After shutdown, requests are refused; exit ends the process cleanly.
    let r = c.call("shutdown", json!(null));
    assert_eq!(r["result"], json!(null));
    let r = c.call("textDocument/hover", hover);
    assert_eq!(r["error"]["code"], -32600, "{r}");
    assert!(c.exit_without_shutdown().success());

    // exit without shutdown: status 1.
    let c = Client::start(dir.path());
    assert_eq!(c.exit_without_shutdown().code(), Some(1));
}

#[test]
fn memory_stays_flat_over_ten_thousand_edits() {
    let base: String = (0..200)
        .map(|i| format!("RUN echo line {i} && apt-get install -y curl\n"))
        .collect();
    let dir = project(&[("Dockerfile", &format!("FROM debian:12\n{base}"))]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    c.diagnostics(&u);
    let edit = |c: &mut Client, from: i64, to: i64| {
        for v in from..to {
            c.change(&u, v, &format!("FROM debian:12\n# edit {v}\n{base}"));
            // Changes come in bursts; the last of each is linted.
            if v % 50 == 0 || v == to - 1 {
                c.diagnostics_at(&u, v);
                c.drain();
            }
        }
    };
    edit(&mut c, 2, 1_000);
    let warm = rss_kib(c.pid());
    edit(&mut c, 1_000, 10_001);
    let after = rss_kib(c.pid());
    eprintln!("RSS after 1,000 edits: {warm} KiB; after 10,000: {after} KiB");
    assert!(
        after < warm + 8 * 1024,
        "RSS grew from {warm} KiB to {after} KiB over 9,000 edits"
    );
}

#[test]
fn related_locations_come_with_the_diagnostic() {
    let text = "FROM alpine:3.20 AS build\nRUN true\nFROM alpine:3.20 AS build\n";
    let dir = project(&[("Dockerfile", text)]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    let d = c.diagnostics(&u);
    let dup = d
        .iter()
        .find(|x| x["relatedInformation"].is_array())
        .unwrap_or_else(|| panic!("no related information in {d:?}"));
    assert_eq!(start(dup), (2, 20));
    let related = &dup["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], u);
    assert_eq!(
        related["location"]["range"]["start"],
        json!({"line": 0, "character": 20})
    );
    assert_eq!(related["message"], "first defined here");
}

#[test]
fn a_dockerfile_built_by_a_stack_recovers_from_parse_errors_as_one_alone_does() {
    let compose = "services:\n  web:\n    build: ./app\n";
    let broken = "FROM alpine:latest\nENV PATH\nRUN apt-get install curl\n";
    let dir = project(&[("compose.yaml", compose), ("app/Dockerfile", broken)]);
    let mut c = Client::start(dir.path());
    let f = c.open(&dir.path().join("app/Dockerfile"), "dockerfile");
    let d = c.diagnostics(&f);
    // Linted through the stack: its findings name the service.
    assert!(
        d.iter()
            .any(|x| x["message"].as_str().unwrap().contains("(service web)")),
        "{d:?}"
    );
    let bad = with_code(&d, "BL0001");
    assert_eq!(bad.len(), 1, "{d:?}");
    assert_eq!(start(bad[0]).0, 1);
    // The rest of the file is linted, as for a Dockerfile alone.
    assert_eq!(start(with_code(&d, "BL1007")[0]), (0, 12), "{d:?}");
    assert_eq!(start(with_code(&d, "BL2008")[0]).0, 2, "{d:?}");
    assert!(d.iter().all(|x| start(x).0 != 1 || x["code"] == "BL0001"));

    // The same text alone (no stack above it) gets the same findings.
    let lone = project(&[("Dockerfile", broken)]);
    let mut a = Client::start(lone.path());
    let u = a.open(&lone.path().join("Dockerfile"), "dockerfile");
    let alone = a.diagnostics(&u);
    let codes = |d: &[serde_json::Value]| {
        let mut v: Vec<(String, (u64, u64))> = d
            .iter()
            .map(|x| (x["code"].as_str().unwrap().to_string(), start(x)))
            .collect();
        v.sort();
        v
    };
    assert_eq!(codes(&d), codes(&alone));

    // A change that fixes the line: the parse error goes, the rest stays.
    c.change(
        &f,
        2,
        "FROM alpine:latest\nENV PATH=/bin\nRUN apt-get install curl\n",
    );
    let d = c.diagnostics_at(&f, 2);
    assert!(with_code(&d, "BL0001").is_empty(), "{d:?}");
    assert_eq!(with_code(&d, "BL2008").len(), 1, "{d:?}");
}

/// (code, line, column) of the findings `buildlint check` reports for
/// `file`, 1-based.
fn check_json(dir: &std::path::Path, file: &str) -> Vec<(String, u64, u64)> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_buildlint"))
        .args(["check", "--format", "json", "--failure-threshold", "none"])
        .current_dir(dir)
        .output()
        .unwrap();
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let mut v: Vec<_> = findings
        .iter()
        .filter(|f| f["file"] == file)
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn as_check(d: &[serde_json::Value]) -> Vec<(String, u64, u64)> {
    let mut v: Vec<_> = d
        .iter()
        .map(|x| {
            let (line, col) = start(x);
            (x["code"].as_str().unwrap().to_string(), line + 1, col + 1)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_dockerfiles_own_ignore_file_applies_to_unsaved_text_as_check_applies_it() {
    // BuildKit reads `app.Dockerfile.dockerignore` beside the Dockerfile
    // instead of the context's `.dockerignore`.
    let dockerfile = "FROM alpine:3.20\nCOPY app.txt /app.txt\nCOPY keep.txt /keep.txt\n";
    let dir = project(&[
        ("app.Dockerfile", dockerfile),
        ("app.Dockerfile.dockerignore", "app.txt\n"),
        (".dockerignore", "keep.txt\n"),
        ("app.txt", "x"),
        ("keep.txt", "x"),
        ("buildlint.toml", "context = \".\"\n"),
    ]);
    let expected = check_json(dir.path(), "app.Dockerfile");
    let ignored: Vec<_> = expected.iter().filter(|f| f.0 == "BL3004").collect();
    assert_eq!(ignored.len(), 1, "check: {expected:?}");
    assert_eq!((ignored[0].1, ignored[0].2), (2, 6), "check: {expected:?}");

    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("app.Dockerfile"), "dockerfile");
    let d = c.diagnostics(&u);
    assert_eq!(as_check(&d), expected, "{d:?}");

    // An unsaved edit of the ignore file refreshes the Dockerfile.
    let ignore = c.open(&dir.path().join("app.Dockerfile.dockerignore"), "ignore");
    c.diagnostics(&u);
    c.change(&ignore, 2, "keep.txt\n");
    let d = c.diagnostics(&u);
    let ignored = with_code(&d, "BL3004");
    assert_eq!(ignored.len(), 1, "{d:?}");
    assert_eq!(start(ignored[0]), (2, 5), "{d:?}");
    // Closed unsaved, the file on disk counts again.
    c.notify(
        "textDocument/didClose",
        serde_json::json!({"textDocument": {"uri": ignore}}),
    );
    let d = c.diagnostics(&u);
    assert_eq!(as_check(&d), expected, "{d:?}");
    // Edited on disk: the watched-files notice refreshes it.
    std::fs::write(dir.path().join("app.Dockerfile.dockerignore"), "*.md\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        serde_json::json!({"changes": [{"uri": uri(&dir.path().join("app.Dockerfile.dockerignore")), "type": 2}]}),
    );
    let d = c.diagnostics(&u);
    assert!(with_code(&d, "BL3004").is_empty(), "{d:?}");
}

#[test]
fn a_stack_services_dockerfile_gets_its_own_ignore_file_too() {
    let compose =
        "services:\n  web:\n    build:\n      context: ./app\n      dockerfile: web.Dockerfile\n";
    let dir = project(&[
        ("compose.yaml", compose),
        (
            "app/web.Dockerfile",
            "FROM alpine:3.20\nCOPY secret.txt /s\n",
        ),
        ("app/web.Dockerfile.dockerignore", "secret.txt\n"),
        ("app/secret.txt", "x"),
    ]);
    let expected = check_json(dir.path(), "app/web.Dockerfile");
    assert!(
        expected.iter().any(|f| f.0 == "BL3004"),
        "check: {expected:?}"
    );
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("app/web.Dockerfile"), "dockerfile");
    let d = c.diagnostics(&u);
    assert_eq!(as_check(&d), expected, "{d:?}");
    // Unsaved text of the Dockerfile, still with its ignore file.
    c.change(&u, 2, "FROM alpine:3.20\n\nCOPY secret.txt /s\n");
    let d = c.diagnostics_at(&u, 2);
    let ignored = with_code(&d, "BL3004");
    assert_eq!(ignored.len(), 1, "{d:?}");
    assert_eq!(start(ignored[0]).0, 2);
}

#[test]
fn started_by_hand_it_says_an_editor_starts_it() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let run = |input: &[u8]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_buildlint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Ctrl-D at once: no client came; exit as without `shutdown`.
    let (code, out, err) = run(b"");
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(out, "");
    assert_eq!(
        err.trim(),
        "buildlint lsp: the input ended before an editor initialized the server; \
         editors start `buildlint lsp` themselves and speak LSP to it (see docs/editors.md)"
    );
    // Something that is not LSP.
    let (code, _, err) = run(b"hello\n");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("buildlint lsp: the input is not Language Server Protocol messages ("),
        "{err}"
    );
    assert!(!err.contains("disconnected channel"), "{err}");
}
