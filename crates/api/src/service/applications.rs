//! Applications: administrators register them with their app roles, and assign those roles to
//! users.

use chrono::Utc;
use tessera_domain::directory::{
    AppRoleName, AppRoleView, ApplicationChanges, ApplicationName, ApplicationView, Description,
    NameSearchQuery, NewAppRole, NewApplication,
};
use tessera_domain::page::{AppRolePage, ApplicationPage, MemberPage, PageQuery};
use tessera_domain::problem::ProblemCode;
use tessera_domain::{AppRoleId, ApplicationId, UserId};
use uuid::Uuid;

use super::page::PageRequest;
use super::{audit_event, directory};
use crate::auth::{Actor, AdminProof};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::directory::{AppRoleRow, Link, Named, NamedRecord, NamedRow};
use crate::store::usage::Resource;
use crate::store::{self, StoreError};

/// Turns a stored row into its wire form. A row that no longer parses is a server fault.
pub fn application_view(row: &NamedRow) -> ApiResult<ApplicationView> {
    let corrupt = |what: &str| {
        tracing::error!(application = %row.id, field = what, "stored application does not parse");
        ApiError::Internal
    };
    Ok(ApplicationView {
        id: ApplicationId::from_uuid(row.id),
        name: ApplicationName::parse(row.name.clone()).map_err(|_| corrupt("name"))?,
        description: Description::parse(row.description.clone())
            .map_err(|_| corrupt("description"))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub fn app_role_view(row: &AppRoleRow) -> ApiResult<AppRoleView> {
    let corrupt = |what: &str| {
        tracing::error!(app_role = %row.id, field = what, "stored app role does not parse");
        ApiError::Internal
    };
    Ok(AppRoleView {
        id: AppRoleId::from_uuid(row.id),
        application_id: ApplicationId::from_uuid(row.application_id),
        name: AppRoleName::parse(row.name.clone()).map_err(|_| corrupt("name"))?,
        description: Description::parse(row.description.clone())
            .map_err(|_| corrupt("description"))?,
        created_at: row.created_at,
    })
}

pub async fn list_applications(
    _: &AdminProof,
    state: &AppState,
    query: &NameSearchQuery,
) -> ApiResult<ApplicationPage> {
    let (rows, next_cursor) = directory::list_named(state, Named::Application, query).await?;
    let items = rows
        .iter()
        .map(application_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(ApplicationPage { items, next_cursor })
}

pub async fn get_application(
    _: &AdminProof,
    state: &AppState,
    id: ApplicationId,
) -> ApiResult<ApplicationView> {
    application_view(&directory::find_named(state, Named::Application, *id.as_uuid()).await?)
}

/// Creates an application. `actor` is `None` only for the command line.
pub(crate) async fn create_application(
    state: &AppState,
    actor: Option<&Actor>,
    input: NewApplication,
) -> ApiResult<NamedRow> {
    let record = NamedRecord {
        name_key: input.name.key(),
        name: input.name.to_string(),
        description: String::from(input.description),
    };
    directory::create_named(state, actor, Named::Application, record, application_view).await
}

pub async fn create_application_as_admin(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    input: NewApplication,
) -> ApiResult<ApplicationView> {
    application_view(&create_application(state, Some(actor), input).await?)
}

/// Applies `changes` to the application read as `current`. `actor` is `None` only for the
/// command line.
pub(crate) async fn change_application(
    state: &AppState,
    actor: Option<&Actor>,
    current: &NamedRow,
    changes: ApplicationChanges,
) -> ApiResult<NamedRow> {
    let record = directory::changed_record(
        current,
        changes.name.as_ref().map(ApplicationName::as_str),
        changes.name.as_ref().map(ApplicationName::key),
        changes.description.as_ref(),
    );
    directory::update_named(
        state,
        actor,
        Named::Application,
        current,
        record,
        application_view,
    )
    .await
}

pub async fn update_application(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    changes: ApplicationChanges,
) -> ApiResult<ApplicationView> {
    if changes.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "name at least one field to change",
        ));
    }
    let current = directory::find_named(state, Named::Application, *id.as_uuid()).await?;
    application_view(&change_application(state, Some(actor), &current, changes).await?)
}

/// Deletes an application; its roles and their assignments go with it.
pub async fn delete_application(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    cascade: bool,
) -> ApiResult<()> {
    directory::delete_named(
        state,
        actor,
        Named::Application,
        *id.as_uuid(),
        application_view,
        cascade,
    )
    .await
}

pub async fn list_app_roles(
    _: &AdminProof,
    state: &AppState,
    id: ApplicationId,
    query: &PageQuery,
) -> ApiResult<AppRolePage> {
    let application = directory::find_named(state, Named::Application, *id.as_uuid()).await?;
    let page = PageRequest::parse(query)?;
    let rows = store::directory::list_app_roles(
        &state.db,
        application.id,
        page.after.as_deref(),
        page.fetch(),
    )
    .await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.name_key.clone());
    let items = rows
        .iter()
        .map(app_role_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(AppRolePage { items, next_cursor })
}

/// Adds a role to an application; a name it already has (regardless of case) is 409. `actor`
/// is `None` only for the command line.
pub(crate) async fn create_app_role(
    state: &AppState,
    actor: Option<&Actor>,
    application: &NamedRow,
    input: NewAppRole,
) -> ApiResult<AppRoleRow> {
    let record = NamedRecord {
        name_key: input.name.key(),
        name: input.name.to_string(),
        description: String::from(input.description),
    };
    let application_id = application.id;
    store::directory::insert_app_role(
        &state.db,
        application_id,
        Uuid::now_v7(),
        &record,
        Utc::now(),
        |row| {
            let after = app_role_view(row).ok();
            audit_event::<AppRoleView, _>(
                actor,
                "application.role.create",
                "application",
                application_id.to_string(),
                None,
                after.as_ref(),
            )
        },
    )
    .await
    .map_err(|err| match err {
        StoreError::Duplicate(_) => ApiError::Conflict {
            code: ProblemCode::NameTaken,
            detail: format!("The application already has a role called {}.", record.name),
            field: Some("name"),
        },
        StoreError::MissingReference => ApiError::NotFound("application"),
        other => other.into(),
    })
}

pub async fn create_app_role_as_admin(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    input: NewAppRole,
) -> ApiResult<AppRoleView> {
    let application = directory::find_named(state, Named::Application, *id.as_uuid()).await?;
    app_role_view(&create_app_role(state, Some(actor), &application, input).await?)
}

/// Deletes a role of an application; its assignments go with it.
/// Deletes an app role. Refused with `resource_in_use` while access packages grant it,
/// unless `cascade`.
pub async fn delete_app_role(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    role: AppRoleId,
    cascade: bool,
) -> ApiResult<()> {
    let application_id = *id.as_uuid();
    find_app_role(state, id, role).await?;
    let checked = super::usage::check(
        state,
        Resource::AppRole(*role.as_uuid()),
        None,
        cascade,
        "app role",
    )
    .await?;
    let deleted = store::directory::delete_app_role(
        &state.db,
        application_id,
        *role.as_uuid(),
        &checked.guard(),
        |row| {
            let before = app_role_view(row).ok();
            let before = before.as_ref().map(|resource| super::usage::Removed {
                resource,
                cascaded: checked.cascaded(),
            });
            audit_event::<_, AppRoleView>(
                Some(actor),
                "application.role.delete",
                "application",
                application_id.to_string(),
                before.as_ref(),
                None,
            )
        },
    )
    .await
    .map_err(|err| match err {
        StoreError::Conflict => super::usage::changed_meanwhile(),
        other => other.into(),
    })?;
    if deleted {
        Ok(())
    } else {
        Err(ApiError::NotFound("app role"))
    }
}

async fn find_app_role(
    state: &AppState,
    id: ApplicationId,
    role: AppRoleId,
) -> ApiResult<AppRoleRow> {
    store::directory::find_app_role(&state.db, *id.as_uuid(), *role.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("app role"))
}

/// The users a role is assigned to, by username.
pub async fn list_assignees(
    _: &AdminProof,
    state: &AppState,
    id: ApplicationId,
    role: AppRoleId,
    query: &PageQuery,
) -> ApiResult<MemberPage> {
    let role = find_app_role(state, id, role).await?;
    directory::list_links(state, Link::AppRoleAssignee, role.id, query).await
}

/// Assigns a role to a user; assigning twice changes nothing.
pub async fn assign_app_role(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    role: AppRoleId,
    user: UserId,
) -> ApiResult<()> {
    let role = find_app_role(state, id, role).await?;
    directory::add_link(
        state,
        Some(actor),
        Link::AppRoleAssignee,
        "application",
        role.application_id,
        role.id,
        user,
    )
    .await?;
    Ok(())
}

/// Takes a role away from a user; taking away a role they do not have is fine.
pub async fn unassign_app_role(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    role: AppRoleId,
    user: UserId,
) -> ApiResult<()> {
    let role = find_app_role(state, id, role).await?;
    directory::remove_link(
        state,
        actor,
        Link::AppRoleAssignee,
        "application",
        role.application_id,
        role.id,
        user,
    )
    .await
}
