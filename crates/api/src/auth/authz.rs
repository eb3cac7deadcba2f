//! Authorization. A service that needs a privilege takes a proof value; the only way to get
//! one is to pass the check here, so forgetting the check does not compile.

use tessera_domain::UserId;
use tessera_domain::roles::GrantableRole;
use tessera_domain::user::{AuthMethod, UserKind};

use super::Actor;
use crate::error::{ApiError, ApiResult};

/// Proof that the actor is a global administrator.
#[derive(Debug)]
pub struct AdminProof {
    actor: UserId,
}

impl AdminProof {
    pub fn actor(&self) -> UserId {
        self.actor
    }
}

pub fn require_admin(actor: &Actor) -> ApiResult<AdminProof> {
    if actor.is_admin {
        Ok(AdminProof { actor: actor.id })
    } else {
        Err(ApiError::Forbidden("Only administrators may do this."))
    }
}

/// Proof that the caller may read the process's metrics.
#[derive(Debug)]
pub struct MetricsReaderProof(());

/// On the main port, the metrics are for API tokens (Bearer) of administrators and of service
/// accounts (monitoring), not for browser sessions.
pub fn may_read_metrics(actor: &Actor) -> ApiResult<MetricsReaderProof> {
    let bearer = actor.method() == AuthMethod::ApiToken;
    if bearer && (actor.is_admin || actor.kind == UserKind::ServiceAccount) {
        Ok(MetricsReaderProof(()))
    } else {
        Err(ApiError::Forbidden(
            "Only administrators' and service accounts' API tokens may read the metrics.",
        ))
    }
}

/// Whoever reaches the separate metrics address (`metrics.listen`) may read them: the operator
/// chose that address for their monitoring.
pub fn on_metrics_address() -> MetricsReaderProof {
    MetricsReaderProof(())
}

/// Proof that the actor may manage the API tokens of `owner`: their own, or anyone's as an
/// administrator.
#[derive(Debug)]
pub struct TokenManagerProof {
    owner: UserId,
}

impl TokenManagerProof {
    pub fn owner(&self) -> UserId {
        self.owner
    }
}

pub fn may_manage_tokens_of(actor: &Actor, owner: UserId) -> ApiResult<TokenManagerProof> {
    if actor.id == owner || actor.is_admin {
        Ok(TokenManagerProof { owner })
    } else {
        Err(ApiError::Forbidden(
            "You may only manage your own API tokens.",
        ))
    }
}

/// The command line holds the database itself, so it may manage anyone's tokens.
pub fn operator_may_manage_tokens_of(owner: UserId) -> TokenManagerProof {
    TokenManagerProof { owner }
}

/// The permissions a catalog proof can carry, as marker types: a service that edits a catalog
/// takes `&CatalogProof<ManageCatalog>`, and a proof of `Read` does not fit.
pub mod catalog_permission {
    use tessera_domain::catalog::CatalogPermission;

    pub trait Permission {
        const PERMISSION: CatalogPermission;
    }

    macro_rules! permission {
        ($name:ident, $variant:ident) => {
            #[derive(Debug)]
            pub struct $name;
            impl Permission for $name {
                const PERMISSION: CatalogPermission = CatalogPermission::$variant;
            }
        };
    }

    permission!(Read, Read);
    permission!(ManageCatalog, ManageCatalog);
    permission!(ManagePackages, ManagePackages);
    permission!(ManageAssignments, ManageAssignments);
}

/// Proof that the actor holds permission `P` in one catalog, as an administrator or through
/// their catalog roles.
#[derive(Debug)]
pub struct CatalogProof<P> {
    catalog: tessera_domain::CatalogId,
    actor: UserId,
    _permission: std::marker::PhantomData<P>,
}

impl<P> CatalogProof<P> {
    pub fn catalog(&self) -> tessera_domain::CatalogId {
        self.catalog
    }

    pub fn actor(&self) -> UserId {
        self.actor
    }
}

/// Checks that `actor` holds `P` in `catalog`. Someone with no role there learns nothing about
/// it (404, like a catalog that does not exist); someone with a lesser role gets 403.
pub async fn authorize_catalog<P: catalog_permission::Permission>(
    state: &crate::state::AppState,
    actor: &Actor,
    catalog: tessera_domain::CatalogId,
) -> ApiResult<CatalogProof<P>> {
    use tessera_domain::catalog::CatalogRole;
    if crate::store::catalogs::find_catalog(&state.db, *catalog.as_uuid())
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound("catalog"));
    }
    let proof = CatalogProof {
        catalog,
        actor: actor.id,
        _permission: std::marker::PhantomData,
    };
    if actor.is_admin {
        return Ok(proof);
    }
    let roles: Vec<CatalogRole> =
        crate::store::catalogs::list_roles_of(&state.db, *catalog.as_uuid(), *actor.id.as_uuid())
            .await?
            .iter()
            .filter_map(|role| CatalogRole::parse(role))
            .collect();
    if roles.is_empty() {
        return Err(ApiError::NotFound("catalog"));
    }
    if P::PERMISSION.granted_by(&roles) {
        Ok(proof)
    } else {
        Err(ApiError::Forbidden(
            "Your role in this catalog does not allow this.",
        ))
    }
}

/// Proof that the actor may create catalogs: an administrator or a catalog creator.
#[derive(Debug)]
pub struct CatalogCreatorProof {
    actor: UserId,
}

impl CatalogCreatorProof {
    pub fn actor(&self) -> UserId {
        self.actor
    }
}

pub async fn require_catalog_creator(
    state: &crate::state::AppState,
    actor: &Actor,
) -> ApiResult<CatalogCreatorProof> {
    if actor.is_admin
        || crate::store::global_roles::holds_role(
            &state.db,
            *actor.id.as_uuid(),
            GrantableRole::CatalogCreator,
        )
        .await?
    {
        Ok(CatalogCreatorProof { actor: actor.id })
    } else {
        Err(ApiError::Forbidden(
            "Only administrators and catalog creators may create catalogs.",
        ))
    }
}

/// Proof that the caller is a provisioning client: it came with a Bearer API token (never a
/// browser session) and its owner holds the provisioner role. Administrator rights do not imply
/// it. SCIM changes are made, and audited, as this account.
#[derive(Debug)]
pub struct ProvisionerProof {
    actor: UserId,
}

impl ProvisionerProof {
    pub fn actor(&self) -> UserId {
        self.actor
    }
}

pub async fn require_provisioner(
    state: &crate::state::AppState,
    actor: &Actor,
) -> ApiResult<ProvisionerProof> {
    let by_token = matches!(actor.via, super::actor::Via::Token { .. });
    if by_token
        && crate::store::global_roles::holds_role(
            &state.db,
            *actor.id.as_uuid(),
            GrantableRole::Provisioner,
        )
        .await?
    {
        Ok(ProvisionerProof { actor: actor.id })
    } else {
        Err(ApiError::Forbidden(
            "Only API tokens of accounts holding the provisioner role may provision through SCIM.",
        ))
    }
}

/// Checks that `actor` holds `P` in the catalog of `package`. A package in a catalog the actor
/// has no role in is reported as not found.
pub async fn authorize_package<P: catalog_permission::Permission>(
    state: &crate::state::AppState,
    actor: &Actor,
    package: tessera_domain::AccessPackageId,
) -> ApiResult<CatalogProof<P>> {
    let row = crate::store::packages::find_package(&state.db, *package.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("access package"))?;
    let catalog = tessera_domain::CatalogId::from_uuid(row.catalog_id);
    authorize_catalog::<P>(state, actor, catalog)
        .await
        .map_err(|err| match err {
            ApiError::NotFound(_) => ApiError::NotFound("access package"),
            other => other,
        })
}

/// Proof of the catalogs where the actor holds permission `P` through their catalog roles:
/// what a cross-catalog list shows someone who is not an administrator.
#[derive(Debug)]
pub struct CatalogsProof<P> {
    catalogs: Vec<tessera_domain::CatalogId>,
    _permission: std::marker::PhantomData<P>,
}

impl<P> CatalogsProof<P> {
    pub fn catalogs(&self) -> &[tessera_domain::CatalogId] {
        &self.catalogs
    }
}

/// The catalogs where `actor` holds `P` through their catalog roles (perhaps none).
pub async fn authorize_catalogs<P: catalog_permission::Permission>(
    state: &crate::state::AppState,
    actor: &Actor,
) -> ApiResult<CatalogsProof<P>> {
    use std::collections::BTreeMap;
    use tessera_domain::catalog::CatalogRole;
    let mut roles: BTreeMap<uuid::Uuid, Vec<CatalogRole>> = BTreeMap::new();
    for (catalog, role) in
        crate::store::catalogs::list_roles_of_user(&state.db, *actor.id.as_uuid()).await?
    {
        if let Some(role) = CatalogRole::parse(&role) {
            roles.entry(catalog).or_default().push(role);
        }
    }
    let catalogs: Vec<tessera_domain::CatalogId> = roles
        .into_iter()
        .filter(|(_, roles)| P::PERMISSION.granted_by(roles))
        .map(|(catalog, _)| tessera_domain::CatalogId::from_uuid(catalog))
        .collect();
    Ok(CatalogsProof {
        catalogs,
        _permission: std::marker::PhantomData,
    })
}
