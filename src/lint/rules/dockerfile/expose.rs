//! EXPOSE port specifications, as BuildKit reads them after expansion:
//! `[ip:][hostPort:]containerPort[/proto]`.

use crate::dockerfile::expand::Lexer;
use crate::dockerfile::{Args, Word};
use crate::lint::DockerfileCx;

use super::bk;

/// One port of an EXPOSE word.
pub struct Port<'a> {
    pub word: &'a Word,
    /// The port as written after expansion (`127.0.0.1:80:80/tcp`).
    pub raw: String,
    pub ip: String,
    pub host_port: String,
    pub container_port: String,
    pub proto: String,
    /// The word has no variables and no quotes: `raw` is its text in the file.
    pub literal: bool,
}

/// Splits `[ip:]hostPort:containerPort` (BuildKit's `splitParts`).
pub fn split_parts(raw: &str) -> (String, String, String) {
    let parts: Vec<&str> = raw.split(':').collect();
    let n = parts.len();
    match n {
        1 => (String::new(), String::new(), parts[0].into()),
        2 => (String::new(), parts[0].into(), parts[1].into()),
        3 => (parts[0].into(), parts[1].into(), parts[2].into()),
        _ => (
            parts[..n - 2].join(":"),
            parts[n - 2].into(),
            parts[n - 1].into(),
        ),
    }
}

/// Splits `port/proto`; `None` when there is no port.
pub fn split_proto(raw: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = raw.split('/').collect();
    if raw.is_empty() || parts[0].is_empty() {
        return None;
    }
    if parts.len() == 1 || parts[1].is_empty() {
        return Some(("tcp".into(), parts[0].into()));
    }
    Some((parts[1].into(), parts[0].into()))
}

/// Every port of the EXPOSE instructions BuildKit dispatches.
pub fn ports<'a>(cx: &'a DockerfileCx<'a>) -> Vec<Port<'a>> {
    let lexer = Lexer::new(cx.df.escape);
    let mut out = Vec::new();
    bk::walk(cx, |inst, scope| {
        let Args::Expose(words) = &inst.args else {
            return;
        };
        for word in words {
            let Ok(e) = lexer.process(&word.raw, scope) else {
                continue;
            };
            let literal = e.refs.is_empty() && e.words.len() == 1 && e.words[0] == word.raw;
            for raw in e.words {
                let (ip, host_port, rest) = split_parts(&raw);
                let Some((proto, container_port)) = split_proto(&rest) else {
                    continue;
                };
                out.push(Port {
                    word,
                    raw,
                    ip,
                    host_port,
                    container_port,
                    proto,
                    literal,
                });
            }
        }
    });
    out
}
