//! RFC 9457 problem details, as every API error is answered.

use serde::{Deserialize, Serialize};

/// An `application/problem+json` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the kind of problem; stable, safe to branch on.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Short stable code, such as `validation_failed` or `not_found`.
    pub code: String,
    /// The id of the request, to find it in the server's logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Which input was wrong, and why, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Where in the input: a JSON path such as `manager_id`, or a query parameter name.
    pub field: String,
    pub message: String,
}

impl Problem {
    /// The message for a field, for forms that show errors next to their inputs.
    pub fn field_message(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// The 409 `resource_in_use` problem: a group, application or app role that access packages
/// grant, or that policies name, is not deleted (nor removed from a catalog) unless the caller
/// asks to cascade. `used_by` names what uses it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ResourceInUse {
    #[serde(flatten)]
    pub problem: Problem,
    pub used_by: UsedBy,
}

/// What uses a resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UsedBy {
    /// Access packages that grant a role of the resource.
    pub access_packages: Vec<UsingPackage>,
    /// Policies that name the resource (who may request, approvers).
    pub policies: Vec<UsingPolicy>,
}

impl UsedBy {
    pub fn is_empty(&self) -> bool {
        self.access_packages.is_empty() && self.policies.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UsingPackage {
    pub id: crate::AccessPackageId,
    pub name: String,
    pub catalog_id: crate::CatalogId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UsingPolicy {
    pub id: crate::PolicyId,
    pub name: String,
    pub access_package_id: crate::AccessPackageId,
    pub access_package_name: String,
}

/// The query of deleting a group, application or app role, or removing one from a catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CascadeQuery {
    /// Go ahead although access packages grant the resource or policies name it: the packages
    /// stop granting it and those policies are disabled. Audited with what it touched.
    pub cascade: Option<bool>,
}
