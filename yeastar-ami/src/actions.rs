//! Typed actions. Each serializes, field by field in declaration order, into an
//! [`Action`](crate::Action) with [`to_action`](crate::to_action).
//!
//! Keys are matched by Asterisk ignoring case; they are written in the spelling of the Asterisk
//! documentation.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::serde_ser::AmiAction;

/// A secret (`Secret`, MD5 `Key`): written on the wire, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for computing a challenge answer.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

macro_rules! actions {
    ($(
        $(#[$doc:meta])*
        $name:ident $(complete $complete:literal)? {
            $( $(#[$fdoc:meta])* $(@rename $rename:literal)? $field:ident : $ty:ty ),* $(,)?
        }
    )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            $( $(#[$fdoc])* $(#[serde(rename = $rename)])? pub $field: $ty, )*
        }

        impl AmiAction for $name {
            const NAME: &'static str = stringify!($name);
            $(const COMPLETE_EVENT: Option<&'static str> = Some($complete);)?
        }
    )*};
}

actions! {
    /// Logs in with a plain secret, or with `auth_type: Some("MD5")` and the MD5 `key` of
    /// challenge + secret (see [`Challenge`]).
    Login {
        /// The manager user.
        username: String,
        /// The plain secret (leave `None` for MD5 login).
        secret: Option<Secret>,
        /// `MD5` for challenge login.
        auth_type: Option<String>,
        /// `md5(challenge + secret)` in lower-case hex, for MD5 login.
        key: Option<Secret>,
        /// `on`, `off`, or a comma-separated class list (`call,system`).
        events: Option<String>,
    }
    /// Asks for a challenge to answer with an MD5 login.
    Challenge {
        /// `MD5`.
        auth_type: String,
    }
    /// Ends the session; the server answers `Goodbye` and closes.
    Logoff {}
    /// Keepalive; the server answers `Success` (`Ping: Pong` on 13+).
    Ping {}
    /// Sets the event mask: `on`, `off`, or classes (`call,agent`).
    Events {
        /// The mask.
        event_mask: String,
    }
    /// Places a call: `channel` is dialled and, when it answers, connected to `exten`@`context`
    /// (or to `application`). With `async_: Some(true)` the answer is immediate and the outcome
    /// comes later as an `OriginateResponse` event.
    Originate {
        /// The channel to dial first, `PJSIP/1001` or `SIP/1001`.
        channel: String,
        /// Dialplan extension to connect to.
        exten: Option<String>,
        /// Dialplan context.
        context: Option<String>,
        /// Dialplan priority.
        priority: Option<u32>,
        /// Application to run instead of the dialplan.
        application: Option<String>,
        /// Data for the application.
        data: Option<String>,
        /// Milliseconds to wait for `channel` to answer.
        timeout: Option<u64>,
        /// `Name <number>` shown to `channel`.
        @rename "CallerID" caller_id: Option<String>,
        /// Channel variables, written as one `Variable: name=value` line each.
        @rename "Variable" variables: Vec<(String, String)>,
        /// Account code for the CDR.
        account: Option<String>,
        /// Return at once and report the outcome as an `OriginateResponse` event.
        @rename "Async" async_: Option<bool>,
        /// Codecs (`ulaw,alaw`).
        codecs: Option<String>,
        /// Unique ID to give the new channel.
        channel_id: Option<String>,
    }
    /// Hangs up a channel (or, on 13+, every channel matching a `/regex/`).
    Hangup {
        /// The channel.
        channel: String,
        /// The Q.850 cause to hang up with.
        cause: Option<u16>,
    }
    /// Moves a channel (and optionally its peer) to another dialplan place.
    Redirect {
        /// The channel.
        channel: String,
        /// A second channel to move with it.
        extra_channel: Option<String>,
        /// Target extension.
        exten: String,
        /// Target context.
        context: String,
        /// Target priority.
        priority: u32,
    }
    /// Attended transfer of a channel to an extension.
    Atxfer {
        /// The transferer channel.
        channel: String,
        /// Target extension.
        exten: String,
        /// Target context.
        context: Option<String>,
    }
    /// Blind transfer of a channel to an extension (13+).
    BlindTransfer {
        /// The channel to transfer.
        channel: String,
        /// Target extension.
        exten: String,
        /// Target context.
        context: Option<String>,
    }
    /// Lists channels: `Status` events, then `StatusComplete`.
    Status complete "StatusComplete" {
        /// One channel, or all.
        channel: Option<String>,
        /// Variables to include, comma-separated.
        variables: Option<String>,
    }
    /// Lists active channels: `CoreShowChannel` events, then `CoreShowChannelsComplete`.
    CoreShowChannels complete "CoreShowChannelsComplete" {}
    /// Uptime, reload time and call count.
    CoreStatus {}
    /// Version and settings of the PBX.
    CoreSettings {}
    /// Runs a CLI command; the output comes in `Output:` lines (13+) or as raw text (1.8).
    Command {
        /// The CLI command, `core show version`.
        command: String,
    }
    /// The state of one extension hint.
    ExtensionState {
        /// The extension.
        exten: String,
        /// Its context.
        context: String,
    }
    /// Every extension hint's state: `ExtensionStatus` events, then
    /// `ExtensionStateListComplete` (13+).
    ExtensionStateList complete "ExtensionStateListComplete" {}
    /// Every device state: `DeviceStateChange` events, then `DeviceStateListComplete` (13+).
    DeviceStateList complete "DeviceStateListComplete" {}
    /// PJSIP endpoints: `EndpointList` events, then `EndpointListComplete`.
    #[allow(clippy::upper_case_acronyms)]
    PJSIPShowEndpoints complete "EndpointListComplete" {}
    /// One PJSIP endpoint in detail: `EndpointDetail`, `AorDetail`, `AuthDetail`, …, then
    /// `EndpointDetailComplete`.
    #[allow(clippy::upper_case_acronyms)]
    PJSIPShowEndpoint complete "EndpointDetailComplete" {
        /// The endpoint.
        endpoint: String,
    }
    /// Registered PJSIP contacts: `ContactList` events, then `ContactListComplete`.
    #[allow(clippy::upper_case_acronyms)]
    PJSIPShowContacts complete "ContactListComplete" {}
    /// chan_sip peers (1.8, Yeastar S-series): `PeerEntry` events, then `PeerlistComplete`.
    #[allow(clippy::upper_case_acronyms)]
    SIPpeers complete "PeerlistComplete" {}
    /// One chan_sip peer in detail (one response).
    #[allow(clippy::upper_case_acronyms)]
    SIPshowpeer {
        /// The peer.
        peer: String,
    }
    /// Queue parameters, members and callers, then `QueueStatusComplete`.
    QueueStatus complete "QueueStatusComplete" {
        /// One queue, or all.
        queue: Option<String>,
        /// One member, or all.
        member: Option<String>,
    }
    /// Reads a channel or global variable (or a function such as `CHANNEL(state)`).
    Getvar {
        /// The channel, or none for a global.
        channel: Option<String>,
        /// The variable.
        variable: String,
    }
    /// Sets a channel or global variable.
    Setvar {
        /// The channel, or none for a global.
        channel: Option<String>,
        /// The variable.
        variable: String,
        /// The value.
        value: String,
    }
    /// Starts recording a channel to a file.
    MixMonitor {
        /// The channel.
        channel: String,
        /// The file name (with extension, `.wav`).
        file: String,
        /// MixMonitor options (`b`, `v(x)`, …).
        options: Option<String>,
        /// A command to run when recording ends.
        command: Option<String>,
    }
    /// Stops a MixMonitor.
    StopMixMonitor {
        /// The channel.
        channel: String,
        /// The MixMonitor ID, to stop one of several.
        @rename "MixMonitorID" mix_monitor_id: Option<String>,
    }
    /// Plays a DTMF digit on a channel.
    #[allow(clippy::upper_case_acronyms)]
    PlayDTMF {
        /// The channel.
        channel: String,
        /// The digit.
        digit: String,
        /// Milliseconds.
        duration: Option<u32>,
    }
}

/// The `Reason` of a failed `OriginateResponse` in words (Asterisk's `AST_CONTROL_*` codes).
#[must_use]
pub fn originate_reason_text(reason: u32) -> &'static str {
    match reason {
        0 => "the extension does not exist or its phone is not registered",
        1 => "the phone did not answer",
        3 => "the phone rang but nobody answered",
        5 => "the phone is busy",
        8 => "the PBX is congested (no route or no free channel)",
        _ => "the PBX could not place the call",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::to_action;

    #[test]
    fn originate_fields_in_order() {
        let o = Originate {
            channel: "PJSIP/1001".into(),
            exten: Some("1002".into()),
            context: Some("from-internal".into()),
            priority: Some(1),
            caller_id: Some("Click2Call <1001>".into()),
            variables: vec![("ORIGIN".into(), "ami".into()), ("B".into(), "2".into())],
            async_: Some(true),
            ..Default::default()
        };
        let a = to_action(&o).unwrap();
        assert_eq!(a.name(), "Originate");
        let fields: Vec<_> = a.fields().collect();
        assert_eq!(
            fields,
            [
                ("Channel", "PJSIP/1001"),
                ("Exten", "1002"),
                ("Context", "from-internal"),
                ("Priority", "1"),
                ("CallerID", "Click2Call <1001>"),
                ("Variable", "ORIGIN=ami"),
                ("Variable", "B=2"),
                ("Async", "true"),
            ]
        );
    }

    #[test]
    fn login_secret_is_redacted() {
        let login = Login {
            username: "admin".into(),
            secret: Some(Secret::new("hunter2")),
            ..Default::default()
        };
        assert!(!format!("{login:?}").contains("hunter2"));
        let a = to_action(&login).unwrap();
        assert_eq!(a.get("Secret"), Some("hunter2"));
        assert!(!format!("{a:?}").contains("hunter2"));
    }

    #[test]
    fn list_actions_name_their_complete_event() {
        assert_eq!(Status::COMPLETE_EVENT, Some("StatusComplete"));
        assert_eq!(SIPpeers::NAME, "SIPpeers");
        assert_eq!(PJSIPShowEndpoints::NAME, "PJSIPShowEndpoints");
        assert_eq!(Ping::COMPLETE_EVENT, None);
    }
}
