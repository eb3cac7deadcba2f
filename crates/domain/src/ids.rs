//! Typed identifiers. Mixing two kinds of id up is a compile error.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::values::ValueError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "server", schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

id_type!(
    /// A person or service account in Tessera's directory.
    UserId
);
id_type!(
    /// An API token used by scripts and integrations.
    TokenId
);
id_type!(
    /// A group in Tessera's directory.
    GroupId
);
id_type!(
    /// An application whose roles access packages can grant.
    ApplicationId
);
id_type!(
    /// One role of an application.
    AppRoleId
);
id_type!(
    /// A catalog: a container of resources and access packages with its own delegated roles.
    CatalogId
);
id_type!(
    /// An access package: a bundle of resource roles that people request.
    AccessPackageId
);
id_type!(
    /// An assignment policy of an access package.
    PolicyId
);
id_type!(
    /// One person's assignment of an access package.
    AssignmentId
);
id_type!(
    /// A request for an access package: to get, extend or give up access, or an
    /// administrator's direct assignment or removal.
    RequestId
);
id_type!(
    /// A notification to one person: shown in the portal and e-mailed.
    NotificationId
);
id_type!(
    /// An access review definition: what is reviewed, by whom, on which schedule.
    ReviewDefinitionId
);
id_type!(
    /// One occurrence of an access review definition for one resource.
    ReviewInstanceId
);
id_type!(
    /// One person's access under review in one review instance.
    ReviewItemId
);
id_type!(
    /// A webhook subscription: where Tessera's events are POSTed.
    WebhookSubscriptionId
);
id_type!(
    /// One event in the outbox; the `webhook-id` of each of its deliveries.
    WebhookEventId
);
id_type!(
    /// One event's delivery to one webhook subscription.
    WebhookDeliveryId
);
id_type!(
    /// A connected system (an LDAP directory, a SCIM application).
    ConnectorId
);
id_type!(
    /// A group or app role of Tessera bound to a target in a connected system.
    ConnectorBindingId
);
id_type!(
    /// One membership change to push to a connected system.
    ProvisioningOperationId
);

/// Ids named in a query string, comma-separated (`?ids=a,b,c`): 1 to [`IdList::MAX`] entries,
/// each an id. An id named twice counts once. Parsed when the query is read, so a handler only
/// ever sees a valid list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdList<T>(Vec<T>);

impl<T: FromStr + PartialEq> IdList<T> {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let entries: Vec<&str> = raw.split(',').map(str::trim).collect();
        if entries == [""] {
            return Err(ValueError("name at least one id".into()));
        }
        if entries.len() > Self::MAX {
            return Err(ValueError(format!(
                "may name at most {} ids, not {}",
                Self::MAX,
                entries.len()
            )));
        }
        let mut ids = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let id = entry.parse::<T>().map_err(|_| {
                ValueError(format!(
                    "entry {} is not an id (a UUID such as 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b)",
                    index + 1
                ))
            })?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(Self(ids))
    }
}

impl<T> IdList<T> {
    /// The most entries one list may hold, so that one lookup stays one small query.
    pub const MAX: usize = 100;

    /// Each id once, in the order first named.
    pub fn ids(&self) -> &[T] {
        &self.0
    }
}

impl<T: fmt::Display> fmt::Display for IdList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, id) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            id.fmt(f)?;
        }
        Ok(())
    }
}

impl<'de, T: FromStr + PartialEq> Deserialize<'de> for IdList<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl<T: fmt::Display> Serialize for IdList<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADA: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    const BOB: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";

    #[test]
    fn an_id_list_keeps_each_id_once_in_the_order_named() {
        let list = IdList::<UserId>::parse(&format!("{BOB}, {ADA},{BOB}")).map_err(|e| e.0);
        let named: Result<Vec<String>, _> = list
            .as_ref()
            .map(|list| list.ids().iter().map(ToString::to_string).collect());
        assert_eq!(named, Ok(vec![BOB.to_string(), ADA.to_string()]));
        assert_eq!(
            list.map(|list| list.to_string()),
            Ok(format!("{BOB},{ADA}"))
        );
    }

    #[test]
    fn an_id_list_refuses_nothing_a_bad_entry_and_too_many() {
        let refusal = |raw: &str| IdList::<GroupId>::parse(raw).err().map(|e| e.0);
        assert_eq!(refusal(""), Some("name at least one id".into()));
        assert!(refusal(&format!("{ADA},nope")).is_some_and(|m| m.starts_with("entry 2 ")));
        assert!(refusal(&format!("{ADA},")).is_some_and(|m| m.starts_with("entry 2 ")));
        let many = vec![ADA; IdList::<GroupId>::MAX + 1].join(",");
        assert_eq!(
            refusal(&many),
            Some("may name at most 100 ids, not 101".into())
        );
        let most = vec![ADA; IdList::<GroupId>::MAX].join(",");
        assert!(IdList::<GroupId>::parse(&most).is_ok());
    }
}
