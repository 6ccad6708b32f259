//! Scripted two-party calls: dialplan, ringing, answer, endings, hold, blind transfer.

use super::*;

impl PbxModel {
    /// Starts a scripted call now: the caller's phone dials. Returns the call.
    pub fn play(&mut self, script: CallScript, now: Instant) -> Result<CallId, SimError> {
        self.now = now;
        if !self.endpoints.contains_key(&script.from) {
            return Err(SimError::UnknownExtension(script.from));
        }
        if self.channels.len() + 2 > self.cfg.max_channels {
            return Err(SimError::TooManyChannels);
        }
        self.seq += 1;
        let cid = CallId(self.seq);
        let name = script
            .caller_name
            .clone()
            .unwrap_or_else(|| format!("Ext {}", script.from));
        let initial = if self.modern() {
            ChanState::Ring
        } else {
            ChanState::Down
        };
        let a = self.new_channel(
            &script.from,
            cid,
            (&script.from, &name),
            initial,
            &script.to,
            None,
            now,
        );
        let steps: VecDeque<(Duration, CallStep)> = script.steps.into_iter().collect();
        let first = steps.front().map(|(d, _)| *d);
        let truth = Truth::new(&script.from, &script.to, now);
        let mut call = Call::new(a, &script.to, Phase::Dialing, self.wall_ms(now), truth);
        call.steps = steps;
        self.calls.insert(cid, call);
        self.emit_newchannel(a);
        if !self.modern() {
            self.set_state(a, ChanState::Ring);
        }
        self.enter_dialplan(cid, now);
        if let Some(delay) = first.filter(|_| self.calls.contains_key(&cid)) {
            self.schedule(now + delay, Timer::Step(cid));
        }
        Ok(cid)
    }

    pub(super) fn run_step(&mut self, cid: CallId, now: Instant) {
        let Some(step) = self
            .calls
            .get_mut(&cid)
            .and_then(|c| c.steps.pop_front())
            .map(|(_, s)| s)
        else {
            return;
        };
        let phase = self.phase(cid);
        let ringing = matches!(phase, Some(Phase::Dialing | Phase::Ringing));
        let up = phase == Some(Phase::Up);
        let consulting = self.calls.get(&cid).is_some_and(|c| c.consult.is_some());
        match step {
            // An attended transfer's consultation: only its own steps apply.
            CallStep::Answer if consulting => self.consult_answer(cid, now),
            CallStep::CompleteTransfer if consulting => self.complete_transfer(cid, now),
            _ if consulting => {}
            CallStep::Answer if phase == Some(Phase::Queued) => self.queue_connect(cid, now),
            CallStep::CallerHangup if phase == Some(Phase::Queued) => self.queue_abandon(cid, now),
            CallStep::NoAnswer if phase == Some(Phase::Queued) => self.queue_ring_timeout(cid, now),
            CallStep::CallerHangup | CallStep::CalleeHangup if phase == Some(Phase::Conference) => {
                self.conference_leave(cid, now)
            }
            CallStep::Answer if ringing => self.answer(cid, now),
            CallStep::Busy if ringing => self.reject(cid, 17, now),
            CallStep::CallerHangup if ringing => {
                let cause = if self.modern() { 127 } else { 0 };
                self.cancel(cid, cause, now);
            }
            CallStep::CallerHangup if up => self.end_answered(cid, Party::Caller, 16, now),
            CallStep::CalleeHangup if up => self.end_answered(cid, Party::Callee, 16, now),
            CallStep::CalleeHangup if ringing => self.reject(cid, 21, now),
            CallStep::CallerHangup => {
                let ext = self.calls.get(&cid).map(|c| c.a).map(|a| self.ext_of(a));
                if let Some(t) = self.truth(cid) {
                    t.ended_by(ext);
                }
                self.end_single(cid, 16, now)
            }
            CallStep::CalleeHangup => self.end_single(cid, 16, now),
            CallStep::NoAnswer if ringing => self.no_answer(cid, now),
            CallStep::Hold(p) if up => self.hold(cid, p, true),
            CallStep::Unhold(p) if up => self.hold(cid, p, false),
            CallStep::BlindTransfer { by, to } if up => self.blind_transfer(cid, by, &to, now),
            CallStep::AttendedTransfer { by, to } if up => {
                self.attended_transfer(cid, by, &to, now)
            }
            CallStep::Redirect { party, to } if up => {
                let key = self.legs(cid).map(|(a, b)| match party {
                    Party::Caller => a,
                    Party::Callee => b,
                });
                if let Some(key) = key {
                    let context = self.cfg.context.clone();
                    self.redirect_inner(key, &to, &context, true, now);
                }
            }
            _ => {}
        }
        let next = self
            .calls
            .get(&cid)
            .and_then(|c| c.steps.front())
            .map(|(d, _)| *d);
        if let Some(delay) = next {
            self.schedule(now + delay, Timer::Step(cid));
        }
    }

    /// The caller's channel enters the dialplan at the call's target.
    pub(super) fn enter_dialplan(&mut self, cid: CallId, now: Instant) {
        let Some(call) = self.calls.get(&cid) else {
            return;
        };
        let (a, target) = (call.a, call.target.clone());
        let from = self.ch(a).map(|c| c.cid_num.clone()).unwrap_or_default();
        if let Some(c) = self.ch_mut(a) {
            c.exten = target.clone();
        }
        let app = self
            .cfg
            .apps
            .iter()
            .find(|(e, _)| *e == target)
            .map(|(_, app)| app.clone());
        let dial_to = match &app {
            _ if self.endpoints.contains_key(&target) => Some(target.clone()),
            Some(DialplanApp::Dial(ext)) if self.endpoints.contains_key(ext) => Some(ext.clone()),
            _ => None,
        };
        if let Some(ext) = dial_to {
            let dial = format!("{}/{ext},20", self.tech());
            self.newexten(a, 1, "NoOp", &format!("Call to {target} from {from}"));
            self.newexten(a, 2, "Dial", &dial);
            if let Some(call) = self.calls.get_mut(&cid) {
                call.last_app = ("Dial".into(), dial);
            }
            if self.is_registered(&ext) == Some(true) && self.channels.len() < self.cfg.max_channels
            {
                self.dial_out(cid, &ext, now);
            } else {
                self.fail_unreachable(cid, 3, now);
            }
            return;
        }
        match app {
            Some(DialplanApp::Queue { name, members }) => {
                self.queue_join(cid, &name, &members, now)
            }
            Some(DialplanApp::Conference(room)) => self.conference_join(cid, &room, now),
            Some(DialplanApp::Dial(_)) | None => self.fail_unreachable(cid, 1, now),
            Some(app) => self.run_app(cid, app, now),
        }
    }

    pub(super) fn dial_out(&mut self, cid: CallId, target: &str, now: Instant) {
        let Some(call) = self.calls.get(&cid) else {
            return;
        };
        let (a, target) = (call.a, target.to_owned());
        let Some((linked, a_num, a_name)) = self
            .ch(a)
            .map(|c| (c.linkedid.clone(), c.cid_num.clone(), c.cid_name.clone()))
        else {
            return;
        };
        let exten = if self.modern() { "s" } else { "" };
        let name = format!("Ext {target}");
        let b = self.new_channel(
            &target,
            cid,
            (&target, &name),
            ChanState::Down,
            exten,
            Some(linked),
            now,
        );
        self.emit_newchannel(b);
        let b_name = self.ch(b).map(|c| c.name.clone()).unwrap_or_default();
        if let Some(c) = self.ch_mut(b) {
            c.conn_num = a_num;
            c.conn_name = a_name;
            c.exten = target.clone();
        }
        if self.modern() {
            self.newexten(b, 1, "AppDial", "(Outgoing Line)");
            let o = self.chan_event("NewConnectedLine", P_CALL, b);
            self.emit(Class::Call, o);
        } else if let Some(c) = self.ch_mut(b) {
            c.app = "AppDial".into();
            c.app_data = "(Outgoing Line)".into();
        }
        self.dial_event("DialBegin", Some(a), b, None);
        if let Some(c) = self.ch_mut(a) {
            c.conn_num = target.clone();
            c.conn_name = name;
        }
        if self.modern() {
            let o = self.chan_event("NewConnectedLine", P_CALL, a);
            self.emit(Class::Call, o);
        }
        let epoch = match self.calls.get_mut(&cid) {
            Some(call) => {
                call.b = Some(b);
                call.b_name = b_name;
                call.phase = Phase::Dialing;
                call.epoch += 1;
                call.epoch
            }
            None => return,
        };
        let busy_now = self
            .calls
            .get(&cid)
            .and_then(|c| c.steps.front())
            .is_some_and(|(d, s)| *s == CallStep::Busy && d.is_zero());
        if !busy_now {
            self.ring(cid);
        }
        let auto = self.calls.get(&cid).is_some_and(|c| c.auto_answer);
        if auto {
            self.schedule(now + self.cfg.answer_delay, Timer::AutoAnswer(cid, epoch));
        }
        self.schedule(now + self.cfg.dial_timeout, Timer::DialTimeout(cid, epoch));
    }

    pub(super) fn legs(&self, cid: CallId) -> Option<(u64, u64)> {
        let call = self.calls.get(&cid)?;
        Some((call.a, call.b?))
    }

    pub(super) fn ring(&mut self, cid: CallId) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let (a_ext, b_ext) = (self.ext_of(a), self.ext_of(b));
        if self.modern() {
            self.set_state(b, ChanState::Ringing);
            self.refresh(&b_ext);
            self.dial_event("DialState", Some(a), b, Some("RINGING"));
            self.refresh(&a_ext);
        } else {
            if let Some(c) = self.ch_mut(b) {
                c.state = ChanState::Ringing;
            }
            self.refresh(&b_ext);
            if let Some(c) = self.ch_mut(b) {
                c.state = ChanState::Down;
            }
            self.set_state(b, ChanState::Ringing);
            self.refresh(&a_ext);
        }
        if let Some(call) = self.calls.get_mut(&cid) {
            call.phase = Phase::Ringing;
        }
    }

    pub(super) fn ext_of(&self, key: u64) -> String {
        self.ch(key).map(|c| c.ext.clone()).unwrap_or_default()
    }

    pub(super) fn answer(&mut self, cid: CallId, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let (a_ext, b_ext) = (self.ext_of(a), self.ext_of(b));
        if let Some(t) = self.truth(cid) {
            t.answer(&b_ext, now);
        }
        let wall = self.wall_ms(now);
        let bridge = self.uuid();
        if self.modern() {
            self.set_state(b, ChanState::Up);
            if let Some(c) = self.ch_mut(b) {
                c.exten = String::new();
            }
            self.dial_event("DialEnd", Some(a), b, Some("ANSWER"));
            self.set_state(a, ChanState::Up);
            self.refresh(&b_ext);
            self.bridge_event("BridgeCreate", &bridge, 0, None);
            self.newexten(b, 1, "AppDial", "(Outgoing Line)");
            for k in [b, a] {
                if let Some(c) = self.ch_mut(k) {
                    c.bridge = Some(bridge.clone());
                }
            }
            self.bridge_event("BridgeEnter", &bridge, 1, Some(b));
            self.bridge_event("BridgeEnter", &bridge, 2, Some(a));
        } else {
            self.set_state(b, ChanState::Up);
            self.refresh(&b_ext);
            self.set_state(a, ChanState::Up);
            for k in [b, a] {
                if let Some(c) = self.ch_mut(k) {
                    c.bridge = Some(bridge.clone());
                }
            }
            self.legacy_link("Bridge", a, b);
        }
        self.refresh(&a_ext);
        if let Some(call) = self.calls.get_mut(&cid) {
            call.phase = Phase::Up;
            call.answer_ms = Some(wall);
            call.bridge = Some(bridge);
            call.epoch += 1;
        }
    }

    /// An answered two-party call ends: `who` hung up with `cause`.
    ///
    /// Queue calls add `AgentComplete` (app_queue.c: `send_agent_complete` in 1.8, the queue's
    /// stasis `handle_hangup` in 22); calls whose records were deferred by a transfer or a
    /// redirect post them all now (cdr.c posts a party A's chain when it is gone).
    pub(super) fn end_answered(&mut self, cid: CallId, who: Party, cause: u16, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let (first, second) = match who {
            Party::Caller => (a, b),
            Party::Callee => (b, a),
        };
        let first_ext = self.ext_of(first);
        let (queued, deferred) = match self.calls.get_mut(&cid) {
            Some(c) => {
                c.truth.ended_by(Some(first_ext));
                c.truth.outcome(CallOutcome::Answered);
                (c.queue.is_some(), c.defer_cdr)
            }
            None => return,
        };
        let reason = if who == Party::Caller {
            "caller"
        } else {
            "agent"
        };
        if self.modern() {
            self.hangup_request("HangupRequest", first, cause);
            self.unbridge(cid, first, second);
            if queued {
                self.agent_complete(cid, reason, now);
            }
            self.hangup_request("SoftHangupRequest", a, 16);
            let rec = self.cdr_rec(cid, "ANSWERED", Some(b), now);
            self.emit_hangup(b, cause);
            self.drop_channel(b);
            if deferred {
                // Party A is still up for a moment: its records take its last position.
                if let (Some(rec), Some(c)) = (rec, self.calls.get_mut(&cid)) {
                    c.deferred_cdrs.push(rec);
                }
                self.post_deferred_cdrs(cid);
                self.emit_hangup(a, cause);
                self.drop_channel(a);
            } else {
                self.emit_hangup(a, cause);
                self.drop_channel(a);
                self.post_deferred_cdrs(cid);
                if let Some(rec) = rec {
                    let o = cdr_frame(&rec, &rec.exten);
                    self.emit(Class::Cdr, o);
                }
            }
        } else if queued {
            self.unbridge(cid, first, second);
            self.cdr(cid, "ANSWERED", Some(b), now);
            self.agent_complete(cid, reason, now);
            // The agent's channel goes first; the caller's Queue returns and its channel
            // ends without a cause of its own (observed: `Cause: 0`).
            let agent_cause = 16;
            let caller_cause = if who == Party::Callee { 0 } else { cause };
            self.emit_hangup(b, agent_cause);
            self.drop_channel(b);
            self.emit_hangup(a, caller_cause);
            self.drop_channel(a);
        } else {
            self.unbridge(cid, first, second);
            self.cdr(cid, "ANSWERED", Some(b), now);
            self.emit_hangup(b, cause);
            self.drop_channel(b);
            self.dial_event("DialEnd", Some(a), b, Some("ANSWER"));
            self.emit_hangup(a, cause);
            self.drop_channel(a);
        }
        self.finish_call(cid);
    }

    /// The callee refuses while the call is being set up (486 → cause 17, 603 → 21).
    pub(super) fn reject(&mut self, cid: CallId, cause: u16, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let status = if matches!(cause, 17 | 21) {
            "BUSY"
        } else {
            "CHANUNAVAIL"
        };
        let disposition = if cause == 17 { "BUSY" } else { "NO ANSWER" };
        let b_ext = self.ext_of(b);
        if let Some(t) = self.truth(cid) {
            t.ended_by(Some(b_ext));
            t.outcome(if cause == 17 {
                CallOutcome::Busy
            } else {
                CallOutcome::NoAnswer
            });
        }
        if self.modern() {
            self.hangup_request("HangupRequest", b, cause);
            self.cdr(cid, disposition, Some(b), now);
            self.cdr_hangup_leg(cid, disposition, now);
            self.dial_event("DialEnd", Some(a), b, Some(status));
            self.newexten(a, 3, "Hangup", "");
            self.hangup_request("SoftHangupRequest", a, 16);
            self.emit_hangup(a, cause);
            self.emit_hangup(b, cause);
            self.drop_channel(b);
            self.drop_channel(a);
        } else {
            self.emit_hangup(b, cause);
            self.dial_event("DialEnd", Some(a), b, Some(status));
            self.drop_channel(b);
            self.newexten(a, 3, "Hangup", "");
            self.emit_hangup(a, cause);
            self.cdr(cid, disposition, Some(b), now);
            self.drop_channel(a);
        }
        self.finish_call(cid);
    }

    /// The caller gives up while the callee rings (`CANCEL`).
    pub(super) fn cancel(&mut self, cid: CallId, cause: u16, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let a_ext = self.ext_of(a);
        if let Some(t) = self.truth(cid) {
            t.ended_by(Some(a_ext));
            t.outcome(CallOutcome::Cancelled);
        }
        if self.modern() {
            self.hangup_request("HangupRequest", a, cause);
            self.dial_event("DialEnd", Some(a), b, Some("CANCEL"));
            self.emit_hangup(b, cause);
            self.drop_channel(b);
            self.cdr(cid, "NO ANSWER", Some(b), now);
            self.hangup_request("SoftHangupRequest", a, 16);
            self.emit_hangup(a, cause);
            self.drop_channel(a);
        } else {
            self.emit_hangup(b, 16);
            self.dial_event("DialEnd", Some(a), b, Some("CANCEL"));
            self.emit_hangup(a, cause);
            self.cdr(cid, "NO ANSWER", Some(b), now);
            self.drop_channel(b);
            self.drop_channel(a);
        }
        self.finish_call(cid);
    }

    /// The dial timeout fires while the callee rings.
    pub(super) fn no_answer(&mut self, cid: CallId, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            // An `Originate` leg that nobody answered.
            self.end_single(cid, 19, now);
            return;
        };
        if let Some(t) = self.truth(cid) {
            t.ended_by(None);
            t.outcome(CallOutcome::NoAnswer);
        }
        if self.modern() {
            self.dial_event("DialEnd", Some(a), b, Some("NOANSWER"));
            self.newexten(a, 3, "Hangup", "");
            self.hangup_request("SoftHangupRequest", a, 16);
            self.emit_hangup(b, 0);
            let cdr = self.cdr_out(cid, "NO ANSWER", Some(b), now);
            self.drop_channel(b);
            if let Some(cdr) = cdr {
                self.emit(Class::Cdr, cdr);
            }
            self.cdr_hangup_leg(cid, "NO ANSWER", now);
            self.emit_hangup(a, 16);
            self.drop_channel(a);
        } else {
            self.emit_hangup(b, 0);
            self.dial_event("DialEnd", Some(a), b, Some("NOANSWER"));
            self.drop_channel(b);
            self.newexten(a, 3, "Hangup", "");
            self.emit_hangup(a, 16);
            self.cdr(cid, "NO ANSWER", Some(b), now);
            self.drop_channel(a);
        }
        self.finish_call(cid);
    }

    /// The dialled extension cannot be reached (not registered: cause 3; no such extension:
    /// cause 1). CDR `FAILED`.
    pub(super) fn fail_unreachable(&mut self, cid: CallId, cause: u16, now: Instant) {
        let Some(a) = self.calls.get(&cid).map(|c| c.a) else {
            return;
        };
        if let Some(t) = self.truth(cid) {
            t.ended_by(None);
            t.outcome(CallOutcome::Failed);
        }
        if cause == 3 {
            self.newexten(a, 3, "Hangup", "");
        }
        if self.modern() {
            self.hangup_request("SoftHangupRequest", a, 16);
            self.cdr(cid, "FAILED", None, now);
            self.emit_hangup(a, cause);
        } else {
            self.emit_hangup(a, cause);
            self.cdr(cid, "FAILED", None, now);
        }
        self.drop_channel(a);
        self.finish_call(cid);
    }

    /// A one-channel call ends (an application, or an `Originate` leg).
    pub(super) fn end_single(&mut self, cid: CallId, cause: u16, now: Instant) {
        let Some(call) = self.calls.get(&cid).cloned() else {
            return;
        };
        let a = call.a;
        if let Some(t) = self.truth(cid) {
            t.ended_by(None);
            if call.phase == Phase::Originating {
                t.outcome(if cause == 19 {
                    CallOutcome::NoAnswer
                } else {
                    CallOutcome::Failed
                });
            }
        }
        if call.phase == Phase::Originating {
            let reason = if cause == 19 { 3 } else { 1 };
            self.originate_failed(cid, reason, now);
        }
        self.hangup_request("HangupRequest", a, cause);
        self.emit_hangup(a, cause);
        let disposition = if call.answer_ms.is_some() {
            "ANSWERED"
        } else {
            "NO ANSWER"
        };
        self.cdr(cid, disposition, None, now);
        self.drop_channel(a);
        self.finish_call(cid);
    }

    pub(super) fn run_app(&mut self, cid: CallId, app: DialplanApp, now: Instant) {
        let Some(a) = self.calls.get(&cid).map(|c| c.a) else {
            return;
        };
        let wall = self.wall_ms(now);
        self.newexten(a, 1, "Answer", "");
        let was_up = self.ch(a).is_some_and(|c| c.state == ChanState::Up);
        self.set_state(a, ChanState::Up);
        let (name, data, ends) = match &app {
            DialplanApp::Echo => ("Echo", String::new(), None),
            DialplanApp::Playback { file, length } => ("Playback", file.clone(), Some(*length)),
            DialplanApp::Wait(d) => ("Wait", d.as_secs().to_string(), Some(*d)),
            // Routed by `enter_dialplan`.
            DialplanApp::Dial(_) | DialplanApp::Queue { .. } | DialplanApp::Conference(_) => {
                return;
            }
        };
        self.newexten(a, 2, name, &data);
        let ext = self.ext_of(a);
        self.refresh(&ext);
        let epoch = match self.calls.get_mut(&cid) {
            Some(call) => {
                call.truth.answer(&call.target, now);
                call.phase = Phase::App;
                if !was_up || call.answer_ms.is_none() {
                    call.answer_ms = Some(wall);
                }
                call.last_app = (name.into(), data);
                call.epoch += 1;
                call.epoch
            }
            None => return,
        };
        if let Some(d) = ends {
            self.schedule(now + d, Timer::AppEnd(cid, epoch));
        }
    }

    pub(super) fn app_end(&mut self, cid: CallId, now: Instant) {
        let Some(a) = self.calls.get(&cid).map(|c| c.a) else {
            return;
        };
        if let Some(t) = self.truth(cid) {
            t.ended_by(None);
        }
        self.newexten(a, 3, "Hangup", "");
        self.hangup_request("SoftHangupRequest", a, 16);
        self.emit_hangup(a, 16);
        self.post_deferred_cdrs(cid);
        self.cdr(cid, "ANSWERED", None, now);
        self.drop_channel(a);
        self.finish_call(cid);
    }

    pub(super) fn hold(&mut self, cid: CallId, who: Party, on: bool) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let key = match who {
            Party::Caller => a,
            Party::Callee => b,
        };
        match self.ch_mut(key) {
            Some(c) if c.held != on => c.held = on,
            _ => return,
        }
        let o = if self.modern() {
            let mut o = self.chan_event(if on { "Hold" } else { "Unhold" }, P_CALL, key);
            if on {
                o.f("MusicClass", "default");
            }
            o
        } else {
            let Some(c) = self.ch(key) else {
                return;
            };
            let mut o = Out::event("Hold", P_CALL);
            o.f("Status", if on { "On" } else { "Off" })
                .f("Channel", &c.name)
                .f("Uniqueid", &c.uniqueid);
            o
        };
        self.emit(Class::Call, o);
        let ext = self.ext_of(key);
        self.refresh(&ext);
    }

    pub(super) fn uuid(&mut self) -> String {
        let r = &mut self.rng;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            r.u32(..),
            r.u16(..),
            r.u16(..),
            r.u16(..),
            r.u64(..) & 0xffff_ffff_ffff
        )
    }
}
