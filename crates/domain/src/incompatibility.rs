//! Separation of duties: the access packages and groups a package is incompatible with.
//!
//! The relation is one-directional, as in the reference product: when package A lists B,
//! people holding B may not get A, but people holding A may still get B unless B lists A too.
//! Requests and direct assignments will be refused on it once assignments exist.

use serde::{Deserialize, Serialize};

use crate::directory::GroupName;
use crate::package::PackageName;
use crate::{AccessPackageId, CatalogId, GroupId};

/// An access package named in a separation-of-duties relation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PackageSummary {
    pub id: AccessPackageId,
    pub name: PackageName,
    pub catalog_id: CatalogId,
}

/// A group named in a separation-of-duties relation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct GroupSummary {
    pub id: GroupId,
    pub name: GroupName,
}

/// Answer of `GET /api/v1/access-packages/{id}/incompatibilities`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct IncompatibilitiesView {
    /// Holders of any of these packages may not get this one.
    pub packages: Vec<PackageSummary>,
    /// Members of any of these groups may not get this one.
    pub groups: Vec<GroupSummary>,
    /// The packages that list this one as incompatible: holders of this package may not get
    /// those.
    pub incompatible_with: Vec<PackageSummary>,
}
