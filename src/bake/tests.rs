//! The fixture set in `fixtures/bake/`: each case loaded and resolved as
//! `docker buildx bake --print` would, compared with its `expected.json`;
//! and problem cases, each reported at its key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::model::ProblemKind;
use super::print::to_json;
use super::resolve::{load, resolve, LoadOptions};

struct Case {
    dir: &'static str,
    /// `-f` files (empty: the default names).
    files: &'static [&'static str],
    targets: &'static [&'static str],
    sets: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        dir: "basic",
        files: &[],
        targets: &[],
        sets: &[],
        env: &[("TAG", "v1.2"), ("IMAGE", "ignored")],
    },
    Case {
        dir: "inherits",
        files: &[],
        targets: &["cli", "server"],
        sets: &[],
        env: &[],
    },
    Case {
        dir: "matrix",
        files: &[],
        targets: &["tool"],
        sets: &[],
        env: &[],
    },
    Case {
        dir: "merge-order",
        files: &[],
        targets: &[],
        sets: &[],
        env: &[],
    },
    Case {
        dir: "set",
        files: &["docker-bake.hcl"],
        targets: &["all"],
        sets: &[
            "api.dockerfile=api.Dockerfile",
            "api.args.MODE=prod",
            "api.tags+=example/api:1.0",
            "*.platform=linux/amd64",
            "*.platform=linux/arm64",
            "*.no-cache=true",
        ],
        env: &[],
    },
    Case {
        dir: "contexts",
        files: &[],
        targets: &[],
        sets: &[],
        env: &[],
    },
    Case {
        dir: "nested-groups",
        files: &[],
        targets: &[],
        sets: &[],
        env: &[],
    },
    Case {
        dir: "json",
        files: &[],
        targets: &[],
        sets: &[],
        env: &[("DEBUG", "true")],
    },
];

fn fixture(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bake")
        .join(dir)
}

fn options(dir: &Path, files: &[&str], env: &[(&str, &str)]) -> LoadOptions {
    LoadOptions {
        files: files.iter().map(|f| dir.join(f)).collect(),
        working_dir: Some(dir.to_path_buf()),
        environment: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        overlay: BTreeMap::new(),
    }
}

#[test]
fn fixtures_resolve_as_bake_prints_them() {
    let mut failures = Vec::new();
    for case in CASES {
        let dir = fixture(case.dir);
        let loaded = load(&options(&dir, case.files, case.env));
        assert!(loaded.error.is_none(), "{}: {:?}", case.dir, loaded.error);
        assert!(
            loaded.problems.is_empty(),
            "{}: {:#?}",
            case.dir,
            loaded.problems
        );
        let targets: Vec<String> = case.targets.iter().map(|s| s.to_string()).collect();
        let sets: Vec<String> = case.sets.iter().map(|s| s.to_string()).collect();
        let resolved = resolve(&loaded.config, &targets, &sets)
            .unwrap_or_else(|e| panic!("{}: {e}", case.dir));
        let got = to_json(&resolved);
        let want: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        if got != want {
            failures.push(format!(
                "{}:\n got  {}\n want {}",
                case.dir,
                serde_json::to_string_pretty(&got).unwrap(),
                serde_json::to_string_pretty(&want).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Loads `text` as `docker-bake.hcl` (or `.json`) and returns the problems
/// as (kind, the text under the span).
fn problems(name: &str, text: &str) -> Vec<(ProblemKind, String)> {
    let path = PathBuf::from("/nonexistent").join(name);
    let mut opts = options(Path::new("/nonexistent"), &[name], &[]);
    opts.overlay.insert(path, text.to_string());
    let loaded = load(&opts);
    assert!(loaded.error.is_none(), "{:?}", loaded.error);
    loaded
        .problems
        .iter()
        .map(|p| {
            (
                p.kind,
                p.at.span.slice(&loaded.files[p.at.file].text).to_string(),
            )
        })
        .collect()
}

#[test]
fn problems_are_reported_at_their_keys() {
    use ProblemKind::*;
    /// (what, file text, problems as (kind, text under the span)).
    type ProblemCase = (
        &'static str,
        &'static str,
        &'static [(ProblemKind, &'static str)],
    );
    let cases: &[ProblemCase] = &[
        ("unknown block", "targte \"a\" {}\n", &[(UnknownBlock, "targte")]),
        (
            "unknown attribute",
            "target \"a\" {\n  dockerfil = \"x\"\n}\n",
            &[(UnknownAttribute, "dockerfil")],
        ),
        ("wrong type", "target \"a\" {\n  tags = \"a:b\"\n}\n", &[(AttributeType, "tags")]),
        (
            "undefined variable",
            "target \"a\" {\n  args = { A = \"${NOPE}\" }\n}\n",
            &[(UndefinedVariable, "args")],
        ),
        (
            "unknown function",
            "target \"a\" {\n  tags = [shout(\"x\")]\n}\n",
            &[(UnknownFunction, "tags")],
        ),
        (
            "buildx function not evaluated",
            "target \"a\" {\n  tags = [uuidv4()]\n}\n",
            &[(UnsupportedFunction, "tags")],
        ),
        (
            "undefined group member and parent",
            "group \"default\" {\n  targets = [\"a\", \"b\"]\n}\ntarget \"a\" {\n  inherits = [\"base\"]\n}\n",
            &[(UndefinedTarget, "targets"), (UndefinedTarget, "inherits")],
        ),
        (
            "inherits cycle",
            "target \"a\" {\n  inherits = [\"b\"]\n}\ntarget \"b\" {\n  inherits = [\"a\"]\n}\n",
            &[(Cycle, "inherits"), (Cycle, "inherits")],
        ),
        (
            "variable cycle",
            "variable \"A\" {\n  default = B\n}\nvariable \"B\" {\n  default = \"${A}x\"\n}\n",
            &[(Cycle, "\"A\""), (Cycle, "\"B\"")],
        ),
        (
            "undefined target context",
            "target \"a\" {\n  contexts = { base = \"target:nope\" }\n}\n",
            &[(UndefinedTarget, "contexts")],
        ),
        (
            "context cycle",
            "target \"a\" {\n  contexts = { b = \"target:b\" }\n}\ntarget \"b\" {\n  contexts = { a = \"target:a\" }\n}\n",
            &[(Cycle, "contexts"), (Cycle, "contexts")],
        ),
        (
            "invalid matrix name",
            "target \"a\" {\n  matrix = { v = [\"1.0\"] }\n  name = \"a-${v}\"\n}\n",
            &[(Matrix, "name")],
        ),
        (
            "validation",
            "variable \"N\" {\n  default = 0\n  validation {\n    condition = N > 0\n    error_message = \"N must be positive\"\n  }\n}\n",
            &[(Validation, "condition")],
        ),
        ("syntax", "target \"a\" {\n  tags = [\n", &[(Syntax, "")]),
        (
            "matrix bomb",
            "target \"t\" {\n  matrix = { a = range(1000), b = range(1000) }\n  name = \"t-${a}-${b}\"\n}\n",
            &[(Matrix, "matrix")],
        ),
    ];
    for (what, text, want) in cases {
        let got = problems("docker-bake.hcl", text);
        let want: Vec<(ProblemKind, String)> =
            want.iter().map(|(k, s)| (*k, s.to_string())).collect();
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn json_problems_point_at_json_keys() {
    let got = problems(
        "docker-bake.json",
        "{\n  \"target\": {\n    \"a\": { \"tags\": \"x\", \"bogus\": 1 }\n  }\n}\n",
    );
    assert_eq!(
        got,
        vec![
            (ProblemKind::UnknownAttribute, "\"bogus\"".to_string()),
            (ProblemKind::AttributeType, "\"tags\"".to_string()),
        ]
    );
}

#[test]
fn syntax_errors_name_the_position() {
    let path = PathBuf::from("/nonexistent/docker-bake.hcl");
    let mut opts = options(Path::new("/nonexistent"), &["docker-bake.hcl"], &[]);
    let text = "target \"a\" {\n  tags = [\"x\",,]\n}\n";
    opts.overlay.insert(path, text.to_string());
    let loaded = load(&opts);
    let p = &loaded.problems[0];
    assert_eq!(p.kind, ProblemKind::Syntax);
    let lc = crate::span::LineIndex::new(text).line_col(text, p.at.span.start);
    assert_eq!(lc.line, 2, "{p:?}");
}

#[test]
fn resolving_reports_what_buildx_refuses() {
    let dir = fixture("basic");
    let loaded = load(&options(&dir, &[], &[]));
    let err = resolve(&loaded.config, &["nope".to_string()], &[]).unwrap_err();
    assert!(err.contains("failed to find target nope"), "{err}");
    assert!(
        err.contains("(targets and groups: ") && err.contains("app"),
        "{err}"
    );
    let err = resolve(&loaded.config, &["ap".to_string()], &[]).unwrap_err();
    assert!(
        err.ends_with("failed to find target ap (did you mean `app`?)"),
        "{err}"
    );
    let err = resolve(&loaded.config, &[], &["app.bogus=1".to_string()]).unwrap_err();
    assert!(err.contains("unknown key"), "{err}");
    let err = resolve(&loaded.config, &[], &["app.args=1".to_string()]).unwrap_err();
    assert!(err.contains("requires name"), "{err}");
}

#[test]
fn binary_and_missing_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("docker-bake.hcl");
    std::fs::write(&bin, [0xff, 0xfe, 0x00, 0x01]).unwrap();
    let loaded = load(&options(dir.path(), &["docker-bake.hcl"], &[]));
    assert!(loaded.error.as_deref().unwrap().contains("not UTF-8"));
    let loaded = load(&options(dir.path(), &["missing.hcl"], &[]));
    assert!(loaded.error.is_some());
    let empty = tempfile::tempdir().unwrap();
    let loaded = load(&options(empty.path(), &[], &[]));
    assert!(loaded
        .error
        .as_deref()
        .unwrap()
        .contains("no bake file found"));
}

/// docs/bake.md lists the functions evaluated and those only known, as the
/// loader has them.
#[test]
fn docs_list_the_functions_as_evaluated() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/bake.md"))
        .unwrap();
    let list = |names: &[&str]| -> String {
        let mut names = names.to_vec();
        names.sort_unstable();
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
            + "."
    };
    let evaluated = super::stdlib::evaluated_names();
    let known: Vec<&str> = super::stdlib::BUILDX_FUNCTIONS
        .iter()
        .copied()
        .filter(|n| !evaluated.contains(n))
        .collect();
    let after = |marker: &str| -> String {
        let rest = &docs[docs.find(marker).unwrap_or_else(|| panic!("{marker}"))..];
        rest.split("\n\n")
            .nth(1)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    assert_eq!(
        after("buildlint evaluates these functions"),
        list(&evaluated),
        "docs/bake.md: the evaluated functions"
    );
    assert_eq!(
        after("These buildx functions are known but not evaluated"),
        list(&known),
        "docs/bake.md: the functions known but not evaluated"
    );
}

/// Every attribute of buildx's `Target` is known; `resources` is typed as
/// buildx types it, `policy` entries may be maps (CSV, as `output`).
#[test]
fn resources_and_policy_are_read_as_buildx_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("docker-bake.hcl"),
        r#"target "base" {
  resources = { memory = "1g", cpu-shares = 512 }
  policy    = ["filename=base.rego"]
}
target "app" {
  inherits  = ["base"]
  resources = { cpu-quota = 50000 }
  policy    = [{ filename = "app.rego", strict = true }]
}
target "bad" {
  resources = { memroy = "1g", cpu-period = "often" }
}
"#,
    )
    .unwrap();
    let loaded = load(&options(dir.path(), &["docker-bake.hcl"], &[]));
    let kinds: Vec<(ProblemKind, &str)> = loaded
        .problems
        .iter()
        .map(|p| (p.kind, p.message.as_str()))
        .collect();
    assert_eq!(kinds.len(), 1, "{kinds:?}");
    assert_eq!(kinds[0].0, ProblemKind::AttributeType);
    assert!(
        kinds[0]
            .1
            .contains("invalid value often for int64 key resources.cpu-period")
            || kinds[0].1.contains("unknown resources key memroy"),
        "{kinds:?}"
    );
    let resolved = resolve(&loaded.config, &["app".to_string()], &[]).unwrap();
    let printed = to_json(&resolved);
    assert_eq!(
        printed["target"]["app"]["resources"],
        serde_json::json!({ "memory": "1g", "cpu-shares": 512, "cpu-quota": 50000 })
    );
    assert_eq!(
        printed["target"]["app"]["policy"],
        serde_json::json!(["filename=base.rego", "filename=app.rego,strict=true"])
    );
    let resolved = resolve(
        &loaded.config,
        &["app".to_string()],
        &["app.resources.memory=2g".to_string()],
    )
    .unwrap();
    assert_eq!(
        to_json(&resolved)["target"]["app"]["resources"]["memory"],
        "2g"
    );
    for (set, why) in [
        ("app.resources.memroy=2g", "unknown resources key memroy"),
        (
            "app.resources.cpu-shares=lots",
            "invalid value lots for int64 key resources.cpu-shares",
        ),
    ] {
        let err = resolve(&loaded.config, &["app".to_string()], &[set.to_string()]).unwrap_err();
        assert!(err.contains(why), "{set}: {err}");
    }
}
