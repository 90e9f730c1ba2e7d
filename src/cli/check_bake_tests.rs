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
