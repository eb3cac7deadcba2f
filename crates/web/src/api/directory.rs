//! `/api/v1/groups` and `/api/v1/applications` (administrators only), and the names of groups
//! by id (anyone signed in).

use tessera_domain::directory::{
    AppRoleView, ApplicationView, GroupRole, GroupSummary, GroupView, NewAppRole, NewApplication,
    NewGroup,
};
use tessera_domain::page::{AppRolePage, ApplicationPage, GroupPage, MemberPage, PageQuery};
use tessera_domain::{AppRoleId, ApplicationId, GroupId, UserId};

use super::ApiError;
use super::client::{self, Write, id_list, search_query};

/// `GET /api/v1/groups?q=&limit=&cursor=`.
pub async fn groups(q: &str, page: &PageQuery) -> Result<GroupPage, ApiError> {
    client::get_with("/groups", &search_query(q, page)).await
}

/// `GET /api/v1/group-names?ids=`: the groups with these ids (at most 100), their id and name
/// only; ids that name no group are left out.
pub async fn group_names(ids: &[GroupId]) -> Result<Vec<GroupSummary>, ApiError> {
    client::get_with("/group-names", &[("ids", id_list(ids))]).await
}

/// `POST /api/v1/groups`.
pub async fn create_group(new_group: &NewGroup) -> Result<GroupView, ApiError> {
    client::write(Write::Post, "/groups", new_group).await
}

/// `GET /api/v1/groups/{id}`.
pub async fn group(id: GroupId) -> Result<GroupView, ApiError> {
    client::get(&format!("/groups/{id}"), None).await
}

/// `DELETE /api/v1/groups/{id}`.
pub async fn delete_group(id: GroupId) -> Result<(), ApiError> {
    client::delete(&format!("/groups/{id}")).await
}

fn link_path(id: GroupId, role: GroupRole) -> String {
    match role {
        GroupRole::Member => format!("/groups/{id}/members"),
        GroupRole::Owner => format!("/groups/{id}/owners"),
    }
}

/// `GET /api/v1/groups/{id}/members` or `/owners`.
pub async fn group_links(
    id: GroupId,
    role: GroupRole,
    page: &PageQuery,
) -> Result<MemberPage, ApiError> {
    client::get(&link_path(id, role), Some(page)).await
}

/// `PUT /api/v1/groups/{id}/members/{user_id}` or `/owners/{user_id}`.
pub async fn add_group_link(id: GroupId, role: GroupRole, user: UserId) -> Result<(), ApiError> {
    client::put_link(&format!("{}/{user}", link_path(id, role))).await
}

/// `DELETE /api/v1/groups/{id}/members/{user_id}` or `/owners/{user_id}`.
pub async fn remove_group_link(id: GroupId, role: GroupRole, user: UserId) -> Result<(), ApiError> {
    client::delete(&format!("{}/{user}", link_path(id, role))).await
}

/// `GET /api/v1/applications?q=&limit=&cursor=`.
pub async fn applications(q: &str, page: &PageQuery) -> Result<ApplicationPage, ApiError> {
    client::get_with("/applications", &search_query(q, page)).await
}

/// `POST /api/v1/applications`.
pub async fn create_application(new: &NewApplication) -> Result<ApplicationView, ApiError> {
    client::write(Write::Post, "/applications", new).await
}

/// `GET /api/v1/applications/{id}`.
pub async fn application(id: ApplicationId) -> Result<ApplicationView, ApiError> {
    client::get(&format!("/applications/{id}"), None).await
}

/// `DELETE /api/v1/applications/{id}`.
pub async fn delete_application(id: ApplicationId) -> Result<(), ApiError> {
    client::delete(&format!("/applications/{id}")).await
}

/// `GET /api/v1/applications/{id}/roles`.
pub async fn app_roles(id: ApplicationId, page: &PageQuery) -> Result<AppRolePage, ApiError> {
    client::get(&format!("/applications/{id}/roles"), Some(page)).await
}

/// `POST /api/v1/applications/{id}/roles`.
pub async fn create_app_role(id: ApplicationId, new: &NewAppRole) -> Result<AppRoleView, ApiError> {
    client::write(Write::Post, &format!("/applications/{id}/roles"), new).await
}

/// `DELETE /api/v1/applications/{id}/roles/{role_id}`.
pub async fn delete_app_role(id: ApplicationId, role: AppRoleId) -> Result<(), ApiError> {
    client::delete(&format!("/applications/{id}/roles/{role}")).await
}
