//! `/api/v1/users` (administrators only).

use tessera_domain::UserId;
use tessera_domain::page::{PageQuery, UserPage};
use tessera_domain::user::{NewUser, SetPassword, UserChanges, UserView};

use super::ApiError;
use super::client::{self, Write};

/// `GET /api/v1/users?limit=&cursor=`.
pub async fn list(page: &PageQuery) -> Result<UserPage, ApiError> {
    client::get("/users", Some(page)).await
}

/// `GET /api/v1/users/{id}`: with the user's identity links.
pub async fn get(id: UserId) -> Result<UserView, ApiError> {
    client::get(&format!("/users/{id}"), None).await
}

/// `POST /api/v1/users`.
pub async fn create(new_user: &NewUser) -> Result<UserView, ApiError> {
    client::write(Write::Post, "/users", new_user).await
}

/// `PATCH /api/v1/users/{id}`.
pub async fn update(id: UserId, changes: &UserChanges) -> Result<UserView, ApiError> {
    client::write(Write::Patch, &format!("/users/{id}"), changes).await
}

/// `PUT /api/v1/users/{id}/password`: ends the person's sessions.
pub async fn set_password(id: UserId, password: &SetPassword) -> Result<(), ApiError> {
    client::write_no_content(Write::Put, &format!("/users/{id}/password"), password).await
}

/// `DELETE /api/v1/users/{id}/identity-links/{provider_id}`: the person no longer signs in
/// through that provider account until it is linked again.
pub async fn unlink_identity(id: UserId, provider_id: &str) -> Result<(), ApiError> {
    let provider = crate::routes::encode_component(provider_id);
    client::delete(&format!("/users/{id}/identity-links/{provider}")).await
}
