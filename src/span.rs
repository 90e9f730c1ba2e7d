//! Byte spans into a source file, and the line index that turns them into
//! line and column numbers at report time.

use serde::Serialize;

/// A half-open range of byte offsets `[start, end)` into the raw file bytes
/// (a BOM, if any, included, so spans never shift).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }

    pub fn from_range(range: std::ops::Range<usize>) -> Self {
        Span::new(range.start as u32, range.end as u32)
    }

    pub const fn empty_at(offset: u32) -> Self {
        Span::new(offset, offset)
    }

    pub const fn len(self) -> u32 {
        self.end - self.start
    }

    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The text under the span; empty when the span does not fit the text.
    pub fn slice(self, text: &str) -> &str {
        text.get(self.range()).unwrap_or("")
    }
}

/// A 1-based line and column; columns count Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Offsets of line starts, built once per file. A line ends at `\n`; a `\r`
/// before it belongs to the line ending, not to the text.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    /// Byte length of a leading UTF-8 BOM, skipped when counting columns.
    bom: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        LineIndex { line_starts, bom }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 0-based line number holding `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> u32 {
        self.line_starts[line.min(self.line_starts.len() - 1)]
    }

    /// Byte range of 0-based `line` without its line ending.
    pub fn line_span(&self, text: &str, line: usize) -> Span {
        let start = self.line_start(line);
        let mut end = if line + 1 < self.line_starts.len() {
            self.line_starts[line + 1] - 1
        } else {
            text.len() as u32
        };
        if end > start && text.as_bytes().get(end as usize - 1) == Some(&b'\r') {
            end -= 1;
        }
        Span::new(start, end)
    }

    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(text.len() as u32);
        let line = self.line_of(offset);
        let mut start = self.line_start(line) as usize;
        if line == 0 {
            start += self.bom as usize;
        }
        let end = (offset as usize).max(start);
        let column = text
            .get(start..end)
            .map(|s| s.chars().count())
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&text.as_bytes()[start..end])
                    .chars()
                    .count()
            });
        LineCol {
            line: line + 1,
            column: column + 1,
        }
    }

    /// Byte offset of 1-based `line` and 1-based `column` (counted in
    /// characters, as [`LineIndex::line_col`] reports them). Clamped to the
    /// line's end and to the text.
    pub fn offset_at(&self, text: &str, line: usize, column: usize) -> u32 {
        let line0 = line.saturating_sub(1).min(self.line_starts.len() - 1);
        let span = self.line_span(text, line0);
        let mut start = span.start as usize;
        if line0 == 0 {
            start = (start + self.bom as usize).min(span.end as usize);
        }
        let line_text = text.get(start..span.end as usize).unwrap_or("");
        let skip = column.saturating_sub(1);
        let within = line_text
            .char_indices()
            .nth(skip)
            .map(|(i, _)| i)
            .unwrap_or(line_text.len());
        (start + within) as u32
    }

    /// Line and column of the start and of the (exclusive) end of `span`.
    pub fn span_line_cols(&self, text: &str, span: Span) -> (LineCol, LineCol) {
        (
            self.line_col(text, span.start),
            self.line_col(text, span.end),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_skip_bom() {
        let text = "\u{feff}FROM a\nRUN é x\r\nCMD y";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 3), LineCol { line: 1, column: 1 });
        let x = text.find(" x").unwrap() as u32 + 1;
        assert_eq!(idx.line_col(text, x), LineCol { line: 2, column: 7 });
        let line2 = idx.line_span(text, 1);
        assert_eq!(line2.slice(text), "RUN é x");
        assert_eq!(
            idx.line_col(text, text.len() as u32),
            LineCol { line: 3, column: 6 }
        );
    }

    #[test]
    fn offset_at_inverts_line_col() {
        let text = "\u{feff}a: 1\nb: é x\r\nc: y";
        let idx = LineIndex::new(text);
        for offset in [3u32, 4, 8, 12, 13, text.len() as u32 - 1] {
            if !text.is_char_boundary(offset as usize) {
                continue;
            }
            let lc = idx.line_col(text, offset);
            assert_eq!(idx.offset_at(text, lc.line, lc.column), offset, "{lc:?}");
        }
        // Past the end of a line clamps to the line end.
        assert_eq!(idx.offset_at(text, 1, 99), 7);
    }
}
