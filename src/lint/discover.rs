//! Finding the files to lint: a parallel walk that honours `.gitignore`
//! (the `ignore` crate), enters hidden directories (`.devcontainer/`), and
//! never enters `.git`.
//!
//! Dockerfiles: `Dockerfile`, `Containerfile`, and names where either word
//! stands between `.`, `-` or `_` separators (`Dockerfile.dev`,
//! `api.Dockerfile`, `Dockerfile-alpine`, `7.2__debian__Dockerfile`), or that
//! end in `.dockerfile`; but not templates and side files (`*.dockerignore`,
//! `*.template`, `*.j2`, ...). Stack files: `compose.y[a]ml`,
//! `compose.override.y[a]ml`, `docker-compose*.y[a]ml`, `docker-stack*.y[a]ml`.
//!
//! A path named explicitly is linted whatever its name: `.yml`/`.yaml` is a
//! stack file, anything else a Dockerfile.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Extensions that mark a file as something other than a Dockerfile, even
/// when its name mentions one.
const NOT_DOCKERFILE_EXT: &[&str] = &[
    "dockerignore",
    "template",
    "tmpl",
    "tpl",
    "j2",
    "jinja",
    "jinja2",
    "erb",
    "mustache",
    "hbs",
    "bak",
    "orig",
    "rej",
    "swp",
    "tmp",
    "old",
    "md",
    "txt",
    "rst",
    "adoc",
    "html",
    "json",
    "yaml",
    "yml",
    "toml",
    "xml",
    "sh",
    "bash",
    "ps1",
    "py",
    "go",
    "rs",
    "js",
    "ts",
    "rb",
    "java",
    "patch",
    "diff",
    "lock",
    "sum",
    "sample",
    "example",
    "dist",
];

/// Whether a file name (no directories) is a Dockerfile's.
pub fn is_dockerfile_name(name: &str) -> bool {
    if let Some((_, ext)) = name.rsplit_once('.') {
        if NOT_DOCKERFILE_EXT
            .iter()
            .any(|e| e.eq_ignore_ascii_case(ext))
        {
            return false;
        }
        if ext.eq_ignore_ascii_case("dockerfile") || ext.eq_ignore_ascii_case("containerfile") {
            return true;
        }
    }
    name.split(['.', '-', '_'])
        .any(|token| token == "Dockerfile" || token == "Containerfile" || token == "dockerfile")
}

/// Whether a file name (no directories) is a compose or stack file's.
pub fn is_stack_file_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    stem == "compose"
        || stem == "compose.override"
        || stem.starts_with("docker-compose")
        || stem.starts_with("docker-stack")
}

/// Whether an explicitly named path is a stack file (by its extension).
pub fn is_stack_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// What to lint, in path order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub dockerfiles: Vec<PathBuf>,
    pub stack_files: Vec<PathBuf>,
    /// Paths that could not be walked, with the reason.
    pub errors: Vec<(PathBuf, String)>,
}

/// Joins a walked path to how the user named its root: `./x` becomes `x`.
fn tidy(path: &Path) -> PathBuf {
    path.strip_prefix("./")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// `exclude` patterns (configuration or `--exclude`): gitignore syntax,
/// relative to `root`, as the `ignore` crate's overrides read them: a
/// pattern without `/` matches a name at any depth, a trailing `/` only
/// directories, `**` any number of directories, `!` re-includes.
#[derive(Clone, Debug)]
pub struct Exclude {
    pub root: PathBuf,
    pub patterns: Vec<String>,
    matcher: ignore::gitignore::Gitignore,
}

impl Exclude {
    /// Compiles `patterns` relative to `root` (absolute); the error names
    /// the pattern that is not a valid glob.
    pub fn new(root: &Path, patterns: &[String]) -> Result<Exclude, (usize, String)> {
        let mut builder = ignore::gitignore::GitignoreBuilder::new(root);
        for (i, p) in patterns.iter().enumerate() {
            builder.add_line(None, p).map_err(|e| (i, e.to_string()))?;
        }
        let matcher = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Exclude {
            root: root.to_path_buf(),
            patterns: patterns.to_vec(),
            matcher,
        })
    }

    /// Whether `path` (absolute) itself is excluded: during a walk, whose
    /// excluded directories are never entered.
    pub fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        path.starts_with(&self.root) && self.matcher.matched(path, is_dir).is_ignore()
    }

    /// Whether `path` (absolute) or a directory above it is excluded: for a
    /// path named on the command line (`--force-exclude`).
    pub fn excludes_path_or_parent(&self, path: &Path, is_dir: bool) -> bool {
        path.starts_with(&self.root)
            && path != self.root
            && self
                .matcher
                .matched_path_or_any_parents(path, is_dir)
                .is_ignore()
    }
}

/// Whether a path met during a walk is excluded: `(path, is_dir)`, the path
/// as walked (relative to the working directory when the root was).
pub type Excluded = std::sync::Arc<dyn Fn(&Path, bool) -> bool + Send + Sync>;

fn nothing_excluded() -> Excluded {
    std::sync::Arc::new(|_: &Path, _| false)
}

/// Walks `dir` in parallel for Dockerfiles and stack files.
pub fn walk(dir: &Path, found: &mut Found) {
    walk_excluding(dir, &nothing_excluded(), found)
}

/// As [`walk`], leaving out what `excluded` says (a directory with all it
/// holds); `dir` itself is always walked, as it was named.
pub fn walk_excluding(dir: &Path, excluded: &Excluded, found: &mut Found) {
    let excluded = excluded.clone();
    let collected: Mutex<Found> = Mutex::new(Found::default());
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .git_ignore(true)
        .git_global(true)
        .git_exclude(true)
        .require_git(false)
        .parents(true)
        .follow_links(false)
        .filter_entry(move |e| {
            e.file_name() != ".git"
                && (e.depth() == 0
                    || !excluded(e.path(), e.file_type().is_some_and(|t| t.is_dir())))
        })
        .build_parallel();
    walker.run(|| {
        let collected = &collected;
        Box::new(move |entry| {
            match entry {
                Ok(entry) => {
                    if entry
                        .file_type()
                        .is_some_and(|t| t.is_file() || t.is_symlink())
                    {
                        let name = entry.file_name().to_string_lossy();
                        let path = tidy(entry.path());
                        if is_dockerfile_name(&name) {
                            collected
                                .lock()
                                .expect("walk results")
                                .dockerfiles
                                .push(path);
                        } else if is_stack_file_name(&name) {
                            collected
                                .lock()
                                .expect("walk results")
                                .stack_files
                                .push(path);
                        }
                    }
                }
                Err(err) => {
                    let path = match &err {
                        ignore::Error::WithPath { path, .. } => path.clone(),
                        _ => dir.to_path_buf(),
                    };
                    collected
                        .lock()
                        .expect("walk results")
                        .errors
                        .push((path, err.to_string()));
                }
            }
            ignore::WalkState::Continue
        })
    });
    let collected = collected.into_inner().expect("walk results");
    found.dockerfiles.extend(collected.dockerfiles);
    found.stack_files.extend(collected.stack_files);
    found.errors.extend(collected.errors);
}

/// Finds the files to lint under `paths`: directories are walked, other
/// paths are taken as named (a missing path too, so that it is reported).
pub fn discover(paths: &[PathBuf]) -> Found {
    discover_excluding(paths, &nothing_excluded())
}

/// As [`discover`], leaving out of each walk what `excluded` says.
pub fn discover_excluding(paths: &[PathBuf], excluded: &Excluded) -> Found {
    let mut found = Found::default();
    for p in paths {
        if p.is_dir() {
            walk_excluding(p, excluded, &mut found);
        } else if is_stack_path(p) {
            found.stack_files.push(tidy(p));
        } else {
            found.dockerfiles.push(tidy(p));
        }
    }
    for list in [&mut found.dockerfiles, &mut found.stack_files] {
        list.sort();
        list.dedup();
    }
    found.errors.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_names() {
        for yes in [
            "Dockerfile",
            "Containerfile",
            "Dockerfile.dev",
            "Dockerfile.alpine",
            "api.Dockerfile",
            "api.dockerfile",
            "Dockerfile-alpine",
            "7.2__debian__Dockerfile",
            "latest__glibc__Dockerfile.builder",
            "Containerfile.fedora",
            "dockerfile",
        ] {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in [
            "Dockerfile.dockerignore",
            "api.Dockerfile.dockerignore",
            "Dockerfile.template",
            "Dockerfile-alpine.template",
            "ubuntu.Dockerfile.j2",
            "Dockerfile.md",
            "Dockerfile_test.go",
            "Dockerfiles",
            "MyDockerfile",
            ".dockerignore",
            "compose.yaml",
            "README",
        ] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
    }

    #[test]
    fn stack_names() {
        for yes in [
            "compose.yaml",
            "compose.yml",
            "compose.override.yaml",
            "docker-compose.yml",
            "docker-compose.prod.yaml",
            "docker-stack.yml",
        ] {
            assert!(is_stack_file_name(yes), "{yes}");
        }
        for no in ["compose.json", "my-compose.yaml", "values.yaml", "compose"] {
            assert!(!is_stack_file_name(no), "{no}");
        }
    }

    #[test]
    fn walk_honours_gitignore_enters_hidden_dirs_skips_git() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for (path, text) in [
            ("Dockerfile", "FROM a\n"),
            (".devcontainer/Dockerfile", "FROM a\n"),
            (".git/Dockerfile", "FROM a\n"),
            ("build/Dockerfile", "FROM a\n"),
            ("svc/api.Dockerfile", "FROM a\n"),
            ("svc/Dockerfile.template", "FROM a\n"),
            ("svc/compose.yaml", "services: {}\n"),
            ("svc/notes.yaml", "x: 1\n"),
            (".gitignore", "build/\n"),
        ] {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let found = discover(&[root.to_path_buf()]);
        let rel = |v: &[PathBuf]| -> Vec<String> {
            v.iter()
                .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            rel(&found.dockerfiles),
            [
                ".devcontainer/Dockerfile",
                "Dockerfile",
                "svc/api.Dockerfile"
            ]
        );
        assert_eq!(rel(&found.stack_files), ["svc/compose.yaml"]);

        // Explicit paths are linted whatever their name.
        let found = discover(&[
            root.join("svc/Dockerfile.template"),
            root.join("svc/notes.yaml"),
            root.join("missing"),
        ]);
        assert_eq!(
            rel(&found.dockerfiles),
            ["missing", "svc/Dockerfile.template"]
        );
        assert_eq!(rel(&found.stack_files), ["svc/notes.yaml"]);
    }
}
