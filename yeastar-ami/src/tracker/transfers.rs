//! Transfers: `BlindTransfer`, `AttendedTransfer`, legacy chan_sip `Transfer` and
//! `Masquerade`. (A redirect of a bridged channel is recognised in `channels`.)

use std::sync::Arc;
use std::time::Instant;

use yeastar_calls::{Transfer, TransferKind};

use super::CallTracker;
use super::input::{Fields, Key};

fn succeeded(f: &Fields<'_, '_>) -> bool {
    f.raw(Key::Result)
        .is_none_or(|r| r.eq_ignore_ascii_case("Success"))
}

impl CallTracker {
    fn record_transfer(&mut self, call_id: &str, transfer: Transfer, now: Instant) {
        // After an attended transfer the target, who already answered the consultation, talks
        // with the transferee.
        let connected = (transfer.kind == TransferKind::Attended)
            .then(|| transfer.target.clone())
            .flatten();
        self.with_call(call_id, now, |entry, sink| {
            sink.transferred(entry, transfer, false, now);
            if connected.is_some() {
                entry.call.connected_to = connected;
            }
        });
    }

    pub(super) fn on_blind_transfer(&mut self, f: &Fields<'_, '_>, now: Instant) {
        if !succeeded(f) {
            return;
        }
        let transferee = f.get(Key::TransfereeUniqueid);
        let transferer = f.get(Key::TransfererUniqueid);
        let Some(call_id) = self
            .call_id_of(transferee)
            .or_else(|| self.call_id_of(transferer))
        else {
            return;
        };
        let target = f.get(Key::Extension);
        let by = transferer
            .and_then(|t| self.party(&call_id, t))
            .or_else(|| f.boxed(Key::TransfererCallerIdNum));
        self.expect_exten(&call_id, transferee, target);
        let transfer = Transfer {
            kind: TransferKind::Blind,
            by,
            target: target.map(Arc::from),
            at: self.clock.system_time(now),
        };
        self.record_transfer(&call_id, transfer, now);
    }

    pub(super) fn on_attended_transfer(&mut self, f: &Fields<'_, '_>, now: Instant) {
        if !succeeded(f) {
            return;
        }
        let Some(call_id) = self
            .call_id_of(f.get(Key::TransfereeUniqueid))
            .or_else(|| self.call_id_of(f.get(Key::OrigTransfererUniqueid)))
        else {
            return;
        };
        let target_uid = f.get(Key::TransferTargetUniqueid);
        let target = target_uid
            .and_then(|t| {
                let call = self.call_id_of(Some(t))?;
                self.party(&call, t)
            })
            .or_else(|| f.boxed(Key::TransferTargetCallerIdNum));
        let by = f
            .get(Key::OrigTransfererUniqueid)
            .and_then(|t| self.party(&call_id, t))
            .or_else(|| f.boxed(Key::OrigTransfererCallerIdNum));
        // The consultation: a call of its own, or (atxfer through Local channels) legs of
        // this one already.
        let other = self
            .call_id_of(target_uid)
            .or_else(|| self.call_id_of(f.get(Key::SecondTransfererUniqueid)))
            .or_else(|| self.call_id_of(f.get(Key::LocalTwoUniqueid)));
        if let Some(other) = other {
            self.merge(&call_id, &other, now);
        }
        let transfer = Transfer {
            kind: TransferKind::Attended,
            by,
            target,
            at: self.clock.system_time(now),
        };
        self.record_transfer(&call_id, transfer, now);
    }

    /// Legacy chan_sip `Transfer` (`TransferType: Blind|Attended`): `Uniqueid` is the phone
    /// that sent the REFER, `TargetUniqueid` the channel moved (blind) or replaced (attended).
    pub(super) fn on_legacy_transfer(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let transferer = f.get(Key::Uniqueid);
        let target_uid = f.get(Key::TargetUniqueid);
        let Some(call_id) = self
            .call_id_of(transferer)
            .or_else(|| self.call_id_of(target_uid))
        else {
            return;
        };
        let attended = f.is(Key::TransferType, "Attended");
        let mut target = f.boxed(Key::TransferExten);
        let by = transferer.and_then(|t| self.party(&call_id, t));
        if attended {
            if let Some(other) = self.call_id_of(target_uid).filter(|o| *o != call_id) {
                if target.is_none() {
                    target = self.calls.get(&other).and_then(|e| {
                        e.call
                            .answered_by
                            .clone()
                            .or_else(|| e.call.from_number.clone())
                    });
                }
                self.merge(&call_id, &other, now);
            }
        } else {
            self.expect_exten(&call_id, target_uid, target.as_deref());
        }
        let transfer = Transfer {
            kind: if attended {
                TransferKind::Attended
            } else {
                TransferKind::Blind
            },
            by,
            target,
            at: self.clock.system_time(now),
        };
        self.record_transfer(&call_id, transfer, now);
    }

    /// Legacy `Masquerade`: `Clone` takes the place of `Original` (attended transfers and
    /// pickups in 1.8). Two calls so joined are one.
    pub(super) fn on_masquerade(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let (Some((original, _)), Some((clone, _))) = (
            self.call_id_of_name(f.get(Key::Original)),
            self.call_id_of_name(f.get(Key::Clone)),
        ) else {
            return;
        };
        if original != clone {
            let (into, from) = self.survivor(original, clone);
            self.merge(&into, &from, now);
        }
    }
}
