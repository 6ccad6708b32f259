//! `Originate`: the click-to-call leg, its answer and its `OriginateResponse`.

use super::*;

impl PbxModel {
    pub(super) fn originate(
        &mut self,
        sid: SessionId,
        m: &Message<'_>,
        id: Option<&str>,
        now: Instant,
    ) {
        let Some(spec) = m.get("Channel").map(str::to_owned) else {
            self.send(sid, Out::error(id, "Channel not specified"));
            return;
        };
        let sync = !m.get("Async").is_some_and(|v| {
            ["true", "yes", "1", "on"]
                .iter()
                .any(|t| v.trim().eq_ignore_ascii_case(t))
        });
        let context = m
            .get("Context")
            .map(str::to_owned)
            .unwrap_or_else(|| self.cfg.context.clone());
        let exten = m.get("Exten").unwrap_or_default().to_owned();
        let (tech, ext) = spec.split_once('/').unwrap_or((spec.as_str(), ""));
        let reachable = tech.eq_ignore_ascii_case(self.tech())
            && self.is_registered(ext) == Some(true)
            && self.channels.len() + 2 <= self.cfg.max_channels;
        let orig = Originate {
            session: sid,
            action_id: id.map(str::to_owned),
            sync,
            spec: spec.clone(),
            context: context.clone(),
            exten: exten.clone(),
        };
        if !reachable {
            if sync {
                self.send(sid, Out::error(id, "Originate failed"));
            } else {
                self.send(sid, Out::success(id, "Originate successfully queued"));
                self.originate_response(&orig, None, 0, now);
            }
            return;
        }
        let ext = ext.to_owned();
        if sync {
            if let Some(s) = self.sessions.get_mut(&sid) {
                s.held = Some(VecDeque::new());
            }
        } else {
            self.send(sid, Out::success(id, "Originate successfully queued"));
        }
        self.seq += 1;
        let cid = CallId(self.seq);
        let own = format!("Ext {ext}");
        let exten0 = if self.modern() { "s" } else { "" };
        let o = self.new_channel(&ext, cid, (&ext, &own), ChanState::Down, exten0, None, now);
        let truth = Truth::new(&ext, &exten, now);
        let mut call = Call::new(o, &exten, Phase::Originating, self.wall_ms(now), truth);
        call.auto_answer = true;
        call.orig = Some(orig);
        self.calls.insert(cid, call);
        self.emit_newchannel(o);
        if self.modern() {
            self.newexten(o, 1, "AppDial2", "(Outgoing Line)");
        }
        if let Some((num, name)) = m.get("CallerID").map(parse_caller_id) {
            if let Some(c) = self.ch_mut(o) {
                c.cid_num = num;
                c.cid_name = name;
            }
            let ev = if self.modern() {
                let mut ev = self.chan_event("NewCallerid", P_CALL, o);
                ev.f("CID-CallingPres", "0 (Presentation Allowed, Not Screened)");
                Some(ev)
            } else {
                self.ch(o).map(|c| {
                    let mut ev = Out::event("NewCallerid", P_CALL);
                    ev.f("Channel", &c.name)
                        .f("CallerIDNum", &c.cid_num)
                        .f("CallerIDName", &c.cid_name)
                        .f("Uniqueid", &c.uniqueid)
                        .f("CID-CallingPres", "0 (Presentation Allowed, Not Screened)");
                    ev
                })
            };
            if let Some(ev) = ev {
                self.emit(Class::Call, ev);
            }
        }
        if self.modern() {
            self.dial_event("DialBegin", None, o, None);
            self.dial_event("DialState", None, o, Some("RINGING"));
        }
        self.set_state(o, ChanState::Ringing);
        self.refresh(&ext);
        let timeout = m
            .get("Timeout")
            .and_then(|t| t.trim().parse::<u64>().ok())
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(30));
        self.schedule(now + self.cfg.answer_delay, Timer::OrigAnswer(cid, 0));
        self.schedule(now + timeout, Timer::DialTimeout(cid, 0));
    }

    pub(super) fn originate_answer(&mut self, cid: CallId, now: Instant) {
        let Some(call) = self.calls.get(&cid).cloned() else {
            return;
        };
        if call.phase != Phase::Originating {
            return;
        }
        let o = call.a;
        let ext = self.ext_of(o);
        self.set_state(o, ChanState::Up);
        self.refresh(&ext);
        if self.modern() {
            self.dial_event("DialEnd", None, o, Some("ANSWER"));
        }
        let wall = self.wall_ms(now);
        if let Some(c) = self.calls.get_mut(&cid) {
            c.answer_ms = Some(wall);
            c.phase = Phase::Dialing;
            c.epoch += 1;
        }
        if let Some(orig) = &call.orig {
            if orig.sync {
                self.release_sync(orig.session, orig.action_id.as_deref(), true, now);
            } else {
                self.originate_response(orig, Some(o), 4, now);
            }
        }
        if let Some(c) = self.calls.get_mut(&cid) {
            c.orig = None;
        }
        if call.target.is_empty() {
            // An `Application` originate: the channel stays up until hung up.
            if let Some(c) = self.calls.get_mut(&cid) {
                c.phase = Phase::App;
            }
            return;
        }
        self.enter_dialplan(cid, now);
    }

    pub(super) fn originate_failed(&mut self, cid: CallId, reason: u8, now: Instant) {
        let Some(orig) = self.calls.get_mut(&cid).and_then(|c| c.orig.take()) else {
            return;
        };
        if orig.sync {
            self.release_sync(orig.session, orig.action_id.as_deref(), false, now);
        } else {
            let a = self.calls.get(&cid).map(|c| c.a);
            self.originate_response(&orig, a, reason, now);
        }
    }

    /// Answers a synchronous `Originate` and lets the session's held events and actions go.
    pub(super) fn release_sync(
        &mut self,
        sid: SessionId,
        id: Option<&str>,
        ok: bool,
        now: Instant,
    ) {
        let reply = if ok {
            Out::success(id, "Originate successfully queued")
        } else {
            Out::error(id, "Originate failed")
        };
        self.send(sid, reply);
        let held = self.sessions.get_mut(&sid).and_then(|s| s.held.take());
        for bytes in held.into_iter().flatten() {
            self.send(sid, bytes);
        }
        self.process(sid, now);
    }

    pub(super) fn originate_response(
        &mut self,
        orig: &Originate,
        chan: Option<u64>,
        reason: u8,
        now: Instant,
    ) {
        let success = reason == 4;
        let c = chan.and_then(|k| self.ch(k)).map(|c| ChanIds {
            name: c.name.clone(),
            uniqueid: c.uniqueid.clone(),
            cid_num: c.cid_num.clone(),
            cid_name: c.cid_name.clone(),
        });
        let c = c.as_ref();
        if !self.modern() && !success {
            // Asterisk 1.8 logs the failed attempt as a CDR before answering.
            let mut o = Out::event("Cdr", P_CDR);
            let t = cdr_time(self.wall_ms(now));
            o.f("AccountCode", "")
                .f("Source", "")
                .f("Destination", &orig.exten)
                .f("DestinationContext", &orig.context)
                .f("CallerID", "")
                .f("Channel", "")
                .f("DestinationChannel", "")
                .f("LastApplication", "")
                .f("LastData", "")
                .f("StartTime", &t)
                .f("AnswerTime", "")
                .f("EndTime", &t)
                .f("Duration", 0)
                .f("BillableSeconds", 0)
                .f("Disposition", "FAILED")
                .f("AMAFlags", "DOCUMENTATION")
                .f("UniqueID", "")
                .f("UserField", "");
            self.emit(Class::Cdr, o);
        }
        let none = if self.modern() { "<unknown>" } else { "<null>" };
        let mut o = Out::event("OriginateResponse", P_CALL);
        o.id(orig.action_id.as_deref());
        o.f("Response", if success { "Success" } else { "Failure" })
            .f(
                "Channel",
                c.filter(|_| success)
                    .map(|c| c.name.as_str())
                    .unwrap_or(&orig.spec),
            )
            .f("Context", &orig.context)
            .f("Exten", &orig.exten)
            .f("Reason", reason)
            .f(
                "Uniqueid",
                c.filter(|_| success)
                    .map(|c| c.uniqueid.as_str())
                    .unwrap_or(none),
            )
            .f(
                "CallerIDNum",
                c.filter(|_| success)
                    .map(|c| c.cid_num.as_str())
                    .unwrap_or("<unknown>"),
            )
            .f(
                "CallerIDName",
                c.filter(|_| success)
                    .map(|c| c.cid_name.as_str())
                    .unwrap_or("<unknown>"),
            );
        self.emit(Class::Call, o);
    }
}
