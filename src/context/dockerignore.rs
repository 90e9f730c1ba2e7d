//! `.dockerignore` matching exactly as Docker does (moby/patternmatcher and
//! docker/cli's ignorefile): not gitignore.

use std::path::PathBuf;

/// One pattern line of an ignore file.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The line as written (trimmed).
    pub raw: String,
    /// After `!` removal, `filepath.Clean` and leading-`/` stripping.
    pub cleaned: String,
    /// An `!` exception.
    pub negated: bool,
    /// 1-based line number in the ignore file.
    pub line: usize,
}

/// A parsed ignore file.
#[derive(Clone, Debug, Default)]
pub struct IgnoreFile {
    /// Where it was read from, when read from disk.
    pub path: Option<PathBuf>,
    pub patterns: Vec<Pattern>,
}

/// The verdict for one path: whether it is excluded, and the index of the
/// pattern that decided (the last one that matched the path or a parent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub excluded: bool,
    pub pattern: Option<usize>,
}

#[derive(Clone, Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct IgnoreError {
    pub line: usize,
    pub message: String,
}

impl IgnoreFile {
    pub fn parse(text: &str) -> Result<IgnoreFile, IgnoreError> {
        let _ = text;
        Ok(IgnoreFile::default())
    }

    /// Decides a cleaned, context-relative path with `/` separators.
    pub fn decide(&self, path: &str) -> Decision {
        let _ = path;
        Decision {
            excluded: false,
            pattern: None,
        }
    }

    pub fn is_excluded(&self, path: &str) -> bool {
        self.decide(path).excluded
    }

    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.negated)
    }
}
