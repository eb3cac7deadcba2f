//! `attributes` and `excludedAttributes` (RFC 7644 §3.9).

use serde_json::{Map, Value};

use super::schema::{self, Returned};
use super::{AttrPath, ResourceKind};

/// What a list of paths selects: whole attributes, sub-attributes, whole extensions.
struct Selection {
    attributes: Vec<(Option<&'static str>, &'static str, Option<&'static str>)>,
    extensions: Vec<&'static str>,
}

impl Selection {
    fn new(kind: ResourceKind, paths: &[AttrPath]) -> Self {
        let mut selection = Selection {
            attributes: Vec::new(),
            extensions: Vec::new(),
        };
        for path in paths {
            if let Some((urn, _)) = path.as_urn().and_then(|urn| schema::extension(kind, &urn)) {
                selection.extensions.push(urn);
            } else if let Some(resolved) = schema::resolve(kind, path) {
                selection.attributes.push((
                    resolved.extension,
                    resolved.attr.name,
                    resolved.sub.map(|s| s.name),
                ));
            }
        }
        selection
    }

    /// `None`: not selected; `Some([])`: selected whole; otherwise the selected sub-attributes.
    fn get(&self, extension: Option<&str>, attr: &str) -> Option<Vec<&'static str>> {
        if extension.is_some_and(|urn| self.extensions.contains(&urn)) {
            return Some(Vec::new());
        }
        let mut subs = Vec::new();
        for (e, a, sub) in &self.attributes {
            if *e == extension && *a == attr {
                match sub {
                    None => return Some(Vec::new()),
                    Some(sub) => subs.push(*sub),
                }
            }
        }
        (!subs.is_empty()).then_some(subs)
    }
}

/// Returns `resource` with only the requested `attributes` (when any are given) or without the
/// `excluded` ones. `schemas` and `returned: always` attributes (`id`) are always kept.
pub fn project(
    resource: &Value,
    kind: ResourceKind,
    attributes: &[AttrPath],
    excluded: &[AttrPath],
) -> Value {
    let Value::Object(source) = resource else {
        return resource.clone();
    };
    let only = (!attributes.is_empty()).then(|| Selection::new(kind, attributes));
    let without = Selection::new(kind, excluded);
    let mut out = Map::new();
    for (key, value) in source {
        if key.eq_ignore_ascii_case("schemas") {
            out.insert(key.clone(), value.clone());
        } else if let Some((urn, _)) = schema::extension(kind, key) {
            let Value::Object(members) = value else {
                continue;
            };
            let kept = members_kept(members, kind, Some(urn), only.as_ref(), &without);
            if !kept.is_empty() {
                out.insert(key.clone(), Value::Object(kept));
            }
        } else {
            out.extend(members_kept(
                &Map::from_iter([(key.clone(), value.clone())]),
                kind,
                None,
                only.as_ref(),
                &without,
            ));
        }
    }
    Value::Object(out)
}

fn members_kept(
    members: &Map<String, Value>,
    kind: ResourceKind,
    extension: Option<&'static str>,
    only: Option<&Selection>,
    without: &Selection,
) -> Map<String, Value> {
    let mut kept = Map::new();
    for (key, value) in members {
        let uri = extension.unwrap_or(kind.core_schema()).to_string();
        let path = AttrPath {
            uri: Some(uri),
            name: key.clone(),
            sub: None,
        };
        let Some(attr) = schema::resolve(kind, &path).map(|r| r.attr) else {
            if only.is_none() {
                kept.insert(key.clone(), value.clone());
            }
            continue;
        };
        if attr.returned == Returned::Always {
            kept.insert(key.clone(), value.clone());
            continue;
        }
        let value = match only.map(|only| only.get(extension, attr.name)) {
            Some(None) => continue,
            Some(Some(subs)) if !subs.is_empty() => map_items(value, |item| {
                retain(item, |k| subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
            }),
            _ => value.clone(),
        };
        let value = match without.get(extension, attr.name) {
            Some(subs) if subs.is_empty() => continue,
            Some(subs) => map_items(&value, |item| {
                retain(item, |k| !subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
            }),
            None => value,
        };
        if !matches!(&value, Value::Null) && value.as_array().is_none_or(|items| !items.is_empty())
        {
            kept.insert(key.clone(), value);
        }
    }
    kept
}

fn map_items(value: &Value, f: impl Fn(&Value) -> Option<Value>) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().filter_map(f).collect()),
        single => f(single).unwrap_or(Value::Null),
    }
}

fn retain(item: &Value, keep: impl Fn(&str) -> bool) -> Option<Value> {
    let Value::Object(members) = item else {
        return Some(item.clone());
    };
    let kept: Map<String, Value> = members
        .iter()
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!kept.is_empty()).then_some(Value::Object(kept))
}
