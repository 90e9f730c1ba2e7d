//! BuildKit's AST dump (`Node.Dump()` of `frontend/dockerfile/parser`): one
//! line per instruction, `(keyword ["--flag" ...] "arg" ...)`, strings quoted
//! as Go's `strconv.Quote` does. `buildlint debug parse --dump buildkit`
//! prints it; it is what BuildKit's own parser tests compare against.

use super::ir::{Dockerfile, Kind, LogicalText};
pub use super::parser::go_quote::go_quote;
use super::parser::instruction::{
    health_split, kind_of, line_parser, name_val, LineParser, NameVal,
};
use super::parser::json;
use super::parser::words::{self, go_lower};

/// The dump of a parsed Dockerfile, ending with a newline.
pub fn buildkit(df: &Dockerfile) -> String {
    let mut out = String::new();
    for inst in &df.instructions {
        out.push('(');
        out.push_str(&node(&inst.line, 0..inst.line.text.len(), df.escape));
        out.push_str(")\n");
    }
    out
}

/// The dump of one logical line (`newNodeFromLine` then `Dump`).
fn node(lt: &LogicalText, range: std::ops::Range<usize>, escape: char) -> String {
    let text = &lt.text;
    let cmd = words::split_command(text, range);
    let keyword = &text[cmd.keyword.clone()];
    let mut s = go_lower(keyword);
    if !cmd.flags.is_empty() {
        s.push_str(" [");
        for (i, f) in cmd.flags.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            // BuildKit builds flag words byte by byte, each byte a rune.
            let latin1: String = f.processed.iter().map(|&b| b as char).collect();
            s.push_str(&go_quote(&latin1));
        }
        s.push(']');
    }
    let rest = cmd.rest.clone();
    let r = &text[rest.clone()];
    let mut args: Vec<String> = Vec::new();
    let mut child: Option<String> = None;
    let json_or = |args: &mut Vec<String>| -> bool {
        match json::parse_array(text, rest.clone()) {
            Ok(a) => {
                args.extend(a.elements.into_iter().map(|e| e.1));
                true
            }
            Err(_) => false,
        }
    };
    match line_parser(kind_of(keyword)) {
        LineParser::MaybeJsonToList => {
            if !json_or(&mut args) {
                args.extend(
                    words::split_whitespace(text, rest.clone())
                        .into_iter()
                        .map(|w| text[w].to_string()),
                );
            }
        }
        LineParser::MaybeJson => {
            if !r.is_empty() && !json_or(&mut args) {
                args.push(r.to_string());
            }
        }
        LineParser::NameOrNameVal => {
            args.extend(
                words::parse_words(text, rest.clone(), escape)
                    .into_iter()
                    .map(|w| w.text),
            );
        }
        LineParser::NameVal => {
            let what = if kind_of(keyword) == Kind::Env {
                "ENV"
            } else {
                "LABEL"
            };
            match name_val(text, rest.clone(), escape, what) {
                Ok(Some(NameVal::Legacy { key, value })) => {
                    args.push(text[key].to_string());
                    args.push(text[value].to_string());
                    args.push(String::new());
                }
                Ok(Some(NameVal::Pairs(pairs))) => {
                    for (w, eq) in pairs {
                        args.push(w.text[..eq].to_string());
                        args.push(w.text[eq + 1..].to_string());
                        args.push("=".to_string());
                    }
                }
                _ => {}
            }
        }
        LineParser::Whitespace => {
            args.extend(
                words::split_whitespace(text, rest.clone())
                    .into_iter()
                    .map(|w| text[w].to_string()),
            );
        }
        LineParser::Health => {
            if let Some((typ, cmd_range)) = health_split(text, rest.clone()) {
                args.push(text[typ].to_string());
                if !cmd_range.is_empty() {
                    match json::parse_array(text, cmd_range.clone()) {
                        Ok(a) => args.extend(a.elements.into_iter().map(|e| e.1)),
                        Err(_) => args.push(text[cmd_range].to_string()),
                    }
                }
            }
        }
        LineParser::String => {
            if !r.is_empty() {
                args.push(r.to_string());
            }
        }
        LineParser::SubCommand => {
            if !r.is_empty() {
                child = Some(node(lt, rest.clone(), escape));
            }
        }
        LineParser::Ignore => args.push(String::new()),
    }
    for a in &args {
        s.push(' ');
        s.push_str(&go_quote(a));
    }
    if let Some(c) = child {
        s.push_str(" (");
        s.push_str(&c);
        s.push(')');
    }
    s.trim_matches(char::is_whitespace).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumps_instructions() {
        let df = crate::dockerfile::parse(
            "from a\nCOPY --from=x [\"a b\", \"c\"]\nENV A=1 B=\\ 2\nonbuild run --m=1 x\nFOO bar\n"
                .into(),
        )
        .unwrap();
        assert_eq!(
            buildkit(&df),
            "(from \"a\")\n(copy [\"--from=x\"] \"a b\" \"c\")\n(env \"A\" \"1\" \"=\" \"B\" \"\\\\ 2\" \"=\")\n(onbuild (run [\"--m=1\"] \"x\"))\n(foo \"\")\n"
        );
    }
}
