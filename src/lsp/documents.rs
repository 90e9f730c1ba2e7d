//! The editor's open documents: their unsaved text, what kind of file each
//! is, and the conversion between LSP positions (UTF-16 code units) and
//! the byte offsets findings carry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Url};

use crate::lint::config::{CONFIG_NAMES, HADOLINT_NAMES};
use crate::span::{LineIndex, Span};

/// What buildlint makes of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dockerfile,
    Stack,
    /// `docker-bake.hcl`, `docker-bake.json` (and the `dockerbake` language).
    Bake,
    /// `.dockerignore` (or `NAME.dockerignore`): editing it refreshes the
    /// Dockerfiles of its context.
    Ignore,
    /// `buildlint.toml`, `.hadolint.yaml`: editing it reloads configuration.
    Config,
    Other,
}

impl Kind {
    /// Whether documents of this kind get diagnostics.
    pub fn is_linted(self) -> bool {
        matches!(self, Kind::Dockerfile | Kind::Stack | Kind::Bake)
    }

    /// Whether this kind is a project file that builds Dockerfiles.
    pub fn is_project(self) -> bool {
        matches!(self, Kind::Stack | Kind::Bake)
    }
}

/// The kind of a file by its name and the client's language id.
pub fn kind_of(path: &Path, language_id: &str) -> Kind {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if CONFIG_NAMES.contains(&name) || HADOLINT_NAMES.contains(&name) {
        return Kind::Config;
    }
    if name == ".dockerignore" || name.ends_with(".dockerignore") {
        return Kind::Ignore;
    }
    if crate::lint::discover::is_stack_file_name(name)
        || crate::compose::discover::is_stack_or_compose_file(path)
        || matches!(language_id, "dockercompose" | "yaml.docker-compose")
    {
        return Kind::Stack;
    }
    if language_id == "dockerbake" || is_bake_name(name) {
        return Kind::Bake;
    }
    if language_id == "dockerfile" || crate::lint::discover::is_dockerfile_name(name) {
        return Kind::Dockerfile;
    }
    Kind::Other
}

/// A bake file by name: buildx's default names and their kin
/// (`docker-bake.prod.hcl`). Other `*.hcl` files are bake files only when
/// the client says so (language `dockerbake`): an editor opens many HCL
/// files that are not.
fn is_bake_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("docker-bake") && (lower.ends_with(".hcl") || lower.ends_with(".json"))
}

/// One open document.
#[derive(Debug)]
pub struct Document {
    pub path: PathBuf,
    pub kind: Kind,
    pub version: i32,
    pub text: String,
    pub lines: LineIndex,
}

impl Document {
    pub fn new(path: PathBuf, kind: Kind, version: i32, text: String) -> Document {
        let lines = LineIndex::new(&text);
        Document {
            path,
            kind,
            version,
            text,
            lines,
        }
    }

    pub fn set_text(&mut self, version: i32, text: String) {
        self.lines = LineIndex::new(&text);
        self.text = text;
        self.version = version;
    }

    pub fn position(&self, offset: u32) -> Position {
        position(&self.text, &self.lines, offset)
    }

    pub fn offset(&self, position: Position) -> u32 {
        offset(&self.text, &self.lines, position)
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }
}

/// The LSP position of a byte offset: line, and UTF-16 code units from the
/// line's start. An offset inside a character counts from its start.
pub fn position(text: &str, lines: &LineIndex, offset: u32) -> Position {
    let mut offset = (offset as usize).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = lines.line_of(offset as u32);
    let start = lines.line_start(line) as usize;
    let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
    Position::new(line as u32, character as u32)
}

/// The byte offset of an LSP position. A line past the end is the end of
/// the text; a character past the line's end is the line's end (before its
/// line ending), as the protocol says.
pub fn offset(text: &str, lines: &LineIndex, position: Position) -> u32 {
    let line = position.line as usize;
    if line >= lines.line_count() {
        return text.len() as u32;
    }
    let line_span = lines.line_span(text, line);
    let mut units = 0usize;
    for (i, ch) in line_span.slice(text).char_indices() {
        if units >= position.character as usize {
            return line_span.start + i as u32;
        }
        units += ch.len_utf16();
    }
    line_span.end
}

/// The file path of a `file:` URI.
pub fn path_of(uri: &Url) -> Option<PathBuf> {
    if uri.scheme() != "file" {
        return None;
    }
    uri.to_file_path().ok()
}

pub fn uri_of(path: &Path) -> Option<Url> {
    Url::from_file_path(path).ok()
}

/// The open documents, by URI.
#[derive(Debug, Default)]
pub struct Documents {
    pub open: BTreeMap<Url, Document>,
}

impl Documents {
    pub fn get(&self, uri: &Url) -> Option<&Document> {
        self.open.get(uri)
    }

    /// The open document at an absolute path.
    pub fn by_path(&self, path: &Path) -> Option<(&Url, &Document)> {
        self.open.iter().find(|(_, d)| d.path == path)
    }

    /// Unsaved texts by absolute path, for the front ends to read instead
    /// of the files on disk: what is linted, and the ignore files.
    pub fn overlay(&self) -> BTreeMap<PathBuf, String> {
        self.open
            .values()
            .filter(|d| d.kind.is_linted() || d.kind == Kind::Ignore)
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str, offset_: u32) -> (Position, u32) {
        let lines = LineIndex::new(text);
        let p = position(text, &lines, offset_);
        (p, offset(text, &lines, p))
    }

    #[test]
    fn non_ascii_before_a_span_counts_utf16_units() {
        // "é" is 2 bytes and 1 unit; "😀" is 4 bytes and 2 units.
        let text = "# é😀x\nFROM a\n";
        let x = text.find('x').unwrap() as u32;
        assert_eq!(x, 8);
        assert_eq!(round_trip(text, x), (Position::new(0, 5), x));
        let from = text.find("FROM").unwrap() as u32;
        assert_eq!(round_trip(text, from), (Position::new(1, 0), from));
        // Inside a character: its start.
        assert_eq!(round_trip(text, 5).0, Position::new(0, 3));
    }

    #[test]
    fn positions_past_the_end_clamp() {
        let text = "ab\r\ncd";
        let lines = LineIndex::new(text);
        assert_eq!(offset(text, &lines, Position::new(0, 99)), 2);
        assert_eq!(offset(text, &lines, Position::new(9, 0)), 6);
        assert_eq!(position(text, &lines, 99), Position::new(1, 2));
    }

    #[test]
    fn kinds_by_name_and_language() {
        let k = |p: &str, l: &str| kind_of(Path::new(p), l);
        assert_eq!(k("/a/Dockerfile", "dockerfile"), Kind::Dockerfile);
        assert_eq!(k("/a/app.Dockerfile", ""), Kind::Dockerfile);
        assert_eq!(k("/a/x", "dockerfile"), Kind::Dockerfile);
        assert_eq!(k("/a/compose.yaml", "yaml"), Kind::Stack);
        assert_eq!(k("/a/docker-stack.prod.yml", "yaml"), Kind::Stack);
        assert_eq!(k("/a/other.yaml", "yaml"), Kind::Other);
        assert_eq!(k("/a/other.yaml", "dockercompose"), Kind::Stack);
        assert_eq!(k("/a/app.yaml", "yaml.docker-compose"), Kind::Stack);
        assert_eq!(k("/a/.dockerignore", "ignore"), Kind::Ignore);
        assert_eq!(k("/a/buildlint.toml", "toml"), Kind::Config);
        assert_eq!(k("/a/docker-bake.hcl", "hcl"), Kind::Bake);
        assert_eq!(k("/a/docker-bake.override.json", "json"), Kind::Bake);
        assert_eq!(k("/a/ci.hcl", "dockerbake"), Kind::Bake);
        assert_eq!(k("/a/main.hcl", "hcl"), Kind::Other);
        assert_eq!(k("/a/app.Dockerfile.dockerignore", ""), Kind::Ignore);
    }
}
