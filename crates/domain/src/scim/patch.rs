//! PATCH (RFC 7644 §3.5.2): parsing a PatchOp body and applying it to a resource's SCIM JSON,
//! with the shapes Microsoft Entra ID and Okta send.

use serde_json::{Map, Value};

use super::error::{invalid_path, invalid_value};
use super::eval::Scope;
use super::json::{coerce, coerce_items, get_ci, key_ci, remove_ci};
use super::schema::{self, AttrType, Attribute, Mutability};
use super::{AttrPath, CompareOp, Filter, PATCH_OP, PatchPath, ResourceKind, ScimError, ScimType};
use super::{parse_attr_path, parse_patch_path};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchOpKind {
    Add,
    Replace,
    Remove,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

fn invalid_syntax(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::InvalidSyntax, detail)
}

/// Parses a PatchOp body: `schemas` holds [`PATCH_OP`]; `Operations` and `op` in any case;
/// remove needs a path; add and replace need a value (an object when there is no path).
pub fn parse_patch(body: &Value) -> Result<Vec<PatchOperation>, ScimError> {
    let schemas = get_ci(body, "schemas").and_then(Value::as_array);
    if !schemas.is_some_and(|s| {
        s.iter()
            .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP)))
    }) {
        return Err(invalid_syntax(format!(
            "'schemas' must contain \"{PATCH_OP}\""
        )));
    }
    let operations = get_ci(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid_syntax("'Operations' must be an array"))?;
    operations
        .iter()
        .enumerate()
        .map(|(i, op)| parse_operation(i, op))
        .collect()
}

fn parse_operation(index: usize, op: &Value) -> Result<PatchOperation, ScimError> {
    let at = format!("Operations[{index}]");
    let kind = match get_ci(op, "op").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("add") => PatchOpKind::Add,
        Some(s) if s.eq_ignore_ascii_case("replace") => PatchOpKind::Replace,
        Some(s) if s.eq_ignore_ascii_case("remove") => PatchOpKind::Remove,
        _ => {
            return Err(invalid_syntax(format!(
                "{at}.op must be \"add\", \"replace\" or \"remove\""
            )));
        }
    };
    let path = match get_ci(op, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) => Some(
            parse_patch_path(raw).map_err(|e| invalid_path(format!("{at}.path: {}", e.detail)))?,
        ),
        Some(_) => return Err(invalid_path(format!("{at}.path must be a string"))),
    };
    let value = get_ci(op, "value").cloned();
    match (kind, &path, &value) {
        (PatchOpKind::Remove, None, _) => Err(ScimError::bad_request(
            ScimType::NoTarget,
            format!("{at}: remove needs a path"),
        )),
        (PatchOpKind::Add | PatchOpKind::Replace, _, None) => {
            Err(invalid_value(format!("{at}: needs a value")))
        }
        (PatchOpKind::Add | PatchOpKind::Replace, None, Some(v)) if !v.is_object() => {
            Err(invalid_value(format!(
                "{at}: without a path the value must be an object of attributes"
            )))
        }
        _ => Ok(PatchOperation {
            op: kind,
            path,
            value,
        }),
    }
}

/// Applies `ops` in order to a resource's SCIM JSON, atomically: on error `resource` is
/// unchanged.
///
/// Handles path-less add/replace with a value object (keys may be attribute names,
/// `name.givenName`, `emails[type eq "work"].value`, URN-qualified names, or a whole extension
/// object), value filters, add to a multi-valued attribute appending without duplicates (same
/// `value`), remove of a whole attribute, of filtered values or, as Entra sends it, of the values
/// listed in `value`, boolean strings, and the enterprise `manager` given as a bare id.
/// Refuses changes to readOnly attributes (an unchanged value is accepted) with 400 mutability,
/// unknown attributes with 400 invalidPath, and replace through a filter that matches nothing
/// with 400 noTarget; removing nothing succeeds.
pub fn apply_patch(
    resource: &mut Value,
    kind: ResourceKind,
    ops: &[PatchOperation],
) -> Result<(), ScimError> {
    let mut draft = resource.clone();
    for op in ops {
        match (&op.path, &op.value) {
            (Some(path), value) => match extension_named(kind, path) {
                Some(urn) => apply_to_extension(&mut draft, kind, op.op, urn, value.as_ref())?,
                None => apply_at(&mut draft, kind, op.op, path, value.as_ref())?,
            },
            (None, Some(Value::Object(members))) => {
                for (key, value) in members {
                    apply_member(&mut draft, kind, op.op, key, value)?;
                }
            }
            (None, _) => {
                return Err(invalid_value(
                    "an operation without a path needs an object value",
                ));
            }
        }
    }
    *resource = draft;
    Ok(())
}

/// RFC 7643 User attributes Tessera does not keep. Identity providers map several of them by
/// default (Microsoft Entra ID: `title`, `preferredLanguage`, `phoneNumbers`, `addresses`), so
/// a PATCH of one changes nothing and succeeds, as a POST or PUT carrying them does
/// ([`super::normalise`] drops them); a name no schema defines is still refused.
const UNKEPT_USER_ATTRIBUTES: [&str; 13] = [
    "nickName",
    "profileUrl",
    "title",
    "preferredLanguage",
    "locale",
    "timezone",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "entitlements",
    "roles",
    "x509Certificates",
];

fn is_unkept_user_attribute(kind: ResourceKind, path: &AttrPath) -> bool {
    kind == ResourceKind::User
        && path
            .uri
            .as_deref()
            .is_none_or(|uri| uri.eq_ignore_ascii_case(super::USER_SCHEMA))
        && UNKEPT_USER_ATTRIBUTES
            .iter()
            .any(|name| name.eq_ignore_ascii_case(&path.name))
}

/// The extension URN when `path` is one (`"path": "urn:...:enterprise:2.0:User"`).
fn extension_named(kind: ResourceKind, path: &PatchPath) -> Option<&'static str> {
    let urn = path
        .path
        .as_urn()
        .filter(|_| path.filter.is_none() && path.sub.is_none())?;
    schema::extension(kind, &urn).map(|(urn, _)| urn)
}

/// An operation on a whole extension object: remove drops it, add and replace apply each of
/// its members.
fn apply_to_extension(
    doc: &mut Value,
    kind: ResourceKind,
    op: PatchOpKind,
    urn: &'static str,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    match (op, value) {
        (PatchOpKind::Add | PatchOpKind::Replace, Some(value)) if !value.is_null() => {
            apply_member(doc, kind, op, urn, value)
        }
        _ => {
            if let Some(root) = doc.as_object_mut() {
                remove_ci(root, urn);
            }
            Ok(())
        }
    }
}

/// One member of a path-less add/replace value: an attribute (`active`, `name.givenName`, a
/// URN-qualified name) or a whole extension object keyed by its URN.
fn apply_member(
    doc: &mut Value,
    kind: ResourceKind,
    op: PatchOpKind,
    key: &str,
    value: &Value,
) -> Result<(), ScimError> {
    if key.eq_ignore_ascii_case("schemas") {
        return Ok(());
    }
    if let Some((urn, _)) = schema::extension(kind, key) {
        let Value::Object(members) = value else {
            return Err(invalid_value(format!("'{urn}' must be an object")));
        };
        // Clients serialising the extension as a resource part send its `schemas` too.
        for (name, value) in members
            .iter()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("schemas"))
        {
            let path = AttrPath {
                uri: Some(urn.to_string()),
                ..parse_attr_path(name)?
            };
            apply_at(
                doc,
                kind,
                op,
                &PatchPath {
                    path,
                    filter: None,
                    sub: None,
                },
                Some(value),
            )?;
        }
        return Ok(());
    }
    apply_at(doc, kind, op, &parse_patch_path(key)?, Some(value))
}

fn apply_at(
    doc: &mut Value,
    kind: ResourceKind,
    op: PatchOpKind,
    path: &PatchPath,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let unknown = || invalid_path(format!("unknown attribute '{}'", path.path.name));
    let Some(resolved) = schema::resolve(
        kind,
        &AttrPath {
            sub: None,
            ..path.path.clone()
        },
    ) else {
        return if is_unkept_user_attribute(kind, &path.path) {
            Ok(())
        } else {
            Err(unknown())
        };
    };
    let attr = resolved.attr;
    let sub = match path.path.sub.as_deref().or(path.sub.as_deref()) {
        Some(name) => Some(attr.sub(name).ok_or_else(|| {
            invalid_path(format!("'{}' has no sub-attribute '{name}'", attr.name))
        })?),
        None => None,
    };
    if path.filter.is_some() && !(attr.multi_valued && attr.ty == AttrType::Complex) {
        return Err(invalid_path(format!(
            "'{}' is not a multi-valued complex attribute",
            attr.name
        )));
    }
    // A null value unassigns (RFC 7644 §3.5.2.3 treats it like remove).
    let (op, value) = match value.filter(|v| !v.is_null()) {
        None if op != PatchOpKind::Remove => (PatchOpKind::Remove, None),
        value => (op, value),
    };
    let Some(root) = doc.as_object_mut() else {
        return Err(invalid_value("the resource is not an object"));
    };
    let container = match resolved.extension {
        None => root,
        Some(urn) => {
            if key_ci(root, urn).is_none() {
                if op == PatchOpKind::Remove {
                    return Ok(());
                }
                add_schema(root, urn);
                root.insert(urn.to_string(), Value::Object(Map::new()));
            }
            let key = key_ci(root, urn).unwrap_or_default();
            match root.get_mut(&key) {
                Some(Value::Object(extension)) => extension,
                _ => return Err(invalid_value(format!("'{urn}' must be an object"))),
            }
        }
    };
    let current = remove_ci(container, attr.name);
    let read_only = attr.mutability == Mutability::ReadOnly
        || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly);
    if read_only {
        // Okta echoes `id` in replace values: an unchanged readOnly value is accepted.
        let unchanged = path.filter.is_none()
            && op != PatchOpKind::Remove
            && current
                .as_ref()
                .map(|c| sub.map_or(Some(c), |s| get_ci(c, s.name)))
                == Some(value);
        if !unchanged {
            return Err(ScimError::bad_request(
                ScimType::Mutability,
                format!("'{}' is readOnly", path_name(attr, sub)),
            ));
        }
    }
    if op == PatchOpKind::Remove && attr.required && sub.is_none() && path.filter.is_none() {
        return Err(invalid_value(format!(
            "'{}' is required and cannot be removed",
            attr.name
        )));
    }
    let edited = edit(attr, sub, current, op, path.filter.as_ref(), value)?;
    if let Some(edited) = edited.filter(|v| !is_empty(v)) {
        container.insert(attr.name.to_string(), edited);
    }
    if let Some(urn) = resolved.extension
        && root_extension_is_empty(doc, urn)
        && let Some(root) = doc.as_object_mut()
    {
        remove_ci(root, urn);
    }
    Ok(())
}

fn path_name(attr: &Attribute, sub: Option<&Attribute>) -> String {
    sub.map_or_else(
        || attr.name.to_string(),
        |s| format!("{}.{}", attr.name, s.name),
    )
}

fn root_extension_is_empty(doc: &Value, urn: &str) -> bool {
    get_ci(doc, urn)
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
}

fn add_schema(root: &mut Map<String, Value>, urn: &str) {
    let key = key_ci(root, "schemas").unwrap_or_else(|| "schemas".to_string());
    let schemas = root.entry(key).or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(schemas) = schemas
        && !schemas
            .iter()
            .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
    {
        schemas.push(Value::String(urn.to_string()));
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(members) => members.is_empty(),
        _ => false,
    }
}

/// The attribute's new value after the operation (`None` removes it).
fn edit(
    attr: &'static Attribute,
    sub: Option<&'static Attribute>,
    current: Option<Value>,
    op: PatchOpKind,
    filter: Option<&Filter>,
    value: Option<&Value>,
) -> Result<Option<Value>, ScimError> {
    let needs_value = || invalid_value(format!("'{}' needs a value", path_name(attr, sub)));
    if let Some(filter) = filter {
        return edit_matching(attr, sub, current, op, filter, value);
    }
    match (op, sub) {
        (PatchOpKind::Remove, None) => match (current, value) {
            (Some(Value::Array(mut items)), Some(value)) if attr.multi_valued => {
                // Entra removes group members by value rather than by filter.
                let gone = coerce_items(attr, value)?;
                items.retain(|item| !gone.iter().any(|g| same_value(attr, item, g)));
                Ok(Some(Value::Array(items)))
            }
            _ => Ok(None),
        },
        (PatchOpKind::Remove, Some(sub)) => Ok(current.map(|mut current| {
            for item in as_items_mut(&mut current) {
                if let Value::Object(item) = item {
                    remove_ci(item, sub.name);
                }
            }
            current
        })),
        (_, Some(sub)) if attr.multi_valued => Err(invalid_path(format!(
            "'{0}.{1}' needs a value filter saying which values: {0}[filter].{1}",
            attr.name, sub.name
        ))),
        (_, Some(sub)) => {
            let value = coerce(sub, value.ok_or_else(needs_value)?, true)?;
            let mut object = match current {
                Some(Value::Object(object)) => object,
                _ => Map::new(),
            };
            remove_ci(&mut object, sub.name);
            object.insert(sub.name.to_string(), value);
            Ok(Some(Value::Object(object)))
        }
        (op, None) => {
            let value = coerce(attr, value.ok_or_else(needs_value)?, true)?;
            match (op, current, value) {
                (PatchOpKind::Add, Some(Value::Array(mut items)), Value::Array(new)) => {
                    for item in new {
                        if !items.iter().any(|i| same_value(attr, i, &item)) {
                            items.push(item);
                        }
                    }
                    Ok(Some(Value::Array(items)))
                }
                (_, Some(Value::Object(mut object)), Value::Object(new)) if !attr.multi_valued => {
                    merge(&mut object, &Value::Object(new));
                    Ok(Some(Value::Object(object)))
                }
                (_, _, value) => Ok(Some(value)),
            }
        }
    }
}

/// An operation through a value filter (`members[value eq "id"]`, `emails[type eq "work"].value`).
fn edit_matching(
    attr: &'static Attribute,
    sub: Option<&'static Attribute>,
    current: Option<Value>,
    op: PatchOpKind,
    filter: &Filter,
    value: Option<&Value>,
) -> Result<Option<Value>, ScimError> {
    let needs_value = || invalid_value(format!("'{}' needs a value", path_name(attr, sub)));
    let mut items = match current {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let matched: Vec<usize> = (0..items.len())
        .filter(|&i| filter.matches_in(&items[i], Scope::Value(attr)))
        .collect();
    match (op, sub) {
        (PatchOpKind::Remove, None) => {
            items = items
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !matched.contains(i))
                .map(|(_, v)| v)
                .collect();
        }
        (PatchOpKind::Remove, Some(sub)) => {
            for &i in &matched {
                if let Value::Object(item) = &mut items[i] {
                    remove_ci(item, sub.name);
                }
            }
        }
        (PatchOpKind::Add | PatchOpKind::Replace, _) => {
            let value = value.ok_or_else(needs_value)?;
            let new = match sub {
                Some(sub) => Value::Object(Map::from_iter([(
                    sub.name.to_string(),
                    coerce(sub, value, true)?,
                )])),
                None => coerce(attr, value, false)?,
            };
            if matched.is_empty() {
                // Entra adds `emails[type eq "work"].value` to a user without a work email:
                // the filter's equalities describe the value to create.
                let mut created = Map::new();
                if op == PatchOpKind::Replace || !equalities(attr, filter, &mut created) {
                    return Err(ScimError::bad_request(
                        ScimType::NoTarget,
                        format!("no value of '{}' matches the filter", attr.name),
                    ));
                }
                merge(&mut created, &new);
                items.push(Value::Object(created));
            }
            for &i in &matched {
                match (&mut items[i], sub, op) {
                    (Value::Object(item), Some(_), _)
                    | (Value::Object(item), None, PatchOpKind::Add) => merge(item, &new),
                    (item, _, _) => *item = new.clone(),
                }
            }
        }
    }
    Ok(Some(Value::Array(items)))
}

fn as_items_mut(value: &mut Value) -> Vec<&mut Value> {
    match value {
        Value::Array(items) => items.iter_mut().collect(),
        single => vec![single],
    }
}

fn merge(into: &mut Map<String, Value>, new: &Value) {
    if let Value::Object(new) = new {
        for (key, value) in new {
            remove_ci(into, key);
            into.insert(key.clone(), value.clone());
        }
    }
}

/// Two values of a multi-valued attribute are the same when their `value`s are (compared per
/// the sub-attribute's caseExact); values without one are compared whole.
fn same_value(attr: &Attribute, a: &Value, b: &Value) -> bool {
    let Some(value) = attr.sub("value") else {
        return a == b;
    };
    match (get_ci(a, "value"), get_ci(b, "value")) {
        (Some(Value::String(a)), Some(Value::String(b))) if !value.case_exact => {
            a.eq_ignore_ascii_case(b)
        }
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// Collects `sub eq value` terms joined by `and` into `out`; false for any other filter.
fn equalities(attr: &Attribute, filter: &Filter, out: &mut Map<String, Value>) -> bool {
    match filter {
        Filter::And(a, b) => equalities(attr, a, out) && equalities(attr, b, out),
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.uri.is_none() && path.sub.is_none() => {
            match attr
                .sub(&path.name)
                .map(|sub| (sub, coerce(sub, value, true)))
            {
                Some((sub, Ok(value))) => out.insert(sub.name.to_string(), value).is_none(),
                _ => false,
            }
        }
        _ => false,
    }
}
