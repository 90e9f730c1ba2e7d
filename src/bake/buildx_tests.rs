//! The differential check against buildx: `fixtures/bake/buildx/` holds
//! bake files taken from buildx's own tests (`bake/hcl_test.go`,
//! `bake/bake_test.go`), each with the values buildx's test asserts for it
//! (`case.json`). Each case is resolved as `buildlint debug bake` resolves
//! it and compared with those values; a case buildx rejects must be
//! rejected here too (a loading problem or a resolution error).
//!
//! `case.json`: `files` (in `-f` order), `targets`, `set`, `env` (the
//! environment variables the buildx test sets), and either `error` (buildx
//! fails; the text is buildx's, for the reader) or `expect`:
//! - `target`: per target, per key, the value `--print` shows; `null`: the
//!   key is absent. `cache-from`, `cache-to`, `output`, `secret`, `ssh` and
//!   `attest` entries are compared as sets of CSV fields (buildx's test
//!   sorts and re-renders them, e.g. `user/app:cache` for
//!   `{type = "registry", ref = "user/app:cache"}`).
//! - `target_names`: exactly the targets resolved.
//! - `group`: groups and their members in order; `group_unordered`: as
//!   sets; `group_names`: exactly the groups shown.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::print::to_json;
use super::resolve::{load, resolve_with_env, LoadOptions};

const CSV_KEYS: &[&str] = &[
    "cache-from",
    "cache-to",
    "output",
    "secret",
    "ssh",
    "attest",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bake/buildx")
}

/// A CSV entry as its set of fields; a bare reference is
/// `type=registry,ref=...` (cache) or the entry itself (ssh, output).
fn csv_set(key: &str, entry: &str) -> BTreeSet<String> {
    let fields = super::model::csv_fields(entry);
    if key.starts_with("cache") && !entry.contains('=') {
        return ["type=registry".to_string(), format!("ref={entry}")].into();
    }
    fields
        .into_iter()
        .map(|(k, v)| if v.is_empty() { k } else { format!("{k}={v}") })
        .collect()
}

fn same_value(key: &str, want: &Value, got: Option<&Value>) -> bool {
    match (want, got) {
        (Value::Null, None) | (Value::Null, Some(Value::Null)) => true,
        (Value::Array(w), Some(Value::Array(g))) if CSV_KEYS.contains(&key) => {
            let set = |a: &Vec<Value>| -> BTreeSet<BTreeSet<String>> {
                a.iter()
                    .map(|v| csv_set(key, v.as_str().unwrap_or_default()))
                    .collect()
            };
            set(w) == set(g)
        }
        (w, Some(g)) => w == g,
        _ => false,
    }
}

/// What differs between buildx's values for a case and ours, in words.
fn differences(dir: &Path) -> Vec<String> {
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).unwrap()).unwrap();
    let strings = |k: &str| -> Vec<String> {
        spec[k]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let env: BTreeMap<String, String> = spec["env"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let loaded = load(&LoadOptions {
        files: strings("files").iter().map(|f| dir.join(f)).collect(),
        working_dir: Some(dir.to_path_buf()),
        environment: env.clone(),
        overlay: BTreeMap::new(),
    });
    let mut failure: Vec<String> = loaded.error.iter().cloned().collect();
    failure.extend(loaded.problems.iter().map(|p| p.message.clone()));
    let resolved = if loaded.error.is_none() {
        match resolve_with_env(&loaded.config, &strings("targets"), &strings("set"), &env) {
            Ok(r) => Some(to_json(&r)),
            Err(e) => {
                failure.push(e);
                None
            }
        }
    } else {
        None
    };
    if let Some(buildx_error) = spec.get("error") {
        return if failure.is_empty() {
            vec![format!(
                "buildx fails ({buildx_error}); buildlint resolves {}",
                resolved.unwrap_or_default()
            )]
        } else {
            Vec::new()
        };
    }
    if !failure.is_empty() {
        return vec![format!(
            "buildx resolves it; buildlint: {}",
            failure.join("; ")
        )];
    }
    let got = resolved.expect("resolved");
    let expect = &spec["expect"];
    let mut out = Vec::new();
    let names = |v: &Value| -> BTreeSet<String> {
        v.as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .collect()
    };
    if let Some(want) = expect.get("target_names") {
        let want: BTreeSet<String> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        if want != names(&got["target"]) {
            out.push(format!(
                "targets: buildx {want:?}, buildlint {:?}",
                names(&got["target"])
            ));
        }
    }
    if let Some(want) = expect.get("group_names") {
        let want: BTreeSet<String> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        if want != names(&got["group"]) {
            out.push(format!(
                "groups: buildx {want:?}, buildlint {:?}",
                names(&got["group"])
            ));
        }
    }
    for (ordered, key) in [(true, "group"), (false, "group_unordered")] {
        for (g, members) in expect[key].as_object().into_iter().flatten() {
            let ours = &got["group"][g]["targets"];
            let same = if ordered {
                ours == members
            } else {
                let set = |v: &Value| -> BTreeSet<String> {
                    v.as_array()
                        .into_iter()
                        .flatten()
                        .map(|m| m.as_str().unwrap_or_default().to_string())
                        .collect()
                };
                set(ours) == set(members)
            };
            if !same {
                out.push(format!("group {g}: buildx {members}, buildlint {ours}"));
            }
        }
    }
    for (t, attrs) in expect["target"].as_object().into_iter().flatten() {
        let Some(ours) = got["target"].get(t) else {
            out.push(format!(
                "target {t}: buildx resolves it, buildlint does not"
            ));
            continue;
        };
        for (key, want) in attrs.as_object().unwrap() {
            if !same_value(key, want, ours.get(key)) {
                out.push(format!(
                    "target {t}, {key}: buildx {want}, buildlint {}",
                    ours.get(key).cloned().unwrap_or(Value::Null)
                ));
            }
        }
    }
    out
}

/// Cases where buildlint knowingly differs from buildx, with the reason;
/// the test fails when one of them starts to agree (take it off the list).
const KNOWN: &[(&str, &str)] = &[
    (
        "hcl-builtin-vars",
        "BAKE_CMD_CONTEXT is the context `docker buildx bake` was given (a Git or HTTP URL for a remote definition); buildlint reads local files only, where it is `cwd`",
    ),
    (
        "hcl-target-attrs",
        "`target.NAME.ATTR` references between targets are not evaluated (docs/bake.md, Not yet)",
    ),
    (
        "hcl-matrix-with-global-target",
        "`target.NAME.ATTR` references between targets are not evaluated (docs/bake.md, Not yet)",
    ),
];

#[test]
fn resolved_targets_match_buildx_tests() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 100, "the buildx cases are missing");
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let diffs = differences(dir);
        let known = KNOWN.iter().find(|(n, _)| *n == name);
        match (known, diffs.is_empty()) {
            (None, false) => failures.push(format!("{name}: {}", diffs.join("; "))),
            (Some((_, why)), true) => failures.push(format!(
                "{name}: now agrees with buildx; take it off KNOWN ({why})"
            )),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from buildx:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}
