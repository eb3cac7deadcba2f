//! `/api/v1/directory/imports` (administrators only).

use tessera_domain::directory::ImportReport;

use super::ApiError;
use super::client;
use crate::import::ImportFormat;

/// `POST /api/v1/directory/imports` with the file's bytes, as JSON or CSV. Rows the server
/// refuses are in the report; only a file that cannot be read as a whole is an error.
pub async fn import(
    format: ImportFormat,
    file: &js_sys::Uint8Array,
) -> Result<ImportReport, ApiError> {
    client::post_body("/directory/imports", format.media_type(), file.into()).await
}
