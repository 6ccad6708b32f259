//! `GET /console/softphone` and `GET /console/softphone/{extension}`: what the console's
//! softphone panel needs to register an extension over SIP-over-WebSocket from the browser.
//!
//! The page's files hold no account: the panel asks for the list of extensions it may use, then
//! for the credentials of the one the operator picks, both behind the console's guard
//! ([`Console::protect`](super::Console::protect)), so only the holder of the `CONSOLE_TOKEN`
//! (or, without a token, only this machine) gets them. The answers are `Cache-Control:
//! no-store`.
//!
//! - The extensions are the `SIP_USERS` entries, narrowed by `SOFTPHONE_EXTENSIONS`
//!   (comma-separated extensions; unset: every entry; empty: none, the panel is off).
//! - The WebSocket address is `SIP_WEBSOCKET_URL` (or the one built from `SIP_SERVER` and
//!   `SIP_PORT` when `SIP_TRANSPORT` is `WS`/`WSS`); the password is the entry's WebSocket
//!   password when it has one ([`SipUser::password_for`]).
//! - The settings are read at each request, so a change saved from the settings page applies at
//!   the panel's next registration.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use yeastar_core::config::{SipConfig, SipUser};

use super::SettingsStore;
use crate::ConfigError;

/// Most extensions `SOFTPHONE_EXTENSIONS` may name: as many as `SIP_USERS` may hold.
pub const MAX_SOFTPHONE_EXTENSIONS: usize = yeastar_core::config::MAX_SIP_USERS;

/// The softphone routes over a service's settings.
#[derive(Debug, Clone)]
pub struct Softphone {
    store: Arc<SettingsStore>,
    /// `None`: every `SIP_USERS` entry.
    allowed: Option<Arc<[String]>>,
}

impl Softphone {
    /// The softphone over `store`, with the extensions `SOFTPHONE_EXTENSIONS` allows.
    pub fn from_env(store: Arc<SettingsStore>) -> Result<Softphone, ConfigError> {
        let allowed = std::env::var("SOFTPHONE_EXTENSIONS").ok();
        Softphone::new(store, allowed.as_deref())
    }

    /// The softphone over `store`; `allowed` is the comma-separated list of extensions it may
    /// register (`None`: every `SIP_USERS` entry; empty: none).
    pub fn new(store: Arc<SettingsStore>, allowed: Option<&str>) -> Result<Softphone, ConfigError> {
        let allowed = match allowed {
            None => None,
            Some(list) => {
                let entries: Vec<String> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(String::from)
                    .collect();
                if entries.len() > MAX_SOFTPHONE_EXTENSIONS {
                    return Err(ConfigError {
                        variable: "SOFTPHONE_EXTENSIONS",
                        reason: format!(
                            "{} entries; at most {MAX_SOFTPHONE_EXTENSIONS}",
                            entries.len()
                        ),
                    });
                }
                if let Some(bad) = entries
                    .iter()
                    .find(|e| e.contains(|c: char| c.is_whitespace() || c == '@' || c == ':'))
                {
                    return Err(ConfigError {
                        variable: "SOFTPHONE_EXTENSIONS",
                        reason: format!("{bad:?} is not an extension (e.g. 1001,1002)"),
                    });
                }
                Some(entries.into())
            }
        };
        Ok(Softphone { store, allowed })
    }

    fn allows(&self, extension: &str) -> bool {
        self.allowed
            .as_ref()
            .is_none_or(|list| list.iter().any(|e| e == extension))
    }

    /// The SIP settings and the accounts the panel may use, or why it cannot be used.
    fn accounts(&self) -> Result<(SipConfig, String, Vec<SipUser>), &'static str> {
        let Some(sip) = self.store.config().sip else {
            return Err(
                "No SIP account is set up for the softphone: add the operators' extensions to \
                 SIP_USERS and the PBX's WebSocket address to SIP_WEBSOCKET_URL in the settings.",
            );
        };
        let Some(url) = sip.websocket_url.clone() else {
            return Err(
                "The PBX's WebSocket address is not set: fill in SIP_WEBSOCKET_URL \
                 (wss://pbx:8089/ws) in the settings.",
            );
        };
        let users: Vec<SipUser> = sip
            .users
            .iter()
            .filter(|u| self.allows(&u.extension))
            .cloned()
            .collect();
        if users.is_empty() {
            return Err(
                "No extension is allowed for the softphone: SOFTPHONE_EXTENSIONS names none of \
                 the SIP_USERS.",
            );
        }
        Ok((sip, url, users))
    }

    /// `GET /console/softphone` and `GET /console/softphone/{extension}`. Mount them behind
    /// the console's guard.
    pub fn routes<S>(self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        Router::new()
            .route("/console/softphone", get(list))
            .route("/console/softphone/{extension}", get(account))
            .with_state(self)
    }
}

/// The SIP domain of the accounts: the registrar's host, else the WebSocket URL's host.
fn sip_domain(sip: &SipConfig, url: &str) -> String {
    if let Some(server) = &sip.server {
        return server.clone();
    }
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")),
        None => authority.split(':').next().map(String::from),
    };
    host.unwrap_or_default()
}

fn private(body: Value) -> Response {
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn list(State(softphone): State<Softphone>) -> Response {
    match softphone.accounts() {
        Ok((_, url, users)) => private(json!({
            "available": true,
            "websocket_url": url,
            "extensions": users
                .iter()
                .map(|u| json!({"extension": u.extension, "display_name": u.display_name}))
                .collect::<Vec<_>>(),
        })),
        Err(reason) => private(json!({"available": false, "reason": reason})),
    }
}

async fn account(State(softphone): State<Softphone>, Path(extension): Path<String>) -> Response {
    let (sip, url, users) = match softphone.accounts() {
        Ok(found) => found,
        Err(reason) => {
            return (
                StatusCode::NOT_FOUND,
                Json(json!({"error": "softphone unavailable", "reason_text": reason})),
            )
                .into_response();
        }
    };
    let Some(user) = users.iter().find(|u| u.extension == extension) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({
                "error": "no such extension for the softphone",
                "reason_text": "this extension is not among those the console may use",
            })),
        )
            .into_response();
    };
    let domain = sip_domain(&sip, &url);
    private(json!({
        "extension": user.extension,
        "display_name": user.display_name,
        "auth_user": user.auth_user,
        "password": user.password_for(sip.transport).expose(),
        "uri": format!("sip:{}@{domain}", user.extension),
        "websocket_url": url,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sip(server: Option<&str>) -> SipConfig {
        let mut raw = yeastar_core::config::RawSettings::default();
        raw.sip.server = server.map(String::from);
        raw.sip.websocket_url = Some("wss://[::1]:8089/ws".into());
        raw.sip.users = Some(vec![SipUser::parse("1004:p:1004:Desk:wsp").unwrap()]);
        raw.resolve().unwrap().sip.unwrap()
    }

    fn store(users: &str) -> Arc<SettingsStore> {
        let mut raw = yeastar_core::config::RawSettings::default();
        raw.sip.websocket_url = Some("wss://pbx.example:8089/ws".into());
        raw.sip.users = Some(
            users
                .split(',')
                .map(|u| SipUser::parse(u).unwrap())
                .collect(),
        );
        Arc::new(SettingsStore::load(raw, None, &[]).unwrap())
    }

    fn extensions(softphone: &Softphone) -> Result<Vec<String>, &'static str> {
        softphone
            .accounts()
            .map(|(_, _, users)| users.into_iter().map(|u| u.extension).collect())
    }

    #[test]
    fn the_allowed_list_narrows_the_sip_users() {
        let users = "1001:a:1001:One,1002:b:1002:Two:bws,1003:c:1003:Three";
        let all = Softphone::new(store(users), None).unwrap();
        assert_eq!(extensions(&all).unwrap(), ["1001", "1002", "1003"]);
        let some = Softphone::new(store(users), Some(" 1003 , 1002,9999,")).unwrap();
        assert_eq!(extensions(&some).unwrap(), ["1002", "1003"]);
        let none = Softphone::new(store(users), Some("")).unwrap();
        assert!(
            extensions(&none)
                .unwrap_err()
                .contains("SOFTPHONE_EXTENSIONS")
        );
        let e = Softphone::new(store(users), Some("1001,10 02")).unwrap_err();
        assert_eq!(e.variable, "SOFTPHONE_EXTENSIONS");
        let many = vec!["1"; MAX_SOFTPHONE_EXTENSIONS + 1].join(",");
        assert!(Softphone::new(store(users), Some(&many)).is_err());
    }

    #[test]
    fn without_a_websocket_address_or_sip_users_it_says_what_to_set() {
        let empty = Arc::new(
            SettingsStore::load(yeastar_core::config::RawSettings::default(), None, &[]).unwrap(),
        );
        let softphone = Softphone::new(empty, None).unwrap();
        assert!(extensions(&softphone).unwrap_err().contains("SIP_USERS"));
        let mut raw = yeastar_core::config::RawSettings::default();
        raw.sip.server = Some("pbx.example".into());
        raw.sip.users = Some(vec![SipUser::parse("1001:a:1001:One").unwrap()]);
        let native = Arc::new(SettingsStore::load(raw, None, &[]).unwrap());
        let softphone = Softphone::new(native, None).unwrap();
        assert!(
            extensions(&softphone)
                .unwrap_err()
                .contains("SIP_WEBSOCKET_URL")
        );
    }

    #[test]
    fn the_domain_is_the_server_or_the_websocket_host() {
        assert_eq!(
            sip_domain(&sip(Some("pbx.example")), "wss://x:1/ws"),
            "pbx.example"
        );
        let s = sip(None);
        assert_eq!(sip_domain(&s, "wss://[::1]:8089/ws"), "[::1]");
        assert_eq!(sip_domain(&s, "wss://127.0.0.2:8089/ws"), "127.0.0.2");
        assert_eq!(sip_domain(&s, "wss://pbx.example/ws"), "pbx.example");
    }
}
