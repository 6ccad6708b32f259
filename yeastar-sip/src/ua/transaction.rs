//! The transaction layer (RFC 3261 §17 with the RFC 6026 Accepted states): client and server
//! transactions for INVITE and non-INVITE requests, their retransmissions and timers A to M,
//! matching (§17.1.3, §17.2.3), and the ACK of non-2xx final responses.
//!
//! Each transaction carries an owner chosen by the transaction user (the endpoint); responses,
//! timeouts and transport errors are handed back with it. Nothing here looks at dialogs.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::outbox::Outbox;
use super::sharded::ShardedMap;
use super::timers::Timers;
use super::tracked::{TimerIndex, Tracked};
use super::transport::{Remote, Transmit};
use crate::MessageBuilder;
use crate::header_name::HeaderName;
use crate::message::Message;

/// Default bound of each transaction table (client and server). A phone has a few
/// transactions at a time; a busy gateway a few hundred per second that live 32 s.
pub const DEFAULT_MAX_TRANSACTIONS: usize = 1024;

/// Client transaction key (§17.1.3): the branch of the top Via and the CSeq method.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ClientKey {
    pub(crate) branch: String,
    pub(crate) method: String,
}

/// Server transaction key (§17.2.3): branch, sent-by and method (ACK looks up INVITE).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ServerKey {
    pub(crate) branch: String,
    pub(crate) sent_by: String,
    pub(crate) method: String,
}

impl ServerKey {
    /// The key of a request. A branch without the RFC 3261 cookie is replaced by the
    /// Call-ID, From tag and CSeq number, which an RFC 2543 retransmission and its ACK repeat.
    pub(crate) fn of(msg: &Message<'_>) -> Option<Self> {
        let via = msg.top_via().ok()??;
        let method = msg.method()?;
        let method = if method == "ACK" { "INVITE" } else { method };
        let sent_by = format!(
            "{}:{}",
            via.host.to_string().to_ascii_lowercase(),
            via.port.unwrap_or(0)
        );
        let branch = match via.branch() {
            Some(b) if b.starts_with("z9hG4bK") => b.to_owned(),
            _ => {
                let call_id = msg.call_id().ok()??;
                let from_tag = msg.from().ok()??.tag().unwrap_or("");
                let seq = msg.cseq().ok()??.seq;
                format!("2543:{call_id}:{from_tag}:{seq}")
            }
        };
        Some(Self {
            branch,
            sent_by,
            method: method.to_owned(),
        })
    }

    /// The key of the INVITE a CANCEL with this key cancels.
    pub(crate) fn invite_of_cancel(&self) -> Self {
        Self {
            method: "INVITE".to_owned(),
            ..self.clone()
        }
    }
}

/// State of a client transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientState {
    /// INVITE sent, nothing heard (retransmitting over UDP).
    Calling,
    /// Non-INVITE sent, nothing heard.
    Trying,
    /// A provisional response arrived.
    Proceeding,
    /// A final response arrived; absorbing its retransmissions (D or K running).
    Completed,
    /// INVITE only (RFC 6026): a 2xx arrived; later 2xx go to the TU until timer M.
    Accepted,
    /// Done.
    Terminated,
}

/// State of a server transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    /// Non-INVITE received, no response yet.
    Trying,
    /// A provisional response sent (INVITE starts here, having sent 100 Trying).
    Proceeding,
    /// A final non-2xx sent (or any final for non-INVITE); retransmitting (G) until ACK (INVITE).
    Completed,
    /// INVITE: ACK received, absorbing ACK retransmissions (timer I).
    Confirmed,
    /// INVITE (RFC 6026): a 2xx sent; absorbing INVITE retransmissions until timer L.
    Accepted,
    /// Done.
    Terminated,
}

#[derive(Debug)]
pub(crate) struct ClientTx<O> {
    pub(crate) owner: O,
    invite: bool,
    pub(crate) state: ClientState,
    request: Bytes,
    pub(crate) remote: Remote,
    /// ACK of the non-2xx final response, re-sent when that response is retransmitted.
    ack: Option<Bytes>,
    retransmit_at: Option<Instant>,
    interval: Duration,
    timeout_at: Option<Instant>,
}

#[derive(Debug)]
pub(crate) struct ServerTx {
    invite: bool,
    pub(crate) state: ServerState,
    pub(crate) remote: Remote,
    last_response: Option<Bytes>,
    retransmit_at: Option<Instant>,
    interval: Duration,
    timeout_at: Option<Instant>,
}

/// What the TU hears about a client transaction besides responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClientNotice<O> {
    /// Timer B or F fired: no final response (the TU acts as on a 408).
    Timeout(O, ClientKey),
    /// The transport failed (the TU acts as on a 503).
    TransportError(O, ClientKey),
}

/// What the TU hears about server transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ServerNotice {
    /// Timer H fired: the ACK of a non-2xx final response never came.
    AckTimeout(ServerKey),
    /// The transport failed while responding.
    TransportError(ServerKey),
}

/// What happened to an incoming request at the transaction layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerMatch {
    /// No transaction: a new request for the TU.
    New,
    /// A retransmission, absorbed (the last response was re-sent).
    Absorbed,
    /// The ACK of a non-2xx final response: consumed.
    AckConsumed,
}

/// The table is full; the TU refuses the work (503 for requests, an error for commands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TableFull;

/// Client and server transactions, each table bounded.
#[derive(Debug)]
pub(crate) struct Transactions<O> {
    pub(crate) timers: Timers,
    max: usize,
    pub(crate) clients: Tracked<ShardedMap<ClientKey, ClientTx<O>>>,
    pub(crate) servers: Tracked<ShardedMap<ServerKey, ServerTx>>,
    client_timers: TimerIndex<ClientKey>,
    server_timers: TimerIndex<ServerKey>,
    /// Client transactions removed since [`Transactions::take_gone`].
    gone: Vec<ClientKey>,
}

fn client_deadline<O>(
    map: &ShardedMap<ClientKey, ClientTx<O>>,
    key: &ClientKey,
) -> Option<Instant> {
    map.get(key)
        .and_then(|t| [t.retransmit_at, t.timeout_at].into_iter().flatten().min())
}

fn server_deadline(map: &ShardedMap<ServerKey, ServerTx>, key: &ServerKey) -> Option<Instant> {
    map.get(key)
        .and_then(|t| [t.retransmit_at, t.timeout_at].into_iter().flatten().min())
}

impl<O: Clone> Transactions<O> {
    pub(crate) fn new(timers: Timers, max: usize) -> Self {
        Self {
            timers,
            max,
            clients: Tracked::new(ShardedMap::new()),
            servers: Tracked::new(ShardedMap::new()),
            client_timers: TimerIndex::default(),
            server_timers: TimerIndex::default(),
            gone: Vec::new(),
        }
    }

    /// The keys of client transactions removed since the last call.
    pub(crate) fn take_gone(&mut self) -> Vec<ClientKey> {
        std::mem::take(&mut self.gone)
    }

    pub(crate) fn client_room(&self) -> bool {
        self.clients.len() < self.max
    }

    pub(crate) fn server_room(&self) -> bool {
        self.servers.len() < self.max
    }

    /// Starts a client transaction and sends `request` to `remote`.
    pub(crate) fn send_request(
        &mut self,
        key: ClientKey,
        owner: O,
        request: Bytes,
        remote: Remote,
        now: Instant,
        out: &mut Outbox,
    ) -> Result<(), TableFull> {
        if !self.client_room() {
            return Err(TableFull);
        }
        let invite = key.method == "INVITE";
        let reliable = remote.transport.is_reliable();
        out.push(Transmit::to(&remote, request.clone()));
        let t1 = self.timers.t1;
        self.clients.insert(
            key,
            ClientTx {
                owner,
                invite,
                state: if invite {
                    ClientState::Calling
                } else {
                    ClientState::Trying
                },
                request,
                remote,
                ack: None,
                retransmit_at: (!reliable).then(|| now + t1),
                interval: t1,
                timeout_at: Some(now + self.timers.timeout()),
            },
        );
        Ok(())
    }

    /// Matches a response (§17.1.3) and runs the transaction. Returns the owner and whether
    /// the TU must see the response.
    pub(crate) fn on_response(
        &mut self,
        msg: &Message<'_>,
        now: Instant,
        out: &mut Outbox,
    ) -> Option<(O, ClientKey, bool)> {
        let branch = msg.top_via().ok()??.branch()?.to_owned();
        let method = msg.cseq().ok()??.method.to_owned();
        let status = msg.status()?;
        let key = ClientKey { branch, method };
        let timers = self.timers;
        let tx = self.clients.get_mut(&key)?;
        let reliable = tx.remote.transport.is_reliable();
        let deliver = match (tx.invite, tx.state, status) {
            (_, ClientState::Terminated, _) => false,
            (true, ClientState::Calling | ClientState::Proceeding, 100..=199) => {
                tx.state = ClientState::Proceeding;
                tx.retransmit_at = None;
                // Timer B only guards Calling: the TU cancels a call ringing too long.
                tx.timeout_at = None;
                true
            }
            (true, ClientState::Calling | ClientState::Proceeding, 200..=299) => {
                tx.state = ClientState::Accepted;
                tx.retransmit_at = None;
                tx.timeout_at = Some(now + timers.timeout());
                true
            }
            (true, ClientState::Calling | ClientState::Proceeding, _) => {
                let ack = build_ack(&tx.request, msg);
                if let Some(ack) = &ack {
                    out.push(Transmit::to(&tx.remote, ack.clone()));
                }
                tx.ack = ack;
                tx.state = ClientState::Completed;
                tx.retransmit_at = None;
                tx.timeout_at = Some(
                    now + if reliable {
                        Duration::ZERO
                    } else {
                        timers.timer_d
                    },
                );
                true
            }
            (true, ClientState::Completed, 300..) => {
                if let Some(ack) = &tx.ack {
                    out.push(Transmit::to(&tx.remote, ack.clone()));
                }
                false
            }
            (true, ClientState::Accepted, 200..=299) => true,
            (true, _, _) => false,
            (false, ClientState::Trying | ClientState::Proceeding, 100..=199) => {
                if tx.state == ClientState::Trying && !reliable {
                    // Proceeding retransmits at T2 (§17.1.2.2).
                    tx.interval = timers.t2;
                    tx.retransmit_at = Some(now + timers.t2);
                }
                tx.state = ClientState::Proceeding;
                true
            }
            (false, ClientState::Trying | ClientState::Proceeding, _) => {
                tx.state = ClientState::Completed;
                tx.retransmit_at = None;
                tx.timeout_at = Some(now + if reliable { Duration::ZERO } else { timers.t4 });
                true
            }
            (false, _, _) => false,
        };
        let owner = tx.owner.clone();
        if tx.timeout_at.is_some_and(|t| t <= now) {
            tx.state = ClientState::Terminated;
            self.clients.remove(&key);
            self.gone.push(key.clone());
        }
        Some((owner, key, deliver))
    }

    /// Reports a transport failure on `remote`: every transaction using it ends.
    pub(crate) fn on_transport_error(
        &mut self,
        remote: &Remote,
    ) -> (Vec<ClientNotice<O>>, Vec<ServerNotice>) {
        let mut client = Vec::new();
        let gone = &mut self.gone;
        self.clients.retain(|key, tx| {
            if !tx.remote.same_path(remote) {
                return true;
            }
            gone.push(key.clone());
            if matches!(
                tx.state,
                ClientState::Calling | ClientState::Trying | ClientState::Proceeding
            ) {
                client.push(ClientNotice::TransportError(tx.owner.clone(), key.clone()));
            }
            false
        });
        let mut server = Vec::new();
        self.servers.retain(|key, tx| {
            if !tx.remote.same_path(remote) {
                return true;
            }
            if matches!(tx.state, ServerState::Trying | ServerState::Proceeding) {
                server.push(ServerNotice::TransportError(key.clone()));
            }
            false
        });
        client.sort_by(|a, b| notice_key(a).branch.cmp(&notice_key(b).branch));
        (client, server)
    }

    /// Drops a client transaction the TU no longer cares about.
    pub(crate) fn remove_client(&mut self, key: &ClientKey) {
        if self.clients.remove(key).is_some() {
            self.gone.push(key.clone());
        }
    }

    pub(crate) fn client_state(&self, key: &ClientKey) -> Option<ClientState> {
        self.clients.get(key).map(|t| t.state)
    }

    pub(crate) fn client(&self, key: &ClientKey) -> Option<&ClientTx<O>> {
        self.clients.get(key)
    }

    /// Matches a request (§17.2.3) and, for a retransmission, replays the last response.
    pub(crate) fn on_request(
        &mut self,
        key: &ServerKey,
        is_ack: bool,
        now: Instant,
        out: &mut Outbox,
    ) -> ServerMatch {
        let timers = self.timers;
        let Some(tx) = self.servers.get_mut(key) else {
            return ServerMatch::New;
        };
        if is_ack {
            return match tx.state {
                ServerState::Completed => {
                    tx.state = ServerState::Confirmed;
                    tx.retransmit_at = None;
                    let wait = if tx.remote.transport.is_reliable() {
                        Duration::ZERO
                    } else {
                        timers.t4
                    };
                    tx.timeout_at = Some(now + wait);
                    ServerMatch::AckConsumed
                }
                ServerState::Confirmed => ServerMatch::AckConsumed,
                // The ACK of a 2xx has its own branch; one matching here is not for us.
                _ => ServerMatch::New,
            };
        }
        match tx.state {
            ServerState::Proceeding | ServerState::Completed => {
                if let Some(r) = &tx.last_response {
                    out.push(Transmit::to(&tx.remote, r.clone()));
                }
            }
            ServerState::Trying
            | ServerState::Confirmed
            | ServerState::Accepted
            | ServerState::Terminated => {}
        }
        ServerMatch::Absorbed
    }

    /// Creates a server transaction for a new request; responses go to `remote`.
    pub(crate) fn create_server(
        &mut self,
        key: ServerKey,
        remote: Remote,
    ) -> Result<(), TableFull> {
        if !self.server_room() {
            return Err(TableFull);
        }
        let invite = key.method == "INVITE";
        self.servers.insert(
            key,
            ServerTx {
                invite,
                state: if invite {
                    ServerState::Proceeding
                } else {
                    ServerState::Trying
                },
                remote,
                last_response: None,
                retransmit_at: None,
                interval: self.timers.t1,
                timeout_at: None,
            },
        );
        Ok(())
    }

    pub(crate) fn server_state(&self, key: &ServerKey) -> Option<ServerState> {
        self.servers.get(key).map(|t| t.state)
    }

    pub(crate) fn server_remote(&self, key: &ServerKey) -> Option<Remote> {
        self.servers.get(key).map(|t| t.remote)
    }

    /// Sends a response through its server transaction. Returns false when there is none or
    /// it no longer accepts this response (already final).
    pub(crate) fn respond(
        &mut self,
        key: &ServerKey,
        status: u16,
        response: Bytes,
        now: Instant,
        out: &mut Outbox,
    ) -> bool {
        let timers = self.timers;
        let Some(tx) = self.servers.get_mut(key) else {
            return false;
        };
        let reliable = tx.remote.transport.is_reliable();
        let accepted = match (tx.invite, tx.state, status) {
            (_, ServerState::Trying | ServerState::Proceeding, 100..=199) => {
                tx.state = ServerState::Proceeding;
                true
            }
            (true, ServerState::Proceeding, 200..=299) => {
                tx.state = ServerState::Accepted;
                tx.timeout_at = Some(now + timers.timeout());
                true
            }
            // RFC 6026: the TU's 2xx retransmissions pass through the Accepted state.
            (true, ServerState::Accepted, 200..=299) => {
                out.push(Transmit::to(&tx.remote, response));
                return true;
            }
            (true, ServerState::Proceeding, _) => {
                tx.state = ServerState::Completed;
                if !reliable {
                    tx.interval = timers.t1;
                    tx.retransmit_at = Some(now + timers.t1);
                }
                tx.timeout_at = Some(now + timers.timeout());
                true
            }
            (false, ServerState::Trying | ServerState::Proceeding, _) => {
                tx.state = ServerState::Completed;
                let wait = if reliable {
                    Duration::ZERO
                } else {
                    timers.timeout()
                };
                tx.timeout_at = Some(now + wait);
                true
            }
            _ => false,
        };
        if accepted {
            out.push(Transmit::to(&tx.remote, response.clone()));
            tx.last_response = Some(response);
        }
        if tx.timeout_at.is_some_and(|t| t <= now) {
            self.servers.remove(key);
        }
        accepted
    }

    /// The earliest timer of any transaction.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let c = self.client_timers.next(&self.clients, client_deadline);
        let s = self.server_timers.next(&self.servers, server_deadline);
        match (c, s) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs every timer due at `now`.
    pub(crate) fn on_timeout(
        &mut self,
        now: Instant,
        out: &mut Outbox,
    ) -> (Vec<ClientNotice<O>>, Vec<ServerNotice>) {
        let timers = self.timers;
        let mut client = Vec::new();
        // Keys sorted so that retransmissions leave in a deterministic order.
        let due = self.client_timers.due(&self.clients, now, client_deadline);
        for key in due {
            let Some(tx) = self.clients.get_mut(&key) else {
                continue;
            };
            if tx.timeout_at.is_some_and(|t| t <= now) {
                if matches!(
                    tx.state,
                    ClientState::Calling | ClientState::Trying | ClientState::Proceeding
                ) {
                    client.push(ClientNotice::Timeout(tx.owner.clone(), key.clone()));
                }
                self.clients.remove(&key);
                self.gone.push(key);
                continue;
            }
            if tx.retransmit_at.is_some_and(|t| t <= now) {
                out.push(Transmit::to(&tx.remote, tx.request.clone()));
                tx.interval = if tx.invite {
                    // Timer A doubles without a cap (§17.1.1.2).
                    tx.interval.saturating_mul(2)
                } else if tx.state == ClientState::Proceeding {
                    timers.t2
                } else {
                    timers.backoff(tx.interval)
                };
                tx.retransmit_at = Some(now + tx.interval);
            }
        }
        let mut server = Vec::new();
        let due = self.server_timers.due(&self.servers, now, server_deadline);
        for key in due {
            let Some(tx) = self.servers.get_mut(&key) else {
                continue;
            };
            if tx.timeout_at.is_some_and(|t| t <= now) {
                if tx.invite && tx.state == ServerState::Completed {
                    server.push(ServerNotice::AckTimeout(key.clone()));
                }
                self.servers.remove(&key);
                continue;
            }
            if tx.retransmit_at.is_some_and(|t| t <= now) {
                if let Some(r) = &tx.last_response {
                    out.push(Transmit::to(&tx.remote, r.clone()));
                }
                tx.interval = timers.backoff(tx.interval);
                tx.retransmit_at = Some(now + tx.interval);
            }
        }
        (client, server)
    }
}

fn notice_key<O>(n: &ClientNotice<O>) -> &ClientKey {
    match n {
        ClientNotice::Timeout(_, k) | ClientNotice::TransportError(_, k) => k,
    }
}

/// The ACK of a non-2xx final response (§17.1.1.3): Request-URI, top Via, From, Call-ID,
/// CSeq number and Route set of the INVITE, To of the response.
fn build_ack(request: &Bytes, response: &Message<'_>) -> Option<Bytes> {
    let req = Message::parse(request).ok()?;
    let uri = req.request_uri_text()?;
    let via = req.headers_of(HeaderName::Via).next()?;
    let top_via = via.value.split(',').next().unwrap_or(via.value).trim();
    let seq = req.cseq().ok()??.seq;
    let mut b = MessageBuilder::request("ACK", uri)
        .header("Via", top_via)
        .header("Max-Forwards", "70");
    for r in req.headers_of(HeaderName::Route) {
        b.push_header("Route", r.value);
    }
    let from = req.headers_of(HeaderName::From).next()?.value;
    let to = response.headers_of(HeaderName::To).next()?.value;
    let call_id = req.headers_of(HeaderName::CallId).next()?.value;
    let cseq = format!("{seq} ACK");
    let b = b
        .header("From", from)
        .header("To", to)
        .header("Call-ID", call_id)
        .header("CSeq", cseq.as_str());
    Some(Bytes::from(b.to_bytes()))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::ua::transport::TransportKind;
    use std::net::SocketAddr;

    fn remote(t: TransportKind) -> Remote {
        Remote::new("192.0.2.1:5060".parse::<SocketAddr>().unwrap(), t)
    }

    fn invite() -> Bytes {
        Bytes::from_static(
            b"INVITE sip:1002@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKa;rport\r\n\
              Max-Forwards: 70\r\nRoute: <sip:192.0.2.1;lr>\r\nFrom: <sip:1001@x>;tag=f\r\nTo: <sip:1002@x>\r\n\
              Call-ID: c1\r\nCSeq: 5 INVITE\r\nContent-Length: 0\r\n\r\n",
        )
    }

    fn options() -> Bytes {
        Bytes::from_static(
            b"OPTIONS sip:1002@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKo\r\n\
              From: <sip:1001@x>;tag=f\r\nTo: <sip:1002@x>\r\nCall-ID: c2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
        )
    }

    fn response(status: u16, branch: &str, method: &str) -> Vec<u8> {
        format!(
            "SIP/2.0 {status} X\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch={branch}\r\n\
             From: <sip:1001@x>;tag=f\r\nTo: <sip:1002@x>;tag=t\r\nCall-ID: c1\r\nCSeq: 5 {method}\r\n\
             Content-Length: 0\r\n\r\n"
        )
        .into_bytes()
    }

    fn key(branch: &str, method: &str) -> ClientKey {
        ClientKey {
            branch: branch.into(),
            method: method.into(),
        }
    }

    /// Runs timers until `until`, returning the offsets (ms from `start`) of every transmit and
    /// the notices.
    fn run(
        txs: &mut Transactions<u32>,
        out: &mut Outbox,
        start: Instant,
        until: Duration,
    ) -> (Vec<u128>, Vec<ClientNotice<u32>>, Vec<ServerNotice>) {
        let mut sent = Vec::new();
        let mut cn = Vec::new();
        let mut sn = Vec::new();
        while let Some(d) = txs.next_deadline() {
            if d > start + until {
                break;
            }
            let (c, s) = txs.on_timeout(d, out);
            cn.extend(c);
            sn.extend(s);
            while out.pop().is_some() {
                sent.push((d - start).as_millis());
            }
        }
        (sent, cn, sn)
    }

    #[test]
    fn timer_a_doubles_and_timer_b_times_out() {
        let mut t = Transactions::new(Timers::default(), 8);
        let mut out = Outbox::default();
        let now = Instant::now();
        t.send_request(
            key("z9hG4bKa", "INVITE"),
            1,
            invite(),
            remote(TransportKind::Udp),
            now,
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), 1);
        out.pop();
        let (sent, cn, _) = run(&mut t, &mut out, now, Duration::from_secs(40));
        assert_eq!(sent, vec![500, 1500, 3500, 7500, 15500, 31500]);
        assert_eq!(
            cn,
            vec![ClientNotice::Timeout(1, key("z9hG4bKa", "INVITE"))]
        );
        assert!(t.clients.is_empty());
    }

    #[test]
    fn timer_e_caps_at_t2_and_timer_f_times_out() {
        let mut t = Transactions::new(Timers::default(), 8);
        let mut out = Outbox::default();
        let now = Instant::now();
        t.send_request(
            key("z9hG4bKo", "OPTIONS"),
            2,
            options(),
            remote(TransportKind::Udp),
            now,
            &mut out,
        )
        .unwrap();
        out.pop();
        let (sent, cn, _) = run(&mut t, &mut out, now, Duration::from_secs(40));
        assert_eq!(
            sent,
            vec![
                500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500
            ]
        );
        assert_eq!(
            cn,
            vec![ClientNotice::Timeout(2, key("z9hG4bKo", "OPTIONS"))]
        );
    }

    #[test]
    fn reliable_transports_never_retransmit() {
        let mut t = Transactions::new(Timers::default(), 8);
        let mut out = Outbox::default();
        let now = Instant::now();
        t.send_request(
            key("z9hG4bKo", "OPTIONS"),
            2,
            options(),
            remote(TransportKind::Tcp),
            now,
            &mut out,
        )
        .unwrap();
        out.pop();
        let (sent, cn, _) = run(&mut t, &mut out, now, Duration::from_secs(40));
        assert!(sent.is_empty());
        assert_eq!(cn.len(), 1, "timer F still runs");
    }

    #[test]
    fn non_2xx_is_acked_to_the_invite_destination_with_the_same_branch() {
        let mut t = Transactions::new(Timers::default(), 8);
        let mut out = Outbox::default();
        let now = Instant::now();
        let dest = remote(TransportKind::Udp);
        t.send_request(key("z9hG4bKa", "INVITE"), 1, invite(), dest, now, &mut out)
            .unwrap();
        out.pop();
        let r = response(487, "z9hG4bKa", "INVITE");
        let (owner, _, deliver) = t
            .on_response(&Message::parse(&r).unwrap(), now, &mut out)
            .unwrap();
        assert_eq!((owner, deliver), (1, true));
        let ack = out.pop().unwrap();
        assert_eq!(ack.remote(), dest);
        let m = Message::parse(&ack.bytes).unwrap();
        assert_eq!(m.method(), Some("ACK"));
        assert_eq!(m.request_uri_text(), Some("sip:1002@192.0.2.1"));
        assert_eq!(m.top_via().unwrap().unwrap().branch(), Some("z9hG4bKa"));
        assert_eq!(m.to().unwrap().unwrap().tag(), Some("t"));
        assert_eq!(m.cseq().unwrap().unwrap().seq, 5);
        assert_eq!(m.cseq().unwrap().unwrap().method, "ACK");
        assert_eq!(m.routes().count(), 1);
        // A retransmitted 487 is absorbed and ACKed again; timer D ends the transaction.
        let (_, _, deliver) = t
            .on_response(&Message::parse(&r).unwrap(), now, &mut out)
            .unwrap();
        assert!(!deliver);
        assert_eq!(out.pop().unwrap().bytes, ack.bytes);
        assert_eq!(
            t.client_state(&key("z9hG4bKa", "INVITE")),
            Some(ClientState::Completed)
        );
        let (sent, cn, _) = run(&mut t, &mut out, now, Duration::from_secs(40));
        assert!(sent.is_empty() && cn.is_empty());
        assert!(t.clients.is_empty());
    }

    #[test]
    fn accepted_state_passes_2xx_retransmissions_until_timer_m() {
        let mut t = Transactions::new(Timers::default(), 8);
        let mut out = Outbox::default();
        let now = Instant::now();
        t.send_request(
            key("z9hG4bKa", "INVITE"),
            1,
            invite(),
            remote(TransportKind::Udp),
            now,
            &mut out,
        )
        .unwrap();
        out.pop();
        let ringing = response(180, "z9hG4bKa", "INVITE");
        assert!(
            t.on_response(&Message::parse(&ringing).unwrap(), now, &mut out)
                .unwrap()
                .2
        );
        let ok = response(200, "z9hG4bKa", "INVITE");
        assert!(
            t.on_response(&Message::parse(&ok).unwrap(), now, &mut out)
                .unwrap()
                .2
        );
        assert!(out.pop().is_none(), "the transaction does not ACK a 2xx");
        assert!(
            t.on_response(&Message::parse(&ok).unwrap(), now, &mut out)
                .unwrap()
                .2
        );
        assert_eq!(
            t.client_state(&key("z9hG4bKa", "INVITE")),
            Some(ClientState::Accepted)
        );
        let (_, cn, _) = run(&mut t, &mut out, now, Duration::from_secs(33));
        assert!(cn.is_empty());
        assert!(t.clients.is_empty());
    }

    #[test]
    fn non_invite_proceeding_retransmits_at_t2_and_timer_k_absorbs() {
        let mut t = Transactions::new(Timers::default(), 8);
        let mut out = Outbox::default();
        let now = Instant::now();
        t.send_request(
            key("z9hG4bKo", "OPTIONS"),
            2,
            options(),
            remote(TransportKind::Udp),
            now,
            &mut out,
        )
        .unwrap();
        out.pop();
        let trying = response(100, "z9hG4bKo", "OPTIONS");
        assert!(
            t.on_response(&Message::parse(&trying).unwrap(), now, &mut out)
                .unwrap()
                .2
        );
        let (sent, _, _) = run(&mut t, &mut out, now, Duration::from_secs(9));
        assert_eq!(sent, vec![4000, 8000]);
        let later = now + Duration::from_secs(9);
        let ok = response(200, "z9hG4bKo", "OPTIONS");
        assert!(
            t.on_response(&Message::parse(&ok).unwrap(), later, &mut out)
                .unwrap()
                .2
        );
        assert!(
            !t.on_response(&Message::parse(&ok).unwrap(), later, &mut out)
                .unwrap()
                .2
        );
        assert_eq!(
            t.client_state(&key("z9hG4bKo", "OPTIONS")),
            Some(ClientState::Completed)
        );
        let (_, _, _) = run(&mut t, &mut out, later, Duration::from_millis(4999));
        assert!(!t.clients.is_empty(), "timer K is T4");
        let (_, _, _) = run(&mut t, &mut out, later, Duration::from_secs(5));
        assert!(t.clients.is_empty());
    }

    fn server_key(method: &str) -> ServerKey {
        ServerKey {
            branch: "z9hG4bKs".into(),
            sent_by: "192.0.2.1:5060".into(),
            method: method.into(),
        }
    }

    #[test]
    fn invite_server_retransmits_final_with_timer_g_and_gives_up_at_h() {
        let mut t: Transactions<u32> = Transactions::new(Timers::default(), 8);
        let mut out = Outbox::default();
        let now = Instant::now();
        let k = server_key("INVITE");
        t.create_server(k.clone(), remote(TransportKind::Udp))
            .unwrap();
        assert!(t.respond(&k, 100, Bytes::from_static(b"100"), now, &mut out));
        assert_eq!(
            t.on_request(&k, false, now, &mut out),
            ServerMatch::Absorbed
        );
        assert_eq!(out.pop().unwrap().bytes, Bytes::from_static(b"100"));
        out.pop();
        assert!(t.respond(&k, 486, Bytes::from_static(b"486"), now, &mut out));
        out.pop();
        assert!(!t.respond(&k, 200, Bytes::from_static(b"200"), now, &mut out));
        let (sent, _, sn) = run(&mut t, &mut out, now, Duration::from_secs(40));
        assert_eq!(
            sent,
            vec![
                500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500
            ]
        );
        assert_eq!(sn, vec![ServerNotice::AckTimeout(k)]);
    }

    #[test]
    fn invite_server_ack_confirms_and_timer_i_absorbs() {
        let mut t: Transactions<u32> = Transactions::new(Timers::default(), 8);
        let mut out = Outbox::default();
        let now = Instant::now();
        let k = server_key("INVITE");
        t.create_server(k.clone(), remote(TransportKind::Udp))
            .unwrap();
        t.respond(&k, 487, Bytes::from_static(b"487"), now, &mut out);
        out.pop();
        assert_eq!(
            t.on_request(&k, true, now, &mut out),
            ServerMatch::AckConsumed
        );
        assert_eq!(t.server_state(&k), Some(ServerState::Confirmed));
        assert_eq!(
            t.on_request(&k, true, now, &mut out),
            ServerMatch::AckConsumed
        );
        assert_eq!(
            t.on_request(&k, false, now, &mut out),
            ServerMatch::Absorbed
        );
        assert!(out.pop().is_none(), "Confirmed re-sends nothing");
        let (sent, _, sn) = run(&mut t, &mut out, now, Duration::from_secs(6));
        assert!(sent.is_empty() && sn.is_empty());
        assert!(t.servers.is_empty(), "timer I is T4");
    }

    #[test]
    fn invite_server_accepted_absorbs_and_ends_at_timer_l() {
        let mut t: Transactions<u32> = Transactions::new(Timers::default(), 8);
        let mut out = Outbox::default();
        let now = Instant::now();
        let k = server_key("INVITE");
        t.create_server(k.clone(), remote(TransportKind::Udp))
            .unwrap();
        t.respond(&k, 200, Bytes::from_static(b"200"), now, &mut out);
        out.pop();
        assert_eq!(t.server_state(&k), Some(ServerState::Accepted));
        assert_eq!(
            t.on_request(&k, false, now, &mut out),
            ServerMatch::Absorbed
        );
        assert!(out.pop().is_none());
        assert!(t.respond(&k, 200, Bytes::from_static(b"200"), now, &mut out));
        assert!(out.pop().is_some(), "TU retransmissions pass through");
        let (sent, _, _) = run(&mut t, &mut out, now, Duration::from_secs(33));
        assert!(sent.is_empty());
        assert!(t.servers.is_empty());
    }

    #[test]
    fn non_invite_server_timer_j() {
        let mut t: Transactions<u32> = Transactions::new(Timers::default(), 8);
        let mut out = Outbox::default();
        let now = Instant::now();
        let k = server_key("BYE");
        t.create_server(k.clone(), remote(TransportKind::Udp))
            .unwrap();
        assert_eq!(
            t.on_request(&k, false, now, &mut out),
            ServerMatch::Absorbed
        );
        assert!(out.pop().is_none(), "Trying absorbs silently");
        t.respond(&k, 200, Bytes::from_static(b"200"), now, &mut out);
        out.pop();
        assert_eq!(
            t.on_request(&k, false, now, &mut out),
            ServerMatch::Absorbed
        );
        assert_eq!(out.pop().unwrap().bytes, Bytes::from_static(b"200"));
        run(&mut t, &mut out, now, Duration::from_millis(31_999));
        assert!(!t.servers.is_empty());
        run(&mut t, &mut out, now, Duration::from_secs(32));
        assert!(t.servers.is_empty());
        // Over TCP, J is zero: the transaction ends with the response.
        t.create_server(k.clone(), remote(TransportKind::Tcp))
            .unwrap();
        t.respond(&k, 200, Bytes::from_static(b"200"), now, &mut out);
        assert!(t.servers.is_empty());
    }

    #[test]
    fn tables_are_bounded_and_transport_errors_end_transactions() {
        let mut t = Transactions::new(Timers::default(), 2);
        let mut out = Outbox::default();
        let now = Instant::now();
        let r = remote(TransportKind::Tcp).with_flow(crate::ua::transport::FlowId(7));
        t.send_request(key("z9hG4bK1", "OPTIONS"), 1, options(), r, now, &mut out)
            .unwrap();
        t.send_request(key("z9hG4bK2", "OPTIONS"), 2, options(), r, now, &mut out)
            .unwrap();
        assert_eq!(
            t.send_request(key("z9hG4bK3", "OPTIONS"), 3, options(), r, now, &mut out),
            Err(TableFull)
        );
        let (cn, _) = t.on_transport_error(&r);
        assert_eq!(cn.len(), 2);
        assert!(matches!(cn[0], ClientNotice::TransportError(1, _)));
        assert!(t.clients.is_empty());
    }
}
