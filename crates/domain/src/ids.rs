//! Typed identifiers. Mixing two kinds of id up is a compile error.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
