//! Small helpers shared by the hadolint-derived, security and context rules:
//! quote removal and simple variable expansion on words, the variables in
//! force at an instruction, stage relations, and spans inside a word.

use std::collections::HashMap;

use crate::dockerfile::expand::process_word;
use crate::dockerfile::{Args, Dockerfile, Instruction, Kind, Word};
use crate::lint::DockerfileCx;
use crate::span::Span;

/// Removes quotes and escapes the way BuildKit's word processing does,
/// without expanding variables. `None` when the word holds a variable
/// reference (its value depends on variables) or cannot be processed.
pub fn literal(raw: &str, escape: char) -> Option<String> {
    let vars = HashMap::new();
    expand(raw, escape, &vars)
}

/// BuildKit's word processing (quote removal and expansion) against `vars`.
/// `None` when a variable is not known (its value cannot be told
/// statically) or the word is one BuildKit refuses.
pub fn expand(raw: &str, escape: char, vars: &HashMap<String, String>) -> Option<String> {
    let expansion = process_word(raw, vars, escape).ok()?;
    // An unset variable leaves the value unknown (a build argument may set
    // it), unless the reference supplies its own default or alternative.
    let settled = |r: &crate::dockerfile::expand::VarRef| {
        r.defined
            || raw.get(r.range.clone()).is_some_and(|text| {
                text.strip_prefix("${")
                    .map(|t| t.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_'))
                    .is_some_and(|op| {
                        op.starts_with(":-")
                            || op.starts_with('-')
                            || op.starts_with(":+")
                            || op.starts_with('+')
                    })
            })
    };
    (!expansion.uncertain && expansion.refs.iter().all(settled)).then_some(expansion.value)
}

/// True when the word holds a variable reference (an unescaped `$` outside
/// single quotes).
pub fn has_variable(raw: &str, escape: char) -> bool {
    let mut in_single = false;
    let mut prev_escape = false;
    for c in raw.chars() {
        if prev_escape {
            prev_escape = false;
            continue;
        }
        if c == escape && !in_single {
            prev_escape = true;
            continue;
        }
        if c == '\'' {
            in_single = !in_single;
        } else if c == '$' && !in_single {
            return true;
        }
    }
    false
}

/// Where the word's raw text starts in the file, when the file holds it as
/// is (shell form), or inside the quotes of a plain JSON string (exec form).
pub fn raw_start(df: &Dockerfile, word: &Word) -> Option<u32> {
    let text = word.span.slice(&df.source);
    if text == word.raw {
        return Some(word.span.start);
    }
    let inner = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'))?;
    (inner == word.raw).then_some(word.span.start + 1)
}

/// The span of `raw[start..end]` in the file when the word's raw text is
/// what the file holds at its span; else the whole word.
pub fn sub_span(df: &Dockerfile, word: &Word, start: usize, end: usize) -> Span {
    match raw_start(df, word) {
        Some(at) if start <= end && end <= word.raw.len() => {
            Span::new(at + start as u32, at + end as u32)
        }
        _ => word.span,
    }
}

/// Variables in force while a build walks the file: global ARG defaults,
/// build args, and per stage the ARGs and ENVs seen so far.
pub struct VarTracker<'a> {
    cx: &'a DockerfileCx<'a>,
    globals: HashMap<String, String>,
    /// Values in the current stage.
    pub vars: HashMap<String, String>,
    stage: Option<usize>,
}

impl<'a> VarTracker<'a> {
    pub fn new(cx: &'a DockerfileCx<'a>) -> Self {
        let mut globals = HashMap::new();
        let escape = cx.df.escape;
        for inst in cx.df.preamble() {
            if let Args::Arg(decls) = &inst.args {
                for decl in decls {
                    let name = decl.name.raw.clone();
                    let value = cx.semantic.build_args.get(&name).cloned().or_else(|| {
                        decl.default
                            .as_ref()
                            .and_then(|d| expand(&d.raw, escape, &globals))
                    });
                    match value {
                        Some(v) => {
                            globals.insert(name, v);
                        }
                        None => {
                            globals.remove(&name);
                        }
                    }
                }
            }
        }
        VarTracker {
            cx,
            globals,
            vars: HashMap::new(),
            stage: None,
        }
    }

    /// Global ARG values (before the first FROM), after build args.
    pub fn globals(&self) -> &HashMap<String, String> {
        &self.globals
    }

    /// Call for each instruction in file order, before looking at it:
    /// updates the variables with the instructions of its stage so far. The
    /// variables then hold what is in force *at* `inst`.
    pub fn before(&mut self, inst: &Instruction) {
        if inst.kind == Kind::From {
            self.stage = inst.stage;
            // A stage built on another stage inherits its ENV; ARGs do not
            // carry over. Inheritance is rare enough to start afresh.
            self.vars.clear();
        }
    }

    /// Call after looking at `inst`, to record what it defines.
    pub fn after(&mut self, inst: &Instruction) {
        if inst.stage.is_none() || inst.stage != self.stage {
            return;
        }
        let escape = self.cx.df.escape;
        match &inst.args {
            Args::Arg(decls) => {
                for decl in decls {
                    let name = decl.name.raw.clone();
                    let value = self
                        .cx
                        .semantic
                        .build_args
                        .get(&name)
                        .cloned()
                        .or_else(|| {
                            decl.default
                                .as_ref()
                                .and_then(|d| expand(&d.raw, escape, &self.vars))
                        })
                        .or_else(|| {
                            if decl.default.is_none() {
                                self.globals.get(&name).cloned()
                            } else {
                                None
                            }
                        });
                    match value {
                        Some(v) => {
                            self.vars.insert(name, v);
                        }
                        None => {
                            self.vars.remove(&name);
                        }
                    }
                }
            }
            Args::Env(pairs) => {
                // Every value is expanded before any pair is set.
                let values: Vec<(String, Option<String>)> = pairs
                    .iter()
                    .map(|pair| {
                        let key = literal(&pair.key.raw, escape).unwrap_or_default();
                        (key, expand(&pair.value.raw, escape, &self.vars))
                    })
                    .collect();
                for (key, value) in values {
                    match value {
                        Some(v) => {
                            self.vars.insert(key, v);
                        }
                        None => {
                            self.vars.remove(&key);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Expands a word with the variables in force.
    pub fn expand(&self, word: &Word) -> Option<String> {
        expand(&word.raw, self.cx.df.escape, &self.vars)
    }
}

/// The stage a build produces: the `--target` stage, else the last one.
pub fn target_stage(cx: &DockerfileCx<'_>) -> Option<usize> {
    if let Some(target) = &cx.semantic.target {
        if let Some(stage) = cx.df.stage_by_name(target) {
            return Some(stage.index);
        }
    }
    cx.df.stages.last().map(|s| s.index)
}

/// The FROM arguments of a stage.
pub fn stage_from(df: &Dockerfile, stage: usize) -> Option<&crate::dockerfile::FromArgs> {
    let inst = df.instructions.get(df.stages.get(stage)?.from)?;
    match &inst.args {
        Args::From(from) => Some(from),
        _ => None,
    }
}

/// The earlier stage a stage is built on (`FROM build AS test`), if any.
pub fn parent_stage(df: &Dockerfile, stage: usize) -> Option<usize> {
    let from = stage_from(df, stage)?;
    let image = literal(&from.image.raw, df.escape)?;
    df.stages[..stage]
        .iter()
        .rev()
        .find(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n.raw.eq_ignore_ascii_case(&image))
        })
        .map(|s| s.index)
}

/// A stage and the stages it is built on, nearest first.
pub fn stage_chain(df: &Dockerfile, stage: usize) -> Vec<usize> {
    let mut chain = vec![stage];
    let mut current = stage;
    while let Some(parent) = parent_stage(df, current) {
        if chain.contains(&parent) {
            break;
        }
        chain.push(parent);
        current = parent;
    }
    chain
}

/// The keyword for another instruction in the case the file writes
/// `keyword` in (`add` → `copy`, `Add` → `Copy`).
pub fn keyword_in_case_of(keyword: &str, replacement: &str) -> String {
    if keyword.chars().all(|c| c.is_ascii_lowercase()) {
        replacement.to_ascii_lowercase()
    } else if keyword.chars().all(|c| c.is_ascii_uppercase()) {
        replacement.to_ascii_uppercase()
    } else {
        let mut out = String::new();
        for (i, c) in replacement.chars().enumerate() {
            if i == 0 {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c.to_ascii_lowercase());
            }
        }
        out
    }
}

/// Parses a `--mount` value (`type=bind,source=x,target=/y`) into its
/// key/value fields with their byte ranges in `raw`. Quotes around a value are
/// kept out of the value but inside its range.
pub fn mount_fields(raw: &str) -> Vec<(String, String, std::ops::Range<usize>)> {
    let mut fields = Vec::new();
    let mut start = 0;
    let bytes = raw.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i <= bytes.len() {
        let at_end = i == bytes.len();
        let b = if at_end { b',' } else { bytes[i] };
        match quote {
            Some(q) if b == q && !at_end => quote = None,
            Some(_) if !at_end => {}
            _ => {
                if (b == b'"' || b == b'\'') && !at_end {
                    quote = Some(b);
                } else if b == b',' {
                    let field = &raw[start..i];
                    if !field.is_empty() {
                        let (key, value, value_start) = match field.find('=') {
                            Some(eq) => (&field[..eq], &field[eq + 1..], start + eq + 1),
                            None => (field, "", i),
                        };
                        let unquoted = value.trim_matches(|c| c == '"' || c == '\'');
                        fields.push((
                            key.trim().to_ascii_lowercase(),
                            unquoted.to_string(),
                            value_start..i,
                        ));
                    }
                    start = i + 1;
                }
            }
        }
        i += 1;
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_removes_quotes_and_escapes() {
        assert_eq!(literal("\"a b\"", '\\').as_deref(), Some("a b"));
        assert_eq!(literal("'a$b'", '\\').as_deref(), Some("a$b"));
        assert_eq!(literal("a\\ b", '\\').as_deref(), Some("a b"));
        assert_eq!(literal("$X/y", '\\'), None);
        assert_eq!(literal("\\$X", '\\').as_deref(), Some("$X"));
    }

    #[test]
    fn expand_knows_default_forms() {
        let mut vars = HashMap::new();
        vars.insert("A".to_string(), "src".to_string());
        vars.insert("E".to_string(), String::new());
        assert_eq!(expand("${A}/x", '\\', &vars).as_deref(), Some("src/x"));
        assert_eq!(expand("$A/x", '\\', &vars).as_deref(), Some("src/x"));
        assert_eq!(expand("${B:-lib}", '\\', &vars).as_deref(), Some("lib"));
        assert_eq!(expand("${E:-lib}", '\\', &vars).as_deref(), Some("lib"));
        assert_eq!(expand("${E-lib}", '\\', &vars).as_deref(), Some(""));
        assert_eq!(expand("${A:+on}", '\\', &vars).as_deref(), Some("on"));
        assert_eq!(expand("$B", '\\', &vars), None);
        assert_eq!(expand("${A#s}", '\\', &vars).as_deref(), Some("rc"));
    }

    #[test]
    fn has_variable_skips_single_quotes_and_escapes() {
        assert!(has_variable("$A", '\\'));
        assert!(has_variable("\"${A}\"", '\\'));
        assert!(!has_variable("'$A'", '\\'));
        assert!(!has_variable("\\$A", '\\'));
        assert!(!has_variable("plain", '\\'));
    }

    #[test]
    fn mount_fields_split_csv() {
        let raw = "type=bind,source=\"a,b\",target=/x";
        let fields = mount_fields(raw);
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[1].0, "source");
        assert_eq!(fields[1].1, "a,b");
        assert_eq!(&raw[fields[1].2.clone()], "\"a,b\"");
        assert_eq!(fields[2].1, "/x");
    }

    #[test]
    fn keyword_case_follows_the_file() {
        assert_eq!(keyword_in_case_of("ADD", "copy"), "COPY");
        assert_eq!(keyword_in_case_of("add", "COPY"), "copy");
        assert_eq!(keyword_in_case_of("Add", "COPY"), "Copy");
    }
}
