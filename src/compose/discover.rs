//! Which files make a stack: compose's default names and their override
//! companions, `docker-stack*.yml`, `COMPOSE_FILE`, and how files found in a
//! directory walk group into stacks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Compose's default file names, in order of preference.
pub const DEFAULT_FILE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The override companions merged into a default file.
pub const DEFAULT_OVERRIDE_NAMES: &[&str] = &[
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

fn is_yaml(name: &str) -> bool {
    name.ends_with(".yml") || name.ends_with(".yaml")
}

/// `compose*.yml`, `docker-compose*.yaml`, ... (what `buildlint check` picks up).
pub fn is_compose_file_name(name: &str) -> bool {
    is_yaml(name) && (name.starts_with("compose") || name.starts_with("docker-compose"))
}

/// `docker-stack*.yml`: linted in stack mode.
pub fn is_stack_file_name(name: &str) -> bool {
    is_yaml(name) && name.starts_with("docker-stack")
}

/// Whether `buildlint check` treats this file as a stack file.
pub fn is_stack_or_compose_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| is_compose_file_name(n) || is_stack_file_name(n))
}

/// An override companion (`compose.override.yml` ...), never linted alone.
pub fn is_override_name(name: &str) -> bool {
    DEFAULT_OVERRIDE_NAMES.contains(&name)
}

/// Files that load together as one project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackGroup {
    /// In merge order: the base file first.
    pub files: Vec<PathBuf>,
    pub stack_mode: bool,
}

/// Groups stack files found by a directory walk. Per directory: the default
/// file (the first of compose's names present) with its override companion
/// is one project; another `compose*.yml` next to a default file is merged
/// over it (`-f base -f other`, as such files are used); without a default
/// file each stands alone; `docker-stack*.yml` files stand alone in stack
/// mode.
pub fn group(paths: &[PathBuf]) -> Vec<StackGroup> {
    let mut by_dir: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    let mut passthrough = Vec::new();
    for p in paths {
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !(is_compose_file_name(name) || is_stack_file_name(name)) {
            // Named explicitly but not by a known name: a compose project.
            passthrough.push(StackGroup {
                files: vec![p.clone()],
                stack_mode: false,
            });
            continue;
        }
        let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
        by_dir.entry(dir).or_default().push(name.to_string());
    }
    let mut out = Vec::new();
    for (dir, mut names) in by_dir {
        names.sort();
        names.dedup();
        let base = DEFAULT_FILE_NAMES
            .iter()
            .find(|n| names.iter().any(|x| x == *n))
            .map(|s| s.to_string());
        let over = DEFAULT_OVERRIDE_NAMES
            .iter()
            .find(|n| names.iter().any(|x| x == *n))
            .map(|s| s.to_string());
        if let Some(base) = &base {
            let mut files = vec![dir.join(base)];
            if let Some(o) = &over {
                files.push(dir.join(o));
            }
            out.push(StackGroup {
                files,
                stack_mode: false,
            });
        }
        for name in &names {
            if Some(name) == base.as_ref() || is_override_name(name) {
                continue;
            }
            if is_stack_file_name(name) {
                out.push(StackGroup {
                    files: vec![dir.join(name)],
                    stack_mode: true,
                });
            } else if DEFAULT_FILE_NAMES.contains(&name.as_str()) {
                // A second default name next to the preferred one: compose
                // ignores it; lint it on its own.
                out.push(StackGroup {
                    files: vec![dir.join(name)],
                    stack_mode: false,
                });
            } else if let Some(base) = &base {
                out.push(StackGroup {
                    files: vec![dir.join(base), dir.join(name)],
                    stack_mode: false,
                });
            } else {
                out.push(StackGroup {
                    files: vec![dir.join(name)],
                    stack_mode: false,
                });
            }
        }
        if base.is_none() {
            if let Some(o) = over {
                // An override with nothing to override: lint it alone.
                out.push(StackGroup {
                    files: vec![dir.join(o)],
                    stack_mode: false,
                });
            }
        }
    }
    out.extend(passthrough);
    out
}

/// The files `docker compose` would use with no `-f`: `COMPOSE_FILE` if set
/// (split on `COMPOSE_PATH_SEPARATOR`, default `:`), else the first default
/// name in `dir` or a parent, with its override companion.
pub fn default_files(dir: &Path, env: &BTreeMap<String, String>) -> Vec<PathBuf> {
    if let Some(list) = env.get("COMPOSE_FILE").filter(|s| !s.is_empty()) {
        let sep = env
            .get("COMPOSE_PATH_SEPARATOR")
            .filter(|s| !s.is_empty())
            .map(String::as_str)
            .unwrap_or(":");
        return list
            .split(sep)
            .filter(|s| !s.is_empty())
            .map(|s| {
                let p = Path::new(s);
                if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    dir.join(p)
                }
            })
            .collect();
    }
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if let Some(base) = DEFAULT_FILE_NAMES
            .iter()
            .map(|n| d.join(n))
            .find(|p| p.is_file())
        {
            let mut files = vec![base];
            if let Some(o) = DEFAULT_OVERRIDE_NAMES
                .iter()
                .map(|n| d.join(n))
                .find(|p| p.is_file())
            {
                files.push(o);
            }
            return files;
        }
        cur = d.parent();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    #[test]
    fn names() {
        assert!(is_compose_file_name("compose.yaml"));
        assert!(is_compose_file_name("docker-compose.prod.yml"));
        assert!(!is_compose_file_name("compose.json"));
        assert!(is_stack_file_name("docker-stack.yml"));
        assert!(is_stack_file_name("docker-stack.prod.yaml"));
        assert!(is_override_name("compose.override.yml"));
    }

    #[test]
    fn grouping() {
        let groups = group(&[
            p("a/compose.yaml"),
            p("a/compose.override.yaml"),
            p("a/docker-compose.prod.yml"),
            p("b/docker-stack.yml"),
            p("c/docker-compose.override.yml"),
            p("d/docker-compose.dev.yml"),
        ]);
        assert_eq!(
            groups,
            vec![
                StackGroup {
                    files: vec![p("a/compose.yaml"), p("a/compose.override.yaml")],
                    stack_mode: false
                },
                StackGroup {
                    files: vec![p("a/compose.yaml"), p("a/docker-compose.prod.yml")],
                    stack_mode: false
                },
                StackGroup {
                    files: vec![p("b/docker-stack.yml")],
                    stack_mode: true
                },
                StackGroup {
                    files: vec![p("c/docker-compose.override.yml")],
                    stack_mode: false
                },
                StackGroup {
                    files: vec![p("d/docker-compose.dev.yml")],
                    stack_mode: false
                },
            ]
        );
    }

    #[test]
    fn compose_file_variable() {
        let env: BTreeMap<String, String> = [
            ("COMPOSE_FILE".to_string(), "a.yml;sub/b.yml".to_string()),
            ("COMPOSE_PATH_SEPARATOR".to_string(), ";".to_string()),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            default_files(Path::new("/w"), &env),
            vec![p("/w/a.yml"), p("/w/sub/b.yml")]
        );
    }
}
