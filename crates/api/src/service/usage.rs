//! One rule for taking away a group, application or app role that access packages grant or
//! policies name (deleting it, or removing it from a catalog): refused with 409
//! `resource_in_use` naming them, unless the caller cascades, which disables those policies,
//! strips the packages' roles and is audited with what it touched.

use chrono::Utc;
use serde::Serialize;
use tessera_domain::policy::{self, ValidPolicy};
use tessera_domain::problem::ProblemCode;
use tessera_domain::problem::{UsedBy, UsingPackage, UsingPolicy};
use tessera_domain::{AccessPackageId, CatalogId, PolicyId};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::usage::{DisabledPolicy, Resource, Usage, UsageGuard};

/// What a removal found and will do: build the store's guard from it.
pub struct Checked {
    pub resource: Resource,
    pub catalog: Option<Uuid>,
    pub usage: Usage,
    pub disable: Vec<DisabledPolicy>,
    pub cascade: bool,
}

impl Checked {
    pub fn guard(&self) -> UsageGuard<'_> {
        UsageGuard {
            resource: self.resource,
            catalog: self.catalog,
            expected: self.usage.ids(),
            disable: &self.disable,
            now: Utc::now(),
        }
    }

    /// What the cascade touched, for the audit event; `None` when nothing used the resource.
    pub fn cascaded(&self) -> Option<UsedBy> {
        (!self.usage.is_empty()).then(|| used_by(&self.usage))
    }
}

/// The audit snapshot of a removed resource: the resource, and what a cascade touched.
#[derive(Serialize)]
pub struct Removed<'a, V: Serialize> {
    #[serde(flatten)]
    pub resource: &'a V,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cascaded: Option<UsedBy>,
}

pub fn used_by(usage: &Usage) -> UsedBy {
    UsedBy {
        access_packages: usage
            .packages
            .iter()
            .map(|row| UsingPackage {
                id: AccessPackageId::from_uuid(row.id),
                name: row.name.clone(),
                catalog_id: CatalogId::from_uuid(row.catalog_id),
            })
            .collect(),
        policies: usage
            .policies
            .iter()
            .map(|row| UsingPolicy {
                id: PolicyId::from_uuid(row.id),
                name: row.name.clone(),
                access_package_id: AccessPackageId::from_uuid(row.package_id),
                access_package_name: row.package_name.clone(),
            })
            .collect(),
    }
}

fn disabled(row: &store::usage::UsingPolicyRow) -> ApiResult<DisabledPolicy> {
    let corrupt = || {
        tracing::error!(policy = %row.id, "stored policy does not parse");
        ApiError::Internal
    };
    let current: ValidPolicy = serde_json::from_str(&row.definition).map_err(|_| corrupt())?;
    let mut definition = current.to_definition();
    definition.enabled = false;
    let policy = policy::validate(&definition).map_err(|_| corrupt())?;
    Ok(DisabledPolicy {
        id: row.id,
        version: row.version,
        definition: serde_json::to_string(&policy).map_err(|_| corrupt())?,
    })
}

/// Reads what uses `resource` (in `catalog` when given) and refuses with `resource_in_use`
/// unless nothing does or the caller cascades. `what` names the resource in the message.
pub async fn check(
    state: &AppState,
    resource: Resource,
    catalog: Option<Uuid>,
    cascade: bool,
    what: &str,
) -> ApiResult<Checked> {
    let usage = store::usage::find_usage(&state.db, resource, catalog).await?;
    if !usage.is_empty() && !cascade {
        let names: Vec<&str> = usage.packages.iter().map(|p| p.name.as_str()).collect();
        let policies: Vec<String> = usage
            .policies
            .iter()
            .map(|p| format!("{} ({})", p.name, p.package_name))
            .collect();
        let mut detail = format!("The {what} is in use.");
        if !names.is_empty() {
            detail.push_str(&format!(" Access packages grant it: {}.", names.join(", ")));
        }
        if !policies.is_empty() {
            detail.push_str(&format!(" Policies name it: {}.", policies.join(", ")));
        }
        detail.push_str(
            " Change those first, or send cascade=true to strip it from the packages and \
             disable the policies.",
        );
        return Err(ApiError::InUse {
            detail,
            used_by: Box::new(used_by(&usage)),
        });
    }
    let disable = if cascade {
        usage
            .policies
            .iter()
            .map(disabled)
            .collect::<ApiResult<Vec<_>>>()?
    } else {
        Vec::new()
    };
    Ok(Checked {
        resource,
        catalog,
        usage,
        disable,
        cascade,
    })
}

/// The answer when what uses the resource changed between the check and the removal.
pub fn changed_meanwhile() -> ApiError {
    ApiError::Conflict {
        code: ProblemCode::ResourceUsageChanged,
        detail: "The packages or policies using this resource changed meanwhile; try again.".into(),
        field: None,
    }
}
