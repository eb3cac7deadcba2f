//! `/api/v1/me/notifications`: the signed-in person's inbox.

use tessera_domain::NotificationId;
use tessera_domain::notification::NotificationPage;
use tessera_domain::page::PageQuery;

use super::ApiError;
use super::client::{self, Write};

/// `GET /api/v1/me/notifications?limit=&cursor=`: newest first, with the unread count.
pub async fn list(page: &PageQuery) -> Result<NotificationPage, ApiError> {
    client::get("/me/notifications", Some(page)).await
}

/// `POST /api/v1/me/notifications/{id}/read`.
pub async fn mark_read(id: NotificationId) -> Result<(), ApiError> {
    client::write_no_content(Write::Post, &format!("/me/notifications/{id}/read"), &()).await
}

/// `POST /api/v1/me/notifications/read-all`.
pub async fn mark_all_read() -> Result<(), ApiError> {
    client::write_no_content(Write::Post, "/me/notifications/read-all", &()).await
}
