//! The GitHub Action of `action.yml`: its metadata (the keys GitHub
//! requires, the inputs, that each input is used and each use declared) and
//! its lint step, run for real with bash on a scratch repository.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn action() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let text = std::fs::read_to_string(path).expect("action.yml at the repository root");
    serde_saphyr::from_str(&text).expect("action.yml is YAML")
}

fn text_of(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// Every `inputs.NAME` an expression in `text` reads.
fn inputs_read(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"inputs\.([A-Za-z0-9_-]+)").unwrap();
    re.captures_iter(text).map(|c| c[1].to_string()).collect()
}

const INPUTS: [&str; 6] = [
    "paths",
    "format",
    "failure-threshold",
    "config",
    "sarif-upload",
    "sarif-file",
];

#[test]
fn metadata_has_the_required_keys_and_declared_inputs_are_used() {
    let a = action();
    for key in ["name", "description", "runs"] {
        assert!(
            a[key].is_string() || a[key].is_object(),
            "action.yml needs `{key}`"
        );
    }
    let runs = &a["runs"];
    assert_eq!(runs["using"], "composite");
    let steps = runs["steps"]
        .as_array()
        .expect("a composite action has steps");
    assert!(!steps.is_empty());
    for step in steps {
        let step = step.as_object().unwrap();
        assert!(
            step.contains_key("run") != step.contains_key("uses"),
            "a step runs a script or uses an action: {step:?}"
        );
        if step.contains_key("run") {
            // GitHub requires `shell` on each `run` of a composite action.
            assert_eq!(step["shell"], "bash", "{step:?}");
        }
        if let Some(uses) = step.get("uses").and_then(Value::as_str) {
            assert!(uses.contains("@v"), "`{uses}` is pinned to a major version");
        }
    }
    let inputs = a["inputs"].as_object().expect("inputs");
    let names: Vec<&str> = inputs.keys().map(String::as_str).collect();
    let mut expected = INPUTS.to_vec();
    expected.sort();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    for (name, input) in inputs {
        assert!(
            input["description"].is_string(),
            "input `{name}` needs a description"
        );
        if let Some(r) = input.get("required") {
            assert!(r.is_boolean(), "input `{name}`: `required` is a boolean");
        }
        if let Some(d) = input.get("default") {
            assert!(d.is_string(), "input `{name}`: the default is a string");
        }
    }
    let read = inputs_read(&text_of(runs));
    for name in &names {
        assert!(
            read.iter().any(|r| r == name),
            "input `{name}` is never used"
        );
    }
    for r in &read {
        assert!(names.contains(&r.as_str()), "`inputs.{r}` is not declared");
    }
    for (name, output) in a["outputs"].as_object().unwrap() {
        assert!(
            output["description"].is_string() && output["value"].is_string(),
            "{name}"
        );
    }
}

#[test]
fn the_variables_the_action_sets_are_options_of_check() {
    let help = Command::new(env!("CARGO_BIN_EXE_buildlint"))
        .args(["check", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let a = action();
    for step in a["runs"]["steps"].as_array().unwrap() {
        if let Some(env) = step.get("env").and_then(Value::as_object) {
            for key in env.keys().filter(|k| k.starts_with("BUILDLINT_")) {
                assert!(
                    help.contains(&format!("env: {key}")),
                    "{key} is not an option of check"
                );
            }
        }
    }
}

/// The `Lint` step's script and environment, with `inputs` substituted.
fn lint_step(inputs: &BTreeMap<&str, &str>) -> (String, Vec<(String, String)>) {
    let a = action();
    let defaults: BTreeMap<String, String> = a["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["default"].as_str().unwrap_or("").to_string()))
        .collect();
    let expand = |s: &str| {
        let re = regex::Regex::new(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}").unwrap();
        re.replace_all(s, |c: &regex::Captures| {
            inputs
                .get(&c[1])
                .map(|v| v.to_string())
                .unwrap_or_else(|| defaults[&c[1]].clone())
        })
        .into_owned()
    };
    let step = a["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Lint")
        .expect("a step named Lint")
        .clone();
    let env = step["env"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), expand(v.as_str().unwrap())))
        .collect();
    (expand(step["run"].as_str().unwrap()), env)
}

fn run_lint(dir: &Path, inputs: &[(&str, &str)]) -> (i32, String) {
    let (script, env) = lint_step(&inputs.iter().copied().collect());
    let bin = Path::new(env!("CARGO_BIN_EXE_buildlint"));
    let mut paths = vec![bin.parent().unwrap().to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let mut c = Command::new("bash");
    c.args([
        "--noprofile",
        "--norc",
        "-e",
        "-o",
        "pipefail",
        "-c",
        &script,
    ])
    .current_dir(dir)
    .env("PATH", std::env::join_paths(paths).unwrap());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("BUILDLINT_") {
            c.env_remove(k);
        }
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_lint_step_gates_and_annotates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::create_dir_all(dir.join("other dir")).unwrap();
    std::fs::write(
        dir.join("app/Dockerfile"),
        "FROM alpine:latest\nUSER 10001\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("other dir/Dockerfile"),
        "FROM alpine:3.20\nUSER 10001\n",
    )
    .unwrap();
    std::fs::write(dir.join("buildlint.toml"), "").unwrap();
    // Defaults: the whole repository, GitHub annotations, a warning fails.
    let (code, out) = run_lint(dir, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("::warning file=app/Dockerfile,line=1,col=13"),
        "{out}"
    );
    let (code, out) = run_lint(dir, &[("failure-threshold", "error")]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run_lint(dir, &[("format", "compact"), ("paths", "app")]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("app/Dockerfile:1:13: warning[BL1007]"),
        "{out}"
    );
    // Several paths, one of them holding a space: bash reads words.
    let (code, out) = run_lint(dir, &[("paths", "other\\ dir app/Dockerfile")]);
    assert_eq!(code, 1, "{out}");
    std::fs::write(dir.join("strict.toml"), "failure-threshold = \"none\"\n").unwrap();
    let (code, out) = run_lint(dir, &[("config", "strict.toml")]);
    assert_eq!(code, 0, "{out}");
}
