//! Puts one backend mode, the static files and the cross-cutting layers (CORS, request ids,
//! request tracing) into the server's `Router`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tokio::sync::watch;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::{Config, Mode, MAAX_KEY_VAR, MAIAGENT_KEY_VAR};
use crate::guard::origin::LocalOrigins;
use crate::guard::{origin_refusal, Guard, GuardSettings};
use crate::secret::Secret;
use crate::upstream::Timeouts;
use crate::visitor::{SecretSource, VisitorKeys, SECRET_VAR};
use crate::{maax, mock, observe, proxy, static_files, uploads};

/// The whole server. `shutdown` turning true ends the mock's long-lived reply streams, so a
/// graceful shutdown does not wait on them; proxied and adapted replies are real and are left
/// to finish (main bounds how long). Fails on bad settings or a missing API key, with a
/// message that never quotes the key.
pub fn build(config: &Config, shutdown: watch::Receiver<bool>) -> Result<Router, String> {
    let enforce_tokens = config.mode != Mode::Mock || config.mock_visitor_tokens;
    let visitors = if enforce_tokens {
        let (keys, source) = VisitorKeys::load(config.visitor_secret_file.as_deref())?;
        if source == SecretSource::Generated {
            tracing::warn!(
                "no {SECRET_VAR} or --visitor-secret-file: visitor tokens use a random secret \
                 and end with a restart (visitors then start new conversations), and other \
                 instances will not accept them"
            );
        }
        Some(keys)
    } else {
        tracing::warn!("mock: visitor tokens off; any caller may use any conversation");
        None
    };
    let guard_settings = GuardSettings {
        visitors: visitors.clone(),
        ..GuardSettings::from_args(&config.guard)
    };
    // Uploads take the same layers as the mode's API: CORS for the mock, the guard (origins,
    // rate limit, CORS) in front of a real backend. Maax AI takes no files: refused there.
    // Proxy mode refuses them too until it knows its public URL (below).
    let settings = uploads::UploadSettings::from_args(&config.uploads, &config.guard);
    let uploads_origin_unset =
        settings.public_url.is_none() && settings.server_public_url.is_none();
    // In proxy mode an attachment's URL is fetched by MaiAgent: without a configured public
    // URL it would be built from (and checked against) the request's `Host`, which a caller
    // outside a browser chooses, pointing MaiAgent at any host. Uploads stay off until one
    // is set.
    let uploads_off = match config.mode {
        Mode::Maax => Some(uploads::MAAX_REFUSAL),
        Mode::Proxy if uploads_origin_unset => Some(uploads::UNCONFIGURED_REFUSAL),
        _ => None,
    };
    let (upload_state, upload_api) = match uploads_off {
        Some(refusal) => (None, uploads::refusing_api_router(refusal)),
        None => {
            let state = uploads::Uploads::new(settings, visitors.clone())?;
            uploads::expiry::spawn(state.clone(), shutdown.clone());
            (Some(state.clone()), uploads::api_router(state))
        }
    };
    let api = match config.mode {
        Mode::Mock => {
            let delay = Duration::from_millis(config.mock_delay_ms);
            let origins = Arc::new(LocalOrigins::parse(&config.guard.allowed_origins)?);
            mock::router(mock::MockState::new(delay, shutdown, visitors))
                .merge(upload_api)
                .layer(middleware::from_fn_with_state(
                    origins.clone(),
                    mock_origin_check,
                ))
                .layer(mock_cors(origins))
        }
        Mode::Proxy => {
            let guard = Guard::new(&guard_settings)?;
            let key = Secret::load(MAIAGENT_KEY_VAR, config.upstream.api_key_file.as_deref())?;
            let settings = proxy::ProxySettings {
                upstream_url: config.proxy.upstream_url.clone(),
                key,
                timeouts: Timeouts::from_args(&config.upstream),
                uploads: upload_state.clone(),
            };
            let state = proxy::ProxyState::new(settings, guard.clone())?;
            guard.log_posture();
            if uploads_origin_unset {
                tracing::warn!(
                    "proxy: uploads are off: set --public-url (this server's public origin) \
                     or --upload-public-url, so that the file URLs MaiAgent fetches come from \
                     the configuration rather than the request's Host"
                );
            }
            tracing::info!(upstream = %state.base(), "proxying to MaiAgent");
            proxy::router(state).merge(guard.apply(upload_api))
        }
        Mode::Maax => {
            let guard = Guard::new(&guard_settings)?;
            let key = Secret::load(MAAX_KEY_VAR, config.upstream.api_key_file.as_deref())?;
            let settings = maax::MaaxSettings::from_args(
                &config.maax,
                key,
                Timeouts::from_args(&config.upstream),
            )?;
            let state = maax::MaaxState::new(settings, guard.clone())?;
            guard.log_posture();
            tracing::info!(upstream = %state.base(), "adapting Maax AI");
            maax::router(state).merge(guard.apply(upload_api))
        }
    };
    let mut files = static_files::router(&config.static_dir, config.demo_page.as_deref());
    if let Some(state) = upload_state {
        files = uploads::files_router(state).merge(files);
    }
    Ok(outer_layers(api.merge(files.layer(cors()))))
}

/// Adds permissive CORS and the outer layers around a router (the mock's way).
pub fn with_layers(router: Router) -> Router {
    outer_layers(router.layer(cors()))
}

/// What every response of every mode gets: a request id, the request log, and
/// `X-Content-Type-Options: nosniff`, so that no answer (an upstream's text relayed in JSON,
/// a static file) is ever sniffed into HTML or script by a browser.
pub fn outer_layers(router: Router) -> Router {
    observe::layer(router.layer(SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    )))
}

/// Headers a browser may send: the API's own plus every `X-Mock-*` switch. Listed one by one
/// because a `*` wildcard does not cover `Authorization`.
pub const ALLOWED_HEADERS: &[&str] = &[
    "content-type",
    "authorization",
    "accept",
    "x-request-id",
    "x-visitor-token",
    "x-mock-format",
    "x-mock-chunking",
    "x-mock-seed",
    "x-mock-delay",
    "x-mock-length",
    "x-mock-fault",
    "x-mock-retry-after",
    "x-mock-fault-times",
    "x-mock-fault-key",
    "x-mock-fault-after",
];

/// The mock's API answers pages on this machine and the `--allowed-origins` given (`*` for
/// any): any other site a developer visits while `make demo` runs could otherwise drive it
/// through their browser, filling its memory and the uploads folder.
fn mock_cors(origins: Arc<LocalOrigins>) -> CorsLayer {
    cors().allow_origin(AllowOrigin::predicate(move |origin, _| {
        origins.allows(origin)
    }))
}

/// Refuses the mock's calls from other sites before they run: CORS only keeps the answer
/// from the page, and a form posted cross-site (no preflight) would still create
/// conversations or, with visitor tokens off, store messages and files. Preflights are
/// answered by the CORS layer outside this one.
async fn mock_origin_check(
    State(origins): State<Arc<LocalOrigins>>,
    req: Request,
    next: Next,
) -> Response {
    match req.headers().get(header::ORIGIN) {
        Some(origin) if !origins.allows(origin) => origin_refusal(origin),
        _ => next.run(req).await,
    }
}

/// Any origin may call: the widget's static files are public and loaded cross-origin (the
/// loader imports the wasm module from its own base URL).
pub fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(
            ALLOWED_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        )
        .expose_headers([header::RETRY_AFTER, observe::REQUEST_ID])
        .max_age(Duration::from_secs(600))
}
