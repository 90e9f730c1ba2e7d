//! Done-when checks of `check --fix` over real files: the official-image
//! Dockerfiles and the awesome-compose stacks of the shared corpus, copied
//! to a scratch folder; and the seed with its context completed.
//!
//! BuildKit's own parser is run over the same fixed files by the dev script
//! `bench/fix_corpus.py` (it needs the `dockerfile` pip package).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::cli::run_captured;
use crate::lint::registry;

/// `../shared/corpus` next to the repository (CI), else `/work/shared/corpus`.
fn corpus_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        manifest.join("../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ];
    candidates
        .iter()
        .find(|p| p.join("SOURCES.md").is_file())
        .cloned()
        .unwrap_or_else(|| panic!("the shared corpus is missing: looked in {candidates:?}"))
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        let dest = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &dest);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn snapshot(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            snapshot(&entry.path(), out);
        } else if kind.is_file() {
            out.insert(entry.path(), std::fs::read(entry.path()).unwrap());
        }
    }
}

/// (file, code, message) of each finding, with a count, and the codes of
/// the findings that carry an applicable fix.
#[derive(Default)]
struct Findings {
    all: BTreeMap<(String, String, String), usize>,
    by_code: BTreeMap<String, usize>,
    fixable: BTreeMap<String, usize>,
    unreadable: BTreeSet<String>,
}

fn findings(json: &str) -> Findings {
    let value: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json:.300}"));
    let mut out = Findings::default();
    for f in value.as_array().unwrap() {
        let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
        *out.all
            .entry((s("file"), s("code"), s("message")))
            .or_default() += 1;
        *out.by_code.entry(s("code")).or_default() += 1;
        let applicable = f["fix"]["applicability"]
            .as_str()
            .is_some_and(|a| a != "display-only");
        if applicable {
            *out.fixable.entry(s("code")).or_default() += 1;
        }
        if s("code") == "BL0001" {
            out.unreadable.insert(s("file"));
        }
    }
    out
}

/// Codes a rule's page says its fix may make appear: those named in its
/// `## Fix` and `## Fix safety` sections.
fn documented_new_findings(code: &str) -> BTreeSet<String> {
    let Some(rule) = registry::by_code(code) else {
        return BTreeSet::new();
    };
    let mut out = BTreeSet::new();
    let mut in_fix = false;
    for line in rule.doc.lines() {
        if line.starts_with("## ") {
            in_fix = line.trim_end() == "## Fix" || line.trim_end() == "## Fix safety";
            continue;
        }
        if in_fix {
            for word in line.split(|c: char| !c.is_ascii_alphanumeric()) {
                if word.len() == 6 && word.starts_with("BL") && word != code {
                    out.insert(word.to_string());
                }
            }
        }
    }
    out
}

#[test]
fn fix_over_the_corpus_is_idempotent_parses_and_adds_no_finding() {
    let corpus = corpus_dir();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_tree(&corpus.join("official"), &root.join("official"));
    copy_tree(
        &corpus.join("awesome-compose"),
        &root.join("awesome-compose"),
    );
    let dir = root.to_string_lossy().into_owned();
    let base = ["check", "--isolated", "--select", "all", "--format", "json"];

    let (_, out, err) = run_captured(&[&base[..], &[dir.as_str()]].concat());
    let before = findings(&out);
    assert!(
        before.fixable.len() >= 10,
        "the corpus exercises the fixes: {:?}\n{err}",
        before.fixable
    );

    let (_, out, err) =
        run_captured(&[&base[..], &["--fix", "--unsafe-fixes", dir.as_str()]].concat());
    let after = findings(&out);
    assert!(err.contains("fixed "), "{err}");
    assert!(!err.contains("not fixed"), "{err}");
    assert!(!err.contains("not applied"), "{err}");
    assert!(!err.contains("rounds"), "{err}");

    // A second run changes nothing.
    let mut first = BTreeMap::new();
    snapshot(root, &mut first);
    let (_, _, err) =
        run_captured(&[&base[..], &["--fix", "--unsafe-fixes", dir.as_str()]].concat());
    assert!(err.contains("nothing to fix"), "{err}");
    let mut second = BTreeMap::new();
    snapshot(root, &mut second);
    assert!(first == second, "the second --fix changed files");

    // Every file that parsed still parses.
    assert!(
        after.unreadable.is_subset(&before.unreadable),
        "files that no longer parse: {:?}",
        after
            .unreadable
            .difference(&before.unreadable)
            .collect::<Vec<_>>()
    );
    for (path, bytes) in &second {
        let name = path.file_name().unwrap().to_string_lossy();
        if crate::lint::discover::is_dockerfile_name(&name) {
            let shown = path.to_string_lossy().into_owned();
            if before.unreadable.contains(&shown) {
                continue;
            }
            if let Err(e) = crate::dockerfile::parse_bytes(bytes.clone()) {
                panic!("{shown} no longer parses: {}", e.message);
            }
        }
    }

    // The fixed rules' findings are gone: no fix is left to apply, and no
    // rule has more findings than it had without a fix.
    assert!(after.fixable.is_empty(), "fixes left: {:?}", after.fixable);
    for code in before.fixable.keys() {
        let unfixable = before.by_code[code] - before.fixable[code];
        let left = after.by_code.get(code).copied().unwrap_or(0);
        assert!(
            left <= unfixable,
            "{code}: {left} left, {unfixable} had no fix"
        );
    }

    // No new finding, except those the fixed rules' pages document.
    let allowed: BTreeSet<String> = before
        .fixable
        .keys()
        .flat_map(|c| documented_new_findings(c))
        .collect();
    let new: Vec<_> = after
        .all
        .iter()
        .filter(|(k, n)| before.all.get(*k).copied().unwrap_or(0) < **n)
        .filter(|((_, code, _), _)| !allowed.contains(code))
        .collect();
    assert!(new.is_empty(), "new findings after --fix: {new:#?}");
}

#[test]
fn the_seed_gets_its_copy_source_fixed_once_the_context_holds_it() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed");
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&seed, tmp.path());
    std::fs::create_dir_all(tmp.path().join("var/www/html")).unwrap();
    let dir = tmp.path().to_string_lossy().into_owned();
    let (code, out, err) = run_captured(&["check", "--isolated", "--diff", &dir]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("-COPY /var/www/html /www/html\n+COPY var/www/html /www/html\n"),
        "{out}\n{err}"
    );
    let df = tmp.path().join("Dockerfile");
    assert_eq!(
        std::fs::read(&df).unwrap(),
        std::fs::read(seed.join("Dockerfile")).unwrap(),
        "--diff writes nothing"
    );

    // The seed itself, without that directory: the finding stays, with no
    // fix, at `info` as the context is only guessed.
    let seed_dir = seed.to_string_lossy().into_owned();
    let (_, out, _) = run_captured(&["check", "--isolated", "--diff", &seed_dir]);
    assert!(!out.contains("COPY"), "{out}");
    let (code, out, _) = run_captured(&["check", "--isolated", "--format", "json", &seed_dir]);
    assert_eq!(code, 1, "the two warnings");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let copy = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["line"] == 2 && f["code"].as_str().unwrap().starts_with("BL3"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(copy["severity"], "info", "{copy}");
    assert!(copy.get("fix").is_none() || copy["fix"].is_null(), "{copy}");
}
