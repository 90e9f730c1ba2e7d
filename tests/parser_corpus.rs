//! The parser against the shared corpus: BuildKit's own parser test cases
//! (AST dump byte for byte), its negative cases, and every real Dockerfile
//! in the corpus. Runs the CLI in-process.

use std::path::{Path, PathBuf};

use buildlint::cli::run_captured;

/// `../shared/corpus` next to the repository (CI), else the shared copy.
fn corpus() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for c in [
        manifest.join("../shared/corpus"),
        manifest.join("../../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ] {
        if c.join("buildkit-parser").is_dir() {
            return c;
        }
    }
    panic!("the shared corpus was not found next to the repository");
}

fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if keep(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn is_dockerfile_name(p: &Path) -> bool {
    let name = p.file_name().unwrap().to_string_lossy();
    name == "Dockerfile"
        || name.starts_with("Dockerfile.")
        || name.starts_with("Dockerfile-")
        || name.ends_with(".Dockerfile")
        || name.contains("__Dockerfile")
}

fn parse(path: &Path) -> (u8, String, String) {
    run_captured(&[
        "debug",
        "parse",
        "--dump",
        "buildkit",
        path.to_str().unwrap(),
    ])
}

#[test]
fn buildkit_parser_cases_dump_byte_for_byte() {
    let dir = corpus().join("buildkit-parser");
    let mut cases = 0;
    let mut failures = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let case = e.unwrap().path();
        cases += 1;
        let expected = std::fs::read_to_string(case.join("result")).unwrap();
        let (code, out, err) = parse(&case.join("Dockerfile"));
        if code != 0 || out != expected {
            failures.push(format!(
                "{}: exit {code}\n{err}--- got\n{out}--- expected\n{expected}",
                case.display()
            ));
        }
    }
    assert_eq!(cases, 33, "BuildKit ships 33 parser cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn buildkit_negative_cases_are_rejected_with_a_position() {
    let dir = corpus().join("buildkit-parser-negative");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let file = e.unwrap().path().join("Dockerfile");
        n += 1;
        let (code, out, err) = parse(&file);
        assert_eq!(code, 2, "{} should be rejected:\n{out}", file.display());
        let prefix = format!("{}:", file.display());
        let first = err.lines().next().unwrap_or("");
        let pos: Vec<&str> = first
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("no file:line:col in {first:?}"))
            .splitn(3, ':')
            .collect();
        assert!(
            pos[0].parse::<usize>().is_ok() && pos[1].parse::<usize>().is_ok(),
            "no line:col in {first:?}"
        );
        assert!(err.contains("help:"), "no help in:\n{err}");
    }
    assert_eq!(n, 4);
    let (_, _, err) = parse(&dir.join("env_no_value/Dockerfile"));
    assert!(
        err.contains("Dockerfile:3:5: error: ENV must have two arguments"),
        "{err}"
    );
    let (_, _, err) = parse(&dir.join("shykes-nested-json/Dockerfile"));
    assert!(
        err.contains("Dockerfile:1:15: error: when using JSON array syntax"),
        "{err}"
    );
}

#[test]
fn line_numbers_match_buildkit() {
    let dir = corpus().join("buildkit-parser-line");
    let src = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    let df = buildlint::dockerfile::parse(src.clone()).unwrap();
    let got: Vec<(usize, usize)> = df
        .instructions
        .iter()
        .map(|i| {
            let (s, e) = df.lines.span_line_cols(&src, i.span);
            (s.line, e.line)
        })
        .collect();
    let expected = std::fs::read_to_string(dir.join("expected")).unwrap();
    let want: Vec<(usize, usize)> = expected
        .lines()
        .filter(|l| l.starts_with("child "))
        .map(|l| {
            let f: Vec<usize> = l
                .split_whitespace()
                .skip(2)
                .map(|x| x.parse().unwrap())
                .collect();
            (f[0], f[1])
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn every_official_dockerfile_parses() {
    let files = files_under(&corpus().join("official"), &|_| true);
    assert_eq!(files.len(), 569);
    let failed: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let (code, _, err) = parse(f);
            (code != 0).then_some(err)
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn buildkit_docs_parse_except_comment_only_snippets() {
    let files = files_under(&corpus().join("buildkit-docs"), &|p| {
        p.extension().is_some_and(|e| e == "Dockerfile")
    });
    assert_eq!(files.len(), 213);
    let mut rejected = Vec::new();
    for f in &files {
        let (code, _, err) = parse(f);
        if code != 0 {
            let src = std::fs::read_to_string(f).unwrap();
            assert!(
                src.lines()
                    .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')),
                "a snippet with instructions was rejected:\n{err}"
            );
            rejected.push((f.file_name().unwrap().to_string_lossy().into_owned(), err));
        }
    }
    assert_eq!(rejected.len(), 9, "{rejected:#?}");
    // BuildKit reads `# check=` lines as directives: two of them are an error
    // before the missing instructions are noticed.
    for (name, err) in &rejected {
        if name == "reference-016-L318.Dockerfile" {
            assert!(
                err.contains("only one check parser directive can be used"),
                "{err}"
            );
        } else {
            assert!(
                err.contains("error: file with no instructions"),
                "{name}: {err}"
            );
        }
    }
}

#[test]
fn awesome_compose_dockerfiles_parse() {
    let files = files_under(&corpus().join("awesome-compose"), &|p| {
        is_dockerfile_name(p)
    });
    assert_eq!(files.len(), 35);
    for f in &files {
        let (code, _, err) = parse(f);
        assert_eq!(code, 0, "{err}");
    }
}

#[test]
fn stdin_and_json_dump() {
    let (code, out, _) = buildlint::cli::run_captured_with_stdin(
        &["debug", "parse", "-"],
        b"FROM alpine:3.20 AS base\nRUN echo hi\n",
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["instructions"][0]["keyword_span"]["start"], 0);
    assert_eq!(v["instructions"][1]["kind"], "Run");
    assert_eq!(v["stages"][0]["name"]["raw"], "base");
    let (code, _, err) =
        buildlint::cli::run_captured_with_stdin(&["debug", "parse", "-"], b"FROM a\nRUN <<EOF\n");
    assert_eq!(code, 2);
    assert!(
        err.starts_with("<stdin>:2:5: error: unterminated heredoc"),
        "{err}"
    );
    let (code, _, err) = run_captured(&["debug", "stack", "compose.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be read"), "{err}");
}
