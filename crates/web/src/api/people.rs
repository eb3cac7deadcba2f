//! `/api/v1/people`: enabled people to pick, searchable by anyone signed in, and anyone named
//! by id.

use tessera_domain::UserId;
use tessera_domain::page::{PageQuery, PersonPage};
use tessera_domain::team::TeamPage;

use super::ApiError;
use super::client::{self, id_list, search_query};

/// `GET /api/v1/people?q=&limit=&cursor=`: people whose username, display name or e-mail
/// contains `q`, by username.
pub async fn search(q: &str, page: &PageQuery) -> Result<PersonPage, ApiError> {
    client::get_with("/people", &search_query(q, page)).await
}

/// `GET /api/v1/people?ids=`: the people with these ids (at most 100), disabled ones too; ids
/// that name nobody are left out.
pub async fn named(ids: &[UserId]) -> Result<PersonPage, ApiError> {
    client::get_with("/people", &[("ids", id_list(ids))]).await
}

/// `GET /api/v1/me/reports`: the caller's enabled direct reports, by name, in one page.
pub async fn my_reports() -> Result<PersonPage, ApiError> {
    client::get("/me/reports", None).await
}

/// `GET /api/v1/me/team?limit=&cursor=`: the caller's direct reports, by name, each with their
/// access, open requests and the reviews of them waiting for the caller.
pub async fn my_team(page: &PageQuery) -> Result<TeamPage, ApiError> {
    client::get("/me/team", Some(page)).await
}
