//! Completion: Dockerfile instruction keywords, their flags and stage
//! names; stack file keys from the vendored Compose Specification schema.

use std::sync::OnceLock;

use lsp_types::{CompletionItem, CompletionItemKind, Documentation};
use serde_json::Value;

use super::documents::{Document, Kind};

const KEYWORDS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// BuildKit's flags per instruction (dockerfile frontend `instructions/parse.go`).
fn flags(keyword: &str) -> &'static [&'static str] {
    match keyword.to_ascii_uppercase().as_str() {
        "FROM" => &["platform"],
        "RUN" => &["mount", "network", "security"],
        "COPY" => &["from", "chown", "chmod", "link", "parents", "exclude"],
        "ADD" => &[
            "chown",
            "chmod",
            "link",
            "checksum",
            "keep-git-dir",
            "exclude",
            "unpack",
        ],
        "HEALTHCHECK" => &[
            "interval",
            "timeout",
            "start-period",
            "start-interval",
            "retries",
        ],
        _ => &[],
    }
}

fn item(
    label: &str,
    kind: CompletionItemKind,
    insert: String,
    doc: Option<&str>,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        insert_text: Some(insert),
        documentation: doc.map(|d| Documentation::String(d.to_string())),
        ..Default::default()
    }
}

pub fn complete(doc: &Document, offset: u32) -> Vec<CompletionItem> {
    match doc.kind {
        Kind::Dockerfile => dockerfile(doc, offset),
        Kind::Stack => stack(doc, offset),
        _ => Vec::new(),
    }
}

fn dockerfile(doc: &Document, offset: u32) -> Vec<CompletionItem> {
    let line = doc.lines.line_of(offset);
    let line_start = doc.lines.line_start(line) as usize;
    let prefix = &doc.text[line_start..offset as usize];
    let continued = line > 0 && {
        let previous = doc.lines.line_span(&doc.text, line - 1).slice(&doc.text);
        previous.trim_end().ends_with('\\')
    };
    let trimmed = prefix.trim_start();
    let word = trimmed
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or_default();
    // The stages defined above the line being typed (which may not parse yet).
    let stage_names = || -> Vec<CompletionItem> {
        let Ok(df) = crate::dockerfile::parse(doc.text[..line_start].to_string()) else {
            return Vec::new();
        };
        df.stages
            .iter()
            .filter_map(|s| s.name.as_ref())
            .map(|n| item(&n.raw, CompletionItemKind::REFERENCE, n.raw.clone(), None))
            .collect()
    };
    // The keyword being typed.
    if !continued && !trimmed.contains(char::is_whitespace) {
        return KEYWORDS
            .iter()
            .map(|k| item(k, CompletionItemKind::KEYWORD, format!("{k} "), None))
            .collect();
    }
    if word.starts_with("--from=") || word.contains("from=") && word.starts_with("--mount=") {
        return stage_names();
    }
    let keyword = trimmed.split_whitespace().next().unwrap_or_default();
    if word.starts_with("--") && !word.contains('=') {
        return flags(keyword)
            .iter()
            .map(|f| {
                let label = format!("--{f}");
                item(&label, CompletionItemKind::PROPERTY, label.clone(), None)
            })
            .collect();
    }
    // `FROM <stage>`: the image word, after any flags.
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    let typing_new = prefix.ends_with(char::is_whitespace);
    let position = words.iter().filter(|w| !w.starts_with("--")).count() + typing_new as usize;
    if keyword.eq_ignore_ascii_case("FROM") && position == 2 {
        return stage_names();
    }
    Vec::new()
}

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(crate::compose::schema::compose_spec()).unwrap_or(Value::Null)
    })
}

/// `{"$ref": "#/$defs/x"}` followed.
fn resolve(node: &Value) -> &Value {
    let mut node = node;
    for _ in 0..8 {
        let Some(r) = node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let mut target = schema();
        for part in r.trim_start_matches("#/").split('/') {
            target = &target[part];
        }
        node = target;
    }
    node
}

/// The object schemas a node may be (its `oneOf`/`anyOf` branches too).
fn objects(node: &Value) -> Vec<&Value> {
    let node = resolve(node);
    let mut out = vec![node];
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(branches) = node.get(key).and_then(Value::as_array) {
            out.extend(branches.iter().flat_map(objects));
        }
    }
    out
}

/// The schema of the value at `path` (keys; `-` for a sequence item).
fn schema_at(path: &[String]) -> Vec<&'static Value> {
    let mut nodes = vec![schema()];
    for key in path {
        let mut next = Vec::new();
        for node in nodes.iter().flat_map(|n| objects(n)) {
            if key == "-" {
                if let Some(items) = node.get("items") {
                    next.push(items);
                }
                continue;
            }
            if let Some(p) = node.get("properties").and_then(|p| p.get(key)) {
                next.push(p);
            } else if let Some(pp) = node.get("patternProperties").and_then(Value::as_object) {
                // Named entries (services, networks ...): the first pattern
                // that is not an extension's.
                if let Some((_, v)) = pp.iter().find(|(k, _)| k.as_str() != "^x-") {
                    next.push(v);
                }
            }
        }
        nodes = next;
    }
    nodes
}

/// The keys above the cursor, by indentation: the YAML path of a key typed
/// at `offset`. `None` when the cursor is in a value.
fn yaml_path(doc: &Document, offset: u32) -> Option<Vec<String>> {
    let line = doc.lines.line_of(offset);
    let line_start = doc.lines.line_start(line) as usize;
    let prefix = &doc.text[line_start..offset as usize];
    let body = prefix.trim_start();
    let (mut indent, item) = match body.strip_prefix("- ") {
        Some(rest) if !rest.contains(':') => return None,
        Some(_) => (prefix.len() - body.len() + 2, true),
        None => (prefix.len() - body.len(), false),
    };
    let body = body.trim_start_matches("- ");
    if body.contains(':') || body.contains(char::is_whitespace) {
        return None;
    }
    let mut path: Vec<String> = Vec::new();
    if item {
        path.push("-".into());
    }
    for l in (0..line).rev() {
        let text = doc.lines.line_span(&doc.text, l).slice(&doc.text);
        let content = text.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let at = text.len() - content.len();
        if at >= indent {
            continue;
        }
        let (key_part, is_item) = match content.strip_prefix("- ") {
            Some(rest) => (rest, true),
            None => (content, false),
        };
        if let Some((key, _)) = key_part.split_once(':') {
            // A `- key: value` line starts a mapping inside an item: the
            // cursor's keys are its siblings.
            if is_item && at + 2 == indent {
                path.push("-".into());
                indent = at;
                continue;
            }
            path.push(key.trim().trim_matches(['"', '\'']).to_string());
            if is_item {
                path.push("-".into());
            }
        } else if is_item {
            path.push("-".into());
        }
        indent = at;
        if indent == 0 {
            break;
        }
    }
    path.reverse();
    Some(path)
}

fn stack(doc: &Document, offset: u32) -> Vec<CompletionItem> {
    let Some(path) = yaml_path(doc, offset) else {
        return Vec::new();
    };
    let mut out: Vec<CompletionItem> = Vec::new();
    for node in schema_at(&path).into_iter().flat_map(objects) {
        let Some(props) = node.get("properties").and_then(Value::as_object) else {
            continue;
        };
        for (key, value) in props {
            if out.iter().any(|i| i.label == *key) {
                continue;
            }
            let description = resolve(value)
                .get("description")
                .or_else(|| value.get("description"))
                .and_then(Value::as_str);
            out.push(item(
                key,
                CompletionItemKind::PROPERTY,
                format!("{key}: "),
                description,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn doc(kind: Kind, text: &str) -> (Document, u32) {
        let at = text.find('|').unwrap() as u32;
        let text = text.replace('|', "");
        (Document::new(PathBuf::from("/x"), kind, 1, text), at)
    }

    fn labels(kind: Kind, text: &str) -> Vec<String> {
        let (d, at) = doc(kind, text);
        complete(&d, at).into_iter().map(|i| i.label).collect()
    }

    #[test]
    fn dockerfile_keywords_flags_and_stages() {
        assert!(labels(Kind::Dockerfile, "FROM a\nRU|").contains(&"RUN".to_string()));
        assert!(labels(Kind::Dockerfile, "FROM a\nRUN apt \\\n  |").is_empty());
        assert_eq!(
            labels(Kind::Dockerfile, "FROM a\nCOPY --ch|"),
            [
                "--from",
                "--chown",
                "--chmod",
                "--link",
                "--parents",
                "--exclude"
            ]
        );
        let stages = "FROM a AS build\nFROM b AS test\nCOPY --from=|";
        assert_eq!(labels(Kind::Dockerfile, stages), ["build", "test"]);
        assert_eq!(
            labels(Kind::Dockerfile, "FROM a AS build\nFROM |"),
            ["build"]
        );
    }

    #[test]
    fn stack_keys_follow_the_schema() {
        let top = labels(Kind::Stack, "serv|");
        assert!(top.contains(&"services".to_string()) && top.contains(&"networks".to_string()));
        let service = labels(Kind::Stack, "services:\n  web:\n    image: a\n    |\n");
        assert!(service.contains(&"depends_on".to_string()), "{service:?}");
        assert!(service.contains(&"healthcheck".to_string()));
        let build = labels(Kind::Stack, "services:\n  web:\n    build:\n      |");
        assert!(build.contains(&"dockerfile".to_string()), "{build:?}");
        let hc = labels(Kind::Stack, "services:\n  web:\n    healthcheck:\n      t|");
        assert!(hc.contains(&"test".to_string()), "{hc:?}");
        // In a value: nothing.
        assert!(labels(Kind::Stack, "services:\n  web:\n    image: |").is_empty());
    }
}
