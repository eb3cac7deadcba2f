//! The OpenAPI document, generated from the routes themselves: `utoipa-actix-web` collects
//! each path where it is registered, so the document cannot drift from the router.

use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::PROBLEM_JSON;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera",
        description = "Identity governance: access packages, requests and approvals, access \
reviews.\n\nAuthenticate scripts with `Authorization: Bearer <API token>` (create one in the \
portal under API tokens, or with `tessera token create`). Browser sessions use the HttpOnly \
`tessera_session` cookie; their unsafe requests must echo the `tessera_csrf` cookie in the \
`X-CSRF-Token` header.\n\nErrors are RFC 9457 `application/problem+json`. Lists are paged with \
`limit` and `cursor`, answered with `next_cursor`.",
        license(name = "Apache-2.0"),
    ),
    tags(
        (name = "session", description = "Signing in and out; who is calling"),
        (name = "users", description = "People and service accounts"),
        (name = "tokens", description = "API tokens for scripts and integrations"),
        (name = "catalogs", description = "Catalogs, their delegated roles and resources"),
        (name = "access packages", description = "Bundles of resource roles that people request"),
        (name = "policies", description = "Who may request a package, approval, questions, lifecycle"),
        (name = "groups", description = "Groups, their members and owners"),
        (name = "applications", description = "Applications, their app roles and assignees"),
        (name = "directory", description = "Bulk import of users, groups, memberships and applications"),
        (name = "assignments", description = "Who holds which access package, direct assignment and removal, separation-of-duties reports"),
        (name = "my access", description = "What the caller may request, holds, and needs to act on"),
        (name = "requests", description = "Asking for access, approvals, cancellation and request history"),
        (name = "access reviews", description = "Recurring reviews of who holds access, with recommendations, stages and applied results"),
        (name = "audit", description = "The trail of administrative changes"),
        (name = "connectors", description = "Connected systems (LDAP, SCIM) that granted and removed access is pushed to, their bindings, and each assignment's delivery status"),
        (name = "webhooks", description = "Signed HTTP deliveries of Tessera's events to subscribed URLs, with delivery logs and replay"),
        (name = "custom extensions", description = "Endpoints a policy calls when a request is created or approved or an assignment granted or removed; the callback a waiting request resumes with"),
        (name = "notifications", description = "What people are told: approvals waiting, decisions, access delivered and ending"),
        (name = "operations", description = "Probes for orchestrators"),
    ),
)]
pub struct ApiDoc;

/// Applied after the routes are collected. Adds the security schemes, makes them the default, and gives every operation a `default`
/// problem response, so that any status the server can answer is described.
pub struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tsr_ API token")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("tessera_session"))),
        );
        components.add_security_scheme(
            "csrf_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The value of the `tessera_csrf` cookie, echoed on every unsafe request (POST, \
                 PUT, PATCH, DELETE) made with the session cookie. Not needed with a bearer token.",
            ))),
        );
        components.add_security_scheme(
            "callback_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("the one-time callback_token of a custom extension call")
                    .build(),
            ),
        );
        let none = Vec::<String>::new;
        openapi.security = Some(vec![
            SecurityRequirement::new("bearer_token", none()),
            SecurityRequirement::new("session_cookie", none()),
        ]);
        // Unsafe operations authenticated by the cookie also need the CSRF header.
        let unsafe_security = vec![
            SecurityRequirement::new("bearer_token", none()),
            SecurityRequirement::new("session_cookie", none()).add("csrf_token", none()),
        ];
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                if operation.security.is_none() {
                    operation.security = Some(unsafe_security.clone());
                }
            }
        }

        let problem = ResponseBuilder::new()
            .description("A problem: see `code` and `errors`")
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "Problem",
                    ))))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                operation
                    .responses
                    .responses
                    .entry("default".into())
                    .or_insert_with(|| RefOr::T(problem.clone()));
            }
        }
    }
}

/// The whole document, as served at `/api/openapi.json` and printed by `tessera openapi`.
pub fn document() -> OpenApiDoc {
    crate::startup::api_document()
}
