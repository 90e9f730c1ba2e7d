//! Merging an override file (or an `extends` service) into its base, with
//! compose's rules: mappings merge key by key, sequences append, scalars are
//! replaced, and some paths have their own rule (`command` is replaced,
//! `environment` and `labels` merge by key, `depends_on` and `networks`
//! merge as mappings, `build: ./dir` is a `context`). `!reset` drops an
//! inherited value; `!override` replaces it whole. After a merge, lists that
//! compose treats as sets (ports, volumes, secrets, ...) keep one entry per
//! identity, the later one winning.

use super::syntax;
use super::yaml::{Entry, Key, Node, Tag, Value};
use crate::span::Span;

/// A merge compose refuses: a mapping overridden by a non-mapping.
#[derive(Clone, Debug)]
pub struct MergeError {
    pub path: String,
    pub node: Node,
}

type Path<'a> = [&'a str];

fn matches(path: &Path<'_>, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('.').collect();
    parts.len() == path.len() && parts.iter().zip(path).all(|(p, s)| *p == "*" || p == s)
}

#[derive(Clone, Copy)]
enum Special {
    ToSequence,
    Override,
    Build,
    DependsOn,
    AsMapping,
    ExtraHosts,
    Logging,
    Ulimit,
}

fn special(path: &Path<'_>) -> Option<Special> {
    const RULES: &[(&str, Special)] = &[
        ("networks.*.labels", Special::ToSequence),
        ("volumes.*.labels", Special::ToSequence),
        ("services.*.annotations", Special::ToSequence),
        ("services.*.build", Special::Build),
        ("services.*.build.args", Special::ToSequence),
        ("services.*.build.additional_contexts", Special::ToSequence),
        ("services.*.build.extra_hosts", Special::ExtraHosts),
        ("services.*.build.labels", Special::ToSequence),
        ("services.*.command", Special::Override),
        ("services.*.depends_on", Special::DependsOn),
        ("services.*.deploy.labels", Special::ToSequence),
        ("services.*.dns", Special::ToSequence),
        ("services.*.dns_opt", Special::ToSequence),
        ("services.*.dns_search", Special::ToSequence),
        ("services.*.entrypoint", Special::Override),
        ("services.*.env_file", Special::ToSequence),
        ("services.*.label_file", Special::ToSequence),
        ("services.*.environment", Special::ToSequence),
        ("services.*.extra_hosts", Special::ExtraHosts),
        ("services.*.healthcheck.test", Special::Override),
        ("services.*.labels", Special::ToSequence),
        ("services.*.volumes.*.volume.labels", Special::ToSequence),
        ("services.*.logging", Special::Logging),
        ("services.*.models", Special::AsMapping),
        ("services.*.networks", Special::AsMapping),
        ("services.*.sysctls", Special::ToSequence),
        ("services.*.tmpfs", Special::ToSequence),
        ("services.*.ulimits.*", Special::Ulimit),
    ];
    RULES
        .iter()
        .find(|(pattern, _)| matches(path, pattern))
        .map(|(_, s)| *s)
}

/// Merges `over` into `base` at `path` (the key path from the document root).
pub fn merge(base: Node, over: Node, path: &Path<'_>) -> Result<Node, MergeError> {
    if over.tag == Tag::Override {
        let mut over = over;
        over.tag = Tag::None;
        return Ok(over);
    }
    if let Some(rule) = special(path) {
        return merge_special(rule, base, over, path);
    }
    merge_plain(base, over, path)
}

fn merge_plain(base: Node, over: Node, path: &Path<'_>) -> Result<Node, MergeError> {
    match (&base.value, &over.value) {
        (Value::Map(_), Value::Map(_)) => merge_mappings(base, over, path),
        (Value::Seq(_), Value::Seq(_)) => {
            let Value::Seq(mut items) = base.value else {
                unreachable!()
            };
            let Value::Seq(more) = over.value else {
                unreachable!()
            };
            items.extend(more);
            Ok(Node {
                value: Value::Seq(items),
                ..base
            })
        }
        (Value::Map(_), _) | (_, Value::Map(_)) if !over.is_null() && !base.is_null() => {
            Err(MergeError {
                path: path.join("."),
                node: over,
            })
        }
        _ => Ok(over),
    }
}

fn merge_mappings(base: Node, over: Node, path: &Path<'_>) -> Result<Node, MergeError> {
    let Value::Map(mut entries) = base.value else {
        return Ok(over);
    };
    let Value::Map(more) = over.value else {
        return Ok(Node {
            value: Value::Map(entries),
            ..base
        });
    };
    for e in more {
        let idx = entries.iter().position(|b| b.key.name == e.key.name);
        match idx {
            None => entries.push(e),
            Some(i) => {
                if e.value.tag == Tag::Reset {
                    entries.remove(i);
                    continue;
                }
                let name = e.key.name.clone();
                let mut sub: Vec<&str> = path.to_vec();
                sub.push(&name);
                let old = std::mem::replace(&mut entries[i].value, null_like(&e.value));
                let merged = merge(old, e.value, &sub)?;
                // The key keeps its base position; the merged value knows
                // where each part came from.
                entries[i].value = merged;
            }
        }
    }
    Ok(Node {
        value: Value::Map(entries),
        ..base
    })
}

fn null_like(n: &Node) -> Node {
    Node::new(Value::Null, n.span, n.file.clone())
}

fn merge_special(
    rule: Special,
    base: Node,
    over: Node,
    path: &Path<'_>,
) -> Result<Node, MergeError> {
    match rule {
        Special::Override => Ok(over),
        Special::ToSequence => {
            let mut a = to_sequence(base);
            let b = to_sequence(over);
            if let (Value::Seq(items), Value::Seq(more)) = (&mut a.value, b.value) {
                items.extend(more);
            }
            Ok(a)
        }
        Special::ExtraHosts => {
            let mut a = to_sequence(base);
            let b = to_sequence(over);
            if let (Value::Seq(items), Value::Seq(more)) = (&mut a.value, b.value) {
                for m in more {
                    if !items
                        .iter()
                        .any(|i| i.as_str().is_some() && i.as_str() == m.as_str())
                    {
                        items.push(m);
                    }
                }
            }
            Ok(a)
        }
        Special::Build => {
            let a = build_mapping(base);
            let b = build_mapping(over);
            merge_mappings(a, b, path)
        }
        Special::DependsOn => {
            let a = to_mapping(base, true);
            let b = to_mapping(over, true);
            merge_mappings(a, b, path)
        }
        Special::AsMapping => {
            let a = to_mapping(base, false);
            let b = to_mapping(over, false);
            merge_mappings(a, b, path)
        }
        Special::Logging => {
            let (Some(_), Some(_)) = (base.as_map(), over.as_map()) else {
                return Ok(over);
            };
            let bd = base.get("driver").and_then(Node::scalar_string);
            let od = over.get("driver").and_then(Node::scalar_string);
            match (bd, od) {
                (Some(a), Some(b)) if a != b => Ok(over),
                _ => merge_mappings(base, over, path),
            }
        }
        Special::Ulimit => {
            if base.as_map().is_some() && over.as_map().is_some() {
                merge_mappings(base, over, path)
            } else {
                Ok(over)
            }
        }
    }
}

/// A mapping `{A: 1, B: null}` as the sequence `["A=1", "B"]`, sorted; a
/// scalar as a one-item sequence.
pub fn to_sequence(node: Node) -> Node {
    match node.value {
        Value::Map(entries) => {
            let mut items: Vec<Node> = Vec::new();
            for e in entries {
                let span = e.key.span.cover(e.value.span);
                let file = e.key.file.clone();
                match &e.value.value {
                    Value::Null => {
                        items.push(Node::new(Value::Str(e.key.name.clone()), e.key.span, file))
                    }
                    Value::Seq(vals) => {
                        for v in vals {
                            let text =
                                format!("{}={}", e.key.name, v.scalar_string().unwrap_or_default());
                            items.push(Node::new(Value::Str(text), span, file.clone()));
                        }
                    }
                    _ => {
                        let text = format!(
                            "{}={}",
                            e.key.name,
                            e.value.scalar_string().unwrap_or_default()
                        );
                        items.push(Node::new(Value::Str(text), span, file));
                    }
                }
            }
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            Node {
                value: Value::Seq(items),
                tag: Tag::None,
                ..node
            }
        }
        Value::Seq(_) => node,
        Value::Null => Node {
            value: Value::Seq(Vec::new()),
            ..node
        },
        _ => {
            let span = node.span;
            let file = node.file.clone();
            Node::new(Value::Seq(vec![node]), span, file)
        }
    }
}

/// A sequence `[a, b]` as the mapping `{a: default, b: default}`.
pub fn to_mapping(node: Node, depends_on_defaults: bool) -> Node {
    match node.value {
        Value::Seq(items) => {
            let mut entries = Vec::new();
            for item in items {
                let name = item.scalar_string().unwrap_or_default();
                let key = Key {
                    name,
                    span: item.span,
                    origin: item.origin,
                    file: item.file.clone(),
                };
                let value = if depends_on_defaults {
                    let at = item.span;
                    let f = item.file.clone();
                    Node::new(
                        Value::Map(vec![
                            Entry {
                                key: Key::new("condition", Span::empty_at(at.start), f.clone()),
                                value: Node::new(
                                    Value::Str("service_started".into()),
                                    Span::empty_at(at.start),
                                    f.clone(),
                                ),
                            },
                            Entry {
                                key: Key::new("required", Span::empty_at(at.start), f.clone()),
                                value: Node::new(
                                    Value::Bool(true),
                                    Span::empty_at(at.start),
                                    f.clone(),
                                ),
                            },
                        ]),
                        Span::empty_at(at.start),
                        f,
                    )
                } else {
                    Node::new(
                        Value::Null,
                        Span::empty_at(item.span.end),
                        item.file.clone(),
                    )
                };
                entries.push(Entry { key, value });
            }
            Node {
                value: Value::Map(entries),
                ..node
            }
        }
        Value::Null => Node {
            value: Value::Map(Vec::new()),
            ..node
        },
        _ => node,
    }
}

fn build_mapping(node: Node) -> Node {
    match &node.value {
        Value::Str(_) => {
            let span = node.span;
            let file = node.file.clone();
            let key = Key::new("context", span, file.clone());
            Node::new(Value::Map(vec![Entry { key, value: node }]), span, file)
        }
        Value::Null => Node {
            value: Value::Map(Vec::new()),
            ..node
        },
        _ => node,
    }
}

/// Removes `!reset` values left after merging and clears `!override` tags.
pub fn finish(node: &mut Node) {
    node.strip_resets();
    clear_override(node);
}

fn clear_override(node: &mut Node) {
    if node.tag == Tag::Override {
        node.tag = Tag::None;
    }
    match &mut node.value {
        Value::Map(entries) => entries
            .iter_mut()
            .for_each(|e| clear_override(&mut e.value)),
        Value::Seq(items) => items.iter_mut().for_each(clear_override),
        _ => {}
    }
}

#[derive(Clone, Copy)]
enum Index {
    KeyValue,
    Volume,
    Port,
    Mount(&'static str),
    EnvFile,
    Expose,
    Device,
}

fn unique_rule(path: &Path<'_>) -> Option<Index> {
    const RULES: &[(&str, Index)] = &[
        ("networks.*.labels", Index::KeyValue),
        ("networks.*.ipam.options", Index::KeyValue),
        ("services.*.annotations", Index::KeyValue),
        ("services.*.build.args", Index::KeyValue),
        ("services.*.build.additional_contexts", Index::KeyValue),
        ("services.*.build.platform", Index::KeyValue),
        ("services.*.build.tags", Index::KeyValue),
        ("services.*.build.labels", Index::KeyValue),
        ("services.*.cap_add", Index::KeyValue),
        ("services.*.cap_drop", Index::KeyValue),
        ("services.*.configs", Index::Mount("")),
        ("services.*.deploy.labels", Index::KeyValue),
        ("services.*.dns", Index::KeyValue),
        ("services.*.dns_opt", Index::KeyValue),
        ("services.*.dns_search", Index::KeyValue),
        ("services.*.environment", Index::KeyValue),
        ("services.*.env_file", Index::EnvFile),
        ("services.*.expose", Index::Expose),
        ("services.*.labels", Index::KeyValue),
        ("services.*.links", Index::KeyValue),
        ("services.*.networks.*.aliases", Index::KeyValue),
        ("services.*.networks.*.link_local_ips", Index::KeyValue),
        ("services.*.ports", Index::Port),
        ("services.*.profiles", Index::KeyValue),
        ("services.*.secrets", Index::Mount("/run/secrets")),
        ("services.*.sysctls", Index::KeyValue),
        ("services.*.tmpfs", Index::KeyValue),
        ("services.*.volumes", Index::Volume),
        ("services.*.devices", Index::Device),
    ];
    RULES
        .iter()
        .find(|(pattern, _)| matches(path, pattern))
        .map(|(_, s)| *s)
}

fn index_key(rule: Index, n: &Node) -> Option<String> {
    match rule {
        Index::KeyValue => {
            let s = n.scalar_string()?;
            Some(s.split_once('=').map(|(k, _)| k.to_string()).unwrap_or(s))
        }
        Index::Expose => n.scalar_string(),
        Index::Volume => match &n.value {
            Value::Map(_) => n.get("target").and_then(Node::scalar_string),
            Value::Str(s) => syntax::parse_volume(s).ok().map(|v| v.target.text),
            _ => None,
        },
        Index::Device => match &n.value {
            Value::Map(_) => n.get("target").and_then(Node::scalar_string),
            Value::Str(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                Some(parts.get(1).unwrap_or(&parts[0]).to_string())
            }
            _ => None,
        },
        Index::Mount(default) => match &n.value {
            Value::Str(s) => Some(format!("{default}/{s}")),
            Value::Map(_) => n.get("target").and_then(Node::scalar_string).or_else(|| {
                n.get("source")
                    .and_then(Node::scalar_string)
                    .map(|s| format!("{default}/{s}"))
            }),
            _ => None,
        },
        Index::Port => match &n.value {
            Value::Map(_) => {
                let target = n.get("target").and_then(Node::scalar_string)?;
                let published = n
                    .get("published")
                    .and_then(Node::scalar_string)
                    .unwrap_or_default();
                let host = n
                    .get("host_ip")
                    .and_then(Node::scalar_string)
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "0.0.0.0".into());
                let proto = n
                    .get("protocol")
                    .and_then(Node::scalar_string)
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "tcp".into());
                Some(format!("{host}:{published}:{target}/{proto}"))
            }
            _ => n.scalar_string(),
        },
        Index::EnvFile => match &n.value {
            Value::Map(_) => n.get("path").and_then(Node::scalar_string),
            _ => n.scalar_string(),
        },
    }
}

/// Keeps one entry per identity in the lists compose treats as sets, the
/// later entry replacing the earlier one in place.
pub fn enforce_unicity(node: &mut Node, path: &mut Vec<String>) {
    match &mut node.value {
        Value::Map(entries) => {
            for e in entries {
                path.push(e.key.name.clone());
                enforce_unicity(&mut e.value, path);
                path.pop();
            }
        }
        Value::Seq(items) => {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Some(rule) = unique_rule(&p) {
                let mut out: Vec<Node> = Vec::with_capacity(items.len());
                let mut keys: Vec<Option<String>> = Vec::with_capacity(items.len());
                for item in std::mem::take(items) {
                    let key = index_key(rule, &item);
                    if let Some(k) = &key {
                        if let Some(j) = keys.iter().position(|x| x.as_ref() == Some(k)) {
                            out[j] = item;
                            continue;
                        }
                    }
                    keys.push(key);
                    out.push(item);
                }
                *items = out;
                return;
            }
            for item in items.iter_mut() {
                path.push("[]".into());
                enforce_unicity(item, path);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::yaml;
    use crate::source::SourceFile;

    fn doc(name: &str, text: &str) -> Node {
        yaml::parse_one(&SourceFile::new(name, text)).unwrap()
    }

    fn merged(base: &str, over: &str) -> Node {
        let mut n = merge(doc("compose.yaml", base), doc("override.yaml", over), &[]).unwrap();
        enforce_unicity(&mut n, &mut Vec::new());
        finish(&mut n);
        n
    }

    fn json(n: &Node) -> String {
        n.to_json().to_string()
    }

    #[test]
    fn scalars_replace_mappings_merge_sequences_append() {
        let n = merged(
            "services:\n  web:\n    image: a\n    dns: [1.1.1.1]\n    cap_add: [NET_ADMIN]\n",
            "services:\n  web:\n    image: b\n    cap_add: [SYS_TIME]\n    tty: true\n",
        );
        let web = n.get("services").unwrap().get("web").unwrap();
        assert_eq!(web.get("image").unwrap().as_str(), Some("b"));
        assert_eq!(
            web.get("image").unwrap().file.path.to_str(),
            Some("override.yaml")
        );
        assert_eq!(
            json(web.get("cap_add").unwrap()),
            r#"["NET_ADMIN","SYS_TIME"]"#
        );
        assert_eq!(json(web.get("tty").unwrap()), "true");
        // The key keeps its place in the base file.
        assert_eq!(
            web.entry("image").unwrap().key.file.path.to_str(),
            Some("compose.yaml")
        );
    }

    #[test]
    fn command_is_replaced_environment_merges_by_key() {
        let n = merged(
            "services:\n  web:\n    command: [a, b]\n    environment:\n      A: '1'\n      B: '2'\n",
            "services:\n  web:\n    command: [c]\n    environment:\n      - B=3\n      - C\n",
        );
        let web = n.get("services").unwrap().get("web").unwrap();
        assert_eq!(json(web.get("command").unwrap()), r#"["c"]"#);
        assert_eq!(
            json(web.get("environment").unwrap()),
            r#"["A=1","B=3","C"]"#
        );
    }

    #[test]
    fn ports_and_volumes_are_sets() {
        let n = merged(
            "services:\n  web:\n    ports: ['8080:80', '443:443']\n    volumes: ['./a:/data', 'logs:/logs']\n",
            "services:\n  web:\n    ports: ['8080:80', '9090:90']\n    volumes: ['./b:/data:ro']\n",
        );
        let web = n.get("services").unwrap().get("web").unwrap();
        assert_eq!(
            json(web.get("ports").unwrap()),
            r#"["8080:80","443:443","9090:90"]"#
        );
        assert_eq!(
            json(web.get("volumes").unwrap()),
            r#"["./b:/data:ro","logs:/logs"]"#
        );
    }

    #[test]
    fn build_string_is_a_context_and_depends_on_lists_become_mappings() {
        let n = merged(
            "services:\n  web:\n    build: ./web\n    depends_on: [db]\n",
            "services:\n  web:\n    build:\n      target: dev\n    depends_on:\n      cache:\n        condition: service_healthy\n",
        );
        let web = n.get("services").unwrap().get("web").unwrap();
        assert_eq!(
            json(web.get("build").unwrap()),
            r#"{"context":"./web","target":"dev"}"#
        );
        assert_eq!(
            json(web.get("depends_on").unwrap()),
            r#"{"db":{"condition":"service_started","required":true},"cache":{"condition":"service_healthy"}}"#
        );
    }

    #[test]
    fn reset_and_override_tags() {
        let n = merged(
            "services:\n  web:\n    ports: ['80:80']\n    environment: {A: '1'}\n    deploy: {resources: {limits: {cpus: '1'}}, replicas: 2}\n",
            "services:\n  web:\n    ports: !reset []\n    deploy: !override\n      replicas: 3\n",
        );
        let web = n.get("services").unwrap().get("web").unwrap();
        assert!(web.get("ports").is_none());
        assert_eq!(json(web.get("deploy").unwrap()), r#"{"replicas":3}"#);
        assert_eq!(json(web.get("environment").unwrap()), r#"{"A":"1"}"#);
    }

    #[test]
    fn logging_merges_only_for_the_same_driver() {
        let n = merged(
            "services:\n  a:\n    logging: {driver: json-file, options: {max-size: 1m}}\n  b:\n    logging: {driver: json-file, options: {max-size: 1m}}\n",
            "services:\n  a:\n    logging: {options: {max-file: '3'}}\n  b:\n    logging: {driver: syslog}\n",
        );
        let s = n.get("services").unwrap();
        assert_eq!(
            json(s.get("a").unwrap().get("logging").unwrap()),
            r#"{"driver":"json-file","options":{"max-size":"1m","max-file":"3"}}"#
        );
        assert_eq!(
            json(s.get("b").unwrap().get("logging").unwrap()),
            r#"{"driver":"syslog"}"#
        );
    }

    #[test]
    fn mapping_over_scalar_is_an_error() {
        let e = merge(
            doc("a.yaml", "services:\n  web:\n    deploy: {replicas: 1}\n"),
            doc("b.yaml", "services:\n  web:\n    deploy: x\n"),
            &[],
        )
        .unwrap_err();
        assert_eq!(e.path, "services.web.deploy");
    }
}
