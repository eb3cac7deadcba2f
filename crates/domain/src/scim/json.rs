//! Case-insensitive access to JSON objects, and coercion of client values to the schema's types.

use serde_json::{Map, Value};

use super::ScimError;
use super::error::invalid_value;
use super::schema::{AttrType, Attribute, Mutability};

/// The member of `node` whose key equals `key` in any case.
pub(crate) fn get_ci<'a>(node: &'a Value, key: &str) -> Option<&'a Value> {
    node.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The key of `object` that equals `key` in any case, as stored.
pub(crate) fn key_ci(object: &Map<String, Value>, key: &str) -> Option<String> {
    object.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

/// Removes the member whose key equals `key` in any case.
pub(crate) fn remove_ci(object: &mut Map<String, Value>, key: &str) -> Option<Value> {
    key_ci(object, key).and_then(|k| object.remove(&k))
}

/// The values of a multi-valued attribute, each coerced; a single value counts as a list of one.
pub(crate) fn coerce_items(attr: &Attribute, value: &Value) -> Result<Vec<Value>, ScimError> {
    let items = match value {
        Value::Array(items) => items.as_slice(),
        single => std::slice::from_ref(single),
    };
    items.iter().map(|v| coerce(attr, v, false)).collect()
}

/// Converts a client's value for `attr` to its canonical form: names spelled as the schema
/// spells them, `"True"`/`"false"` for booleans, a bare string for a complex attribute with a
/// `value` (Entra sends the manager so), readOnly sub-attributes and nulls inside complex values
/// dropped (RFC 7644 §3.5.1 ignores readOnly input). `whole` is false when `value` is one element
/// of a multi-valued attribute.
pub(crate) fn coerce(attr: &Attribute, value: &Value, whole: bool) -> Result<Value, ScimError> {
    if whole && attr.multi_valued {
        return coerce_items(attr, value).map(Value::Array);
    }
    let wrong = |expected: &str| invalid_value(format!("'{}' must be {expected}", attr.name));
    match (attr.ty, value) {
        (AttrType::Boolean, Value::Bool(_)) => Ok(value.clone()),
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("true") => {
            Ok(Value::Bool(true))
        }
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("false") => {
            Ok(Value::Bool(false))
        }
        (AttrType::Boolean, _) => Err(wrong("a boolean")),
        (AttrType::DateTime, Value::String(s))
            if chrono::DateTime::parse_from_rfc3339(s).is_ok() =>
        {
            Ok(value.clone())
        }
        (AttrType::DateTime, _) => Err(wrong("an RFC 3339 date-time string")),
        (AttrType::String | AttrType::Reference, Value::String(_)) => Ok(value.clone()),
        (AttrType::String | AttrType::Reference, _) => Err(wrong("a string")),
        (AttrType::Complex, Value::String(_)) if attr.sub("value").is_some() => Ok(Value::Object(
            Map::from_iter([("value".to_string(), value.clone())]),
        )),
        (AttrType::Complex, Value::Object(members)) => {
            let mut out = Map::new();
            for (key, member) in members {
                let sub = attr.sub(key).ok_or_else(|| {
                    invalid_value(format!("'{}' has no sub-attribute '{key}'", attr.name))
                })?;
                if !member.is_null() && sub.mutability != Mutability::ReadOnly {
                    out.insert(sub.name.to_string(), coerce(sub, member, true)?);
                }
            }
            Ok(Value::Object(out))
        }
        (AttrType::Complex, _) => Err(wrong("an object")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::scim::schema::{ENTERPRISE_USER, USER, find};
    use serde_json::json;

    #[test]
    fn boolean_strings_in_any_case_become_booleans() {
        let active = find(USER, "active").unwrap();
        assert_eq!(coerce(active, &json!("False"), true).unwrap(), json!(false));
        assert_eq!(coerce(active, &json!("TRUE"), true).unwrap(), json!(true));
        assert_eq!(
            coerce(active, &json!("yes"), true).unwrap_err().detail,
            "'active' must be a boolean"
        );
    }

    #[test]
    fn complex_values_take_canonical_names_and_drop_read_only_members() {
        let manager = find(ENTERPRISE_USER, "manager").unwrap();
        assert_eq!(
            coerce(manager, &json!("42"), true).unwrap(),
            json!({"value": "42"})
        );
        assert_eq!(
            coerce(
                manager,
                &json!({"VALUE": "42", "displayName": "Boss", "$ref": null}),
                true
            )
            .unwrap(),
            json!({"value": "42"})
        );
        let emails = find(USER, "emails").unwrap();
        assert_eq!(
            coerce(emails, &json!({"value": "a@x", "Primary": "true"}), true).unwrap(),
            // `primary` is read-only: Tessera keeps one address.
            json!([{"value": "a@x"}])
        );
        assert!(
            coerce(emails, &json!([{"nope": 1}]), true)
                .unwrap_err()
                .detail
                .contains("'nope'")
        );
    }
}
