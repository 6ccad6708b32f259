//! The web console of the reference services: one page (HTML, CSS and JavaScript embedded in the
//! binary, no build step, no framework) showing live calls, extensions, an event feed, call
//! history, click-to-call and hang-up, the PBX settings with save-and-restart, and the
//! operator's softphone (SIP over WebSocket and WebRTC audio by the vendored JsSIP; see
//! `docs/softphone.md`). It installs as an app (web manifest, a service worker for the shell).
//!
//! # What a service provides
//!
//! The page talks to these routes; the console module serves the first four, the service the
//! rest (it may leave out what it cannot do and say so in [`ConsoleInfo`]):
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /`, `GET /console/app.js`, `GET /console/app.css`, `GET /console/softphone.js`, `GET /console/vendor/*`, `GET /console/icon.svg`, `GET /manifest.webmanifest`, `GET /sw.js` | [`Console::router`] | the page and its app shell (no data, no token needed) |
//! | `GET /console/info` | [`Console::router`] | [`ConsoleInfo`]: the service's name and features |
//! | `GET /events` | [`Console::router`] | Server-Sent Events: what the service gives [`EventHub::publish_line`] |
//! | `GET /settings`, `PUT /settings` | [`settings::routes`] | the settings, over a [`SettingsStore`] and the service's [`SettingsTarget`] |
//! | `GET /console/softphone`, `GET /console/softphone/{extension}` | [`Softphone::routes`] | the extensions the softphone may register, then one's WebSocket account |
//! | `GET /health` | service | `connected`, `last_error`, `login_refused`, `pbx` |
//! | `GET /calls`, `POST /calls`, `DELETE /calls/{id}` | service | active calls (the [`Call`](yeastar_ami::calls::Call) JSON), click-to-call (`{"from","to"}`; errors as `{"error","reason","reason_text"}`), hang-up |
//! | `GET /calls/history?since=&until=&extension=&number=&limit=&offset=` | service | completed calls ([`CompletedCall`](yeastar_ami::calls::CompletedCall) JSON) |
//! | `GET /extensions` | service | `[{"extension","status","registered"}]` |
//! | `GET /recordings/{name}` | service, when [`ConsoleInfo::recordings`] | a recording's audio |
//!
//! The service publishes on the hub every JSON line it prints (`call`, `extension`,
//! `registration`), `{"type":"connection","connected":…,"last_error":…,"login_refused":…}`
//! whenever its PBX connection changes, and `{"type":"completed","call_id":…}` when a call's
//! history record is stored (the page then reloads its history).
//!
//! # Mounting it
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use axum::{Router, routing::get};
//! use yeastar_examples::console::{Access, Console, ConsoleInfo, Section};
//! # async fn health() -> &'static str { "ok" }
//! # async fn calls() -> &'static str { "[]" }
//! # fn demo(addr: std::net::SocketAddr) -> Result<(), yeastar_examples::ConfigError> {
//! let access = Access::from_env(addr)?; // CONSOLE_TOKEN; refuses to run open off loopback
//! let mut info = ConsoleInfo::new("pjsip-service");
//! info.sections = vec![Section::Sip];
//! info.recordings = true;
//! let console = Console::new(info, access);
//! let api: Router = Router::new().route("/calls", get(calls)); // + settings::routes(...)
//! let app: Router = Router::new()
//!     .route("/health", get(health))
//!     .merge(console.protect(api))
//!     .merge(console.router());
//! console.hub().publish_line(r#"{"type":"call","event":"ringing"}"#);
//! # Ok(()) }
//! ```
//!
//! Before a graceful shutdown call [`EventHub::close`]: open event streams would otherwise keep
//! the server waiting.

mod access;
mod events;
pub mod settings;
mod softphone;

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

pub use access::{Access, MAX_TOKEN_LEN, MIN_TOKEN_LEN, guard};
pub use events::{EVENT_BUFFER, EventHub, KEEP_ALIVE, MAX_EVENT_STREAMS};
pub use settings::{FieldError, Section, SettingsStore, SettingsTarget};
pub use softphone::{MAX_SOFTPHONE_EXTENSIONS, Softphone};

/// What the page needs to know about the service behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ConsoleInfo {
    /// The service's name, shown in the page's title (`yeastar-service`).
    pub service: String,
    /// Its version.
    pub version: String,
    /// The settings sections it uses (the others are shown as not used by it).
    pub sections: Vec<Section>,
    /// `GET /recordings/{name}` serves the `recording` of history records.
    pub recordings: bool,
    /// `POST /calls` places calls.
    pub click_to_call: bool,
    /// `DELETE /calls/{id}` hangs calls up.
    pub hangup: bool,
    /// `GET /settings` and `PUT /settings` exist.
    pub settings: bool,
    /// Requests need the `CONSOLE_TOKEN`.
    pub token_required: bool,
}

impl ConsoleInfo {
    /// A service with click-to-call, hang-up and settings, no recordings and no section used.
    pub fn new(service: &str) -> ConsoleInfo {
        ConsoleInfo {
            service: service.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            sections: Vec::new(),
            recordings: false,
            click_to_call: true,
            hangup: true,
            settings: true,
            token_required: false,
        }
    }
}

/// The console of one service: its page, its event hub and its access rule. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Console {
    info: Arc<ConsoleInfo>,
    hub: EventHub,
    access: Access,
}

impl Console {
    /// The console of the service `info` describes, guarded by `access`.
    pub fn new(mut info: ConsoleInfo, access: Access) -> Console {
        info.token_required = access.token_required();
        Console {
            info: Arc::new(info),
            hub: EventHub::new(),
            access,
        }
    }

    /// Where the service publishes its JSON lines.
    pub fn hub(&self) -> &EventHub {
        &self.hub
    }

    /// The access rule.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// What the page is told about the service.
    pub fn info(&self) -> &ConsoleInfo {
        &self.info
    }

    /// `api` with every route behind the access rule (token, or loopback host names).
    pub fn protect<S>(&self, api: Router<S>) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        api.route_layer(axum::middleware::from_fn_with_state(
            self.access.clone(),
            guard,
        ))
    }

    /// The page's assets (open: they hold no data) and, behind the access rule,
    /// `GET /console/info` and `GET /events`.
    pub fn router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let guarded = Router::new()
            .route("/console/info", get(info))
            .route("/events", get(events::events))
            .with_state(self.clone());
        self.protect(guarded)
            .route("/", get(|| asset(INDEX_HTML, "text/html; charset=utf-8")))
            .route(
                "/console/app.js",
                get(|| asset(APP_JS, "text/javascript; charset=utf-8")),
            )
            .route(
                "/console/app.css",
                get(|| asset(APP_CSS, "text/css; charset=utf-8")),
            )
            .route(
                "/console/softphone.js",
                get(|| asset(SOFTPHONE_JS, "text/javascript; charset=utf-8")),
            )
            .route(
                "/console/vendor/jssip.min.js",
                get(|| asset(JSSIP_JS, "text/javascript; charset=utf-8")),
            )
            .route(
                "/console/vendor/LICENSES.txt",
                get(|| asset(VENDOR_LICENSES, "text/plain; charset=utf-8")),
            )
            .route(
                "/console/icon.svg",
                get(|| asset(ICON_SVG, "image/svg+xml")),
            )
            .route(
                "/manifest.webmanifest",
                get(|| asset(MANIFEST, "application/manifest+json")),
            )
            .route(
                "/sw.js",
                get(|| asset(SERVICE_WORKER, "text/javascript; charset=utf-8")),
            )
    }
}

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");
const SOFTPHONE_JS: &str = include_str!("assets/softphone.js");
/// JsSIP, rebuilt by `scripts/refresh-vendor.sh`.
const JSSIP_JS: &str = include_str!("assets/vendor/jssip.min.js");
const VENDOR_LICENSES: &str = include_str!("assets/vendor/LICENSES.txt");
const ICON_SVG: &str = include_str!("assets/icon.svg");
const MANIFEST: &str = include_str!("assets/manifest.webmanifest");
const SERVICE_WORKER: &str = include_str!("assets/sw.js");

/// Only the page's own files and requests: no inline script, no other origin, except the
/// softphone's WebSocket to the PBX (its address is a setting, so any `ws:`/`wss:` one).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self' ws: wss:; img-src 'self' data:; media-src 'self' blob:; \
     manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

async fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // A new binary serves new files: the browser asks again each time (they are small).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn info(axum::extract::State(console): axum::extract::State<Console>) -> Json<ConsoleInfo> {
    Json((*console.info).clone())
}
