//! Attribute paths (RFC 7644 §3.10) and PATCH paths (§3.5.2).

use super::error::invalid_path;
use super::{Filter, ScimError, parse_filter};

/// `[urn:...:]attr[.sub]`, names as written; compare with `eq_ignore_ascii_case`.
#[derive(Clone, Debug, PartialEq)]
pub struct AttrPath {
    pub uri: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// The whole path as one URN, when it names a schema rather than an attribute
    /// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`).
    pub(crate) fn as_urn(&self) -> Option<String> {
        let uri = self.uri.as_ref()?;
        self.sub.is_none().then(|| format!("{uri}:{}", self.name))
    }
}

/// An attribute name per RFC 7643 §2.1 (`ALPHA *(nameChar)`), plus `$ref`.
pub(crate) fn is_attr_name(name: &str) -> bool {
    name == "$ref"
        || name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Parses `[urn:...:]attr[.sub]`, as used by `attributes=`, `excludedAttributes=` and `sortBy`.
pub fn parse_attr_path(raw: &str) -> Result<AttrPath, ScimError> {
    let raw = raw.trim();
    let starts_with_urn = raw.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    let (uri, rest) = match raw.rsplit_once(':') {
        Some((uri, rest)) if starts_with_urn => (Some(uri.to_string()), rest),
        _ => (None, raw),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    if !is_attr_name(name) || sub.is_some_and(|s| !is_attr_name(s)) {
        return Err(invalid_path(format!("'{raw}' is not an attribute path")));
    }
    Ok(AttrPath {
        uri,
        name: name.to_string(),
        sub: sub.map(str::to_string),
    })
}

/// Parses a comma-separated list of attribute paths; blank entries are skipped.
pub fn parse_attr_list(raw: &str) -> Result<Vec<AttrPath>, ScimError> {
    raw.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(parse_attr_path)
        .collect()
}

/// A PATCH path: `attr`, `attr.sub`, `urn:...:attr`, `attr[filter]`, `attr[filter].sub`.
#[derive(Clone, Debug, PartialEq)]
pub struct PatchPath {
    pub path: AttrPath,
    pub filter: Option<Filter>,
    pub sub: Option<String>,
}

/// Parses a PATCH `path`; errors are 400 invalidPath.
pub fn parse_patch_path(raw: &str) -> Result<PatchPath, ScimError> {
    let raw = raw.trim();
    let Some(open) = raw.find('[') else {
        return Ok(PatchPath {
            path: parse_attr_path(raw)?,
            filter: None,
            sub: None,
        });
    };
    let close = raw
        .rfind(']')
        .filter(|&c| c > open)
        .ok_or_else(|| invalid_path(format!("'{raw}' has no closing ']'")))?;
    let path = parse_attr_path(&raw[..open])?;
    if path.sub.is_some() {
        return Err(invalid_path(format!(
            "'{raw}': a value filter follows a multi-valued attribute, not a sub-attribute"
        )));
    }
    let filter = parse_filter(&raw[open + 1..close])
        .map_err(|e| invalid_path(format!("'{raw}': {}", e.detail)))?;
    let sub = match &raw[close + 1..] {
        "" => None,
        rest => match rest.strip_prefix('.') {
            Some(sub) if is_attr_name(sub) => Some(sub.to_string()),
            _ => {
                return Err(invalid_path(format!(
                    "'{raw}': expected '.subAttribute' after ']'"
                )));
            }
        },
    };
    Ok(PatchPath {
        path,
        filter: Some(filter),
        sub,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::scim::{CompareOp, ENTERPRISE_USER_SCHEMA, ScimType};
    use serde_json::json;

    fn attr(uri: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            uri: uri.map(str::to_string),
            name: name.into(),
            sub: sub.map(str::to_string),
        }
    }

    #[test]
    fn attr_paths_split_urn_name_and_sub() {
        assert_eq!(
            parse_attr_path("userName").unwrap(),
            attr(None, "userName", None)
        );
        assert_eq!(
            parse_attr_path(" name.givenName ").unwrap(),
            attr(None, "name", Some("givenName"))
        );
        assert_eq!(
            parse_attr_path(&format!("{ENTERPRISE_USER_SCHEMA}:manager.value")).unwrap(),
            attr(Some(ENTERPRISE_USER_SCHEMA), "manager", Some("value"))
        );
        assert_eq!(
            parse_attr_path("members.$ref").unwrap(),
            attr(None, "members", Some("$ref"))
        );
    }

    #[test]
    fn attr_lists_are_comma_separated() {
        let list = parse_attr_list("userName, emails.value,").unwrap();
        assert_eq!(
            list,
            vec![
                attr(None, "userName", None),
                attr(None, "emails", Some("value"))
            ]
        );
    }

    #[test]
    fn bad_attr_paths_are_invalid_path() {
        for raw in [
            "",
            "1abc",
            "a.b.c",
            "a b",
            "urn:x:",
            "emails[type eq \"work\"]",
        ] {
            let error = parse_attr_path(raw).unwrap_err();
            assert_eq!(error.scim_type, Some(ScimType::InvalidPath), "{raw}");
        }
    }

    #[test]
    fn patch_paths_take_a_filter_and_a_sub_attribute() {
        let path = parse_patch_path(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(path.path, attr(None, "emails", None));
        assert_eq!(path.sub.as_deref(), Some("value"));
        assert_eq!(
            path.filter,
            Some(Filter::Compare {
                path: attr(None, "type", None),
                op: CompareOp::Eq,
                value: json!("work")
            })
        );
        let path = parse_patch_path(r#"members[value eq "a]b"]"#).unwrap();
        assert!(
            matches!(path.filter, Some(Filter::Compare { value, .. }) if value == json!("a]b"))
        );
        assert_eq!(
            parse_patch_path("name.givenName").unwrap().path,
            attr(None, "name", Some("givenName"))
        );
    }

    #[test]
    fn bad_patch_paths_are_invalid_path() {
        for raw in [
            "emails[type eq",
            "emails[type eq \"work\"]value",
            "emails[type zz \"w\"]",
            "name.givenName[x pr]",
        ] {
            let error = parse_patch_path(raw).unwrap_err();
            assert_eq!(error.scim_type, Some(ScimType::InvalidPath), "{raw}");
        }
    }
}
