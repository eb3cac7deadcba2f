//! Input extractors that answer bad input with a problem naming the field: JSON bodies (with a
//! size limit and unknown fields refused) and query strings.
//!
//! Control characters are refused here, once for every endpoint: in bodies (JSON strings and
//! keys, text bodies) by these extractors, in the path, the query and header values by
//! `middleware::screen_request`, which uses the same rule ([`find_control`]). A NUL byte never
//! reaches the database (PostgreSQL refuses it in text), nor any log line.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest body accepted, as app data; see `Settings::max_body_bytes`.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<BodyLimit>()
            .map_or(256 * 1024, |limit| limit.0);
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        let declared_too_large = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|len| len > limit);
        let mut payload = payload.take();
        Box::pin(async move {
            if declared_too_large {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| ApiError::BadRequest {
                    field: None,
                    message: "The request body could not be read.".into(),
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            parse_json(&body).map(Json)
        })
    }
}

/// A request body as bytes, with its media type (lowercased, without parameters), within the
/// body limit. For endpoints that accept more than JSON.
#[derive(Debug)]
pub struct RawBody {
    pub media_type: String,
    pub bytes: web::Bytes,
}

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<BodyLimit>()
            .map_or(256 * 1024, |limit| limit.0);
        let media_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| mime.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let mut payload = payload.take();
        Box::pin(async move {
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| ApiError::BadRequest {
                    field: None,
                    message: "The request body could not be read.".into(),
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            if media_type.starts_with("text/")
                && let Ok(text) = std::str::from_utf8(&body)
                && let Some(at) = text.find(|c| is_refused_control(c, true))
            {
                let line = text[..at].matches('\n').count() + 1;
                return Err(ApiError::invalid(
                    "body",
                    format!("must not contain control characters (line {line})"),
                ));
            }
            Ok(RawBody {
                media_type,
                bytes: body.freeze(),
            })
        })
    }
}

/// Whether `c` is a control character (Unicode Cc) refused in text input. Multi-line text
/// (bodies) may hold tabs and line breaks; single values (path, query, headers) may not.
pub fn is_refused_control(c: char, multiline: bool) -> bool {
    c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r'))
}

/// The path (as `a.b[0].c`) of the first string or key in `value` holding a refused control
/// character.
pub fn find_control(value: &serde_json::Value) -> Option<String> {
    fn walk(value: &serde_json::Value, path: &str) -> Option<String> {
        let refused = |text: &str| text.chars().any(|c| is_refused_control(c, true));
        match value {
            serde_json::Value::String(text) => refused(text).then(|| path.to_string()),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(index, item)| walk(item, &format!("{path}[{index}]"))),
            serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
                let join = |key: &str| {
                    if path.is_empty() {
                        key.to_string()
                    } else {
                        format!("{path}.{key}")
                    }
                };
                if refused(key) {
                    // Named with the control character escaped, never echoed raw.
                    Some(join(&key.escape_debug().to_string()))
                } else {
                    walk(item, &join(key))
                }
            }),
            serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {
                None
            }
        }
    }
    walk(value, "").map(|path| if path.is_empty() { "body".into() } else { path })
}

fn control_character_at(field: String) -> ApiError {
    ApiError::invalid(field, "must not contain control characters")
}

/// Parses a JSON body, naming the field at fault. Syntax errors are 400; a well-formed body
/// with wrong, missing or unknown fields, or with control characters in a string, is 422.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Screened as a plain JSON value first, so the rule holds for every body type alike.
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body)
        && let Some(field) = find_control(&value)
    {
        return Err(control_character_at(field));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let inner = err.inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return malformed(inner);
        }
        let (field, message) = describe(&err.path().to_string(), &inner.to_string());
        ApiError::invalid(field, message)
    })?;
    deserializer.end().map_err(|err| malformed(&err))?;
    Ok(value)
}

/// Reads an already parsed JSON value as a `T`, naming the field at fault like [`parse_json`].
pub fn parse_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if let Some(field) = find_control(&value) {
        return Err(control_character_at(field));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let (field, message) = describe(&err.path().to_string(), &err.inner().to_string());
        ApiError::invalid(field, message)
    })
}

fn malformed(err: &serde_json::Error) -> ApiError {
    ApiError::BadRequest {
        field: None,
        message: format!("The body is not valid JSON: {err}"),
    }
}

/// Turns serde's message into a field and a sentence. Unknown and missing fields are named by
/// serde inside the message, not in the path.
fn describe(path: &str, message: &str) -> (String, String) {
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_string();
    let quoted = message
        .split('`')
        .nth(1)
        .map(str::to_string)
        .unwrap_or_default();
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    if message.starts_with("unknown field") {
        // serde_path_to_error's path already ends with the unknown field.
        let field = if path.is_empty() || path == "." {
            quoted
        } else {
            path.to_string()
        };
        return (field, "is not a known field".into());
    }
    if message.starts_with("missing field") {
        return (join(&quoted), "is required".into());
    }
    let field = if path.is_empty() || path == "." {
        "body".to_string()
    } else {
        path.to_string()
    };
    (field, message)
}

/// A query string of type `T`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let (field, message) = describe(&err.path().to_string(), &err.inner().to_string());
        let field = if field == "body" {
            "query".into()
        } else {
            field
        };
        ApiError::BadRequest {
            field: Some(field),
            message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_domain::user::NewUser;

    fn field_of(err: ApiError) -> Vec<(String, String)> {
        err.problem()
            .errors
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn an_unknown_field_is_named() {
        let err = parse_json::<NewUser>(
            br#"{"username":"ada","display_name":"Ada","email":"a@b.org","colour":"red"}"#,
        )
        .err();
        assert_eq!(
            err.map(field_of),
            Some(vec![("colour".into(), "is not a known field".into())])
        );
    }

    #[test]
    fn a_missing_field_is_named() {
        let err = parse_json::<NewUser>(br#"{"username":"ada","display_name":"Ada"}"#).err();
        assert_eq!(
            err.map(field_of),
            Some(vec![("email".into(), "is required".into())])
        );
    }

    #[test]
    fn an_invalid_value_is_named_with_its_rule() {
        let err =
            parse_json::<NewUser>(br#"{"username":"a b","display_name":"Ada","email":"a@b.org"}"#)
                .err()
                .map(field_of)
                .unwrap_or_default();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].0, "username");
        assert!(err[0].1.contains("may only contain"), "{}", err[0].1);
    }

    #[test]
    fn control_characters_in_any_string_or_key_are_refused_naming_the_field() {
        let cases: [(&[u8], &str); 4] = [
            (
                br#"{"username":"admin\u0000","display_name":"A","email":"a@b.org"}"#,
                "username",
            ),
            (br#"{"a":[{"b":"x"},{"b":"\u001b[31m"}]}"#, "a[1].b"),
            (br#"{"k\u0007":1}"#, r"k\u{7}"),
            (br#""\u0085""#, "body"),
        ];
        for (body, field) in cases {
            let err = parse_json::<serde_json::Value>(body).err().map(field_of);
            assert_eq!(
                err,
                Some(vec![(
                    field.into(),
                    "must not contain control characters".into()
                )]),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(parse_json::<serde_json::Value>(br#"{"text":"two\nlines\tand\r\n"}"#).is_ok());
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        let err = parse_json::<NewUser>(b"{\"username\":").err();
        assert!(matches!(err, Some(ApiError::BadRequest { .. })));
    }

    #[test]
    fn a_bad_query_parameter_is_named() {
        let err = parse_query::<tessera_domain::page::PageQuery>("limit=abc").err();
        let problem = err.map(|e| e.problem());
        assert_eq!(
            problem.and_then(|p| p.errors.first().map(|e| e.field.clone())),
            Some("limit".into())
        );
    }
}
