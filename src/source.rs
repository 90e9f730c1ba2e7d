//! A file the front ends read and findings point into: its display path,
//! its text and the line index over it. Below every stage, beside `span`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::span::{LineCol, LineIndex};

/// A file findings point into: its display path and text.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user should see it (relative to the working directory
    /// when below it).
    pub path: PathBuf,
    pub text: String,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<SourceFile> {
        let text = text.into();
        let lines = LineIndex::new(&text);
        Arc::new(SourceFile {
            path: path.into(),
            text,
            lines,
        })
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        self.lines.line_col(&self.text, offset)
    }
}

impl Serialize for SourceFile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.path.to_string_lossy())
    }
}

/// A path as reports show it: `/` separators.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}
