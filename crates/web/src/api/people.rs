//! `/api/v1/people`: enabled people to pick, searchable by anyone signed in.

use tessera_domain::page::{PageQuery, PersonPage};

use super::ApiError;
use super::client::{self, search_query};

/// `GET /api/v1/people?q=&limit=&cursor=`: people whose username, display name or e-mail
/// contains `q`, by username.
pub async fn search(q: &str, page: &PageQuery) -> Result<PersonPage, ApiError> {
    client::get_with("/people", &search_query(q, page)).await
}
