//! A simulated network for the sans-IO UA core (quinn's `Pair` idea): endpoints, raw peers
//! driven by the test, and a registrar, all on one virtual clock; a link with seeded loss,
//! duplication, reordering and delay for UDP (streams are lossless and ordered).
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use yeastar_sip::ua::digest::{DigestAlgorithm, DigestInput, Qop, Secret, digest_response};
use yeastar_sip::ua::{
    Endpoint, EndpointConfig, Event, FlowId, LocalBinding, Remote, Transmit, TransportKind,
};
use yeastar_sip::{Message, MessageBuilder};

/// UDP link behaviour.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub delay: Duration,
    pub jitter: Duration,
    pub loss: f64,
    pub duplicate: f64,
}

impl Default for Link {
    fn default() -> Self {
        Self {
            delay: Duration::from_millis(10),
            jitter: Duration::ZERO,
            loss: 0.0,
            duplicate: 0.0,
        }
    }
}

pub enum Node {
    Ua(Box<Endpoint>),
    Raw,
    Registrar(Registrar),
}

pub struct Host {
    pub addr: SocketAddr,
    pub node: Node,
    pub events: Vec<Event>,
    /// Everything this host received: (time since start, from, bytes).
    pub inbox: Vec<(Duration, Remote, Bytes)>,
    /// The address the others see (a NAT in front of this host).
    pub public: Option<SocketAddr>,
}

struct Packet {
    at: Instant,
    seq: u64,
    to: SocketAddr,
    from: Remote,
    bytes: Bytes,
}

pub struct Net {
    pub start: Instant,
    pub now: Instant,
    pub hosts: Vec<Host>,
    pub link: Link,
    rng: fastrand::Rng,
    flight: Vec<Packet>,
    seq: u64,
    flows: HashMap<(SocketAddr, SocketAddr), FlowId>,
    /// Every packet put on the wire: (time, from, to, transport, bytes).
    pub wire: Vec<(Duration, SocketAddr, SocketAddr, TransportKind, Bytes)>,
    /// Addresses whose packets are dropped (a host gone from the network).
    pub blackholes: Vec<SocketAddr>,
}

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub fn config(seed: u64) -> EndpointConfig {
    let mut c = EndpointConfig::default();
    c.seed = Some(seed);
    c.user_agent = Some("test".into());
    c
}

impl Net {
    pub fn new(seed: u64) -> Self {
        let start = Instant::now();
        Self {
            start,
            now: start,
            hosts: Vec::new(),
            link: Link::default(),
            rng: fastrand::Rng::with_seed(seed),
            flight: Vec::new(),
            seq: 0,
            flows: HashMap::new(),
            wire: Vec::new(),
            blackholes: Vec::new(),
        }
    }

    /// Adds an endpoint with UDP and TCP bindings on `addr`.
    pub fn ua(&mut self, addr_text: &str, config: EndpointConfig) -> usize {
        let a = addr(addr_text);
        let mut ep = Endpoint::new(config);
        ep.add_binding(LocalBinding::new(TransportKind::Udp, a));
        ep.add_binding(LocalBinding::new(TransportKind::Tcp, a));
        ep.add_binding(LocalBinding::new(TransportKind::Tls, a));
        self.add(a, Node::Ua(Box::new(ep)))
    }

    pub fn raw(&mut self, addr_text: &str) -> usize {
        self.add(addr(addr_text), Node::Raw)
    }

    pub fn registrar(&mut self, addr_text: &str, registrar: Registrar) -> usize {
        self.add(addr(addr_text), Node::Registrar(registrar))
    }

    fn add(&mut self, addr: SocketAddr, node: Node) -> usize {
        self.hosts.push(Host {
            addr,
            node,
            events: Vec::new(),
            inbox: Vec::new(),
            public: None,
        });
        self.hosts.len() - 1
    }

    pub fn ep(&mut self, h: usize) -> &mut Endpoint {
        match &mut self.hosts[h].node {
            Node::Ua(e) => e,
            _ => panic!("host {h} is not an endpoint"),
        }
    }

    pub fn reg(&mut self, h: usize) -> &mut Registrar {
        match &mut self.hosts[h].node {
            Node::Registrar(r) => r,
            _ => panic!("host {h} is not a registrar"),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Takes the events a host has produced so far.
    pub fn events(&mut self, h: usize) -> Vec<Event> {
        self.collect();
        std::mem::take(&mut self.hosts[h].events)
    }

    /// Drains transmits and events of every endpoint (the run-loop contract).
    pub fn collect(&mut self) {
        for i in 0..self.hosts.len() {
            let mut out = Vec::new();
            let host = &mut self.hosts[i];
            if let Node::Ua(ep) = &mut host.node {
                while let Some(t) = ep.poll_transmit() {
                    out.push(t);
                }
                while let Some(e) = ep.poll_event() {
                    host.events.push(e);
                }
            }
            for t in out {
                self.send(i, t);
            }
        }
    }

    fn host_by_addr(&self, a: SocketAddr) -> Option<usize> {
        self.hosts
            .iter()
            .position(|h| h.addr == a || h.public == Some(a))
    }

    fn flow(&mut self, a: SocketAddr, b: SocketAddr) -> FlowId {
        let key = if a < b { (a, b) } else { (b, a) };
        let n = self.flows.len() as u64 + 1;
        *self.flows.entry(key).or_insert(FlowId(n))
    }

    /// Puts a transmit of host `from` on the wire.
    pub fn send(&mut self, from: usize, t: Transmit) {
        let src = self.hosts[from].public.unwrap_or(self.hosts[from].addr);
        self.wire.push((
            self.elapsed(),
            src,
            t.destination,
            t.transport,
            t.bytes.clone(),
        ));
        if self.blackholes.contains(&self.hosts[from].addr)
            || self.blackholes.contains(&t.destination)
        {
            return;
        }
        let reliable = t.transport.is_reliable();
        let flow = reliable.then(|| self.flow(src, t.destination));
        let remote = Remote {
            addr: src,
            transport: t.transport,
            flow,
        };
        let copies = if !reliable && self.rng.f64() < self.link.duplicate {
            2
        } else {
            1
        };
        for _ in 0..copies {
            if !reliable && self.rng.f64() < self.link.loss {
                continue;
            }
            let jitter = if reliable || self.link.jitter.is_zero() {
                Duration::ZERO
            } else {
                self.link.jitter.mul_f64(self.rng.f64())
            };
            self.seq += 1;
            self.flight.push(Packet {
                at: self.now + self.link.delay + jitter,
                seq: self.seq,
                to: t.destination,
                from: remote,
                bytes: t.bytes.clone(),
            });
        }
    }

    /// Sends raw bytes from a raw host.
    pub fn inject(
        &mut self,
        from: usize,
        to: SocketAddr,
        transport: TransportKind,
        bytes: impl Into<Bytes>,
    ) {
        self.send(
            from,
            Transmit {
                destination: to,
                transport,
                flow: None,
                bytes: bytes.into(),
            },
        );
    }

    fn next_time(&self) -> Option<Instant> {
        let packets = self.flight.iter().map(|p| p.at).min();
        let timers = self
            .hosts
            .iter()
            .filter_map(|h| match &h.node {
                Node::Ua(ep) => ep.poll_timeout(),
                _ => None,
            })
            .min();
        match (packets, timers) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Advances to the next packet or timer (not past `limit`); returns false when idle.
    pub fn step(&mut self, limit: Instant) -> bool {
        self.collect();
        let Some(t) = self.next_time() else {
            self.now = self.now.max(limit);
            return false;
        };
        if t > limit {
            self.now = limit;
            return false;
        }
        self.now = self.now.max(t);
        let now = self.now;
        // Deliver due packets in (time, seq) order: jitter reorders them.
        let mut due: Vec<Packet> = Vec::new();
        let mut i = 0;
        while i < self.flight.len() {
            if self.flight[i].at <= now {
                due.push(self.flight.swap_remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|p| (p.at, p.seq));
        for p in due {
            self.deliver(p);
        }
        for h in 0..self.hosts.len() {
            if let Node::Ua(ep) = &mut self.hosts[h].node
                && ep.poll_timeout().is_some_and(|t| t <= now)
            {
                ep.handle_timeout(now);
            }
        }
        self.collect();
        true
    }

    fn deliver(&mut self, p: Packet) {
        let Some(h) = self.host_by_addr(p.to) else {
            return;
        };
        let elapsed = self.elapsed();
        self.hosts[h].inbox.push((elapsed, p.from, p.bytes.clone()));
        let now = self.now;
        let mut replies = Vec::new();
        match &mut self.hosts[h].node {
            Node::Ua(ep) => ep.handle_input(p.bytes, p.from, now),
            Node::Raw => {}
            Node::Registrar(r) => replies = r.handle(&p.bytes, p.from),
        }
        for bytes in replies {
            let t = Transmit {
                destination: p.from.addr,
                transport: p.from.transport,
                flow: p.from.flow,
                bytes,
            };
            self.send(h, t);
        }
    }

    /// Runs until `d` more has elapsed.
    pub fn run_for(&mut self, d: Duration) {
        let limit = self.now + d;
        while self.step(limit) {}
        self.collect();
    }

    /// Runs until `pred` holds for the host's pending events (checked after every step), at
    /// most `max`; returns whether it held.
    pub fn run_until(
        &mut self,
        h: usize,
        max: Duration,
        mut pred: impl FnMut(&Event) -> bool,
    ) -> bool {
        let limit = self.now + max;
        loop {
            self.collect();
            if self.hosts[h].events.iter().any(&mut pred) {
                return true;
            }
            if !self.step(limit) {
                self.collect();
                return self.hosts[h].events.iter().any(&mut pred);
            }
        }
    }

    /// Messages on the wire whose start line starts with `prefix`, as (time, from, to, bytes).
    pub fn wire_lines(&self, prefix: &str) -> Vec<(Duration, SocketAddr, SocketAddr, Bytes)> {
        self.wire
            .iter()
            .filter(|(_, _, _, _, b)| b.starts_with(prefix.as_bytes()))
            .map(|(t, f, to, _, b)| (*t, *f, *to, b.clone()))
            .collect()
    }

    /// Messages received by host `h` starting with `prefix`.
    pub fn received(&self, h: usize, prefix: &str) -> Vec<(Duration, Remote, Bytes)> {
        self.hosts[h]
            .inbox
            .iter()
            .filter(|(_, _, b)| b.starts_with(prefix.as_bytes()))
            .cloned()
            .collect()
    }
}

/// The value of header `name` in `bytes`.
pub fn header(bytes: &[u8], name: &str) -> Option<String> {
    let m = Message::parse(bytes).ok()?;
    m.header(name).map(|h| h.value.to_owned())
}

/// A response to `request` built by a test peer: Via (stamped like a server does), From, To
/// (with `to_tag`), Call-ID, CSeq, plus `extra` headers and body.
pub fn respond(
    request: &[u8],
    status: u16,
    to_tag: Option<&str>,
    source: Option<Remote>,
    extra: &[(&str, String)],
    body: &str,
) -> Bytes {
    let m = Message::parse(request).unwrap();
    let mut b = MessageBuilder::response(status, "X");
    let mut first = true;
    for h in m.headers() {
        match h.name.to_ascii_lowercase().as_str() {
            "via" | "v" => {
                let mut v = h.value.to_owned();
                if first {
                    if let Some(src) = source {
                        v = v.replace(";rport", &format!(";rport={}", src.addr.port()));
                        v.push_str(&format!(";received={}", src.addr.ip()));
                    }
                    first = false;
                }
                b.push_header("Via", v);
            }
            "to" | "t" => {
                let mut v = h.value.to_owned();
                if let Some(t) = to_tag
                    && !v.contains("tag=")
                {
                    v.push_str(&format!(";tag={t}"));
                }
                b.push_header("To", v);
            }
            "from" | "f" | "call-id" | "i" | "cseq" => {
                b.push_header(h.name.to_owned(), h.value.to_owned());
            }
            _ => {}
        }
    }
    for (n, v) in extra {
        b.push_header(n.to_string(), v.clone());
    }
    if !body.is_empty() {
        b.push_header("Content-Type", "application/sdp");
        b.set_body(body.as_bytes().to_vec());
    }
    Bytes::from(b.to_bytes())
}

/// A minimal registrar: digest challenges (one live nonce, `stale=true` for old ones),
/// Min-Expires, `received`/`rport` stamping, bindings with expiry.
pub struct Registrar {
    pub realm: String,
    pub users: HashMap<String, String>,
    pub algorithm: DigestAlgorithm,
    pub nonce: String,
    nonce_n: u32,
    pub min_expires: u32,
    pub max_expires: u32,
    /// Answer 403 instead of a new challenge to bad credentials.
    pub forbid_bad: bool,
    /// Require `outbound` in 200 responses and answer CRLF pings.
    pub outbound: bool,
    /// Stay silent (tests of timers E/F).
    pub silent: bool,
    pub bindings: Vec<(String, u32)>,
    pub registers: u32,
    pub options: u32,
    pub log: Vec<u16>,
}

impl Registrar {
    pub fn new(realm: &str, user: &str, password: &str) -> Self {
        let mut users = HashMap::new();
        users.insert(user.to_owned(), password.to_owned());
        Self {
            realm: realm.to_owned(),
            users,
            algorithm: DigestAlgorithm::Md5,
            nonce: "n1".into(),
            nonce_n: 1,
            min_expires: 60,
            max_expires: 3600,
            forbid_bad: false,
            outbound: false,
            silent: false,
            bindings: Vec::new(),
            registers: 0,
            options: 0,
            log: Vec::new(),
        }
    }

    /// Makes the current nonce stale: the next request with it gets `stale=true`.
    pub fn rotate_nonce(&mut self) {
        self.nonce_n += 1;
        self.nonce = format!("n{}", self.nonce_n);
    }

    fn challenge(&self, stale: bool) -> (&'static str, String) {
        let mut v = format!(
            "Digest realm=\"{}\", nonce=\"{}\", qop=\"auth\", algorithm={}",
            self.realm,
            self.nonce,
            self.algorithm.as_str()
        );
        if stale {
            v.push_str(", stale=true");
        }
        ("WWW-Authenticate", v)
    }

    pub fn handle(&mut self, bytes: &[u8], from: Remote) -> Vec<Bytes> {
        if bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            return if self.outbound && bytes.len() >= 4 {
                vec![Bytes::from_static(b"\r\n")]
            } else {
                Vec::new()
            };
        }
        if self.silent {
            return Vec::new();
        }
        let Ok(m) = Message::parse(bytes) else {
            return Vec::new();
        };
        let Some(method) = m.method() else {
            return Vec::new();
        };
        let reply = |status: u16, extra: &[(&str, String)]| {
            respond(bytes, status, Some("reg"), Some(from), extra, "")
        };
        match method {
            "OPTIONS" => {
                self.options += 1;
                vec![reply(200, &[])]
            }
            "REGISTER" => {
                self.registers += 1;
                let status_and = self.register(&m);
                self.log.push(status_and.0);
                vec![reply(status_and.0, &status_and.1)]
            }
            _ => vec![reply(405, &[])],
        }
    }

    fn register(&mut self, m: &Message<'_>) -> (u16, Vec<(&'static str, String)>) {
        let Some(cred) = m.authorization().next().and_then(Result::ok) else {
            let (n, v) = self.challenge(false);
            return (401, vec![(n, v)]);
        };
        let user = cred.username().unwrap_or("");
        let password = Secret::new(self.users.get(user).cloned().unwrap_or_default());
        let nc = u32::from_str_radix(cred.nc().unwrap_or("0"), 16).unwrap_or(0);
        let want = digest_response(&DigestInput {
            algorithm: self.algorithm,
            username: user,
            realm: &self.realm,
            password: &password,
            nonce: cred.nonce().unwrap_or(""),
            cnonce: cred.cnonce().unwrap_or(""),
            nc,
            qop: Some(Qop::Auth),
            method: "REGISTER",
            uri: cred.uri().unwrap_or(""),
            body: b"",
        });
        if cred.response() != Some(want.as_str()) {
            if self.forbid_bad {
                return (403, vec![]);
            }
            self.rotate_nonce();
            let (n, v) = self.challenge(false);
            return (401, vec![(n, v)]);
        }
        if cred.nonce() != Some(self.nonce.as_str()) {
            let (n, v) = self.challenge(true);
            return (401, vec![(n, v)]);
        }
        let expires = m.expires().ok().flatten().unwrap_or(3600);
        if expires != 0 && expires < self.min_expires {
            return (423, vec![("Min-Expires", self.min_expires.to_string())]);
        }
        let granted = expires.min(self.max_expires);
        for c in m.contacts().filter_map(Result::ok) {
            let Some(a) = c.address() else { continue };
            let uri = a.uri.as_str().to_owned();
            let e = c.expires().unwrap_or(granted);
            self.bindings.retain(|(u, _)| *u != uri);
            if e > 0 {
                self.bindings.push((uri, e));
            }
        }
        let mut extra = Vec::new();
        for (u, e) in &self.bindings {
            extra.push(("Contact", format!("<{u}>;expires={e}")));
        }
        if self.outbound {
            extra.push(("Require", "outbound".to_owned()));
        }
        (200, extra)
    }
}
