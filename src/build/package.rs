//! Packaging a build context for the daemon: which files go in the tar, the
//! tar itself (written on demand, streamed), its size for the upload bar.
//!
//! The context is the directory minus what `.dockerignore` (or
//! `<Dockerfile>.dockerignore`) excludes; the Dockerfile and the ignore file
//! are always sent, as the docker CLI sends them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::exec::TarSource;
use crate::context::dockerignore::{load_ignore_file, IgnoreFile};

/// A context ready to send.
pub struct Packed {
    pub tar: TarSource,
    /// The Dockerfile's path inside the tar.
    pub dockerfile_name: String,
    /// The tar's size, estimated from the entries (headers and padding
    /// included), for the upload bar.
    pub tar_bytes: u64,
}

/// Why a context cannot be packaged.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("the build context {} is not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("{0}")]
    Ignore(String),
    #[error("cannot read the build context: {0}")]
    Io(#[from] std::io::Error),
}

/// The Dockerfile's path relative to the context, with `/` separators, or
/// `None` when it lies outside.
pub fn dockerfile_in_context(context_dir: &Path, dockerfile: &Path) -> Option<String> {
    let ctx = context_dir.canonicalize().ok()?;
    let df = dockerfile.canonicalize().ok()?;
    let rel = df.strip_prefix(&ctx).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// Name of a Dockerfile injected into the tar when it lives outside the context.
const INJECTED_NAME: &str = ".buildlint.Dockerfile";

/// Packages `context_dir` for a build of `dockerfile`.
pub fn package(context_dir: &Path, dockerfile: &Path) -> Result<Packed, PackageError> {
    if !context_dir.is_dir() {
        return Err(PackageError::NotADirectory(context_dir.to_path_buf()));
    }
    let inside = dockerfile_in_context(context_dir, dockerfile);
    let ignore = load_ignore_file(context_dir, Some(dockerfile))
        .map_err(|e| PackageError::Ignore(e.to_string()))?;
    let ignore_name = ignore
        .as_ref()
        .and_then(|i| i.path.as_ref())
        .and_then(|p| dockerfile_in_context(context_dir, p));
    let dockerfile_name = inside.clone().unwrap_or_else(|| INJECTED_NAME.to_string());
    let keep: Vec<String> = [inside.clone(), ignore_name]
        .into_iter()
        .flatten()
        .collect();
    let root = context_dir.to_path_buf();
    let tar_bytes = measure(&root, ignore.as_ref(), &keep)?;
    let injected = match inside {
        Some(_) => None,
        None => Some(std::fs::read(dockerfile)?),
    };
    let tar_bytes = tar_bytes
        + injected
            .as_ref()
            .map(|t| 512 + (t.len() as u64).div_ceil(512) * 512)
            .unwrap_or(0);
    let ignore = Arc::new(ignore);
    let tar: TarSource = Arc::new(move |out: &mut dyn std::io::Write| {
        let mut builder = tar::Builder::new(out);
        builder.mode(tar::HeaderMode::Complete);
        walk(&mut builder, &root, "", ignore.as_ref().as_ref(), &keep)?;
        if let Some(text) = &injected {
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            h.set_size(text.len() as u64);
            h.set_mtime(0);
            builder.append_data(&mut h, INJECTED_NAME, &text[..])?;
        }
        builder.finish()
    });
    Ok(Packed {
        tar,
        dockerfile_name,
        tar_bytes,
    })
}

/// Whether to send `path`, and whether to look below it.
fn decide(path: &str, ignore: Option<&IgnoreFile>, keep: &[String]) -> (bool, bool) {
    let Some(ig) = ignore else {
        return (true, true);
    };
    if keep.iter().any(|k| k == path) {
        return (true, false);
    }
    let excluded = ig.is_excluded(path);
    let below = !excluded
        || ig.could_reinclude_below(path)
        || keep.iter().any(|k| k.starts_with(&format!("{path}/")));
    (!excluded, below)
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok().map(|n| (n, e.path())))
        .collect();
    entries.sort();
    Ok(entries)
}

fn walk<W: std::io::Write>(
    builder: &mut tar::Builder<W>,
    dir: &Path,
    rel: &str,
    ignore: Option<&IgnoreFile>,
    keep: &[String],
) -> std::io::Result<()> {
    for (name, full) in sorted_entries(dir)? {
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let (send, below) = decide(&path, ignore, keep);
        let meta = full.symlink_metadata()?;
        if send {
            super::send::append_entry(builder, &full, &path, &meta)?;
        }
        if meta.is_dir() && below {
            walk(builder, &full, &path, ignore, keep)?;
        }
    }
    Ok(())
}

fn measure(dir: &Path, ignore: Option<&IgnoreFile>, keep: &[String]) -> std::io::Result<u64> {
    fn go(
        dir: &Path,
        rel: &str,
        ignore: Option<&IgnoreFile>,
        keep: &[String],
        total: &mut u64,
    ) -> std::io::Result<()> {
        for (name, full) in sorted_entries(dir)? {
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let (send, below) = decide(&path, ignore, keep);
            let meta = full.symlink_metadata()?;
            if send {
                // A header block, the content padded to blocks; long names
                // take a GNU long-name entry too.
                let long_name = if path.len() > 99 {
                    512 + path.len().div_ceil(512) as u64 * 512
                } else {
                    0
                };
                let content = if meta.is_file() {
                    meta.len().div_ceil(512) * 512
                } else {
                    0
                };
                *total += 512 + long_name + content;
            }
            if meta.is_dir() && below {
                go(&full, &path, ignore, keep, total)?;
            }
        }
        Ok(())
    }
    // The end-of-archive marker: two zero blocks.
    let mut total = 1024;
    go(dir, "", ignore, keep, &mut total)?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &Packed) -> Vec<String> {
        let mut buf = Vec::new();
        (p.tar)(&mut buf).unwrap();
        let mut ar = tar::Archive::new(&buf[..]);
        ar.entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn dockerignore_applies_but_dockerfile_and_ignore_file_always_go() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("Dockerfile"), "FROM x\n").unwrap();
        std::fs::write(d.join(".dockerignore"), "*\n!src\nsrc/*.tmp\n").unwrap();
        std::fs::create_dir_all(d.join("src")).unwrap();
        std::fs::write(d.join("src/a.c"), "int a;").unwrap();
        std::fs::write(d.join("src/b.tmp"), "x").unwrap();
        std::fs::write(d.join("secret.env"), "x").unwrap();
        let p = package(d, &d.join("Dockerfile")).unwrap();
        assert_eq!(p.dockerfile_name, "Dockerfile");
        assert_eq!(
            names(&p),
            [".dockerignore", "Dockerfile", "src/", "src/a.c"]
        );
        let mut buf = Vec::new();
        (p.tar)(&mut buf).unwrap();
        // The estimate is the tar's size, less the zero padding the tar
        // crate adds to a whole record.
        assert_eq!(p.tar_bytes, 4 * 512 + 3 * 512 + 1024);
        assert!(buf.len() as u64 >= p.tar_bytes);
    }

    #[test]
    fn a_dockerfile_outside_the_context_is_injected() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = dir.path().join("ctx");
        std::fs::create_dir_all(&ctx).unwrap();
        std::fs::write(ctx.join("a"), "a").unwrap();
        std::fs::write(dir.path().join("app.Dockerfile"), "FROM x\n").unwrap();
        let p = package(&ctx, &dir.path().join("app.Dockerfile")).unwrap();
        assert_eq!(p.dockerfile_name, INJECTED_NAME);
        assert_eq!(names(&p), ["a", INJECTED_NAME]);
    }
}
