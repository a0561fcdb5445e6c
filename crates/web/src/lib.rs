//! Kasumi's web application: the only crate that knows HTTP.
//!
//! Start at [`router`]: it lists every route and the middleware stack. Each
//! request passes through [`context::context`], which resolves the session,
//! language and CSRF token into a [`context::Ctx`] that handlers take as an
//! argument; handlers return [`error::AppError`] for anything a person did
//! wrong, and the middleware turns it into a page in their language.

mod admin;
mod audit_pages;
pub mod auth;
mod catalog_pages;
pub mod catalogs;
pub mod context;
mod csp_pages;
pub mod error;
mod exercise_pages;
mod form;
mod host_pages;
pub mod i18n;
mod inbox_page;
mod lint_page;
mod metrics;
mod pages;
pub mod password;
mod path;
pub mod range_hub;
mod registration_pages;
pub mod registry;
mod registry_pages;
mod review_pages;
mod upload;
mod workflow;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use axum::routing::{get, post};
use base64::Engine;
use kasumi_core::{Clock, Micros};
use kasumi_store::{DynStore, ThrottlePolicy};
use sha2::{Digest, Sha256};
use tower_http::set_header::SetResponseHeaderLayer;

pub use metrics::Metrics;

#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Show the demo banner.
    pub demo: bool,
    /// Mark cookies `Secure` (set when Kasumi is served over HTTPS).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: Micros,
    /// A session ends this long after sign-in, however busy.
    pub session_max: Micros,
    pub throttle: ThrottlePolicy,
    /// Largest request body accepted (forms); larger ones get 413.
    pub max_body_bytes: usize,
    /// Largest uploaded file (audit evidence, application attachment); larger ones are refused, nothing stored.
    pub evidence_max_bytes: usize,
    /// How the committee's decisions number registrations (`C{YY}-{NNNN}-{n}` by default).
    pub registration_number: kasumi_lifecycle::registration::NumberFormat,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            demo: false,
            secure_cookies: false,
            session_idle: 2 * 3600 * 1_000_000,
            session_max: 12 * 3600 * 1_000_000,
            throttle: ThrottlePolicy::default(),
            max_body_bytes: 64 * 1024,
            evidence_max_bytes: 10 * 1024 * 1024,
            registration_number: Default::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<AppConfig>,
    pub metrics: Arc<Metrics>,
    pub catalogs: Arc<catalogs::CatalogCache>,
    pub ranges: Arc<range_hub::RangeHub>,
    pub registry_list: Arc<registry::ListCache>,
}

impl AppState {
    pub fn new(store: DynStore, clock: Arc<dyn Clock>, config: AppConfig) -> AppState {
        AppState {
            store,
            clock,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::new()),
            catalogs: Arc::new(catalogs::CatalogCache::default()),
            ranges: Arc::new(range_hub::RangeHub::default()),
            registry_list: Arc::new(registry::ListCache::default()),
        }
    }
}

/// Every route of the application with its middleware.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/", get(pages::home))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/lang", post(auth::switch_language))
        .route("/me", get(pages::me))
        .route(
            "/me/password",
            get(auth::password_form).post(auth::change_password),
        )
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/orgs", get(admin::orgs).post(admin::create_org))
        .route("/admin/audit", get(admin::audit))
        .route("/registry", get(registry_pages::index))
        .route("/registry.csv", get(registry_pages::csv))
        .route("/registry.xlsx", get(registry_pages::xlsx))
        .route("/registry/feed.atom", get(registry_pages::feed))
        .route("/registry/{number}", get(registry_pages::detail))
        .route("/api/v1/registry", get(registry_pages::api_list))
        .route("/api/v1/registry/{number}", get(registry_pages::api_detail))
        .route("/catalog", get(catalog_pages::index))
        .route(
            "/catalog/import",
            post(catalog_pages::import)
                .layer(DefaultBodyLimit::max(catalog_pages::MAX_UPLOAD_BYTES)),
        )
        .route("/catalog/template.xlsx", get(catalog_pages::template))
        .route("/catalog/diff", get(catalog_pages::diff))
        .route("/catalog/{ver}", get(catalog_pages::version))
        .route("/catalog/{ver}/export/{format}", get(catalog_pages::export))
        .route("/catalog/{ver}/items/{id}", get(catalog_pages::item))
        .route(
            "/catalog/{ver}/items/{id}/edit",
            get(catalog_pages::edit_form).post(catalog_pages::edit),
        )
        .route(
            "/exercises",
            get(exercise_pages::index).post(exercise_pages::create),
        )
        .route("/ismap/inbox", get(inbox_page::show))
        .route("/ismap/lint", get(lint_page::form).post(lint_page::check))
        .route(
            "/ismap/services",
            get(csp_pages::services).post(csp_pages::add_service),
        )
        .route("/ismap/services/{id}", get(csp_pages::service))
        .route(
            "/ismap/services/{id}/statements",
            post(csp_pages::add_statement),
        )
        .route(
            "/ismap/statements/{id}",
            get(csp_pages::statement).post(csp_pages::edit),
        )
        .route("/ismap/statements/{id}/submit", post(csp_pages::submit))
        .route(
            "/ismap/applications",
            get(review_pages::list)
                .post(review_pages::create)
                .layer(DefaultBodyLimit::max(
                    5 * state.config.evidence_max_bytes + upload::FORM_SLACK_BYTES,
                )),
        )
        .route("/ismap/applications/{id}", get(review_pages::detail))
        .route(
            "/ismap/applications/{id}/resubmit",
            // Up to five attachments, each at most `evidence_max_bytes`.
            post(review_pages::resubmit_files).layer(DefaultBodyLimit::max(
                5 * state.config.evidence_max_bytes + upload::FORM_SLACK_BYTES,
            )),
        )
        .route(
            "/ismap/applications/{id}/files/{sha256}",
            get(review_pages::attachment),
        )
        .route("/ismap/applications/{id}/{action}", post(review_pages::act))
        .route("/ismap/registrations", get(registration_pages::list))
        .route("/ismap/registrations/{id}", get(registration_pages::detail))
        .route(
            "/ismap/registrations/{id}/{action}",
            post(registration_pages::act),
        )
        .route(
            "/ismap/liu",
            get(registration_pages::liu).post(registration_pages::file_liu),
        )
        .route(
            "/ismap/statements/{id}/engage",
            get(audit_pages::engage_form).post(audit_pages::engage),
        )
        .route(
            "/ismap/firms",
            get(audit_pages::firms).post(audit_pages::add_firm),
        )
        .route("/ismap/firms/{id}/suspend", post(audit_pages::suspend))
        .route("/ismap/firms/{id}/relist", post(audit_pages::relist))
        .route("/ismap/firms/{id}/evaluations", post(audit_pages::evaluate))
        .route(
            "/ismap/firms/{id}/relationships",
            post(audit_pages::declare),
        )
        .route("/ismap/engagements", get(audit_pages::engagements))
        .route("/ismap/engagements/{id}", get(audit_pages::engagement))
        .route("/ismap/engagements/{id}/cancel", post(audit_pages::cancel))
        .route(
            "/ismap/engagements/{id}/results",
            // The evidence file plus the result's fields (a little room for them).
            post(audit_pages::record).layer(DefaultBodyLimit::max(
                state.config.evidence_max_bytes + upload::FORM_SLACK_BYTES,
            )),
        )
        .route(
            "/ismap/engagements/{id}/evidence/{sha256}",
            get(audit_pages::evidence),
        )
        .route(
            "/ismap/engagements/{id}/report",
            get(audit_pages::report).post(audit_pages::issue),
        )
        .route(
            "/ismap/engagements/{id}/assessment-results.json",
            get(audit_pages::assessment_results),
        )
        .route("/exercises/{id}", get(exercise_pages::detail))
        .route("/exercises/{id}/clock", post(exercise_pages::clock))
        .route("/exercises/{id}/debrief", get(exercise_pages::debrief_all))
        .route("/exercises/{id}/teams", post(exercise_pages::add_team))
        .route(
            "/exercises/{id}/messages",
            post(exercise_pages::send_message),
        )
        .route("/exercises/{id}/team", get(exercise_pages::my_team))
        .route(
            "/exercises/{id}/team/actions",
            post(exercise_pages::my_action),
        )
        .route(
            "/exercises/{id}/teams/{team}",
            get(exercise_pages::staff_team),
        )
        .route(
            "/exercises/{id}/teams/{team}/actions",
            post(exercise_pages::staff_action),
        )
        .route(
            "/exercises/{id}/team/hosts/{host}",
            get(host_pages::my_host),
        )
        .route(
            "/exercises/{id}/teams/{team}/hosts/{host}",
            get(host_pages::staff_host),
        )
        .route("/exercises/{id}/team/live", get(exercise_pages::my_live))
        .route("/exercises/{id}/team/logs", get(exercise_pages::my_logs))
        .route(
            "/exercises/{id}/team/logs.csv",
            get(exercise_pages::my_logs_csv),
        )
        .route(
            "/exercises/{id}/teams/{team}/logs",
            get(exercise_pages::staff_logs),
        )
        .route(
            "/exercises/{id}/teams/{team}/logs.csv",
            get(exercise_pages::staff_logs_csv),
        )
        .route(
            "/exercises/{id}/teams/{team}/live",
            get(exercise_pages::staff_live),
        )
        .route("/healthz", get(pages::healthz))
        .route("/metrics", get(metrics::export))
        .route("/static/kasumi.css", get(pages::stylesheet))
        .route("/static/kasumi.js", get(pages::script))
        .route_layer(middleware::from_fn(metrics::mark_route))
        .fallback(pages::not_found);

    let csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
               object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    routes
        .layer(middleware::from_fn_with_state(
            state.clone(),
            context::context,
        ))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cache-control"),
            HeaderValue::from_static("no-store"),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// 32 random bytes, base64url without padding (43 characters): session and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
