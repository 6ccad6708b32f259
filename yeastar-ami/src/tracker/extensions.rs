//! The extension status table: hints, device states and registrations.

use std::sync::Arc;
use std::time::Instant;

use yeastar_calls::{ExtensionEvent, ExtensionState, ExtensionStatus, PbxEvent};

use super::CallTracker;
use super::input::{Fields, Key};
use super::parties::device_name;

/// An `ExtensionStatus` `Status` code (a bit set: 1 in use, 2 busy, 4 unavailable, 8 ringing,
/// 16 on hold; -1 removed, -2 deactivated) as an extension state.
pub fn extension_state_from_status_code(code: i32) -> ExtensionState {
    if code < 0 {
        return ExtensionState::Unknown;
    }
    let in_use = code & 1 != 0;
    if code & 4 != 0 {
        ExtensionState::Unavailable
    } else if code & 2 != 0 {
        ExtensionState::Busy
    } else if code & 16 != 0 {
        ExtensionState::OnHold
    } else if code & 8 != 0 && in_use {
        ExtensionState::InUseRinging
    } else if code & 8 != 0 {
        ExtensionState::Ringing
    } else if in_use {
        ExtensionState::InUse
    } else {
        ExtensionState::Idle
    }
}

/// A device or hint state name (`DeviceStateChange` `State`, `EndpointList` `DeviceState`,
/// `core show hints` `State:`) as an extension state.
pub fn extension_state_from_device(state: &str) -> ExtensionState {
    let mut norm = [0u8; 24];
    let mut len = 0;
    for b in state.bytes().filter(u8::is_ascii_alphanumeric) {
        let Some(slot) = norm.get_mut(len) else {
            return ExtensionState::Unknown;
        };
        *slot = b.to_ascii_uppercase();
        len += 1;
    }
    match norm.get(..len).unwrap_or_default() {
        b"NOTINUSE" | b"IDLE" => ExtensionState::Idle,
        b"INUSE" => ExtensionState::InUse,
        b"BUSY" => ExtensionState::Busy,
        b"UNAVAILABLE" => ExtensionState::Unavailable,
        b"RINGING" => ExtensionState::Ringing,
        b"RINGINUSE" | b"INUSERINGING" => ExtensionState::InUseRinging,
        b"ONHOLD" | b"HOLD" | b"INUSEHOLD" => ExtensionState::OnHold,
        _ => ExtensionState::Unknown,
    }
}

/// One row of the CLI command `core show hints`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HintState {
    /// The extension (`1001` of `1001@from-internal`).
    pub extension: String,
    /// Its dialplan context.
    pub context: String,
    /// The devices it watches (`SIP/1001`).
    pub devices: String,
    /// Its state.
    pub state: ExtensionState,
}

/// Reads the output of `core show hints` (Asterisk 1.8 and later; the legacy dialect has no
/// `ExtensionStateList`): one [`HintState`] per row such as
/// `1001@from-internal       : SIP/1001              State:Idle            Watchers  0`.
pub fn parse_core_show_hints<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<HintState> {
    lines
        .into_iter()
        .filter_map(|line| {
            let (target, rest) = line.split_once(':')?;
            let (extension, context) = target.trim().split_once('@')?;
            let (devices, state) = rest.split_once("State:")?;
            let state = state.split_whitespace().next()?;
            if extension.is_empty() || extension.contains(char::is_whitespace) {
                return None;
            }
            Some(HintState {
                extension: extension.to_string(),
                context: context.trim().to_string(),
                devices: devices.trim().to_string(),
                state: extension_state_from_device(state),
            })
        })
        .collect()
}

impl CallTracker {
    fn set_extension(
        &mut self,
        name: &str,
        state: Option<ExtensionState>,
        registered: Option<bool>,
        from_hint: bool,
        now: Instant,
    ) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let known = self.extensions.contains_key(name);
        if !known && !from_hint && !self.config.extensions.is_extension(name) {
            return;
        }
        if !known && self.extensions.len() >= self.config.max_extensions {
            self.stats.extensions_dropped += 1;
            return;
        }
        let old = self.extensions.get(name).copied();
        let mut new = old.unwrap_or(ExtensionStatus::UNKNOWN);
        if let Some(state) = state {
            new.state = state;
        }
        if registered.is_some() {
            new.registered = registered;
        }
        if old == Some(new) {
            return;
        }
        let key: Arc<str> = name.into();
        self.extensions.insert(key.clone(), new);
        self.note_extension_change(&key, new);
        let at = self.clock.system_time(now);
        let (_, mut sink) = self.sink();
        sink.push(PbxEvent::Extension(ExtensionEvent {
            extension: key,
            status: new,
            at,
        }));
    }

    /// Feeds the rows of `core show hints` (what a monitor reads at connect on PBXes without
    /// `ExtensionStateList`).
    pub fn apply_hints(&mut self, hints: &[HintState], now: Instant) {
        for hint in hints {
            self.set_extension(&hint.extension, Some(hint.state), None, true, now);
        }
    }

    pub(super) fn on_extension_status(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let (Some(exten), Some(code)) = (f.get(Key::Exten), f.number::<i32>(Key::Status)) else {
            return;
        };
        let state = extension_state_from_status_code(code);
        self.set_extension(exten, Some(state), None, true, now);
    }

    pub(super) fn on_device_state(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let (Some(device), Some(state)) = (f.get(Key::Device), f.raw(Key::State)) else {
            return;
        };
        // Only endpoint devices: `Queue:…`, `Custom:…` and park states are not extensions.
        if device.contains(':') {
            return;
        }
        let state = extension_state_from_device(state);
        self.set_extension(device_name(device), Some(state), None, false, now);
    }

    pub(super) fn on_peer_status(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let (Some(peer), Some(status)) = (f.get(Key::Peer), f.raw(Key::PeerStatus)) else {
            return;
        };
        let any = |list: &[&str]| list.iter().any(|s| s.eq_ignore_ascii_case(status));
        let registered = if any(&["Registered", "Reachable", "Lagged"]) {
            Some(true)
        } else if any(&["Unregistered", "Unreachable", "Rejected"]) {
            Some(false)
        } else {
            None
        };
        if registered.is_some() {
            self.set_extension(device_name(peer), None, registered, false, now);
        }
    }

    pub(super) fn on_contact_status(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let (Some(aor), Some(status)) = (f.get(Key::Aor), f.raw(Key::ContactStatus)) else {
            return;
        };
        let any = |list: &[&str]| list.iter().any(|s| s.eq_ignore_ascii_case(status));
        let registered = if any(&["Removed", "Unreachable"]) {
            false
        } else if any(&["Created", "Reachable", "NonQualified", "Updated"]) {
            true
        } else {
            return;
        };
        self.set_extension(aor, None, Some(registered), false, now);
    }

    /// Legacy `SIPpeers` item: an address means a registration.
    pub(super) fn on_peer_entry(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(name) = f.get(Key::ObjectName) else {
            return;
        };
        let address = f.raw(Key::IpAddress).unwrap_or("");
        let unreachable = f
            .raw(Key::Status)
            .is_some_and(|s| s.to_ascii_uppercase().starts_with("UNREACHABLE"));
        let registered =
            !(address.is_empty() || address == "-none-" || address == "(null)" || unreachable);
        self.set_extension(name, None, Some(registered), false, now);
    }

    /// `PJSIPShowEndpoints` item: contacts mean a registration.
    pub(super) fn on_endpoint_list(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(name) = f.get(Key::ObjectName) else {
            return;
        };
        let registered = f.raw(Key::Contacts).is_some_and(|c| !c.is_empty());
        let state = f.raw(Key::DeviceState).map(extension_state_from_device);
        self.set_extension(name, state, Some(registered), false, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_of_asterisk_1_8() {
        let output = [
            "",
            "    -= Registered Asterisk Dial Plan Hints =-",
            "                   1001@from-internal       : SIP/1001              State:Idle            Watchers  0",
            "                   1002@from-internal       : SIP/1002              State:InUse&Ringing   Watchers  1",
            "                   1003@from-internal       : SIP/1003              State:Unavailable     Watchers  0",
            "----------------",
            "- 3 hints registered",
        ];
        let hints = parse_core_show_hints(output);
        let states: Vec<(&str, ExtensionState)> = hints
            .iter()
            .map(|h| (h.extension.as_str(), h.state))
            .collect();
        assert_eq!(
            states,
            [
                ("1001", ExtensionState::Idle),
                ("1002", ExtensionState::InUseRinging),
                ("1003", ExtensionState::Unavailable)
            ]
        );
        assert_eq!(hints[0].context, "from-internal");
        assert_eq!(hints[0].devices, "SIP/1001");
    }

    #[test]
    fn status_codes_and_device_states() {
        assert_eq!(extension_state_from_status_code(0), ExtensionState::Idle);
        assert_eq!(
            extension_state_from_status_code(9),
            ExtensionState::InUseRinging
        );
        assert_eq!(
            extension_state_from_status_code(4),
            ExtensionState::Unavailable
        );
        assert_eq!(
            extension_state_from_status_code(-1),
            ExtensionState::Unknown
        );
        assert_eq!(
            extension_state_from_device("NOT_INUSE"),
            ExtensionState::Idle
        );
        assert_eq!(
            extension_state_from_device("Ring+Inuse"),
            ExtensionState::InUseRinging
        );
        assert_eq!(
            extension_state_from_device("A very long state name indeed, longer than any"),
            ExtensionState::Unknown
        );
    }
}
