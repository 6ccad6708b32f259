//! Transfers and redirects of answered calls: blind, attended, and a manager `Redirect`.

use super::*;

impl PbxModel {
    /// A blind transfer of an answered two-party call.
    ///
    /// Asterisk 22 (`main/bridge.c` `ast_bridge_transfer_blind`, reached from a REFER in
    /// `res_pjsip_refer.c`, the `BlindTransfer` action or the `blindxfer` feature): in a
    /// two-party bridge the transferee gets a queued blind-transfer action
    /// (`bridge_channel_internal_queue_blind_transfer` → `ast_async_goto`), the transferer is
    /// removed from the bridge, and `BlindTransfer` is published; the bridge dissolves, the
    /// transferer's phone hangs up after the NOTIFY, and the transferee runs the dialplan at
    /// the target. CDRs (`main/cdr.c`): the transferee's record with the transferer is closed
    /// and a new one starts; a party A's records are posted together when its channel is gone,
    /// each `Destination` copied from its channel's extension then — so both of the caller's
    /// records say the target (observed live on 22).
    ///
    /// Asterisk 1.8 (`channels/chan_sip.c` `handle_request_refer`): the `Transfer` event
    /// (`TransferType: Blind`), then `ast_async_goto` of the bridged peer: the bridge breaks
    /// (`Unlink`), `ast_bridge_call` posts its bridge CDR, `Dial` hangs the transferer up and
    /// ends (`DialStatus: ANSWER`), and the transferee goes on at the target.
    pub(super) fn blind_transfer(&mut self, cid: CallId, by: Party, to: &str, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let (transferer, transferee) = match by {
            Party::Caller => (a, b),
            Party::Callee => (b, a),
        };
        let by_ext = self.ext_of(transferer);
        if let Some(t) = self.truth(cid) {
            t.transfer(TransferKind::Blind, Some(by_ext), to, now);
        }
        let context = self.cfg.context.clone();
        if self.modern() {
            let bridge = self
                .calls
                .get(&cid)
                .and_then(|c| c.bridge.clone())
                .unwrap_or_default();
            let mut o = Out::event("BlindTransfer", P_CALL);
            o.f("Result", "Success");
            if let Some(c) = self.ch(transferer) {
                snapshot(&mut o, "Transferer", c);
            }
            if let Some(c) = self.ch(transferee) {
                snapshot(&mut o, "Transferee", c);
            }
            self.bridge_fields(&mut o, &bridge, 2);
            o.f("IsExternal", "Yes")
                .f("Context", &context)
                .f("Extension", to);
            self.emit(Class::Call, o);
            self.unbridge(cid, transferer, transferee);
            self.hangup_request("HangupRequest", transferer, 16);
            if transferee == a {
                // The caller stays party A: its record waits for its channel to go.
                self.defer_cdr(cid, Some(b), now);
                self.emit_hangup(transferer, 16);
            } else {
                // The caller itself transferred and leaves: its records go with it.
                self.emit_hangup(transferer, 16);
                self.defer_cdr(cid, Some(b), now);
                self.post_deferred_cdrs(cid);
                if let Some(c) = self.calls.get_mut(&cid) {
                    c.defer_cdr = false;
                }
            }
        } else {
            let (Some(t), Some(e)) = (self.ch(transferer), self.ch(transferee)) else {
                return;
            };
            let mut o = Out::event("Transfer", P_CALL);
            o.f("TransferMethod", "SIP")
                .f("TransferType", "Blind")
                .f("Channel", &t.name)
                .f("Uniqueid", &t.uniqueid)
                .f("SIP-Callid", format!("{}@127.0.0.1", t.uniqueid))
                .f("TargetChannel", &e.name)
                .f("TargetUniqueid", &e.uniqueid)
                .f("TransferExten", to)
                .f("TransferContext", &context);
            self.emit(Class::Call, o);
            self.unbridge(cid, transferer, transferee);
            self.cdr(cid, "ANSWERED", Some(b), now);
            self.emit_hangup(transferer, 16);
            if transferee == a {
                self.dial_event("DialEnd", Some(a), b, Some("ANSWER"));
            }
        }
        self.drop_channel(transferer);
        let wall = self.wall_ms(now);
        if let Some(c) = self.ch_mut(transferee) {
            c.held = false;
            c.bridge = None;
        }
        if let Some(call) = self.calls.get_mut(&cid) {
            call.a = transferee;
            call.b = None;
            call.target = to.to_owned();
            call.phase = Phase::Dialing;
            call.bridge = None;
            call.start_ms = wall;
            call.answer_ms = None;
            call.auto_answer = call.steps.is_empty();
            call.epoch += 1;
        }
        self.enter_dialplan(cid, now);
    }

    /// A new `Local/<exten>@<context>-XXXXXXXX;1`/`;2` pair (`main/core_local.c`): both halves
    /// share the requester's `Linkedid`.
    fn local_pair(&mut self, cid: CallId, requester: u64, exten: &str, now: Instant) -> (u64, u64) {
        let (linked, num, name) = self
            .ch(requester)
            .map(|c| (c.linkedid.clone(), c.cid_num.clone(), c.cid_name.clone()))
            .unwrap_or_default();
        let context = self.cfg.context.clone();
        let base = format!("Local/{exten}@{context}-{:08x}", self.local_seq);
        self.local_seq += 1;
        let mut keys = [0u64; 2];
        for (i, key) in keys.iter_mut().enumerate() {
            let k = self.new_channel(
                "",
                cid,
                (&num, &name),
                ChanState::Down,
                exten,
                Some(linked.clone()),
                now,
            );
            if let Some(c) = self.ch_mut(k) {
                c.name = format!("{base};{}", i + 1);
            }
            *key = k;
        }
        (keys[0], keys[1])
    }

    /// The transferer starts an attended transfer: the other party is held and the target is
    /// dialled.
    ///
    /// Asterisk 22, the DTMF `atxfer` feature (`main/bridge_basic.c`
    /// `feature_attended_transfer`): the transferee bridge is put on hold (`Hold` of the
    /// transferer, `MusicOnHoldStart` of the transferee), a target bridge is created and the
    /// transferer moved into it (`bridge_move`), `dial_transfer` requests
    /// `Local/<target>@<context>` whose `;1` half is imparted into the target bridge while `;2`
    /// runs the dialplan and dials the target. Every channel shares the first channel's
    /// `Linkedid` (a requested channel inherits its requester's).
    ///
    /// Asterisk 1.8: the phone holds the call (`Hold`, `MusicOnHold` `State: Start`) and places
    /// a second call to the target through the dialplan (`channels/chan_sip.c` sees an
    /// ordinary INVITE).
    pub(super) fn attended_transfer(&mut self, cid: CallId, by: Party, to: &str, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        if !self.endpoints.contains_key(to)
            || self.is_registered(to) != Some(true)
            || self.channels.len() + 3 > self.cfg.max_channels
        {
            return;
        }
        let (transferer, transferee) = match by {
            Party::Caller => (a, b),
            Party::Callee => (b, a),
        };
        let wall = self.wall_ms(now);
        let dial = format!("{}/{to},20", self.tech());
        let (from_num, linked) = self
            .ch(transferer)
            .map(|c| (c.cid_num.clone(), c.linkedid.clone()))
            .unwrap_or_default();
        // The transferee's record with the transferer ends here.
        self.defer_cdr(cid, Some(b), now);
        let consult = if self.modern() {
            let orig = self
                .calls
                .get(&cid)
                .and_then(|c| c.bridge.clone())
                .unwrap_or_default();
            if let Some(c) = self.ch_mut(transferer) {
                c.held = true;
            }
            let mut o = self.chan_event("Hold", P_CALL, transferer);
            o.f("MusicClass", "default");
            self.emit(Class::Call, o);
            let mut o = self.chan_event("MusicOnHoldStart", P_CALL, transferee);
            o.f("Class", "default");
            self.emit(Class::Call, o);
            let ext = self.ext_of(transferer);
            self.refresh(&ext);
            let target_bridge = self.uuid();
            self.bridge_event("BridgeCreate", &target_bridge, 0, None);
            self.bridge_event("BridgeLeave", &orig, 1, Some(transferer));
            if let Some(c) = self.ch_mut(transferer) {
                c.bridge = Some(target_bridge.clone());
            }
            self.bridge_event("BridgeEnter", &target_bridge, 1, Some(transferer));
            let (l1, l2) = self.local_pair(cid, transferer, to, now);
            self.emit_newchannel(l1);
            self.emit_newchannel(l2);
            self.newexten(l2, 1, "NoOp", &format!("Call to {to} from {from_num}"));
            self.newexten(l2, 2, "Dial", &dial);
            let target = self.consult_dial(cid, l2, to, &linked, now);
            self.set_state(l1, ChanState::Ringing);
            if let Some(c) = self.ch_mut(l1) {
                c.bridge = Some(target_bridge.clone());
            }
            self.bridge_event("BridgeEnter", &target_bridge, 2, Some(l1));
            Consult {
                transferer,
                transferee,
                locals: Some((l1, l2)),
                second: None,
                target,
                target_ext: to.to_owned(),
                bridge: target_bridge,
                answered: false,
                started_ms: wall,
                answer_ms: None,
            }
        } else {
            if let Some(c) = self.ch_mut(transferer) {
                c.held = true;
            }
            let (name, uid) = self
                .ch(transferer)
                .map(|c| (c.name.clone(), c.uniqueid.clone()))
                .unwrap_or_default();
            let mut o = Out::event("Hold", P_CALL);
            o.f("Status", "On").f("Channel", &name).f("Uniqueid", &uid);
            self.emit(Class::Call, o);
            self.legacy_moh(transferee, true);
            let ext = self.ext_of(transferer);
            self.refresh(&ext);
            let (t_ext, t_num, t_name) = self
                .ch(transferer)
                .map(|c| (c.ext.clone(), c.cid_num.clone(), c.cid_name.clone()))
                .unwrap_or_default();
            let second = self.new_channel(
                &t_ext,
                cid,
                (&t_num, &t_name),
                ChanState::Down,
                to,
                None,
                now,
            );
            self.emit_newchannel(second);
            self.set_state(second, ChanState::Ring);
            self.newexten(second, 1, "NoOp", &format!("Call to {to} from {t_num}"));
            self.newexten(second, 2, "Dial", &dial);
            let target = self.consult_dial(cid, second, to, "", now);
            Consult {
                transferer,
                transferee,
                locals: None,
                second: Some(second),
                target,
                target_ext: to.to_owned(),
                bridge: self.uuid(),
                answered: false,
                started_ms: wall,
                answer_ms: None,
            }
        };
        if let Some(c) = self.calls.get_mut(&cid) {
            c.consult = Some(consult);
            c.epoch += 1;
        }
    }

    /// `dialer` dials the consultation target: its channel, `Dial` begin, ringing.
    fn consult_dial(
        &mut self,
        cid: CallId,
        dialer: u64,
        to: &str,
        linked: &str,
        now: Instant,
    ) -> u64 {
        let exten = if self.modern() { "s" } else { "" };
        let linked = (!linked.is_empty()).then(|| linked.to_owned());
        let name = format!("Ext {to}");
        let target = self.new_channel(to, cid, (to, &name), ChanState::Down, exten, linked, now);
        let (d_num, d_name) = self
            .ch(dialer)
            .map(|c| (c.cid_num.clone(), c.cid_name.clone()))
            .unwrap_or_default();
        self.emit_newchannel(target);
        if let Some(c) = self.ch_mut(target) {
            c.conn_num = d_num;
            c.conn_name = d_name;
            c.exten = to.to_owned();
            c.app = "AppDial".into();
            c.app_data = "(Outgoing Line)".into();
        }
        if self.modern() {
            self.newexten(target, 1, "AppDial", "(Outgoing Line)");
        }
        self.dial_event("DialBegin", Some(dialer), target, None);
        if self.modern() {
            self.set_state(target, ChanState::Ringing);
            self.refresh(to);
            self.dial_event("DialState", Some(dialer), target, Some("RINGING"));
        } else {
            self.set_state(target, ChanState::Ringing);
            self.refresh(to);
        }
        target
    }

    /// The consultation target answers.
    ///
    /// Asterisk 22: `Dial` on `;2` bridges it with the target, `;1` answers, and the `Local`
    /// pair optimizes itself away (`main/core_unreal.c` `ast_unreal_channel_push_to_bridge`,
    /// `main/bridge.c` `try_swap_optimize_out`): `LocalOptimizationBegin`, the target swapped
    /// into the consult bridge in place of `;1`, `LocalOptimizationEnd`, both halves hung up
    /// (the `;2` chain's record is posted then). Asterisk 1.8: the second call is bridged
    /// (`Bridge` `Link`).
    pub(super) fn consult_answer(&mut self, cid: CallId, now: Instant) {
        let Some(mut k) = self.calls.get(&cid).and_then(|c| c.consult.clone()) else {
            return;
        };
        if k.answered {
            return;
        }
        let wall = self.wall_ms(now);
        let target = k.target;
        self.set_state(target, ChanState::Up);
        let t_ext = k.target_ext.clone();
        if let Some(t) = self.truth(cid) {
            t.answer(&t_ext, now);
        }
        match (k.locals, k.second) {
            (Some((l1, l2)), _) => {
                if let Some(c) = self.ch_mut(target) {
                    c.exten = String::new();
                }
                self.dial_event("DialEnd", Some(l2), target, Some("ANSWER"));
                self.set_state(l2, ChanState::Up);
                self.refresh(&t_ext);
                let dial_bridge = self.uuid();
                self.bridge_event("BridgeCreate", &dial_bridge, 0, None);
                for (n, key) in [(1, target), (2, l2)] {
                    if let Some(c) = self.ch_mut(key) {
                        c.bridge = Some(dial_bridge.clone());
                    }
                    self.bridge_event("BridgeEnter", &dial_bridge, n, Some(key));
                }
                self.set_state(l1, ChanState::Up);
                // The pair optimizes out: the target replaces ;1 in the consult bridge.
                let id = self.local_seq.saturating_sub(1);
                let mut o = Out::event("LocalOptimizationBegin", P_CALL);
                if let Some(c) = self.ch(l1) {
                    snapshot(&mut o, "LocalOne", c);
                }
                if let Some(c) = self.ch(l2) {
                    snapshot(&mut o, "LocalTwo", c);
                }
                if let Some(c) = self.ch(target) {
                    snapshot(&mut o, "Source", c);
                }
                let l1_uid = self.ch(l1).map(|c| c.uniqueid.clone()).unwrap_or_default();
                o.f("DestUniqueId", &l1_uid).f("Id", id);
                self.emit(Class::Call, o);
                self.bridge_event("BridgeLeave", &dial_bridge, 1, Some(target));
                if let Some(c) = self.ch_mut(target) {
                    c.bridge = Some(k.bridge.clone());
                }
                let mut o = Out::event("BridgeEnter", P_CALL);
                self.bridge_fields(&mut o, &k.bridge, 3);
                if let Some(c) = self.ch(target) {
                    snapshot(&mut o, "", c);
                }
                o.f("SwapUniqueid", &l1_uid);
                self.emit(Class::Call, o);
                self.bridge_event("BridgeLeave", &k.bridge, 2, Some(l1));
                let mut o = Out::event("LocalOptimizationEnd", P_CALL);
                if let Some(c) = self.ch(l1) {
                    snapshot(&mut o, "LocalOne", c);
                }
                if let Some(c) = self.ch(l2) {
                    snapshot(&mut o, "LocalTwo", c);
                }
                o.f("Success", "Yes").f("Id", id);
                self.emit(Class::Call, o);
                self.bridge_event("BridgeLeave", &dial_bridge, 0, Some(l2));
                self.bridge_event("BridgeDestroy", &dial_bridge, 0, None);
                let rec = self.local_cdr(l2, target, &t_ext, wall, now);
                self.emit_hangup(l1, 16);
                self.drop_channel(l1);
                self.emit_hangup(l2, 16);
                self.drop_channel(l2);
                if let Some(rec) = rec {
                    let o = cdr_frame(&rec, &rec.exten);
                    self.emit(Class::Cdr, o);
                }
                k.locals = None;
            }
            (None, Some(second)) => {
                self.refresh(&t_ext);
                self.set_state(second, ChanState::Up);
                for key in [second, target] {
                    if let Some(c) = self.ch_mut(key) {
                        c.bridge = Some(k.bridge.clone());
                    }
                }
                self.legacy_link("Bridge", second, target);
            }
            _ => {}
        }
        k.answered = true;
        k.answer_ms = Some(wall);
        if let Some(c) = self.calls.get_mut(&cid) {
            c.consult = Some(k);
        }
    }

    /// The record of a `Local` `;2` half that dialled `target` (party A `;2`).
    fn local_cdr(
        &self,
        l2: u64,
        target: u64,
        exten: &str,
        answer_ms: u64,
        now: Instant,
    ) -> Option<CdrRec> {
        let c = self.ch(l2)?;
        let start_ms = self.wall_ms(c.created);
        Some(CdrRec {
            a: l2,
            a_name: c.name.clone(),
            a_uid: c.uniqueid.clone(),
            a_num: c.cid_num.clone(),
            a_cname: c.cid_name.clone(),
            context: c.context.clone(),
            exten: exten.to_owned(),
            dest_channel: self.ch(target).map(|t| t.name.clone()).unwrap_or_default(),
            last_app: ("Dial".into(), format!("{}/{exten},20", self.tech())),
            start_ms,
            answer_ms: Some(answer_ms),
            end_ms: self.wall_ms(now),
            disposition: "ANSWERED",
        })
    }

    /// The transferer completes the attended transfer.
    ///
    /// Asterisk 22 (`main/bridge_basic.c`, the transferer hanging up in the `atxfer` consult
    /// state → `attended_transfer_bridge` → `ast_bridge_merge`;
    /// `main/stasis_bridges.c` `attended_transfer_to_ami`): `AttendedTransfer` with the
    /// original and second transferer legs, both bridges, the transferee and the target,
    /// `DestType: Bridge` and the surviving bridge; the transferer leaves and hangs up, the
    /// transferee is moved into the target's bridge and taken off hold, and the transferer's
    /// own record (to the target) is posted.
    ///
    /// Asterisk 1.8 (`channels/chan_sip.c` `local_attended_transfer` → `attempt_transfer` →
    /// `ast_channel_masquerade`, `main/channel.c` `ast_do_masquerade`): `Transfer` with
    /// `TransferType: Attended`, `Masquerade` (the transferee cloned into the transferer's
    /// second call), three `Rename`s (`<MASQ>`, the clone's name, `<ZOMBIE>`), the original
    /// bridge breaks (`Unlink`, its bridge CDR), the zombie and the transferer's first channel
    /// hang up. The second call's channel now carries the transferee's name and caller ID.
    pub(super) fn complete_transfer(&mut self, cid: CallId, now: Instant) {
        let Some(k) = self.calls.get(&cid).and_then(|c| c.consult.clone()) else {
            return;
        };
        if !k.answered {
            return;
        }
        let by_ext = self.ext_of(k.transferer);
        if let Some(t) = self.truth(cid) {
            t.transfer(TransferKind::Attended, Some(by_ext), &k.target_ext, now);
        }
        let orig = self
            .calls
            .get(&cid)
            .and_then(|c| c.bridge.clone())
            .unwrap_or_default();
        let caller_left = self.calls.get(&cid).is_some_and(|c| c.a == k.transferer);
        let survivor;
        if self.modern() {
            let mut o = Out::event("AttendedTransfer", P_CALL);
            o.f("Result", "Success");
            if let Some(c) = self.ch(k.transferer) {
                snapshot(&mut o, "OrigTransferer", c);
            }
            self.bridge_prefixed(&mut o, "Orig", &orig, 1);
            if let Some(c) = self.ch(k.transferer) {
                snapshot(&mut o, "SecondTransferer", c);
            }
            self.bridge_prefixed(&mut o, "Second", &k.bridge, 2);
            if let Some(c) = self.ch(k.transferee) {
                snapshot(&mut o, "Transferee", c);
            }
            if let Some(c) = self.ch(k.target) {
                snapshot(&mut o, "TransferTarget", c);
            }
            o.f("IsExternal", "No")
                .f("DestType", "Bridge")
                .f("DestBridgeUniqueid", &k.bridge);
            self.emit(Class::Call, o);
            self.hangup_request("HangupRequest", k.transferer, 16);
            self.bridge_event("BridgeLeave", &k.bridge, 1, Some(k.transferer));
            self.bridge_event("BridgeLeave", &orig, 0, Some(k.transferee));
            if let Some(c) = self.ch_mut(k.transferee) {
                c.bridge = Some(k.bridge.clone());
            }
            self.bridge_event("BridgeEnter", &k.bridge, 2, Some(k.transferee));
            self.bridge_event("BridgeDestroy", &orig, 0, None);
            let o = self.chan_event("MusicOnHoldStop", P_CALL, k.transferee);
            self.emit(Class::Call, o);
            // The transferer's own record: party A the transferer, to the target.
            let rec = self.ch(k.transferer).map(|c| CdrRec {
                a: k.transferer,
                a_name: c.name.clone(),
                a_uid: c.uniqueid.clone(),
                a_num: c.cid_num.clone(),
                a_cname: c.cid_name.clone(),
                context: c.context.clone(),
                exten: k.target_ext.clone(),
                dest_channel: self
                    .ch(k.target)
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                last_app: ("AppDial".into(), "(Outgoing Line)".into()),
                start_ms: k.started_ms,
                answer_ms: k.answer_ms,
                end_ms: self.wall_ms(now),
                disposition: "ANSWERED",
            });
            self.emit_hangup(k.transferer, 16);
            self.drop_channel(k.transferer);
            if let Some(rec) = rec {
                let o = cdr_frame(&rec, &rec.exten);
                self.emit(Class::Cdr, o);
            }
            survivor = k.transferee;
            if let Some(c) = self.ch_mut(survivor) {
                c.held = false;
            }
        } else {
            let Some(second) = k.second else {
                return;
            };
            let (t_name, t_uid) = self
                .ch(k.transferer)
                .map(|c| (c.name.clone(), c.uniqueid.clone()))
                .unwrap_or_default();
            let (s_name, s_uid) = self
                .ch(second)
                .map(|c| (c.name.clone(), c.uniqueid.clone()))
                .unwrap_or_default();
            let (e_name, e_uid) = self
                .ch(k.transferee)
                .map(|c| (c.name.clone(), c.uniqueid.clone()))
                .unwrap_or_default();
            let mut o = Out::event("Transfer", P_CALL);
            o.f("TransferMethod", "SIP")
                .f("TransferType", "Attended")
                .f("Channel", &t_name)
                .f("Uniqueid", &t_uid)
                .f("SIP-Callid", format!("{t_uid}@127.0.0.1"))
                .f("TargetChannel", &s_name)
                .f("TargetUniqueid", &s_uid);
            self.emit(Class::Call, o);
            let mut o = Out::event("Masquerade", P_CALL);
            o.f("Clone", &e_name)
                .f("CloneState", "Up")
                .f("Original", &s_name)
                .f("OriginalState", "Up");
            self.emit(Class::Call, o);
            let zombie = format!("{s_name}<ZOMBIE>");
            for (chan, new, uid) in [
                (e_name.clone(), format!("{e_name}<MASQ>"), e_uid.clone()),
                (s_name.clone(), e_name.clone(), s_uid.clone()),
                (format!("{e_name}<MASQ>"), zombie.clone(), e_uid.clone()),
            ] {
                let mut o = Out::event("Rename", P_CALL);
                o.f("Channel", chan).f("Newname", new).f("Uniqueid", uid);
                self.emit(Class::Call, o);
            }
            // The clone's struct is now the zombie; the second call's struct is the transferee.
            let (e_ext, e_num, e_cname) = self
                .ch(k.transferee)
                .map(|c| (c.ext.clone(), c.cid_num.clone(), c.cid_name.clone()))
                .unwrap_or_default();
            if let Some(c) = self.ch_mut(k.transferee) {
                c.name = zombie;
                c.ext = String::new();
            }
            if let Some(c) = self.ch_mut(second) {
                c.name = e_name;
                c.ext = e_ext.clone();
                c.cid_num = e_num;
                c.cid_name = e_cname;
            }
            self.unbridge(cid, k.transferee, k.transferer);
            self.cdr(cid, "ANSWERED", Some(k.transferer), now);
            if let Some(c) = self.calls.get_mut(&cid) {
                c.deferred_cdrs.clear();
                c.defer_cdr = false;
            }
            self.emit_hangup(k.transferee, 16);
            self.drop_channel(k.transferee);
            self.emit_hangup(k.transferer, 16);
            self.drop_channel(k.transferer);
            self.refresh(&e_ext);
            survivor = second;
        }
        let target_name = self
            .ch(k.target)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        if let Some(c) = self.calls.get_mut(&cid) {
            c.a = survivor;
            c.b = Some(k.target);
            c.b_name = target_name;
            c.bridge = Some(k.bridge.clone());
            c.consult = None;
            c.phase = Phase::Up;
            c.start_ms = k.started_ms;
            c.answer_ms = k.answer_ms;
            c.epoch += 1;
            if self.cfg.dialect == Dialect::Legacy || caller_left {
                c.target = k.target_ext.clone();
            }
        }
        if caller_left && self.modern() {
            self.post_deferred_cdrs(cid);
            if let Some(c) = self.calls.get_mut(&cid) {
                c.defer_cdr = false;
            }
        }
        let ext = self.ext_of(survivor);
        self.refresh(&ext);
    }

    /// Bridge fields with a prefix (`OrigBridgeUniqueid`, `SecondBridgeType`, …).
    fn bridge_prefixed(&self, o: &mut Out, p: &str, bridge: &str, n: usize) {
        o.pf(p, "BridgeUniqueid", bridge);
        o.pf(p, "BridgeType", "basic");
        o.pf(p, "BridgeTechnology", "simple_bridge");
        o.pf(p, "BridgeCreator", "<unknown>");
        o.pf(p, "BridgeName", "<unknown>");
        o.pf(p, "BridgeNumChannels", n);
        o.pf(p, "BridgeVideoSourceMode", "none");
    }

    /// 1.8 `res/res_musiconhold.c`: `MusicOnHold` with `State: Start`/`Stop`.
    pub(super) fn legacy_moh(&mut self, key: u64, start: bool) {
        let Some(c) = self.ch(key) else {
            return;
        };
        let mut o = Out::event("MusicOnHold", P_CALL);
        o.f("State", if start { "Start" } else { "Stop" })
            .f("Channel", &c.name)
            .f("Uniqueid", &c.uniqueid);
        self.emit(Class::Call, o);
    }

    /// A manager `Redirect` of one channel (`main/manager.c` `action_redirect` →
    /// `ast_async_goto`).
    ///
    /// A channel in an answered two-party call: Asterisk 22 sets an after-bridge goto and
    /// kicks it from the bridge (`BridgeLeave` of both, `BridgeDestroy`); `Dial`'s bridge
    /// dissolves and the peer is hung up; the redirected channel runs the new extension, and
    /// its record with the peer is posted with its others when it goes. Asterisk 1.8: the
    /// explicit goto plus `AST_SOFTHANGUP_ASYNCGOTO` breaks the bridge (`Unlink`, the bridge
    /// CDR), `Dial` hangs the peer up and ends, and the channel goes on at the new extension.
    /// A channel alone (an application, an originate) just moves.
    pub(super) fn redirect_channel(&mut self, key: u64, exten: &str, context: &str, now: Instant) {
        self.redirect_inner(key, exten, context, false, now);
    }

    pub(super) fn redirect_inner(
        &mut self,
        key: u64,
        exten: &str,
        context: &str,
        keep_steps: bool,
        now: Instant,
    ) {
        let Some(cid) = self.channels.get(&key).map(|c| c.call) else {
            return;
        };
        let Some(call) = self.calls.get(&cid).cloned() else {
            return;
        };
        if call.consult.is_some() || call.phase == Phase::Conference || call.queue.is_some() {
            return;
        }
        let other = if call.a == key { call.b } else { Some(call.a) };
        if let Some(other) = other {
            let bridged = call.phase == Phase::Up;
            if let Some(t) = self.truth(cid).filter(|_| bridged) {
                t.transfer(TransferKind::Redirect, None, exten, now);
            }
            if bridged && self.modern() {
                self.unbridge(cid, key, other);
                if key == call.a {
                    self.defer_cdr(cid, Some(other), now);
                    self.hangup_request("HangupRequest", other, 16);
                    self.emit_hangup(other, 16);
                } else {
                    self.hangup_request("HangupRequest", other, 16);
                    self.emit_hangup(other, 16);
                    self.cdr(cid, "ANSWERED", Some(call.a), now);
                }
            } else if bridged {
                self.unbridge(cid, key, other);
                self.cdr(cid, "ANSWERED", Some(other), now);
                self.emit_hangup(other, 16);
                if key == call.a {
                    self.dial_event("DialEnd", Some(key), other, Some("ANSWER"));
                }
            } else {
                self.emit_hangup(other, 16);
            }
            self.drop_channel(other);
        }
        let wall = self.wall_ms(now);
        if let Some(c) = self.channels.get_mut(&key) {
            c.context = context.to_owned();
            c.exten = exten.to_owned();
            c.bridge = None;
            c.held = false;
        }
        if let Some(call) = self.calls.get_mut(&cid) {
            call.a = key;
            call.b = None;
            call.target = exten.to_owned();
            call.phase = Phase::Dialing;
            call.bridge = None;
            call.epoch += 1;
            call.start_ms = wall;
            call.answer_ms = None;
            call.orig = None;
            if !keep_steps {
                call.steps.clear();
            }
            call.auto_answer = call.steps.is_empty();
        }
        self.enter_dialplan(cid, now);
    }
}
