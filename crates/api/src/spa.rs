//! Serves the built web app, with a history-API fallback: any path that is not a file, not an
//! asset name and not under `/api/` answers `index.html`, so deep links work.

use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpResponse, ResponseError};

use crate::error::ApiError;

/// The page shown when the web app has not been built, so the API still works and the reason
/// is plain.
const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Tessera</title></head><body><h1>Tessera</h1><p>The web portal has not been built. \
Run <code>scripts/build-web.sh</code> and restart, or set <code>web_dir</code>. The API is at \
<a href=\"/api/docs/\">/api/docs/</a>.</p></body></html>";

pub fn index_path(web_dir: &Path) -> PathBuf {
    web_dir.join("index.html")
}

pub fn service(web_dir: &Path) -> Files {
    let index = index_path(web_dir);
    Files::new("/", web_dir)
        .index_file("index.html")
        .prefer_utf8(true)
        .use_etag(true)
        .use_last_modified(true)
        .default_handler(fn_service(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                if req.path().starts_with("/api/") || req.path() == "/api" {
                    let response = ApiError::NoRoute.error_response();
                    return Ok(ServiceResponse::new(req, response));
                }
                // A missing asset (a name with an extension) is a 404, not the portal: a
                // broken deployment should show as one.
                let last = req.path().rsplit('/').next().unwrap_or_default();
                if last.contains('.') {
                    let response = HttpResponse::NotFound()
                        .content_type("text/plain; charset=utf-8")
                        .body("Not found");
                    return Ok(ServiceResponse::new(req, response));
                }
                let response = match NamedFile::open(&index) {
                    Ok(file) => {
                        let mut response = file.into_response(&req);
                        response.headers_mut().insert(
                            header::CACHE_CONTROL,
                            header::HeaderValue::from_static("no-cache"),
                        );
                        response
                    }
                    Err(_) => HttpResponse::Ok()
                        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
                        .content_type("text/html; charset=utf-8")
                        .body(NOT_BUILT),
                };
                Ok(ServiceResponse::new(req, response))
            }
        }))
}
