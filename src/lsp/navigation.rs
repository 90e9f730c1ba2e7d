//! What is under the cursor, where it is defined, and the outline of a
//! file: stage references and variables in Dockerfiles; service, network,
//! volume, secret, config and `extends` references and `build.dockerfile`
//! in stack files.

use std::path::{Path, PathBuf};

use lsp_types::{DocumentSymbol, Location, Range, SymbolKind};

use super::documents::{uri_of, Document, Kind};
use crate::compose::yaml::{Node, Value};
use crate::dockerfile::{Args, Dockerfile, Instruction, Kind as InstKind};
use crate::lint::SourceFile;
use crate::span::Span;

// ---------------------------------------------------------------------------
// Dockerfiles

/// The instruction whose text holds `offset` (its end included).
pub fn instruction_at(df: &Dockerfile, offset: u32) -> Option<&Instruction> {
    df.instructions
        .iter()
        .find(|i| i.span.start <= offset && offset <= i.span.end)
}

/// The stage named `name` (case-insensitive, as BuildKit matches).
pub fn stage_named<'d>(df: &'d Dockerfile, name: &str) -> Option<&'d Instruction> {
    df.stages
        .iter()
        .find(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n.raw.eq_ignore_ascii_case(name))
        })
        .map(|s| &df.instructions[s.from])
}

fn within(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

/// A stage named under the cursor: `FROM stage`, `COPY --from=stage`,
/// `RUN --mount=from=stage`. The name and its span.
pub fn stage_reference(inst: &Instruction, offset: u32) -> Option<(String, Span)> {
    let inst = inst.effective();
    if let Args::From(from) = &inst.args {
        if within(from.image.span, offset) && !from.image.raw.is_empty() {
            return Some((from.image.raw.clone(), from.image.span));
        }
    }
    for flag in &inst.flags {
        let Some(value) = &flag.value else { continue };
        if !within(value.span, offset) {
            continue;
        }
        if flag.name == "from" {
            return Some((value.raw.clone(), value.span));
        }
        if flag.name == "mount" {
            // `from=NAME` among the comma-separated fields.
            let mut at = 0usize;
            for field in value.raw.split(',') {
                if let Some(name) = field.strip_prefix("from=") {
                    let start = at + "from=".len();
                    let span =
                        crate::lint::semantic::word_span(inst, value, start..start + name.len());
                    if within(span, offset) {
                        return Some((name.to_string(), span));
                    }
                }
                at += field.len() + 1;
            }
        }
    }
    None
}

/// A `$NAME` or `${NAME...}` under the cursor: the name and the span of
/// the whole reference.
pub fn variable_at(text: &str, offset: u32) -> Option<(String, Span)> {
    let offset = (offset as usize).min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let bytes = text.as_bytes();
    // Back to the `$` over name characters and a `{`.
    let mut dollar = offset;
    loop {
        if dollar > line_start && bytes.get(dollar) == Some(&b'$') {
            break;
        }
        if dollar == line_start {
            if bytes.get(dollar) == Some(&b'$') {
                break;
            }
            return None;
        }
        let c = bytes[dollar - 1];
        if c == b'$' {
            dollar -= 1;
            break;
        }
        if !(is_name(c) || c == b'{') {
            if bytes.get(dollar) == Some(&b'$') {
                break;
            }
            return None;
        }
        dollar -= 1;
    }
    let braced = bytes.get(dollar + 1) == Some(&b'{');
    let name_start = dollar + 1 + braced as usize;
    let name_len = bytes[name_start..]
        .iter()
        .take_while(|c| is_name(**c))
        .count();
    if name_len == 0 || bytes[name_start].is_ascii_digit() {
        return None;
    }
    let name = text[name_start..name_start + name_len].to_string();
    let end = if braced {
        text[name_start..]
            .find('}')
            .map_or(name_start + name_len, |i| name_start + i + 1)
    } else {
        name_start + name_len
    };
    if offset > end {
        return None;
    }
    Some((name, Span::new(dollar as u32, end as u32)))
}

/// Where a variable used in `inst` is defined.
#[derive(Debug)]
pub struct VariableDefinition {
    /// `ARG` or `ENV`.
    pub keyword: &'static str,
    /// The name in the declaring instruction.
    pub name_span: Span,
    pub value: Option<String>,
    /// A stage `ARG NAME` without a default takes the global one's.
    pub inherited: bool,
}

/// The last ARG or ENV before `inst` in its stage (or among the global
/// ARGs for a FROM line) that declares `name`.
pub fn variable_definition(
    df: &Dockerfile,
    inst: &Instruction,
    name: &str,
) -> Option<VariableDefinition> {
    let global = inst.kind == InstKind::From || inst.stage.is_none();
    let scope = if global { None } else { inst.stage };
    let before = df
        .instructions
        .iter()
        .filter(|i| i.span.end < inst.span.start && i.stage == scope);
    let mut found = None;
    for i in before {
        match &i.args {
            Args::Arg(decls) => {
                for d in decls.iter().filter(|d| d.name.raw == name) {
                    found = Some(VariableDefinition {
                        keyword: "ARG",
                        name_span: d.name.span,
                        value: d.default.as_ref().map(|w| w.raw.clone()),
                        inherited: false,
                    });
                }
            }
            Args::Env(pairs) if !global => {
                for kv in pairs.iter().filter(|kv| kv.key.raw == name) {
                    found = Some(VariableDefinition {
                        keyword: "ENV",
                        name_span: kv.key.span,
                        value: Some(kv.value.raw.clone()),
                        inherited: false,
                    });
                }
            }
            _ => {}
        }
    }
    // `ARG NAME` in a stage without a default: the global ARG's value.
    if let Some(d) = &mut found {
        if d.keyword == "ARG" && d.value.is_none() && !global {
            let first_from = df.stages.first().map(|s| &df.instructions[s.from]);
            if let Some(from) = first_from {
                if let Some(g) = variable_definition(df, from, name) {
                    d.value = g.value;
                    d.inherited = true;
                }
            }
        }
    }
    found
}

/// The base image of the stage `inst` belongs to (as written), unless it is
/// another stage.
pub fn base_image<'d>(df: &'d Dockerfile, inst: &Instruction) -> Option<&'d str> {
    let stage = df.stages.get(inst.stage?)?;
    let Args::From(from) = &df.instructions[stage.from].args else {
        return None;
    };
    let image = from.image.raw.as_str();
    (stage_named(df, image).is_none()).then_some(image)
}

fn dockerfile_definition(doc: &Document, offset: u32) -> Option<Span> {
    let df = crate::dockerfile::parse(doc.text.clone()).ok()?;
    let inst = instruction_at(&df, offset)?;
    if let Some((name, _)) = stage_reference(inst, offset) {
        if let Some(stage) = stage_named(&df, &name) {
            if let Args::From(from) = &stage.args {
                return Some(from.alias.as_ref().map_or(stage.span, |a| a.span));
            }
        }
    }
    let (name, _) = variable_at(&doc.text, offset)?;
    Some(variable_definition(&df, inst, &name)?.name_span)
}

// ---------------------------------------------------------------------------
// Stack files

/// Parses a stack file's unsaved text (its first document).
pub fn parse_stack(doc: &Document) -> Option<Node> {
    let file = SourceFile::new(doc.path.clone(), doc.text.clone());
    crate::compose::yaml::parse(&file).ok()?.into_iter().next()
}

/// What the cursor is on in a YAML tree: the keys from the root (`-` for a
/// sequence item), whether it is on a key, and the scalar or key text and
/// span.
#[derive(Debug, Clone)]
pub struct YamlHit {
    pub path: Vec<String>,
    pub on_key: bool,
    pub text: String,
    pub span: Span,
}

pub fn yaml_at(node: &Node, offset: u32) -> Option<YamlHit> {
    // Collections carry no span of their contents: every branch is tried,
    // scalars and keys decide. Nodes copied from elsewhere (an alias, a
    // merge) are not where the cursor is.
    fn walk(node: &Node, offset: u32, path: &mut Vec<String>) -> Option<YamlHit> {
        if node.origin.is_some() {
            return None;
        }
        match &node.value {
            Value::Map(entries) => {
                for e in entries.iter().filter(|e| e.key.origin.is_none()) {
                    path.push(e.key.name.clone());
                    if within(e.key.span, offset) {
                        return Some(YamlHit {
                            path: path.clone(),
                            on_key: true,
                            text: e.key.name.clone(),
                            span: e.key.span,
                        });
                    }
                    if let Some(hit) = walk(&e.value, offset, path) {
                        return Some(hit);
                    }
                    path.pop();
                }
                None
            }
            Value::Seq(items) => {
                for item in items {
                    path.push("-".into());
                    if let Some(hit) = walk(item, offset, path) {
                        return Some(hit);
                    }
                    path.pop();
                }
                None
            }
            _ if within(node.span, offset) && !node.span.is_empty() => Some(YamlHit {
                path: path.clone(),
                on_key: false,
                text: node.scalar_string()?,
                span: node.span,
            }),
            _ => None,
        }
    }
    walk(node, offset, &mut Vec::new())
}

/// The top-level section and name a stack reference under the cursor
/// points to, e.g. `("services", "db")` for a `depends_on` entry.
pub fn stack_reference(hit: &YamlHit) -> Option<(&'static str, String)> {
    let p: Vec<&str> = hit.path.iter().map(String::as_str).collect();
    if p.len() < 4 || p[0] != "services" {
        // `extends: name`.
        if p.len() == 3 && p[0] == "services" && p[2] == "extends" && !hit.on_key {
            return Some(("services", hit.text.clone()));
        }
        return None;
    }
    let name = hit.text.clone();
    let item = p[3] == "-" && !hit.on_key && p.len() == 4;
    let keyed = hit.on_key && p.len() == 4;
    let source = p.len() == 5 && p[3] == "-" && p[4] == "source" && !hit.on_key;
    match p[2] {
        "depends_on" if item || keyed => Some(("services", name)),
        "links" if item => Some(("services", name.split(':').next()?.to_string())),
        "extends" if p[3] == "service" && !hit.on_key => Some(("services", name)),
        "networks" if item || keyed => Some(("networks", name)),
        "volumes" if source => Some(("volumes", name)),
        "volumes" if item => {
            let source = name.split(':').next()?;
            let named = !source.is_empty()
                && !source.starts_with(['.', '/', '~', '$'])
                && name.contains(':');
            named.then(|| ("volumes", source.to_string()))
        }
        "secrets" if item || source => Some(("secrets", name)),
        "configs" if item || source => Some(("configs", name)),
        _ => None,
    }
}

/// The text a node covers: a collection's span does not hold its contents.
pub fn extent(node: &Node) -> Span {
    let mut span = node.span;
    match &node.value {
        Value::Map(entries) => {
            for e in entries.iter().filter(|e| e.key.origin.is_none()) {
                let inner = e.key.span.cover(extent(&e.value));
                span = if span.is_empty() {
                    inner
                } else {
                    span.cover(inner)
                };
            }
        }
        Value::Seq(items) => {
            for item in items.iter().filter(|i| i.origin.is_none()) {
                let inner = extent(item);
                span = if span.is_empty() {
                    inner
                } else {
                    span.cover(inner)
                };
            }
        }
        _ => {}
    }
    span
}

/// The definition's key in the top-level section, and the whole entry.
pub fn stack_definition<'n>(
    root: &'n Node,
    section: &str,
    name: &str,
) -> Option<&'n crate::compose::yaml::Entry> {
    root.get(section)?.entry(name)
}

/// A service's `build.dockerfile` under the cursor: the Dockerfile's path
/// (relative to the build context, itself relative to the stack file).
pub fn build_dockerfile(root: &Node, hit: &YamlHit, stack: &Path) -> Option<PathBuf> {
    let p = &hit.path;
    if p.len() != 4 || p[0] != "services" || p[2] != "build" || p[3] != "dockerfile" || hit.on_key {
        return None;
    }
    let build = root.get("services")?.get(&p[1])?.get("build")?;
    let context = build
        .get("context")
        .and_then(Node::scalar_string)
        .unwrap_or_else(|| ".".into());
    let dir = stack.parent()?;
    Some(crate::lint::baseline::clean_path(
        &dir.join(context).join(&hit.text),
    ))
}

fn stack_definition_location(doc: &Document, offset: u32) -> Option<Location> {
    let root = parse_stack(doc)?;
    let hit = yaml_at(&root, offset)?;
    if let Some(path) = build_dockerfile(&root, &hit, &doc.path) {
        return Some(Location::new(uri_of(&path)?, Range::default()));
    }
    let (section, name) = stack_reference(&hit)?;
    let entry = stack_definition(&root, section, &name)?;
    Some(Location::new(uri_of(&doc.path)?, doc.range(entry.key.span)))
}

/// Go to definition.
pub fn definition(doc: &Document, offset: u32) -> Option<Location> {
    match doc.kind {
        Kind::Dockerfile => {
            let span = dockerfile_definition(doc, offset)?;
            Some(Location::new(uri_of(&doc.path)?, doc.range(span)))
        }
        Kind::Stack => stack_definition_location(doc, offset),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Outline

#[allow(deprecated)]
fn symbol(
    doc: &Document,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    selection: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    DocumentSymbol {
        name: if name.is_empty() { "?".into() } else { name },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: doc.range(span),
        selection_range: doc.range(selection),
        children: (!children.is_empty()).then_some(children),
    }
}

/// The first line of an instruction, shortened.
fn summary(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    if line.chars().count() > 60 {
        let cut: String = line.chars().take(59).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}

pub fn document_symbols(doc: &Document) -> Vec<DocumentSymbol> {
    match doc.kind {
        Kind::Dockerfile => {
            let Ok(df) = crate::dockerfile::parse(doc.text.clone()) else {
                return Vec::new();
            };
            let mut out: Vec<DocumentSymbol> = df
                .instructions
                .iter()
                .filter(|i| i.stage.is_none())
                .map(|i| {
                    symbol(
                        doc,
                        summary(i.span.slice(&df.source)),
                        None,
                        SymbolKind::VARIABLE,
                        i.span,
                        i.keyword_span,
                        Vec::new(),
                    )
                })
                .collect();
            for stage in &df.stages {
                let from = &df.instructions[stage.from];
                let last = &df.instructions[stage.end.max(stage.from + 1) - 1];
                let children = df.instructions[stage.from + 1..stage.end]
                    .iter()
                    .map(|i| {
                        symbol(
                            doc,
                            summary(i.span.slice(&df.source)),
                            None,
                            SymbolKind::FIELD,
                            i.span,
                            i.keyword_span,
                            Vec::new(),
                        )
                    })
                    .collect();
                let (name, selection) = match &stage.name {
                    Some(n) => (n.raw.clone(), n.span),
                    None => (format!("stage {}", stage.index), from.keyword_span),
                };
                let image = match &from.args {
                    Args::From(f) => Some(f.image.raw.clone()),
                    _ => None,
                };
                out.push(symbol(
                    doc,
                    name,
                    image,
                    SymbolKind::CLASS,
                    from.span.cover(last.span),
                    selection,
                    children,
                ));
            }
            out
        }
        Kind::Stack => {
            let Some(root) = parse_stack(doc) else {
                return Vec::new();
            };
            let Some(entries) = root.as_map() else {
                return Vec::new();
            };
            entries
                .iter()
                .filter(|e| e.key.origin.is_none())
                .map(|e| {
                    let kind = match e.key.name.as_str() {
                        "services" => SymbolKind::MODULE,
                        _ => SymbolKind::NAMESPACE,
                    };
                    let children = e
                        .value
                        .as_map()
                        .unwrap_or_default()
                        .iter()
                        .filter(|c| c.key.origin.is_none())
                        .map(|c| {
                            let detail = c.value.get("image").and_then(Node::scalar_string);
                            let child_kind = match e.key.name.as_str() {
                                "services" => SymbolKind::CLASS,
                                _ => SymbolKind::OBJECT,
                            };
                            let span = c.key.span.cover(extent(&c.value));
                            symbol(
                                doc,
                                c.key.name.clone(),
                                detail,
                                child_kind,
                                span,
                                c.key.span,
                                Vec::new(),
                            )
                        })
                        .collect();
                    let span = e.key.span.cover(extent(&e.value));
                    symbol(
                        doc,
                        e.key.name.clone(),
                        None,
                        kind,
                        span,
                        e.key.span,
                        children,
                    )
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_under_the_cursor() {
        let text = "RUN echo $HOME ${VERSION:-1} $";
        let at = |s: &str| text.find(s).unwrap() as u32;
        assert_eq!(
            variable_at(text, at("HOME") + 2),
            Some(("HOME".into(), Span::new(at("$HOME"), at("$HOME") + 5)))
        );
        assert_eq!(variable_at(text, at("$HOME")).unwrap().0, "HOME");
        let v = variable_at(text, at("VERSION")).unwrap();
        assert_eq!(v.0, "VERSION");
        assert_eq!(v.1.slice(text), "${VERSION:-1}");
        assert_eq!(variable_at(text, at("echo")), None);
        assert_eq!(variable_at(text, text.len() as u32), None);
    }
}
