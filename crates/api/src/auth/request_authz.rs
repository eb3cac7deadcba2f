//! Authorization for requests. Each check returns a proof holding the request it authorised,
//! and every privileged function of `service::requests` takes one, so a service cannot read,
//! decide or cancel a request nobody checked. The proofs are built only here.
//!
//! Who may do what: a request is seen by its requester, its target, every approver it asked
//! (at any stage, escalation included), the assignment managers (and owners) of its catalog,
//! and administrators; to anyone else it does not exist (404). Among those who see it, the
//! request's own rules (`Request::check_decider`, `Request::check_canceler`) say who decides
//! and who cancels, and refuse the others with 403 (or 409 when the request is past that).
//! A failing database stays an error, never "not allowed".
//!
//! The request's stored form is read, and the rules' refusals are answered, by the leaf
//! modules `crate::request_record` and `crate::request_refusals`, which the requests
//! service uses too and which depend on neither auth nor service.

use chrono::Utc;
use tessera_domain::request::{Actor as RequestActor, Request};
use tessera_domain::{CatalogId, RequestId, UserId};

use super::Actor;
use super::authz::catalog_permission::ManageAssignments;
use super::authz::{CatalogProof, authorize_catalog};
use crate::error::{ApiError, ApiResult};
use crate::request_record::request_of;
use crate::request_refusals::refusal;
use crate::state::AppState;
use crate::store;
use crate::store::packages::PackageRow;
use crate::store::requests::RequestRow;

/// Proof that the actor sees the request it holds, and how: as an administrator of it (an
/// administrator, or an assignment manager of its catalog) or as one of its people.
#[derive(Debug)]
pub struct RequestReader {
    actor: Actor,
    row: RequestRow,
    request: Request,
    relation: RequestActor,
}

impl RequestReader {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn row(&self) -> &RequestRow {
        &self.row
    }

    pub fn request(&self) -> &Request {
        &self.request
    }

    /// Who the actor is to the request, as its rules know them.
    pub fn relation(&self) -> RequestActor {
        self.relation
    }
}

/// Whether `actor` administers requests of `catalog`: an administrator, or someone holding
/// `ManageAssignments` there. Only a genuine "not allowed" answers `false`.
async fn administers(state: &AppState, actor: &Actor, catalog: CatalogId) -> ApiResult<bool> {
    if actor.is_admin {
        return Ok(true);
    }
    match authorize_catalog::<ManageAssignments>(state, actor, catalog).await {
        Ok(_) => Ok(true),
        Err(ApiError::NotFound(_) | ApiError::Forbidden(_)) => Ok(false),
        Err(other) => Err(other),
    }
}

/// How `actor` relates to `request`: as its administrator, as one of its people (its
/// requester, its target, or an approver it asked), or not at all (`None`).
async fn relation(
    state: &AppState,
    actor: &Actor,
    row: &RequestRow,
    request: &Request,
) -> ApiResult<Option<RequestActor>> {
    if administers(state, actor, CatalogId::from_uuid(row.catalog_id)).await? {
        return Ok(Some(RequestActor::Administrator(actor.id)));
    }
    let asked = request.stages().iter().any(|stage| {
        stage.approvers.contains(&actor.id) || stage.escalation_approvers.contains(&actor.id)
    });
    if request.requester() == actor.id || request.target() == actor.id || asked {
        Ok(Some(RequestActor::Person(actor.id)))
    } else {
        Ok(None)
    }
}

/// The request `id`, if the actor sees it. To anyone else it does not exist.
pub async fn read_request(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
) -> ApiResult<RequestReader> {
    let row = store::requests::find_request(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("request"))?;
    let request = request_of(&row)?;
    match relation(state, actor, &row, &request).await? {
        Some(relation) => Ok(RequestReader {
            actor: actor.clone(),
            row,
            request,
            relation,
        }),
        None => Err(ApiError::NotFound("request")),
    }
}

/// Proof that the actor is an approver of the request it holds who may decide `stage` now:
/// the request waits for that stage, they were asked to decide it, they are neither its
/// requester nor its target, and the stage's deadline has not passed.
#[derive(Debug)]
pub struct DeciderOf {
    actor: Actor,
    row: RequestRow,
    request: Request,
    stage: usize,
}

impl DeciderOf {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn row(&self) -> &RequestRow {
        &self.row
    }

    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The stage decided, indexed from 0 as in the domain.
    pub fn stage(&self) -> usize {
        self.stage
    }
}

/// The request `id`, if the actor may decide stage `stage_number` of it (numbered from 1, as
/// on the wire): 404 when they do not see it, 403 when they see it but do not decide it, 409
/// when that stage waits for no decision.
pub async fn may_decide(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
    stage_number: usize,
) -> ApiResult<DeciderOf> {
    let reader = read_request(state, actor, id).await?;
    // Stages are numbered from 1 on the wire, indexed from 0 in the domain.
    let stage = stage_number
        .checked_sub(1)
        .ok_or_else(|| ApiError::invalid("stage", "stages are numbered from 1"))?;
    reader
        .request
        .check_decider(stage, actor.id, Utc::now())
        .map_err(refusal)?;
    Ok(DeciderOf {
        actor: reader.actor,
        row: reader.row,
        request: reader.request,
        stage,
    })
}

/// Proof that the actor may cancel the request it holds now: its requester or target, or
/// someone who administers it, while nothing was delivered.
#[derive(Debug)]
pub struct CancelerOf {
    actor: Actor,
    row: RequestRow,
    request: Request,
    who: RequestActor,
}

impl CancelerOf {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn row(&self) -> &RequestRow {
        &self.row
    }

    pub fn request(&self) -> &Request {
        &self.request
    }

    /// Who cancels, as the request's rules know them.
    pub fn who(&self) -> RequestActor {
        self.who
    }
}

/// The request `id`, if the actor may cancel it: 404 when they do not see it, 403 when it is
/// not theirs, 409 when it can no longer be canceled.
pub async fn may_cancel(state: &AppState, actor: &Actor, id: RequestId) -> ApiResult<CancelerOf> {
    let reader = read_request(state, actor, id).await?;
    let who = reader.relation;
    reader.request.check_canceler(who).map_err(refusal)?;
    Ok(CancelerOf {
        actor: reader.actor,
        row: reader.row,
        request: reader.request,
        who,
    })
}

/// Proof that the actor manages the assignments of the package it holds: an administrator's
/// or assignment manager's direct assignment, made a request when its policy needs approval.
#[derive(Debug)]
pub struct PackageAssigner {
    actor: Actor,
    package: PackageRow,
}

impl PackageAssigner {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn package(&self) -> &PackageRow {
        &self.package
    }
}

/// The package `package` for the actor `proof` authorised in its catalog. A package of
/// another catalog, or another actor than the proof's, is not theirs to assign (404).
pub fn assigner_of(
    proof: &CatalogProof<ManageAssignments>,
    actor: &Actor,
    package: PackageRow,
) -> ApiResult<PackageAssigner> {
    if package.catalog_id != *proof.catalog().as_uuid() || proof.actor() != actor.id {
        return Err(ApiError::NotFound("access package"));
    }
    Ok(PackageAssigner {
        actor: actor.clone(),
        package,
    })
}

/// Proof that the lists asked for are the actor's own: the requests they made or that are for
/// them, those waiting for their decision, and those they decided.
#[derive(Clone, Copy, Debug)]
pub struct OwnRequests {
    user: UserId,
}

impl OwnRequests {
    pub fn user(&self) -> UserId {
        self.user
    }
}

pub fn own_requests(actor: &Actor) -> OwnRequests {
    OwnRequests { user: actor.id }
}
