//! What answers an `/api` request that no route took: 405 with `Allow` when the path is an
//! endpoint's and only the method is wrong, 404 `no_route` otherwise. The paths and methods
//! come from the OpenAPI document, which is generated from the registered routes, so this
//! table cannot drift from the router.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use utoipa::openapi::OpenApi as OpenApiDoc;

use crate::error::ApiError;

/// Every documented path, as segments (`{name}` matches any one segment), with its methods.
#[derive(Clone, Debug, Default)]
pub struct RouteTable(Arc<Vec<(Vec<String>, Vec<&'static str>)>>);

impl RouteTable {
    pub fn of(document: &OpenApiDoc) -> RouteTable {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                (segments(path).map(str::to_string).collect(), methods)
            })
            .collect();
        RouteTable(Arc::new(routes))
    }

    /// The methods the endpoint at `path` answers; empty when no endpoint has this path.
    pub fn methods_of(&self, path: &str) -> Vec<&'static str> {
        let wanted: Vec<&str> = segments(path).collect();
        let mut methods: Vec<&'static str> = self
            .0
            .iter()
            .filter(|(template, _)| {
                template.len() == wanted.len()
                    && template.iter().zip(&wanted).all(|(t, w)| {
                        (t.starts_with('{') && t.ends_with('}') && !w.is_empty()) || t == w
                    })
            })
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        methods.sort_by_key(|m| {
            ["GET", "POST", "PUT", "PATCH", "DELETE"]
                .iter()
                .position(|x| x == m)
        });
        methods.dedup();
        methods
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/').split('/').skip(1)
}

/// The handler for every `/api` path and method no route took.
pub async fn api_fallback(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    let allow = table.methods_of(req.path());
    if allow.is_empty() {
        ApiError::NoRoute.error_response()
    } else {
        ApiError::MethodNotAllowed {
            allow: allow.join(", "),
        }
        .error_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_path_lists_its_methods_and_an_unknown_one_none() {
        let table = RouteTable::of(&crate::openapi::document());
        assert_eq!(
            table.methods_of("/api/v1/groups/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
            vec!["GET", "PATCH", "DELETE"]
        );
        assert_eq!(table.methods_of("/api/v1/groups"), vec!["GET", "POST"]);
        assert_eq!(table.methods_of("/api/v1/assignments.csv"), vec!["GET"]);
        assert!(table.methods_of("/api/v1/nowhere").is_empty());
        assert!(table.methods_of("/api/v1/groups/x/y/z/w").is_empty());
    }
}
