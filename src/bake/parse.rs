//! Reading one bake file, HCL or JSON, into blocks and attributes whose
//! values are unevaluated HCL expressions, each key with its span.

use hcl::edit::parser;
use hcl::edit::structure::{BlockLabel, Body, Structure};
use hcl::edit::Span as _;
use hcl::expr::{Expression, ObjectKey, TemplateExpr};

use crate::span::Span;

/// `name = expr`.
#[derive(Clone, Debug)]
pub struct RawAttr {
    pub name: String,
    pub key: Span,
    pub expr: Expression,
}

/// `kind "label" { ... }`.
#[derive(Clone, Debug)]
pub struct RawBlock {
    pub kind: String,
    pub kind_span: Span,
    pub labels: Vec<(String, Span)>,
    pub attrs: Vec<RawAttr>,
    pub blocks: Vec<RawBlock>,
}

impl RawBlock {
    /// The span findings about the block point at: its first label, else its
    /// type.
    pub fn label_span(&self) -> Span {
        self.labels.first().map(|l| l.1).unwrap_or(self.kind_span)
    }

    pub fn attr(&self, name: &str) -> Option<&RawAttr> {
        self.attrs.iter().rev().find(|a| a.name == name)
    }
}

/// A parsed file: top-level attributes (variables too, in bake) and blocks.
#[derive(Clone, Debug, Default)]
pub struct RawFile {
    pub attrs: Vec<RawAttr>,
    pub blocks: Vec<RawBlock>,
}

/// A file that does not parse: the message and where.
#[derive(Clone, Debug)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

pub fn parse(text: &str, json: bool) -> Result<RawFile, SyntaxError> {
    if json {
        parse_json(text)
    } else {
        parse_hcl(text)
    }
}

fn span_of(range: Option<std::ops::Range<usize>>) -> Span {
    range.map(Span::from_range).unwrap_or_default()
}

pub fn parse_hcl(text: &str) -> Result<RawFile, SyntaxError> {
    let body = parser::parse_body(text).map_err(|e| {
        let offset = e.location().offset() as u32;
        SyntaxError {
            span: Span::new(offset, offset),
            message: e.message().to_string(),
        }
    })?;
    let (attrs, blocks) = hcl_body(&body);
    Ok(RawFile { attrs, blocks })
}

fn hcl_body(body: &Body) -> (Vec<RawAttr>, Vec<RawBlock>) {
    let mut attrs = Vec::new();
    let mut blocks = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => attrs.push(RawAttr {
                name: a.key.as_str().to_string(),
                key: span_of(a.key.span()),
                expr: Expression::from(a.value.clone()),
            }),
            Structure::Block(b) => {
                let (attrs, inner) = hcl_body(&b.body);
                blocks.push(RawBlock {
                    kind: b.ident.as_str().to_string(),
                    kind_span: span_of(b.ident.span()),
                    labels: b
                        .labels
                        .iter()
                        .map(|l| match l {
                            BlockLabel::Ident(i) => (i.as_str().to_string(), span_of(i.span())),
                            BlockLabel::String(s) => (s.as_str().to_string(), span_of(s.span())),
                        })
                        .collect(),
                    attrs,
                    blocks: inner,
                });
            }
        }
    }
    (attrs, blocks)
}

/// Finds `"key"` in `text` from `from` on, for JSON spans (serde_json keeps
/// no positions; keys are searched in document order, which matches for
/// every file that does not repeat a key).
struct KeyFinder<'t> {
    text: &'t str,
}

impl KeyFinder<'_> {
    fn find(&self, key: &str, from: usize) -> Span {
        let needle = serde_json::to_string(key).unwrap_or_default();
        match self.text.get(from..).and_then(|t| t.find(&needle)) {
            Some(i) => Span::from_range(from + i..from + i + needle.len()),
            None => Span::empty_at(from as u32),
        }
    }
}

fn parse_json(text: &str) -> Result<RawFile, SyntaxError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let index = crate::span::LineIndex::new(text);
        let offset = index.offset_at(text, e.line(), e.column());
        SyntaxError {
            span: Span::empty_at(offset),
            message: e.to_string(),
        }
    })?;
    let serde_json::Value::Object(top) = value else {
        return Err(SyntaxError {
            span: Span::default(),
            message:
                "a bake JSON file is an object of blocks (\"target\", \"group\", \"variable\")"
                    .to_string(),
        });
    };
    let finder = KeyFinder { text };
    let mut file = RawFile::default();
    let mut pos = 0;
    for (kind, value) in top {
        let kind_span = finder.find(&kind, pos);
        pos = kind_span.end as usize;
        let is_block = matches!(kind.as_str(), "target" | "group" | "variable" | "function");
        match (is_block, value) {
            // HCL's JSON syntax: `{"target": {"a": {...}}}`, or the same
            // as lists of objects: `{"target": [{"a": [{...}]}]}`.
            (true, value @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
                let labelled: Vec<serde_json::Map<String, serde_json::Value>> = match value {
                    serde_json::Value::Object(m) => vec![m],
                    serde_json::Value::Array(items) => items
                        .into_iter()
                        .filter_map(|i| match i {
                            serde_json::Value::Object(m) => Some(m),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                for (label, body) in labelled.into_iter().flatten() {
                    let label_span = finder.find(&label, pos);
                    pos = label_span.end as usize;
                    let bodies = match body {
                        serde_json::Value::Array(items) => items,
                        other => vec![other],
                    };
                    for body in bodies {
                        let mut block = RawBlock {
                            kind: kind.clone(),
                            kind_span,
                            labels: vec![(label.clone(), label_span)],
                            attrs: Vec::new(),
                            blocks: Vec::new(),
                        };
                        if let serde_json::Value::Object(attrs) = body {
                            for (name, value) in attrs {
                                let key = finder.find(&name, pos);
                                pos = key.end as usize;
                                block.attrs.push(RawAttr {
                                    name,
                                    key,
                                    expr: json_expr(&value),
                                });
                            }
                        }
                        file.blocks.push(block);
                    }
                }
            }
            (_, value) => file.attrs.push(RawAttr {
                name: kind,
                key: kind_span,
                expr: json_expr(&value),
            }),
        }
    }
    Ok(file)
}

/// A JSON value as the HCL expression it stands for: strings are templates
/// (`"${TAG}"` interpolates in JSON bake files too).
fn json_expr(value: &serde_json::Value) -> Expression {
    match value {
        serde_json::Value::Null => Expression::Null,
        serde_json::Value::Bool(b) => Expression::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Expression::from(i),
            None => Expression::from(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => {
            if s.contains("${") || s.contains("%{") {
                // The decoded string is the template itself: literal text
                // as it is (no second round of escapes), and strings inside
                // `${}` quoted as in HCL (`"pre-${f(\"x\")}"` in the file).
                Expression::TemplateExpr(Box::new(TemplateExpr::QuotedString(s.clone())))
            } else {
                Expression::String(s.clone())
            }
        }
        serde_json::Value::Array(items) => Expression::Array(items.iter().map(json_expr).collect()),
        serde_json::Value::Object(map) => Expression::Object(
            map.iter()
                .map(|(k, v)| {
                    (
                        ObjectKey::Expression(Expression::String(k.clone())),
                        json_expr(v),
                    )
                })
                .collect(),
        ),
    }
}
