//! Resynchronisation from list snapshots (`CoreShowChannels` or legacy `Status`) after a
//! (re)connect: calls that ended meanwhile close, calls that began open.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use yeastar_calls::{CallLeg, EndReason, ExtensionStatus, LegState};

use super::input::{Fields, Key};
use super::table::{dialled, leg_state};
use super::{CallTracker, Id};

/// What changed while the tracker was not watching, from
/// [`CallTracker::finish_resync`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResyncReport {
    /// Ids of calls that ended while disconnected (closed now).
    pub ended: Vec<Arc<str>>,
    /// Ids of calls that began while disconnected (opened now).
    pub opened: Vec<Arc<str>>,
    /// Extensions whose status changed, with the new status.
    pub extension_changes: Vec<(Arc<str>, ExtensionStatus)>,
}

impl ResyncReport {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.ended.is_empty() && self.opened.is_empty() && self.extension_changes.is_empty()
    }
}

#[derive(Debug)]
struct SnapshotChannel {
    uniqueid: Arc<str>,
    linkedid: Option<Arc<str>>,
    bridged: Option<Arc<str>>,
    name: Arc<str>,
    state: LegState,
    caller_number: Option<Arc<str>>,
    caller_name: Option<Arc<str>>,
    exten: Option<Arc<str>>,
    age: Duration,
}

#[derive(Debug, Default)]
pub(crate) struct Resync {
    channels: Vec<SnapshotChannel>,
    extension_changes: Vec<(Arc<str>, ExtensionStatus)>,
    /// Legs that live events created during the resync: newer than the lists.
    fresh: HashSet<Arc<str>>,
    /// Legs that hung up during the resync: the lists may still name them.
    hung_up: HashSet<Arc<str>>,
}

/// Orders Asterisk uniqueids (`<epoch>.<sequence>`) by creation.
fn uniqueid_key(id: &str) -> (u64, u64, &str) {
    let (secs, seq) = id.split_once('.').unwrap_or((id, ""));
    (
        secs.parse().unwrap_or(u64::MAX),
        seq.parse().unwrap_or(u64::MAX),
        id,
    )
}

/// `HH:MM:SS` (CoreShowChannel `Duration`) or plain seconds.
fn parse_age(value: Option<&str>) -> Duration {
    let Some(v) = value.map(str::trim) else {
        return Duration::ZERO;
    };
    let secs = v
        .split(':')
        .try_fold(0u64, |acc, part| {
            part.parse::<u64>()
                .ok()
                .map(|p| acc.saturating_mul(60).saturating_add(p))
        })
        .unwrap_or(0);
    Duration::from_secs(secs)
}

impl CallTracker {
    /// Starts a resync: feed the `CoreShowChannel` (or legacy `Status`) items,
    /// `ExtensionStateList` items and `PJSIPShowEndpoints`/`SIPpeers` items through
    /// [`handle_message`](Self::handle_message), then call [`finish_resync`](Self::finish_resync).
    pub fn begin_resync(&mut self) {
        self.resync = Some(Resync::default());
    }

    /// True between `begin_resync` and `finish_resync`.
    pub fn is_resyncing(&self) -> bool {
        self.resync.is_some()
    }

    /// Remembers, while resyncing, a leg created (or hung up) by live events.
    pub(crate) fn note_resync(&mut self, uid: &str, hung_up: bool) {
        let limit = self.config.max_active_calls;
        if let Some(resync) = &mut self.resync {
            let set = if hung_up {
                &mut resync.hung_up
            } else {
                &mut resync.fresh
            };
            if set.len() < limit {
                set.insert(uid.into());
            }
        }
    }

    pub(crate) fn note_extension_change(&mut self, key: &str, status: ExtensionStatus) {
        if let Some(resync) = &mut self.resync {
            resync.extension_changes.retain(|(k, _)| &**k != key);
            resync.extension_changes.push((key.into(), status));
        }
    }

    pub(super) fn on_channel_snapshot(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let (Some(uid), Some(name)) = (f.get(Key::Uniqueid), f.get(Key::Channel)) else {
            return;
        };
        let snapshot = SnapshotChannel {
            uniqueid: uid.into(),
            linkedid: f.boxed(Key::Linkedid),
            bridged: f.boxed(Key::BridgedUniqueid),
            name: name.into(),
            state: leg_state(f).unwrap_or(LegState::Unknown),
            caller_number: f.boxed(Key::CallerIdNum),
            caller_name: f.boxed(Key::CallerIdName),
            exten: dialled(f.get(Key::Exten).or_else(|| f.get(Key::Extension))).map(Arc::from),
            age: parse_age(f.get(Key::Seconds).or_else(|| f.get(Key::Duration))),
        };
        let limit = self
            .config
            .max_active_calls
            .saturating_mul(self.config.max_channels_per_call);
        match &mut self.resync {
            Some(resync) if resync.channels.len() < limit => resync.channels.push(snapshot),
            Some(_) => self.stats.channels_dropped += 1,
            // Outside a resync, list items answer someone's query: they refresh known
            // legs but open no call (events, not snapshots, drive the live model).
            None => {
                if let Some(call_id) = self.call_id_of(Some(&snapshot.uniqueid)) {
                    self.set_leg_state(&call_id, &snapshot.uniqueid, snapshot.state, None, now);
                }
            }
        }
    }

    /// Adds or updates one leg from a list item; records newly created calls.
    fn apply_snapshot(&mut self, snap: SnapshotChannel, now: Instant, opened: &mut Vec<Id>) {
        if let Some(call_id) = self.call_id_of(Some(&snap.uniqueid)) {
            self.set_leg_state(&call_id, &snap.uniqueid, snap.state, None, now);
            return;
        }
        // Legacy lists have no Linkedid: the older of two bridged channels names the call.
        let key: Option<Id> = snap
            .linkedid
            .clone()
            .filter(|l| *l != snap.uniqueid)
            .map(|l| Id::from(&*l))
            .or_else(|| {
                let bridged = snap.bridged.as_deref()?;
                if let Some(id) = self.legs.get(bridged) {
                    return Some(id.clone());
                }
                (uniqueid_key(bridged) < uniqueid_key(&snap.uniqueid)).then(|| Id::from(bridged))
            });
        let started_at = self.clock.system_time(now).checked_sub(snap.age);
        let mut leg = CallLeg::new(snap.uniqueid, snap.name, snap.state);
        leg.caller_number = snap.caller_number;
        leg.caller_name = snap.caller_name;
        let existed = key
            .as_deref()
            .is_some_and(|k| self.calls.contains_key(k) || self.legs.contains_key(k));
        if let Some(call_id) = self.add_leg(leg, key.as_deref(), snap.exten, false, now)
            && !existed
            && !opened.contains(&call_id)
        {
            if let (Some(entry), Some(at)) = (self.calls.get_mut(&call_id), started_at) {
                entry.call.started_at = at;
            }
            opened.push(call_id);
        }
    }

    /// Emits `Ringing`/`Answered` for calls opened from list items.
    fn announce_opened(&mut self, opened: &[Id], now: Instant) {
        for id in opened {
            let by = self.calls.get(&**id).and_then(|e| {
                let callee = e.call.legs.get(1)?;
                super::parties::party_of_leg(&self.config, callee)
            });
            self.with_call(id, now, |entry, sink| {
                let states = || entry.call.legs.iter().map(|c| c.state);
                let up = states().filter(|s| *s == LegState::Up).count();
                let first_up = entry.call.legs.first().map(|c| c.state) == Some(LegState::Up);
                let ringing = states().any(|s| matches!(s, LegState::Ringing | LegState::Ring));
                if up >= 2 {
                    sink.party_answered(entry, by, now);
                } else if first_up && entry.call.legs.len() == 1 {
                    sink.pbx_answered(entry, now);
                } else if ringing || up == 1 {
                    sink.ringing(entry, now);
                }
            });
        }
    }

    /// Ends the resync: closes calls whose legs are gone ("ended while disconnected"), opens
    /// calls that began, updates the rest, and reports what changed. The matching events are
    /// queued. Without `begin_resync` it reports nothing.
    pub fn finish_resync(&mut self, now: Instant) -> ResyncReport {
        let Some(resync) = self.resync.take() else {
            return ResyncReport::default();
        };
        let mut report = ResyncReport::default();
        let seen: HashSet<&str> = resync
            .channels
            .iter()
            .map(|c| &*c.uniqueid)
            .chain(resync.fresh.iter().map(|u| &**u))
            .collect();
        let mut gone_calls = Vec::new();
        let mut gone_legs = Vec::new();
        for (id, entry) in &self.calls {
            let live: Vec<&CallLeg> = entry.call.legs.iter().filter(|c| !c.hung_up).collect();
            if !live.iter().any(|c| seen.contains(&*c.id)) {
                gone_calls.push(id.clone());
            } else {
                gone_legs.extend(
                    live.iter()
                        .filter(|c| !seen.contains(&*c.id))
                        .map(|c| (id.clone(), c.id.clone())),
                );
            }
        }
        for id in gone_calls {
            let announced = self.calls.get(&id).is_some_and(|e| !e.provisional);
            self.end_call(&id, now, Some(EndReason::EndedWhileDisconnected));
            if announced {
                report.ended.push(Arc::from(&*id));
            }
        }
        for (call_id, uid) in gone_legs {
            if let Some(leg) = self
                .calls
                .get_mut(&call_id)
                .and_then(|e| e.call.legs.iter_mut().find(|c| c.id == uid))
            {
                leg.hung_up = true;
            }
        }
        let mut channels = resync.channels;
        channels.retain(|c| !resync.hung_up.contains(&c.uniqueid));
        channels.sort_by(|a, b| uniqueid_key(&a.uniqueid).cmp(&uniqueid_key(&b.uniqueid)));
        let mut opened = Vec::new();
        for snap in channels {
            self.apply_snapshot(snap, now, &mut opened);
        }
        self.announce_opened(&opened, now);
        report.opened = opened.iter().map(|id| Arc::from(&**id)).collect();
        report.extension_changes = resync.extension_changes;
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_ids() {
        assert_eq!(parse_age(Some("01:02:03")), Duration::from_secs(3723));
        assert_eq!(parse_age(Some("17")), Duration::from_secs(17));
        assert_eq!(parse_age(Some("x")), Duration::ZERO);
        assert!(uniqueid_key("1795728803.10") > uniqueid_key("1795728803.9"));
    }
}
