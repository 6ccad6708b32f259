//! The sans-IO UA core on a whole call: two `yeastar_sip::ua::Endpoint`s exchange INVITE,
//! 100, 180, 200, ACK, BYE, 200 in memory (UDP, no loss), then 40 virtual seconds pass so
//! that every transaction timer expires. Anchor: `Message::parse` of the same seven
//! messages, the parsing floor of any SIP stack handling that call.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yeastar_sip::Message;
use yeastar_sip::ua::{
    Endpoint, EndpointConfig, Event, InviteRequest, LocalBinding, Remote, TransportKind,
};

const SDP: &[u8] = b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n";

struct Pair {
    a: Endpoint,
    b: Endpoint,
    a_addr: SocketAddr,
    b_addr: SocketAddr,
    now: Instant,
}

fn endpoint(addr: SocketAddr, seed: u64) -> Endpoint {
    let mut cfg = EndpointConfig::default();
    cfg.seed = Some(seed);
    let mut ep = Endpoint::new(cfg);
    ep.add_binding(LocalBinding::new(TransportKind::Udp, addr));
    ep
}

impl Pair {
    fn new() -> Self {
        let a_addr = "192.0.2.1:5060".parse().unwrap();
        let b_addr = "192.0.2.2:5060".parse().unwrap();
        Self {
            a: endpoint(a_addr, 1),
            b: endpoint(b_addr, 2),
            a_addr,
            b_addr,
            now: Instant::now(),
        }
    }

    /// Moves every transmit to the other side until both are quiet; B answers what rings.
    fn pump(&mut self, wire: &mut Vec<Bytes>) {
        loop {
            let mut moved = false;
            while let Some(t) = self.a.poll_transmit() {
                wire.push(t.bytes.clone());
                self.b
                    .handle_input(t.bytes, Remote::udp(self.a_addr), self.now);
                moved = true;
            }
            while let Some(t) = self.b.poll_transmit() {
                wire.push(t.bytes.clone());
                self.a
                    .handle_input(t.bytes, Remote::udp(self.b_addr), self.now);
                moved = true;
            }
            while let Some(e) = self.b.poll_event() {
                if let Event::IncomingCall(c) = e {
                    self.b.ringing(c.call, None, self.now).unwrap();
                    self.b
                        .answer(c.call, Bytes::from_static(SDP), self.now)
                        .unwrap();
                    moved = true;
                }
            }
            while self.a.poll_event().is_some() {}
            if !moved {
                return;
            }
        }
    }

    fn call(&mut self, wire: &mut Vec<Bytes>) {
        let call = self
            .a
            .invite(
                InviteRequest::new("sip:1002@192.0.2.2")
                    .from("sip:1001@192.0.2.1")
                    .offer(Bytes::from_static(SDP)),
                self.now,
            )
            .unwrap();
        self.pump(wire);
        self.a.hangup(call, self.now).unwrap();
        self.pump(wire);
        self.now += Duration::from_secs(40);
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
        assert_eq!(self.a.transaction_count(), (0, 0));
        assert_eq!(self.b.call_count(), 0);
    }
}

fn bench(c: &mut Criterion) {
    let mut pair = Pair::new();
    let mut wire = Vec::new();
    pair.call(&mut wire);
    assert_eq!(wire.len(), 7, "INVITE 100 180 200 ACK BYE 200");
    let mut g = c.benchmark_group("ua_call");
    g.throughput(Throughput::Elements(1));
    g.bench_function("endpoint pair, one call", |bch| {
        let mut scratch = Vec::with_capacity(8);
        bch.iter(|| {
            scratch.clear();
            pair.call(&mut scratch);
            black_box(scratch.len())
        })
    });
    g.bench_function("anchor: parse the call's 7 messages", |bch| {
        bch.iter(|| {
            let mut headers = 0;
            for m in &wire {
                headers += Message::parse(black_box(m)).unwrap().header_count();
            }
            black_box(headers)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
