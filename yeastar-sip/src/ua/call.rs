//! Calls: the INVITE usage of a dialog, both sides (RFC 3261 §13–15, RFC 6026), with early
//! dialogs, CANCEL, 2xx retransmission and ACK, re-INVITE/UPDATE offers, BYE, INFO DTMF,
//! REFER with its NOTIFYs (RFC 3515), and session timers (RFC 4028).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::config::MAX_EARLY_DIALOGS;
use super::dialog::{Dialog, DialogState};
use super::endpoint::{Endpoint, Reply, TxOwner, body_of};
use super::event::{
    AccountHandle, CallHandle, CallProgress, EndReason, Event, IncomingCall, TransferProgress,
    UaError,
};
use super::request::{
    ALLOW, OutRequest, SUPPORTED, parse_dtmf, parse_sipfrag_status, reason_phrase, resolve_uri,
};
use super::transaction::{ClientKey, ServerKey};
use super::transport::{Remote, Transmit, TransportKind};
use crate::message::{Message, OwnedMessage};

/// An outgoing call to place with [`Endpoint::invite`].
#[non_exhaustive]
#[derive(Debug, Clone, Default)]
pub struct InviteRequest {
    /// Request-URI and To (`sip:1002@pbx.example.com`).
    pub target: String,
    /// The account placing the call: From identity, credentials, proxy.
    pub account: Option<AccountHandle>,
    /// Where to send the INVITE; defaults to the account's proxy, else the target's host
    /// when it is an IP address.
    pub destination: Option<Remote>,
    /// From URI when there is no account (`sip:gateway@192.0.2.7`).
    pub from: Option<String>,
    /// SDP offer.
    pub offer: Option<Bytes>,
    /// This call carries out the transfer the peer of that call asked for (REFER): its
    /// progress is reported there with NOTIFYs.
    pub transfer_of: Option<CallHandle>,
}

impl InviteRequest {
    /// A call to `target`.
    pub fn new(target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            ..Self::default()
        }
    }

    /// Through `account`.
    #[must_use]
    pub fn account(mut self, account: AccountHandle) -> Self {
        self.account = Some(account);
        self
    }

    /// To `destination`.
    #[must_use]
    pub fn destination(mut self, destination: Remote) -> Self {
        self.destination = Some(destination);
        self
    }

    /// With an SDP offer.
    #[must_use]
    pub fn offer(mut self, sdp: impl Into<Bytes>) -> Self {
        self.offer = Some(sdp.into());
        self
    }

    /// From URI without an account.
    #[must_use]
    pub fn from(mut self, uri: impl Into<String>) -> Self {
        self.from = Some(uri.into());
        self
    }

    /// As the transfer asked for in `call`.
    #[must_use]
    pub fn transfer_of(mut self, call: CallHandle) -> Self {
        self.transfer_of = Some(call);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallState {
    /// INVITE sent or received, no dialog-creating response yet.
    Calling,
    /// 1xx with a To tag sent or received.
    Early,
    /// UAS: 2xx sent, waiting for the ACK.
    Answering,
    /// Confirmed dialog.
    Confirmed,
    /// BYE sent.
    Ending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cancel {
    None,
    /// Asked before any provisional response: sent when one arrives (§9.1).
    Pending,
    /// Sent; the INVITE is abandoned if no final response comes by then.
    Sent(Instant),
}

/// An INVITE (or re-INVITE/UPDATE) we received and have not answered finally.
#[derive(Debug, Clone)]
pub(crate) struct PendingRequest {
    pub(crate) key: ServerKey,
    pub(crate) request: OwnedMessage,
    pub(crate) source: Remote,
}

/// Our 2xx to an INVITE, retransmitted until the ACK (§13.3.1.4; unreliable transports).
#[derive(Debug, Clone)]
pub(crate) struct Retransmit {
    bytes: Bytes,
    remote: Remote,
    cseq: u32,
    next: Option<Instant>,
    interval: Duration,
    give_up: Instant,
}

/// RFC 4028 session timer of a confirmed dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionTimer {
    pub(crate) interval: u32,
    pub(crate) we_refresh: bool,
    refresh_at: Option<Instant>,
    expire_at: Option<Instant>,
}

impl SessionTimer {
    fn new(interval: u32, we_refresh: bool, now: Instant) -> Self {
        let secs = Duration::from_secs(u64::from(interval));
        if we_refresh {
            Self {
                interval,
                we_refresh,
                refresh_at: Some(now + secs / 2),
                expire_at: None,
            }
        } else {
            // §10: BYE when no refresh came by expiry minus min(32 s, interval / 3).
            let margin = Duration::from_secs(32).min(secs / 3);
            Self {
                interval,
                we_refresh,
                refresh_at: None,
                expire_at: Some(now + secs - margin),
            }
        }
    }
}

/// The REFER subscription we serve (RFC 3515): NOTIFYs queued and sent one at a time.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReferIn {
    queue: VecDeque<(u16, bool)>,
    in_flight: Option<ClientKey>,
    done: bool,
    last_code: u16,
}

/// Most NOTIFYs queued for one REFER subscription; only the latest status matters, so older
/// queued ones are dropped beyond this.
const MAX_QUEUED_NOTIFY: usize = 8;

#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) account: Option<AccountHandle>,
    pub(crate) outgoing: bool,
    pub(crate) state: CallState,
    pub(crate) call_id: String,
    pub(crate) local_tag: String,
    /// Where in-dialog requests go when the target cannot be resolved, and the flow.
    pub(crate) remote: Remote,
    pub(crate) invite_cseq: u32,
    pub(crate) invite_key: Option<ClientKey>,
    pub(crate) early: Vec<Dialog>,
    pub(crate) cancel: Cancel,
    got_provisional: bool,
    /// ACK of the last 2xx to one of our INVITEs: CSeq, bytes, destination.
    ack: Option<(u32, Bytes, Remote)>,
    pub(crate) dialog: Option<Dialog>,
    pub(crate) uas: Option<PendingRequest>,
    retransmit: Option<Retransmit>,
    bye_after_ack: bool,
    pub(crate) local_sdp: Option<Bytes>,
    pub(crate) remote_sdp: Option<Bytes>,
    reoffer_out: Option<ClientKey>,
    reoffer_body: Option<Bytes>,
    reoffer_retry_at: Option<Instant>,
    reoffer_in: Option<(PendingRequest, bool)>,
    pub(crate) session: Option<SessionTimer>,
    /// Session-Expires asked for by our INVITE (raised by 422).
    se_request: Option<u32>,
    min_se: u32,
    refresh_key: Option<ClientKey>,
    peer_allows_update: bool,
    refer_key: Option<ClientKey>,
    refer_in: Option<ReferIn>,
    transfer_of: Option<CallHandle>,
    bye_key: Option<ClientKey>,
    end_reason: EndReason,
}

impl Call {
    fn new(call_id: String, local_tag: String, remote: Remote, outgoing: bool) -> Self {
        Self {
            account: None,
            outgoing,
            state: CallState::Calling,
            call_id,
            local_tag,
            remote,
            invite_cseq: 1,
            invite_key: None,
            early: Vec::new(),
            cancel: Cancel::None,
            got_provisional: false,
            ack: None,
            dialog: None,
            uas: None,
            retransmit: None,
            bye_after_ack: false,
            local_sdp: None,
            remote_sdp: None,
            reoffer_out: None,
            reoffer_body: None,
            reoffer_retry_at: None,
            reoffer_in: None,
            session: None,
            se_request: None,
            min_se: 0,
            refresh_key: None,
            peer_allows_update: false,
            refer_key: None,
            refer_in: None,
            transfer_of: None,
            bye_key: None,
            end_reason: EndReason::LocalHangup,
        }
    }

    pub(crate) fn rekey(&mut self, old: &ClientKey, new: &ClientKey) {
        for slot in [
            &mut self.invite_key,
            &mut self.reoffer_out,
            &mut self.refresh_key,
            &mut self.refer_key,
            &mut self.bye_key,
        ] {
            if slot.as_ref() == Some(old) {
                *slot = Some(new.clone());
            }
        }
        if let Some(r) = &mut self.refer_in
            && r.in_flight.as_ref() == Some(old)
        {
            r.in_flight = Some(new.clone());
        }
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        let cancel = match self.cancel {
            Cancel::Sent(t) => Some(t),
            _ => None,
        };
        let retransmit = self
            .retransmit
            .as_ref()
            .map(|r| r.next.map_or(r.give_up, |n| n.min(r.give_up)));
        let session = self
            .session
            .and_then(|s| match (s.refresh_at, s.expire_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            });
        [cancel, retransmit, self.reoffer_retry_at, session]
            .into_iter()
            .flatten()
            .min()
    }

    /// The confirmed dialog, or the early one with `remote_tag`.
    fn dialog_with(&mut self, remote_tag: &str) -> Option<&mut Dialog> {
        if self
            .dialog
            .as_ref()
            .is_some_and(|d| d.remote_tag == remote_tag)
        {
            return self.dialog.as_mut();
        }
        self.early.iter_mut().find(|d| d.remote_tag == remote_tag)
    }
}

fn header_text<'a>(msg: &Message<'a>, name: &str) -> Option<&'a str> {
    msg.header(name).map(|h| h.value)
}

impl Endpoint {
    /// Places a call. Events: [`Event::CallProgress`], then [`Event::CallAnswered`] or
    /// [`Event::CallEnded`].
    pub fn invite(&mut self, request: InviteRequest, now: Instant) -> Result<CallHandle, UaError> {
        if self.calls.len() >= self.config.limits.max_calls {
            return Err(UaError::TooManyCalls);
        }
        if crate::Uri::parse(&request.target).is_err() {
            return Err(UaError::Invalid("target URI"));
        }
        let reg = request
            .account
            .map(|a| self.accounts.get(&a).ok_or(UaError::NoSuchAccount))
            .transpose()?;
        let remote = match (request.destination, reg) {
            (Some(d), _) => d,
            (None, Some(r)) => r.remote,
            (None, None) => resolve_uri(&request.target, TransportKind::Udp)
                .ok_or_else(|| UaError::NoRoute(request.target.clone()))?,
        };
        let from_uri = match (reg, &request.from) {
            (_, Some(f)) => f.clone(),
            (Some(r), None) => r.config.aor(),
            (None, None) => {
                let b = self.binding(remote.transport)?;
                format!("sip:anonymous@{}", b.host_port())
            }
        };
        let display = reg
            .and_then(|r| r.config.display_name.clone())
            .map(|d| format!("\"{}\" ", d.replace(['"', '\\'], "")))
            .unwrap_or_default();
        let contact = self.contact_for(request.account, remote.transport)?;
        let call_id = self.token(24);
        let tag = self.token(10);
        let handle = CallHandle(self.new_handle());
        let mut call = Call::new(call_id.clone(), tag.clone(), remote, true);
        call.account = request.account;
        call.transfer_of = request.transfer_of;
        call.local_sdp = request.offer.clone();
        call.se_request = self.config.session_timer.expires;
        call.min_se = self.config.session_timer.min_se;
        let mut req = OutRequest::new("INVITE", request.target.clone(), 1, remote)
            .header("From", format!("{display}<{from_uri}>;tag={tag}"))
            .header("To", format!("<{}>", request.target))
            .header("Call-ID", call_id)
            .header("Contact", contact)
            .header("Allow", ALLOW)
            .header("Supported", SUPPORTED);
        if let Some(se) = call.se_request {
            req = req
                .header("Session-Expires", se.to_string())
                .header("Min-SE", call.min_se.to_string());
        }
        req = req.with_body("application/sdp", request.offer.unwrap_or_default());
        req.account = request.account;
        self.insert_call(handle, call);
        match self.send_request(req, TxOwner::Invite(handle), now) {
            Ok(key) => {
                if let Some(c) = self.calls.get_mut(&handle) {
                    c.invite_key = Some(key);
                }
                Ok(handle)
            }
            Err(e) => {
                self.remove_call(handle);
                Err(e)
            }
        }
    }

    /// The Call-ID of a call (of its INVITE, and of its dialog).
    #[must_use]
    pub fn call_id(&self, call: CallHandle) -> Option<&str> {
        self.calls.get(&call).map(|c| c.call_id.as_str())
    }

    /// Ends a call whatever its state: CANCEL (outgoing, unanswered), 603 (incoming,
    /// unanswered), BYE (answered; after the ACK for an incoming call).
    pub fn hangup(&mut self, call: CallHandle, now: Instant) -> Result<(), UaError> {
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        match (c.outgoing, c.state) {
            (_, CallState::Ending) => Ok(()),
            (true, CallState::Calling | CallState::Early) => {
                if c.cancel != Cancel::None {
                    return Ok(());
                }
                if c.got_provisional {
                    self.send_cancel(call, now);
                } else {
                    c.cancel = Cancel::Pending;
                }
                Ok(())
            }
            (false, CallState::Calling | CallState::Early) => {
                let code = if self.shutting_down { 480 } else { 603 };
                self.reject_inner(call, code, EndReason::Declined, now)
            }
            (false, CallState::Answering) => {
                c.bye_after_ack = true;
                Ok(())
            }
            (_, CallState::Confirmed | CallState::Answering) => {
                self.send_bye(call, EndReason::LocalHangup, now);
                Ok(())
            }
        }
    }

    fn send_cancel(&mut self, call: CallHandle, now: Instant) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(key) = c.invite_key.clone() else {
            return;
        };
        c.cancel = Cancel::Sent(now + self.txs.timers.timeout());
        let Some(invite) = self.sent.get(&key) else {
            return;
        };
        // §9.1: same Request-URI, Call-ID, From, To, CSeq number, Route and top Via.
        let mut cancel = OutRequest::new("CANCEL", invite.uri.clone(), invite.cseq, invite.remote);
        for (name, value) in &invite.headers {
            if matches!(*name, "From" | "To" | "Call-ID" | "Route") {
                cancel.headers.push((name, value.clone()));
            }
        }
        let Ok(binding) = self.binding(invite.remote.transport).cloned() else {
            return;
        };
        let bytes = cancel.render(&binding, &key.branch, self.config.user_agent.as_deref());
        let ckey = ClientKey {
            branch: key.branch.clone(),
            method: "CANCEL".into(),
        };
        let _ = self.txs.send_request(
            ckey,
            TxOwner::Cancel(call),
            bytes,
            invite.remote,
            now,
            &mut self.out,
        );
    }

    fn send_bye(&mut self, call: CallHandle, reason: EndReason, now: Instant) {
        let Ok(req) = self.dialog_request(call, "BYE") else {
            self.end_call(call, reason, None);
            return;
        };
        if let Some(c) = self.calls.get_mut(&call) {
            c.state = CallState::Ending;
            c.end_reason = reason;
            c.retransmit = None;
            c.session = None;
        }
        match self.send_request(req, TxOwner::Bye(call), now) {
            Ok(key) => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.bye_key = Some(key);
                }
            }
            Err(_) => self.end_call(call, reason, None),
        }
    }

    /// A request inside the call's dialog: Request-URI and Route from the route set, From,
    /// To, Call-ID, next CSeq, Contact for target-refreshing methods.
    pub(crate) fn dialog_request(
        &mut self,
        call: CallHandle,
        method: &str,
    ) -> Result<OutRequest, UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
        let account = c.account;
        let transport = c.remote.transport;
        let contact = self.contact_for(account, transport)?;
        let proxy = account
            .and_then(|a| self.accounts.get(&a))
            .map(|r| r.remote);
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        let fallback = c.remote;
        let d = c
            .dialog
            .as_mut()
            .or_else(|| c.early.first_mut())
            .ok_or(UaError::InvalidState("no dialog"))?;
        let target = d.request();
        let seq = if method == "ACK" {
            0
        } else {
            d.next_local_seq()
        };
        // Connection transports stay on the dialog's flow; over UDP the next hop's address
        // when it is an IP, else the account's proxy, else where the dialog came from.
        let remote = if fallback.transport.is_reliable() {
            fallback
        } else {
            resolve_uri(target.next_hop(), TransportKind::Udp)
                .filter(|r| r.transport == TransportKind::Udp)
                .or(proxy)
                .unwrap_or(fallback)
        };
        let mut req = OutRequest::new(method, target.request_uri.clone(), seq, remote);
        for r in &target.routes {
            req.headers.push(("Route", r.clone()));
        }
        req.headers.push(("From", d.local_header.clone()));
        req.headers.push(("To", d.remote_header.clone()));
        req.headers.push(("Call-ID", d.call_id.clone()));
        if !matches!(method, "BYE" | "ACK" | "INFO" | "CANCEL") {
            req.headers.push(("Contact", contact));
        }
        req.account = account;
        Ok(req)
    }

    pub(crate) fn end_call(&mut self, call: CallHandle, reason: EndReason, code: Option<u16>) {
        let Some(c) = self.remove_call(call) else {
            return;
        };
        for key in [&c.invite_key, &c.reoffer_out, &c.refresh_key, &c.refer_key]
            .into_iter()
            .flatten()
        {
            if self.txs.client_state(key) != Some(super::transaction::ClientState::Accepted) {
                self.sent.remove(key);
            }
        }
        if let Some(orig) = c.transfer_of
            && (c.state != CallState::Confirmed || reason != EndReason::LocalHangup)
        {
            let final_code = code.filter(|&c| c >= 300).unwrap_or(487);
            if c.state != CallState::Confirmed && c.state != CallState::Ending {
                self.queue_notify(orig, final_code, true);
            }
        }
        self.emit(Event::CallEnded { call, reason, code });
    }

    fn invite_status_to_reason(c: &Call, status: u16, synthetic: bool) -> EndReason {
        match (status, synthetic) {
            (487, _) if c.cancel != Cancel::None => EndReason::Cancelled,
            (408, true) => EndReason::Timeout,
            (503, true) => EndReason::TransportError,
            (401 | 407, _) => EndReason::AuthFailed,
            _ if c.cancel != Cancel::None => EndReason::Cancelled,
            _ => EndReason::Rejected,
        }
    }

    pub(crate) fn on_invite_reply(
        &mut self,
        call: CallHandle,
        key: &ClientKey,
        reply: Reply<'_, '_>,
        from: Option<Remote>,
        now: Instant,
    ) {
        let status = reply.status();
        let Some(c) = self.calls.get_mut(&call) else {
            // The call is gone but a 2xx still came: ACK and BYE it (§13.2.2.4 spirit).
            if let (Some(msg), 200..=299) = (reply.msg(), status) {
                self.ack_and_bye_stray(key, msg, now);
            }
            return;
        };
        if c.invite_key.as_ref() != Some(key) {
            return;
        }
        if let Some(flow) = from.and_then(|f| f.flow) {
            c.remote.flow = Some(flow);
        }
        let Some(msg) = reply.msg() else {
            // Timeout or transport error.
            self.sent.remove(key);
            let reason = Self::invite_status_to_reason(c, status, true);
            self.end_call(call, reason, Some(status));
            return;
        };
        match status {
            100..=199 => {
                c.got_provisional = true;
                if c.cancel == Cancel::Pending {
                    self.send_cancel(call, now);
                    return;
                }
                if status == 100 {
                    self.emit(Event::CallProgress {
                        call,
                        progress: CallProgress::Trying,
                    });
                    return;
                }
                let local_header = self
                    .sent
                    .get(key)
                    .and_then(|r| r.header_value("From").map(str::to_owned))
                    .unwrap_or_default();
                let remote_tag = msg
                    .to()
                    .ok()
                    .flatten()
                    .and_then(|t| t.tag().map(str::to_owned));
                if let Some(tag) = remote_tag {
                    if c.dialog_with(&tag).is_none() && c.early.len() < MAX_EARLY_DIALOGS {
                        if let Some(d) = Dialog::uac(
                            &local_header,
                            &c.local_tag,
                            &c.call_id,
                            c.invite_cseq,
                            msg,
                            false,
                        ) {
                            c.early.push(d);
                        }
                    } else if let Some(d) = c.dialog_with(&tag) {
                        d.refresh_target(msg);
                    }
                    c.state = CallState::Early;
                }
                let sdp = msg.body();
                let progress = if sdp.is_empty() {
                    CallProgress::Ringing { code: status }
                } else {
                    let sdp = Bytes::copy_from_slice(sdp);
                    c.remote_sdp = Some(sdp.clone());
                    CallProgress::EarlyMedia { code: status, sdp }
                };
                if let Some(orig) = c.transfer_of
                    && (status == 180 || status == 183)
                {
                    self.queue_notify(orig, status, false);
                }
                self.emit(Event::CallProgress { call, progress });
                self.pump_notify_all(now);
            }
            200..=299 => self.on_invite_2xx(call, key, msg, now),
            _ => {
                if status == 422
                    && self.retry_session_interval(TxOwner::Invite(call), key, msg, now)
                {
                    return;
                }
                self.sent.remove(key);
                let Some(c) = self.calls.get(&call) else {
                    return;
                };
                let reason = Self::invite_status_to_reason(c, status, false);
                self.end_call(call, reason, Some(status));
                self.pump_notify_all(now);
            }
        }
    }

    fn on_invite_2xx(
        &mut self,
        call: CallHandle,
        key: &ClientKey,
        msg: &Message<'_>,
        now: Instant,
    ) {
        let Some(remote_tag) = msg
            .to()
            .ok()
            .flatten()
            .and_then(|t| t.tag().map(str::to_owned))
        else {
            return;
        };
        let seq = msg.cseq().ok().flatten().map_or(0, |c| c.seq);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if let Some(d) = &c.dialog {
            if d.remote_tag == remote_tag {
                // A retransmission: the ACK again.
                if let Some((s, bytes, remote)) = &c.ack
                    && *s == seq
                {
                    self.out.push(Transmit::to(remote, bytes.clone()));
                }
            } else {
                // A second fork answered: ACK and BYE it.
                self.ack_and_bye_stray(key, msg, now);
            }
            return;
        }
        let local_header = self
            .sent
            .get(key)
            .and_then(|r| r.header_value("From").map(str::to_owned))
            .unwrap_or_default();
        let mut dialog = match c.early.iter().position(|d| d.remote_tag == remote_tag) {
            Some(i) => {
                let mut d = c.early.swap_remove(i);
                d.confirm_uac(msg);
                d
            }
            None => match Dialog::uac(
                &local_header,
                &c.local_tag,
                &c.call_id,
                c.invite_cseq,
                msg,
                false,
            ) {
                Some(d) => d,
                None => return,
            },
        };
        dialog.local_seq = dialog.local_seq.max(c.invite_cseq);
        dialog.state = DialogState::Confirmed;
        c.early.clear();
        c.dialog = Some(dialog);
        c.state = CallState::Confirmed;
        c.peer_allows_update = msg
            .allow()
            .ok()
            .flatten()
            .is_some_and(|a| a.contains("UPDATE"));
        let sdp = (!msg.body().is_empty()).then(|| Bytes::copy_from_slice(msg.body()));
        if sdp.is_some() {
            c.remote_sdp.clone_from(&sdp);
        }
        self.setup_session_from_response(call, msg, now);
        self.send_ack(call, seq);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let cancelled = c.cancel != Cancel::None;
        c.cancel = Cancel::None;
        if let Some(orig) = c.transfer_of.take() {
            self.queue_notify(orig, 200, true);
            self.pump_notify_all(now);
        }
        if cancelled {
            // CANCEL lost the race with the 200: end the call with a BYE.
            self.send_bye(call, EndReason::Cancelled, now);
            return;
        }
        self.emit(Event::CallAnswered { call, sdp });
    }

    fn send_ack(&mut self, call: CallHandle, seq: u32) {
        let Ok(mut ack) = self.dialog_request(call, "ACK") else {
            return;
        };
        ack.cseq = seq;
        if let Ok(bytes) = self.send_stateless(&ack)
            && let Some(c) = self.calls.get_mut(&call)
        {
            c.ack = Some((seq, bytes, ack.remote));
        }
    }

    /// ACK and BYE a 2xx we do not want (another fork, or a call already gone).
    fn ack_and_bye_stray(&mut self, key: &ClientKey, msg: &Message<'_>, now: Instant) {
        let Some(invite) = self.sent.get(key).cloned().or_else(|| {
            // Rebuild from the response alone.
            let from = header_text(msg, "From")?.to_owned();
            let call_id = msg.call_id().ok()??.to_owned();
            let seq = msg.cseq().ok()??.seq;
            let remote = self.txs.client(key)?.remote;
            Some(
                OutRequest::new("INVITE", String::new(), seq, remote)
                    .header("From", from)
                    .header("Call-ID", call_id),
            )
        }) else {
            return;
        };
        let from = invite.header_value("From").unwrap_or("").to_owned();
        let local_tag = from.rsplit("tag=").next().unwrap_or("").to_owned();
        let Some(d) = Dialog::uac(
            &from,
            &local_tag,
            invite.header_value("Call-ID").unwrap_or(""),
            invite.cseq,
            msg,
            false,
        ) else {
            return;
        };
        let target = d.request();
        let remote = resolve_uri(target.next_hop(), TransportKind::Udp)
            .filter(|_| !invite.remote.transport.is_reliable())
            .unwrap_or(invite.remote);
        for (method, seq) in [("ACK", invite.cseq), ("BYE", invite.cseq.wrapping_add(1))] {
            let mut req = OutRequest::new(method, target.request_uri.clone(), seq, remote);
            for r in &target.routes {
                req.headers.push(("Route", r.clone()));
            }
            req.headers.push(("From", d.local_header.clone()));
            req.headers.push(("To", d.remote_header.clone()));
            req.headers.push(("Call-ID", d.call_id.clone()));
            if method == "ACK" {
                let _ = self.send_stateless(&req);
            } else {
                let _ = self.send_request(req, TxOwner::Stray, now);
            }
        }
    }

    pub(crate) fn on_bye_reply(
        &mut self,
        call: CallHandle,
        key: &ClientKey,
        reply: Reply<'_, '_>,
        _now: Instant,
    ) {
        let status = reply.status();
        if status < 200 {
            return;
        }
        self.sent.remove(key);
        let reason = self
            .calls
            .get(&call)
            .map_or(EndReason::LocalHangup, |c| c.end_reason);
        let code = match reason {
            EndReason::LocalHangup => Some(status),
            _ => None,
        };
        self.end_call(call, reason, code);
    }

    // ---- incoming calls ----

    pub(crate) fn on_new_invite(
        &mut self,
        msg: &Message<'_>,
        owned: &OwnedMessage,
        key: ServerKey,
        from: Remote,
        now: Instant,
    ) {
        if self.shutting_down || self.calls.len() >= self.config.limits.max_calls {
            self.reply(
                &key,
                msg,
                &from,
                503,
                None,
                &[("Retry-After", "30")],
                None,
                now,
            );
            return;
        }
        if let Ok(Some(req)) = msg.require() {
            let unknown: Vec<&str> = req
                .iter()
                .filter(|t| !t.eq_ignore_ascii_case("timer"))
                .collect();
            if !unknown.is_empty() {
                let list = unknown.join(", ");
                self.reply(
                    &key,
                    msg,
                    &from,
                    420,
                    None,
                    &[("Unsupported", &list)],
                    None,
                    now,
                );
                return;
            }
        }
        let min_se = self.config.session_timer.min_se;
        let se = msg.session_expires().ok().flatten();
        if let Some(se) = se
            && se.delta < min_se
        {
            let v = min_se.to_string();
            self.reply(&key, msg, &from, 422, None, &[("Min-SE", &v)], None, now);
            return;
        }
        let offer = body_of(owned, msg);
        if offer.is_some()
            && !msg
                .content_type()
                .ok()
                .flatten()
                .is_some_and(|t| t.is_sdp())
        {
            self.reply(
                &key,
                msg,
                &from,
                415,
                None,
                &[("Accept", "application/sdp")],
                None,
                now,
            );
            return;
        }
        let tag = self.token(10);
        let local_seq = self.rng.u32(1..1 << 16);
        let Some(mut dialog) = Dialog::uas(msg, &tag, local_seq, false) else {
            self.reply(&key, msg, &from, 400, None, &[], None, now);
            return;
        };
        dialog.state = DialogState::Early;
        let Some(call_id) = msg.call_id().ok().flatten() else {
            return;
        };
        let request_uri = msg
            .request_uri()
            .map(|u| u.as_str().to_owned())
            .unwrap_or_default();
        let user = msg
            .request_uri()
            .and_then(|u| u.as_sip().and_then(|s| s.user))
            .or_else(|| {
                msg.to()
                    .ok()
                    .flatten()
                    .and_then(|t| t.uri.as_sip().and_then(|s| s.user))
            });
        let account = self.account_for_user(user);
        let remote = if from.transport.is_reliable() {
            from
        } else {
            super::request::response_remote(msg, &from)
        };
        let handle = CallHandle(self.new_handle());
        let mut call = Call::new(call_id.to_owned(), tag, remote, false);
        call.account = account;
        call.invite_cseq = msg.cseq().ok().flatten().map_or(1, |c| c.seq);
        call.dialog = Some(dialog);
        call.remote_sdp.clone_from(&offer);
        call.peer_allows_update = msg
            .allow()
            .ok()
            .flatten()
            .is_some_and(|a| a.contains("UPDATE"));
        if let Some(se) = se {
            // We refresh unless the caller asked to (refresher=uac).
            let we_refresh = se
                .refresher()
                .is_none_or(|r| !r.eq_ignore_ascii_case("uac"));
            call.session = Some(SessionTimer {
                interval: se.delta,
                we_refresh,
                refresh_at: None,
                expire_at: None,
            });
        }
        call.uas = Some(PendingRequest {
            key,
            request: owned.clone(),
            source: from,
        });
        self.insert_call(handle, call);
        let text = |name| header_text(msg, name).unwrap_or("").to_owned();
        self.emit(Event::IncomingCall(IncomingCall {
            call: handle,
            account,
            from: text("From"),
            to: text("To"),
            request_uri,
            offer,
            remote: from,
        }));
    }

    /// Sends 180 Ringing, or 183 Session Progress with early-media SDP.
    pub fn ringing(
        &mut self,
        call: CallHandle,
        early_sdp: Option<Bytes>,
        now: Instant,
    ) -> Result<(), UaError> {
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        if c.outgoing || !matches!(c.state, CallState::Calling | CallState::Early) {
            return Err(UaError::InvalidState("not an unanswered incoming call"));
        }
        c.state = CallState::Early;
        let pending = c.uas.clone().ok_or(UaError::InvalidState("no INVITE"))?;
        let tag = c.local_tag.clone();
        let (account, transport) = (c.account, c.remote.transport);
        let contact = self.contact_for(account, transport)?;
        let msg = pending.request.message();
        let (status, body) = match &early_sdp {
            Some(sdp) => (183, Some(("application/sdp", sdp.as_ref()))),
            None => (180, None),
        };
        self.reply(
            &pending.key,
            &msg,
            &pending.source,
            status,
            Some(&tag),
            &[("Contact", &contact)],
            body,
            now,
        );
        Ok(())
    }

    /// Answers an incoming call with 200 OK and our SDP; [`Event::CallConfirmed`] follows
    /// the ACK.
    pub fn answer(&mut self, call: CallHandle, sdp: Bytes, now: Instant) -> Result<(), UaError> {
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        if c.outgoing || !matches!(c.state, CallState::Calling | CallState::Early) {
            return Err(UaError::InvalidState("not an unanswered incoming call"));
        }
        let pending = c.uas.clone().ok_or(UaError::InvalidState("no INVITE"))?;
        c.state = CallState::Answering;
        c.local_sdp = Some(sdp.clone());
        if let Some(d) = &mut c.dialog {
            d.state = DialogState::Confirmed;
        }
        self.send_invite_2xx(call, &pending, Some(sdp), now)?;
        if let Some(c) = self.calls.get_mut(&call) {
            c.uas = None;
        }
        Ok(())
    }

    /// A 2xx to an INVITE (initial or re-INVITE), retransmitted until the ACK.
    fn send_invite_2xx(
        &mut self,
        call: CallHandle,
        pending: &PendingRequest,
        sdp: Option<Bytes>,
        now: Instant,
    ) -> Result<(), UaError> {
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        let tag = c.local_tag.clone();
        let account = c.account;
        let transport = c.remote.transport;
        let session = c.session.map(|mut s| {
            s.refresh_at = None;
            s.expire_at = None;
            let who = if s.we_refresh { "uas" } else { "uac" };
            (s.interval, who)
        });
        let contact = self.contact_for(account, transport)?;
        let msg = pending.request.message();
        let se_value = session.map(|(i, who)| format!("{i};refresher={who}"));
        let mut extra: Vec<(&str, &str)> = vec![
            ("Contact", &contact),
            ("Allow", ALLOW),
            ("Supported", SUPPORTED),
        ];
        if let Some(v) = &se_value {
            extra.push(("Session-Expires", v));
            if v.ends_with("uac") {
                extra.push(("Require", "timer"));
            }
        }
        let body = sdp.as_ref().map(|s| ("application/sdp", s.as_ref()));
        let bytes = super::request::response(
            &msg,
            &pending.source,
            200,
            Some(&tag),
            true,
            &extra,
            body,
            self.config.user_agent.as_deref(),
        );
        if !self
            .txs
            .respond(&pending.key, 200, bytes.clone(), now, &mut self.out)
        {
            let remote = super::request::response_remote(&msg, &pending.source);
            self.out.push(Transmit::to(&remote, bytes.clone()));
        }
        let remote = self
            .txs
            .server_remote(&pending.key)
            .unwrap_or_else(|| super::request::response_remote(&msg, &pending.source));
        let t1 = self.txs.timers.t1;
        let give_up = now + self.txs.timers.timeout();
        let cseq = msg.cseq().ok().flatten().map_or(0, |c| c.seq);
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        c.retransmit = Some(Retransmit {
            bytes,
            remote,
            cseq,
            next: (!remote.transport.is_reliable()).then(|| now + t1),
            interval: t1,
            give_up,
        });
        if let Some(s) = c.session {
            c.session = Some(SessionTimer::new(s.interval, s.we_refresh, now));
        }
        Ok(())
    }

    /// Refuses an incoming call (486 Busy Here, 603 Decline, ...).
    pub fn reject(&mut self, call: CallHandle, code: u16, now: Instant) -> Result<(), UaError> {
        if !(300..700).contains(&code) {
            return Err(UaError::Invalid("status code"));
        }
        self.reject_inner(call, code, EndReason::Declined, now)
    }

    fn reject_inner(
        &mut self,
        call: CallHandle,
        code: u16,
        reason: EndReason,
        now: Instant,
    ) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
        if c.outgoing || !matches!(c.state, CallState::Calling | CallState::Early) {
            return Err(UaError::InvalidState("not an unanswered incoming call"));
        }
        let pending = c.uas.clone().ok_or(UaError::InvalidState("no INVITE"))?;
        let tag = c.local_tag.clone();
        let msg = pending.request.message();
        self.reply(
            &pending.key,
            &msg,
            &pending.source,
            code,
            Some(&tag),
            &[],
            None,
            now,
        );
        self.end_call(call, reason, Some(code));
        Ok(())
    }

    pub(crate) fn on_cancel(
        &mut self,
        msg: &Message<'_>,
        key: &ServerKey,
        from: Remote,
        now: Instant,
    ) {
        let invite_key = key.invite_of_cancel();
        let call_id = msg.call_id().ok().flatten().unwrap_or("");
        let found = self.calls_with_id(call_id).iter().find_map(|h| {
            let c = self.calls.get(h)?;
            c.uas
                .as_ref()
                .filter(|p| p.key == invite_key && !c.outgoing)
                .map(|p| (*h, p.clone(), c.local_tag.clone()))
        });
        match found {
            Some((call, pending, tag)) => {
                self.reply(key, msg, &from, 200, None, &[], None, now);
                let inv = pending.request.message();
                self.reply(
                    &pending.key,
                    &inv,
                    &pending.source,
                    487,
                    Some(&tag),
                    &[],
                    None,
                    now,
                );
                self.end_call(call, EndReason::RemoteCancelled, Some(487));
            }
            None if self.txs.server_state(&invite_key).is_some() => {
                // Already answered: the CANCEL has no effect (§9.2).
                self.reply(key, msg, &from, 200, None, &[], None, now);
            }
            None => self.reply(key, msg, &from, 481, None, &[], None, now),
        }
    }

    fn find_dialog_call(
        &self,
        call_id: &str,
        local_tag: &str,
        remote_tag: &str,
    ) -> Option<CallHandle> {
        self.calls_with_id(call_id).iter().find_map(|h| {
            let c = self.calls.get(h)?;
            let hit = c
                .dialog
                .iter()
                .chain(c.early.iter())
                .any(|d| d.matches_request(call_id, local_tag, remote_tag));
            hit.then_some(*h)
        })
    }

    pub(crate) fn on_ack(&mut self, msg: &Message<'_>, _from: Remote, _now: Instant) {
        let (Some(call_id), Some(to), Some(fr), Some(cseq)) = (
            msg.call_id().ok().flatten(),
            msg.to().ok().flatten(),
            msg.from().ok().flatten(),
            msg.cseq().ok().flatten(),
        ) else {
            return;
        };
        let Some(call) =
            self.find_dialog_call(call_id, to.tag().unwrap_or(""), fr.tag().unwrap_or(""))
        else {
            return;
        };
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.retransmit.as_ref().is_none_or(|r| r.cseq != cseq.seq) {
            return;
        }
        c.retransmit = None;
        let sdp = (!msg.body().is_empty()).then(|| Bytes::copy_from_slice(msg.body()));
        if sdp.is_some() {
            c.remote_sdp.clone_from(&sdp);
        }
        if let Some(d) = &mut c.dialog {
            d.refresh_target(msg);
        }
        if c.state == CallState::Answering {
            c.state = CallState::Confirmed;
            let bye = c.bye_after_ack;
            self.emit(Event::CallConfirmed { call, sdp });
            if bye {
                self.send_bye(call, EndReason::LocalHangup, _now);
            }
        } else if let Some(sdp) = sdp {
            self.emit(Event::MediaUpdated { call, sdp });
        }
    }

    pub(crate) fn on_in_dialog_request(
        &mut self,
        msg: &Message<'_>,
        owned: &OwnedMessage,
        key: ServerKey,
        from: Remote,
        now: Instant,
    ) {
        let (Some(call_id), Some(to), Some(fr), Some(cseq), Some(method)) = (
            msg.call_id().ok().flatten(),
            msg.to().ok().flatten(),
            msg.from().ok().flatten(),
            msg.cseq().ok().flatten(),
            msg.method(),
        ) else {
            return;
        };
        let remote_tag = fr.tag().unwrap_or("").to_owned();
        let Some(call) = self.find_dialog_call(call_id, to.tag().unwrap_or(""), &remote_tag) else {
            self.reply(&key, msg, &from, 481, None, &[], None, now);
            return;
        };
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(d) = c.dialog_with(&remote_tag) else {
            return;
        };
        if d.check_remote_cseq(cseq.seq).is_err() {
            self.reply(
                &key,
                msg,
                &from,
                500,
                None,
                &[("Retry-After", "1")],
                None,
                now,
            );
            return;
        }
        if from.transport.is_reliable() {
            c.remote = from;
        }
        match method {
            "BYE" => {
                self.reply(&key, msg, &from, 200, None, &[], None, now);
                if let Some(p) = self.calls.get_mut(&call).and_then(|c| c.uas.take()) {
                    let inv = p.request.message();
                    let tag = self
                        .calls
                        .get(&call)
                        .map(|c| c.local_tag.clone())
                        .unwrap_or_default();
                    self.reply(&p.key, &inv, &p.source, 487, Some(&tag), &[], None, now);
                }
                self.end_call(call, EndReason::RemoteHangup, None);
            }
            "INVITE" | "UPDATE" => self.on_reoffer_request(call, msg, owned, key, from, now),
            "INFO" => {
                let ct = msg
                    .content_type()
                    .ok()
                    .flatten()
                    .map(|t| format!("{}/{}", t.kind, t.subtype))
                    .unwrap_or_default();
                self.reply(&key, msg, &from, 200, None, &[], None, now);
                if let Some((signal, duration_ms)) = parse_dtmf(&ct, msg.body()) {
                    self.emit(Event::DtmfInfo {
                        call,
                        signal,
                        duration_ms,
                    });
                }
            }
            "REFER" => {
                let Some(refer_to) = msg.refer_to().ok().flatten() else {
                    self.reply(&key, msg, &from, 400, None, &[], None, now);
                    return;
                };
                let refer_to = refer_to.uri.as_str().to_owned();
                let referred_by = msg
                    .referred_by()
                    .ok()
                    .flatten()
                    .map(|r| r.uri.as_str().to_owned());
                self.reply(&key, msg, &from, 202, None, &[], None, now);
                if let Some(c) = self.calls.get_mut(&call) {
                    c.refer_in = Some(ReferIn::default());
                }
                self.queue_notify(call, 100, false);
                self.pump_notify(call, now);
                self.emit(Event::TransferRequested {
                    call,
                    refer_to,
                    referred_by,
                });
            }
            "NOTIFY" => {
                self.reply(&key, msg, &from, 200, None, &[], None, now);
                let is_refer = msg
                    .event()
                    .ok()
                    .flatten()
                    .is_some_and(|e| e.package.eq_ignore_ascii_case("refer"));
                if is_refer {
                    let done = msg
                        .subscription_state()
                        .ok()
                        .flatten()
                        .is_some_and(|s| s.state.eq_ignore_ascii_case("terminated"));
                    if let Some(code) = parse_sipfrag_status(msg.body()) {
                        self.emit(Event::TransferProgress {
                            call,
                            progress: TransferProgress::Status {
                                code,
                                done: done || code >= 200,
                            },
                        });
                    }
                } else {
                    let event = msg
                        .event()
                        .ok()
                        .flatten()
                        .map(|e| e.package.to_owned())
                        .unwrap_or_default();
                    self.emit(Event::Notify {
                        event,
                        body: body_of(owned, msg).unwrap_or_default(),
                    });
                }
            }
            "OPTIONS" => self.answer_options(msg, &key, from, now),
            "ACK" => {}
            _ => self.reply(&key, msg, &from, 405, None, &[("Allow", ALLOW)], None, now),
        }
    }

    // ---- offers inside the dialog ----

    fn on_reoffer_request(
        &mut self,
        call: CallHandle,
        msg: &Message<'_>,
        owned: &OwnedMessage,
        key: ServerKey,
        from: Remote,
        now: Instant,
    ) {
        let is_invite = msg.method() == Some("INVITE");
        let min_se = self.config.session_timer.min_se;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let allowed =
            c.state == CallState::Confirmed || (c.state == CallState::Early && !is_invite);
        if !allowed {
            self.reply(&key, msg, &from, 491, None, &[], None, now);
            return;
        }
        if c.reoffer_out.is_some() || c.refresh_key.is_some() {
            // Glare (§14.2).
            self.reply(&key, msg, &from, 491, None, &[], None, now);
            return;
        }
        if c.reoffer_in.is_some() || (is_invite && c.retransmit.is_some()) {
            let wait = self.rng.u32(0..=10).to_string();
            self.reply(
                &key,
                msg,
                &from,
                500,
                None,
                &[("Retry-After", &wait)],
                None,
                now,
            );
            return;
        }
        let se = msg.session_expires().ok().flatten();
        if let Some(se) = se
            && se.delta < min_se
        {
            let v = min_se.to_string();
            self.reply(&key, msg, &from, 422, None, &[("Min-SE", &v)], None, now);
            return;
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if let Some(d) = &mut c.dialog {
            d.refresh_target(msg);
        }
        if let Some(se) = se {
            let we_refresh = se
                .refresher()
                .is_none_or(|r| !r.eq_ignore_ascii_case("uac"));
            c.session = Some(SessionTimer {
                interval: se.delta,
                we_refresh,
                refresh_at: None,
                expire_at: None,
            });
        }
        let offer = body_of(owned, msg);
        let pending = PendingRequest {
            key,
            request: owned.clone(),
            source: from,
        };
        // A refresh repeating the last offer (same o= version) is answered with our last
        // description, without bothering the application.
        let same = match (&offer, &c.remote_sdp) {
            (Some(o), Some(r)) => {
                sdp_version(o).is_some() && sdp_version(o) == sdp_version(r) && o == r
            }
            (None, _) => !is_invite,
            _ => false,
        };
        if same {
            let local = c.local_sdp.clone();
            self.answer_pending(
                call,
                pending,
                is_invite,
                if is_invite { local } else { None },
                now,
            );
            return;
        }
        c.reoffer_in = Some((pending, is_invite));
        self.emit(Event::Reoffer { call, offer });
    }

    /// Answers the peer's re-INVITE or UPDATE offer ([`Event::Reoffer`]) with our SDP.
    pub fn answer_reoffer(
        &mut self,
        call: CallHandle,
        sdp: Bytes,
        now: Instant,
    ) -> Result<(), UaError> {
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        let (pending, is_invite) = c
            .reoffer_in
            .take()
            .ok_or(UaError::InvalidState("no offer pending"))?;
        let offer = body_of(&pending.request, &pending.request.message());
        if offer.is_some() {
            c.remote_sdp = offer;
        }
        c.local_sdp = Some(sdp.clone());
        self.answer_pending(call, pending, is_invite, Some(sdp), now);
        Ok(())
    }

    /// Refuses the peer's offer (488 Not Acceptable Here, ...); the call goes on.
    pub fn reject_reoffer(
        &mut self,
        call: CallHandle,
        code: u16,
        now: Instant,
    ) -> Result<(), UaError> {
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        let (pending, _) = c
            .reoffer_in
            .take()
            .ok_or(UaError::InvalidState("no offer pending"))?;
        let msg = pending.request.message();
        self.reply(
            &pending.key,
            &msg,
            &pending.source,
            code,
            None,
            &[],
            None,
            now,
        );
        Ok(())
    }

    fn answer_pending(
        &mut self,
        call: CallHandle,
        pending: PendingRequest,
        is_invite: bool,
        sdp: Option<Bytes>,
        now: Instant,
    ) {
        if is_invite {
            let _ = self.send_invite_2xx(call, &pending, sdp, now);
            return;
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let session = c.session.map(|s| {
            format!(
                "{};refresher={}",
                s.interval,
                if s.we_refresh { "uas" } else { "uac" }
            )
        });
        if let Some(s) = c.session {
            c.session = Some(SessionTimer::new(s.interval, s.we_refresh, now));
        }
        let Ok(contact) = self.contact_for(
            self.calls.get(&call).and_then(|c| c.account),
            pending.source.transport,
        ) else {
            return;
        };
        let mut extra: Vec<(&str, &str)> = vec![("Contact", &contact)];
        if let Some(v) = &session {
            extra.push(("Session-Expires", v));
        }
        let body = sdp.as_ref().map(|s| ("application/sdp", s.as_ref()));
        let msg = pending.request.message();
        self.reply(
            &pending.key,
            &msg,
            &pending.source,
            200,
            None,
            &extra,
            body,
            now,
        );
    }

    /// Sends a re-INVITE with a new offer (hold: `a=sendonly`; resume: `a=sendrecv`).
    /// [`Event::MediaUpdated`] or [`Event::ReofferFailed`] follows.
    pub fn reinvite(&mut self, call: CallHandle, sdp: Bytes, now: Instant) -> Result<(), UaError> {
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        if c.state != CallState::Confirmed {
            return Err(UaError::InvalidState("call not confirmed"));
        }
        if c.reoffer_out.is_some() || c.reoffer_in.is_some() || c.refresh_key.is_some() {
            return Err(UaError::InvalidState("an offer is pending"));
        }
        c.reoffer_body = Some(sdp);
        self.send_reoffer(call, now)
    }

    fn send_reoffer(&mut self, call: CallHandle, now: Instant) -> Result<(), UaError> {
        let body = self
            .calls
            .get(&call)
            .and_then(|c| c.reoffer_body.clone())
            .ok_or(UaError::InvalidState("no offer"))?;
        let mut req = self.dialog_request(call, "INVITE")?;
        req = req.header("Allow", ALLOW).header("Supported", SUPPORTED);
        if let Some(s) = self.calls.get(&call).and_then(|c| c.session) {
            req = req.header("Session-Expires", format!("{};refresher=uac", s.interval));
        }
        req = req.with_body("application/sdp", body);
        let key = self.send_request(req, TxOwner::Reoffer(call), now)?;
        if let Some(c) = self.calls.get_mut(&call) {
            c.reoffer_out = Some(key);
            c.reoffer_retry_at = None;
        }
        Ok(())
    }

    pub(crate) fn on_reoffer_reply(
        &mut self,
        call: CallHandle,
        owner: TxOwner,
        key: &ClientKey,
        reply: Reply<'_, '_>,
        _from: Option<Remote>,
        now: Instant,
    ) {
        let status = reply.status();
        if status < 200 {
            return;
        }
        let is_invite = key.method == "INVITE";
        let Some(c) = self.calls.get_mut(&call) else {
            self.sent.remove(key);
            return;
        };
        let seq = reply
            .msg()
            .and_then(|m| m.cseq().ok().flatten())
            .map_or(0, |c| c.seq);
        let ours = c.reoffer_out.as_ref() == Some(key) || c.refresh_key.as_ref() == Some(key);
        if !ours {
            // A 2xx retransmission of a finished re-INVITE: ACK again.
            if let (true, 200..=299, Some((s, bytes, remote))) = (is_invite, status, &c.ack)
                && *s == seq
            {
                self.out.push(Transmit::to(remote, bytes.clone()));
            }
            return;
        }
        if status == 422
            && let Some(msg) = reply.msg()
            && self.retry_session_interval(owner, key, msg, now)
        {
            return;
        }
        self.sent.remove(key);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if owner == TxOwner::Reoffer(call) {
            c.reoffer_out = None;
        } else {
            c.refresh_key = None;
        }
        match (status, reply.msg()) {
            (200..=299, Some(msg)) => {
                if let Some(d) = &mut c.dialog {
                    d.refresh_target(msg);
                }
                let sdp = (!msg.body().is_empty()).then(|| Bytes::copy_from_slice(msg.body()));
                if owner == TxOwner::Reoffer(call) {
                    if let Some(b) = c.reoffer_body.take() {
                        c.local_sdp = Some(b);
                    }
                    if sdp.is_some() {
                        c.remote_sdp.clone_from(&sdp);
                    }
                }
                self.setup_session_from_response(call, msg, now);
                if is_invite {
                    self.send_ack(call, seq);
                }
                if let (TxOwner::Reoffer(_), Some(sdp)) = (owner, sdp) {
                    self.emit(Event::MediaUpdated { call, sdp });
                }
            }
            (491, _) if owner == TxOwner::Reoffer(call) => {
                // §14.1: retry after 2.1–4 s if we own the Call-ID, else 0–2 s.
                let ms = if c.outgoing {
                    self.rng.u64(2100..=4000)
                } else {
                    self.rng.u64(0..=2000)
                };
                if let Some(c) = self.calls.get_mut(&call) {
                    c.reoffer_retry_at = Some(now + Duration::from_millis(ms));
                }
            }
            (408 | 481, _) => {
                if status == 408 {
                    self.send_bye(call, EndReason::DialogGone, now);
                } else {
                    self.end_call(call, EndReason::DialogGone, Some(status));
                }
            }
            _ => {
                if owner == TxOwner::Reoffer(call) {
                    c.reoffer_body = None;
                    self.emit(Event::ReofferFailed { call, code: status });
                }
            }
        }
    }

    /// RFC 4028 §7.2: a 2xx with Session-Expires arms the timer; we refresh when the
    /// response names us (we were the UAC of this transaction, so `refresher=uac`).
    fn setup_session_from_response(&mut self, call: CallHandle, msg: &Message<'_>, now: Instant) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        match msg.session_expires().ok().flatten() {
            Some(se) => {
                let we_refresh = se.refresher().is_none_or(|r| r.eq_ignore_ascii_case("uac"));
                c.session = Some(SessionTimer::new(se.delta, we_refresh, now));
            }
            None => {
                if c.session.is_some() && c.state == CallState::Confirmed && c.refresh_key.is_none()
                {
                    c.session = None;
                }
            }
        }
    }

    /// 422: ask again with the peer's Min-SE (RFC 4028 §7.4).
    fn retry_session_interval(
        &mut self,
        owner: TxOwner,
        key: &ClientKey,
        msg: &Message<'_>,
        now: Instant,
    ) -> bool {
        let Some(min) = msg.min_se().ok().flatten() else {
            return false;
        };
        let Some(mut req) = self.sent.remove(key) else {
            return false;
        };
        let current = req
            .header_value("Session-Expires")
            .and_then(|v| v.split(';').next())
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or(0);
        if min <= current {
            self.sent.insert(key.clone(), req);
            return false;
        }
        let refresher = req
            .header_value("Session-Expires")
            .and_then(|v| v.split_once(';').map(|(_, r)| format!(";{r}")))
            .unwrap_or_default();
        req.set_header("Session-Expires", format!("{min}{refresher}"));
        req.set_header("Min-SE", min.to_string());
        req.cseq = self.next_cseq(owner, req.cseq);
        if let TxOwner::Invite(c) = owner
            && let Some(call) = self.calls.get_mut(&c)
        {
            call.se_request = Some(min);
        }
        match self.send_request(req, owner, now) {
            Ok(new_key) => {
                if let TxOwner::Invite(c) | TxOwner::Reoffer(c) | TxOwner::Refresh(c) = owner
                    && let Some(call) = self.calls.get_mut(&c)
                {
                    call.rekey(key, &new_key);
                }
                true
            }
            Err(_) => false,
        }
    }

    fn send_refresh(&mut self, call: CallHandle, now: Instant) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let Some(s) = c.session else { return };
        let use_update = c.peer_allows_update;
        let body = c.local_sdp.clone().unwrap_or_default();
        let method = if use_update { "UPDATE" } else { "INVITE" };
        let Ok(mut req) = self.dialog_request(call, method) else {
            return;
        };
        req = req
            .header("Supported", SUPPORTED)
            .header("Session-Expires", format!("{};refresher=uac", s.interval));
        if !use_update {
            req = req.with_body("application/sdp", body);
        }
        if let Ok(key) = self.send_request(req, TxOwner::Refresh(call), now)
            && let Some(c) = self.calls.get_mut(&call)
        {
            c.refresh_key = Some(key);
        }
    }

    // ---- INFO, REFER, NOTIFY ----

    /// Sends a DTMF digit in an INFO (`application/dtmf-relay`, `Signal=`/`Duration=`).
    pub fn send_dtmf_info(
        &mut self,
        call: CallHandle,
        signal: char,
        duration_ms: u32,
        now: Instant,
    ) -> Result<(), UaError> {
        let valid = signal.is_ascii_digit() || matches!(signal, '*' | '#' | 'A'..='D');
        if !valid {
            return Err(UaError::Invalid("DTMF signal"));
        }
        if self.calls.get(&call).ok_or(UaError::NoSuchCall)?.state != CallState::Confirmed {
            return Err(UaError::InvalidState("call not confirmed"));
        }
        let body = format!("Signal={signal}\r\nDuration={duration_ms}\r\n");
        let req = self
            .dialog_request(call, "INFO")?
            .with_body("application/dtmf-relay", Bytes::from(body));
        self.send_request(req, TxOwner::Info(call), now)?;
        Ok(())
    }

    pub(crate) fn on_info_reply(
        &mut self,
        call: CallHandle,
        key: &ClientKey,
        reply: Reply<'_, '_>,
        now: Instant,
    ) {
        self.on_simple_reply(call, key, reply, "INFO", now);
    }

    fn on_simple_reply(
        &mut self,
        call: CallHandle,
        key: &ClientKey,
        reply: Reply<'_, '_>,
        method: &str,
        now: Instant,
    ) {
        let status = reply.status();
        if status < 200 {
            return;
        }
        self.sent.remove(key);
        if status >= 300 && self.calls.contains_key(&call) {
            self.emit(Event::RequestFailed {
                call,
                method: method.to_owned(),
                code: status,
            });
            if status == 481 {
                self.end_call(call, EndReason::DialogGone, Some(status));
            } else if status == 408 && reply.msg().is_none() {
                let _ = now;
            }
        }
    }

    /// Blind transfer: asks the peer to call `target` (REFER with Refer-To and
    /// Referred-By). [`Event::TransferProgress`] reports the answer and the NOTIFYs.
    pub fn transfer(
        &mut self,
        call: CallHandle,
        target: &str,
        now: Instant,
    ) -> Result<(), UaError> {
        if crate::Uri::parse(target).is_err() {
            return Err(UaError::Invalid("transfer target"));
        }
        let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
        if c.state != CallState::Confirmed {
            return Err(UaError::InvalidState("call not confirmed"));
        }
        let referred_by = c
            .dialog
            .as_ref()
            .map(|d| super::dialog::uri_of(&d.local_header).to_owned())
            .unwrap_or_default();
        let req = self
            .dialog_request(call, "REFER")?
            .header("Refer-To", format!("<{target}>"))
            .header("Referred-By", format!("<{referred_by}>"));
        let key = self.send_request(req, TxOwner::Refer(call), now)?;
        if let Some(c) = self.calls.get_mut(&call) {
            c.refer_key = Some(key);
        }
        Ok(())
    }

    pub(crate) fn on_refer_reply(
        &mut self,
        call: CallHandle,
        key: &ClientKey,
        reply: Reply<'_, '_>,
        _now: Instant,
    ) {
        let status = reply.status();
        if status < 200 {
            return;
        }
        self.sent.remove(key);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.refer_key = None;
        let progress = if status < 300 {
            TransferProgress::Accepted
        } else {
            TransferProgress::Refused { code: status }
        };
        self.emit(Event::TransferProgress { call, progress });
    }

    /// Reports the outcome of a transfer the peer asked for ([`Event::TransferRequested`])
    /// when the call was not placed with `InviteRequest::transfer_of`: a NOTIFY with
    /// `SIP/2.0 <code>`; a final code (≥ 200) ends the subscription.
    pub fn transfer_notify(
        &mut self,
        call: CallHandle,
        code: u16,
        now: Instant,
    ) -> Result<(), UaError> {
        if !(100..700).contains(&code) {
            return Err(UaError::Invalid("status code"));
        }
        let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
        if c.refer_in.as_ref().is_none_or(|r| r.done) {
            return Err(UaError::InvalidState("no transfer to report on"));
        }
        self.queue_notify(call, code, code >= 200);
        self.pump_notify(call, now);
        Ok(())
    }

    fn queue_notify(&mut self, call: CallHandle, code: u16, last: bool) {
        let Some(r) = self.calls.get_mut(&call).and_then(|c| c.refer_in.as_mut()) else {
            return;
        };
        if r.done || r.queue.back().is_some_and(|&(_, l)| l) || (r.last_code == code && !last) {
            return;
        }
        if r.queue.len() >= MAX_QUEUED_NOTIFY {
            r.queue.pop_front();
        }
        r.last_code = code;
        r.queue.push_back((code, last));
    }

    fn pump_notify_all(&mut self, now: Instant) {
        let calls: Vec<CallHandle> = self
            .calls
            .iter()
            .filter(|(_, c)| {
                c.refer_in
                    .as_ref()
                    .is_some_and(|r| r.in_flight.is_none() && !r.queue.is_empty())
            })
            .map(|(h, _)| *h)
            .collect();
        for c in calls {
            self.pump_notify(c, now);
        }
    }

    /// Sends the next queued NOTIFY when none is in flight (CSeq order is kept over UDP).
    fn pump_notify(&mut self, call: CallHandle, now: Instant) {
        let Some(r) = self.calls.get_mut(&call).and_then(|c| c.refer_in.as_mut()) else {
            return;
        };
        if r.in_flight.is_some() {
            return;
        }
        let Some((code, last)) = r.queue.pop_front() else {
            return;
        };
        if last {
            r.done = true;
        }
        let state = if last {
            "terminated;reason=noresource".to_owned()
        } else {
            "active;expires=60".to_owned()
        };
        let body = format!("SIP/2.0 {code} {}\r\n", reason_phrase(code));
        let Ok(req) = self.dialog_request(call, "NOTIFY") else {
            return;
        };
        let req = req
            .header("Event", "refer")
            .header("Subscription-State", state)
            .with_body("message/sipfrag;version=2.0", Bytes::from(body));
        if let Ok(key) = self.send_request(req, TxOwner::Notify(call), now)
            && let Some(r) = self.calls.get_mut(&call).and_then(|c| c.refer_in.as_mut())
        {
            r.in_flight = Some(key);
        }
    }

    pub(crate) fn on_notify_reply(
        &mut self,
        call: CallHandle,
        key: &ClientKey,
        reply: Reply<'_, '_>,
        now: Instant,
    ) {
        let status = reply.status();
        if status < 200 {
            return;
        }
        self.sent.remove(key);
        let Some(r) = self.calls.get_mut(&call).and_then(|c| c.refer_in.as_mut()) else {
            return;
        };
        r.in_flight = None;
        if status >= 300 {
            // The subscription is gone at the peer (481) or refused: stop notifying.
            r.queue.clear();
            r.done = true;
            return;
        }
        self.pump_notify(call, now);
    }

    // ---- timers ----

    pub(crate) fn call_timeout(&mut self, call: CallHandle, now: Instant) {
        let t2 = self.txs.timers.t2;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if let Cancel::Sent(t) = c.cancel
            && t <= now
        {
            // §9.1: no final response to the cancelled INVITE in 64·T1.
            if let Some(k) = c.invite_key.take() {
                self.txs.remove_client(&k);
                self.sent.remove(&k);
            }
            self.end_call(call, EndReason::Cancelled, None);
            return;
        }
        if let Some(r) = &mut c.retransmit {
            if r.give_up <= now {
                c.retransmit = None;
                if c.state == CallState::Answering {
                    self.send_bye(call, EndReason::AckTimeout, now);
                    return;
                }
            } else if r.next.is_some_and(|n| n <= now) {
                self.out.push(Transmit::to(&r.remote, r.bytes.clone()));
                r.interval = (r.interval * 2).min(t2);
                r.next = Some(now + r.interval);
            }
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.reoffer_retry_at.is_some_and(|t| t <= now) {
            c.reoffer_retry_at = None;
            if c.reoffer_in.is_some() {
                c.reoffer_retry_at = Some(now + Duration::from_secs(1));
            } else if self.send_reoffer(call, now).is_err() {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.reoffer_body = None;
                }
                self.emit(Event::ReofferFailed { call, code: 500 });
            }
            return;
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(s) = &mut c.session else { return };
        if s.expire_at.is_some_and(|t| t <= now) {
            s.expire_at = None;
            self.send_bye(call, EndReason::SessionExpired, now);
            return;
        }
        if s.refresh_at.is_some_and(|t| t <= now) {
            let interval = s.interval;
            // Re-arm now; the 2xx of the refresh re-arms again. Without any 2xx the peer
            // ends the dialog, and so do we at the next expiry check.
            s.refresh_at = Some(now + Duration::from_secs(u64::from(interval)) / 2);
            if c.reoffer_out.is_none() && c.refresh_key.is_none() && c.reoffer_in.is_none() {
                self.send_refresh(call, now);
            }
        }
    }
}

/// The `o=` session version of an SDP body.
fn sdp_version(sdp: &[u8]) -> Option<&str> {
    let text = core::str::from_utf8(sdp).ok()?;
    let line = text.lines().find(|l| l.starts_with("o="))?;
    line.split_whitespace().nth(2)
}
