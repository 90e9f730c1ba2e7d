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
