//! `/api/v1/tokens`: the caller's own API tokens.

use tessera_domain::TokenId;
use tessera_domain::page::{PageQuery, TokenPage};
use tessera_domain::token::{CreatedToken, NewToken};

use super::ApiError;
use super::client::{self, Write};

/// `GET /api/v1/tokens?limit=&cursor=`.
pub async fn list(page: &PageQuery) -> Result<TokenPage, ApiError> {
    client::get("/tokens", Some(page)).await
}

/// `POST /api/v1/tokens`: the only answer that carries the secret.
pub async fn create(new_token: &NewToken) -> Result<CreatedToken, ApiError> {
    client::write(Write::Post, "/tokens", new_token).await
}

/// `DELETE /api/v1/tokens/{id}`.
pub async fn revoke(id: TokenId) -> Result<(), ApiError> {
    client::delete(&format!("/tokens/{id}")).await
}
