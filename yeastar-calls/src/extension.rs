//! Extension (phone) states and SIP registrations.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;

/// State of an extension, from its hint, its device, or our own registration of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ExtensionState {
    /// Not in use.
    Idle,
    /// Alerted.
    Ringing,
    /// On a call.
    InUse,
    /// On a call and alerted by another (call waiting).
    InUseRinging,
    /// Busy.
    Busy,
    /// Holding a call.
    OnHold,
    /// Not reachable (not registered).
    Unavailable,
    /// Not known, or the hint was removed.
    Unknown,
}

impl ExtensionState {
    /// The JSON spelling (`idle`, `in_use`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionState::Idle => "idle",
            ExtensionState::Ringing => "ringing",
            ExtensionState::InUse => "in_use",
            ExtensionState::InUseRinging => "in_use_ringing",
            ExtensionState::Busy => "busy",
            ExtensionState::OnHold => "on_hold",
            ExtensionState::Unavailable => "unavailable",
            ExtensionState::Unknown => "unknown",
        }
    }
}

/// A row of the extension status table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExtensionStatus {
    /// Call state of the extension.
    pub state: ExtensionState,
    /// Registration: `Some(true)` registered/reachable, `Some(false)` not, `None` unknown.
    pub registered: Option<bool>,
}

impl ExtensionStatus {
    /// Nothing known yet.
    pub const UNKNOWN: ExtensionStatus = ExtensionStatus {
        state: ExtensionState::Unknown,
        registered: None,
    };
}

/// An extension's state or registration changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionEvent {
    /// The extension.
    pub extension: Arc<str>,
    /// Its new status.
    pub status: ExtensionStatus,
    /// When it was seen.
    pub at: SystemTime,
}

/// Where one of our SIP registrations stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RegistrationState {
    /// The registrar accepted the binding.
    Registered,
    /// The registrar refused it, or did not answer; see the reason (a retry may follow).
    Failed,
    /// The binding was removed (shutdown, or the account was removed).
    Unregistered,
}

impl RegistrationState {
    /// The JSON spelling: `registered`, `failed`, `unregistered`.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationState::Registered => "registered",
            RegistrationState::Failed => "failed",
            RegistrationState::Unregistered => "unregistered",
        }
    }
}

/// One of our SIP accounts changed registration state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationEvent {
    /// The account (extension) registered.
    pub account: Arc<str>,
    /// Its new state.
    pub state: RegistrationState,
    /// The transport it registered over: `UDP`, `TCP`, `TLS`, `WS`, `WSS`.
    pub transport: Arc<str>,
    /// The registrar (host and port, or WebSocket URL).
    pub registrar: Arc<str>,
    /// Lifetime the registrar granted, when registered.
    pub expires: Option<Duration>,
    /// SIP status code of the last answer, when there was one.
    pub code: Option<u16>,
    /// Why it failed or was removed.
    pub reason: Option<Arc<str>>,
    /// When the next attempt is due, after a failure.
    pub retry_in: Option<Duration>,
    /// When it was seen.
    pub at: SystemTime,
}
