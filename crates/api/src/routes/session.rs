use actix_web::{HttpRequest, HttpResponse, delete, post, web};
use tessera_domain::identity::SignedOut;
use tessera_domain::problem::Problem;
use tessera_domain::user::{Me, SignIn};

use crate::auth::Actor;
use crate::auth::actor::{cleared_cookies, csrf_cookie, session_cookie};
use crate::error::ApiResult;
use crate::extract::Json;
use crate::service;
use crate::state::AppState;

/// Signs in with a username and password. Sets the HttpOnly session cookie and the
/// `tessera_csrf` cookie, whose value later unsafe requests send as `X-CSRF-Token`.
#[utoipa::path(
    operation_id = "sign_in",
    tag = "session",
    security(()),
    request_body = SignIn,
    responses(
        (status = 200, description = "Signed in; cookies set", body = Me),
        (status = 401, description = "Wrong username or password, or the account cannot sign in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Input out of bounds", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being checked at once; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/session")]
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    input: Json<SignIn>,
) -> ApiResult<HttpResponse> {
    // The socket's address, not X-Forwarded-For, which any client can write.
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let signed_in = service::session::sign_in(&state, &address, input.0).await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state, signed_in.session_token))
        .cookie(csrf_cookie(&state, signed_in.csrf))
        .json(signed_in.me))
}

/// Signs out: ends the session on the server and clears its cookies. A session that came from
/// a provider supporting RP-initiated logout answers 200 with the URL where the browser ends
/// the provider's session too.
#[utoipa::path(
    operation_id = "sign_out",
    tag = "session",
    responses(
        (status = 200, description = "Signed out here; go to `provider_sign_out_url` to sign out at the provider", body = SignedOut),
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing or wrong X-CSRF-Token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/session")]
pub async fn sign_out(state: web::Data<AppState>, actor: Actor) -> ApiResult<HttpResponse> {
    let provider_sign_out_url = service::session::sign_out(&state, &actor).await?;
    let mut response = match provider_sign_out_url {
        Some(_) => HttpResponse::Ok(),
        None => HttpResponse::NoContent(),
    };
    for cookie in cleared_cookies(&state) {
        response.cookie(cookie);
    }
    Ok(match provider_sign_out_url {
        Some(url) => response.json(SignedOut {
            provider_sign_out_url: url,
        }),
        None => response.finish(),
    })
}
