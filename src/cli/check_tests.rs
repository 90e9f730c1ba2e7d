//! `buildlint check` end to end, in-process.

use std::path::{Path, PathBuf};

use crate::cli::{run_captured, run_captured_with_stdin};

/// The `:latest` rule and buildlint's own: findings these tests state
/// exactly, whatever other rules exist.
const ONLY: &str = "--select=BL0001,BL0002,BL0003,BL1007";

/// The shared corpus: beside the repository (CI), else the team's copy.
fn corpus() -> PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if beside.is_dir() {
        beside
    } else {
        PathBuf::from("/work/shared/corpus")
    }
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// `check` with the rules of [`ONLY`] on `args`, in the compact format.
fn compact(args: &[&str]) -> (u8, String, String) {
    let mut all = vec!["check", ONLY];
    all.extend_from_slice(args);
    all.extend(["--format", "compact"]);
    run_captured(&all)
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn json(out: &str) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(out)
        .unwrap_or_else(|e| panic!("{e}\n{out}"))
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn seed_exits_1_with_the_latest_finding() {
    let (code, out, err) = run_captured(&["check", "fixtures/seed"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("warning[BL1007]: the base image uses the `latest` tag"),
        "{out}"
    );
    assert!(out.contains("--> fixtures/seed/Dockerfile:1:12"), "{out}");
    assert!(out.contains("1 | FROM nginx:latest"), "{out}");
    assert!(
        out.contains("info[BL3001]: `/var/www/html` is not in the build context"),
        "{out}"
    );
    assert!(out.contains("--> fixtures/seed/Dockerfile:2:6"), "{out}");
    assert!(out.contains("warning[BL1130]"), "{out}");
    assert!(
        out.contains("Found 3 findings (2 warnings, 1 info) in 1 file; 1 file checked."),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "no colour in a pipe");
}

#[test]
fn seed_as_json_has_exactly_the_documented_fields() {
    let (code, out, _) = run_captured(&["check", "fixtures/seed", "--format", "json"]);
    assert_eq!(code, 1);
    let items = json(&out);
    let latest = items
        .iter()
        .find(|i| i["code"] == "BL1007")
        .expect("the :latest finding");
    let mut keys: Vec<&str> = latest
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort();
    let mut expected = [
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "name",
        "aliases",
        "severity",
        "message",
        "help",
        "url",
    ];
    expected.sort();
    assert_eq!(keys, expected);
    assert_eq!(latest["file"], "fixtures/seed/Dockerfile");
    assert_eq!(
        (latest["line"].as_u64(), latest["column"].as_u64()),
        (Some(1), Some(12))
    );
    assert_eq!(latest["end_column"], 18);
    assert_eq!(latest["aliases"], serde_json::json!(["DL3007"]));
    assert_eq!(latest["severity"], "warning");
}

#[test]
fn seed_as_sarif_lists_rules() {
    let (code, out, _) = run_captured(&["check", "fixtures/seed", "--format", "sarif"]);
    assert_eq!(code, 1);
    let log: crate::report::sarif::Log = serde_json::from_str(&out).unwrap();
    assert_eq!(log.version, "2.1.0");
    let run = &log.runs[0];
    assert_eq!(run.column_kind, "unicodeCodePoints");
    let rule = run
        .tool
        .driver
        .rules
        .iter()
        .find(|r| r.id == "BL1007")
        .unwrap();
    assert!(rule.help_uri.ends_with("rules/BL1007.md"));
    assert!(rule.help.markdown.contains("## Why is this bad?"));
    for result in &run.results {
        assert_eq!(run.tool.driver.rules[result.rule_index].id, result.rule_id);
    }
    let result = run.results.iter().find(|r| r.rule_id == "BL1007").unwrap();
    assert_eq!(
        result.locations[0].physical_location.region.start_column,
        12
    );
}

#[test]
fn every_format_renders_the_seed() {
    for format in ["compact", "checkstyle", "junit", "gitlab", "github"] {
        let (code, out, err) = run_captured(&["check", "fixtures/seed", "--format", format]);
        assert_eq!(code, 1, "{format}: {err}");
        assert!(out.contains("BL1007"), "{format}: {out}");
    }
}

#[test]
fn stdin_with_a_filename() {
    let (code, out, _) = run_captured_with_stdin(
        &[
            "check",
            "-",
            "--stdin-filename",
            "web/Dockerfile",
            "--format",
            "compact",
            ONLY,
        ],
        b"FROM nginx:latest\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "web/Dockerfile:1:12: warning[BL1007] the base image uses the `latest` tag\n"
    );
    let (code, out, _) =
        run_captured_with_stdin(&["check", ONLY, "-", "--format", "compact"], b"FROM a:1\n");
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            ("clean/Dockerfile", "FROM alpine:3.20\n"),
            ("bad/Dockerfile", "FROM alpine:latest\n"),
            ("broken/Dockerfile", "FROM alpine:3.20\nENV PATH\n"),
        ],
    );
    let (code, out, _) = run_captured(&["check", ONLY, &s(&root.join("clean"))]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No findings; 1 file checked."), "{out}");
    assert_eq!(run_captured(&["check", ONLY, &s(&root.join("bad"))]).0, 1);
    assert_eq!(
        run_captured(&["check", ONLY, &s(&root.join("bad")), "--exit-zero"]).0,
        0
    );
    assert_eq!(
        run_captured(&[
            "check",
            ONLY,
            &s(&root.join("bad")),
            "--failure-threshold",
            "error"
        ])
        .0,
        0
    );

    // A file that does not parse: exit 2, and the others are still linted.
    let (code, out, _) = compact(&[&s(root), "--exit-zero"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("broken/Dockerfile:2:5: error[BL0001] ENV must have two arguments"),
        "{out}"
    );
    assert!(
        out.contains("bad/Dockerfile:1:13: warning[BL1007]"),
        "{out}"
    );

    // A missing path is a finding too.
    let (code, out, _) = compact(&[&s(&root.join("nope/Dockerfile"))]);
    assert_eq!(code, 2);
    assert!(out.contains("error[BL0001] cannot read"), "{out}");

    // Usage errors.
    let (code, _, err) = run_captured(&["check", &s(root), "--select", "DL300"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown rule `DL300`") && err.contains("tip: a similar value exists: `DL30"),
        "{err}"
    );
    let (code, _, err) = run_captured(&["check", "--format", "xml"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn explicit_paths_are_linted_whatever_their_name_and_f_means_dockerfile() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            ("notes.template", "FROM alpine:latest\n"),
            ("build.txt", "FROM a:latest\n"),
        ],
    );
    let (code, out, _) = compact(&[&s(root)]);
    assert_eq!(
        (code, out.as_str()),
        (0, ""),
        "templates are not discovered"
    );
    let (code, out, _) = compact(&[&s(&root.join("notes.template"))]);
    assert_eq!(code, 1, "{out}");
    let (code, out, _) = compact(&["-f", &s(&root.join("build.txt"))]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("build.txt:1:8"), "{out}");
}

#[test]
fn per_directory_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            ("buildlint.toml", "ignore = [\"latest-base-image-tag\"]\n"),
            ("Dockerfile", "FROM nginx:latest\n"),
            ("team/buildlint.toml", "[rules]\nDL3007 = \"error\"\n"),
            ("team/Dockerfile", "FROM nginx:latest\n"),
            ("team/sub/Dockerfile", "FROM nginx:latest\n"),
        ],
    );
    let (code, out, err) =
        run_captured(&["check", &s(root), "--format", "json", "--no-user-config"]);
    assert_eq!(code, 1, "{err}");
    let items: Vec<serde_json::Value> = json(&out)
        .into_iter()
        .filter(|i| i["code"] == "BL1007")
        .collect();
    let files: Vec<(String, String)> = items
        .iter()
        .map(|i| {
            (
                i["file"].as_str().unwrap().to_string(),
                i["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let t = s(&root.join("team/Dockerfile"));
    let ts = s(&root.join("team/sub/Dockerfile"));
    assert_eq!(files, [(t, "error".into()), (ts, "error".into())]);

    // The command line overrides the files.
    let (_, out, _) = run_captured(&[
        "check",
        &s(root),
        "--format",
        "json",
        "--no-user-config",
        "--extend-select",
        "BL1007",
    ]);
    let latest = |out: &str| -> Vec<serde_json::Value> {
        json(out)
            .into_iter()
            .filter(|i| i["code"] == "BL1007")
            .collect()
    };
    assert_eq!(latest(&out).len(), 3);
    let (code, out, _) = run_captured(&["check", &s(root), "--format", "json", "--isolated"]);
    assert_eq!(code, 1);
    assert_eq!(latest(&out).len(), 3);
    assert!(latest(&out).iter().all(|i| i["severity"] == "warning"));
}

#[test]
fn configuration_errors_point_at_the_key_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            (
                "buildlint.toml",
                "failure-threshold = \"error\"\nignored = [\"DL3007\"]\n",
            ),
            ("Dockerfile", "FROM a:1\n"),
        ],
    );
    let (code, out, err) = run_captured(&["check", &s(root), "--no-user-config"]);
    assert_eq!(code, 2, "{out}");
    let shown = format!(
        "{}:2:1: unknown key `ignored`",
        s(&root.join("buildlint.toml"))
    );
    assert!(err.contains(&shown), "{err}");
    assert!(
        err.contains("help: a similar key exists: `ignore`"),
        "{err}"
    );
    assert!(out.is_empty(), "no report when the configuration is wrong");

    write(
        root,
        &[("buildlint.toml", "[rules]\nlatest-base-tag = \"error\"\n")],
    );
    let (code, _, err) = run_captured(&["check", &s(root), "--no-user-config"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(":2:1: unknown rule `latest-base-tag` in [rules]"),
        "{err}"
    );
}

#[test]
fn hadolint_configuration_per_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            (
                "strict/.hadolint.yaml",
                "ignored:\n  - DL3008\noverride:\n  error:\n    - DL3007\nfailure-threshold: error\n",
            ),
            ("strict/Dockerfile", "FROM nginx:latest\nRUN apt-get install -y curl\n"),
            ("lax/.hadolint.yml", "failure-threshold: error\n"),
            ("lax/Dockerfile", "FROM nginx:latest\n"),
            ("plain/.hadolint.yaml", "override:\n  info: [DL3007]\n"),
            ("plain/Dockerfile", "FROM nginx:latest\n"),
        ],
    );
    let check = |dir: &str| {
        let (code, out, err) = run_captured(&[
            "check",
            &s(&root.join(dir)),
            "--format",
            "json",
            "--no-user-config",
        ]);
        (code, json(&out), err)
    };
    let code_of = |items: &[serde_json::Value], code: &str| -> Vec<String> {
        items
            .iter()
            .filter(|i| i["code"] == code)
            .map(|i| i["severity"].as_str().unwrap().to_string())
            .collect()
    };
    let (code, items, err) = check("strict");
    assert_eq!(code, 1, "{err}");
    assert_eq!(code_of(&items, "BL1007"), ["error"], "{items:?}");
    assert!(
        items
            .iter()
            .all(|i| !i["aliases"].to_string().contains("\"DL3008\"")),
        "DL3008 is ignored: {items:?}"
    );
    // Without the configuration, DL3008's rule does report that line.
    let (_, out, _) = run_captured(&[
        "check",
        &s(&root.join("strict/Dockerfile")),
        "--format",
        "json",
        "--isolated",
    ]);
    assert!(
        json(&out)
            .iter()
            .any(|i| i["aliases"].to_string().contains("\"DL3008\"")),
        "{out}"
    );

    let (code, items, _) = check("lax");
    assert_eq!(code_of(&items, "BL1007"), ["warning"]);
    let errors = items.iter().filter(|i| i["severity"] == "error").count();
    assert_eq!(
        code,
        u8::from(errors > 0),
        "only findings at `error` fail: {items:?}"
    );

    // No threshold: hadolint's default, info, so an info finding fails as it did.
    let (code, items, _) = check("plain");
    assert_eq!(code_of(&items, "BL1007"), ["info"]);
    assert_eq!(code, 1);
}

#[test]
fn output_file_and_colour() {
    let tmp = tempfile::tempdir().unwrap();
    let out_path = tmp.path().join("report.sarif");
    let (code, out, _) = run_captured(&[
        "check",
        "fixtures/seed",
        "--format",
        "sarif",
        "-o",
        &s(&out_path),
    ]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    let text = std::fs::read_to_string(&out_path).unwrap();
    assert!(text.contains("\"BL1007\""));

    let (_, out, _) = run_captured(&["check", "fixtures/seed", "--color", "always"]);
    assert!(out.contains("\u{1b}["), "{out}");
    let (_, out, _) = run_captured(&["check", "fixtures/seed", "--color", "never"]);
    assert!(!out.contains('\u{1b}'));
}

#[test]
fn output_order_never_depends_on_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let files: Vec<(String, String)> = (0..60)
        .map(|i| {
            (
                format!("d{}/s{}/Dockerfile", i % 7, i),
                format!("FROM a:latest\nFROM b:{i}\nFROM c:latest\n"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write(root, &refs);
    let first = compact(&[&s(root)]).1;
    assert_eq!(first.lines().count(), 120);
    let mut sorted: Vec<&str> = first.lines().collect();
    sorted.sort_by_key(|l| {
        let (path, rest) = l.split_once(":").unwrap();
        (
            path.to_string(),
            rest.split(':').next().unwrap().parse::<u32>().unwrap(),
        )
    });
    assert_eq!(sorted, first.lines().collect::<Vec<_>>());
    for _ in 0..3 {
        assert_eq!(compact(&[&s(root)]).1, first);
    }
}

#[test]
fn add_suppressions_then_nothing_is_reported_and_a_second_run_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            // Directives stay first; a finding before any instruction is global.
            ("a/Dockerfile", "# syntax=docker/dockerfile:1\n# escape=\\\nFROM nginx:latest AS one\n  FROM redis:latest\nRUN true\n"),
            // An existing pragma is extended, not duplicated.
            ("b/Dockerfile", "# buildlint ignore=BL0003\nFROM nginx:latest\n"),
            // CRLF line endings are kept.
            ("c/Dockerfile", "FROM nginx:latest\r\nUSER 101\r\nCMD [\"x\"]\r\n"),
            // An unused suppression and an invalid one.
            ("d/Dockerfile", "# buildlint ignore=BL1007\nFROM nginx:1.27\n# buildlint ignroe=x\nFROM a:latest\n"),
            ("clean/Dockerfile", "FROM nginx:1.27\n"),
        ],
    );
    let (code, out, _) = compact(&[&s(root)]);
    assert_eq!(code, 1, "{out}");
    let before = out.lines().count();
    assert!(before >= 6, "{out}");

    let (code, out, err) = run_captured(&["check", ONLY, &s(root), "--add-suppressions"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!(
            "Added suppressions for {before} finding(s) in 4 file(s)."
        )),
        "{out}"
    );

    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    assert_eq!(
        read("a/Dockerfile"),
        "# syntax=docker/dockerfile:1\n# escape=\\\n# buildlint ignore=BL1007\nFROM nginx:latest AS one\n  # buildlint ignore=BL1007\n  FROM redis:latest\nRUN true\n"
    );
    assert_eq!(
        read("b/Dockerfile"),
        "# buildlint ignore=BL0003,BL1007\nFROM nginx:latest\n"
    );
    assert_eq!(
        read("c/Dockerfile"),
        "# buildlint ignore=BL1007\r\nFROM nginx:latest\r\nUSER 101\r\nCMD [\"x\"]\r\n"
    );
    assert_eq!(read("clean/Dockerfile"), "FROM nginx:1.27\n");

    let (code, out, _) = compact(&[&s(root)]);
    assert_eq!(
        (code, out.as_str()),
        (0, ""),
        "nothing left, not even unused suppressions"
    );

    let snapshot: Vec<String> = ["a", "b", "c", "d", "clean"]
        .iter()
        .map(|d| read(&format!("{d}/Dockerfile")))
        .collect();
    let (code, out, _) = run_captured(&["check", ONLY, &s(root), "--add-suppressions"]);
    assert_eq!(code, 0);
    assert_eq!(out, "No suppressions to add.\n");
    let again: Vec<String> = ["a", "b", "c", "d", "clean"]
        .iter()
        .map(|d| read(&format!("{d}/Dockerfile")))
        .collect();
    assert_eq!(snapshot, again);
}

#[test]
fn add_suppressions_extends_an_existing_global_comment() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // The invalid comment after the last instruction can only be silenced
    // for the whole file.
    write(
        root,
        &[(
            "Dockerfile",
            "# buildlint global ignore=BL1007\nFROM nginx:latest\n# buildlint ignroe=x\n",
        )],
    );
    let (code, out, err) = run_captured(&["check", ONLY, &s(root), "--add-suppressions"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(root.join("Dockerfile")).unwrap(),
        "# buildlint global ignore=BL1007,BL0003\nFROM nginx:latest\n# buildlint ignroe=x\n"
    );
}

fn copy_tree(from: &Path, to: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            n += copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            n += 1;
        }
    }
    n
}

#[test]
fn official_corpus_lints_and_add_suppressions_silences_it() {
    let official = corpus().join("official");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("official");
    std::fs::create_dir_all(&copy).unwrap();
    assert_eq!(copy_tree(&official, &copy), 569);
    // Explicit paths, as `buildlint check official/*` passes them.
    let mut dirs: Vec<String> = std::fs::read_dir(&copy)
        .unwrap()
        .map(|e| s(&e.unwrap().path()))
        .collect();
    dirs.sort();
    // Every rule but BL1100 (hadolint's DL1001, which reports every
    // suppression comment and so contradicts the adoption workflow).
    let mut args = vec![
        "check",
        "--select",
        "all",
        // The policy rule reporting every suppression comment (DL1001) is
        // at odds with writing them.
        "--ignore",
        "inline-ignore-pragma",
        "--no-user-config",
        "--format",
        "json",
    ];
    args.extend(dirs.iter().map(String::as_str));
    let (code, out, err) = run_captured(&args);
    assert!(code == 0 || code == 1, "{err}");
    let before = json(&out);
    assert!(
        before.iter().all(|f| f["code"] != "BL0001"),
        "every official file parses"
    );

    let mut add = args.clone();
    add.retain(|a| *a != "--format" && *a != "json");
    add.push("--add-suppressions");
    let (code, out, err) = run_captured(&add);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "Added suppressions for {} finding(s)",
            before.len()
        )),
        "{out}"
    );
    let (code, out, err) = run_captured(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out).len(), 0, "{out}");

    // The plain `check` a user runs: nothing, not even unused suppressions.
    let mut plain = vec!["check", "--no-user-config", "--format", "json"];
    plain.extend(dirs.iter().map(String::as_str));
    let (code, out, err) = run_captured(&plain);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out).len(), 0, "{out}");

    let snapshot = std::fs::read_to_string(copy.join("redis/7.2__debian__Dockerfile")).unwrap();
    let (_, out, _) = run_captured(&add);
    assert_eq!(out, "No suppressions to add.\n");
    assert_eq!(
        std::fs::read_to_string(copy.join("redis/7.2__debian__Dockerfile")).unwrap(),
        snapshot
    );
}

#[test]
fn baseline_hides_recorded_findings_even_when_they_move() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, &[("svc/Dockerfile", "FROM nginx:latest\n")]);
    let baseline = root.join("ci/baseline.json");
    std::fs::create_dir_all(root.join("ci")).unwrap();
    let (code, _, err) =
        run_captured(&["check", ONLY, &s(root), "--write-baseline", &s(&baseline)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("recorded 1 finding(s)"), "{err}");
    let (code, out, _) = compact(&[&s(root), "--baseline", &s(&baseline)]);
    assert_eq!((code, out.as_str()), (0, ""));

    // The recorded finding moves down a line; a new one appears.
    write(
        root,
        &[(
            "svc/Dockerfile",
            "ARG V=1\nFROM nginx:latest\nFROM redis:latest\n",
        )],
    );
    let (code, out, _) = compact(&[&s(root), "--baseline", &s(&baseline)]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("Dockerfile:3:12"), "{out}");

    let (code, _, err) = run_captured(&[
        "check",
        ONLY,
        &s(root),
        "--baseline",
        &s(&root.join("none.json")),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--write-baseline"), "{err}");
}

#[test]
fn a_dockerfile_built_by_a_stack_is_linted_once_with_the_stack_context() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            (
                "compose.yaml",
                "name: demo\nservices:\n  web:\n    build:\n      context: .\n      dockerfile: web/Dockerfile\n",
            ),
            ("web/Dockerfile", "FROM nginx:latest\nCOPY web/index.html /usr/share/nginx/html/\n"),
            ("web/index.html", "<p>hi</p>\n"),
            ("other/Dockerfile", "FROM nginx:latest\n"),
        ],
    );
    let (code, out, err) = run_captured(&[
        "check",
        &s(root),
        "--format",
        "json",
        "--no-user-config",
        "--select",
        "BL1007,BL3002",
    ]);
    assert_eq!(code, 1, "{err}");
    let items = json(&out);
    let web: Vec<&serde_json::Value> = items
        .iter()
        .filter(|i| i["file"].as_str().unwrap().ends_with("web/Dockerfile"))
        .collect();
    assert_eq!(web.len(), 1, "once, not twice: {items:#?}");
    assert_eq!(web[0]["code"], "BL1007");
    assert_eq!(web[0]["service"], "web");
    // The stack's context holds web/index.html: no missing-source finding.
    assert!(items.iter().all(|i| i["code"] != "BL3002"), "{items:#?}");
    let other: Vec<&serde_json::Value> = items
        .iter()
        .filter(|i| i["file"].as_str().unwrap().ends_with("other/Dockerfile"))
        .collect();
    assert_eq!(other.len(), 1);
    assert!(other[0].get("service").is_none());
}

#[test]
fn an_unknown_target_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[(
            "Dockerfile",
            "FROM alpine:3.20 AS build\nFROM alpine:3.20 AS runtime\n",
        )],
    );
    let dir = s(tmp.path());
    let (code, _, err) = run_captured(&["check", &dir, ONLY, "--target", "runtme"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--target `runtme`: no linted Dockerfile has a stage of that name"),
        "{err}"
    );
    assert!(
        err.contains("tip: a similar stage exists: `runtime`"),
        "{err}"
    );
    let (code, _, err) = run_captured(&["check", &dir, ONLY, "--target", "RUNTIME"]);
    assert_eq!(
        code, 0,
        "stage names compare without case, as BuildKit does: {err}"
    );
}

/// `check` reads bake files by their names, merged as buildx merges the
/// default names, and names the target a Dockerfile finding came through.
#[test]
fn check_finds_bake_files_by_name_and_names_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (path, text) in [
        (
            "docker-bake.hcl",
            "group \"default\" {\n  targets = [\"api\"]\n}\ntarget \"api\" {\n  context = \"api\"\n  args = { VERSON = \"1\" }\n}\n",
        ),
        ("docker-bake.override.hcl", "target \"api\" {\n  targte = \"x\"\n}\n"),
        ("api/Dockerfile", "FROM scratch\nARG VERSION\nMAINTAINER me\n"),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
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
