//! Building and running the application. Tests use the same path as production:
//! `Application::build` with their own settings and port 0.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use utoipa::Modify;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::limiter::SignInLimiter;
use crate::auth::oidc::OidcProviders;
use crate::auth::password::{self, PasswordHashing};
use crate::auth::session_token::SessionKeys;
use crate::config::Settings;
use crate::error::ApiError;
use crate::extract::BodyLimit;
use crate::fallback::RouteTable;
use crate::metrics::Metrics;
use crate::openapi::{ApiDoc, Conventions};
use crate::state::AppState;
use crate::store::{Db, StoreError};
use crate::{middleware, routes, spa};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Database(#[source] StoreError),
    #[error("cannot apply migrations: {0}")]
    Migrations(#[source] StoreError),
    #[error("cannot set up the metrics: {0}")]
    Metrics(#[source] crate::metrics::MetricsError),
    #[error("cannot prepare OpenID Connect: {0}")]
    Oidc(#[source] crate::auth::oidc::ProviderError),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: String,
        #[source]
        source: std::io::Error,
    },
}

impl AppState {
    /// Connects, migrates and loads the signing keys: everything a command needs.
    pub async fn open(settings: Settings) -> Result<AppState, StartupError> {
        let db = Db::connect(&settings.database_url)
            .await
            .map_err(StartupError::Database)?;
        db.migrate().await.map_err(StartupError::Migrations)?;
        // Requests that waited for approval before migration 0025 get their decide-by moment.
        crate::store::requests::fill_decide_by(&db, |row| {
            crate::request_record::request_of(row)
                .ok()
                .and_then(|request| crate::request_record::decide_by(&request))
        })
        .await
        .map_err(StartupError::Database)?;
        let keys = SessionKeys::load_or_create(&db)
            .await
            .map_err(StartupError::Database)?;
        let limiter = SignInLimiter::new(&settings.sign_in_limit);
        let passwords = PasswordHashing::start(&settings.password_hashing);
        let decoy_hash = password::decoy_hash(&passwords).await;
        let oidc = OidcProviders::new(&settings).map_err(StartupError::Oidc)?;
        let metrics = Metrics::new(db.backend()).map_err(StartupError::Metrics)?;
        Ok(AppState {
            oidc,
            db,
            settings,
            keys,
            limiter,
            passwords,
            decoy_hash,
            metrics,
        })
    }
}

/// The OpenAPI document of every registered route, as served at `/api/openapi.json` and
/// printed by `tessera openapi`. Both come from the same registration, so they cannot differ.
pub fn api_document() -> OpenApiDoc {
    let (_, mut document) = App::new()
        .into_utoipa_app()
        .openapi(<ApiDoc as utoipa::OpenApi>::openapi())
        .configure(routes::configure)
        .split_for_parts();
    Conventions.modify(&mut document);
    document
}

pub struct Application {
    port: u16,
    server: Server,
    /// The server of `metrics.listen`, when set, and its port.
    metrics: Option<(u16, Server)>,
    state: web::Data<AppState>,
}

impl Application {
    pub async fn build(mut settings: Settings) -> Result<Application, StartupError> {
        let listener =
            TcpListener::bind(settings.listen).map_err(|source| StartupError::Listen {
                address: settings.listen.to_string(),
                source,
            })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Listen {
                address: settings.listen.to_string(),
                source,
            })?
            .port();
        // Listening on port 0 (tests): the default public URL names the port chosen, so that
        // links and the OpenID Connect callback reach this server.
        if settings.listen.port() == 0 {
            settings.listen.set_port(port);
        }
        // Bound before anything else starts, so that a taken address stops the start.
        let metrics_listener = match settings.metrics.listen {
            Some(address) => {
                Some(
                    TcpListener::bind(address).map_err(|source| StartupError::Listen {
                        address: address.to_string(),
                        source,
                    })?,
                )
            }
            None => None,
        };
        let state = AppState::open(settings).await?;
        let state = web::Data::new(state);
        let server = serve(listener, state.clone())?;
        let metrics = match metrics_listener {
            Some(listener) => Some(serve_metrics(listener, state.clone())?),
            None => None,
        };
        let interval = state.settings.jobs.interval_seconds;
        if interval > 0 {
            crate::jobs::spawn_scheduler(state.clone(), std::time::Duration::from_secs(interval));
            crate::jobs::spawn_webhook_worker(
                state.clone(),
                std::time::Duration::from_millis(state.settings.webhooks.poll_interval_ms),
            );
            crate::jobs::spawn_provisioning_worker(
                state.clone(),
                std::time::Duration::from_millis(state.settings.provisioning.poll_interval_ms),
            );
        }
        Ok(Application {
            port,
            server,
            metrics,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the metrics address (`metrics.listen`), when one is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Runs until SIGTERM or SIGINT, then finishes the requests in flight and stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.metrics {
            Some((_, metrics)) => tokio::try_join!(self.server, metrics).map(|_| ()),
            None => self.server.await,
        }
    }
}

/// The server of the metrics address: `/metrics` only, without authentication.
fn serve_metrics(
    listener: TcpListener,
    state: web::Data<AppState>,
) -> Result<(u16, Server), StartupError> {
    let local = listener.local_addr();
    let address = local.as_ref().map(|a| a.to_string()).unwrap_or_default();
    let port = local.map(|a| a.port()).unwrap_or_default();
    let server = HttpServer::new(move || {
        App::new().app_data(state.clone()).route(
            "/metrics",
            web::get().to(routes::metrics::get_metrics_on_metrics_address),
        )
    })
    .workers(1)
    .listen(listener)
    .map_err(|source| StartupError::Listen { address, source })?
    .shutdown_timeout(5)
    .run();
    Ok((port, server))
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> Result<Server, StartupError> {
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let body_limit = BodyLimit(state.settings.max_body_bytes);
    let web_dir = state.settings.web_dir.clone();
    let https = state.settings.public_url().scheme() == "https";
    let routes = web::Data::new(RouteTable::of(&api_document()));
    if !spa::index_path(&web_dir).exists() {
        tracing::warn!(web_dir = %web_dir.display(), "the web portal is not built; serving the API only");
    }
    let server = HttpServer::new(move || {
        App::new()
            .into_utoipa_app()
            .openapi(<ApiDoc as utoipa::OpenApi>::openapi())
            .configure(routes::configure)
            .openapi_service(|mut document| {
                Conventions.modify(&mut document);
                SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", document)
            })
            .into_app()
            .app_data(state.clone())
            .app_data(body_limit)
            .app_data(web::PathConfig::default().error_handler(|err, _| {
                ApiError::BadRequest {
                    field: Some("id".into()),
                    message: format!("is not a valid id ({err})"),
                }
                .into()
            }))
            .app_data(routes.clone())
            .service(routes::scim::scope())
            // After every API route, before the portal: `/api` paths no route took.
            .service(web::resource(["/api", "/api/{tail:.*}"]).to(crate::fallback::api_fallback))
            .service(spa::service(&web_dir))
            // Paths under `/api/v1` that no route took arrive here (the scope's fallback).
            .default_service(web::to(crate::fallback::api_fallback))
            .wrap(from_fn(middleware::no_store))
            .wrap(from_fn(middleware::screen_request))
            .wrap(Compress::default())
            .wrap(middleware::security_headers(https))
            .wrap(from_fn(middleware::record_metrics))
            .wrap(from_fn(middleware::request_context))
    })
    .listen(listener)
    .map_err(|source| StartupError::Listen { address, source })?
    .shutdown_timeout(20)
    .run();
    Ok(server)
}
