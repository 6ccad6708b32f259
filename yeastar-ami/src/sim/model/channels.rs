//! Channels and the events that describe them (state, dialplan, dial, bridge, CDR).

use super::*;

impl PbxModel {
    /// The live channels, oldest first.
    pub fn channels(&self) -> Vec<LiveChannel> {
        self.channels
            .values()
            .map(|c| LiveChannel {
                name: c.name.clone(),
                uniqueid: c.uniqueid.clone(),
                linkedid: c.linkedid.clone(),
                extension: c.ext.clone(),
                state: c.state.code(),
                on_hold: c.held,
                call: c.call,
            })
            .collect()
    }

    /// The number of calls in progress.
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_channel(
        &mut self,
        ext: &str,
        call: CallId,
        cid: (&str, &str),
        state: ChanState,
        exten: &str,
        linkedid: Option<String>,
        now: Instant,
    ) -> u64 {
        let key = self.chan_seq;
        self.chan_seq += 1;
        let uniqueid = format!("{}.{}", self.wall_ms(now) / 1000, self.uid_seq);
        self.uid_seq += 1;
        let channel = Channel {
            name: format!("{}/{ext}-{key:08x}", self.tech()),
            linkedid: linkedid.unwrap_or_else(|| uniqueid.clone()),
            uniqueid,
            ext: ext.to_owned(),
            cid_num: cid.0.to_owned(),
            cid_name: cid.1.to_owned(),
            conn_num: String::new(),
            conn_name: String::new(),
            state,
            context: self.cfg.context.clone(),
            exten: exten.to_owned(),
            priority: 1,
            app: String::new(),
            app_data: String::new(),
            created: now,
            bridge: None,
            held: false,
            call,
        };
        self.channels.insert(key, channel);
        key
    }

    pub(super) fn drop_channel(&mut self, key: u64) {
        if let Some(c) = self.channels.remove(&key) {
            self.refresh(&c.ext);
        }
    }

    pub(super) fn ch(&self, key: u64) -> Option<&Channel> {
        self.channels.get(&key)
    }

    pub(super) fn ch_mut(&mut self, key: u64) -> Option<&mut Channel> {
        self.channels.get_mut(&key)
    }

    /// An event carrying one channel's snapshot (modern layout).
    pub(super) fn chan_event(&self, name: &str, privilege: &str, key: u64) -> Out {
        let mut o = Out::event(name, privilege);
        if let Some(c) = self.ch(key) {
            snapshot(&mut o, "", c);
        }
        o
    }

    pub(super) fn emit_newchannel(&mut self, key: u64) {
        let Some(c) = self.ch(key) else {
            return;
        };
        let mut o = Out::event("Newchannel", P_CALL);
        if self.modern() {
            snapshot(&mut o, "", c);
        } else {
            o.f("Channel", &c.name)
                .f("ChannelState", c.state.code())
                .f("ChannelStateDesc", c.state.desc())
                .f("CallerIDNum", &c.cid_num)
                .f("CallerIDName", &c.cid_name)
                .f("AccountCode", "")
                .f("Exten", &c.exten)
                .f("Context", &c.context)
                .f("Uniqueid", &c.uniqueid);
        }
        self.emit(Class::Call, o);
    }

    pub(super) fn set_state(&mut self, key: u64, state: ChanState) {
        let Some(c) = self.ch_mut(key) else {
            return;
        };
        if c.state == state {
            return;
        }
        c.state = state;
        let o = if self.modern() {
            self.chan_event("Newstate", P_CALL, key)
        } else {
            let Some(c) = self.ch(key) else {
                return;
            };
            let mut o = Out::event("Newstate", P_CALL);
            o.f("Channel", &c.name)
                .f("ChannelState", c.state.code())
                .f("ChannelStateDesc", c.state.desc())
                .f("CallerIDNum", &c.cid_num)
                .f("CallerIDName", &c.cid_name)
                .f("ConnectedLineNum", &c.conn_num)
                .f("ConnectedLineName", &c.conn_name)
                .f("Uniqueid", &c.uniqueid);
            o
        };
        self.emit(Class::Call, o);
    }

    pub(super) fn newexten(&mut self, key: u64, priority: u32, app: &str, data: &str) {
        let Some(c) = self.ch_mut(key) else {
            return;
        };
        c.priority = priority;
        c.app = app.to_owned();
        c.app_data = data.to_owned();
        let o = if self.modern() {
            let mut o = self.chan_event("Newexten", P_DIALPLAN, key);
            let exten = self.ch(key).map(|c| c.exten.clone()).unwrap_or_default();
            o.f("Extension", exten)
                .f("Application", app)
                .f("AppData", data);
            o
        } else {
            let Some(c) = self.ch(key) else {
                return;
            };
            let mut o = Out::event("Newexten", P_DIALPLAN);
            o.f("Channel", &c.name)
                .f("Context", &c.context)
                .f("Extension", &c.exten)
                .f("Priority", c.priority)
                .f("Application", app)
                .f("AppData", data)
                .f("Uniqueid", &c.uniqueid);
            o
        };
        self.emit(Class::Dialplan, o);
    }

    pub(super) fn emit_hangup(&mut self, key: u64, cause: u16) {
        let now = self.now;
        self.truth_hangup(key, cause, now);
        let Some(c) = self.ch(key) else {
            return;
        };
        let mut o = if self.modern() {
            self.chan_event("Hangup", P_CALL, key)
        } else {
            let mut o = Out::event("Hangup", P_CALL);
            o.f("Channel", &c.name)
                .f("Uniqueid", &c.uniqueid)
                .f("CallerIDNum", &c.cid_num)
                .f("CallerIDName", &c.cid_name)
                .f("ConnectedLineNum", &c.conn_num)
                .f("ConnectedLineName", &c.conn_name);
            o
        };
        o.f("Cause", cause).f("Cause-txt", cause_text(cause));
        self.emit(Class::Call, o);
    }

    pub(super) fn hangup_request(&mut self, name: &str, key: u64, cause: u16) {
        if self.modern() {
            let mut o = self.chan_event(name, P_CALL, key);
            o.f("Cause", cause);
            self.emit(Class::Call, o);
        }
    }

    /// `DialBegin`/`DialState`/`DialEnd` (modern) or `Dial` `Begin`/`End` (legacy).
    pub(super) fn dial_event(&mut self, name: &str, a: Option<u64>, b: u64, status: Option<&str>) {
        if self.modern() {
            let mut o = Out::event(name, P_CALL);
            if let Some(c) = a.and_then(|a| self.ch(a)) {
                snapshot(&mut o, "", c);
            }
            if let Some(c) = self.ch(b) {
                snapshot(&mut o, "Dest", c);
            }
            match status {
                Some(s) => {
                    o.f("DialStatus", s);
                }
                None => {
                    let ext = self.ch(b).map(|c| c.ext.clone()).unwrap_or_default();
                    o.f("DialString", ext);
                }
            }
            self.emit(Class::Call, o);
            return;
        }
        let Some(a) = a.and_then(|a| self.ch(a)) else {
            return;
        };
        let mut o = Out::event("Dial", P_CALL);
        match status {
            None => {
                let Some(bc) = self.ch(b) else {
                    return;
                };
                o.f("SubEvent", "Begin")
                    .f("Channel", &a.name)
                    .f("Destination", &bc.name)
                    .f("CallerIDNum", &a.cid_num)
                    .f("CallerIDName", &a.cid_name)
                    .f("ConnectedLineNum", or_unknown(&a.conn_num))
                    .f("ConnectedLineName", or_unknown(&a.conn_name))
                    .f("UniqueID", &a.uniqueid)
                    .f("DestUniqueID", &bc.uniqueid)
                    .f("Dialstring", &bc.ext);
            }
            Some(s) if name == "DialEnd" => {
                o.f("SubEvent", "End")
                    .f("Channel", &a.name)
                    .f("UniqueID", &a.uniqueid)
                    .f("DialStatus", s);
            }
            // Legacy has no ringing dial event.
            Some(_) => return,
        }
        self.emit(Class::Call, o);
    }

    pub(super) fn bridge_fields(&self, o: &mut Out, bridge: &str, n: usize) {
        o.f("BridgeUniqueid", bridge)
            .f("BridgeType", "basic")
            .f("BridgeTechnology", "simple_bridge")
            .f("BridgeCreator", "<unknown>")
            .f("BridgeName", "<unknown>")
            .f("BridgeNumChannels", n)
            .f("BridgeVideoSourceMode", "none");
    }

    pub(super) fn bridge_event(&mut self, name: &str, bridge: &str, n: usize, key: Option<u64>) {
        let mut o = Out::event(name, P_CALL);
        self.bridge_fields(&mut o, bridge, n);
        if let Some(c) = key.and_then(|k| self.ch(k)) {
            snapshot(&mut o, "", c);
        }
        self.emit(Class::Call, o);
    }

    pub(super) fn legacy_link(&mut self, name: &str, a: u64, b: u64) {
        let (Some(a), Some(b)) = (self.ch(a), self.ch(b)) else {
            return;
        };
        let mut o = Out::event(name, P_CALL);
        if name == "Bridge" {
            o.f("Bridgestate", "Link").f("Bridgetype", "core");
        }
        o.f("Channel1", &a.name)
            .f("Channel2", &b.name)
            .f("Uniqueid1", &a.uniqueid)
            .f("Uniqueid2", &b.uniqueid)
            .f("CallerID1", &a.cid_num)
            .f("CallerID2", &b.cid_num);
        self.emit(Class::Call, o);
    }

    /// Takes both channels out of the call's bridge (`BridgeLeave` ×2 + `BridgeDestroy`, or
    /// `Unlink`). `first` leaves first.
    pub(super) fn unbridge(&mut self, cid: CallId, first: u64, second: u64) {
        let Some(bridge) = self.calls.get_mut(&cid).and_then(|c| c.bridge.take()) else {
            return;
        };
        if self.modern() {
            self.bridge_event("BridgeLeave", &bridge, 1, Some(first));
            self.bridge_event("BridgeLeave", &bridge, 0, Some(second));
            self.bridge_event("BridgeDestroy", &bridge, 0, None);
        } else {
            let (a, b) = match self.calls.get(&cid) {
                Some(c) if c.a == second => (second, first),
                _ => (first, second),
            };
            self.legacy_link("Unlink", a, b);
        }
        for k in [first, second] {
            if let Some(c) = self.ch_mut(k) {
                c.bridge = None;
            }
        }
    }

    pub(super) fn cdr(&mut self, cid: CallId, disposition: &str, dest: Option<u64>, now: Instant) {
        if let Some(o) = self.cdr_out(cid, disposition, dest, now) {
            self.emit(Class::Cdr, o);
        }
    }

    /// The call's current record (party A = the call's `a` leg), closed at `now`.
    pub(super) fn cdr_rec(
        &self,
        cid: CallId,
        disposition: &'static str,
        dest: Option<u64>,
        now: Instant,
    ) -> Option<CdrRec> {
        let call = self.calls.get(&cid)?;
        let a = self.ch(call.a)?;
        Some(CdrRec {
            a: call.a,
            a_name: a.name.clone(),
            a_uid: a.uniqueid.clone(),
            a_num: a.cid_num.clone(),
            a_cname: a.cid_name.clone(),
            context: a.context.clone(),
            exten: call.target.clone(),
            dest_channel: if dest.is_some() {
                call.b_name.clone()
            } else {
                String::new()
            },
            last_app: call.last_app.clone(),
            start_ms: call.start_ms,
            answer_ms: call.answer_ms,
            end_ms: self.wall_ms(now),
            disposition,
        })
    }

    pub(super) fn cdr_out(
        &self,
        cid: CallId,
        disposition: &str,
        dest: Option<u64>,
        now: Instant,
    ) -> Option<Out> {
        let disposition = match disposition {
            "ANSWERED" => "ANSWERED",
            "BUSY" => "BUSY",
            "FAILED" => "FAILED",
            _ => "NO ANSWER",
        };
        let rec = self.cdr_rec(cid, disposition, dest, now)?;
        Some(cdr_frame(&rec, &rec.exten))
    }

    /// Posts the call's deferred records (party A is about to go, or has gone).
    ///
    /// `Destination` is party A's dialplan extension at posting time (Asterisk 12+
    /// `cdr_object_create_public_records` copies it then): so after a blind transfer or a
    /// redirect of the caller every record of the caller names where it went last.
    pub(super) fn post_deferred_cdrs(&mut self, cid: CallId) {
        let Some((recs, a, target)) = self
            .calls
            .get_mut(&cid)
            .map(|c| (std::mem::take(&mut c.deferred_cdrs), c.a, c.target.clone()))
        else {
            return;
        };
        for rec in &recs {
            let live = self
                .ch(rec.a)
                .filter(|c| c.uniqueid == rec.a_uid && !c.exten.is_empty())
                .map(|c| c.exten.clone());
            let dest = match live {
                Some(d) => d,
                None if rec.a == a => target.clone(),
                None => rec.exten.clone(),
            };
            let o = cdr_frame(rec, &dest);
            self.emit(Class::Cdr, o);
        }
    }

    /// Closes the call's current record and keeps it for [`PbxModel::post_deferred_cdrs`].
    pub(super) fn defer_cdr(&mut self, cid: CallId, dest: Option<u64>, now: Instant) {
        if let Some(rec) = self.cdr_rec(cid, "ANSWERED", dest, now) {
            if let Some(c) = self.calls.get_mut(&cid) {
                c.defer_cdr = true;
                if c.deferred_cdrs.len() < MAX_DEFERRED_CDRS {
                    c.deferred_cdrs.push(rec);
                    return;
                }
            }
            let o = cdr_frame(&rec, &rec.exten);
            self.emit(Class::Cdr, o);
        }
    }

    pub(super) fn cdr_hangup_leg(&mut self, cid: CallId, disposition: &str, now: Instant) {
        if let Some(call) = self.calls.get_mut(&cid) {
            call.last_app = ("Hangup".into(), String::new());
        }
        self.cdr(cid, disposition, None, now);
    }

    pub(super) fn finish_call(&mut self, cid: CallId) {
        self.post_deferred_cdrs(cid);
        if let Some(call) = self.calls.remove(&cid) {
            self.processed_calls += 1;
            let now = self.now;
            self.log_finished(cid, call.truth, now);
        }
    }
}

/// A `Cdr` event from a record.
pub(super) fn cdr_frame(rec: &CdrRec, destination: &str) -> Out {
    let duration = rec.end_ms.saturating_sub(rec.start_ms) / 1000;
    let billsec = rec
        .answer_ms
        .map(|t| rec.end_ms.saturating_sub(t) / 1000)
        .unwrap_or(0);
    let mut o = Out::event("Cdr", P_CDR);
    o.f("AccountCode", "")
        .f("Source", &rec.a_num)
        .f("Destination", destination)
        .f("DestinationContext", &rec.context)
        .f("CallerID", format!("\"{}\" <{}>", rec.a_cname, rec.a_num))
        .f("Channel", &rec.a_name)
        .f("DestinationChannel", &rec.dest_channel)
        .f("LastApplication", &rec.last_app.0)
        .f("LastData", &rec.last_app.1)
        .f("StartTime", cdr_time(rec.start_ms))
        .f(
            "AnswerTime",
            rec.answer_ms.map(cdr_time).unwrap_or_default(),
        )
        .f("EndTime", cdr_time(rec.end_ms))
        .f("Duration", duration)
        .f("BillableSeconds", billsec)
        .f("Disposition", rec.disposition)
        .f("AMAFlags", "DOCUMENTATION")
        .f("UniqueID", &rec.a_uid)
        .f("UserField", "");
    o
}
