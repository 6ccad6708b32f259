//! The JSON line schema: one JSON object per event, as the reference services print them on
//! stdout and push to their web console. Users script against it, so it only grows: fields are
//! added, never renamed or removed.
//!
//! ```json
//! {"type":"call","event":"ringing","call_id":"1764189223.2","source":"ami","from":"1001","from_name":"Ext 1001","to":"1002","direction":"internal","ts":"2026-11-26T21:33:23.876Z"}
//! {"type":"call","event":"ended","call_id":"1764189223.2","source":"ami","from":"1001","from_name":null,"to":"1002","direction":"internal","ts":"…","answered_by":"1002","dialled":"1002","cause":16,"cause_text":"Normal Clearing","duration_s":5,"billsec_s":4,"recording":null,"transfers":[]}
//! {"type":"extension","extension":"1002","status":"in_use","registered":true,"ts":"…"}
//! {"type":"registration","state":"registered","account":"1001","transport":"UDP","registrar":"pbx:5060","expires_s":300,"code":200,"reason":null,"retry_in_s":null,"ts":"…"}
//! ```
//!
//! - `type`: `call`, `extension` or `registration`.
//! - call lines: `event` is one of `ringing`, `answered`, `held`, `resumed`, `transferred`,
//!   `ended`; `source` is `ami`, `sip` or `websocket`; `direction` is `inbound`, `outbound` or
//!   `internal`; `transferred` adds `target`; `answered` and `ended` add `answered_by`;
//!   `transferred` and `ended` add `dialled` (the number first dialled); `ended` adds `cause`
//!   (Q.850), `cause_text`, `duration_s`, `billsec_s`, `recording`, `connected_to` and
//!   `transfers` (`[{"kind":"blind|attended","by":…,"target":…,"at":…}]`).
//! - extension lines: `status` is one of `idle`, `ringing`, `in_use`, `in_use_ringing`, `busy`,
//!   `on_hold`, `unavailable`, `unknown`; `registered` is `true`, `false` or `null` (unknown).
//! - registration lines: `state` is `registered`, `failed` or `unregistered`.
//! - `ts`: RFC 3339 UTC with milliseconds.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::event::{CallEvent, PbxEvent};
use crate::extension::{ExtensionEvent, RegistrationEvent};
use crate::time::format_rfc3339;

impl Serialize for CallEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let call = self.call();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", "call")?;
        map.serialize_entry("event", self.name())?;
        map.serialize_entry("call_id", &call.id)?;
        map.serialize_entry("source", call.source.as_str())?;
        map.serialize_entry("from", &call.from_number)?;
        map.serialize_entry("from_name", &call.from_name)?;
        map.serialize_entry("to", &call.to)?;
        map.serialize_entry("direction", call.direction.as_str())?;
        map.serialize_entry("ts", &format_rfc3339(self.at()))?;
        match self {
            CallEvent::Answered { .. } => map.serialize_entry("answered_by", &call.answered_by)?,
            CallEvent::Transferred { target, .. } => {
                map.serialize_entry("target", target)?;
                map.serialize_entry("dialled", &call.dialled)?;
            }
            CallEvent::Ended {
                cause,
                cause_text,
                duration,
                billsec,
                ..
            } => {
                map.serialize_entry("answered_by", &call.answered_by)?;
                map.serialize_entry("connected_to", &call.connected_to)?;
                map.serialize_entry("dialled", &call.dialled)?;
                map.serialize_entry("cause", cause)?;
                map.serialize_entry("cause_text", cause_text)?;
                map.serialize_entry("duration_s", &duration.as_secs())?;
                map.serialize_entry("billsec_s", &billsec.as_secs())?;
                map.serialize_entry("recording", &call.recording)?;
                map.serialize_entry("transfers", &call.transfers)?;
            }
            CallEvent::Ringing { .. } | CallEvent::Held { .. } | CallEvent::Resumed { .. } => {}
        }
        map.end()
    }
}

impl Serialize for ExtensionEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("type", "extension")?;
        map.serialize_entry("extension", &self.extension)?;
        map.serialize_entry("status", self.status.state.as_str())?;
        map.serialize_entry("registered", &self.status.registered)?;
        map.serialize_entry("ts", &format_rfc3339(self.at))?;
        map.end()
    }
}

impl Serialize for RegistrationEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(10))?;
        map.serialize_entry("type", "registration")?;
        map.serialize_entry("state", self.state.as_str())?;
        map.serialize_entry("account", &self.account)?;
        map.serialize_entry("transport", &self.transport)?;
        map.serialize_entry("registrar", &self.registrar)?;
        map.serialize_entry("expires_s", &self.expires.map(|d| d.as_secs()))?;
        map.serialize_entry("code", &self.code)?;
        map.serialize_entry("reason", &self.reason)?;
        map.serialize_entry("retry_in_s", &self.retry_in.map(|d| d.as_secs()))?;
        map.serialize_entry("ts", &format_rfc3339(self.at))?;
        map.end()
    }
}

impl Serialize for PbxEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PbxEvent::Call(e) => e.serialize(serializer),
            PbxEvent::Extension(e) => e.serialize(serializer),
            PbxEvent::Registration(e) => e.serialize(serializer),
        }
    }
}

/// One JSON line (no trailing newline) for any event of the schema.
pub fn to_json_line<T: Serialize>(event: &T) -> String {
    // The schema's types serialize to maps of strings, numbers and nulls: this cannot fail.
    serde_json::to_string(event).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::call::{Call, Source, Transfer, TransferKind};
    use crate::extension::{ExtensionState, ExtensionStatus, RegistrationState};

    #[test]
    fn call_lines_keep_their_fields() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_728_803_250);
        let mut call = Call::new("1764189223.2", Source::Ami, t);
        call.from_number = Some("1001".into());
        call.to = Some("1003".into());
        call.dialled = Some("1002".into());
        call.answered_by = Some("1002".into());
        call.push_transfer(Transfer {
            kind: TransferKind::Blind,
            by: Some("1002".into()),
            target: Some("1003".into()),
            at: t,
        });
        let ringing = CallEvent::Ringing {
            call: Box::new(call.clone()),
            at: t,
        };
        assert_eq!(
            to_json_line(&ringing),
            r#"{"type":"call","event":"ringing","call_id":"1764189223.2","source":"ami","from":"1001","from_name":null,"to":"1003","direction":"internal","ts":"2026-11-26T21:33:23.250Z"}"#
        );
        let ended = CallEvent::Ended {
            call: Box::new(call),
            cause: Some(16),
            cause_text: Some("Normal Clearing".into()),
            duration: Duration::from_secs(8),
            billsec: Duration::from_secs(7),
            at: t,
        };
        let v: serde_json::Value = serde_json::from_str(&to_json_line(&ended)).unwrap();
        assert_eq!(v["event"], "ended");
        assert_eq!(v["dialled"], "1002");
        assert_eq!(v["duration_s"], 8);
        assert_eq!(v["billsec_s"], 7);
        assert_eq!(v["cause"], 16);
        assert_eq!(v["transfers"][0]["kind"], "blind");
        assert_eq!(v["transfers"][0]["target"], "1003");
    }

    #[test]
    fn extension_and_registration_lines() {
        let t = UNIX_EPOCH;
        let ext = PbxEvent::Extension(ExtensionEvent {
            extension: "1002".into(),
            status: ExtensionStatus {
                state: ExtensionState::InUse,
                registered: Some(true),
            },
            at: t,
        });
        assert_eq!(
            to_json_line(&ext),
            r#"{"type":"extension","extension":"1002","status":"in_use","registered":true,"ts":"1970-01-01T00:00:00.000Z"}"#
        );
        let reg = PbxEvent::Registration(RegistrationEvent {
            account: "1001".into(),
            state: RegistrationState::Failed,
            transport: "UDP".into(),
            registrar: "127.0.0.2:5060".into(),
            expires: None,
            code: Some(403),
            reason: Some("Forbidden".into()),
            retry_in: Some(Duration::from_secs(30)),
            at: t,
        });
        let v: serde_json::Value = serde_json::from_str(&to_json_line(&reg)).unwrap();
        assert_eq!(v["type"], "registration");
        assert_eq!(v["state"], "failed");
        assert_eq!(v["code"], 403);
        assert_eq!(v["retry_in_s"], 30);
    }
}
