//! `buildlint lsp` over real JSON-RPC: code actions (fixes, fix-all,
//! suppressions), hover, go to definition, document symbols, completion.

mod lsp_common;

use lsp_common::*;
use serde_json::{json, Value};

/// Applies LSP text edits (UTF-16 positions) to `text`.
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| -> usize {
        let line = p["line"].as_u64().unwrap() as usize;
        let ch = p["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units >= ch || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (s, e, new) in spans {
        out.replace_range(s..e, new);
    }
    out
}

fn actions(c: &mut Client, u: &str, line: u64, only: Option<&[&str]>) -> Vec<Value> {
    let mut context = json!({"diagnostics": []});
    if let Some(only) = only {
        context["only"] = json!(only);
    }
    let r = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": u},
            "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
            "context": context
        }),
    );
    r.as_array().cloned().unwrap_or_default()
}

fn titled<'a>(actions: &'a [Value], title: &str) -> &'a Value {
    actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with(title))
        .unwrap_or_else(|| panic!("no action `{title}` in {actions:#?}"))
}

fn edits_of(action: &Value, u: &str) -> Vec<Value> {
    action["edit"]["changes"][u].as_array().cloned().unwrap()
}

#[test]
fn fixes_fix_all_and_suppressions_as_code_actions() {
    let text = "FROM debian:12\nRUN apt-get install curl\nMAINTAINER me\nCMD nginx -v\n";
    let dir = project(&[("Dockerfile", text)]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    c.diagnostics(&u);

    let here = actions(&mut c, &u, 1, None);
    let fix = titled(&here, "Fix BL2008");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    assert_eq!(fix["diagnostics"][0]["code"], "BL2008");
    let fixed = apply(text, &edits_of(fix, &u));
    assert!(fixed.contains("RUN apt-get install -y curl\n"), "{fixed}");
    // Applying it: the diagnostic goes.
    c.change(&u, 2, &fixed);
    assert!(with_code(&c.diagnostics_at(&u, 2), "BL2008").is_empty());

    let suppress = titled(&here, "Suppress BL2008 on this line");
    let s = apply(text, &edits_of(suppress, &u));
    assert!(
        s.contains("# buildlint ignore=BL2008\nRUN apt-get install curl"),
        "{s}"
    );
    c.change(&u, 3, &s);
    let d = c.diagnostics_at(&u, 3);
    assert!(with_code(&d, "BL2008").is_empty(), "{d:?}");
    assert!(
        with_code(&d, "BL0002").is_empty(),
        "the suppression is used"
    );
    c.change(&u, 4, text);
    c.diagnostics_at(&u, 4);
    let whole = titled(&here, "Suppress BL2008 in this file");
    let s = apply(text, &edits_of(whole, &u));
    assert!(
        s.starts_with("# buildlint global ignore=BL2008\nFROM"),
        "{s}"
    );

    // An unsafe fix is labelled and never preferred.
    let cmd = actions(&mut c, &u, 3, Some(&["quickfix"]));
    let unsafe_fix = cmd
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains("unsafe"))
        .expect("an unsafe fix on CMD");
    assert!(unsafe_fix["isPreferred"].is_null());

    // Fix all: every safe fix, none of the unsafe ones.
    let all = actions(&mut c, &u, 0, Some(&["source.fixAll"]));
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["kind"], "source.fixAll.buildlint");
    let fixed = apply(text, &edits_of(&all[0], &u));
    assert!(fixed.contains("install -y curl"), "{fixed}");
    assert!(fixed.contains("LABEL org.opencontainers.image.authors=\"me\""));
    assert!(fixed.contains("CMD nginx -v\n"), "{fixed}");
    // Only quick fixes asked: no source action.
    assert!(actions(&mut c, &u, 1, Some(&["quickfix"]))
        .iter()
        .all(|a| a["kind"] == "quickfix"));
}

#[test]
fn stack_suppressions_go_above_the_line() {
    let text = "services:\n  web:\n    image: nginx:1.27\n    networks:\n      - front\n";
    let dir = project(&[("compose.yaml", text)]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("compose.yaml"), "yaml");
    let d = c.diagnostics(&u);
    assert_eq!(with_code(&d, "BL4001").len(), 1, "{d:?}");
    let here = actions(&mut c, &u, 4, None);
    let s = apply(
        text,
        &edits_of(titled(&here, "Suppress BL4001 on this line"), &u),
    );
    assert!(
        s.contains("    networks:\n      # buildlint ignore=BL4001\n      - front\n"),
        "{s}"
    );
    c.change(&u, 2, &s);
    assert!(with_code(&c.diagnostics_at(&u, 2), "BL4001").is_empty());
}

fn position_of(text: &str, needle: &str, plus: usize) -> Value {
    let at = text.find(needle).unwrap() + plus;
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": text[start..at].encode_utf16().count()})
}

fn at(u: &str, text: &str, needle: &str, plus: usize) -> Value {
    json!({"textDocument": {"uri": u}, "position": position_of(text, needle, plus)})
}

fn hover_text(c: &mut Client, params: Value) -> String {
    let r = c.request("textDocument/hover", params);
    r["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

const MULTI: &str = "ARG VERSION=1.0\nFROM nginx:latest AS build\nARG VERSION\nENV HOME_DIR=/srv\nRUN echo ${VERSION} $HOME_DIR $PATH\nFROM alpine:3.20\nCOPY --from=build /srv /srv\nRUN --mount=type=cache,from=build,target=/c true\n";

#[test]
fn hover_on_findings_images_and_variables() {
    let dir = project(&[("Dockerfile", MULTI)]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    c.diagnostics(&u);
    let h = hover_text(&mut c, at(&u, MULTI, "latest", 1));
    assert!(h.contains("**BL1007** `latest-base-image-tag`"), "{h}");
    assert!(h.contains("rules/BL1007.md"), "{h}");
    assert!(h.contains("official image `nginx`"), "{h}");
    let h = hover_text(&mut c, at(&u, MULTI, "${VERSION}", 3));
    assert!(
        h.contains("`VERSION`: ARG on line 3, value `1.0` (the global ARG's default)"),
        "{h}"
    );
    let h = hover_text(&mut c, at(&u, MULTI, "$HOME_DIR", 2));
    assert!(h.contains("`HOME_DIR`: ENV on line 4, value `/srv`"), "{h}");
    let h = hover_text(&mut c, at(&u, MULTI, "$PATH", 1));
    assert!(h.contains("set by the base image `nginx:latest`"), "{h}");
    let h = hover_text(&mut c, at(&u, MULTI, "from=build /srv", 6));
    assert!(h.contains("Stage `build`, defined on line 2"), "{h}");
    // Nothing to say: null.
    let r = c.request("textDocument/hover", at(&u, MULTI, "true", 1));
    assert!(r.is_null(), "{r}");
}

#[test]
fn definitions_in_dockerfiles() {
    let dir = project(&[("Dockerfile", MULTI)]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    let mut def = |needle: &str, plus: usize| -> Value {
        let r = c.request("textDocument/definition", at(&u, MULTI, needle, plus));
        assert_eq!(r["uri"], u, "{needle}: {r}");
        r["range"]["start"].clone()
    };
    let alias = position_of(MULTI, "build\nARG", 0);
    assert_eq!(def("from=build /srv", 6), alias);
    assert_eq!(def("from=build,target", 6), alias);
    assert_eq!(def("${VERSION}", 3), position_of(MULTI, "VERSION\nENV", 0));
    assert_eq!(def("$HOME_DIR", 1), position_of(MULTI, "HOME_DIR=", 0));
}

const STACK: &str = "services:\n  web:\n    build:\n      context: ./app\n      dockerfile: web.Dockerfile\n    depends_on:\n      - db\n    networks:\n      - front\n    volumes:\n      - data:/var/lib\n    secrets:\n      - token\n  db:\n    image: postgres:16\n  worker:\n    extends:\n      service: web\nnetworks:\n  front: {}\nvolumes:\n  data: {}\nsecrets:\n  token:\n    file: ./token.txt\n";

#[test]
fn stack_hover_definitions_and_symbols() {
    let dir = project(&[
        ("compose.yaml", STACK),
        ("app/web.Dockerfile", "FROM alpine:3.20\n"),
        ("token.txt", "x"),
    ]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("compose.yaml"), "yaml");
    c.diagnostics(&u);
    let h = hover_text(&mut c, at(&u, STACK, "- db", 3));
    assert!(h.contains("service `db`, defined on line 14"), "{h}");
    assert!(h.contains("image: postgres:16"), "{h}");

    let mut def = |needle: &str, plus: usize| -> Value {
        c.request("textDocument/definition", at(&u, STACK, needle, plus))
    };
    let key = |needle: &str| position_of(STACK, needle, 0);
    assert_eq!(def("- db", 2)["range"]["start"], key("db:\n"));
    assert_eq!(def("- front", 2)["range"]["start"], key("front: {}"));
    assert_eq!(def("- data", 2)["range"]["start"], key("data: {}"));
    assert_eq!(def("- token", 2)["range"]["start"], key("token:\n"));
    assert_eq!(def("service: web", 10)["range"]["start"], key("web:\n"));
    let df = def("web.Dockerfile", 1);
    assert_eq!(df["uri"], uri(&dir.path().join("app/web.Dockerfile")));

    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    let names: Vec<(&str, Vec<&str>)> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["children"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["name"].as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("services", vec!["web", "db", "worker"]),
            ("networks", vec!["front"]),
            ("volumes", vec!["data"]),
            ("secrets", vec!["token"])
        ]
    );
}

#[test]
fn dockerfile_symbols_and_completion() {
    let dir = project(&[("Dockerfile", MULTI)]);
    let mut c = Client::start(dir.path());
    let u = c.open(&dir.path().join("Dockerfile"), "dockerfile");
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    let symbols = symbols.as_array().unwrap();
    let names: Vec<&str> = symbols
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ARG VERSION=1.0", "build", "stage 1"]);
    assert_eq!(symbols[1]["detail"], "nginx:latest");
    assert_eq!(symbols[1]["children"].as_array().unwrap().len(), 3);

    let text = format!("{MULTI}COPY --from=");
    c.change(&u, 2, &text);
    let complete = |c: &mut Client, line: usize, character: usize| -> Vec<String> {
        let r = c.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": u}, "position": {"line": line, "character": character}}),
        );
        r.as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(complete(&mut c, 8, 12), ["build"]);
    let flags = complete(&mut c, 8, 7);
    assert!(flags.contains(&"--chown".to_string()), "{flags:?}");
    let keywords = complete(&mut c, 8, 2);
    assert!(keywords.contains(&"COPY".to_string()), "{keywords:?}");

    let s = c.open_text(
        &dir.path().join("compose.yaml"),
        "yaml",
        "services:\n  web:\n    image: a\n    \n",
    );
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": s}, "position": {"line": 3, "character": 4}}),
    );
    let keys: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"depends_on") && keys.contains(&"build"),
        "{keys:?}"
    );
}
