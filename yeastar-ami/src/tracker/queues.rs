//! Queues, agents and conferences.

use std::sync::Arc;
use std::time::Instant;

use super::input::{Fields, Key};
use super::parties::device_name;
use super::{CallTracker, Id};

impl CallTracker {
    pub(super) fn on_queue_join(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        let queue = f.boxed(Key::Queue);
        self.with_call(&call_id, now, |entry, _| {
            if queue.is_some() {
                entry.call.queue = queue;
            }
            entry.in_queue = true;
        });
    }

    pub(super) fn on_queue_leave(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        self.with_call(&call_id, now, |entry, _| entry.in_queue = false);
    }

    pub(super) fn on_queue_abandon(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        let queue = f.boxed(Key::Queue);
        self.with_call(&call_id, now, |entry, _| {
            entry.abandoned = true;
            entry.in_queue = false;
            if entry.call.queue.is_none() {
                entry.call.queue = queue;
            }
        });
    }

    /// The agent's leg of a queue call: by `DestUniqueid` (modern) or by the channel name in
    /// `DestinationChannel` / `DestChannel` / (legacy `AgentConnect`) `Channel`.
    fn agent_leg(&self, f: &Fields<'_, '_>, caller_uid: &str) -> Option<(Id, Arc<str>)> {
        if let Some(uid) = f.get(Key::DestUniqueid)
            && let Some(call) = self.call_id_of(Some(uid))
        {
            return Some((call, uid.into()));
        }
        [Key::DestinationChannel, Key::DestChannel, Key::Channel]
            .into_iter()
            .filter_map(|k| self.call_id_of_name(f.get(k)))
            .find(|(_, uid)| &**uid != caller_uid)
    }

    /// Puts the agent's leg into the caller's call (legacy agent legs start on their own).
    fn join_agent(&mut self, f: &Fields<'_, '_>, now: Instant) -> Option<(Id, Option<Arc<str>>)> {
        let caller_uid = f.get(Key::Uniqueid)?;
        let call_id = self.call_id_of(Some(caller_uid))?;
        let agent = self.agent_leg(f, caller_uid);
        if let Some((agent_call, _)) = &agent
            && *agent_call != call_id
        {
            self.merge(&call_id, agent_call, now);
        }
        Some((call_id, agent.map(|(_, uid)| uid)))
    }

    pub(super) fn on_agent_called(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some((call_id, _)) = self.join_agent(f, now) else {
            return;
        };
        let queue = f.boxed(Key::Queue);
        self.with_call(&call_id, now, |entry, sink| {
            if entry.call.queue.is_none() {
                entry.call.queue = queue;
            }
            sink.ringing(entry, now);
        });
    }

    pub(super) fn on_agent_connect(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some((call_id, agent_uid)) = self.join_agent(f, now) else {
            return;
        };
        let agent = agent_uid
            .and_then(|uid| self.party(&call_id, &uid))
            .or_else(|| {
                f.get(Key::Interface)
                    .map(device_name)
                    .filter(|p| self.config.extensions.is_extension(p))
                    .map(Arc::from)
            })
            .or_else(|| f.boxed(Key::MemberName));
        self.with_call(&call_id, now, |entry, sink| {
            entry.in_queue = false;
            sink.party_answered(entry, agent, now);
        });
    }

    pub(super) fn on_conference_join(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let Some(call_id) = self.call_id_of(f.get(Key::Uniqueid)) else {
            return;
        };
        let conference = f.boxed(Key::Conference);
        self.with_call(&call_id, now, |entry, sink| {
            if conference.is_some() {
                entry.call.conference = conference;
            }
            // ConfBridge answers the caller itself.
            sink.pbx_answered(entry, now);
        });
    }
}
