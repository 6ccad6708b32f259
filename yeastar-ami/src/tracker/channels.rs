//! Channel events: state, caller ID, dialplan, dialling, bridging, hold, hangup.

use std::sync::Arc;
use std::time::Instant;

use yeastar_calls::{CallLeg, CallState, LegState, Transfer, TransferKind};

use super::CallTracker;
use super::input::{Fields, Key, meaningful};
use super::table::{Emit, LegNotes, dialled, leg_state, leg_state_from_code};

/// Dialplan applications that do not answer a call by themselves: running them on an
/// originated channel says nothing about the call being answered.
const NON_ANSWERING_APPS: [&str; 22] = [
    "Dial",
    "Queue",
    "NoOp",
    "Set",
    "MixMonitor",
    "Monitor",
    "Gosub",
    "GosubIf",
    "Macro",
    "MacroExit",
    "Return",
    "Goto",
    "GotoIf",
    "AppDial",
    "AppDial2",
    "AppQueue",
    "ExecIf",
    "Verbose",
    "Hangup",
    "Ringing",
    "Progress",
    "Log",
];

fn answering_app(app: &str) -> bool {
    !app.is_empty()
        && !NON_ANSWERING_APPS
            .iter()
            .any(|a| a.eq_ignore_ascii_case(app))
}

impl CallTracker {
    pub(super) fn on_newstate(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(call_id) = self.ensure_leg(f, now) else {
            return;
        };
        let (Some(uid), Some(state)) = (f.get(Key::Uniqueid), leg_state(f)) else {
            return;
        };
        self.set_leg_state(&call_id, uid, state, f.get(Key::CallerIdNum), now);
    }

    pub(super) fn on_newcallerid(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        let uid = f.raw(Key::Uniqueid).unwrap_or("");
        let number = f.boxed(Key::CallerIdNum);
        let name = f.boxed(Key::CallerIdName);
        self.with_call(&call_id, now, |entry, _| {
            let first = entry.call.legs.first().is_some_and(|c| &*c.id == uid);
            if let Some(leg) = entry.call.legs.iter_mut().find(|c| &*c.id == uid) {
                if number.is_some() {
                    leg.caller_number.clone_from(&number);
                }
                if name.is_some() {
                    leg.caller_name.clone_from(&name);
                }
            }
            if first {
                if number.is_some() {
                    entry.call.from_number = number;
                }
                if name.is_some() {
                    entry.call.from_name = name;
                }
            }
        });
    }

    pub(super) fn on_newexten(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        let uid = f.raw(Key::Uniqueid).unwrap_or("");
        let app = f.raw(Key::Application).unwrap_or("");
        let data = f.raw(Key::AppData).unwrap_or("");
        // Modern events name the extension `Exten`, legacy ones `Extension`.
        let exten = dialled(f.get(Key::Exten).or_else(|| f.get(Key::Extension)));
        // Legacy Newexten has no channel state: fall back to the tracked one.
        let state_in_event = leg_state(f);
        self.with_call(&call_id, now, |entry, sink| {
            if app.eq_ignore_ascii_case("MixMonitor")
                && let Some(file) = meaningful(data.split(',').next())
            {
                entry.call.recording = Some(file.into());
            }
            let Some(index) = entry.leg_index(uid) else {
                return;
            };
            // A bridged leg that left its bridge and runs another extension was redirected
            // (AMI `Redirect`, a blind transfer done by moving the channel): the call follows.
            let redirected = match (entry.notes_mut(uid), exten) {
                (Some(notes), Some(exten)) => {
                    let moved = notes.exten.as_deref() != Some(exten);
                    let expected = notes.expected_exten.as_deref() == Some(exten);
                    let redirected = notes.unbridged && moved && !expected;
                    if moved {
                        notes.exten = Some(exten.into());
                        notes.unbridged = false;
                        notes.expected_exten = None;
                    }
                    redirected
                }
                _ => false,
            };
            if redirected
                && matches!(
                    entry.call.state,
                    CallState::Answered | CallState::OnHold | CallState::Transferred
                )
            {
                let transfer = Transfer {
                    kind: TransferKind::Blind,
                    by: None,
                    target: exten.map(Arc::from),
                    at: sink.wall(now),
                };
                sink.transferred(entry, transfer, true, now);
                return;
            }
            if index != 0 {
                return;
            }
            if entry.call.to.is_none()
                && let Some(exten) = exten
            {
                entry.call.to = Some(exten.into());
                entry.call.dialled = Some(exten.into());
            }
            // An originated channel running an answering application (Playback, Wait…).
            let up = state_in_event.or_else(|| entry.call.legs.first().map(|c| c.state))
                == Some(LegState::Up);
            if entry.call.originated && up && answering_app(app) {
                sink.pbx_answered(entry, now);
            }
        });
    }

    pub(super) fn on_varset(&mut self, f: &Fields<'_, '_>, now: Instant) {
        if !f.is(Key::Variable, "MIXMONITOR_FILENAME") {
            return;
        }
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        let file = f.boxed(Key::Value);
        self.with_call(&call_id, now, |entry, _| {
            if file.is_some() {
                entry.call.recording = file;
            }
        });
    }

    pub(super) fn on_dial_begin(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let dest_uid = f.get(Key::DestUniqueid);
        if f.get(Key::Uniqueid).is_none() {
            // Originate dials its first channel: no source channel.
            if let Some(call_id) = self.call_id_of(dest_uid) {
                self.with_call(&call_id, now, |entry, _| entry.call.originated = true);
            }
            return;
        }
        let Some(call_id) = self.ensure_leg(f, now) else {
            return;
        };
        // The leg that dials is a caller: a provisional legacy call proves to be a call.
        self.announce(&call_id, now);
        if let Some(dest) = dest_uid {
            match self.call_id_of(Some(dest)) {
                Some(dest_call) if dest_call != call_id => self.merge(&call_id, &dest_call, now),
                Some(_) => {}
                None => {
                    let name = f
                        .get(Key::DestChannel)
                        .or_else(|| f.get(Key::Destination))
                        .unwrap_or("");
                    let state = f
                        .number::<u32>(Key::DestChannelState)
                        .map_or(LegState::Down, leg_state_from_code);
                    let mut leg = CallLeg::new(dest, name, state);
                    leg.caller_number = f.boxed(Key::DestCallerIdNum);
                    leg.caller_name = f.boxed(Key::DestCallerIdName);
                    self.attach(&call_id, leg, None, now);
                }
            }
        }
        let dial_string = f
            .get(Key::DialString)
            .map(|d| d.rsplit('/').next().unwrap_or(d))
            .map(|d| d.split('@').next().unwrap_or(d))
            .and_then(|d| dialled(Some(d)))
            .map(Arc::<str>::from);
        self.with_call(&call_id, now, |entry, sink| {
            if entry.call.to.is_none() {
                entry.call.to.clone_from(&dial_string);
                entry.call.dialled = dial_string;
            }
            entry.dial_status = None;
            sink.ringing(entry, now);
        });
    }

    pub(super) fn on_dial_state(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        let ringing = f.is(Key::DialStatus, "RINGING") || f.is(Key::DialStatus, "PROGRESS");
        self.with_call(&call_id, now, |entry, sink| {
            if ringing {
                sink.ringing(entry, now);
            }
        });
    }

    pub(super) fn on_dial_end(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        let status = f.boxed(Key::DialStatus);
        let answered = status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("ANSWER"));
        let answerer = f
            .get(Key::DestUniqueid)
            .and_then(|dest| self.party(&call_id, dest))
            .or_else(|| f.boxed(Key::DestCallerIdNum));
        self.with_call(&call_id, now, |entry, sink| {
            entry.dial_status = status;
            if answered {
                sink.party_answered(entry, answerer, now);
            }
        });
    }

    pub(super) fn on_bridge_enter(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(call_id) = self.ensure_leg(f, now) else {
            return;
        };
        let uid = f.raw(Key::Uniqueid).unwrap_or("");
        let bridge = f.boxed(Key::BridgeUniqueid);
        let partner = self.calls.get(&*call_id).and_then(|entry| {
            let index = entry.leg_index(uid)?;
            let partner = entry.call.legs.iter().position(|c| {
                &*c.id != uid && !c.hung_up && c.bridge_id.is_some() && c.bridge_id == bridge
            })?;
            let callee = entry.call.legs.get(index.max(partner))?;
            let partner_id = entry.call.legs.get(partner)?.id.clone();
            Some((partner_id, callee.id.clone()))
        });
        let by = partner
            .as_ref()
            .and_then(|(_, callee)| self.party(&call_id, callee));
        self.with_call(&call_id, now, |entry, sink| {
            if let Some(leg) = entry.call.legs.iter_mut().find(|c| &*c.id == uid) {
                leg.bridge_id = bridge;
            }
            let Some((partner, _)) = partner else {
                return;
            };
            for id in [uid, &*partner] {
                if let Some(notes) = entry.notes_mut(id) {
                    notes.was_bridged = true;
                    notes.unbridged = false;
                }
            }
            sink.party_answered(entry, by, now);
        });
    }

    pub(super) fn on_bridge_leave(&mut self, f: &Fields<'_, '_>) {
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        let uid = f.raw(Key::Uniqueid).unwrap_or("");
        if let Some(entry) = self.calls.get_mut(&call_id) {
            let bridge = entry
                .call
                .legs
                .iter_mut()
                .find(|c| &*c.id == uid)
                .and_then(|leg| leg.bridge_id.take());
            // The first leg to leave a bridge its partner is still in was pulled out (a
            // redirect or transfer); a leg leaving after its partner hung up was not.
            let pulled = bridge.is_some_and(|b| {
                entry
                    .call
                    .legs
                    .iter()
                    .any(|c| &*c.id != uid && !c.hung_up && c.bridge_id.as_deref() == Some(&*b))
            });
            if let Some(notes) = entry.notes_mut(uid) {
                notes.unbridged = notes.was_bridged && pulled;
            }
        }
    }

    /// Legacy `Bridge` (`Bridgestate: Link`), `Link` and `LocalBridge`: the two channels are
    /// one call; a bridge (not a `LocalBridge`) means the second answered.
    pub(super) fn on_link(&mut self, f: &Fields<'_, '_>, now: Instant, answers: bool) {
        let (Some(a), Some(b)) = (
            self.call_id_of(f.get(Key::Uniqueid1)),
            self.call_id_of(f.get(Key::Uniqueid2)),
        ) else {
            return;
        };
        let (into, from) = self.survivor(a, b);
        self.merge(&into, &from, now);
        self.announce(&into, now);
        let (uid1, uid2) = (
            f.raw(Key::Uniqueid1).unwrap_or(""),
            f.raw(Key::Uniqueid2).unwrap_or(""),
        );
        // The callee is whichever of the two is not the call's calling leg.
        let callee = match self.calls.get(&into).and_then(|e| e.call.legs.first()) {
            Some(first) if &*first.id == uid2 => uid1,
            _ => uid2,
        };
        let by = self.party(&into, callee);
        self.with_call(&into, now, |entry, sink| {
            for id in [uid1, uid2] {
                if let Some(notes) = entry.notes_mut(id) {
                    notes.was_bridged = true;
                    notes.unbridged = false;
                }
            }
            if answers {
                sink.party_answered(entry, by, now);
            }
        });
    }

    /// Legacy `Unlink`: the two channels stop talking (hangup, transfer or redirect next).
    pub(super) fn on_unlink(&mut self, f: &Fields<'_, '_>) {
        for key in [Key::Uniqueid1, Key::Uniqueid2] {
            let Some(uid) = f.get(key) else { continue };
            let Some(call_id) = self.call_id_of(Some(uid)) else {
                continue;
            };
            if let Some(notes) = self.calls.get_mut(&call_id).and_then(|e| e.notes_mut(uid)) {
                notes.unbridged = notes.was_bridged;
            }
        }
    }

    pub(super) fn on_hold(&mut self, f: &Fields<'_, '_>, hold: bool, now: Instant) {
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        self.with_call(&call_id, now, |entry, sink| {
            if hold
                && matches!(
                    entry.call.state,
                    CallState::Answered | CallState::Transferred
                )
            {
                entry.state_before_hold = entry.call.state;
                entry.call.state = CallState::OnHold;
                sink.emit(entry, Emit::Held, now);
            } else if !hold && entry.call.state == CallState::OnHold {
                entry.call.state = entry.state_before_hold;
                sink.emit(entry, Emit::Resumed, now);
            }
        });
    }

    pub(super) fn on_rename(&mut self, f: &Fields<'_, '_>) {
        let uid = f.get(Key::Uniqueid).map(Arc::<str>::from).or_else(|| {
            self.names
                .get(f.get(Key::Channel).or_else(|| f.get(Key::Oldname))?)
                .cloned()
        });
        let Some(uid) = uid else { return };
        let Some(call_id) = self.call_id_of(Some(&uid)) else {
            return;
        };
        let Some(new_name) = f.get(Key::Newname) else {
            return;
        };
        if let Some(leg) = self
            .calls
            .get_mut(&call_id)
            .and_then(|e| e.call.legs.iter_mut().find(|c| c.id == uid))
        {
            self.names.remove(&leg.name);
            leg.name = new_name.into();
            self.names.insert(new_name.into(), uid.clone());
        }
    }

    pub(super) fn on_hangup(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(uid) = f.get(Key::Uniqueid) else {
            return;
        };
        self.note_resync(uid, true);
        let Some(call_id) = self.call_id_of(Some(uid)) else {
            return;
        };
        let cause = f.number::<u16>(Key::Cause);
        let text = f.boxed(Key::CauseTxt);
        let mut all_down = false;
        let mut name = None;
        self.with_call(&call_id, now, |entry, _| {
            let mut first = false;
            for (i, leg) in entry.call.legs.iter_mut().enumerate() {
                if &*leg.id == uid {
                    leg.hung_up = true;
                    first = i == 0;
                    name = Some(leg.name.clone());
                }
            }
            if first {
                entry.caller_cause = Some((cause, text.clone()));
            }
            if let Some(c) = cause.filter(|c| *c != 0)
                && entry.first_cause.is_none()
            {
                entry.first_cause = Some((c, text));
            }
            all_down = entry.call.legs.iter().all(|c| c.hung_up);
        });
        if let Some(name) = name
            && self.names.get(&name).is_some_and(|u| &**u == uid)
        {
            self.names.remove(&name);
        }
        if all_down {
            self.end_call(&call_id, now, None);
        }
    }

    pub(super) fn on_originate_response(&mut self, f: &Fields<'_, '_>, now: Instant) {
        if !f.is(Key::Response, "Success") {
            self.stats.originate_failures += 1;
            return;
        }
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        let exten = dialled(f.get(Key::Exten)).map(Arc::<str>::from);
        self.with_call(&call_id, now, |entry, _| {
            entry.call.originated = true;
            if entry.call.to.is_none() {
                entry.call.to.clone_from(&exten);
                entry.call.dialled = exten;
            }
        });
        self.announce(&call_id, now);
    }

    /// Notes the extension a leg is told to go to by a transfer event, so that reaching it
    /// is not taken for a second, redirect-made transfer.
    pub(super) fn expect_exten(&mut self, call_id: &str, uid: Option<&str>, exten: Option<&str>) {
        let (Some(uid), Some(exten)) = (uid, exten) else {
            return;
        };
        if let Some(entry) = self.calls.get_mut(call_id) {
            if let Some(notes) = entry.notes_mut(uid) {
                notes.expected_exten = Some(exten.into());
            } else {
                entry.notes.push(LegNotes {
                    id: uid.into(),
                    expected_exten: Some(exten.into()),
                    ..LegNotes::default()
                });
            }
        }
    }
}
