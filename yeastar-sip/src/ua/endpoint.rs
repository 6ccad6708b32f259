//! The [`Endpoint`]: transactions, dialogs, calls, registrations and authentication behind
//! one sans-IO interface (see the module docs of [`crate::ua`] for the run-loop contract).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Instant;

use bytes::Bytes;

use super::call::Call;
use super::config::{AccountConfig, EndpointConfig, MAX_AUTH_ATTEMPTS, MAX_BODY_LEN};
use super::digest::{DigestClient, DigestError, DigestRequest, is_supported};
use super::event::{AccountHandle, CallHandle, Event, UaError};
use super::outbox::Outbox;
use super::registration::Registration;
use super::request::{
    ACCEPT, ALLOW, OutRequest, SUPPORTED, random_token, response, response_remote,
};
use super::tracked::{TimerIndex, Tracked};
use super::transaction::{
    ClientKey, ClientNotice, ServerKey, ServerMatch, ServerNotice, Transactions,
};
use super::transport::{LocalBinding, Remote, Transmit, TransportError, TransportKind};
use crate::limits::ParseOptions;
use crate::message::{Message, OwnedMessage};

/// Timers of one account or call that can fall due at the same instant (refresh, keep-alive,
/// pong; retransmission, session refresh, re-offer retry, CANCEL deadline).
const MAX_TIMER_PASSES: usize = 6;

/// Who a client transaction works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxOwner {
    Register(AccountHandle),
    Keepalive(AccountHandle),
    Invite(CallHandle),
    Cancel(CallHandle),
    Bye(CallHandle),
    /// Our re-INVITE or UPDATE carrying a new offer.
    Reoffer(CallHandle),
    /// A session refresh (RFC 4028) we send as refresher.
    Refresh(CallHandle),
    Refer(CallHandle),
    Notify(CallHandle),
    Info(CallHandle),
    /// A request nobody waits for (BYE of an unwanted forked 2xx).
    Stray,
}

/// A response as the transaction user sees it: a real message, or the 408/503 the
/// transaction layer stands in for on a timeout or transport error.
#[derive(Clone, Copy)]
pub(crate) enum Reply<'m, 'a> {
    Message(&'m Message<'a>),
    Synthetic(u16),
}

impl<'a> Reply<'_, 'a> {
    pub(crate) fn status(&self) -> u16 {
        match self {
            Self::Message(m) => m.status().unwrap_or(500),
            Self::Synthetic(s) => *s,
        }
    }

    pub(crate) fn msg(&self) -> Option<&Message<'a>> {
        match self {
            Self::Message(m) => Some(m),
            Self::Synthetic(_) => None,
        }
    }
}

/// Result of answering a challenge.
pub(crate) enum AuthRetry {
    /// The request went out again with credentials.
    Sent,
    /// Our credentials were refused (or we have none).
    Rejected,
    /// The challenge cannot be answered.
    Unsupported(DigestError),
}

/// A SIP user agent's protocol core: feed it datagrams/stream messages, timeouts and
/// commands; take transmits, events and the next deadline. See [`crate::ua`].
#[derive(Debug)]
pub struct Endpoint {
    pub(crate) config: EndpointConfig,
    pub(crate) rng: fastrand::Rng,
    pub(crate) bindings: Vec<LocalBinding>,
    pub(crate) txs: Transactions<TxOwner>,
    pub(crate) out: Outbox,
    events: VecDeque<Event>,
    events_dropped: u64,
    pub(crate) accounts: BTreeMap<AccountHandle, Registration>,
    pub(crate) calls: Tracked<BTreeMap<CallHandle, Call>>,
    /// Deadlines of the calls.
    call_timers: TimerIndex<CallHandle>,
    /// Calls by Call-ID, to match in-dialog requests and CANCELs without a scan.
    calls_by_id: HashMap<String, Vec<CallHandle>>,
    /// Requests with a client transaction and no final response yet, for re-sending with
    /// credentials. Bounded by twice the transaction table.
    pub(crate) sent: HashMap<ClientKey, OutRequest>,
    pub(crate) digest: DigestClient,
    next_handle: u64,
    parse: ParseOptions,
    pub(crate) shutting_down: bool,
}

/// Kept requests allowed beyond twice the client transactions before stale ones are dropped.
const SENT_SLACK: usize = 64;

fn call_deadline(calls: &BTreeMap<CallHandle, Call>, handle: &CallHandle) -> Option<Instant> {
    calls.get(handle).and_then(Call::deadline)
}

impl Endpoint {
    /// A new endpoint with no binding, account or call.
    #[must_use]
    pub fn new(config: EndpointConfig) -> Self {
        let seed = config.seed.unwrap_or_else(|| fastrand::u64(..));
        Self {
            txs: Transactions::new(config.timers, config.limits.max_transactions),
            config,
            rng: fastrand::Rng::with_seed(seed),
            bindings: Vec::new(),
            out: Outbox::default(),
            events: VecDeque::new(),
            events_dropped: 0,
            accounts: BTreeMap::new(),
            calls: Tracked::new(BTreeMap::new()),
            call_timers: TimerIndex::default(),
            calls_by_id: HashMap::new(),
            sent: HashMap::new(),
            digest: DigestClient::new(),
            next_handle: 1,
            parse: ParseOptions::default(),
            shutting_down: false,
        }
    }

    /// Drops kept requests whose transaction is gone.
    fn trim_sent(&mut self) {
        for key in self.txs.take_gone() {
            self.sent.remove(&key);
        }
        // Transactions the table drops through other paths: swept when they pile up
        // (amortised O(1) per request).
        if self.sent.len() >= self.txs.clients.len() * 2 + SENT_SLACK {
            let txs = &self.txs;
            self.sent.retain(|k, _| txs.clients.contains_key(k));
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &EndpointConfig {
        &self.config
    }

    /// Declares how the endpoint names itself on a transport (Via sent-by, Contact). One per
    /// transport; a second for the same transport replaces the first.
    pub fn add_binding(&mut self, binding: LocalBinding) {
        self.bindings.retain(|b| b.transport != binding.transport);
        self.bindings.push(binding);
    }

    pub(crate) fn binding(&self, transport: TransportKind) -> Result<&LocalBinding, UaError> {
        self.bindings
            .iter()
            .find(|b| b.transport == transport)
            .ok_or(UaError::NoBinding(transport))
    }

    pub(crate) fn new_handle(&mut self) -> u64 {
        let h = self.next_handle;
        self.next_handle += 1;
        h
    }

    pub(crate) fn token(&mut self, len: usize) -> String {
        random_token(&mut self.rng, len)
    }

    pub(crate) fn emit(&mut self, event: Event) {
        if self.events.len() >= self.config.limits.max_queued_events {
            self.events.pop_front();
            self.events_dropped += 1;
        }
        self.events.push_back(event);
    }

    /// Events dropped because the queue was full (the driver did not drain it).
    #[must_use]
    pub fn events_dropped(&self) -> u64 {
        self.events_dropped
    }

    /// Transmits dropped because the queue was full.
    #[must_use]
    pub fn transmits_dropped(&self) -> u64 {
        self.out.dropped
    }

    /// Requests kept for re-sending with credentials (bounded by the client transactions).
    #[doc(hidden)]
    #[must_use]
    pub fn pending_request_count(&self) -> usize {
        self.sent.len()
    }

    /// Number of live client and server transactions.
    #[must_use]
    pub fn transaction_count(&self) -> (usize, usize) {
        (self.txs.clients.len(), self.txs.servers.len())
    }

    /// Number of calls.
    #[must_use]
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// Number of accounts.
    #[must_use]
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// The next thing to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Endpoint::handle_timeout`] must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next = self.txs.next_deadline();
        let mut take = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        for r in self.accounts.values() {
            take(r.deadline());
        }
        take(self.call_timers.next(&self.calls, call_deadline));
        next
    }

    /// Adds a call to the table and the Call-ID index.
    pub(crate) fn insert_call(&mut self, handle: CallHandle, call: Call) {
        self.calls_by_id
            .entry(call.call_id.clone())
            .or_default()
            .push(handle);
        self.calls.insert(handle, call);
    }

    /// Removes a call from the table and the Call-ID index.
    pub(crate) fn remove_call(&mut self, handle: CallHandle) -> Option<Call> {
        let call = self.calls.remove(&handle)?;
        if let Some(handles) = self.calls_by_id.get_mut(&call.call_id) {
            handles.retain(|h| *h != handle);
            if handles.is_empty() {
                self.calls_by_id.remove(&call.call_id);
            }
        }
        Some(call)
    }

    /// The calls with this Call-ID.
    pub(crate) fn calls_with_id(&self, call_id: &str) -> &[CallHandle] {
        self.calls_by_id.get(call_id).map_or(&[], Vec::as_slice)
    }

    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let (client, server) = self.txs.on_timeout(now, &mut self.out);
        // Requests kept for a retry live no longer than their transaction (an answered
        // INVITE's entry stays through the Accepted state for forked 2xx).
        self.trim_sent();
        for n in client {
            match n {
                ClientNotice::Timeout(owner, key) => {
                    self.on_reply(owner, &key, Reply::Synthetic(408), None, now);
                }
                ClientNotice::TransportError(owner, key) => {
                    self.on_reply(owner, &key, Reply::Synthetic(503), None, now);
                }
            }
        }
        for n in server {
            match n {
                ServerNotice::AckTimeout(_) | ServerNotice::TransportError(_) => {}
            }
        }
        // Each pass handles one due timer of an account or call; a few passes leave none
        // in the past (a refresh and a keep-alive can fall due together).
        let accounts: Vec<AccountHandle> = self.accounts.keys().copied().collect();
        for a in accounts {
            for _ in 0..MAX_TIMER_PASSES {
                let due = self.accounts.get(&a).and_then(Registration::deadline);
                if due.is_none_or(|t| t > now) {
                    break;
                }
                self.registration_timeout(a, now);
            }
        }
        let calls = self.call_timers.due(&self.calls, now, call_deadline);
        for c in calls {
            for _ in 0..MAX_TIMER_PASSES {
                let due = self.calls.get(&c).and_then(Call::deadline);
                if due.is_none_or(|t| t > now) {
                    break;
                }
                self.call_timeout(c, now);
            }
        }
    }

    /// The driver reports that sending to, or a connection with, `remote` failed. Every
    /// transaction on that path ends as if answered 503; a registration on a failed flow is
    /// retried.
    pub fn handle_transport_error(&mut self, remote: Remote, _error: TransportError, now: Instant) {
        let (client, _server) = self.txs.on_transport_error(&remote);
        for n in client {
            let (ClientNotice::TransportError(owner, key) | ClientNotice::Timeout(owner, key)) = n;
            self.on_reply(owner, &key, Reply::Synthetic(503), None, now);
        }
        let accounts: Vec<AccountHandle> = self.accounts.keys().copied().collect();
        for a in accounts {
            self.registration_flow_failed(a, &remote, now);
        }
    }

    /// One datagram (UDP, a WebSocket message) or one message framed by
    /// [`crate::StreamFramer`], received from `from` at `now`. CRLF keep-alives are passed
    /// here too: `\r\n\r\n` (a ping) is answered with `\r\n`; `\r\n` (a pong) confirms the
    /// flow. Unparseable input is dropped.
    pub fn handle_input(&mut self, bytes: Bytes, from: Remote, now: Instant) {
        if !bytes.is_empty() && bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            if bytes.len() >= 4 {
                self.out
                    .push(Transmit::to(&from, Bytes::from_static(b"\r\n")));
            } else {
                self.on_pong(&from);
            }
            return;
        }
        let Ok(owned) = OwnedMessage::parse(bytes, &self.parse) else {
            return;
        };
        let msg = owned.message();
        if msg.is_request() {
            self.on_request(&msg, &owned, from, now);
        } else {
            self.on_response(&msg, from, now);
        }
    }

    fn on_response(&mut self, msg: &Message<'_>, from: Remote, now: Instant) {
        // §8.1.3.3: more than one Via means the response is not for us.
        if msg.vias().count() != 1 {
            return;
        }
        let Some((owner, key, deliver)) = self.txs.on_response(msg, now, &mut self.out) else {
            return;
        };
        if deliver {
            self.on_reply(owner, &key, Reply::Message(msg), Some(from), now);
        }
    }

    /// Routes a response (or a synthetic one) to the transaction's owner.
    pub(crate) fn on_reply(
        &mut self,
        owner: TxOwner,
        key: &ClientKey,
        reply: Reply<'_, '_>,
        from: Option<Remote>,
        now: Instant,
    ) {
        let status = reply.status();
        if status >= 200
            && let (Some(msg), 401 | 407) = (reply.msg(), status)
            && !matches!(owner, TxOwner::Cancel(_) | TxOwner::Stray)
        {
            match self.retry_with_auth(owner, key, msg, now) {
                AuthRetry::Sent => return,
                AuthRetry::Rejected => {
                    self.sent.remove(key);
                    self.on_auth_failed(owner, key, status, None, now);
                    return;
                }
                AuthRetry::Unsupported(e) => {
                    self.sent.remove(key);
                    self.on_auth_failed(owner, key, status, Some(e), now);
                    return;
                }
            }
        }
        match owner {
            TxOwner::Register(a) => self.on_register_reply(a, key, reply, from, now),
            TxOwner::Keepalive(a) => self.on_keepalive_reply(a, key, reply, now),
            TxOwner::Invite(c) => self.on_invite_reply(c, key, reply, from, now),
            TxOwner::Cancel(_) | TxOwner::Stray => {
                if status >= 200 {
                    self.sent.remove(key);
                }
            }
            TxOwner::Bye(c) => self.on_bye_reply(c, key, reply, now),
            TxOwner::Reoffer(c) | TxOwner::Refresh(c) => {
                self.on_reoffer_reply(c, owner, key, reply, from, now);
            }
            TxOwner::Refer(c) => self.on_refer_reply(c, key, reply, now),
            TxOwner::Notify(c) => self.on_notify_reply(c, key, reply, now),
            TxOwner::Info(c) => self.on_info_reply(c, key, reply, now),
        }
    }

    fn on_auth_failed(
        &mut self,
        owner: TxOwner,
        key: &ClientKey,
        status: u16,
        error: Option<DigestError>,
        now: Instant,
    ) {
        match owner {
            TxOwner::Register(a) => self.registration_auth_failed(a, status, error, now),
            // A challenged keep-alive still shows the path is alive.
            TxOwner::Keepalive(a) => {
                self.on_keepalive_reply(a, key, Reply::Synthetic(status), now);
            }
            TxOwner::Cancel(_) | TxOwner::Stray => {}
            _ => {
                // For calls the failure is the status itself.
                self.on_reply(owner, key, Reply::Synthetic(status), None, now);
            }
        }
    }

    /// Sends a request in a new client transaction.
    pub(crate) fn send_request(
        &mut self,
        mut req: OutRequest,
        owner: TxOwner,
        now: Instant,
    ) -> Result<ClientKey, UaError> {
        if !self.txs.client_room() {
            return Err(UaError::TooManyTransactions);
        }
        let binding = self.binding(req.remote.transport)?.clone();
        let branch = format!("z9hG4bK{}", self.token(20));
        let bytes = req.render(&binding, &branch, self.config.user_agent.as_deref());
        req.branch.clone_from(&branch);
        let key = ClientKey {
            branch,
            method: req.method.clone(),
        };
        self.txs
            .send_request(key.clone(), owner, bytes, req.remote, now, &mut self.out)
            .map_err(|_| UaError::TooManyTransactions)?;
        self.trim_sent();
        self.sent.insert(key.clone(), req);
        Ok(key)
    }

    /// Sends a request outside any transaction (the ACK of a 2xx).
    pub(crate) fn send_stateless(&mut self, req: &OutRequest) -> Result<Bytes, UaError> {
        let binding = self.binding(req.remote.transport)?.clone();
        let branch = format!("z9hG4bK{}", self.token(20));
        let bytes = req.render(&binding, &branch, self.config.user_agent.as_deref());
        self.out.push(Transmit::to(&req.remote, bytes.clone()));
        Ok(bytes)
    }

    /// Answers a 401/407 for the request of `key` and sends it again (§22.2, RFC 7616):
    /// same Call-ID, next CSeq, new branch.
    fn retry_with_auth(
        &mut self,
        owner: TxOwner,
        key: &ClientKey,
        msg: &Message<'_>,
        now: Instant,
    ) -> AuthRetry {
        let Some(mut req) = self.sent.remove(key) else {
            return AuthRetry::Rejected;
        };
        let Some(account) = req.account.and_then(|a| self.accounts.get(&a)) else {
            return AuthRetry::Rejected;
        };
        let username = account.config.auth_user().to_owned();
        let password = account.config.password.clone();
        let proxy = msg.status() == Some(407);
        let challenges: Vec<_> = if proxy {
            msg.proxy_authenticate().filter_map(Result::ok).collect()
        } else {
            msg.www_authenticate().filter_map(Result::ok).collect()
        };
        // The topmost supported challenge of each realm (RFC 8760 §2.4).
        let mut chosen = Vec::new();
        for ch in &challenges {
            if !is_supported(ch) {
                continue;
            }
            let realm = ch.realm().unwrap_or("");
            if !chosen
                .iter()
                .any(|c: &crate::Challenge<'_>| c.realm().unwrap_or("") == realm)
            {
                chosen.push(*ch);
            }
        }
        let Some(first) = challenges.first() else {
            return AuthRetry::Rejected;
        };
        if chosen.is_empty() {
            let request = DigestRequest {
                method: &req.method,
                uri: &req.uri,
                body: &req.body,
            };
            let err = self
                .digest
                .authorize(first, &username, &password, &request, "x")
                .err()
                .unwrap_or(DigestError::MissingParameter("supported challenge"));
            return AuthRetry::Unsupported(err);
        }
        req.auth_attempts += 1;
        if req.auth_attempts > MAX_AUTH_ATTEMPTS {
            return AuthRetry::Rejected;
        }
        let header = if proxy {
            "Proxy-Authorization"
        } else {
            "Authorization"
        };
        req.auth.retain(|(n, _)| *n != header);
        for ch in chosen {
            let realm = ch.realm().unwrap_or("").to_owned();
            let nonce = ch.nonce().unwrap_or("").to_owned();
            // A fresh challenge after we answered one for this realm means the password was
            // wrong; only `stale=true` asks us to retry with the new nonce.
            let answered_realm = req.answered.iter().any(|(r, _)| *r == realm);
            let same_nonce = req.answered.iter().any(|(r, n)| *r == realm && *n == nonce);
            if same_nonce || (answered_realm && !ch.stale()) {
                return AuthRetry::Rejected;
            }
            let cnonce = self.token(16);
            let request = DigestRequest {
                method: &req.method,
                uri: &req.uri,
                body: &req.body,
            };
            match self
                .digest
                .authorize(&ch, &username, &password, &request, &cnonce)
            {
                Ok(value) => req.auth.push((header, value)),
                Err(e) => return AuthRetry::Unsupported(e),
            }
            if let TxOwner::Register(a) = owner
                && let Some(reg) = self.accounts.get_mut(&a)
            {
                reg.last_challenge = Some((proxy, format!("{} {}", ch.scheme, ch.params.as_str())));
            }
            req.answered.push((realm, nonce));
        }
        req.cseq = self.next_cseq(owner, req.cseq);
        match self.send_request(req, owner, now) {
            Ok(new_key) => {
                self.rekey(owner, key, &new_key);
                AuthRetry::Sent
            }
            Err(_) => AuthRetry::Rejected,
        }
    }

    /// The CSeq of a re-sent request: the next number of its dialog or registration.
    pub(crate) fn next_cseq(&mut self, owner: TxOwner, current: u32) -> u32 {
        match owner {
            TxOwner::Register(a) | TxOwner::Keepalive(a) => match self.accounts.get_mut(&a) {
                Some(r) => r.next_cseq(),
                None => current.wrapping_add(1),
            },
            TxOwner::Invite(c) => match self.calls.get_mut(&c) {
                Some(call) => {
                    call.invite_cseq = call.invite_cseq.wrapping_add(1);
                    call.invite_cseq
                }
                None => current.wrapping_add(1),
            },
            TxOwner::Bye(c)
            | TxOwner::Reoffer(c)
            | TxOwner::Refresh(c)
            | TxOwner::Refer(c)
            | TxOwner::Notify(c)
            | TxOwner::Info(c) => match self.calls.get_mut(&c).and_then(|c| c.dialog.as_mut()) {
                Some(d) => d.next_local_seq(),
                None => current.wrapping_add(1),
            },
            TxOwner::Cancel(_) | TxOwner::Stray => current,
        }
    }

    /// Tells the owner that its request now lives under `new`.
    fn rekey(&mut self, owner: TxOwner, old: &ClientKey, new: &ClientKey) {
        match owner {
            TxOwner::Register(a) | TxOwner::Keepalive(a) => {
                if let Some(r) = self.accounts.get_mut(&a) {
                    r.rekey(old, new);
                }
            }
            TxOwner::Invite(c)
            | TxOwner::Bye(c)
            | TxOwner::Reoffer(c)
            | TxOwner::Refresh(c)
            | TxOwner::Refer(c)
            | TxOwner::Notify(c)
            | TxOwner::Info(c)
            | TxOwner::Cancel(c) => {
                if let Some(call) = self.calls.get_mut(&c) {
                    call.rekey(old, new);
                }
            }
            TxOwner::Stray => {}
        }
    }

    fn on_request(&mut self, msg: &Message<'_>, owned: &OwnedMessage, from: Remote, now: Instant) {
        let Some(method) = msg.method() else { return };
        // Requests missing a mandatory header are dropped: we could not answer them.
        let complete = msg.top_via().ok().flatten().is_some()
            && msg.from().ok().flatten().is_some()
            && msg.to().ok().flatten().is_some()
            && msg.call_id().ok().flatten().is_some()
            && msg.cseq().ok().flatten().is_some();
        if !complete {
            return;
        }
        let Some(key) = ServerKey::of(msg) else {
            return;
        };
        let is_ack = method == "ACK";
        match self.txs.on_request(&key, is_ack, now, &mut self.out) {
            ServerMatch::Absorbed | ServerMatch::AckConsumed => return,
            ServerMatch::New => {}
        }
        if is_ack {
            self.on_ack(msg, from, now);
            return;
        }
        let to_remote = response_remote(msg, &from);
        if self.txs.create_server(key.clone(), to_remote).is_err() {
            // Table full: refuse statelessly.
            let bytes = response(
                msg,
                &from,
                503,
                None,
                false,
                &[("Retry-After", "5")],
                None,
                None,
            );
            self.out.push(Transmit::to(&to_remote, bytes));
            return;
        }
        if msg.body().len() > MAX_BODY_LEN {
            self.reply(&key, msg, &from, 413, None, &[], None, now);
            return;
        }
        let cseq_ok = msg
            .cseq()
            .ok()
            .flatten()
            .is_some_and(|c| c.method == method);
        if !cseq_ok {
            self.reply(&key, msg, &from, 400, None, &[], None, now);
            return;
        }
        if method == "INVITE" {
            self.reply(&key, msg, &from, 100, None, &[], None, now);
        }
        if method == "CANCEL" {
            self.on_cancel(msg, &key, from, now);
            return;
        }
        let has_to_tag = msg.to().ok().flatten().is_some_and(|t| t.tag().is_some());
        if has_to_tag {
            self.on_in_dialog_request(msg, owned, key, from, now);
            return;
        }
        match method {
            "INVITE" => self.on_new_invite(msg, owned, key, from, now),
            "OPTIONS" => self.answer_options(msg, &key, from, now),
            "NOTIFY" => {
                let event = msg
                    .event()
                    .ok()
                    .flatten()
                    .map(|e| e.package.to_owned())
                    .unwrap_or_default();
                self.reply(&key, msg, &from, 200, None, &[], None, now);
                self.emit(Event::Notify {
                    event,
                    body: owned.bytes().slice_ref_body(msg.body()),
                });
            }
            "BYE" | "INFO" | "REFER" | "UPDATE" | "PRACK" => {
                self.reply(&key, msg, &from, 481, None, &[], None, now);
            }
            _ => {
                self.reply(&key, msg, &from, 405, None, &[("Allow", ALLOW)], None, now);
            }
        }
    }

    pub(crate) fn answer_options(
        &mut self,
        msg: &Message<'_>,
        key: &ServerKey,
        from: Remote,
        now: Instant,
    ) {
        let tag = self.token(10);
        self.reply(
            key,
            msg,
            &from,
            200,
            Some(&tag),
            &[
                ("Allow", ALLOW),
                ("Accept", ACCEPT),
                ("Supported", SUPPORTED),
            ],
            None,
            now,
        );
        let from_uri = msg
            .from()
            .ok()
            .flatten()
            .map(|f| f.uri.as_str().to_owned())
            .unwrap_or_default();
        self.emit(Event::Options { from, from_uri });
    }

    /// Sends a response through the server transaction of `key`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn reply(
        &mut self,
        key: &ServerKey,
        request: &Message<'_>,
        source: &Remote,
        status: u16,
        to_tag: Option<&str>,
        extra: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
        now: Instant,
    ) {
        let record_route = request.method() == Some("INVITE") && (101..300).contains(&status);
        let bytes = response(
            request,
            source,
            status,
            to_tag,
            record_route,
            extra,
            body,
            self.config.user_agent.as_deref(),
        );
        if !self
            .txs
            .respond(key, status, bytes.clone(), now, &mut self.out)
            && status >= 200
        {
            // The transaction is gone (a 2xx retransmission after timer L): send directly.
            if let Some(remote) = self.txs.server_remote(key) {
                self.out.push(Transmit::to(&remote, bytes));
            }
        }
    }

    /// Starts graceful shutdown: every call is ended (CANCEL, BYE or 480) and every account
    /// unregisters. [`Endpoint::is_idle`] tells when nothing is left to do.
    pub fn shutdown(&mut self, now: Instant) {
        self.shutting_down = true;
        let calls: Vec<CallHandle> = self.calls.keys().copied().collect();
        for c in calls {
            let _ = self.hangup(c, now);
        }
        let accounts: Vec<AccountHandle> = self.accounts.keys().copied().collect();
        for a in accounts {
            let _ = self.unregister(a, now);
        }
    }

    /// True when no call, registration or transaction needs the endpoint any more.
    #[must_use]
    pub fn is_idle(&self) -> bool {
        use super::transaction::ClientState;
        self.calls.is_empty()
            && self.txs.clients.values().all(|t| {
                matches!(
                    t.state,
                    ClientState::Completed | ClientState::Accepted | ClientState::Terminated
                )
            })
            && self.accounts.values().all(Registration::is_idle)
    }

    /// Adds an account; it registers at once when `config.register` is set.
    pub fn add_account(
        &mut self,
        config: AccountConfig,
        now: Instant,
    ) -> Result<AccountHandle, UaError> {
        if self.accounts.len() >= self.config.limits.max_accounts {
            return Err(UaError::TooManyAccounts);
        }
        let handle = AccountHandle(self.new_handle());
        let call_id = self.token(24);
        let register = config.register;
        self.accounts
            .insert(handle, Registration::new(config, call_id));
        if register {
            self.register(handle, now)?;
        }
        Ok(handle)
    }

    /// The account whose user is named by `uri`'s user part.
    pub(crate) fn account_for_user(&self, user: Option<&str>) -> Option<AccountHandle> {
        let user = user?;
        self.accounts
            .iter()
            .find(|(_, r)| r.config.user == user)
            .map(|(h, _)| *h)
    }

    /// The address the peer sees for us through `account` (learned from `received`/`rport`).
    pub(crate) fn contact_for(
        &self,
        account: Option<AccountHandle>,
        transport: TransportKind,
    ) -> Result<String, UaError> {
        let binding = self.binding(transport)?;
        let reg = account.and_then(|a| self.accounts.get(&a));
        let (host, port) = match reg.and_then(|r| r.public.clone()) {
            Some((h, p)) if !transport.is_websocket() => (h, Some(p)),
            _ => (binding.host.clone(), binding.port),
        };
        let user = reg
            .map(|r| format!("{}@", r.config.user))
            .unwrap_or_default();
        let hp = super::transport::host_port(&host, port);
        let mut param = if transport == TransportKind::Udp {
            String::new()
        } else {
            format!(";transport={}", transport.uri_param())
        };
        // RFC 5626 §5.4: an outbound UA marks its Contacts with `ob` so that requests in
        // its dialogs come back over the flow.
        if reg.is_some_and(|r| r.config.outbound.is_some()) {
            param.push_str(";ob");
        }
        Ok(format!("<sip:{user}{hp}{param}>"))
    }
}

/// `Bytes` of a body that is a slice of the message buffer, without copying.
trait SliceBody {
    fn slice_ref_body(&self, body: &[u8]) -> Bytes;
}

impl SliceBody for Bytes {
    fn slice_ref_body(&self, body: &[u8]) -> Bytes {
        if body.is_empty() {
            Bytes::new()
        } else {
            self.slice_ref(body)
        }
    }
}

pub(crate) fn body_of(owned: &OwnedMessage, msg: &Message<'_>) -> Option<Bytes> {
    let b = msg.body();
    (!b.is_empty()).then(|| owned.bytes().slice_ref_body(b))
}

/// The address the endpoint appears as for a request: source IP and port of the peer's
/// view, from a response's top Via (`received`, `rport`).
pub(crate) fn public_address(msg: &Message<'_>) -> Option<(String, u16)> {
    let via = msg.top_via().ok()??;
    let received = via
        .received()
        .map(|r| r.trim_matches(['[', ']']).to_owned());
    let rport = via.rport().flatten();
    if received.is_none() && rport.is_none() {
        return None;
    }
    let host = received.unwrap_or_else(|| via.host.to_string().trim_matches(['[', ']']).to_owned());
    let port = rport.or(via.port).unwrap_or(5060);
    Some((host, port))
}
