//! The matcher's case table: Docker's documentation, patternmatcher's and
//! Go's `filepath.Match` documented behaviour, and every place where
//! gitignore would decide differently.

use super::*;

const EXCL: bool = true;
const KEEP: bool = false;

/// (ignore file text, path, excluded?)
const CASES: &[(&str, &str, bool)] = &[
    // --- Anchoring: patterns are relative to the context root (not gitignore).
    ("*.md", "README.md", EXCL),
    ("*.md", "docs/guide.md", KEEP), // gitignore: excluded
    ("node_modules", "node_modules/x.js", EXCL),
    ("node_modules", "web/node_modules/x", KEEP), // gitignore: excluded
    (".DS_Store", "sub/.DS_Store", KEEP),         // gitignore: excluded
    ("**/.DS_Store", "sub/.DS_Store", EXCL),
    ("**/.DS_Store", ".DS_Store", EXCL),
    ("**/node_modules", "web/node_modules/x", EXCL),
    ("**/node_modules", "node_modules", EXCL),
    ("/dist", "dist/a.js", EXCL),
    ("/dist", "src/dist", KEEP),
    ("foo/bar", "foo/bar", EXCL),
    ("foo/bar", "x/foo/bar", KEEP),
    // --- Trailing slash is cleaned away: it also matches files.
    ("logs/", "logs", EXCL), // gitignore: a file named logs is kept
    ("logs/", "logs/today.log", EXCL),
    ("logs/", "other/logs/x", KEEP), // gitignore: excluded
    ("docs/", "docs/README.md", EXCL),
    // --- filepath.Clean on patterns.
    ("foo/../secret.txt", "secret.txt", EXCL), // gitignore: no clean
    ("./tmp", "tmp/t", EXCL),
    ("a//b", "a/b", EXCL),
    ("a/./b/", "a/b/c", EXCL),
    ("../x", "x", KEEP),
    ("/../x", "x", EXCL),
    // --- `*` and `?` do not cross `/`.
    ("*", "fileutils.go", EXCL),
    ("*", "dir/file", EXCL), // through the parent `dir`
    ("*/temp*", "somedir/temporary.txt", EXCL),
    ("*/temp*", "somedir/sub/temporary.txt", KEEP),
    ("*/*/temp*", "somedir/subdir/temporary.txt", EXCL),
    ("temp?", "tempa", EXCL),
    ("temp?", "temp", KEEP),
    ("temp?", "tempab", KEEP),
    ("a?b", "a/b", KEEP),
    ("a*b", "a/b", KEEP),
    ("a*/b", "abc/b", EXCL),
    ("a*/b", "a/c/b", KEEP),
    ("a*", "ab/c", EXCL),
    ("*c", "abc", EXCL),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", EXCL),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", KEEP),
    ("a*b?c*x", "abxbbxdbxebxczzx", EXCL),
    ("a*b?c*x", "abxbbxdbxebxczzy", KEEP),
    ("a?b", "a☺b", EXCL),
    ("a???b", "a☺b", KEEP),
    ("*x", "xxx", EXCL),
    (".*", ".foo", EXCL),
    (".*", "foo", KEEP),
    // --- `**`.
    ("**", "file", EXCL),
    ("**", "dir/file", EXCL),
    ("**/", "file", EXCL),
    ("**/**", "dir/file", EXCL),
    ("dir/**", "dir/file", EXCL),
    ("dir/**", "dir/dir2/file", EXCL),
    ("dir/**", "dir", KEEP),
    ("**/dir", "dir", EXCL),
    ("**/dir", "dir/file", EXCL),
    ("**/dir2/*", "dir/dir2/file", EXCL),
    ("**/dir2/**", "dir/dir2/dir3/file", EXCL),
    ("**file", "file", EXCL),
    ("**file", "dir/dir/file", EXCL),
    ("**file", "dir/myfile", EXCL), // a leading ** is a plain suffix match
    ("**/file*.txt", "dir/dir/file.txt", EXCL),
    ("**/**/*.txt", "file.txt", EXCL),
    ("**/**/*.txt2", "dir/dir/file.txt", KEEP),
    ("**/*.go", "a/b/c.go", EXCL),
    ("**/*.go", "c.go", EXCL),
    ("a**/*.txt", "a/dir/dir/file.txt", EXCL),
    ("a/*.txt", "a/dir/file.txt", KEEP),
    ("a/*.txt**", "a/file.txt", EXCL),
    ("**/foo/bar", "foo/bar", EXCL),
    ("**/foo/bar", "dir/dir2/foo/bar", EXCL),
    ("**/.foo", ".foo", EXCL),
    ("**/.foo", "bar.foo", KEEP),
    ("abc/**", "abc", KEEP),
    ("abc/**", "abc/def/ghi", EXCL),
    ("src/**/*.tmp", "src/a/b/x.tmp", EXCL),
    ("src/**/*.tmp", "src/x.tmp", EXCL),
    ("src/**/*.tmp", "x.tmp", KEEP),
    // --- Classes: `[...]` passes to a regexp, only `^` negates.
    ("a[b-d]e", "ace", EXCL),
    ("a[b-d]e", "ae", KEEP),
    ("a[b-d]e", "aae", KEEP),
    ("a[^b-d]e", "aze", EXCL),
    ("ab[^c]", "abc", KEEP),
    ("ab[^e-g]", "abc", EXCL),
    ("[!a]", "b", KEEP), // gitignore: `[!a]` negates and would exclude b
    ("[!a]", "!", EXCL),
    ("[!a]", "a", EXCL),
    ("a[^a]b", "a☺b", EXCL),
    ("[a-ζ]*", "α", EXCL),
    ("*[a-ζ]", "A", KEEP),
    ("[\\]a]", "]", EXCL),
    ("[\\-]", "-", EXCL),
    ("[x\\-]", "-", EXCL),
    ("[x\\-]", "z", KEEP),
    ("[[]", "[", EXCL),
    ("[*]", "*", KEEP), // `*` in a class becomes `[^/]*` in the regexp (Docker's quirk)
    ("[*]", "]", EXCL),
    ("[[:digit:]].txt", "7.txt", EXCL),
    ("[[:digit:]].txt", "a.txt", KEEP),
    ("[a&&b]", "&", EXCL), // Go has no class intersection
    ("[a~~b]", "~", EXCL),
    ("a\\d", "a5", EXCL), // `\d` reaches the regexp as an ASCII digit class
    ("a\\d", "ad", KEEP),
    ("a\\.b", "a.b", EXCL),
    // --- Regexp metacharacters are literal; braces do not expand.
    ("{a,b}", "a", KEEP), // gitignore-like globs expand braces
    ("{a,b}", "{a,b}", EXCL),
    ("*.{js,ts}", "x.js", KEEP),
    ("abc.def", "abcdef", KEEP),
    ("abc.def", "abc.def", EXCL),
    ("abc?def", "abcZdef", EXCL),
    ("a(b)c/def", "a(b)c/def", EXCL),
    ("a(b)c/def", "a(b)c/xyz", KEEP),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", EXCL),
    ("a+b", "aab", KEEP),
    (
        "dist/*.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        EXCL,
    ),
    ("a^b", "a^b", EXCL),   // no wildcard: compared as a plain string
    ("a^b*", "a^bc", KEEP), // in a regexp `^` is not escaped: a mid-pattern anchor never matches
    // --- Backslash escapes.
    ("a\\*b", "a*b", EXCL),
    ("a\\*b", "ab", KEEP),
    ("a\\*b", "axb", KEEP),
    ("a\\\\", "a\\", EXCL),
    ("\\#notes", "#notes", EXCL),
    // --- Comments, whitespace, BOM.
    ("# comment", "# comment", KEEP),
    (" # not a comment", "# not a comment", EXCL),
    ("\u{feff}secret", "secret", EXCL),
    ("  spaced.txt  ", "spaced.txt", EXCL),
    ("a\r\nb\r\n", "b", EXCL),
    ("\n\n", "x", KEEP),
    // --- Exceptions: in order, last match wins, can re-include inside excluded dirs.
    ("*.go\n!fileutils.go", "fileutils.go", KEEP),
    ("!fileutils.go\n*.go", "fileutils.go", EXCL),
    ("docs\n!docs/README.md", "docs/README.md", KEEP),
    ("docs/\n!docs/README.md", "docs/README.md", KEEP),
    ("docs/*\n!docs/README.md", "docs/README.md", KEEP),
    ("docs\n!docs/README.md", "docs/other.md", EXCL),
    ("*\n!src", "src/a.rs", KEEP), // gitignore: `*` excludes src/a.rs for good
    ("*\n!src\nsrc/**/*.tmp", "src/x/a.tmp", EXCL),
    ("*\n!src\nsrc/**/*.tmp", "other", EXCL),
    (
        "*.md\n!README*.md\nREADME-secret.md",
        "README-secret.md",
        EXCL,
    ),
    ("*.md\n!README*.md\nREADME-secret.md", "README.md", KEEP),
    (
        "*.md\nREADME-secret.md\n!README*.md",
        "README-secret.md",
        KEEP,
    ),
    ("build/\n!build/keep.txt", "build/keep.txt", KEEP),
    ("build/\n!build/keep.txt", "build/other", EXCL),
    ("**/*.pyc\n!keep/**", "keep/x.pyc", KEEP),
    ("**/*.pyc\n!keep/**", "other/x.pyc", EXCL),
    ("**\n!util/docker/web", "util/docker/web/foo", KEEP),
    (
        "**\n!util/docker/web\nutil/docker/web/foo",
        "util/docker/web/foo",
        EXCL,
    ),
    (
        "**\n!dist/*.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        KEEP,
    ),
    ("! /inverted/abs/path\n*", "inverted/abs/path", EXCL),
    ("*\n! /inverted/abs/path", "inverted/abs/path", KEEP),
    ("!!bang\n**", "!bang", EXCL),
    ("**\n!!bang", "!bang", KEEP),
    ("**\n!!bang", "bang", EXCL),
    // --- Patterns never match the context root.
    ("*", ".", KEEP),
    ("**", "", KEEP),
    ("/", "anything", KEEP),
];

#[test]
fn case_table() {
    assert!(CASES.len() >= 80, "the table has {} cases", CASES.len());
    let mut failures = Vec::new();
    for (text, path, want) in CASES {
        let file =
            IgnoreFile::parse(text).unwrap_or_else(|e| panic!("{text:?} does not parse: {e}"));
        let got = file.is_excluded(path);
        if got != *want {
            failures.push(format!(
                "patterns {text:?}, path {path:?}: want {}, got {}",
                if *want { "excluded" } else { "kept" },
                if got { "excluded" } else { "kept" }
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn malformed_patterns_are_errors_like_filepath_match() {
    for bad in [
        "[", "[^", "[^bc", "a[", "[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "x[a-c-]", "!",
        "! ", "!/",
    ] {
        assert!(
            IgnoreFile::parse(bad).is_err(),
            "{bad:?} should be rejected"
        );
    }
    let err = IgnoreFile::parse("ok\n# c\n[").unwrap_err();
    assert_eq!(err.line, 3);
    let err = IgnoreFile::parse("!").unwrap_err();
    assert!(err.message.contains("illegal exclusion pattern"), "{err}");
    // Valid unusual ones.
    for good in [
        "[\\]a]", "[\\-]", "[x\\-]", "[\\-x]", "*x", "[[]", "]", "a]b",
    ] {
        assert!(IgnoreFile::parse(good).is_ok(), "{good:?} should parse");
    }
}

#[test]
fn reading_keeps_lines_and_cleans() {
    let text = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n  !  keep/./x/  \n";
    let f = IgnoreFile::parse(text).unwrap();
    let got: Vec<(&str, bool, usize)> = f
        .patterns
        .iter()
        .map(|p| (p.cleaned.as_str(), p.negated, p.line))
        .collect();
    assert_eq!(
        got,
        vec![
            ("test1", false, 1),
            ("test2", false, 2),
            ("a/file/here", false, 3),
            ("lastfile", false, 5),
            ("inverted/abs/path", true, 7),
            ("keep/x", true, 8),
        ]
    );
    assert_eq!(f.patterns[4].raw, "! /inverted/abs/path");
    assert!(f.has_exceptions());
}

#[test]
fn go_clean_matches_go() {
    for (input, want) in [
        ("", "."),
        ("abc", "abc"),
        ("abc/def", "abc/def"),
        ("a/b/c", "a/b/c"),
        (".", "."),
        ("..", ".."),
        ("../..", "../.."),
        ("../../abc", "../../abc"),
        ("/abc", "/abc"),
        ("/", "/"),
        ("abc/", "abc"),
        ("abc/def/", "abc/def"),
        ("/abc/", "/abc"),
        ("abc//def//ghi", "abc/def/ghi"),
        ("//abc", "/abc"),
        ("abc/./def", "abc/def"),
        ("/./abc/def", "/abc/def"),
        ("abc/.", "abc"),
        ("abc/def/ghi/../jkl", "abc/def/jkl"),
        ("abc/def/../ghi/../jkl", "abc/jkl"),
        ("abc/def/..", "abc"),
        ("abc/def/../..", "."),
        ("/abc/def/../..", "/"),
        ("abc/def/../../..", ".."),
        ("/abc/def/../../..", "/"),
        ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
        ("abc/./../def", "def"),
        ("abc//./../def", "def"),
        ("abc/../../././../def", "../../def"),
    ] {
        assert_eq!(go_clean(input), want, "Clean({input:?})");
    }
}

#[test]
fn decide_names_the_deciding_pattern() {
    let f = IgnoreFile::parse("*.md\n!README*.md\nREADME-secret.md\n").unwrap();
    assert_eq!(
        f.decide("README-secret.md"),
        Decision {
            excluded: true,
            pattern: Some(2)
        }
    );
    assert_eq!(
        f.decide("README.md"),
        Decision {
            excluded: false,
            pattern: Some(1)
        }
    );
    assert_eq!(
        f.decide("main.rs"),
        Decision {
            excluded: false,
            pattern: None
        }
    );
    assert_eq!(f.patterns[f.decide("x.md").pattern.unwrap()].line, 1);
}

#[test]
fn reinclusion_below_a_directory() {
    let f = IgnoreFile::parse("build\n!build/keep.txt\n").unwrap();
    assert!(f.could_reinclude_below("build"));
    assert!(!f.could_reinclude_below("node_modules"));
    let f = IgnoreFile::parse("*\n!src/**/*.rs\n").unwrap();
    assert!(f.could_reinclude_below("src"));
    assert!(f.could_reinclude_below("src/a"));
    assert!(!f.could_reinclude_below("node_modules"));
    let f = IgnoreFile::parse("*\n!**/*.rs\n").unwrap();
    assert!(f.could_reinclude_below("anything"));
    let f = IgnoreFile::parse("node_modules\n").unwrap();
    assert!(!f.could_reinclude_below("node_modules"));
}

#[test]
fn the_classic_walker_opens_only_directories_an_exception_names() {
    // `**` then `!**/*.md`: BuildKit looks below `docs`, the CLI does not.
    let mut f = IgnoreFile::parse("**\n!**/*.md\n").unwrap();
    assert!(f.could_reinclude_below("docs"));
    assert_eq!(f.wildcard_exception(), Some(1));
    f.walker = Walker::Classic;
    assert!(!f.could_reinclude_below("docs"));
    assert!(!f.decide("README.md").excluded);
    // An exception that starts with the directory opens it for both.
    let mut f = IgnoreFile::parse("docs\n!docs/guide.md\n").unwrap();
    assert_eq!(f.wildcard_exception(), None);
    assert!(f.could_reinclude_below("docs"));
    f.walker = Walker::Classic;
    assert!(f.could_reinclude_below("docs"));
    assert!(!f.could_reinclude_below("src"));
    // `!docs/*` names `docs` (the CLI compares the pattern as written).
    let mut f = IgnoreFile::parse("*\n!docs/*\n").unwrap();
    assert_eq!(
        f.wildcard_exception(),
        None,
        "a trailing /* is not a wildcard for fsutil"
    );
    f.walker = Walker::Classic;
    assert!(f.could_reinclude_below("docs"));
    assert!(!f.could_reinclude_below("docs/sub"));
}

#[test]
fn dockerfile_specific_ignore_file_wins() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join(".dockerignore"), "general\n").unwrap();
    std::fs::create_dir(root.join("docker")).unwrap();
    std::fs::write(root.join("docker/app.Dockerfile"), "FROM scratch\n").unwrap();
    std::fs::write(
        root.join("docker/app.Dockerfile.dockerignore"),
        "specific\n",
    )
    .unwrap();

    let f = load_ignore_file(root, Some(Path::new("docker/app.Dockerfile")))
        .unwrap()
        .unwrap();
    assert_eq!(f.patterns[0].cleaned, "specific");
    assert_eq!(
        f.path.as_deref(),
        Some(root.join("docker/app.Dockerfile.dockerignore").as_path())
    );

    // Another Dockerfile without its own file falls back to the context's.
    let f = load_ignore_file(root, Some(Path::new("Dockerfile")))
        .unwrap()
        .unwrap();
    assert_eq!(f.patterns[0].cleaned, "general");
    let f = load_ignore_file(root, None).unwrap().unwrap();
    assert_eq!(f.patterns[0].cleaned, "general");

    // `Dockerfile.dockerignore` beside the default Dockerfile also counts.
    std::fs::write(root.join("Dockerfile.dockerignore"), "dflt\n").unwrap();
    let f = load_ignore_file(root, Some(&root.join("Dockerfile")))
        .unwrap()
        .unwrap();
    assert_eq!(f.patterns[0].cleaned, "dflt");

    let empty = tempfile::tempdir().unwrap();
    assert!(load_ignore_file(empty.path(), None).unwrap().is_none());

    std::fs::write(empty.path().join(".dockerignore"), "ok\n[\n").unwrap();
    let err = load_ignore_file(empty.path(), None).unwrap_err();
    assert!(err.to_string().contains(":2:"), "{err}");
}

#[test]
fn a_file_below_a_directory_the_walker_skips_is_not_sent() {
    let mut f = IgnoreFile::parse("docs\n!**/*.md\n").unwrap();
    // BuildKit opens `docs` and sends the guide.
    assert!(!f.decide_as_walked("docs/guide.md").excluded);
    assert!(f.decide_as_walked("docs/draft.txt").excluded);
    // The classic builder's walker never opens `docs`: the exception
    // cannot bring the guide back, and the decision names `docs`.
    f.walker = Walker::Classic;
    let d = f.decide_as_walked("docs/guide.md");
    assert!(d.excluded);
    assert_eq!(d.pattern, Some(0));
    assert!(!f.decide_as_walked("README.md").excluded);
    // An exception that names the directory opens it for both.
    let mut f = IgnoreFile::parse("docs\n!docs/guide.md\n").unwrap();
    f.walker = Walker::Classic;
    assert!(!f.decide_as_walked("docs/guide.md").excluded);
    assert!(f.decide_as_walked("docs/draft.txt").excluded);
}

/// A `.dockerignore` that is a directory fails the build, as `docker build`
/// fails reading it ("is a directory"); it is not silently ignored.
#[test]
fn a_dockerignore_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".dockerignore")).unwrap();
    let err = load_ignore_file(dir.path(), None).unwrap_err();
    assert!(err.to_string().contains("Is a directory"), "{err}");
}

/// A run of `**/` means one `**/`; a hostile file repeating it thousands of
/// times decides like the short pattern.
#[test]
fn repeated_double_stars_decide_like_one() {
    let long = format!(
        "{}/leaf0\n!{}/x\n",
        vec!["**"; 3000].join("/"),
        vec!["*"; 3000].join("/")
    );
    let file = IgnoreFile::parse(&long).unwrap();
    let short = IgnoreFile::parse("**/leaf0\n").unwrap();
    for path in ["leaf0", "a/leaf0", "a/b/c/leaf0", "leaf", "a/leaf01"] {
        assert_eq!(
            file.decide(path).excluded,
            short.decide(path).excluded,
            "{path}"
        );
    }
}

/// Docker's way, written out: the pattern against the path, then against
/// each parent, one full match each.
fn matches_or_a_parent_the_long_way(file: &IgnoreFile, idx: usize, path: &str) -> bool {
    file.pattern_matches_exact(idx, path)
        || path
            .match_indices('/')
            .any(|(at, _)| at > 0 && file.pattern_matches_exact(idx, &path[..at]))
}

/// `decide_as_walked` the long way: every parent decided on its own.
fn decide_as_walked_the_long_way(file: &IgnoreFile, path: &str) -> Decision {
    let decide = |p: &str| {
        let idx = (0..file.patterns.len())
            .rev()
            .find(|&i| matches_or_a_parent_the_long_way(file, i, p));
        Decision {
            excluded: idx.is_some_and(|i| !file.patterns[i].negated),
            pattern: idx,
        }
    };
    for (at, _) in path.match_indices('/') {
        if at == 0 {
            continue;
        }
        let above = decide(&path[..at]);
        if above.excluded && !file.could_reinclude_below(&path[..at]) {
            return above;
        }
    }
    decide(path)
}

const FRAGMENTS: &[&str] = &[
    "a", "ab", "*", "?", "**", "a*", "*b", "[ab]", "[^a]*", "\\*", "x.y", "a^b",
];
const NAMES: &[&str] = &["a", "b", "ab", "x.y", "*", "a^b"];

fn patterns_up_to(segments: usize) -> Vec<String> {
    let mut all: Vec<String> = FRAGMENTS.iter().map(|f| f.to_string()).collect();
    let mut last = all.clone();
    for _ in 1..segments {
        last = last
            .iter()
            .flat_map(|p| FRAGMENTS.iter().map(move |f| format!("{p}/{f}")))
            .collect();
        all.extend(last.iter().cloned());
    }
    all
}

fn paths_up_to(depth: usize) -> Vec<String> {
    let mut all: Vec<String> = NAMES.iter().map(|n| n.to_string()).collect();
    let mut last = all.clone();
    for _ in 1..depth {
        last = last
            .iter()
            .flat_map(|p| NAMES.iter().map(move |n| format!("{p}/{n}")))
            .collect();
        all.extend(last.iter().cloned());
    }
    all
}

/// One pass over the path decides as Docker's pattern-then-each-parent
/// loop does, for every kind of pattern (exact, prefix, suffix, regular
/// expression) against every path of a small universe.
#[test]
fn one_pass_matching_agrees_with_matching_each_parent() {
    let patterns = patterns_up_to(3);
    let paths = paths_up_to(4);
    let mut failures = Vec::new();
    for p in &patterns {
        let Ok(file) = IgnoreFile::parse(p) else {
            continue;
        };
        for path in &paths {
            let want = matches_or_a_parent_the_long_way(&file, 0, path);
            if file.pattern_matches(0, path) != want {
                failures.push(format!("{p:?} on {path:?}: want {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The walk's view (an excluded directory the walker does not open keeps
/// everything below it out) decided in one pass per pattern equals deciding
/// every parent on its own, for both walkers.
#[test]
fn walked_decisions_agree_with_deciding_each_parent() {
    let patterns = patterns_up_to(2);
    let paths = paths_up_to(4);
    let mut failures = Vec::new();
    let mut files = 0;
    for (i, first) in patterns.iter().enumerate().step_by(3) {
        let second = &patterns[(i * 31 + 5) % patterns.len()];
        let third = &patterns[(i * 17 + 11) % patterns.len()];
        let text = format!("{first}\n!{second}\n{third}\n!a/{first}\n");
        let Ok(mut file) = IgnoreFile::parse(&text) else {
            continue;
        };
        files += 1;
        for walker in [Walker::BuildKit, Walker::Classic] {
            file.walker = walker;
            for path in &paths {
                let want = decide_as_walked_the_long_way(&file, path);
                let got = file.decide_as_walked(path);
                if got != want {
                    failures.push(format!(
                        "{text:?} {walker:?} on {path:?}: want {want:?}, got {got:?}"
                    ));
                }
            }
        }
    }
    assert!(files > 40, "{files} files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn scanned() -> u64 {
    SCANNED.with(|c| c.get())
}

/// The input that once timed out the fuzzer: thousands of `**/` and `*/`
/// deep, and paths as deep. Deciding steps through each path once per
/// pattern (Docker's way: once per pattern and parent, a cost that grows
/// with the square of the depth for one path, the cube for a walk).
#[test]
fn deep_exceptions_on_deep_paths_cost_one_pass_per_pattern() {
    let depth = 3000;
    let mut text = String::new();
    for w in 0..4 {
        let deep = format!("{}/leaf{w}", vec!["**"; depth].join("/"));
        text.push_str(&format!("{deep}\n!{}\n", deep.replace("**", "*")));
    }
    let file = IgnoreFile::parse(&text).unwrap();
    let patterns = file.patterns.len() as u64;
    let mut paths: Vec<String> = text
        .lines()
        .map(|l| l.trim_start_matches('!').replace('*', "x"))
        .collect();
    paths.push(format!("{}/leaf0", vec!["x"; depth].join("/")));
    paths.push(format!("{}/other", vec!["x"; depth].join("/")));
    for path in &paths {
        let before = scanned();
        let decided = file.decide(path);
        let work = scanned() - before;
        assert!(
            work <= patterns * path.len() as u64,
            "deciding a path of {} bytes stepped through {work} bytes",
            path.len()
        );
        let before = scanned();
        let walked = file.decide_as_walked(path);
        let work = scanned() - before;
        assert!(
            work <= 2 * patterns * path.len() as u64,
            "deciding a path of {} bytes as walked stepped through {work} bytes",
            path.len()
        );
        assert_eq!(
            walked.excluded,
            decided.excluded,
            "{}",
            &path[path.len() - 8..]
        );
    }
    // `x/.../x/leaf0` ends in `leaf0`, and the exception with as many `*/`
    // matches it exactly: kept.
    assert!(!file.is_excluded(&paths[paths.len() - 2]));
    assert!(!file.is_excluded(&paths[paths.len() - 1]));
    assert!(file.is_excluded(&format!("{}/leaf1", ["x"; 5].join("/"))));
}
