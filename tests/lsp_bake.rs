//! `buildlint lsp` on bake files over real JSON-RPC: BL5xxx diagnostics
//! with ranges on open and change, the targets' Dockerfiles linted through
//! the bake file (each refreshing the other), and hover on rule codes.

mod lsp_common;

use lsp_common::*;
use serde_json::json;

const BAKE: &str = r#"target "app" {
  context = "app"
  target  = "prod"
  args    = { BASE = "alpine:3.20" }
}
"#;

const DOCKERFILE: &str = "ARG BASE=alpine:latest\nFROM ${BASE} AS build\nCOPY missing.txt /x\n";

#[test]
fn a_bake_file_and_the_dockerfiles_it_builds_refresh_each_other() {
    let dir = project(&[("docker-bake.hcl", BAKE), ("app/Dockerfile", DOCKERFILE)]);
    let mut c = Client::start(dir.path());

    // Opened first, the Dockerfile finds the bake file that builds it and is
    // linted as its target builds it: with the target's args (no `latest`
    // base) and its context.
    let f = c.open(&dir.path().join("app/Dockerfile"), "dockerfile");
    let d = c.diagnostics(&f);
    assert!(with_code(&d, "BL1007").is_empty(), "{d:?}");
    let missing = with_code(&d, "BL3002");
    assert_eq!(missing.len(), 1, "{d:?}");
    assert!(missing[0]["message"].as_str().unwrap().contains("app"));

    // The bake file: its target names a stage the Dockerfile lacks.
    let b = c.open(&dir.path().join("docker-bake.hcl"), "hcl");
    let d = c.diagnostics(&b);
    let stage = with_code(&d, "BL5024");
    assert_eq!(stage.len(), 1, "{d:?}");
    assert_eq!(stage[0]["source"], "buildlint");
    assert_eq!(start(stage[0]).0, 2, "{d:?}");
    assert_eq!(
        stage[0]["codeDescription"]["href"],
        "https://github.com/buildlint/buildlint/blob/main/rules/BL5024.md"
    );

    // Hover on the finding: the rule page's summary.
    let at = stage[0]["range"]["start"].clone();
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": b}, "position": at}),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("**BL5024** `missing-bake-stage`"), "{text}");
    assert!(text.contains("rules/BL5024.md"), "{text}");

    // An unsaved change to the Dockerfile refreshes the bake file: the
    // stage now exists.
    c.drain();
    c.change(
        &f,
        2,
        "ARG BASE=alpine:latest\nFROM ${BASE} AS prod\nCOPY missing.txt /x\n",
    );
    let d = c.diagnostics(&b);
    assert!(with_code(&d, "BL5024").is_empty(), "{d:?}");

    // An unsaved change to the bake file refreshes the Dockerfile: the
    // target's base is now `latest`.
    c.drain();
    c.change(&b, 2, &BAKE.replace("alpine:3.20", "alpine:latest"));
    let d = c.diagnostics(&f);
    assert_eq!(with_code(&d, "BL1007").len(), 1, "{d:?}");
    assert!(d.iter().all(|x| x["code"] != "BL5024"));

    // A bake file that does not parse: BL5001 where it stops.
    c.change(&b, 3, "target \"app\" {\n  context = \n");
    let d = c.diagnostics_at(&b, 3);
    let syntax = with_code(&d, "BL5001");
    assert_eq!(syntax.len(), 1, "{d:?}");
    assert!(start(syntax[0]).0 <= 2, "{d:?}");
    assert!(c.shutdown().success());
}

#[test]
fn bake_findings_have_exact_ranges_and_the_merged_override_counts() {
    // The override file adds an arg no stage declares; the definition is
    // the two files merged in buildx's order.
    let over = "target \"app\" {\n  args = { VERSON = \"1\" }\n}\n";
    let dir = project(&[
        (
            "docker-bake.hcl",
            "target \"app\" {\n  context = \"app\"\n}\n",
        ),
        ("docker-bake.override.hcl", over),
        ("app/Dockerfile", "FROM alpine:3.20\nARG VERSION\n"),
    ]);
    let mut c = Client::start(dir.path());
    let o = c.open(&dir.path().join("docker-bake.override.hcl"), "hcl");
    let d = c.diagnostics(&o);
    let arg = with_code(&d, "BL5023");
    assert_eq!(arg.len(), 1, "{d:?}");
    // At the `args` key of the override, where `check` reports it.
    assert_eq!(start(arg[0]), (1, 2), "{d:?}");
    assert_eq!(arg[0]["range"]["end"], json!({"line": 1, "character": 6}));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_buildlint"))
        .args(["check", "--format", "json", "--exit-zero"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let by_check = found
        .iter()
        .find(|f| f["code"] == "BL5023")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(by_check["file"], "docker-bake.override.hcl");
    assert_eq!(
        (
            &by_check["line"],
            &by_check["column"],
            &by_check["end_column"]
        ),
        (&json!(2), &json!(3), &json!(7))
    );
    // A language id names a bake file by any name.
    let ci = c.open_text(
        &dir.path().join("ci.hcl"),
        "dockerbake",
        "target \"x\" {\n  context = \"nowhere\"\n}\n",
    );
    let d = c.diagnostics(&ci);
    assert_eq!(with_code(&d, "BL5020").len(), 1, "{d:?}");
}

#[test]
fn a_bake_file_of_any_name_keeps_its_dockerfiles_once_closed() {
    let ci = "target \"x\" {\n  context = \"app\"\n  args = { BASE = \"alpine:3.20\" }\n}\n";
    let dir = project(&[
        ("ci.hcl", ci),
        ("app/Dockerfile", "ARG BASE=alpine:latest\nFROM ${BASE}\n"),
    ]);
    let mut c = Client::start(dir.path());
    let b = c.open(&dir.path().join("ci.hcl"), "dockerbake");
    c.diagnostics(&b);
    let f = c.open(&dir.path().join("app/Dockerfile"), "dockerfile");
    let d = c.diagnostics(&f);
    assert!(with_code(&d, "BL1007").is_empty(), "{d:?}");
    // Closed, the bake file is read from disk and still builds it.
    c.drain();
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": b}}));
    let d = c.diagnostics(&f);
    assert!(with_code(&d, "BL1007").is_empty(), "{d:?}");
    // Edited on disk to pass `latest`: the watched-files notice refreshes it.
    std::fs::write(dir.path().join("ci.hcl"), ci.replace("3.20", "latest")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&dir.path().join("ci.hcl")), "type": 2}]}),
    );
    let d = c.diagnostics(&f);
    assert_eq!(with_code(&d, "BL1007").len(), 1, "{d:?}");
}
