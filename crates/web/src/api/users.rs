//! `/api/v1/users` (administrators only).

use tessera_domain::UserId;
use tessera_domain::page::{PageQuery, UserPage};
use tessera_domain::user::{NewUser, UserChanges, UserView};

use super::ApiError;
use super::client::{self, Write};

/// `GET /api/v1/users?limit=&cursor=`.
pub async fn list(page: &PageQuery) -> Result<UserPage, ApiError> {
    client::get("/users", Some(page)).await
}

/// `POST /api/v1/users`.
pub async fn create(new_user: &NewUser) -> Result<UserView, ApiError> {
    client::write(Write::Post, "/users", &new_user_body(new_user)?).await
}

/// `PATCH /api/v1/users/{id}`.
pub async fn update(id: UserId, changes: &UserChanges) -> Result<UserView, ApiError> {
    client::write(Write::Patch, &format!("/users/{id}"), changes).await
}

/// `NewUser` skips its password when serialized (so that a logged or echoed `NewUser` never
/// carries one), but the request must carry it: add it back to the JSON object here.
fn new_user_body(new_user: &NewUser) -> Result<serde_json::Value, ApiError> {
    let mut body = serde_json::to_value(new_user).map_err(|e| ApiError::Network(e.to_string()))?;
    if let (Some(object), Some(password)) = (body.as_object_mut(), &new_user.password) {
        object.insert("password".into(), password.expose().into());
    }
    Ok(body)
}
