//! Resolved targets as JSON in the shape of `docker buildx bake --print`.

use serde_json::{json, Map, Value};

use super::model::{AttrValue, RESOURCE_KEYS, TARGET_ATTRS};
use super::resolve::Resolved;

pub fn to_json(resolved: &Resolved) -> Value {
    let mut groups = Map::new();
    for (name, members) in &resolved.groups {
        groups.insert(name.clone(), json!({ "targets": members }));
    }
    let mut targets = Map::new();
    for (name, t) in &resolved.targets {
        let mut obj = Map::new();
        for (key, _) in TARGET_ATTRS {
            let Some((value, _)) = t.attrs.get(key) else {
                continue;
            };
            let v = match value {
                AttrValue::Str(s) => Value::String(s.clone()),
                AttrValue::Bool(b) => Value::Bool(*b),
                AttrValue::List(l) if l.is_empty() => continue,
                AttrValue::List(l) => json!(l),
                AttrValue::Map(m) if m.is_empty() => continue,
                AttrValue::Map(m) => Value::Object(
                    m.iter()
                        .map(|(k, v)| (k.clone(), map_entry(key, k, v.as_deref())))
                        .collect(),
                ),
            };
            obj.insert((*key).to_string(), v);
        }
        targets.insert(name.clone(), Value::Object(obj));
    }
    json!({ "group": groups, "target": targets })
}

/// A map entry as buildx prints it: the whole-number `resources` keys
/// (`cpu-shares`, ...) as numbers, everything else as strings.
fn map_entry(attr: &str, key: &str, value: Option<&str>) -> Value {
    let number = attr == "resources" && RESOURCE_KEYS.contains(&(key, true));
    match value.map(|v| (v, v.parse::<i64>())) {
        Some((_, Ok(n))) if number => json!(n),
        other => json!(other.map(|(v, _)| v)),
    }
}
