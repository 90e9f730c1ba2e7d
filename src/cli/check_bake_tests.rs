//! `buildlint check` on bake files, in-process: found by their names,
//! read as bake files, their targets' Dockerfiles linted through them.

use std::path::Path;

use crate::cli::run_captured;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

#[test]
fn check_finds_bake_files_by_name_and_names_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            (
                "docker-bake.hcl",
                "group \"default\" {\n  targets = [\"api\"]\n}\ntarget \"api\" {\n  context = \"api\"\n  args = { VERSON = \"1\" }\n}\n",
            ),
            ("docker-bake.override.hcl", "target \"api\" {\n  targte = \"x\"\n}\n"),
            ("api/Dockerfile", "FROM scratch\nARG VERSION\nMAINTAINER me\n"),
        ],
    );
    let root_s = root.to_str().unwrap();
    let (code, out, err) = run_captured(&["check", "--format", "json", root_s]);
    assert_eq!(code, 1, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text = json.to_string();
    // Read as bake files, not as Dockerfiles (no unknown-instruction `group`).
    assert!(
        !text.contains("BL1024") && !text.contains("BL0001"),
        "{text}"
    );
    for code in ["BL5023", "BL5003", "BL1010"] {
        assert!(text.contains(code), "{code} missing: {text}");
    }
    // The Dockerfile is linted once, through the target.
    assert_eq!(text.matches("\"BL1010\"").count(), 1, "{text}");
    assert!(text.contains("\"api\""), "{text}");
}

/// A `FROM` of a named context (`contexts = { base = "target:base" }`,
/// compose `additional_contexts`) reads that context: it is no image, so
/// no image rule speaks of it; the same `FROM` without the context does.
#[test]
fn a_from_of_a_named_context_is_no_image() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            (
                "bake/docker-bake.hcl",
                "group \"default\" {\n  targets = [\"app\"]\n}\ntarget \"base\" {\n  context = \"base\"\n}\ntarget \"app\" {\n  context = \"app\"\n  contexts = { base = \"target:base\" }\n}\n",
            ),
            ("bake/base/Dockerfile", "FROM scratch\nCOPY f /f\n"),
            ("bake/base/f", "x"),
            ("bake/app/Dockerfile", "FROM base\nCOPY g /g\n"),
            ("bake/app/g", "x"),
            (
                "compose/compose.yaml",
                "services:\n  app:\n    build:\n      context: app\n      additional_contexts:\n        base: service:base\n  base:\n    build: base\n",
            ),
            ("compose/base/Dockerfile", "FROM scratch\nCOPY f /f\n"),
            ("compose/base/f", "x"),
            ("compose/app/Dockerfile", "FROM base\nCOPY g /g\n"),
            ("compose/app/g", "x"),
            ("alone/Dockerfile", "FROM base\nCOPY g /g\n"),
            ("alone/g", "x"),
        ],
    );
    let codes_at = |sub: &str| -> String {
        let path = root.join(sub);
        let (_, out, err) = run_captured(&["check", "--format", "json", path.to_str().unwrap()]);
        let json: serde_json::Value = serde_json::from_str(&out).expect(&err);
        json.to_string()
    };
    let bake = codes_at("bake");
    assert!(!bake.contains("BL1006"), "{bake}");
    let compose = codes_at("compose");
    assert!(!compose.contains("BL1006"), "{compose}");
    let alone = codes_at("alone");
    assert!(alone.contains("BL1006"), "{alone}");
}

/// `build --bake` whose targets cannot be resolved shows where the files
/// go wrong, then buildx's message with what the files define.
#[test]
fn an_unresolvable_bake_build_names_the_place_and_the_closest_name() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            (
                "docker-bake.hcl",
                "group \"default\" {\n  targets = [\"app\", \"tol\"]\n}\ntarget \"app\" {\n  context = \"app\"\n}\n",
            ),
            ("app/Dockerfile", "FROM scratch\n"),
        ],
    );
    let file = root.join("docker-bake.hcl");
    let file = file.to_str().unwrap();
    let (code, _, err) = run_captured(&["build", "--bake", "-f", file, "--network", "none"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("error[BL5008]"), "{err}");
    assert!(err.contains("docker-bake.hcl:2:3"), "{err}");
    assert!(
        err.contains("failed to find target tol (targets and groups: app, default)"),
        "{err}"
    );
    let (code, _, err) = run_captured(&["build", "--bake", "-f", file, "--network", "none", "ap"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("failed to find target ap (did you mean `app`?)"),
        "{err}"
    );
}
