//! HTTP handlers: one module per resource, one function per action. A handler extracts typed
//! input, obtains an authorization proof, calls one service function and maps the result.

pub mod health;
pub mod me;
pub mod session;
pub mod tokens;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every route that the OpenAPI document describes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(utoipa_actix_web::scope::scope("/api/v1").configure(configure_api));
    configure_probes(cfg);
}

/// Registers every `/api/v1` route together with its OpenAPI description.
fn configure_api(cfg: &mut ServiceConfig) {
    cfg.service(session::sign_in)
        .service(session::sign_out)
        .service(me::get_me)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::list_user_tokens)
        .service(users::create_user_token)
        .service(tokens::list_tokens)
        .service(tokens::create_token)
        .service(tokens::revoke_token);
}

/// Registers the operational probes, outside `/api/v1`.
fn configure_probes(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz);
}
