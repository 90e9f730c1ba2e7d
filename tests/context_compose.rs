//! For every build context of the awesome-compose samples (with decoy files
//! that the samples' `.dockerignore` patterns decide on), the unpruned set
//! equals what Docker's rules send: the docker CLI's walk (`filepath.Walk`
//! with `MatchesOrParentMatches` evaluated pattern by pattern, as Go does),
//! written here independently of the packager's walker.

mod context_common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use buildlint::context::IgnoreFile;
use context_common::*;

/// patternmatcher's `MatchesOrParentMatches`, pattern by pattern in file
/// order as Go evaluates it.
fn go_matches_or_parent(ignore: &IgnoreFile, path: &str) -> bool {
    let mut matched = false;
    for (i, p) in ignore.patterns.iter().enumerate() {
        if p.negated != matched {
            continue;
        }
        let mut m = ignore.pattern_matches_exact(i, path);
        if !m {
            let parts: Vec<&str> = path.split('/').collect();
            for k in 1..parts.len() {
                if ignore.pattern_matches_exact(i, &parts[..k].join("/")) {
                    m = true;
                    break;
                }
            }
        }
        if m {
            matched = !p.negated;
        }
    }
    matched
}

/// The docker CLI's walk (go-archive `TarWithOptions`), regular files and
/// symlinks only, plus the files the CLI always adds.
fn docker_cli_send_set(
    root: &Path,
    ignore: Option<&IgnoreFile>,
    always: &[&str],
) -> BTreeSet<String> {
    fn walk(root: &Path, rel: &str, ignore: Option<&IgnoreFile>, out: &mut BTreeSet<String>) {
        let dir = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(rel)
        };
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let meta = fs::symlink_metadata(root.join(&path)).unwrap();
            let skip = ignore.is_some_and(|i| go_matches_or_parent(i, &path));
            if skip {
                if !meta.is_dir() {
                    continue;
                }
                let i = ignore.unwrap();
                let dir_slash = format!("{path}/");
                let descend = i
                    .patterns
                    .iter()
                    .any(|p| p.negated && format!("{}/", p.cleaned).starts_with(&dir_slash));
                if descend {
                    walk(root, &path, ignore, out);
                }
                continue;
            }
            if meta.is_dir() {
                walk(root, &path, ignore, out);
            } else if meta.is_file() || meta.file_type().is_symlink() {
                out.insert(path);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, "", ignore, &mut out);
    for a in always {
        if root.join(a).exists() {
            out.insert(a.to_string());
        }
    }
    out
}

#[test]
fn every_awesome_compose_context_sends_what_docker_sends() {
    let contexts = build_contexts();
    assert!(
        contexts.len() >= 30,
        "found only {} build contexts",
        contexts.len()
    );
    let mut with_ignore = 0;
    for src in &contexts {
        let tmp = with_decoys(src);
        let root = tmp.path();
        let ignore =
            buildlint::context::load_ignore_file(root, Some(&root.join("Dockerfile"))).unwrap();
        with_ignore += ignore.is_some() as usize;
        let want = docker_cli_send_set(root, ignore.as_ref(), &["Dockerfile", ".dockerignore"]);
        let got = plan_set(root);
        assert_eq!(got, want, "context {}", src.display());
    }
    assert_eq!(with_ignore, 7, "the corpus has 7 .dockerignore files");
}

/// The decoys against one sample's patterns, written out by hand.
#[test]
fn react_express_mongodb_frontend_by_hand() {
    let src = corpus().join("awesome-compose/react-express-mongodb/frontend");
    let text = fs::read_to_string(src.join(".dockerignore")).unwrap();
    let tmp = with_decoys(&src);
    let got = plan_set(tmp.path());
    let decoys_sent: BTreeSet<&str> = DECOYS
        .iter()
        .copied()
        .filter(|d| got.contains(*d))
        .collect();
    // `node_modules` is anchored at the root; nested ones are sent.
    assert!(text.lines().any(|l| l.trim() == "node_modules"), "{text}");
    assert!(!decoys_sent.contains("node_modules/pkg/index.js"));
    assert!(decoys_sent.contains("web/node_modules/pkg/index.js"));
    assert!(decoys_sent.contains("src/build/kept.js"));
    assert!(decoys_sent.contains("sub/.git/HEAD"));
}
