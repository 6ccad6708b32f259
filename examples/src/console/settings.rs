//! `GET /settings` and `PUT /settings`: the PBX settings of a service, shown masked, changed from
//! the console, saved to `SETTINGS_FILE` and applied by restarting the affected connection.
//!
//! - The settings are [`RawSettings`]: the environment's variables with the file's values over
//!   them ([`PbxConfig::load`]). `GET` shows them with every secret replaced by
//!   [`MASK`](yeastar_core::config::MASK), where each value came from (`environment`, `file`,
//!   `default`) and which sections the service uses.
//! - `PUT` takes the same shape back. Masked secrets keep the stored ones
//!   ([`RawSettings::unmasked_from`]). The update is checked like the environment is (ports
//!   1-65535, `SIP_USERS` entries, [`RawSettings::resolve`]), then by the service
//!   ([`SettingsTarget::prepare`]); a refusal is `422 {"error", "field", "entry", "reason"}`
//!   naming the variable (`YEASTAR_PORT`) and, for `SIP_USERS`, the 1-based entry.
//! - What differs from the environment is written to `SETTINGS_FILE` (TOML, mode 0600 on Unix)
//!   through a temporary file in the same directory and a rename, so a failed write never
//!   damages the previous file; then the service swaps its connections
//!   ([`SettingsTarget::commit`]) without stopping its HTTP server.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};
use yeastar_core::config::{
    DEFAULT_AMI_PORT, DEFAULT_AMI_TLS_PORT, DEFAULT_CONTEXT, DEFAULT_RTP_PORT_MAX,
    DEFAULT_RTP_PORT_MIN, LoadedConfig, PbxConfig, RawSettings, SipTransport,
};

use crate::ConfigError;

/// Largest `PUT /settings` body: 256 KiB (the most `SIP_USERS` entries, with room to spare).
pub const MAX_SETTINGS_BODY: usize = 256 * 1024;

/// Largest settings file read at start: 1 MiB.
pub const MAX_SETTINGS_FILE: u64 = 1024 * 1024;

/// A part of the settings a service may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Section {
    /// `[ami]`, the `YEASTAR_*` variables.
    Ami,
    /// `[sip]`, the `SIP_*` and `RTP_*` variables.
    Sip,
}

/// A refused settings update, naming the variable at fault when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldError {
    /// The variable (`YEASTAR_PORT`), when one is at fault.
    pub field: Option<&'static str>,
    /// The 1-based entry of a list variable (`SIP_USERS`).
    pub entry: Option<usize>,
    /// What is wrong.
    pub reason: String,
    /// The HTTP status: 422 for a refused value, 500 when saving failed.
    pub status: StatusCode,
}

impl FieldError {
    /// A refused value of `field`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> FieldError {
        FieldError {
            field: Some(field),
            entry: None,
            reason: reason.into(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// A refused entry of a list variable.
    pub fn entry(field: &'static str, entry: usize, reason: impl Into<String>) -> FieldError {
        FieldError {
            entry: Some(entry),
            ..FieldError::new(field, reason)
        }
    }

    /// A refusal that names no variable.
    pub fn general(reason: impl Into<String>) -> FieldError {
        FieldError {
            field: None,
            entry: None,
            reason: reason.into(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn message(&self) -> String {
        match (self.field, self.entry) {
            (Some(f), Some(n)) => format!("{f} entry {n}: {}", self.reason),
            (Some(f), None) => format!("{f}: {}", self.reason),
            _ => self.reason.clone(),
        }
    }
}

impl From<yeastar_core::config::ConfigError> for FieldError {
    fn from(e: yeastar_core::config::ConfigError) -> FieldError {
        FieldError {
            field: Some(e.setting),
            entry: e.entry,
            reason: e.reason,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl IntoResponse for FieldError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": self.message(),
            "field": self.field,
            "entry": self.entry,
            "reason": self.reason,
        });
        (self.status, Json(body)).into_response()
    }
}

/// What a service does with accepted settings. The store calls [`prepare`](Self::prepare)
/// before saving, then [`commit`](Self::commit) once the file is written, or
/// [`abort`](Self::abort) when it could not be.
pub trait SettingsTarget: Send + Sync + 'static {
    /// New connections, started but not yet in use.
    type Prepared: Send + 'static;

    /// Checks what only the service knows (which sections it needs, whether a TLS CA file
    /// loads) and starts whatever `next` changes; an error names the field.
    fn prepare(&self, current: &PbxConfig, next: &PbxConfig) -> Result<Self::Prepared, FieldError>;

    /// Puts the prepared connections in use and closes the old ones; returns the sections
    /// restarted.
    fn commit(&self, prepared: Self::Prepared) -> impl Future<Output = Vec<Section>> + Send;

    /// Drops the prepared connections (the file could not be written).
    fn abort(&self, prepared: Self::Prepared) -> impl Future<Output = ()> + Send;
}

struct StoreState {
    env: RawSettings,
    loaded: LoadedConfig,
}

/// The settings of a running service: the environment's, the file's over them, and where the
/// file is.
pub struct SettingsStore {
    path: Option<PathBuf>,
    sections: Vec<Section>,
    state: Mutex<StoreState>,
    /// One update at a time, from check to commit.
    updating: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for SettingsStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettingsStore")
            .field("path", &self.path)
            .field("sections", &self.sections)
            .finish_non_exhaustive()
    }
}

fn config_error(e: yeastar_core::config::ConfigError) -> ConfigError {
    ConfigError {
        variable: e.setting,
        reason: match e.entry {
            Some(n) => format!("entry {n}: {}", e.reason),
            None => e.reason,
        },
    }
}

impl SettingsStore {
    /// Reads the environment and the file `SETTINGS_FILE` names (a missing file is created at
    /// the first save); `sections` are those the service uses.
    pub fn from_env(sections: &[Section]) -> Result<SettingsStore, ConfigError> {
        let env = RawSettings::from_env().map_err(config_error)?;
        let path = std::env::var_os("SETTINGS_FILE")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        SettingsStore::load(env, path, sections)
    }

    /// The settings of `env` with the file at `path` (if any) over them.
    pub fn load(
        env: RawSettings,
        path: Option<PathBuf>,
        sections: &[Section],
    ) -> Result<SettingsStore, ConfigError> {
        let file = match &path {
            Some(path) => read_settings_file(path)?,
            None => None,
        };
        if let Some(file) = &file {
            check_values(file).map_err(|e| ConfigError {
                variable: "SETTINGS_FILE",
                reason: e.message(),
            })?;
        }
        check_values(&env).map_err(|e| ConfigError {
            variable: e.field.unwrap_or("SETTINGS"),
            reason: e.reason,
        })?;
        let loaded = PbxConfig::load(&env, file.as_ref()).map_err(config_error)?;
        Ok(SettingsStore {
            path,
            sections: sections.to_vec(),
            state: Mutex::new(StoreState { env, loaded }),
            updating: tokio::sync::Mutex::new(()),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> PbxConfig {
        self.state
            .lock()
            .map(|s| s.loaded.config.clone())
            .unwrap_or_default()
    }

    /// The file settings are saved to, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// What `GET /settings` answers: secrets masked.
    pub fn view(&self) -> Value {
        let Ok(state) = self.state.lock() else {
            return Value::Null;
        };
        let loaded = &state.loaded;
        json!({
            "settings": loaded.settings.masked(),
            "sources": loaded.sources,
            "sections": self.sections,
            "settings_file": self.path.as_ref().map(|p| p.display().to_string()),
            "defaults": {
                "YEASTAR_PORT": DEFAULT_AMI_PORT,
                "YEASTAR_TLS_PORT": DEFAULT_AMI_TLS_PORT,
                "YEASTAR_CONTEXT": DEFAULT_CONTEXT,
                "SIP_PORT": {
                    "UDP": SipTransport::Udp.default_port(),
                    "TCP": SipTransport::Tcp.default_port(),
                    "TLS": SipTransport::Tls.default_port(),
                    "WS": SipTransport::Ws.default_port(),
                    "WSS": SipTransport::Wss.default_port(),
                },
                "RTP_PORT_MIN": DEFAULT_RTP_PORT_MIN,
                "RTP_PORT_MAX": DEFAULT_RTP_PORT_MAX,
            },
        })
    }

    /// Checks an update (`PUT /settings` body), saves it and has `target` apply it.
    pub async fn update<T: SettingsTarget>(
        &self,
        target: &T,
        body: &[u8],
    ) -> Result<Value, FieldError> {
        let _one_at_a_time = self.updating.lock().await;
        let mut value: Value = serde_json::from_slice(body)
            .map_err(|e| FieldError::general(format!("the body is not JSON: {e}")))?;
        normalise(&mut value)?;
        let update: RawSettings = serde_json::from_value(value)
            .map_err(|e| FieldError::general(format!("unexpected settings: {e}")))?;
        let (env, current) = {
            let state = self.state.lock().map_err(|_| poisoned())?;
            (state.env.clone(), state.loaded.clone())
        };
        let update = update.unmasked_from(&current.settings);
        check_values(&update)?;
        let file = overrides(&env, &update)?;
        let loaded = PbxConfig::load(&env, Some(&file))?;
        let prepared = target.prepare(&current.config, &loaded.config)?;
        if let Some(path) = &self.path
            && let Err(e) = write_atomically(path, &file.to_toml())
        {
            target.abort(prepared).await;
            return Err(FieldError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                ..FieldError::new(
                    "SETTINGS_FILE",
                    format!("cannot write {}: {e}", path.display()),
                )
            });
        }
        let restarted = target.commit(prepared).await;
        if let Ok(mut state) = self.state.lock() {
            state.loaded = loaded;
        }
        let mut view = self.view();
        if let Some(map) = view.as_object_mut() {
            map.insert("restarted".into(), json!(restarted));
            map.insert("persisted".into(), json!(self.path.is_some()));
            if self.path.is_none() {
                map.insert(
                    "warning".into(),
                    json!("SETTINGS_FILE is not set: the change lasts until the service restarts"),
                );
            }
        }
        Ok(view)
    }
}

fn poisoned() -> FieldError {
    FieldError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        ..FieldError::general("settings unavailable")
    }
}

fn read_settings_file(path: &Path) -> Result<Option<RawSettings>, ConfigError> {
    let error = |reason: String| ConfigError {
        variable: "SETTINGS_FILE",
        reason: format!("{}: {reason}", path.display()),
    };
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(error(e.to_string())),
    };
    if metadata.len() > MAX_SETTINGS_FILE {
        return Err(error(format!(
            "{} bytes; at most {MAX_SETTINGS_FILE}",
            metadata.len()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    RawSettings::from_toml(&text)
        .map(Some)
        .map_err(|e| error(e.reason))
}

/// The JSON keys of ports and the variables they stand for.
const PORTS: [(&str, &str, &str); 4] = [
    ("ami", "port", "YEASTAR_PORT"),
    ("sip", "port", "SIP_PORT"),
    ("sip", "rtp_port_min", "RTP_PORT_MIN"),
    ("sip", "rtp_port_max", "RTP_PORT_MAX"),
];

/// Reads a form's JSON as the environment is read: strings trimmed, empty ones unset, ports
/// given as numbers or digits and checked with the variable's name, transports in any case.
fn normalise(body: &mut Value) -> Result<(), FieldError> {
    let Some(root) = body.as_object_mut() else {
        return Err(FieldError::general("the body must be a JSON object"));
    };
    for section in ["ami", "sip"] {
        let Some(table) = root.get_mut(section).and_then(Value::as_object_mut) else {
            continue;
        };
        for (key, value) in table.iter_mut() {
            if key == "users" {
                continue;
            }
            if let Value::String(s) = value {
                let trimmed = s.trim();
                *value = if trimmed.is_empty() {
                    Value::Null
                } else {
                    Value::String(trimmed.to_string())
                };
            }
        }
        for (_, key, variable) in PORTS.iter().filter(|(s, _, _)| *s == section) {
            let Some(value) = table.get_mut(*key) else {
                continue;
            };
            let port = match &*value {
                Value::Null => continue,
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.parse::<u64>().ok(),
                _ => None,
            };
            match port {
                Some(p @ 1..=65535) => *value = Value::from(p),
                _ => {
                    return Err(FieldError::new(
                        variable,
                        format!("{value} is not a port (1-65535)"),
                    ));
                }
            }
        }
        if let Some(t) = table.get_mut("transport")
            && let Value::String(s) = t
        {
            let upper = s.to_ascii_uppercase();
            if !matches!(upper.as_str(), "UDP" | "TCP" | "TLS" | "WS" | "WSS") {
                return Err(FieldError::new(
                    "SIP_TRANSPORT",
                    format!("{s:?} is not one of UDP, TCP, TLS, WS, WSS"),
                ));
            }
            *s = upper;
        }
        if let Some(users) = table.get_mut("users").and_then(Value::as_array_mut) {
            for user in users.iter_mut().filter_map(Value::as_object_mut) {
                for key in ["extension", "auth_user", "display_name"] {
                    if let Some(Value::String(s)) = user.get_mut(key) {
                        *s = s.trim().to_string();
                    }
                }
                if user
                    .get("ws_password")
                    .is_some_and(|w| w.as_str().is_some_and(str::is_empty))
                {
                    user.insert("ws_password".into(), Value::Null);
                }
                let extension = user.get("extension").cloned();
                if user
                    .get("auth_user")
                    .is_none_or(|a| a.as_str().is_none_or(str::is_empty))
                    && let Some(extension) = extension
                {
                    user.insert("auth_user".into(), extension);
                }
                user.entry("display_name").or_insert(Value::from(""));
            }
        }
    }
    Ok(())
}

/// The checks the environment reader makes that [`RawSettings::resolve`] does not repeat for
/// values that come from a file or a form.
fn check_values(settings: &RawSettings) -> Result<(), FieldError> {
    let ports = [
        (settings.ami.port, "YEASTAR_PORT"),
        (settings.sip.port, "SIP_PORT"),
        (settings.sip.rtp_port_min, "RTP_PORT_MIN"),
        (settings.sip.rtp_port_max, "RTP_PORT_MAX"),
    ];
    if let Some((_, name)) = ports.iter().find(|(p, _)| *p == Some(0)) {
        return Err(FieldError::new(name, "0 is not a port (1-65535)"));
    }
    if settings.ami.password.as_ref().is_some_and(|p| p.is_mask()) {
        return Err(FieldError::new(
            "YEASTAR_PASSWORD",
            "no password is stored yet: type it",
        ));
    }
    for (i, user) in settings.sip.users.iter().flatten().enumerate() {
        let entry = |reason: &str| FieldError::entry("SIP_USERS", i + 1, reason);
        let ext = &user.extension;
        if ext.is_empty() {
            return Err(entry("the extension is required"));
        }
        if ext.contains(|c: char| c.is_whitespace() || "@:,".contains(c)) {
            return Err(entry(&format!(
                "extension {ext:?} must be a plain number or name"
            )));
        }
        if user.password.is_empty() {
            return Err(entry("the password is required"));
        }
        if user.password.is_mask() {
            return Err(entry(&format!(
                "no password is stored for extension {ext}: type it"
            )));
        }
    }
    Ok(())
}

/// What the file must hold so that the environment with the file over it gives `update`:
/// every value that differs from the environment's. A value the environment sets cannot be
/// unset by the file (the file only overrides), so clearing one is refused by name.
fn overrides(env: &RawSettings, update: &RawSettings) -> Result<RawSettings, FieldError> {
    let mut file = RawSettings::default();
    macro_rules! pick {
        ($section:ident . $field:ident, $name:literal) => {
            match (&env.$section.$field, &update.$section.$field) {
                (Some(_), None) => {
                    return Err(FieldError::new(
                        $name,
                        "is set in the environment: the settings file can change it but not unset it",
                    ));
                }
                (e, u) if e == u => {}
                (_, u) => file.$section.$field = u.clone(),
            }
        };
    }
    pick!(ami.host, "YEASTAR_HOST");
    pick!(ami.port, "YEASTAR_PORT");
    pick!(ami.username, "YEASTAR_USERNAME");
    pick!(ami.password, "YEASTAR_PASSWORD");
    pick!(ami.tls, "YEASTAR_TLS");
    pick!(ami.ca_file, "YEASTAR_CA_FILE");
    pick!(ami.context, "YEASTAR_CONTEXT");
    pick!(sip.server, "SIP_SERVER");
    pick!(sip.port, "SIP_PORT");
    pick!(sip.transport, "SIP_TRANSPORT");
    pick!(sip.use_websocket, "SIP_USE_WEBSOCKET");
    pick!(sip.websocket_url, "SIP_WEBSOCKET_URL");
    pick!(sip.users, "SIP_USERS");
    pick!(sip.rtp_port_min, "RTP_PORT_MIN");
    pick!(sip.rtp_port_max, "RTP_PORT_MAX");
    pick!(sip.ca_file, "SIP_CA_FILE");
    Ok(file)
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename: readers
/// see the old file or the new one, never a part, and a failure leaves the old one.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "settings".into());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // The file holds passwords.
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)?;
        // The rename itself reaches the disk with the directory.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// The routes `GET /settings` and `PUT /settings` over `store`, applied by `target`. Mount them
/// behind the console's guard ([`Console::protect`](super::Console::protect)).
pub fn routes<S, T>(store: Arc<SettingsStore>, target: Arc<T>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    T: SettingsTarget,
{
    Router::new()
        .route("/settings", get(get_settings::<T>).put(put_settings::<T>))
        .layer(DefaultBodyLimit::max(MAX_SETTINGS_BODY))
        .with_state((store, target))
}

type SettingsState<T> = (Arc<SettingsStore>, Arc<T>);

async fn get_settings<T: SettingsTarget>(
    State((store, _)): State<SettingsState<T>>,
) -> Json<Value> {
    Json(store.view())
}

async fn put_settings<T: SettingsTarget>(
    State((store, target)): State<SettingsState<T>>,
    body: Bytes,
) -> Response {
    match store.update(&*target, &body).await {
        Ok(view) => Json(view).into_response(),
        Err(e) => {
            tracing::warn!(error = %e.message(), "settings update refused");
            e.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeMap;

    use super::*;

    struct Recorder;

    impl SettingsTarget for Recorder {
        type Prepared = PbxConfig;
        fn prepare(&self, _: &PbxConfig, next: &PbxConfig) -> Result<PbxConfig, FieldError> {
            if next.ami.is_none() {
                return Err(FieldError::new("YEASTAR_HOST", "needed"));
            }
            Ok(next.clone())
        }
        async fn commit(&self, _: PbxConfig) -> Vec<Section> {
            vec![Section::Ami]
        }
        async fn abort(&self, _: PbxConfig) {}
    }

    fn env(vars: &[(&str, &str)]) -> RawSettings {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RawSettings::from_lookup(|n| map.get(n).cloned()).unwrap()
    }

    fn base_env() -> RawSettings {
        env(&[
            ("YEASTAR_HOST", "pbx"),
            ("YEASTAR_USERNAME", "admin"),
            ("YEASTAR_PASSWORD", "env-secret"),
        ])
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "yeastar-settings-{name}-{}-{}",
            std::process::id(),
            unique_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn unique_suffix() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    }

    async fn put(store: &SettingsStore, body: Value) -> Result<Value, FieldError> {
        store.update(&Recorder, body.to_string().as_bytes()).await
    }

    #[tokio::test]
    async fn view_masks_secrets_and_names_sources() {
        let store = SettingsStore::load(base_env(), None, &[Section::Ami]).unwrap();
        let view = store.view();
        let text = view.to_string();
        assert!(!text.contains("env-secret"), "{text}");
        assert_eq!(view["settings"]["ami"]["password"], "********");
        assert_eq!(view["sources"]["YEASTAR_HOST"], "environment");
        assert_eq!(view["sources"]["YEASTAR_PORT"], "default");
        assert_eq!(view["sections"], json!(["ami"]));
    }

    #[tokio::test]
    async fn update_names_the_field_and_keeps_the_file_on_refusal() {
        let dir = temp_dir("refusal");
        let path = dir.join("settings.toml");
        let store = SettingsStore::load(base_env(), Some(path.clone()), &[Section::Ami]).unwrap();
        let mut shown = store.view()["settings"].clone();
        shown["ami"]["port"] = json!(5040);
        let saved = put(&store, shown.clone()).await.unwrap();
        assert_eq!(saved["sources"]["YEASTAR_PORT"], "file");
        assert_eq!(saved["sources"]["YEASTAR_PASSWORD"], "environment");
        let good = std::fs::read_to_string(&path).unwrap();
        assert!(good.contains("port = 5040"), "{good}");
        // Only what differs from the environment is written: the password stays there.
        assert!(!good.contains("env-secret"), "{good}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        for (port, field) in [(json!(70000), "YEASTAR_PORT"), (json!("x"), "YEASTAR_PORT")] {
            let mut bad = shown.clone();
            bad["ami"]["port"] = port;
            let e = put(&store, bad).await.unwrap_err();
            assert_eq!(e.field, Some(field));
            assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let mut bad = shown.clone();
        bad["sip"]["rtp_port_min"] = json!(0);
        assert_eq!(
            put(&store, bad).await.unwrap_err().field,
            Some("RTP_PORT_MIN")
        );
        let mut bad = shown.clone();
        bad["ami"]["host"] = json!("  ");
        let e = put(&store, bad).await.unwrap_err();
        assert_eq!(e.field, Some("YEASTAR_HOST"), "{e:?}");
        let mut bad = shown.clone();
        bad["sip"] = json!({"server": "pbx", "users": [
            {"extension": "1001", "password": "a"},
            {"extension": "1001", "password": "b"}]});
        let e = put(&store, bad).await.unwrap_err();
        assert_eq!((e.field, e.entry), (Some("SIP_USERS"), Some(2)));
        let mut bad = shown.clone();
        bad["sip"] =
            json!({"server": "pbx", "users": [{"extension": "1005", "password": "********"}]});
        let e = put(&store, bad).await.unwrap_err();
        assert_eq!((e.field, e.entry), (Some("SIP_USERS"), Some(1)));
        let mut bad = shown.clone();
        bad["ami"]["hostname"] = json!("x");
        assert_eq!(put(&store, bad).await.unwrap_err().field, None);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), good);
        // The store reads its own file back.
        let again = SettingsStore::load(base_env(), Some(path.clone()), &[Section::Ami]).unwrap();
        assert_eq!(again.config().ami.unwrap().port, 5040);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_failed_write_leaves_the_previous_file() {
        let dir = temp_dir("write");
        let path = dir.join("missing-dir").join("settings.toml");
        let store = SettingsStore::load(base_env(), Some(path.clone()), &[Section::Ami]).unwrap();
        let mut shown = store.view()["settings"].clone();
        shown["ami"]["port"] = json!(5041);
        let e = put(&store, shown).await.unwrap_err();
        assert_eq!(e.field, Some("SETTINGS_FILE"));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(store.config().ami.unwrap().port, 5038);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_bad_file_at_start_names_settings_file() {
        let dir = temp_dir("bad");
        let path = dir.join("settings.toml");
        std::fs::write(&path, "[ami]\nport = 0\n").unwrap();
        let e = SettingsStore::load(base_env(), Some(path.clone()), &[]).unwrap_err();
        assert_eq!(e.variable, "SETTINGS_FILE");
        std::fs::write(&path, "[ami]\nhostname = \"x\"\n").unwrap();
        let e = SettingsStore::load(base_env(), Some(path), &[]).unwrap_err();
        assert_eq!(e.variable, "SETTINGS_FILE");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn atomic_write_replaces_the_whole_file() {
        let dir = temp_dir("atomic");
        let path = dir.join("s.toml");
        write_atomically(&path, "one").unwrap();
        write_atomically(&path, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
