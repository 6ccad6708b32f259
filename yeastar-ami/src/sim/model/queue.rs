//! `Queue()`: the caller is answered and waits with music on hold while the members ring
//! (ringall), an agent answers or the caller abandons (`apps/app_queue.c`).

use super::*;

impl PbxModel {
    /// The caller runs `Answer`, `Queue(<name>)`.
    ///
    /// Asterisk 22 (`queue_exec` → `join_queue` publishes `QueueCallerJoin`, `ast_moh_start`
    /// gives `MusicOnHoldStart`); Asterisk 1.8 (`join_queue` sends `Join`,
    /// `res_musiconhold.c` `MusicOnHold` `State: Start`). The members ring at once.
    pub(super) fn queue_join(&mut self, cid: CallId, name: &str, members: &[String], now: Instant) {
        let Some(a) = self.calls.get(&cid).map(|c| c.a) else {
            return;
        };
        let wall = self.wall_ms(now);
        self.newexten(a, 1, "Answer", "");
        self.set_state(a, ChanState::Up);
        self.newexten(a, 2, "Queue", name);
        let ext = self.ext_of(a);
        self.refresh(&ext);
        let count = 1 + self
            .calls
            .values()
            .filter(|c| c.phase == Phase::Queued)
            .filter(|c| c.queue.as_ref().is_some_and(|q| q.name == name))
            .count();
        if let Some(call) = self.calls.get_mut(&cid) {
            call.phase = Phase::Queued;
            call.answer_ms = Some(wall);
            call.last_app = ("Queue".into(), name.to_owned());
            call.truth.pbx_answer(now);
            call.truth.queue = Some(name.to_owned());
            call.queue = Some(QueueCall {
                name: name.to_owned(),
                members: members.to_vec(),
                ringing: Vec::new(),
                joined: now,
                ring_started: now,
                connected: None,
            });
            call.epoch += 1;
        }
        if self.modern() {
            let mut o = self.chan_event("QueueCallerJoin", P_AGENT, a);
            o.f("Queue", name).f("Position", count).f("Count", count);
            self.emit(Class::Agent, o);
            let mut o = self.chan_event("MusicOnHoldStart", P_CALL, a);
            o.f("Class", "default");
            self.emit(Class::Call, o);
        } else if let Some(c) = self.ch(a) {
            let mut o = Out::event("Join", P_CALL);
            o.f("Channel", &c.name)
                .f("CallerIDNum", &c.cid_num)
                .f("CallerIDName", &c.cid_name)
                .f("ConnectedLineNum", or_unknown(&c.conn_num))
                .f("ConnectedLineName", or_unknown(&c.conn_name))
                .f("Queue", name)
                .f("Position", count)
                .f("Count", count)
                .f("Uniqueid", &c.uniqueid);
            self.emit(Class::Call, o);
            self.legacy_moh(a, true);
        }
        self.queue_ring(cid, now);
    }

    /// Rings every free, registered member (`ring_entry`): the member's channel, then
    /// `AgentCalled`. Asterisk 22 also publishes the dial (`DialBegin`, `DialState`) and the
    /// member channel shares the caller's `Linkedid`; 1.8 sends no `Dial` events from a queue,
    /// and the member channel is linked to the caller only by `AgentCalled` and later `Bridge`.
    fn queue_ring(&mut self, cid: CallId, now: Instant) {
        let Some((a, q)) = self
            .calls
            .get(&cid)
            .and_then(|c| Some((c.a, c.queue.clone()?)))
        else {
            return;
        };
        let Some(caller) = self.ch(a).cloned() else {
            return;
        };
        let mut ringing = Vec::new();
        for m in &q.members {
            let free = self.is_registered(m) == Some(true)
                && !self.channels.values().any(|c| &c.ext == m)
                && self.channels.len() < self.cfg.max_channels;
            if !free {
                continue;
            }
            let exten = if self.modern() { "s" } else { "" };
            let name = format!("Ext {m}");
            let linked = self.modern().then(|| caller.linkedid.clone());
            let k = self.new_channel(m, cid, (m, &name), ChanState::Down, exten, linked, now);
            self.emit_newchannel(k);
            if let Some(c) = self.ch_mut(k) {
                c.conn_num = caller.cid_num.clone();
                c.conn_name = caller.cid_name.clone();
                c.app = "AppQueue".into();
                c.app_data = "(Outgoing Line)".into();
            }
            let iface = format!("{}/{m}", self.tech());
            if self.modern() {
                let mut o = Out::event("DialBegin", P_CALL);
                snapshot(&mut o, "", &caller);
                if let Some(c) = self.ch(k) {
                    snapshot(&mut o, "Dest", c);
                }
                o.f("DialString", &iface);
                self.emit(Class::Call, o);
                let mut o = Out::event("AgentCalled", P_AGENT);
                snapshot(&mut o, "", &caller);
                if let Some(c) = self.ch(k) {
                    snapshot(&mut o, "Dest", c);
                }
                o.f("Queue", &q.name)
                    .f("MemberName", &iface)
                    .f("Interface", &iface);
                self.emit(Class::Agent, o);
                self.set_state(k, ChanState::Ringing);
                self.refresh(m);
                self.dial_event("DialState", Some(a), k, Some("RINGING"));
            } else {
                let dest = self.ch(k).map(|c| c.name.clone()).unwrap_or_default();
                let mut o = Out::event("AgentCalled", P_AGENT);
                o.f("Queue", &q.name)
                    .f("AgentCalled", &iface)
                    .f("AgentName", &iface)
                    .f("ChannelCalling", &caller.name)
                    .f("DestinationChannel", dest)
                    .f("CallerIDNum", &caller.cid_num)
                    .f("CallerIDName", &caller.cid_name)
                    .f("ConnectedLineNum", or_unknown(&caller.conn_num))
                    .f("ConnectedLineName", or_unknown(&caller.conn_name))
                    .f("Context", &caller.context)
                    .f("Extension", &caller.exten)
                    .f("Priority", caller.priority)
                    .f("Uniqueid", &caller.uniqueid);
                self.emit(Class::Agent, o);
                self.set_state(k, ChanState::Ringing);
                self.refresh(m);
            }
            ringing.push(k);
        }
        let epoch = match self.calls.get_mut(&cid) {
            Some(c) => {
                if let Some(q) = c.queue.as_mut() {
                    q.ringing = ringing;
                    q.ring_started = now;
                }
                c.epoch += 1;
                c.epoch
            }
            None => return,
        };
        let at = now + self.cfg.queue_ring_timeout;
        self.schedule(at, Timer::QueueRingTimeout(cid, epoch));
    }

    /// Nobody answered within the queue's `timeout`: `AgentRingNoAnswer` per member (`rna`),
    /// their channels are hung up, and the next round rings them again.
    pub(super) fn queue_ring_timeout(&mut self, cid: CallId, now: Instant) {
        let Some((a, q)) = self
            .calls
            .get(&cid)
            .and_then(|c| Some((c.a, c.queue.clone()?)))
        else {
            return;
        };
        let ring = now.saturating_duration_since(q.ring_started);
        for k in q.ringing.clone() {
            let member = self.ext_of(k);
            let iface = format!("{}/{member}", self.tech());
            if self.modern() {
                let mut o = Out::event("AgentRingNoAnswer", P_AGENT);
                if let Some(c) = self.ch(a) {
                    snapshot(&mut o, "", c);
                }
                if let Some(c) = self.ch(k) {
                    snapshot(&mut o, "Dest", c);
                }
                o.f("Queue", &q.name)
                    .f("MemberName", &iface)
                    .f("Interface", &iface)
                    .f("RingTime", ring.as_millis());
                self.emit(Class::Agent, o);
                self.dial_event("DialEnd", Some(a), k, Some("NOANSWER"));
            } else {
                let (uid, chan) = self
                    .ch(a)
                    .map(|c| c.uniqueid.clone())
                    .zip(self.ch(k).map(|c| c.name.clone()))
                    .unwrap_or_default();
                let mut o = Out::event("AgentRingNoAnswer", P_AGENT);
                o.f("Queue", &q.name)
                    .f("Uniqueid", uid)
                    .f("Channel", chan)
                    .f("Member", &iface)
                    .f("MemberName", &iface)
                    .f("Ringtime", ring.as_secs());
                self.emit(Class::Agent, o);
            }
            self.emit_hangup(k, 0);
            self.drop_channel(k);
        }
        self.queue_ring(cid, now);
    }

    /// The first ringing member answers.
    ///
    /// Asterisk 22 (`try_calling` after `wait_for_answer`): `DialEnd` `ANSWER`, the other
    /// members cancelled (`hangupcalls` with the answering channel as exception: `DialEnd`
    /// `CANCEL`, cause 26 answered elsewhere), `QueueCallerLeave` (`leave_queue`),
    /// `MusicOnHoldStop`, `AgentConnect`, then the bridge. Asterisk 1.8: the others hung up,
    /// `Leave`, `MusicOnHold` `Stop`, `AgentConnect`, `Bridge`.
    pub(super) fn queue_connect(&mut self, cid: CallId, now: Instant) {
        let Some((a, q)) = self
            .calls
            .get(&cid)
            .and_then(|c| Some((c.a, c.queue.clone()?)))
        else {
            return;
        };
        let Some(&agent) = q.ringing.first() else {
            return;
        };
        let agent_ext = self.ext_of(agent);
        let modern = self.modern();
        self.set_state(agent, ChanState::Up);
        if modern {
            if let Some(c) = self.ch_mut(agent) {
                c.exten = String::new();
            }
            self.dial_event("DialEnd", Some(a), agent, Some("ANSWER"));
        }
        for &k in q.ringing.iter().skip(1) {
            if modern {
                self.dial_event("DialEnd", Some(a), k, Some("CANCEL"));
            }
            self.emit_hangup(k, if modern { 26 } else { 0 });
            self.drop_channel(k);
        }
        self.refresh(&agent_ext);
        let left = self
            .calls
            .iter()
            .filter(|(id, c)| **id != cid && c.phase == Phase::Queued)
            .filter(|(_, c)| c.queue.as_ref().is_some_and(|x| x.name == q.name))
            .count();
        let hold = now.saturating_duration_since(q.joined).as_secs();
        let ring = now.saturating_duration_since(q.ring_started).as_secs();
        let iface = format!("{}/{agent_ext}", self.tech());
        if modern {
            let mut o = self.chan_event("QueueCallerLeave", P_AGENT, a);
            o.f("Queue", &q.name).f("Count", left).f("Position", 1);
            self.emit(Class::Agent, o);
            let o = self.chan_event("MusicOnHoldStop", P_CALL, a);
            self.emit(Class::Call, o);
            let mut o = self.chan_event("AgentConnect", P_AGENT, a);
            if let Some(c) = self.ch(agent) {
                snapshot(&mut o, "Dest", c);
            }
            o.f("Queue", &q.name)
                .f("MemberName", &iface)
                .f("Interface", &iface)
                .f("HoldTime", hold)
                .f("RingTime", ring);
            self.emit(Class::Agent, o);
        } else {
            if let Some(c) = self.ch(a) {
                let mut o = Out::event("Leave", P_CALL);
                o.f("Channel", &c.name)
                    .f("Queue", &q.name)
                    .f("Count", left)
                    .f("Position", 1)
                    .f("Uniqueid", &c.uniqueid);
                self.emit(Class::Call, o);
            }
            self.legacy_moh(a, false);
            let (uid, (chan, agent_uid)) = self
                .ch(a)
                .map(|c| c.uniqueid.clone())
                .zip(self.ch(agent).map(|c| (c.name.clone(), c.uniqueid.clone())))
                .unwrap_or_default();
            let mut o = Out::event("AgentConnect", P_AGENT);
            o.f("Queue", &q.name)
                .f("Uniqueid", uid)
                .f("Channel", chan)
                .f("Member", &iface)
                .f("MemberName", &iface)
                .f("Holdtime", hold)
                .f("BridgedChannel", agent_uid)
                .f("Ringtime", ring);
            self.emit(Class::Agent, o);
        }
        let b_name = self.ch(agent).map(|c| c.name.clone()).unwrap_or_default();
        if let Some(call) = self.calls.get_mut(&cid) {
            call.b = Some(agent);
            call.b_name = b_name;
            call.truth.answer(&agent_ext, now);
            if let Some(q) = call.queue.as_mut() {
                q.ringing.clear();
                q.connected = Some(now);
            }
        }
        let bridge = self.uuid();
        for k in [agent, a] {
            if let Some(c) = self.ch_mut(k) {
                c.bridge = Some(bridge.clone());
            }
        }
        if modern {
            self.bridge_event("BridgeCreate", &bridge, 0, None);
            self.bridge_event("BridgeEnter", &bridge, 1, Some(agent));
            self.bridge_event("BridgeEnter", &bridge, 2, Some(a));
        } else {
            self.legacy_link("Bridge", a, agent);
        }
        if let Some(call) = self.calls.get_mut(&cid) {
            call.phase = Phase::Up;
            call.bridge = Some(bridge);
            call.epoch += 1;
        }
    }

    /// `AgentComplete` after the agent's bridge ended (`send_agent_complete` in 1.8; the
    /// queue's stasis callbacks in 22). `reason` is `caller` or `agent`.
    pub(super) fn agent_complete(&mut self, cid: CallId, reason: &str, now: Instant) {
        let Some((a, b, q)) = self
            .calls
            .get(&cid)
            .and_then(|c| Some((c.a, c.b?, c.queue.clone()?)))
        else {
            return;
        };
        let connected = q.connected.unwrap_or(now);
        let hold = connected.saturating_duration_since(q.joined).as_secs();
        let talk = now.saturating_duration_since(connected).as_secs();
        let agent_ext = self.ext_of(b);
        let iface = format!("{}/{agent_ext}", self.tech());
        let mut o = Out::event("AgentComplete", P_AGENT);
        if self.modern() {
            if let Some(c) = self.ch(a) {
                snapshot(&mut o, "", c);
            }
            if let Some(c) = self.ch(b) {
                snapshot(&mut o, "Dest", c);
            }
            o.f("Queue", &q.name)
                .f("MemberName", &iface)
                .f("Interface", &iface)
                .f("HoldTime", hold)
                .f("TalkTime", talk)
                .f("Reason", reason);
        } else {
            let (uid, chan) = self
                .ch(a)
                .map(|c| c.uniqueid.clone())
                .zip(self.ch(b).map(|c| c.name.clone()))
                .unwrap_or_default();
            o.f("Queue", &q.name)
                .f("Uniqueid", uid)
                .f("Channel", chan)
                .f("Member", &iface)
                .f("MemberName", &iface)
                .f("HoldTime", hold)
                .f("TalkTime", talk)
                .f("Reason", reason);
        }
        self.emit(Class::Agent, o);
    }

    /// The caller hangs up while waiting: the members are cancelled (`hangupcalls`), then
    /// `QueueCallerAbandon` (`record_abandoned`, in both versions) and the leave event
    /// (`leave_queue`: `QueueCallerLeave` in 22, `Leave` in 1.8). The caller had been answered
    /// by `Answer`, so its record is `ANSWERED` with no destination channel.
    pub(super) fn queue_abandon(&mut self, cid: CallId, now: Instant) {
        let Some((a, q)) = self
            .calls
            .get(&cid)
            .and_then(|c| Some((c.a, c.queue.clone()?)))
        else {
            return;
        };
        let a_ext = self.ext_of(a);
        if let Some(t) = self.truth(cid) {
            t.ended_by(Some(a_ext));
            t.outcome(CallOutcome::Abandoned);
        }
        let modern = self.modern();
        if modern {
            self.hangup_request("HangupRequest", a, 16);
        }
        for &k in &q.ringing {
            if modern {
                self.dial_event("DialEnd", Some(a), k, Some("CANCEL"));
            }
            self.emit_hangup(k, 0);
            self.drop_channel(k);
        }
        let hold = now.saturating_duration_since(q.joined).as_secs();
        let left = self
            .calls
            .iter()
            .filter(|(id, c)| **id != cid && c.phase == Phase::Queued)
            .filter(|(_, c)| c.queue.as_ref().is_some_and(|x| x.name == q.name))
            .count();
        if modern {
            let mut o = self.chan_event("QueueCallerAbandon", P_AGENT, a);
            o.f("Queue", &q.name)
                .f("Position", 1)
                .f("OriginalPosition", 1)
                .f("HoldTime", hold);
            self.emit(Class::Agent, o);
            let mut o = self.chan_event("QueueCallerLeave", P_AGENT, a);
            o.f("Queue", &q.name).f("Count", left).f("Position", 1);
            self.emit(Class::Agent, o);
            let o = self.chan_event("MusicOnHoldStop", P_CALL, a);
            self.emit(Class::Call, o);
            let cdr = self.cdr_out(cid, "ANSWERED", None, now);
            self.emit_hangup(a, 16);
            self.drop_channel(a);
            if let Some(cdr) = cdr {
                self.emit(Class::Cdr, cdr);
            }
        } else {
            let uid = self.ch(a).map(|c| c.uniqueid.clone()).unwrap_or_default();
            let mut o = Out::event("QueueCallerAbandon", P_AGENT);
            o.f("Queue", &q.name)
                .f("Uniqueid", &uid)
                .f("Position", 1)
                .f("OriginalPosition", 1)
                .f("HoldTime", hold);
            self.emit(Class::Agent, o);
            if let Some(c) = self.ch(a) {
                let mut o = Out::event("Leave", P_CALL);
                o.f("Channel", &c.name)
                    .f("Queue", &q.name)
                    .f("Count", left)
                    .f("Position", 1)
                    .f("Uniqueid", &c.uniqueid);
                self.emit(Class::Call, o);
            }
            self.legacy_moh(a, false);
            self.emit_hangup(a, 16);
            self.cdr(cid, "ANSWERED", None, now);
            self.drop_channel(a);
        }
        self.finish_call(cid);
    }
}
