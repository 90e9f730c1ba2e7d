//! Schema validation: compose files against the compose-spec schema (draft
//! 2020-12, as `docker compose` does), stack files against docker/cli's v3
//! schema for their `version:` (as `docker stack deploy` does). Every error
//! points at the offending key or value, in plain words, with a did-you-mean
//! for misspelt keys.

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value as Json;

use super::yaml::{FileRef, Key, Node, Value};
use crate::span::Span;

const COMPOSE_SPEC: &str = include_str!("schemas/compose-spec.json");

/// The vendored Compose Specification schema (JSON text).
pub fn compose_spec() -> &'static str {
    COMPOSE_SPEC
}

/// docker/cli's stack schemas, by `version:`.
const STACK_SCHEMAS: &[(&str, &str)] = &[
    ("3.0", include_str!("schemas/config_schema_v3.0.json")),
    ("3.1", include_str!("schemas/config_schema_v3.1.json")),
    ("3.2", include_str!("schemas/config_schema_v3.2.json")),
    ("3.3", include_str!("schemas/config_schema_v3.3.json")),
    ("3.4", include_str!("schemas/config_schema_v3.4.json")),
    ("3.5", include_str!("schemas/config_schema_v3.5.json")),
    ("3.6", include_str!("schemas/config_schema_v3.6.json")),
    ("3.7", include_str!("schemas/config_schema_v3.7.json")),
    ("3.8", include_str!("schemas/config_schema_v3.8.json")),
    ("3.9", include_str!("schemas/config_schema_v3.9.json")),
    ("3.10", include_str!("schemas/config_schema_v3.10.json")),
    ("3.11", include_str!("schemas/config_schema_v3.11.json")),
    ("3.12", include_str!("schemas/config_schema_v3.12.json")),
    ("3.13", include_str!("schemas/config_schema_v3.13.json")),
];

/// The newest stack schema version.
pub const LATEST_STACK_VERSION: &str = "3.13";

/// Which schema a file is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchemaKind {
    Compose,
    /// A `docker stack deploy` v3 schema; the version is one of
    /// [`stack_versions`].
    Stack(&'static str),
}

/// The stack schema versions known, oldest first.
pub fn stack_versions() -> impl Iterator<Item = &'static str> {
    STACK_SCHEMAS.iter().map(|(v, _)| *v)
}

/// The stack schema for a `version:` value as docker/cli reads it (`3` is
/// `3.0`, `3.x` as written).
pub fn stack_schema_for(version: &str) -> Option<&'static str> {
    let v = version.trim();
    let v = if v == "3" { "3.0" } else { v };
    STACK_SCHEMAS.iter().find(|(k, _)| *k == v).map(|(k, _)| *k)
}

struct Compiled {
    validator: Validator,
    schema: Json,
}

fn compile(text: &str, base: &str) -> Compiled {
    let schema: Json = serde_json::from_str(text).expect("vendored schema is JSON");
    let validator = jsonschema::options()
        .with_base_uri(format!("https://schemas.buildlint.invalid/{base}"))
        .build(&schema)
        .expect("vendored schema compiles");
    Compiled { validator, schema }
}

fn compiled(kind: SchemaKind) -> &'static Compiled {
    static COMPOSE: OnceLock<Compiled> = OnceLock::new();
    static STACK: OnceLock<std::sync::Mutex<HashMap<&'static str, &'static Compiled>>> =
        OnceLock::new();
    match kind {
        SchemaKind::Compose => COMPOSE.get_or_init(|| compile(COMPOSE_SPEC, "compose_spec.json")),
        SchemaKind::Stack(version) => {
            let map = STACK.get_or_init(Default::default);
            let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(version).or_insert_with(|| {
                let text = STACK_SCHEMAS
                    .iter()
                    .find(|(v, _)| *v == version)
                    .map(|(_, t)| *t)
                    .unwrap_or(STACK_SCHEMAS[STACK_SCHEMAS.len() - 1].1);
                Box::leak(Box::new(compile(
                    text,
                    &format!("config_schema_v{version}.json"),
                )))
            })
        }
    }
}

/// One schema violation, located.
#[derive(Clone, Debug)]
pub struct SchemaProblem {
    pub file: FileRef,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// One step down the document: the key (for mappings) and the node.
struct Step<'a> {
    key: Option<&'a Key>,
    node: &'a Node,
}

fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}

/// The nodes along a JSON pointer, root first.
fn walk<'a>(root: &'a Node, pointer: &str) -> Vec<Step<'a>> {
    let mut steps = vec![Step {
        key: None,
        node: root,
    }];
    if pointer.is_empty() {
        return steps;
    }
    for raw in pointer.trim_start_matches('/').split('/') {
        let seg = unescape(raw);
        let cur = steps.last().expect("non-empty").node;
        let next = match &cur.value {
            Value::Map(entries) => entries.iter().find(|e| e.key.name == seg).map(|e| Step {
                key: Some(&e.key),
                node: &e.value,
            }),
            Value::Seq(items) => seg
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|n| Step { key: None, node: n }),
            _ => None,
        };
        match next {
            Some(s) => steps.push(s),
            None => break,
        }
    }
    steps
}

/// Where to underline a node: a scalar itself; a mapping or list at the key
/// it sits under (their own spans are empty).
fn node_span(steps: &[Step<'_>]) -> (Span, FileRef) {
    let last = steps.last().expect("non-empty");
    match &last.node.value {
        Value::Map(_) | Value::Seq(_) => {
            // The nearest key above, else the node's own position.
            for s in steps.iter().rev() {
                if let Some(k) = s.key {
                    return (k.span, k.file.clone());
                }
                if !s.node.span.is_empty() {
                    return (s.node.span, s.node.file.clone());
                }
            }
            (last.node.span, last.node.file.clone())
        }
        _ => (last.node.span, last.node.file.clone()),
    }
}

/// A readable name for the place a pointer designates.
fn describe(pointer: &str) -> String {
    let segs: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer
            .trim_start_matches('/')
            .split('/')
            .map(unescape)
            .collect()
    };
    let top_kind = |k: &str| match k {
        "services" => Some("service"),
        "networks" => Some("network"),
        "volumes" => Some("volume"),
        "secrets" => Some("secret"),
        "configs" => Some("config"),
        "models" => Some("model"),
        _ => None,
    };
    match segs.as_slice() {
        [] => "the top level".to_string(),
        [one] => format!("`{one}`"),
        [kind, name] if top_kind(kind).is_some() => {
            format!("{} `{name}`", top_kind(kind).unwrap_or("entry"))
        }
        [kind, name, rest @ ..] if top_kind(kind).is_some() => {
            let mut path = String::new();
            for s in rest {
                if s.parse::<usize>().is_ok() {
                    path.push_str(&format!("[{s}]"));
                } else {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(s);
                }
            }
            format!("`{path}` of {} `{name}`", top_kind(kind).unwrap_or("entry"))
        }
        _ => {
            let mut path = String::new();
            for s in &segs {
                if s.parse::<usize>().is_ok() {
                    path.push_str(&format!("[{s}]"));
                } else {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(s);
                }
            }
            format!("`{path}`")
        }
    }
}

/// The schema object a keyword location points into (its parent).
fn schema_object<'a>(schema: &'a Json, keyword_pointer: &str) -> Option<&'a Json> {
    let mut segs: Vec<String> = keyword_pointer
        .trim_start_matches('/')
        .split('/')
        .map(unescape)
        .collect();
    segs.pop();
    let mut cur = schema;
    for s in segs {
        if s.is_empty() {
            continue;
        }
        cur = match cur {
            Json::Object(m) => m.get(&s)?,
            Json::Array(a) => a.get(s.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn keyword_pointer(err: &ValidationError<'_>) -> Option<String> {
    let uri = err.absolute_keyword_location()?;
    let s = uri.as_str();
    let frag = s.split_once('#')?.1;
    Some(percent_decode(frag).trim_start_matches('/').to_string())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(Ok(b)) = s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The closest known key to a misspelt one.
pub fn did_you_mean<'a>(
    unknown: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = unknown.to_ascii_lowercase();
    known
        .into_iter()
        .map(|k| {
            (
                strsim::damerau_levenshtein(&lower, &k.to_ascii_lowercase()),
                k,
            )
        })
        .filter(|(d, k)| *d <= 2.max(k.len() / 4) && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn type_list(expected: &[String]) -> String {
    let words: Vec<String> = expected
        .iter()
        .map(|t| {
            match t.as_str() {
                "object" => "a mapping",
                "array" => "a list",
                "string" => "a string",
                "integer" => "an integer",
                "number" => "a number",
                "boolean" => "a boolean",
                "null" => "null",
                other => other,
            }
            .to_string()
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    match words.len() {
        0 => "something else".into(),
        1 => words[0].clone(),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

fn type_names(err: &ValidationError<'_>) -> Vec<String> {
    match err.kind() {
        ValidationErrorKind::Type { kind } => {
            let text = format!("{kind:?}");
            // `Single(Object)` / `Multiple(...)`: pick the JSON type words.
            [
                "object", "array", "string", "integer", "number", "boolean", "null",
            ]
            .iter()
            .filter(|t| text.to_ascii_lowercase().contains(*t))
            .map(|t| t.to_string())
            .collect()
        }
        _ => Vec::new(),
    }
}

/// The legacy (version 1) format puts services at the top level, with no
/// `services:` key. Current compose rejects it; one finding says so, instead
/// of one unknown key per service.
fn legacy_format(root: &Node) -> Option<SchemaProblem> {
    const TOP_LEVEL: &[&str] = &[
        "version", "name", "include", "services", "networks", "volumes", "secrets", "configs",
        "models",
    ];
    let entries = root.as_map()?;
    if root.get("services").is_some() {
        return None;
    }
    // Every unknown top-level mapping is a service there; one with `image`,
    // `build` or `provider` shows the file is in that format.
    let services: Vec<&super::yaml::Entry> = entries
        .iter()
        .filter(|e| {
            !TOP_LEVEL.contains(&e.key.name.as_str())
                && !e.key.name.starts_with("x-")
                && e.value.as_map().is_some()
        })
        .collect();
    if !services.iter().any(|e| {
        ["image", "build", "provider"]
            .iter()
            .any(|k| e.value.get(k).is_some())
    }) {
        return None;
    }
    let first = services.first()?;
    let names: Vec<String> = services
        .iter()
        .take(3)
        .map(|e| format!("`{}`", e.key.name))
        .collect();
    let more = if services.len() > 3 { ", ..." } else { "" };
    Some(SchemaProblem {
        file: first.key.file.clone(),
        span: first.key.span,
        message: format!(
            "this is the legacy (version 1) compose format, with services at the top level ({}{more}); current compose rejects it",
            names.join(", ")
        ),
        help: Some(
            "add a top-level `services:` key and indent every service under it by two spaces"
                .into(),
        ),
    })
}

/// Checks `root` (one file, after interpolation) against the schema.
pub fn validate(root: &Node, kind: SchemaKind) -> Vec<SchemaProblem> {
    if let Some(legacy) = legacy_format(root) {
        return vec![legacy];
    }
    let compiled = compiled(kind);
    let json = root.to_json();
    let mut out = Vec::new();
    for err in compiled.validator.iter_errors(&json) {
        report(root, compiled, &err, &mut out);
    }
    // Several schema paths can flag the same spot; keep the first.
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert((p.file.path.clone(), p.span, p.message.clone())));
    out
}

fn report(
    root: &Node,
    compiled: &Compiled,
    err: &ValidationError<'_>,
    out: &mut Vec<SchemaProblem>,
) {
    let pointer = err.instance_path().as_str().to_string();
    let steps = walk(root, &pointer);
    let (span, file) = node_span(&steps);
    let place = describe(&pointer);
    let problem =
        |span: Span, file: FileRef, message: String, help: Option<String>| SchemaProblem {
            file,
            span,
            message,
            help,
        };
    match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let parent = keyword_pointer(err).and_then(|p| schema_object(&compiled.schema, &p));
            let known: Vec<&str> = parent
                .and_then(|p| p.get("properties"))
                .and_then(Json::as_object)
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let patterned = parent
                .and_then(|p| p.get("patternProperties"))
                .and_then(Json::as_object)
                .is_some_and(|m| m.keys().any(|k| !k.starts_with("^x-")));
            let node = steps.last().expect("non-empty").node;
            for name in unexpected {
                let entry = node.entry(name);
                let (kspan, kfile) = entry
                    .map(|e| (e.key.span, e.key.file.clone()))
                    .unwrap_or((span, file.clone()));
                if known.is_empty() && patterned {
                    out.push(problem(
                        kspan,
                        kfile,
                        format!("`{name}` is not a valid name in {place}"),
                        Some("use only letters, digits, `.`, `_` and `-`".into()),
                    ));
                    continue;
                }
                let suggestion = did_you_mean(name, known.iter().copied());
                let help = match suggestion {
                    Some(s) => Some(format!("did you mean `{s}`?")),
                    None if !known.is_empty() => {
                        Some("remove it, or prefix it with `x-` to keep it as an extension".into())
                    }
                    None => None,
                };
                out.push(problem(
                    kspan,
                    kfile,
                    format!("`{name}` is not a known key in {place}"),
                    help,
                ));
            }
        }
        ValidationErrorKind::Type { .. } => {
            let node = steps.last().expect("non-empty").node;
            out.push(problem(
                span,
                file,
                format!(
                    "{place} must be {}, not {}",
                    type_list(&type_names(err)),
                    node.kind_name()
                ),
                None,
            ));
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            // Branches whose type matched and failed deeper say more than
            // the ones rejected outright for their type.
            let deeper: Vec<&Vec<ValidationError<'static>>> = context
                .iter()
                .filter(|branch| {
                    !branch.is_empty()
                        && !branch.iter().all(|e| {
                            matches!(e.kind(), ValidationErrorKind::Type { .. })
                                && e.instance_path().as_str() == pointer
                        })
                })
                .collect();
            if let Some(best) = deeper.first() {
                for e in best.iter() {
                    report(root, compiled, e, out);
                }
                return;
            }
            let mut types = Vec::new();
            for branch in context {
                for e in branch {
                    types.extend(type_names(e));
                }
            }
            let node = steps.last().expect("non-empty").node;
            out.push(problem(
                span,
                file,
                format!(
                    "{place} must be {}, not {}",
                    type_list(&types),
                    node.kind_name()
                ),
                None,
            ));
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            out.push(problem(
                span,
                file,
                format!("{place} is missing the required key `{name}`"),
                None,
            ));
        }
        ValidationErrorKind::Enum { options } => {
            let opts: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|v| {
                            format!(
                                "`{}`",
                                v.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| v.to_string())
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let node = steps.last().expect("non-empty").node;
            out.push(problem(
                span,
                file,
                format!(
                    "{place} is `{}`; it must be one of {}",
                    node.scalar_string().unwrap_or_default(),
                    opts.join(", ")
                ),
                None,
            ));
        }
        ValidationErrorKind::UniqueItems => {
            out.push(problem(
                span,
                file,
                format!("{place} lists the same entry twice"),
                None,
            ));
        }
        ValidationErrorKind::FalseSchema => {
            out.push(problem(
                span,
                file,
                format!("{place} is not allowed here"),
                None,
            ));
        }
        _ => {
            let text = err.to_string();
            out.push(problem(span, file, format!("{place}: {text}"), None));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::yaml;
    use crate::source::SourceFile;

    fn check(text: &str, kind: SchemaKind) -> Vec<(String, String, Option<String>)> {
        let f = SourceFile::new("compose.yaml", text);
        let root = yaml::parse_one(&f).unwrap();
        validate(&root, kind)
            .into_iter()
            .map(|p| (p.span.slice(&f.text).to_string(), p.message, p.help))
            .collect()
    }

    #[test]
    fn valid_file_is_quiet() {
        let p = check(
            "services:\n  web:\n    image: nginx\n    ports: ['80:80', {target: 443, published: '8443'}]\n    build: {context: ., args: {A: b}}\n    depends_on: {db: {condition: service_healthy}}\n  db:\n    image: postgres\nvolumes:\n  data: {}\n",
            SchemaKind::Compose,
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn misspelt_key_at_its_own_span_with_a_suggestion() {
        let p = check("services:\n  web:\n    imag: nginx\n", SchemaKind::Compose);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "imag");
        assert_eq!(p[0].1, "`imag` is not a known key in service `web`");
        assert_eq!(p[0].2.as_deref(), Some("did you mean `image`?"));
        let p = check("servics:\n  web: {image: a}\n", SchemaKind::Compose);
        assert_eq!(p[0].0, "servics");
        assert_eq!(p[0].2.as_deref(), Some("did you mean `services`?"));
    }

    #[test]
    fn wrong_types_in_words() {
        let p = check(
            "services:\n  web:\n    image: nginx\n    ports: '80:80'\n",
            SchemaKind::Compose,
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "'80:80'");
        assert_eq!(
            p[0].1,
            "`ports` of service `web` must be a list, not a string"
        );
        let p = check("services:\n  web:\n    build: [a]\n", SchemaKind::Compose);
        assert_eq!(p[0].0, "build");
        assert!(p[0].1.contains("must be a mapping or a string"), "{p:?}");
        let p = check(
            "services:\n  web:\n    ports: [{target: 80, publishd: 8080}]\n",
            SchemaKind::Compose,
        );
        assert_eq!(p[0].0, "publishd");
        assert_eq!(p[0].2.as_deref(), Some("did you mean `published`?"));
    }

    #[test]
    fn legacy_format_is_one_finding() {
        let p = check(
            "web:\n  build: .\n  ports:\n    - '5000:5000'\nredis:\n  image: redis:7\nworker:\n  image: app\ncache:\n  image: memcached\n",
            SchemaKind::Compose,
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "web");
        assert!(p[0].1.contains("legacy (version 1)"), "{}", p[0].1);
        assert!(
            p[0].1.contains("`web`, `redis`, `worker`, ..."),
            "{}",
            p[0].1
        );
        assert!(p[0].2.as_deref().unwrap().contains("services:"));
        // Top-level keys that are not services are not mistaken for them.
        let p = check(
            "networks:\n  back: {}\nx-common:\n  image: a\n",
            SchemaKind::Compose,
        );
        assert!(p.iter().all(|p| !p.1.contains("legacy")), "{p:?}");
    }

    #[test]
    fn bad_service_name() {
        let p = check(
            "services:\n  'my web':\n    image: a\n",
            SchemaKind::Compose,
        );
        assert_eq!(p[0].0, "'my web'");
        assert!(p[0].1.contains("not a valid name"), "{p:?}");
    }

    #[test]
    fn stack_schema_is_stricter() {
        let text = "version: '3.8'\nservices:\n  web:\n    image: nginx\n    develop: {}\n";
        assert!(check(text, SchemaKind::Compose).is_empty());
        let p = check(text, SchemaKind::Stack("3.8"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "develop");
        assert_eq!(stack_schema_for("3"), Some("3.0"));
        assert_eq!(stack_schema_for("3.13"), Some("3.13"));
        assert_eq!(stack_schema_for("2.4"), None);
        for v in stack_versions() {
            assert!(
                check("version: '3'\nservices: {}\n", SchemaKind::Stack(v)).is_empty(),
                "{v}"
            );
        }
    }
}
