//! API tokens on the wire. The secret is shown once, in [`CreatedToken`], and never again.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{TokenId, UserId, ValueError};

/// What a token is for, in its owner's words: 1 to 100 characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = String))]
#[serde(try_from = "String", into = "String")]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let raw = raw.into();
        if raw.chars().count() > 100 {
            return Err(ValueError("must be between 1 and 100 characters".into()));
        }
        let value = crate::values::clean_name(&raw)?;
        if value.is_empty() {
            return Err(ValueError("must be between 1 and 100 characters".into()));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TokenName {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<TokenName> for String {
    fn from(value: TokenName) -> String {
        value.0
    }
}

/// How long a token lives: 1 to 366 days. Tokens always expire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = u16))]
#[serde(try_from = "u16", into = "u16")]
pub struct TokenLifetimeDays(u16);

impl TokenLifetimeDays {
    pub const DEFAULT: TokenLifetimeDays = TokenLifetimeDays(90);
    pub const MAX: u16 = 366;

    pub fn days(self) -> u16 {
        self.0
    }
}

impl Default for TokenLifetimeDays {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<u16> for TokenLifetimeDays {
    type Error = ValueError;
    fn try_from(value: u16) -> Result<Self, Self::Error> {
        if (1..=Self::MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(ValueError(format!(
                "must be between 1 and {} days",
                Self::MAX
            )))
        }
    }
}

impl From<TokenLifetimeDays> for u16 {
    fn from(value: TokenLifetimeDays) -> u16 {
        value.0
    }
}

/// Input of `POST /api/v1/tokens` and `POST /api/v1/users/{id}/tokens`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[cfg_attr(feature = "server", schema(value_type = String, min_length = 1, max_length = 100))]
    pub name: TokenName,
    /// 1 to 366; 90 when left out.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = u16, minimum = 1, maximum = 366, default = 90))]
    pub expires_in_days: TokenLifetimeDays,
}

/// A token as listed: never its secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TokenView {
    pub id: TokenId,
    pub owner_id: UserId,
    pub name: TokenName,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The answer to creating a token: the only time the secret is shown.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub token: TokenView,
    /// Send as `Authorization: Bearer <secret>`. Store it now: it cannot be shown again.
    pub secret: String,
}
