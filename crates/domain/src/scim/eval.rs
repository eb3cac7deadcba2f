//! Evaluating a [`Filter`] against a resource in its SCIM JSON form (RFC 7644 §3.4.2.2).

use std::cmp::Ordering;

use chrono::DateTime;
use serde_json::Value;

use super::json::get_ci;
use super::schema::{self, AttrType, Attribute};
use super::{AttrPath, CompareOp, Filter, ResourceKind};

/// What the names in a filter refer to: a resource's attributes, or, inside `emails[...]`,
/// the sub-attributes of one value.
#[derive(Clone, Copy)]
pub(crate) enum Scope {
    Resource(ResourceKind),
    Value(&'static Attribute),
}

impl Filter {
    /// Whether `resource` matches: attribute names case-insensitive, strings compared per the
    /// schema's caseExact, dateTimes as instants, a multi-valued attribute matching when any
    /// value does, `pr` meaning present and neither null nor empty.
    pub fn matches(&self, resource: &Value, kind: ResourceKind) -> bool {
        self.matches_in(resource, Scope::Resource(kind))
    }

    pub(crate) fn matches_in(&self, node: &Value, scope: Scope) -> bool {
        match self {
            Filter::And(a, b) => a.matches_in(node, scope) && b.matches_in(node, scope),
            Filter::Or(a, b) => a.matches_in(node, scope) || b.matches_in(node, scope),
            Filter::Not(inner) => !inner.matches_in(node, scope),
            Filter::Present(path) => {
                // `name pr` asks about the whole complex value, not its `value`.
                let found = match path.sub {
                    None => whole_values(node, scope, path),
                    Some(_) => values(node, scope, path),
                };
                found.is_some_and(|(_, found)| found.iter().any(|v| is_present(v)))
            }
            Filter::Compare { path, op, value } => match values(node, scope, path) {
                Some((attr, found)) if found.iter().any(|v| is_present(v)) => {
                    found.iter().any(|actual| compare(attr, actual, *op, value))
                }
                // An absent attribute is null: it equals null and differs from anything else.
                Some(_) => (*op == CompareOp::Eq) == value.is_null(),
                None => false,
            },
            Filter::ValuePath { path, filter } => {
                let Some((attr, found)) = whole_values(node, scope, path) else {
                    return false;
                };
                found
                    .iter()
                    .any(|v| filter.matches_in(v, Scope::Value(attr)))
            }
        }
    }
}

fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_present),
        Value::Object(o) => o.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// The values `path` names in `node` with their definition; multi-valued attributes are
/// flattened, and a complex value without a sub-attribute stands for its `value`.
fn values<'a>(
    node: &'a Value,
    scope: Scope,
    path: &AttrPath,
) -> Option<(&'static Attribute, Vec<&'a Value>)> {
    let (attr, found) = whole_values(node, scope, path)?;
    let (leaf, sub_name) = match (&path.sub, scope) {
        (Some(sub), Scope::Resource(_)) => (attr.sub(sub)?, Some(sub.as_str())),
        _ if attr.ty == AttrType::Complex => (attr.sub("value")?, Some("value")),
        _ => (attr, None),
    };
    let found = match sub_name {
        Some(sub) => found.into_iter().filter_map(|v| get_ci(v, sub)).collect(),
        None => found,
    };
    Some((leaf, found))
}

/// The values of the attribute itself (each element of a multi-valued one), ignoring `.sub`.
fn whole_values<'a>(
    node: &'a Value,
    scope: Scope,
    path: &AttrPath,
) -> Option<(&'static Attribute, Vec<&'a Value>)> {
    let (container, attr) = match scope {
        Scope::Resource(kind) => {
            let resolved = schema::resolve(
                kind,
                &AttrPath {
                    sub: None,
                    ..path.clone()
                },
            )?;
            let container = match resolved.extension {
                Some(urn) => get_ci(node, urn),
                None => Some(node),
            };
            (container, resolved.attr)
        }
        Scope::Value(parent) => (Some(node), parent.sub(&path.name)?),
    };
    let found = match container.and_then(|c| get_ci(c, attr.name)) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(value) => vec![value],
        None => Vec::new(),
    };
    Some((attr, found))
}

fn compare(attr: &Attribute, actual: &Value, op: CompareOp, expected: &Value) -> bool {
    let ordering = match (actual, expected) {
        (Value::Bool(a), Value::Bool(e)) => {
            Some(a.cmp(e)).filter(|_| matches!(op, CompareOp::Eq | CompareOp::Ne))
        }
        (Value::Number(a), Value::Number(e)) => a
            .as_f64()
            .zip(e.as_f64())
            .and_then(|(a, e)| a.partial_cmp(&e)),
        (Value::String(a), Value::String(e)) if attr.ty == AttrType::DateTime => {
            match (
                DateTime::parse_from_rfc3339(a),
                DateTime::parse_from_rfc3339(e),
            ) {
                (Ok(a), Ok(e)) => Some(a.cmp(&e)),
                _ => return compare_strings(a, op, e, true),
            }
        }
        (Value::String(a), Value::String(e)) => return compare_strings(a, op, e, attr.case_exact),
        (Value::Bool(a), Value::String(e)) if attr.ty == AttrType::Boolean => {
            Some(a.to_string().cmp(&e.to_ascii_lowercase()))
                .filter(|_| matches!(op, CompareOp::Eq | CompareOp::Ne))
        }
        _ => None,
    };
    let Some(ordering) = ordering else {
        return op == CompareOp::Ne;
    };
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_strings(actual: &str, op: CompareOp, expected: &str, case_exact: bool) -> bool {
    let (a, e) = if case_exact {
        (actual.to_string(), expected.to_string())
    } else {
        (actual.to_lowercase(), expected.to_lowercase())
    };
    match op {
        CompareOp::Eq => a == e,
        CompareOp::Ne => a != e,
        CompareOp::Co => a.contains(&e),
        CompareOp::Sw => a.starts_with(&e),
        CompareOp::Ew => a.ends_with(&e),
        CompareOp::Gt => a > e,
        CompareOp::Ge => a >= e,
        CompareOp::Lt => a < e,
        CompareOp::Le => a <= e,
    }
}
