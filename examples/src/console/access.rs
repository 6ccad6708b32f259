//! Who may use the API behind the console: the holder of a bearer token (`CONSOLE_TOKEN`), or,
//! without one, only this machine.
//!
//! The token travels in the `Authorization: Bearer …` header, never in a cookie, so another site
//! open in the same browser cannot make requests that carry it (no CSRF). Without a token the
//! service listens on loopback only and checks the `Host` header, so a page that rebinds its own
//! name to 127.0.0.1 (DNS rebinding) is refused too. In both modes a state-changing request from
//! another origin (`Origin` differs from `Host`) is refused.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::ConfigError;

/// Shortest accepted `CONSOLE_TOKEN`: 16 characters (a random 16-character token is out of
/// reach of guessing over HTTP).
pub const MIN_TOKEN_LEN: usize = 16;

/// Longest accepted `CONSOLE_TOKEN`: 1024 bytes (it travels in a header).
pub const MAX_TOKEN_LEN: usize = 1024;

/// The access rule of a service's API.
#[derive(Clone)]
pub struct Access {
    token: Option<Arc<str>>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("token", &self.token.as_ref().map(|_| "********"))
            .finish()
    }
}

impl Access {
    /// The rule for a service listening on `addr` from `CONSOLE_TOKEN`: with a token, every
    /// request must carry it; without one, `addr` must be a loopback address.
    pub fn from_env(addr: SocketAddr) -> Result<Access, ConfigError> {
        Access::new(std::env::var("CONSOLE_TOKEN").ok(), addr)
    }

    /// The rule for `token` (empty counts as unset) on `addr`.
    pub fn new(token: Option<String>, addr: SocketAddr) -> Result<Access, ConfigError> {
        let token = token
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        match token {
            Some(t) if t.len() < MIN_TOKEN_LEN || t.len() > MAX_TOKEN_LEN => Err(ConfigError {
                variable: "CONSOLE_TOKEN",
                reason: format!(
                    "must be {MIN_TOKEN_LEN} to {MAX_TOKEN_LEN} characters (a random string, \
                     e.g. `openssl rand -hex 16`)"
                ),
            }),
            Some(t) if !t.bytes().all(|b| b.is_ascii_graphic()) => Err(ConfigError {
                variable: "CONSOLE_TOKEN",
                reason: "must be printable ASCII without spaces (it travels in a header)".into(),
            }),
            Some(t) => Ok(Access {
                token: Some(t.into()),
            }),
            None if addr.ip().is_loopback() => Ok(Access { token: None }),
            None => Err(ConfigError {
                variable: "CONSOLE_TOKEN",
                reason: format!(
                    "is required when HTTP_ADDR ({addr}) is not a loopback address: the console \
                     and the API would be open to the network"
                ),
            }),
        }
    }

    /// True when requests must carry the token.
    pub fn token_required(&self) -> bool {
        self.token.is_some()
    }

    /// Why `headers` may not pass, or `None` when they may.
    fn refusal(&self, method: &Method, headers: &HeaderMap) -> Option<Response> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if let Some(token) = &self.token {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|h| h.to_str().ok())
                .and_then(|h| h.strip_prefix("Bearer "))
                .map(str::trim);
            if !given.is_some_and(|g| same_bytes(g.as_bytes(), token.as_bytes())) {
                let mut response = refuse(
                    StatusCode::UNAUTHORIZED,
                    "missing or wrong token: send the CONSOLE_TOKEN as `Authorization: Bearer <token>`",
                );
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
                return Some(response);
            }
        } else if !is_loopback_host(host) {
            return Some(refuse(
                StatusCode::FORBIDDEN,
                "without CONSOLE_TOKEN only loopback host names (127.0.0.1, localhost, [::1]) are served",
            ));
        }
        let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if changes_state
            && let Some(origin) = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok())
            && origin_authority(origin) != Some(host)
        {
            return Some(refuse(
                StatusCode::FORBIDDEN,
                "cross-origin request refused",
            ));
        }
        None
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Compares without stopping at the first difference, so the time taken does not tell how much
/// of a guess was right.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `127.0.0.1:8080`, `localhost`, `[::1]:80`, any of 127.0.0.0/8.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `http://127.0.0.1:8080` → `127.0.0.1:8080`.
fn origin_authority(origin: &str) -> Option<&str> {
    origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
}

/// The middleware: answers 401/403 instead of running the route when the rule says no.
pub async fn guard(State(access): State<Access>, request: Request, next: Next) -> Response {
    match access.refusal(request.method(), request.headers()) {
        Some(refusal) => refusal,
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_token_is_required_off_loopback_and_must_be_long() {
        let e = Access::new(None, addr("0.0.0.0:8080")).unwrap_err();
        assert_eq!(e.variable, "CONSOLE_TOKEN");
        assert!(e.reason.contains("0.0.0.0:8080"), "{e}");
        let e = Access::new(Some("short".into()), addr("127.0.0.1:8080")).unwrap_err();
        assert_eq!(e.variable, "CONSOLE_TOKEN");
        assert!(
            !Access::new(Some("  ".into()), addr("127.0.0.1:1"))
                .unwrap()
                .token_required()
        );
        let a = Access::new(Some("0123456789abcdef".into()), addr("0.0.0.0:1")).unwrap();
        assert!(a.token_required());
        assert!(!format!("{a:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn token_mode_checks_the_bearer_header() {
        let a = Access::new(Some("0123456789abcdef".into()), addr("0.0.0.0:1")).unwrap();
        let ok = headers(&[
            ("host", "pbx.example:8080"),
            ("authorization", "Bearer 0123456789abcdef"),
        ]);
        assert!(a.refusal(&Method::GET, &ok).is_none());
        let wrong = headers(&[("authorization", "Bearer 0123456789abcdeX")]);
        let r = a.refusal(&Method::GET, &wrong).unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(a.refusal(&Method::GET, &headers(&[])).is_some());
        // A cookie is not a token.
        let cookie = headers(&[("cookie", "token=0123456789abcdef")]);
        assert!(a.refusal(&Method::GET, &cookie).is_some());
    }

    #[test]
    fn loopback_mode_checks_host_and_origin() {
        let a = Access::new(None, addr("127.0.0.1:8080")).unwrap();
        for host in [
            "127.0.0.1:8080",
            "localhost:8080",
            "[::1]:8080",
            "127.0.0.2",
            "LOCALHOST",
        ] {
            assert!(
                a.refusal(&Method::GET, &headers(&[("host", host)]))
                    .is_none(),
                "{host}"
            );
        }
        let rebound = headers(&[("host", "evil.example:8080")]);
        assert_eq!(
            a.refusal(&Method::GET, &rebound).unwrap().status(),
            StatusCode::FORBIDDEN
        );
        let same = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert!(a.refusal(&Method::POST, &same).is_none());
        let cross = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://evil.example"),
        ]);
        assert!(a.refusal(&Method::POST, &cross).is_some());
        assert!(a.refusal(&Method::GET, &cross).is_none());
    }
}
