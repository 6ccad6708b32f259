//! The call table: entries, how legs join calls, how calls merge, and how events are emitted.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use yeastar_calls::{
    Call, CallEvent, CallLeg, CallState, EndReason, LegState, PbxEvent, Source, Transfer, WallClock,
};

use super::cdr::CdrRecord;
use super::config::TrackerConfig;
use super::input::{Fields, Key, meaningful};
use super::parties::{is_device_leg, party_of_leg, refresh_parties};
use super::{CallTracker, Id, TrackerStats};

/// Asterisk's channel state code (`ChannelState`, `ast_channel_state`) as a leg state.
pub fn leg_state_from_code(code: u32) -> LegState {
    match code {
        0 => LegState::Down,
        1 => LegState::Reserved,
        2 => LegState::OffHook,
        3 => LegState::Dialing,
        4 => LegState::Ring,
        5 => LegState::Ringing,
        6 => LegState::Up,
        7 => LegState::Busy,
        8 => LegState::DialingOffhook,
        9 => LegState::PreRing,
        _ => LegState::Unknown,
    }
}

/// `ChannelStateDesc` text as a leg state, for events without the numeric header.
fn leg_state_from_desc(desc: &str) -> LegState {
    const NAMES: [(&str, LegState); 10] = [
        ("Down", LegState::Down),
        ("Rsrvd", LegState::Reserved),
        ("OffHook", LegState::OffHook),
        ("Dialing", LegState::Dialing),
        ("Ring", LegState::Ring),
        ("Ringing", LegState::Ringing),
        ("Up", LegState::Up),
        ("Busy", LegState::Busy),
        ("Dialing Offhook", LegState::DialingOffhook),
        ("Pre-ring", LegState::PreRing),
    ];
    NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(desc))
        .map_or(LegState::Unknown, |(_, s)| *s)
}

/// The leg state an event states, if it states one.
pub(crate) fn leg_state(f: &Fields<'_, '_>) -> Option<LegState> {
    if let Some(code) = f.number::<u32>(Key::ChannelState) {
        return Some(leg_state_from_code(code));
    }
    f.raw(Key::ChannelStateDesc).map(leg_state_from_desc)
}

/// A leg that dials into the PBX: its `Up` means the PBX answered.
pub(crate) fn dials_in(state: LegState) -> bool {
    matches!(
        state,
        LegState::Ring | LegState::Dialing | LegState::OffHook | LegState::DialingOffhook
    )
}

/// An extension worth recording as the dialled number (`s` is the default start extension,
/// `h` the hangup handler).
pub(crate) fn dialled(exten: Option<&str>) -> Option<&str> {
    meaningful(exten).filter(|e| !matches!(*e, "s" | "h" | "i" | "t"))
}

/// What the tracker knows of a leg beyond the public [`CallLeg`].
#[derive(Debug, Default)]
pub(crate) struct LegNotes {
    pub(crate) id: Arc<str>,
    /// The dialplan extension it runs now.
    pub(crate) exten: Option<Arc<str>>,
    /// It has talked to another leg (bridged, linked).
    pub(crate) was_bridged: bool,
    /// It left its bridge after talking: a new extension now means it was redirected.
    pub(crate) unbridged: bool,
    /// A transfer event already said where it goes: its next extension is not a redirect.
    pub(crate) expected_exten: Option<Arc<str>>,
}

/// One call being tracked.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) call: Call,
    pub(crate) notes: Vec<LegNotes>,
    pub(crate) events_emitted: u32,
    pub(crate) last_activity: Instant,
    /// Legacy leg the PBX created, not yet linked to a caller: reports nothing.
    pub(crate) provisional: bool,
    /// The first leg dialled into the PBX (state Ring), so its `Up` means the PBX answered.
    pub(crate) caller_dialled_in: bool,
    /// Answered by the PBX itself (IVR, queue music) and by no party yet.
    pub(crate) pbx_answered: bool,
    /// Waiting in a queue now.
    pub(crate) in_queue: bool,
    /// The caller gave up in a queue.
    pub(crate) abandoned: bool,
    pub(crate) dial_status: Option<Arc<str>>,
    pub(crate) state_before_hold: CallState,
    pub(crate) cdrs: Vec<CdrRecord>,
    /// Cause of the first leg that hung up with a non-zero cause.
    pub(crate) first_cause: Option<(u16, Option<Arc<str>>)>,
    /// Cause of the calling leg, when it hung up.
    pub(crate) caller_cause: Option<(Option<u16>, Option<Arc<str>>)>,
    /// When the last transfer was recorded and whether it came from a redirect (so a
    /// `BlindTransfer` arriving just after describes the same transfer).
    pub(crate) last_transfer: Option<(Instant, bool)>,
    pub(crate) started: Instant,
}

impl Entry {
    /// It waited in a queue and no agent (no party) ever answered.
    pub(crate) fn unanswered_in_queue(&self) -> bool {
        self.call.queue.is_some() && self.call.answered_by.is_none()
    }

    pub(crate) fn notes_mut(&mut self, uid: &str) -> Option<&mut LegNotes> {
        self.notes.iter_mut().find(|n| &*n.id == uid)
    }

    pub(crate) fn leg_index(&self, uid: &str) -> Option<usize> {
        self.call.legs.iter().position(|l| &*l.id == uid)
    }
}

/// An ended call collecting the `Cdr`s of its legs.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) entry: Entry,
    /// When the record is released: `cdr_settle` after the latest `Cdr`, `cdr_wait` after the
    /// end when none came.
    pub(crate) deadline: Instant,
}

pub(crate) enum Emit {
    Ringing,
    Answered,
    Held,
    Resumed,
    Transferred(Option<Arc<str>>),
    Ended,
}

/// Splits the borrows of the tracker: the event queue and limits, apart from the call table.
pub(crate) struct Sink<'a> {
    pub(crate) config: &'a TrackerConfig,
    pub(crate) clock: WallClock,
    pub(crate) events: &'a mut VecDeque<PbxEvent>,
    pub(crate) stats: &'a mut TrackerStats,
}

impl Sink<'_> {
    pub(crate) fn wall(&self, at: Instant) -> SystemTime {
        self.clock.system_time(at)
    }

    pub(crate) fn push(&mut self, event: PbxEvent) {
        if self.events.len() >= self.config.max_queued_events.max(1) {
            self.events.pop_front();
            self.stats.events_dropped += 1;
        }
        self.events.push_back(event);
    }

    pub(crate) fn emit(&mut self, entry: &mut Entry, what: Emit, now: Instant) {
        refresh_parties(self.config, &mut entry.call);
        if entry.provisional {
            return;
        }
        let ended = matches!(what, Emit::Ended);
        if !ended && entry.events_emitted >= self.config.max_events_per_call {
            self.stats.events_suppressed += 1;
            return;
        }
        entry.events_emitted = entry.events_emitted.saturating_add(1);
        let at = self.wall(now);
        let call = Box::new(entry.call.clone());
        let event = match what {
            Emit::Ringing => CallEvent::Ringing { call, at },
            Emit::Answered => CallEvent::Answered { call, at },
            Emit::Held => CallEvent::Held { call, at },
            Emit::Resumed => CallEvent::Resumed { call, at },
            Emit::Transferred(target) => CallEvent::Transferred { call, target, at },
            Emit::Ended => {
                let (duration, billsec) = call_times(entry, at);
                CallEvent::Ended {
                    cause: call.hangup_cause,
                    cause_text: call.hangup_cause_text.clone(),
                    duration,
                    billsec,
                    call,
                    at,
                }
            }
        };
        self.push(PbxEvent::Call(event));
    }

    pub(crate) fn ringing(&mut self, entry: &mut Entry, now: Instant) {
        if entry.call.state == CallState::Setup {
            entry.call.state = CallState::Ringing;
            self.emit(entry, Emit::Ringing, now);
        }
    }

    /// A party (`by`, when known) answered.
    pub(crate) fn party_answered(&mut self, entry: &mut Entry, by: Option<Arc<str>>, now: Instant) {
        let at = self.wall(now);
        match entry.call.state {
            CallState::Setup | CallState::Ringing => {
                entry.call.state = CallState::Answered;
                entry.pbx_answered = by.is_none();
                entry.call.note_answer(by, at);
                self.emit(entry, Emit::Answered, now);
            }
            CallState::Answered if entry.pbx_answered && by.is_some() => {
                // A party picks up a call the PBX had answered (a queue agent, an IVR
                // forwarding): talk time runs from here when the call waited in a queue.
                entry.pbx_answered = false;
                if entry.call.queue.is_some() {
                    entry.call.answered_at = Some(at);
                }
                entry.in_queue = false;
                entry.call.note_answer(by, at);
                self.emit(entry, Emit::Answered, now);
            }
            CallState::Transferred | CallState::Answered | CallState::OnHold if by.is_some() => {
                entry.call.connected_to = by;
            }
            _ => {}
        }
    }

    /// The PBX answered the call itself (IVR, feature, queue music on hold).
    pub(crate) fn pbx_answered(&mut self, entry: &mut Entry, now: Instant) {
        if matches!(entry.call.state, CallState::Setup | CallState::Ringing) {
            entry.call.state = CallState::Answered;
            entry.pbx_answered = true;
            let at = self.wall(now);
            entry.call.note_answer(None, at);
            self.emit(entry, Emit::Answered, now);
        }
    }

    /// Records a transfer and reports it, unless a redirect just reported the same one.
    pub(crate) fn transferred(
        &mut self,
        entry: &mut Entry,
        mut transfer: Transfer,
        from_redirect: bool,
        now: Instant,
    ) {
        if entry.call.state == CallState::Ended {
            return;
        }
        let recent = entry
            .last_transfer
            .is_some_and(|(at, redirect)| redirect && now.duration_since(at) < SAME_TRANSFER);
        if let (true, false, Some(last)) = (recent, from_redirect, entry.call.transfers.last_mut())
            && (last.target == transfer.target || transfer.target.is_none())
        {
            // The transfer event describing what the redirect already showed: add what it
            // knows (kind, who transferred) without reporting twice.
            last.kind = transfer.kind;
            if transfer.by.is_some() {
                last.by = transfer.by.take();
            }
            entry.last_transfer = Some((now, false));
            return;
        }
        transfer.at = self.wall(now);
        let target = transfer.target.clone();
        entry.call.state = CallState::Transferred;
        entry.call.push_transfer(transfer);
        entry.last_transfer = Some((now, from_redirect));
        self.emit(entry, Emit::Transferred(target), now);
    }
}

/// A redirect and the transfer event that explains it arrive within this time of each other.
const SAME_TRANSFER: Duration = Duration::from_secs(2);

/// Duration and talk time of a call: its `Cdr`s merged when they cover the call, else its
/// events' own times (up to `at` if it is still going). No talk time for an abandoned call.
pub(crate) fn call_times(entry: &Entry, at: SystemTime) -> (Duration, Duration) {
    let merged = super::cdr::merge(&entry.cdrs);
    // CDR times are whole seconds; the events' are not.
    let pick = |cdr: Option<Duration>, events: Duration| match cdr {
        Some(c) if c + Duration::from_secs(1) >= events => c,
        _ => events,
    };
    let duration = pick(merged.map(|m| m.duration), entry.call.duration(at));
    let billsec = if entry.abandoned || entry.unanswered_in_queue() {
        Duration::ZERO
    } else if entry.call.queue.is_some() {
        // The PBX answered the caller to play music while waiting; the CDRs count that as
        // talk. The talk time is the agent's, which the events know.
        entry.call.billsec(at)
    } else {
        pick(merged.map(|m| m.billsec), entry.call.billsec(at))
    };
    (duration, billsec)
}

impl CallTracker {
    pub(crate) fn sink(&mut self) -> (&mut super::Map<Id, Entry>, Sink<'_>) {
        (
            &mut self.calls,
            Sink {
                config: &self.config,
                clock: self.clock,
                events: &mut self.events,
                stats: &mut self.stats,
            },
        )
    }

    pub(crate) fn with_call(
        &mut self,
        call_id: &str,
        now: Instant,
        f: impl FnOnce(&mut Entry, &mut Sink<'_>),
    ) {
        let (calls, mut sink) = self.sink();
        if let Some(entry) = calls.get_mut(call_id) {
            entry.last_activity = now;
            f(entry, &mut sink);
        }
    }

    /// The active call of a leg.
    pub(crate) fn call_id_of(&self, uniqueid: Option<&str>) -> Option<Id> {
        let id = self.legs.get(meaningful(uniqueid)?)?;
        self.calls.contains_key(id).then(|| id.clone())
    }

    /// The active call of a live leg by channel name.
    pub(crate) fn call_id_of_name(&self, name: Option<&str>) -> Option<(Id, Arc<str>)> {
        let uid = self.names.get(meaningful(name)?)?;
        let call = self.call_id_of(Some(uid))?;
        Some((call, uid.clone()))
    }

    /// Makes room for one more call by closing the least recently active one.
    fn make_room(&mut self, now: Instant) {
        while self.calls.len() >= self.config.max_active_calls.max(1) {
            let Some(oldest) = self
                .calls
                .iter()
                .min_by_key(|(_, e)| e.last_activity)
                .map(|(id, _)| id.clone())
            else {
                return;
            };
            self.stats.calls_evicted += 1;
            self.end_call(&oldest, now, Some(EndReason::Evicted));
        }
    }

    /// Tracks the leg an event describes (creating its call if needed); returns its call id.
    pub(crate) fn ensure_leg(&mut self, f: &Fields<'_, '_>, now: Instant) -> Option<Id> {
        let uid = f.get(Key::Uniqueid)?;
        if let Some(id) = self.legs.get(uid) {
            // A leg of an ended call says nothing new.
            return self.calls.contains_key(id).then(|| id.clone());
        }
        let state = leg_state(f).unwrap_or(LegState::Unknown);
        let mut leg = CallLeg::new(uid, f.raw(Key::Channel).unwrap_or(""), state);
        leg.caller_number = f.boxed(Key::CallerIdNum);
        leg.caller_name = f.boxed(Key::CallerIdName);
        let linked = f.get(Key::Linkedid).filter(|l| *l != uid);
        let exten = dialled(f.get(Key::Exten)).map(Arc::from);
        // Legacy channels carry no Linkedid; one the PBX created itself (no extension yet,
        // not dialling in) is a dialled leg, an agent or an originate until shown otherwise.
        let provisional = f.raw(Key::Linkedid).is_none() && exten.is_none() && !dials_in(state);
        self.add_leg(leg, linked, exten, provisional, now)
    }

    pub(crate) fn add_leg(
        &mut self,
        leg: CallLeg,
        linked: Option<&str>,
        exten: Option<Arc<str>>,
        provisional: bool,
        now: Instant,
    ) -> Option<Id> {
        let target = linked.map(|l| self.legs.get(l).cloned().unwrap_or_else(|| Id::from(l)));
        if let Some(call_id) = target.filter(|id| self.calls.contains_key(id)) {
            return self.attach(&call_id, leg, exten, now).then_some(call_id);
        }
        self.make_room(now);
        let call_id: Id = Id::from(linked.unwrap_or(&leg.id));
        let mut call = Call::new(&*call_id, Source::Ami, self.clock.system_time(now));
        call.from_number = leg.caller_number.clone();
        call.from_name = leg.caller_name.clone();
        call.dialled = exten.clone();
        call.to = exten.clone();
        let caller_dialled_in = dials_in(leg.state);
        self.index_leg(&leg, &call_id);
        let notes = vec![LegNotes {
            id: leg.id.clone(),
            exten,
            ..LegNotes::default()
        }];
        call.legs.push(leg);
        let mut entry = Entry {
            call,
            notes,
            events_emitted: 0,
            last_activity: now,
            provisional,
            caller_dialled_in,
            pbx_answered: false,
            in_queue: false,
            abandoned: false,
            dial_status: None,
            state_before_hold: CallState::Answered,
            cdrs: Vec::new(),
            first_cause: None,
            caller_cause: None,
            last_transfer: None,
            started: now,
        };
        refresh_parties(&self.config, &mut entry.call);
        self.calls.insert(call_id.clone(), entry);
        Some(call_id)
    }

    fn index_leg(&mut self, leg: &CallLeg, call_id: &Id) {
        self.legs.insert(leg.id.clone(), call_id.clone());
        if !leg.name.is_empty() {
            self.names.insert(leg.name.clone(), leg.id.clone());
        }
        self.note_resync(&leg.id, false);
    }

    /// Adds a leg to an existing call; false when the call is full. The leg that names the
    /// call (seen late, as in list snapshots) becomes its calling leg.
    pub(crate) fn attach(
        &mut self,
        call_id: &Id,
        leg: CallLeg,
        exten: Option<Arc<str>>,
        now: Instant,
    ) -> bool {
        let Some(entry) = self.calls.get(call_id) else {
            return false;
        };
        if entry.call.legs.len() >= self.config.max_channels_per_call.max(1) {
            self.stats.channels_dropped += 1;
            return false;
        }
        self.index_leg(&leg, call_id);
        let Some(entry) = self.calls.get_mut(call_id) else {
            return false;
        };
        entry.last_activity = now;
        entry.notes.push(LegNotes {
            id: leg.id.clone(),
            exten: exten.clone(),
            ..LegNotes::default()
        });
        if *leg.id == **call_id {
            entry.call.from_number = leg.caller_number.clone();
            entry.call.from_name = leg.caller_name.clone();
            entry.caller_dialled_in = dials_in(leg.state);
            if exten.is_some() {
                entry.call.dialled.clone_from(&exten);
                entry.call.to = exten;
            }
            entry.call.legs.insert(0, leg);
        } else {
            entry.call.legs.push(leg);
        }
        true
    }

    /// Moves the legs of call `from` into call `into`. A provisional or never-reported call
    /// vanishes; one that reported events ends as an attended transfer's consultation.
    pub(crate) fn merge(&mut self, into: &Id, from: &str, now: Instant) {
        if &**into == from || !self.calls.contains_key(&**into) {
            return;
        }
        let Some(mut absorbed) = self.calls.remove(from) else {
            return;
        };
        let legs = std::mem::take(&mut absorbed.call.legs);
        let notes = std::mem::take(&mut absorbed.notes);
        for leg in legs {
            let uid = leg.id.clone();
            let hung_up = leg.hung_up;
            let note = notes.iter().find(|n| n.id == uid);
            let exten = note.and_then(|n| n.exten.clone());
            let was_bridged = note.is_some_and(|n| n.was_bridged);
            if hung_up {
                // Its Cdr still belongs to the surviving call.
                self.legs.insert(uid, into.clone());
                continue;
            }
            if self.attach(into, leg, exten, now) {
                if let Some(n) = self.calls.get_mut(into).and_then(|e| e.notes_mut(&uid)) {
                    n.was_bridged = was_bridged;
                }
            } else {
                self.legs.remove(&uid);
            }
        }
        if let Some(entry) = self.calls.get_mut(into) {
            entry.cdrs.append(&mut absorbed.cdrs);
            if entry.call.queue.is_none() {
                entry.call.queue = absorbed.call.queue.take();
            }
        }
        if absorbed.provisional || absorbed.events_emitted == 0 {
            return;
        }
        // A consultation call that people saw: it ends here, its parties live on in `into`.
        absorbed.call.state = CallState::Ended;
        absorbed.call.ended_at = Some(self.clock.system_time(now));
        absorbed.call.end_reason = Some(EndReason::AttendedTransfer);
        absorbed.call.hangup_cause_text = Some(EndReason::AttendedTransfer.as_str().into());
        let (_, mut sink) = self.sink();
        sink.emit(&mut absorbed, Emit::Ended, now);
        self.queue_completion(absorbed, now);
    }

    /// Which of two calls joined into one keeps its identity: the one people know about (not
    /// provisional), then the older; returns `(into, from)`.
    pub(crate) fn survivor(&self, a: Id, b: Id) -> (Id, Id) {
        let rank = |id: &str| {
            self.calls
                .get(id)
                .map(|e| (!e.provisional, std::cmp::Reverse(e.started)))
        };
        if rank(&b) > rank(&a) { (b, a) } else { (a, b) }
    }

    /// A provisional call proved to be a call: report where it stands.
    pub(crate) fn announce(&mut self, call_id: &str, now: Instant) {
        self.with_call(call_id, now, |entry, sink| {
            if !entry.provisional {
                return;
            }
            entry.provisional = false;
            match entry.call.state {
                CallState::Ringing => sink.emit(entry, Emit::Ringing, now),
                CallState::Answered | CallState::OnHold | CallState::Transferred => {
                    sink.emit(entry, Emit::Answered, now);
                }
                _ => {}
            }
        });
    }

    /// The party a leg stands for.
    pub(crate) fn party(&self, call_id: &str, uid: &str) -> Option<Arc<str>> {
        let entry = self.calls.get(call_id)?;
        let leg = entry.call.legs.iter().find(|l| &*l.id == uid)?;
        party_of_leg(&self.config, leg)
    }

    /// Sets a leg's state and derives ringing / answered.
    pub(crate) fn set_leg_state(
        &mut self,
        call_id: &str,
        uid: &str,
        state: LegState,
        number: Option<&str>,
        now: Instant,
    ) {
        self.with_call(call_id, now, |entry, sink| {
            let Some(index) = entry.leg_index(uid) else {
                return;
            };
            let Some(leg) = entry.call.legs.get_mut(index) else {
                return;
            };
            if leg.state == state {
                return;
            }
            leg.state = state;
            if let Some(number) = number
                && leg.caller_number.as_deref() != Some(number)
            {
                leg.caller_number = Some(number.into());
            }
            let device = is_device_leg(leg);
            let answerer = party_of_leg(sink.config, leg);
            match state {
                LegState::Ring | LegState::Dialing if index == 0 => {
                    entry.caller_dialled_in = true;
                }
                LegState::Ringing => sink.ringing(entry, now),
                LegState::Up if index > 0 && device => sink.party_answered(entry, answerer, now),
                LegState::Up if index == 0 && entry.caller_dialled_in => {
                    sink.pbx_answered(entry, now);
                }
                _ => {}
            }
        });
        if dials_in(state)
            && self
                .calls
                .get(call_id)
                .is_some_and(|e| e.provisional && e.leg_index(uid) == Some(0))
        {
            // A legacy leg that dials in is a caller, not a leg the PBX created.
            self.announce(call_id, now);
        }
    }
}
