//! YAML with spans: a generic tree where every key and value keeps the byte
//! span it came from and the file it lives in. Parsing goes through
//! serde-saphyr (anchors, aliases, `<<` merge keys, duplicate-key and
//! alias-bomb protection); the tree is what the rest of the loader works on.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned, Tagged};

use crate::source::SourceFile;
use crate::span::Span;

/// The file a node comes from.
pub type FileRef = Arc<SourceFile>;

/// Compose's merge tags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tag {
    #[default]
    None,
    /// `!reset`: drop the value inherited from a base file.
    Reset,
    /// `!override`: replace the inherited value instead of merging into it.
    Override,
    /// Any other explicit tag (`!!str`, `!custom`); kept, otherwise ignored.
    Other,
}

/// A YAML value with its position.
#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    /// Where the value is used: the scalar itself, or the alias (`*a`) or
    /// merge (`<<: *a`) site when it comes from an anchor. Mappings and
    /// sequences have an empty span at their first token.
    pub span: Span,
    /// Where an aliased value is defined, when that differs from `span`.
    pub origin: Option<Span>,
    pub file: FileRef,
    pub tag: Tag,
}

/// A mapping key with its position.
#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub span: Span,
    pub origin: Option<Span>,
    pub file: FileRef,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: Key,
    pub value: Node,
}

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

impl Node {
    pub fn new(value: Value, span: Span, file: FileRef) -> Node {
        Node {
            value,
            span,
            origin: None,
            file,
            tag: Tag::None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Vec<Entry>> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key.name == key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut()?
            .iter_mut()
            .find(|e| e.key.name == key)
            .map(|e| &mut e.value)
    }

    /// A scalar as compose reads it in a string context: `8080`, `true` and
    /// `1.5` become their text; null, sequences and mappings give `None`.
    pub fn scalar_string(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(format_float(*f)),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// The source text under the node's span (quotes included).
    pub fn raw_text(&self) -> &str {
        self.span.slice(&self.file.text)
    }

    /// Whether the scalar is written in quotes.
    pub fn is_quoted(&self) -> bool {
        self.origin.is_none() && matches!(self.raw_text().as_bytes().first(), Some(b'"' | b'\''))
    }

    /// The span of the characters `range` of the string value, when the
    /// source spells the value literally (plain or simply quoted, no escapes,
    /// not interpolated); else the whole span.
    pub fn sub_span(&self, range: std::ops::Range<usize>) -> Span {
        let Value::Str(value) = &self.value else {
            return self.span;
        };
        let raw = self.raw_text();
        let inner_start = if self.is_quoted() { 1 } else { 0 };
        let inner = raw.get(inner_start..).unwrap_or("");
        if self.origin.is_none()
            && inner.starts_with(value.as_str())
            && range.end <= value.len()
            && (inner_start == 0 || inner.len() == value.len() + 1)
        {
            let base = self.span.start + inner_start as u32;
            Span::new(base + range.start as u32, base + range.end as u32)
        } else {
            self.span
        }
    }

    /// A short description of the kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The node as JSON, for schema validation.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.name.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// Drops `!reset` values (and their keys) inside a single file: compose
    /// resets them before merging.
    pub fn strip_resets(&mut self) {
        match &mut self.value {
            Value::Map(entries) => {
                entries.retain(|e| e.value.tag != Tag::Reset);
                for e in entries {
                    e.value.strip_resets();
                }
            }
            Value::Seq(items) => {
                items.retain(|n| n.tag != Tag::Reset);
                for n in items {
                    n.strip_resets();
                }
            }
            _ => {}
        }
    }
}

impl Key {
    pub fn new(name: impl Into<String>, span: Span, file: FileRef) -> Key {
        Key {
            name: name.into(),
            span,
            origin: None,
            file,
        }
    }
}

/// A float as compose prints it: `1.5`, `3` for whole numbers.
pub fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// Why a YAML file could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum YamlErrorKind {
    Syntax,
    DuplicateKey,
    /// Aliases expanding past the budget ("billion laughs").
    AliasBomb,
    /// Nested deeper, or holding more values, than a compose file can.
    TooLarge,
}

#[derive(Clone, Debug)]
pub struct YamlError {
    pub kind: YamlErrorKind,
    pub message: String,
    pub help: Option<String>,
    pub span: Span,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// How deep block and flow collections may nest.
pub const MAX_DEPTH: usize = 256;
/// How many values (maps, sequences, scalars) one file may hold: about a
/// 100 MB file.
pub const MAX_NODES: usize = 10_000_000;

/// Runs `f` with room on the stack for [`MAX_DEPTH`] levels of every
/// recursive pass over a tree (conversion, merge, interpolation, schema
/// validation), whatever thread it is called on: a fresh segment is mapped
/// (committed only as it is used) when the current stack has less left.
pub fn with_deep_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(DEEP_STACK / 2, DEEP_STACK, f)
}

const DEEP_STACK: usize = 64 << 20;

/// Parses one YAML file. An empty file (or only comments) is a null node.
/// Several documents (`---`) are returned in order.
pub fn parse(file: &FileRef) -> Result<Vec<Node>, YamlError> {
    with_deep_stack(|| parse_on_stack(file))
}

fn parse_on_stack(file: &FileRef) -> Result<Vec<Node>, YamlError> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        legacy_octal_numbers: true,
        with_snippet: false,
        // These limits stop alias bombs long before they cost noticeable
        // time or memory.
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
        },
        // Without aliases a file's nodes are bounded by its size; the
        // nesting limits keep the recursive conversion on the stack of a
        // build's worker thread. docker compose reads files nested 100 deep;
        // real ones nest fewer than 15 levels.
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            flow_nesting_limit: MAX_DEPTH,
            max_nodes: MAX_NODES,
            max_events: 2 * MAX_NODES,
        },
    };
    let docs: Result<Vec<Spanned<Tagged<RawNode>>>, serde_saphyr::Error> =
        serde_saphyr::from_str_multiple_with_options(&file.text, options);
    match docs {
        Ok(docs) => {
            let cx = Convert { file };
            if docs.is_empty() {
                return Ok(vec![Node::new(
                    Value::Null,
                    Span::empty_at(0),
                    file.clone(),
                )]);
            }
            Ok(docs.into_iter().map(|d| cx.node(d)).collect())
        }
        Err(err) => Err(convert_error(file, &err)),
    }
}

/// Parses a file that must hold one document.
pub fn parse_one(file: &FileRef) -> Result<Node, YamlError> {
    let mut docs = parse(file)?;
    if docs.len() > 1 {
        let second = &docs[1];
        return Err(YamlError {
            kind: YamlErrorKind::Syntax,
            message: "the file holds several YAML documents; compose files hold one".into(),
            help: Some("split the documents into separate files and pass each with -f".into()),
            span: second.span,
        });
    }
    Ok(docs.remove(0))
}

fn original(err: &serde_saphyr::Error) -> &serde_saphyr::Error {
    let mut e = err.without_snippet();
    loop {
        match e {
            serde_saphyr::Error::AliasError { error, .. } => e = error.without_snippet(),
            other => return other,
        }
    }
}

fn convert_error(file: &FileRef, err: &serde_saphyr::Error) -> YamlError {
    use serde_saphyr::Error as E;
    let span = err
        .location()
        .map(|l| location_span(file, &l))
        .unwrap_or_else(|| Span::empty_at(0));
    let inner = original(err);
    let deep = || {
        (
            YamlErrorKind::TooLarge,
            format!("the file nests collections deeper than {MAX_DEPTH} levels"),
            Some("flatten the structure; compose files never need this depth".to_string()),
        )
    };
    let (kind, message, help) = match inner {
        E::DuplicateMappingKey { key, .. } => (
            YamlErrorKind::DuplicateKey,
            match key {
                Some(k) => format!("the key `{k}` appears twice in the same mapping"),
                None => "a key appears twice in the same mapping".to_string(),
            },
            Some("remove one of the two entries; YAML keys must be unique".to_string()),
        ),
        // The parser's own limit on flow nesting reads "recursion limit
        // exceeded".
        E::Budget {
            breach: serde_saphyr::budget::BudgetBreach::Depth { .. },
            ..
        } => deep(),
        other if other.to_string().contains("recursion limit exceeded") => deep(),
        E::Budget {
            breach:
                serde_saphyr::budget::BudgetBreach::Nodes { .. }
                | serde_saphyr::budget::BudgetBreach::Events { .. }
                | serde_saphyr::budget::BudgetBreach::ScalarBytes { .. },
            ..
        } => (
            YamlErrorKind::TooLarge,
            format!("the file holds more than {MAX_NODES} values"),
            Some("split it; a compose file holds a few thousand values".to_string()),
        ),
        E::Budget { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. }
        | E::AliasReplayCounterOverflow { .. } => (
            YamlErrorKind::AliasBomb,
            "aliases expand this file past a safe size (an alias bomb)".to_string(),
            Some("use fewer nested aliases; a compose file never needs this many".to_string()),
        ),
        E::InvalidUtf8Input => (
            YamlErrorKind::Syntax,
            "the file is not valid UTF-8 text".to_string(),
            None,
        ),
        other => {
            let text = other.to_string();
            (
                YamlErrorKind::Syntax,
                format!("invalid YAML: {}", strip_position(&text)),
                None,
            )
        }
    };
    YamlError {
        kind,
        message,
        help,
        span,
    }
}

/// Drops serde-saphyr's `line N column M: ` prefix (we report positions ourselves).
fn strip_position(text: &str) -> &str {
    let first_line = text.lines().next().unwrap_or(text);
    if let Some(rest) = first_line.strip_prefix("line ") {
        if let Some(idx) = rest.find(": ") {
            if rest[..idx].contains("column") {
                return &rest[idx + 2..];
            }
        }
    }
    first_line
}

fn location_span(file: &SourceFile, loc: &Location) -> Span {
    let s = loc.span();
    if let (Some(off), Some(len)) = (s.byte_offset(), s.byte_len()) {
        let off = off.min(file.text.len() as u64) as u32;
        let end = (off as u64 + len).min(file.text.len() as u64) as u32;
        return Span::new(off, end);
    }
    if loc.line() == 0 {
        return Span::empty_at(0);
    }
    let off = file
        .lines
        .offset_at(&file.text, loc.line() as usize, loc.column() as usize);
    Span::empty_at(off)
}

struct Convert<'a> {
    file: &'a FileRef,
}

impl Convert<'_> {
    fn spans(&self, referenced: &Location, defined: &Location) -> (Span, Option<Span>) {
        let r = location_span(self.file, referenced);
        let d = location_span(self.file, defined);
        (r, if d != r { Some(d) } else { None })
    }

    fn node(&self, n: Spanned<Tagged<RawNode>>) -> Node {
        let (span, origin) = self.spans(&n.referenced, &n.defined);
        let Tagged(raw, tag) = n.value;
        let tag = match tag.as_deref() {
            None => Tag::None,
            Some("!reset") => Tag::Reset,
            Some("!override") => Tag::Override,
            Some(_) => Tag::Other,
        };
        let value = match raw {
            RawNode::Null => Value::Null,
            RawNode::Bool(b) => Value::Bool(b),
            RawNode::Int(i) => Value::Int(i),
            RawNode::Float(f) => Value::Float(f),
            RawNode::Str(s) => Value::Str(s),
            RawNode::Seq(items) => Value::Seq(items.into_iter().map(|i| self.node(i)).collect()),
            RawNode::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        let (kspan, korigin) = self.spans(&k.referenced, &k.defined);
                        Entry {
                            key: Key {
                                name: k.value.0,
                                span: kspan,
                                origin: korigin,
                                file: self.file.clone(),
                            },
                            value: self.node(v),
                        }
                    })
                    .collect(),
            ),
        };
        Node {
            value,
            span,
            origin,
            file: self.file.clone(),
            tag,
        }
    }
}

/// What serde-saphyr hands the visitor.
enum RawNode {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Tagged<RawNode>>>),
    Map(Vec<(Spanned<RawKey>, Spanned<Tagged<RawNode>>)>),
}

struct RawKey(String);

impl<'de> Deserialize<'de> for RawKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawKey, E> {
                Ok(RawKey(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RawKey, E> {
                Ok(RawKey(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawKey, E> {
                Ok(RawKey(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawKey, E> {
                Ok(RawKey(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawKey, E> {
                Ok(RawKey(format_float(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawKey, E> {
                Ok(RawKey(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawKey, E> {
                Ok(RawKey("null".into()))
            }
            fn visit_none<E: de::Error>(self) -> Result<RawKey, E> {
                Ok(RawKey("null".into()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<RawKey, A::Error> {
                Err(de::Error::custom(
                    "a mapping key must be a scalar, not a list",
                ))
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<RawKey, A::Error> {
                Err(de::Error::custom(
                    "a mapping key must be a scalar, not a mapping",
                ))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawNode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawNode, E> {
                Ok(RawNode::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<RawNode, E> {
                Ok(RawNode::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<RawNode, D2::Error> {
                RawNode::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawNode, E> {
                Ok(RawNode::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawNode, E> {
                Ok(RawNode::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawNode, E> {
                Ok(i64::try_from(v)
                    .map(RawNode::Int)
                    .unwrap_or(RawNode::Float(v as f64)))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawNode, E> {
                Ok(i64::try_from(v)
                    .map(RawNode::Int)
                    .unwrap_or(RawNode::Float(v as f64)))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawNode, E> {
                Ok(i64::try_from(v)
                    .map(RawNode::Int)
                    .unwrap_or(RawNode::Float(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawNode, E> {
                Ok(RawNode::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawNode, E> {
                Ok(RawNode::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RawNode, E> {
                Ok(RawNode::Str(v))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<RawNode, E> {
                Ok(RawNode::Str(String::from_utf8_lossy(v).into_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element()? {
                    items.push(item);
                }
                Ok(RawNode::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = a.next_key()? {
                    let value = a.next_value()?;
                    entries.push((key, value));
                }
                Ok(RawNode::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> FileRef {
        SourceFile::new("compose.yaml", text)
    }

    fn under(node: &Node) -> &str {
        node.raw_text()
    }

    #[test]
    fn keys_and_values_keep_spans() {
        let f = file("services:\n  web:\n    image: 'nginx:1.27'\n    ports:\n      - \"80:80\"\n      - 22:22\n");
        let root = parse_one(&f).unwrap();
        let web = root.get("services").unwrap().get("web").unwrap();
        let image = web.get("image").unwrap();
        assert_eq!(image.as_str(), Some("nginx:1.27"));
        assert_eq!(under(image), "'nginx:1.27'");
        assert!(image.is_quoted());
        assert_eq!(image.sub_span(0..5).slice(&f.text), "nginx");
        let key = &web.entry("image").unwrap().key;
        assert_eq!(key.span.slice(&f.text), "image");
        let ports = web.get("ports").unwrap().as_seq().unwrap();
        assert_eq!(under(&ports[0]), "\"80:80\"");
        assert_eq!(ports[1].as_str(), Some("22:22"));
        assert!(!ports[1].is_quoted());
        assert_eq!(ports[1].sub_span(3..5).slice(&f.text), "22");
    }

    #[test]
    fn merge_keys_point_at_the_merge_site_and_the_anchor() {
        let f = file(
            "x: &common\n  restart: always\nservices:\n  web:\n    <<: *common\n    image: nginx\n",
        );
        let root = parse_one(&f).unwrap();
        let web = root.get("services").unwrap().get("web").unwrap();
        let restart = web.entry("restart").unwrap();
        assert_eq!(restart.value.as_str(), Some("always"));
        assert_eq!(restart.value.span.slice(&f.text), "*common");
        assert_eq!(restart.value.origin.unwrap().slice(&f.text), "always");
    }

    #[test]
    fn compose_tags_are_kept() {
        let f = file("services:\n  web:\n    ports: !reset []\n    command: !override [a]\n");
        let mut root = parse_one(&f).unwrap();
        let web = root.get("services").unwrap().get("web").unwrap();
        assert_eq!(web.get("ports").unwrap().tag, Tag::Reset);
        assert_eq!(web.get("command").unwrap().tag, Tag::Override);
        root.strip_resets();
        let web = root.get("services").unwrap().get("web").unwrap();
        assert!(web.get("ports").is_none());
    }

    #[test]
    fn yaml_1_2_scalars_as_compose_reads_them() {
        let f = file("a: yes\nb: on\nc: true\nd: 0755\ne: 1.5\nf: ~\ng:\nn: 1\n");
        let root = parse_one(&f).unwrap();
        assert_eq!(root.get("a").unwrap().as_str(), Some("yes"));
        assert_eq!(root.get("b").unwrap().as_str(), Some("on"));
        assert!(matches!(root.get("c").unwrap().value, Value::Bool(true)));
        assert!(matches!(root.get("d").unwrap().value, Value::Int(493)));
        assert!(matches!(root.get("e").unwrap().value, Value::Float(_)));
        assert!(root.get("f").unwrap().is_null());
        assert!(root.get("g").unwrap().is_null());
        assert!(root.get("n").is_some());
    }

    #[test]
    fn duplicate_key_is_refused_at_the_second_key() {
        let f = file("services:\n  web:\n    image: a\n    image: b\n");
        let err = parse_one(&f).unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::DuplicateKey);
        assert!(err.message.contains("`image`"), "{}", err.message);
        let lc = f.line_col(err.span.start);
        assert_eq!((lc.line, lc.column), (4, 5));
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut text = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let alias = format!("*{}", w[0]);
            let items = [alias.as_str(); 9].join(",");
            text.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], items));
        }
        let f = file(&text);
        let err = parse_one(&f).unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::AliasBomb);
        assert!(f.line_col(err.span.start).line > 1);
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let f = file("services:\n  web: [a, b\n  db: x\n");
        let err = parse_one(&f).unwrap_err();
        assert_eq!(err.kind, YamlErrorKind::Syntax);
        assert!(err.message.starts_with("invalid YAML"), "{}", err.message);
        assert!(f.line_col(err.span.start).line >= 2);
    }

    #[test]
    fn empty_file_is_null() {
        let f = file("# nothing here\n");
        assert!(parse_one(&f).unwrap().is_null());
        let f = file("");
        assert!(parse_one(&f).unwrap().is_null());
    }

    #[test]
    fn several_documents() {
        let f = file("a: 1\n---\nb: 2\n");
        assert_eq!(parse(&f).unwrap().len(), 2);
        assert!(parse_one(&f).is_err());
    }

    /// Deep nesting and many nodes without a single alias are not alias
    /// bombs: compose reads 100 levels and large files; past the limits the
    /// message names the limit.
    #[test]
    fn size_limits_are_named_for_what_they_are() {
        let block = |depth: usize| {
            let mut t = String::new();
            for level in 0..depth {
                t.push_str(&format!("{}k{level}:\n", "  ".repeat(level)));
            }
            t + &"  ".repeat(depth) + "leaf\n"
        };
        let flow = |depth: usize| format!("a: {}x{}\n", "[".repeat(depth), "]".repeat(depth));
        let many: String = (0..60_000).map(|i| format!("k{i}: [a, b]\n")).collect();
        let on_small_stack = |text: String| {
            std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || parse_one(&file(&text)).map(|_| ()))
                .unwrap()
                .join()
                .unwrap()
        };
        on_small_stack(block(100)).unwrap();
        on_small_stack(flow(100)).unwrap();
        on_small_stack(many).unwrap();
        on_small_stack(block(MAX_DEPTH)).unwrap();
        for text in [block(MAX_DEPTH + 1), flow(MAX_DEPTH + 1)] {
            let err = on_small_stack(text).unwrap_err();
            assert_eq!(err.kind, YamlErrorKind::TooLarge, "{}", err.message);
            assert!(
                err.message.contains("deeper than 256 levels"),
                "{}",
                err.message
            );
        }
    }
}
