//! Serves the built web app, with a history-API fallback: any path that is not a file, not an
//! asset name and not under `/api/` answers `index.html`, so deep links work.
//!
//! `scripts/build-web.sh` names every asset after a hash of its content
//! (`app-0123456789abcdef.css`) and stores a Brotli (`.br`) and a gzip (`.gz`) copy next to it.
//! Those copies are sent as they are when the browser accepts them, so nothing is compressed per
//! request, and a content-named asset is cached for a year without asking again: a new build has
//! new names. `index.html`, which names them, is revalidated on every load.

use std::path::{Component, Path, PathBuf};

use actix_files::NamedFile;
use actix_web::dev::{HttpServiceFactory, ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{self, CacheControl, CacheDirective, ContentEncoding, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::error::ApiError;

/// The page shown when the web app has not been built, so the API still works and the reason
/// is plain.
const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Tessera</title></head><body><h1>Tessera</h1><p>The web portal has not been built. \
Run <code>scripts/build-web.sh</code> and restart, or set <code>web_dir</code>. The API is at \
<a href=\"/api/docs/\">/api/docs/</a>.</p></body></html>";

/// How content-named assets may be cached: for a year, never revalidated.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub fn index_path(web_dir: &Path) -> PathBuf {
    web_dir.join("index.html")
}

pub fn service(web_dir: &Path) -> impl HttpServiceFactory + use<> {
    let web_dir = web_dir.to_path_buf();
    actix_web::web::resource("/{tail:.*}")
        .route(actix_web::web::get().to({
            let web_dir = web_dir.clone();
            move |req: HttpRequest| serve(req, web_dir.clone())
        }))
        .route(actix_web::web::head().to(move |req: HttpRequest| serve(req, web_dir.clone())))
        .default_service(fn_service(|req: ServiceRequest| async move {
            let (req, _) = req.into_parts();
            let response = if is_api(req.path()) {
                ApiError::NoRoute.error_response()
            } else {
                HttpResponse::MethodNotAllowed().finish()
            };
            Ok(ServiceResponse::new(req, response))
        }))
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api"
}

async fn serve(req: HttpRequest, web_dir: PathBuf) -> HttpResponse {
    let path = req.path().to_owned();
    if is_api(&path) {
        return ApiError::NoRoute.error_response();
    }
    if let Some(file) = asset_file(&web_dir, &path) {
        return send_asset(&req, &file, &path);
    }
    // A missing asset (a name with an extension) is a 404, not the portal: a broken deployment
    // should show as one.
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Not found");
    }
    let index = index_path(&web_dir);
    if index.is_file() {
        return send_asset(&req, &index, "/index.html");
    }
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .content_type("text/html; charset=utf-8")
        .body(NOT_BUILT)
}

/// The file under `web_dir` that `path` names, when there is one; never outside `web_dir` and
/// never a hidden file. `/` names `index.html`.
fn asset_file(web_dir: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    let mut file = web_dir.to_path_buf();
    for component in relative.components() {
        match component {
            Component::Normal(part) if !part.to_string_lossy().starts_with('.') => file.push(part),
            _ => return None,
        }
    }
    if file == web_dir {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

/// Sends `file`, or its precompressed copy when the browser takes it, with the caching its
/// name allows.
fn send_asset(req: &HttpRequest, file: &Path, path: &str) -> HttpResponse {
    let mime = actix_files::file_extension_to_mime(
        file.extension()
            .and_then(|extension| extension.to_str())
            .unwrap_or_default(),
    );
    let accepted = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let mut chosen = None;
    for (suffix, token, encoding) in [
        ("br", "br", ContentEncoding::Brotli),
        ("gz", "gzip", ContentEncoding::Gzip),
    ] {
        let copy = with_suffix(file, suffix);
        if accepts(accepted, token) && copy.is_file() {
            chosen = Some((copy, encoding));
            break;
        }
    }
    let opened = match &chosen {
        Some((copy, encoding)) => {
            NamedFile::open(copy).map(|named| named.set_content_encoding(*encoding))
        }
        None => NamedFile::open(file),
    };
    let named = match opened {
        // The type is the asset's, not the copy's (`.br`), and browsers show it rather than
        // save it, which the copy's name would otherwise ask for.
        Ok(named) => named
            .set_content_type(mime)
            .prefer_utf8(true)
            .disable_content_disposition(),
        Err(error) => {
            tracing::error!(%error, file = %file.display(), "a portal file could not be opened");
            return ApiError::Internal.error_response();
        }
    };
    let mut response = named.into_response(req);
    let headers = response.headers_mut();
    let cache = if is_content_named(path) {
        IMMUTABLE
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if with_suffix(file, "br").is_file() || with_suffix(file, "gz").is_file() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether an `Accept-Encoding` value takes `token` (and does not refuse it with `q=0`).
fn accepts(accept_encoding: &str, token: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let refused = parts.any(|parameter| {
            parameter
                .strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        name.eq_ignore_ascii_case(token) && !refused
    })
}

/// Whether the last part of `path` is named after its content: `<stem>-<16 hex digits>.<ext>`.
fn is_content_named(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _extension)) = name.split_once('.') else {
        return false;
    };
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() == 16 && hash.bytes().all(|byte| byte.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_with_a_content_hash_are_immutable() {
        assert!(is_content_named(
            "/pkg/tessera_web_bg-0123456789abcdef.wasm"
        ));
        assert!(is_content_named("/app-0123456789abcdef.css"));
        assert!(!is_content_named("/app.css"));
        assert!(!is_content_named("/index.html"));
        assert!(!is_content_named("/app-0123456789abcdeg.css"));
        assert!(!is_content_named("/app-0123456789abcde.css"));
    }

    #[test]
    fn an_encoding_refused_with_q_zero_is_not_accepted() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("br;q=0.5", "br"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("brotli", "br"));
    }

    #[test]
    fn paths_never_leave_the_portal_folder_or_name_hidden_files() {
        let web = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        std::fs::write(web.path().join("index.html"), "x").unwrap_or_default();
        std::fs::write(web.path().join(".secret"), "x").unwrap_or_default();
        assert!(asset_file(web.path(), "/").is_some());
        assert!(asset_file(web.path(), "/index.html").is_some());
        assert!(asset_file(web.path(), "/.secret").is_none());
        assert!(asset_file(web.path(), "/../etc/passwd").is_none());
        assert!(asset_file(web.path(), "/missing.js").is_none());
    }
}
