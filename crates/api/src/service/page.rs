//! Page size and cursor handling shared by list endpoints. Cursors are opaque to clients:
//! base64url of a tag of the list's path and the last sort key seen. The tag binds a cursor to
//! the list that handed it out: given to another list (a `/groups` cursor to `/users`, or one
//! catalog's packages cursor to another catalog's) it is refused naming `cursor`, instead of
//! answering a wrong page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use tessera_domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageQuery};

use crate::error::{ApiError, ApiResult};

tokio::task_local! {
    /// The path of the request being handled (set by `middleware::request_context`): the
    /// list its cursors belong to.
    pub static LIST_PATH: String;
}

pub struct PageRequest {
    pub limit: u32,
    pub after: Option<String>,
}

impl PageRequest {
    pub fn parse(query: &PageQuery) -> ApiResult<PageRequest> {
        let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(ApiError::BadRequest {
                field: Some("limit".into()),
                message: format!("must be between 1 and {MAX_PAGE_SIZE}"),
            });
        }
        let after = match &query.cursor {
            None => None,
            Some(cursor) => Some(decode_cursor(cursor)?),
        };
        Ok(PageRequest { limit, after })
    }

    /// The cursor of a list ordered by id (time-ordered UUIDv7): the last id seen, if any.
    pub fn after_id(&self) -> ApiResult<Option<uuid::Uuid>> {
        self.after
            .as_deref()
            .map(|after| uuid::Uuid::parse_str(after).map_err(|_| not_a_cursor()))
            .transpose()
    }

    /// How many rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch(&self) -> u32 {
        self.limit + 1
    }

    /// Cuts `rows` to the page and makes the next cursor from the last row kept.
    pub fn finish<R>(
        &self,
        mut rows: Vec<R>,
        key: impl Fn(&R) -> String,
    ) -> (Vec<R>, Option<String>) {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next = if more {
            rows.last().map(|row| encode_cursor(&key(row)))
        } else {
            None
        };
        (rows, next)
    }
}

/// The answer to a cursor this API did not hand out.
pub fn not_a_cursor() -> ApiError {
    ApiError::BadRequest {
        field: Some("cursor".into()),
        message: "is not a cursor this API handed out".into(),
    }
}

pub use tessera_domain::page::MAX_SEARCH_LEN;

/// A list's `q`: trimmed, `None` when empty, refused (naming `q`) when too long.
pub fn parse_search(q: Option<&str>) -> ApiResult<Option<&str>> {
    match q.map(str::trim) {
        Some(q) if q.chars().count() > MAX_SEARCH_LEN => Err(ApiError::BadRequest {
            field: Some("q".into()),
            message: format!("must be at most {MAX_SEARCH_LEN} characters"),
        }),
        Some("") | None => Ok(None),
        Some(q) => Ok(Some(q)),
    }
}

/// Eight hex digits of the SHA-256 of the list's path (empty outside a request).
fn list_tag() -> String {
    let path = LIST_PATH.try_with(Clone::clone).unwrap_or_default();
    hex::encode(&Sha256::digest(path.as_bytes())[..4])
}

fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{key}", list_tag()).as_bytes())
}

fn decode_cursor(cursor: &str) -> ApiResult<String> {
    if cursor.len() > 512 {
        return Err(not_a_cursor());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| not_a_cursor())?;
    let text = String::from_utf8(bytes).map_err(|_| not_a_cursor())?;
    let (tag, key) = text.split_once(':').ok_or_else(not_a_cursor)?;
    if key.is_empty() {
        return Err(not_a_cursor());
    }
    if tag != list_tag() {
        return Err(ApiError::BadRequest {
            field: Some("cursor".into()),
            message: "belongs to another list: pass the next_cursor this list handed out".into(),
        });
    }
    Ok(key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_the_range_are_refused() {
        for limit in [0, MAX_PAGE_SIZE + 1] {
            let query = PageQuery {
                limit: Some(limit),
                cursor: None,
            };
            assert!(PageRequest::parse(&query).is_err());
        }
    }

    #[test]
    fn a_page_with_more_rows_hands_out_a_cursor_that_decodes_to_its_last_key() {
        let request = PageRequest::parse(&PageQuery {
            limit: Some(2),
            cursor: None,
        });
        let Ok(request) = request else {
            panic!("limit 2 refused")
        };
        let (rows, next) = request.finish(vec!["a", "b", "c"], |r| r.to_string());
        assert_eq!(rows, vec!["a", "b"]);
        let again = PageRequest::parse(&PageQuery {
            limit: Some(2),
            cursor: next,
        });
        assert_eq!(again.ok().and_then(|r| r.after), Some("b".to_string()));
    }

    #[test]
    fn a_cursor_is_refused_by_another_list() {
        let request = PageRequest {
            limit: 1,
            after: None,
        };
        let next = LIST_PATH.sync_scope("/api/v1/groups".into(), || {
            request.finish(vec!["a", "b"], |r| r.to_string()).1
        });
        let query = PageQuery {
            limit: None,
            cursor: next,
        };
        let same = LIST_PATH.sync_scope("/api/v1/groups".into(), || PageRequest::parse(&query));
        assert_eq!(same.ok().and_then(|r| r.after), Some("a".to_string()));
        let other = LIST_PATH.sync_scope("/api/v1/users".into(), || PageRequest::parse(&query));
        let field = other
            .err()
            .and_then(|e| e.problem().errors.first().map(|e| e.field.clone()));
        assert_eq!(field.as_deref(), Some("cursor"));
    }

    #[test]
    fn the_last_page_has_no_cursor_and_garbage_cursors_are_refused() {
        let request = PageRequest {
            limit: 5,
            after: None,
        };
        assert_eq!(request.finish(vec![1, 2], |r| r.to_string()).1, None);
        let query = PageQuery {
            limit: None,
            cursor: Some("%%%".into()),
        };
        assert!(PageRequest::parse(&query).is_err());
    }
}
