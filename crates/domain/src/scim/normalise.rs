//! Canonicalising POST and PUT bodies.

use serde_json::{Map, Value};

use super::error::invalid_value;
use super::json::{coerce, key_ci, remove_ci};
use super::schema::{self, Mutability};
use super::{AttrPath, ResourceKind, ScimError, ScimType, parse_attr_path};

/// Canonicalises a POST/PUT body in place: attribute names to their schema spelling, boolean
/// strings coerced, URN-prefixed keys moved into their extension object, `schemas` checked and
/// canonicalised. Following RFC 7644 §3.3 and §3.5.1, readOnly attributes (`id`, `meta`,
/// `groups`) and attributes and extensions Tessera does not support are dropped rather than
/// refused, since provisioning clients send whatever their mappings hold. 400 invalidSyntax for a body or
/// `schemas` of the wrong shape, invalidValue for a wrong value or a missing required attribute.
pub fn normalise(resource: &mut Value, kind: ResourceKind) -> Result<(), ScimError> {
    let syntax = |detail: &str| ScimError::bad_request(ScimType::InvalidSyntax, detail);
    let Value::Object(body) = resource else {
        return Err(syntax("the body must be a JSON object"));
    };
    let Some(Value::Array(given)) = remove_ci(body, "schemas") else {
        return Err(syntax("'schemas' must be an array of schema URNs"));
    };
    let mut schemas = Vec::new();
    for urn in &given {
        let urn = urn
            .as_str()
            .ok_or_else(|| invalid_value("'schemas' must hold strings"))?;
        // Extensions we do not support are dropped with their attributes, as unknown
        // attributes are: Entra and Okta send tenants' custom extensions.
        let canonical = if urn.eq_ignore_ascii_case(kind.core_schema()) {
            Some(kind.core_schema())
        } else {
            schema::extension(kind, urn).map(|(urn, _)| urn)
        };
        if let Some(canonical) = canonical.filter(|c| !schemas.contains(c)) {
            schemas.push(canonical);
        }
    }
    if !schemas.contains(&kind.core_schema()) {
        return Err(invalid_value(format!(
            "'schemas' must contain \"{}\"",
            kind.core_schema()
        )));
    }
    let mut out = Map::new();
    for (key, value) in std::mem::take(body) {
        if let Some((urn, _)) = schema::extension(kind, &key) {
            let Value::Object(members) = value else {
                return Err(invalid_value(format!("'{urn}' must be an object")));
            };
            for (name, value) in members {
                if let Ok(path) = parse_attr_path(&name) {
                    place(
                        &mut out,
                        kind,
                        AttrPath {
                            uri: Some(urn.to_string()),
                            ..path
                        },
                        &value,
                    )?;
                }
            }
        } else if let Ok(path) = parse_attr_path(&key) {
            place(&mut out, kind, path, &value)?;
        }
    }
    for (extension, attr) in schema::all(kind) {
        let container = extension.map_or(Some(&out), |urn| out.get(urn).and_then(Value::as_object));
        if attr.required && container.and_then(|c| c.get(attr.name)).is_none() {
            return Err(invalid_value(format!("'{}' is required", attr.name)));
        }
    }
    for urn in kind.extensions() {
        if out.contains_key(*urn) && !schemas.contains(urn) {
            schemas.push(urn);
        }
    }
    out.insert(
        "schemas".to_string(),
        schemas.into_iter().map(Value::from).collect(),
    );
    *body = out;
    Ok(())
}

/// Puts one attribute (or `attr.sub`) of the body into `out` in canonical form.
fn place(
    out: &mut Map<String, Value>,
    kind: ResourceKind,
    path: AttrPath,
    value: &Value,
) -> Result<(), ScimError> {
    let Some(resolved) = schema::resolve(kind, &path) else {
        return Ok(());
    };
    let target = resolved.sub.unwrap_or(resolved.attr);
    if value.is_null()
        || [resolved.attr, target]
            .iter()
            .any(|a| a.mutability == Mutability::ReadOnly)
    {
        return Ok(());
    }
    let container = match resolved.extension {
        None => out,
        Some(urn) => match out.entry(urn).or_insert_with(|| Value::Object(Map::new())) {
            Value::Object(extension) => extension,
            _ => return Err(invalid_value(format!("'{urn}' must be an object"))),
        },
    };
    let value = coerce(target, value, true)?;
    let Some(sub) = resolved.sub else {
        let key = key_ci(container, resolved.attr.name);
        if let Some(Value::Object(existing)) = key.and_then(|k| container.remove(&k)) {
            // `name.givenName` may come before `name`: keep both.
            let mut merged = existing;
            if let Value::Object(new) = &value {
                merged.extend(new.clone());
            }
            container.insert(resolved.attr.name.to_string(), Value::Object(merged));
        } else {
            container.insert(resolved.attr.name.to_string(), value);
        }
        return Ok(());
    };
    if resolved.attr.multi_valued {
        return Err(ScimError::bad_request(
            ScimType::InvalidPath,
            format!(
                "'{}.{}' names a multi-valued attribute's sub-attribute; send '{}' as a list",
                resolved.attr.name, sub.name, resolved.attr.name
            ),
        ));
    }
    match container
        .entry(resolved.attr.name)
        .or_insert_with(|| Value::Object(Map::new()))
    {
        Value::Object(object) => {
            object.insert(sub.name.to_string(), value);
            Ok(())
        }
        _ => Err(invalid_value(format!(
            "'{}' must be an object",
            resolved.attr.name
        ))),
    }
}
