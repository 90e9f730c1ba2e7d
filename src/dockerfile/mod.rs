//! The Dockerfile front end: bytes in, [`Dockerfile`] IR out.
//!
//! The parser follows BuildKit's semantics (directives, escape character,
//! continuations, heredocs, JSON and shell forms, flags) and keeps byte spans
//! on everything.

pub mod dump;
pub mod expand;
pub mod image_ref;
pub mod ir;
pub mod parser;

pub use ir::*;

use crate::span::Span;

/// A file that is not a Dockerfile BuildKit would accept.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    pub span: Span,
    /// What the user can do about it.
    pub help: Option<String>,
}

impl ParseError {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        ParseError {
            message: message.into(),
            span,
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Parses a Dockerfile from raw bytes: invalid UTF-8 is an error at the first
/// bad byte.
pub fn parse_bytes(bytes: Vec<u8>) -> Result<Dockerfile, ParseError> {
    match String::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => {
            let at = e.utf8_error().valid_up_to() as u32;
            Err(
                ParseError::new("the file is not valid UTF-8 text", Span::new(at, at + 1))
                    .with_help(
                        "a Dockerfile must be UTF-8 text; check that this is the file you meant",
                    ),
            )
        }
    }
}

/// Parses a Dockerfile.
pub fn parse(source: String) -> Result<Dockerfile, ParseError> {
    parser::parse(source)
}
