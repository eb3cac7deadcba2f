//! The audit trail as administrators read it: one event per administrative change, newest
//! first, filtered by who, what and when.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{UserId, ValueError};

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditEventView {
    #[cfg_attr(feature = "server", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// Who made the change; absent for the command line and the system itself.
    pub actor_id: Option<UserId>,
    /// The actor's username when the change was made.
    pub actor_name: Option<String>,
    /// The actor's display name now (a deleted person's tombstone keeps it); null for the system.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(required = true))]
    pub actor_display_name: Option<String>,
    /// What happened, such as `catalog.role.grant`.
    pub action: String,
    /// The kind of object changed, such as `catalog` or `access_package`.
    pub target_type: String,
    pub target_id: String,
    /// The object (or the part of it that changed) before the change, if it existed.
    pub before: Option<serde_json::Value>,
    /// The object (or the part of it that changed) after the change, if it still exists.
    pub after: Option<serde_json::Value>,
    /// The `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
    /// The changed object's name now: a person's display name, the name of a group, catalog,
    /// package, policy, application, connector or review; for a request or an assignment,
    /// its package's name. Null when the object no longer exists (its snapshot still names
    /// it) or has no name.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(required = true))]
    pub target_name: Option<String>,
    /// For a request or an assignment: the display name of the person it is for.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(required = true))]
    pub target_person_name: Option<String>,
}

/// One page of the audit trail. `next_cursor` is null on the last page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEventView>,
    /// The `cursor` of the next page; null on the last page.
    #[cfg_attr(feature = "server", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// An `action` filter: one action exactly (`catalog.role.grant`), or every action under a
/// prefix when it ends with `.*` (`catalog.*` matches `catalog.create` and
/// `catalog.role.grant`, not `catalogue.x`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ActionFilter {
    Exact(String),
    /// The prefix, with its final dot (`catalog.`).
    Prefix(String),
}

impl ActionFilter {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let raw = raw.into();
        if raw.len() > Self::MAX_LEN {
            return Err(ValueError(format!(
                "must be at most {} characters",
                Self::MAX_LEN
            )));
        }
        let (name, prefix) = match raw.strip_suffix(".*") {
            Some(name) => (name, true),
            None => (raw.as_str(), false),
        };
        if !is_dotted_name(name) {
            return Err(ValueError(
                "must be an action such as `catalog.create`, or a prefix such as `catalog.*`"
                    .into(),
            ));
        }
        Ok(if prefix {
            ActionFilter::Prefix(format!("{name}."))
        } else {
            ActionFilter::Exact(name.to_string())
        })
    }
}

/// Lowercase words of letters, digits and underscores, joined by single dots.
fn is_dotted_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

impl TryFrom<String> for ActionFilter {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<ActionFilter> for String {
    fn from(value: ActionFilter) -> String {
        value.to_string()
    }
}

impl fmt::Display for ActionFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionFilter::Exact(action) => f.write_str(action),
            ActionFilter::Prefix(prefix) => write!(f, "{prefix}*"),
        }
    }
}

/// A `target_type` filter: a lowercase word such as `access_package`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TargetType(String);

impl TargetType {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let raw = raw.into();
        if raw.len() > Self::MAX_LEN || raw.contains('.') || !is_dotted_name(&raw) {
            return Err(ValueError(format!(
                "must be a target type such as `catalog` or `access_package` (lowercase \
                 letters, digits and underscores, at most {} characters)",
                Self::MAX_LEN
            )));
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TargetType {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<TargetType> for String {
    fn from(value: TargetType) -> String {
        value.0
    }
}

/// The query of `GET /api/v1/audit-events`. Every filter narrows the list; none is required.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
    /// Only changes made by this user.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub actor_id: Option<UserId>,
    /// Only events about this person: changes to their user, to their assignments and to
    /// requests for them.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub about: Option<UserId>,
    /// Only changes to objects of this kind, such as `catalog` or `access_package`.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, max_length = 64, pattern = "^[a-z0-9_]+$"))]
    pub target_type: Option<TargetType>,
    /// Only changes to the object with this id.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub target_id: Option<Uuid>,
    /// One action (`catalog.role.grant`), or every action under a prefix ending in `.*`
    /// (`catalog.*`).
    #[cfg_attr(feature = "server", param(value_type = Option<String>, max_length = 100, pattern = "^[a-z0-9_]+(\\.[a-z0-9_]+)*(\\.\\*)?$"))]
    pub action: Option<ActionFilter>,
    /// Only changes at or after this instant (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Only changes before this instant (RFC 3339).
    pub until: Option<DateTime<Utc>>,
}

/// The query of `GET /api/v1/audit-events.csv`: the filters of [`AuditQuery`], without paging.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AuditExportQuery {
    /// Only changes made by this user.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub actor_id: Option<UserId>,
    /// Only events about this person: changes to their user, to their assignments and to
    /// requests for them.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub about: Option<UserId>,
    /// Only changes to objects of this kind, such as `catalog` or `access_package`.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, max_length = 64, pattern = "^[a-z0-9_]+$"))]
    pub target_type: Option<TargetType>,
    /// Only changes to the object with this id.
    #[cfg_attr(feature = "server", param(value_type = Option<String>, format = Uuid))]
    pub target_id: Option<Uuid>,
    /// One action (`catalog.role.grant`), or every action under a prefix ending in `.*`
    /// (`catalog.*`).
    #[cfg_attr(feature = "server", param(value_type = Option<String>, max_length = 100, pattern = "^[a-z0-9_]+(\\.[a-z0-9_]+)*(\\.\\*)?$"))]
    pub action: Option<ActionFilter>,
    /// Only changes at or after this instant (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Only changes before this instant (RFC 3339).
    pub until: Option<DateTime<Utc>>,
}

impl AuditQuery {
    /// The filters, without the paging.
    pub fn filters(&self) -> AuditExportQuery {
        AuditExportQuery {
            actor_id: self.actor_id,
            about: self.about,
            target_type: self.target_type.clone(),
            target_id: self.target_id,
            action: self.action.clone(),
            since: self.since,
            until: self.until,
        }
    }

    pub fn page(&self) -> crate::page::PageQuery {
        crate::page::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_filter_is_exact_or_a_prefix_ending_in_dot_star() {
        assert_eq!(
            ActionFilter::parse("catalog.role.grant").ok(),
            Some(ActionFilter::Exact("catalog.role.grant".into()))
        );
        assert_eq!(
            ActionFilter::parse("catalog.*").ok(),
            Some(ActionFilter::Prefix("catalog.".into()))
        );
        assert_eq!(
            ActionFilter::parse("access_package.resource_role.*").ok(),
            Some(ActionFilter::Prefix("access_package.resource_role.".into()))
        );
        for bad in [
            "",
            "*",
            ".*",
            "catalog*",
            "catalog.",
            "catalog..x",
            "Catalog",
            "cat%",
            "a_b.*.*",
            "x y",
        ] {
            assert!(ActionFilter::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(ActionFilter::parse("a".repeat(101)).is_err());
    }

    #[test]
    fn action_filters_round_trip_through_their_text() {
        for text in ["user.create", "group.*"] {
            let parsed = ActionFilter::parse(text).map(|f| f.to_string()).ok();
            assert_eq!(parsed.as_deref(), Some(text));
        }
    }

    #[test]
    fn target_types_are_single_lowercase_words() {
        assert!(TargetType::parse("access_package").is_ok());
        for bad in ["", "Catalog", "a.b", "a b", "catalog%"] {
            assert!(TargetType::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(TargetType::parse("a".repeat(65)).is_err());
    }
}
