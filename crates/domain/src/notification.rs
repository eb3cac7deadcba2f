//! Notifications as the portal shows them: what happened that a person should know or act on,
//! with a link into the portal. The same notification is e-mailed when SMTP is configured; the
//! portal list works without it.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::NotificationId;

/// What a notification is about. Stored as its `snake_case` name; add a variant when a new
/// event needs people told.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NotificationKind {
    /// A request waits for the recipient's decision.
    ApprovalNeeded,
    /// A request still waits for the recipient's decision, close to its deadline.
    ApprovalReminder,
    /// The recipient's request (or one made for them) was approved.
    RequestApproved,
    /// The recipient's request (or one made for them) was denied.
    RequestDenied,
    /// The recipient's request expired undecided.
    RequestExpired,
    /// Access the recipient asked for (or was given) is now theirs.
    AccessDelivered,
    /// Delivering access failed; an administrator needs to look.
    DeliveryFailed,
    /// The recipient's access ends soon; they may ask to extend it.
    ExpiryReminder,
    /// The recipient's access ended at its planned end.
    AccessExpired,
    /// The recipient's access was removed.
    AccessRemoved,
    /// An access review started that the recipient has to carry out.
    ReviewStarted,
    /// An access review the recipient has to carry out ends soon.
    ReviewReminder,
    /// An access review the recipient set up has ended.
    ReviewEnded,
    /// A guest lost their last access and is blocked from signing in (sent to the guest and
    /// their sponsors).
    GuestBlocked,
    /// A blocked guest was removed (sent to their sponsors).
    GuestRemoved,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 15] = crate::variants::all();

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<NotificationKind> {
        raw.parse().ok()
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where e-mailing a notification stands. Stored as its `snake_case` name; the portal list
/// does not depend on it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EmailState {
    /// Not sent yet: due at its next attempt's time.
    Pending,
    /// Handed to the SMTP server.
    Sent,
    /// Every attempt failed; no more are made.
    Failed,
}

impl EmailState {
    pub const ALL: [EmailState; 3] = crate::variants::all();

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<EmailState> {
        raw.parse().ok()
    }
}

impl fmt::Display for EmailState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One notification, as its recipient reads it in the portal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NotificationView {
    pub id: NotificationId,
    pub kind: NotificationKind,
    pub subject: String,
    /// The message as plain text, as e-mailed.
    pub body_text: String,
    /// Where in the portal to act on it: a path such as `/requests/…`.
    pub link: String,
    pub created_at: DateTime<Utc>,
    /// When the recipient marked it read; absent while unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// The query of `GET /api/v1/me/notifications`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// `true`: only notifications not yet marked read.
    pub unread: Option<bool>,
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    #[cfg_attr(feature = "server", param(max_length = 512))]
    pub cursor: Option<String>,
}

impl NotificationQuery {
    pub fn page(&self) -> crate::page::PageQuery {
        crate::page::PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// One page of the caller's notifications, newest first. `next_cursor` is null on the last
/// page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    /// The `cursor` of the next page; null on the last page.
    #[cfg_attr(feature = "server", schema(required = true))]
    pub next_cursor: Option<String>,
    /// How many of the caller's notifications are unread, across all pages.
    pub unread_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_from_its_own_name_and_serializes_to_it() {
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::String(kind.as_str().into()))
            );
        }
        assert_eq!(NotificationKind::parse("approval-needed"), None);
    }
}
