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
