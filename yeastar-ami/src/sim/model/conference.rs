//! Conference rooms: `ConfBridge` in Asterisk 22 (`apps/app_confbridge.c`,
//! `apps/confbridge/confbridge_manager.c`), `MeetMe` in Asterisk 1.8 (`apps/app_meetme.c`).

use super::*;

impl PbxModel {
    /// The bridge fields of a conference bridge (`ast_bridge_base_new` with the softmix
    /// technology, created by ConfBridge and named after the room).
    fn conf_fields(&self, o: &mut Out, bridge: &str, room: &str, n: usize) {
        o.f("BridgeUniqueid", bridge)
            .f("BridgeType", "base")
            .f("BridgeTechnology", "softmix")
            .f("BridgeCreator", "ConfBridge")
            .f("BridgeName", room)
            .f("BridgeNumChannels", n)
            .f("BridgeVideoSourceMode", "none");
    }

    fn conf_event(&self, name: &str, room: &str, bridge: &str, n: usize, key: Option<u64>) -> Out {
        let mut o = Out::event(name, P_CALL);
        o.f("Conference", room);
        self.conf_fields(&mut o, bridge, room, n);
        if let Some(c) = key.and_then(|k| self.ch(k)) {
            snapshot(&mut o, "", c);
        }
        o
    }

    /// The caller enters a conference room.
    ///
    /// Asterisk 22 (`confbridge_exec`): the channel is answered, the first participant
    /// creates the bridge (`BridgeCreate`) and starts the conference (`ConfbridgeStart`),
    /// each participant sends `ConfbridgeJoin` then enters the bridge (`BridgeEnter`).
    /// Asterisk 1.8 (`conf_exec` → `conf_run`): answered, `MeetmeJoin` with the user number.
    pub(super) fn conference_join(&mut self, cid: CallId, room: &str, now: Instant) {
        let Some(a) = self.calls.get(&cid).map(|c| c.a) else {
            return;
        };
        let wall = self.wall_ms(now);
        let app = if self.modern() {
            "ConfBridge"
        } else {
            "MeetMe"
        };
        self.newexten(a, 1, app, room);
        self.set_state(a, ChanState::Up);
        let ext = self.ext_of(a);
        self.refresh(&ext);
        if let Some(call) = self.calls.get_mut(&cid) {
            call.phase = Phase::Conference;
            call.answer_ms = Some(wall);
            call.last_app = (app.into(), room.to_owned());
            call.truth.pbx_answer(now);
            call.truth.conference = Some(room.to_owned());
            call.epoch += 1;
        }
        let fresh = !self.rooms.contains_key(room);
        if fresh {
            let bridge = self.uuid();
            self.rooms.insert(
                room.to_owned(),
                Room {
                    bridge,
                    members: Vec::new(),
                    users: 0,
                },
            );
        }
        let Some(r) = self.rooms.get_mut(room) else {
            return;
        };
        r.members.push(a);
        r.users += 1;
        let (bridge, n, usernum) = (r.bridge.clone(), r.members.len(), r.users);
        if let Some(c) = self.ch_mut(a) {
            c.bridge = Some(bridge.clone());
        }
        if self.modern() {
            if fresh {
                let mut b = Out::event("BridgeCreate", P_CALL);
                self.conf_fields(&mut b, &bridge, room, 0);
                self.emit(Class::Call, b);
                let o = self.conf_event("ConfbridgeStart", room, &bridge, 0, None);
                self.emit(Class::Call, o);
            }
            let mut o = self.conf_event("ConfbridgeJoin", room, &bridge, n - 1, Some(a));
            o.f("Admin", "No").f("Muted", "No");
            self.emit(Class::Call, o);
            let mut o = Out::event("BridgeEnter", P_CALL);
            self.conf_fields(&mut o, &bridge, room, n);
            if let Some(c) = self.ch(a) {
                snapshot(&mut o, "", c);
            }
            self.emit(Class::Call, o);
        } else if let Some(c) = self.ch(a) {
            let mut o = Out::event("MeetmeJoin", P_CALL);
            o.f("Channel", &c.name)
                .f("Uniqueid", &c.uniqueid)
                .f("Meetme", room)
                .f("Usernum", usernum)
                .f("CallerIDnum", &c.cid_num)
                .f("CallerIDname", &c.cid_name)
                .f("ConnectedLineNum", or_unknown(&c.conn_num))
                .f("ConnectedLineName", or_unknown(&c.conn_name));
            self.emit(Class::Call, o);
        }
        if let Some(c) = self.ch_mut(a) {
            c.app = app.into();
            c.app_data = room.to_owned();
        }
    }

    /// A participant hangs up.
    ///
    /// Asterisk 22: `BridgeLeave`, `ConfbridgeLeave` (`leave_conference`), and for the last
    /// one `ConfbridgeEnd` and `BridgeDestroy`; then the channel's `Hangup` and its record
    /// (party A alone, `LastApplication: ConfBridge`). Asterisk 1.8: `MeetmeLeave` with the
    /// `Duration`, `MeetmeEnd` for the last one (`conf_free`), `Hangup`, `Cdr`.
    pub(super) fn conference_leave(&mut self, cid: CallId, now: Instant) {
        let Some(a) = self.calls.get(&cid).map(|c| c.a) else {
            return;
        };
        let Some(room) = self
            .calls
            .get(&cid)
            .and_then(|c| c.truth.conference.clone())
        else {
            return;
        };
        let a_ext = self.ext_of(a);
        if let Some(t) = self.truth(cid) {
            t.ended_by(Some(a_ext));
            t.outcome(CallOutcome::Answered);
        }
        let Some(r) = self.rooms.get_mut(&room) else {
            return;
        };
        r.members.retain(|k| *k != a);
        let (bridge, n, usernum) = (r.bridge.clone(), r.members.len(), r.users);
        let last = n == 0;
        if last {
            self.rooms.remove(&room);
        }
        if self.modern() {
            self.hangup_request("HangupRequest", a, 16);
            let mut o = Out::event("BridgeLeave", P_CALL);
            self.conf_fields(&mut o, &bridge, &room, n);
            if let Some(c) = self.ch(a) {
                snapshot(&mut o, "", c);
            }
            self.emit(Class::Call, o);
            let mut o = self.conf_event("ConfbridgeLeave", &room, &bridge, n, Some(a));
            o.f("Admin", "No");
            self.emit(Class::Call, o);
            if last {
                let o = self.conf_event("ConfbridgeEnd", &room, &bridge, 0, None);
                self.emit(Class::Call, o);
                let mut o = Out::event("BridgeDestroy", P_CALL);
                self.conf_fields(&mut o, &bridge, &room, 0);
                self.emit(Class::Call, o);
            }
            let cdr = self.cdr_out(cid, "ANSWERED", None, now);
            self.emit_hangup(a, 16);
            self.drop_channel(a);
            if let Some(cdr) = cdr {
                self.emit(Class::Cdr, cdr);
            }
        } else {
            if let Some(c) = self.ch(a) {
                let secs = now.saturating_duration_since(c.created).as_secs();
                let mut o = Out::event("MeetmeLeave", P_CALL);
                o.f("Channel", &c.name)
                    .f("Uniqueid", &c.uniqueid)
                    .f("Meetme", &room)
                    .f("Usernum", usernum)
                    .f("CallerIDNum", &c.cid_num)
                    .f("CallerIDName", &c.cid_name)
                    .f("ConnectedLineNum", or_unknown(&c.conn_num))
                    .f("ConnectedLineName", or_unknown(&c.conn_name))
                    .f("Duration", secs);
                self.emit(Class::Call, o);
            }
            if last {
                let mut o = Out::event("MeetmeEnd", P_CALL);
                o.f("Meetme", &room);
                self.emit(Class::Call, o);
            }
            self.emit_hangup(a, 16);
            self.cdr(cid, "ANSWERED", None, now);
            self.drop_channel(a);
        }
        self.finish_call(cid);
    }
}
