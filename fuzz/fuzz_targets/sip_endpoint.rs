//! The sans-IO SIP user-agent core (`yeastar_sip::ua::Endpoint`: transactions, dialogs,
//! calls, registration) fed an arbitrary sequence of inputs.
//!
//! The input is split at NUL bytes into steps; the first byte of a step picks what it is:
//! a message from one of four peers (UDP or TCP), a clock advance, a command (invite, answer,
//! hang up, re-INVITE, transfer, DTMF, register...), a transport error, or a response to the
//! endpoint's latest request with a status taken from the step (so that fuzzing reaches the
//! states behind matching branches). Seeds are corpus messages, one step each.
//!
//! Checks: no panic; every table within its configured bound; after `handle_timeout(now)` the
//! next deadline is later than `now` (a driver would otherwise spin).
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use yeastar_sip::ua::{
    AccountConfig, CallHandle, Endpoint, EndpointConfig, Event, InviteRequest, LocalBinding,
    Remote, Transmit, TransportError, TransportKind,
};
use yeastar_sip::{Message, MessageBuilder};

const MAX_CALLS: usize = 4;
const MAX_TRANSACTIONS: usize = 16;
const MAX_ACCOUNTS: usize = 2;

fn peer(i: u8) -> Remote {
    let addr: SocketAddr = format!("192.0.2.{}:5060", 10 + (i % 4)).parse().unwrap();
    if i & 4 == 0 {
        Remote::udp(addr)
    } else {
        Remote::new(addr, TransportKind::Tcp).with_flow(yeastar_sip::ua::FlowId(u64::from(i % 4)))
    }
}

/// A response to `request` with `status`, a To tag and a Contact, as a peer would send.
fn response_to(request: &[u8], status: u16) -> Option<Bytes> {
    let m = Message::parse(request).ok()?;
    m.method()?;
    let mut b = MessageBuilder::response(status, "F");
    for h in m.headers() {
        match h.name.to_ascii_lowercase().as_str() {
            "via" | "v" => {
                b.push_header("Via", format!("{};received=192.0.2.99;rport=40000", h.value));
            }
            "to" | "t" if !h.value.contains("tag=") => {
                b.push_header("To", format!("{};tag=fz", h.value));
            }
            "to" | "t" | "from" | "f" | "call-id" | "i" | "cseq" => {
                b.push_header(h.name, h.value);
            }
            _ => {}
        }
    }
    b.push_header("Contact", "<sip:peer@192.0.2.10:5060>");
    match status {
        401 => {
            b.push_header("WWW-Authenticate", "Digest realm=\"r\", nonce=\"n\", qop=\"auth\"");
        }
        407 => {
            b.push_header("Proxy-Authenticate", "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256");
        }
        422 => {
            b.push_header("Min-SE", "1900");
        }
        423 => {
            b.push_header("Min-Expires", "7200");
        }
        200 => {
            b.push_header("Session-Expires", "90;refresher=uac");
        }
        _ => {}
    }
    Some(Bytes::from(b.to_bytes()))
}

fuzz_target!(|data: &[u8]| {
    let mut cfg = EndpointConfig::default();
    cfg.seed = Some(1);
    cfg.limits.max_calls = MAX_CALLS;
    cfg.limits.max_transactions = MAX_TRANSACTIONS;
    cfg.limits.max_accounts = MAX_ACCOUNTS;
    cfg.limits.max_queued_events = 64;
    let mut ep = Endpoint::new(cfg);
    let local: SocketAddr = "192.0.2.1:5060".parse().unwrap();
    ep.add_binding(LocalBinding::new(TransportKind::Udp, local));
    ep.add_binding(LocalBinding::new(TransportKind::Tcp, local));
    let mut now = Instant::now();
    let mut calls: Vec<CallHandle> = Vec::new();
    let mut last_request: Option<Transmit> = None;

    let drain = |ep: &mut Endpoint, calls: &mut Vec<CallHandle>, last: &mut Option<Transmit>| {
        while let Some(t) = ep.poll_transmit() {
            if !t.bytes.starts_with(b"SIP/2.0") && !t.bytes.starts_with(b"ACK") && t.bytes.len() > 4 {
                *last = Some(t);
            }
        }
        while let Some(e) = ep.poll_event() {
            match e {
                Event::IncomingCall(c) => calls.push(c.call),
                Event::CallEnded { call, .. } => calls.retain(|c| *c != call),
                _ => {}
            }
        }
        calls.truncate(64);
        assert!(ep.call_count() <= MAX_CALLS);
        assert!(ep.account_count() <= MAX_ACCOUNTS);
        let (c, s) = ep.transaction_count();
        assert!(c <= MAX_TRANSACTIONS && s <= MAX_TRANSACTIONS, "{c} {s}");
        assert!(ep.pending_request_count() <= MAX_TRANSACTIONS + 1);
    };

    for step in data.split(|&b| b == 0) {
        let Some((&op, rest)) = step.split_first() else { continue };
        let arg = rest.first().copied().unwrap_or(0);
        let call = |i: u8| calls.get(usize::from(i) % calls.len().max(1)).copied();
        match op % 8 {
            0..=2 => ep.handle_input(Bytes::copy_from_slice(rest), peer(op >> 3), now),
            3 => {
                now += Duration::from_millis(u64::from(arg) * 250 + 1);
                if ep.poll_timeout().is_some_and(|t| t <= now) {
                    ep.handle_timeout(now);
                    assert!(ep.poll_timeout().is_none_or(|t| t > now), "a deadline left in the past");
                }
            }
            4 => {
                let target = peer(arg);
                let _ = match (arg >> 4) % 12 {
                    0 => ep
                        .invite(
                            InviteRequest::new("sip:peer@192.0.2.10").from("sip:me@192.0.2.1").destination(target)
                                .offer(Bytes::from_static(b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")),
                            now,
                        )
                        .map(|c| calls.push(c)),
                    1 => call(arg).map_or(Ok(()), |c| ep.hangup(c, now)),
                    2 => call(arg).map_or(Ok(()), |c| ep.answer(c, Bytes::from_static(b"v=0\r\n"), now)),
                    3 => call(arg).map_or(Ok(()), |c| ep.ringing(c, None, now)),
                    4 => call(arg).map_or(Ok(()), |c| ep.reject(c, 486, now)),
                    5 => call(arg).map_or(Ok(()), |c| ep.reinvite(c, Bytes::from_static(b"v=0\r\n"), now)),
                    6 => call(arg).map_or(Ok(()), |c| ep.transfer(c, "sip:x@192.0.2.12", now)),
                    7 => call(arg).map_or(Ok(()), |c| ep.send_dtmf_info(c, '5', 100, now)),
                    8 => ep
                        .add_account(AccountConfig::new("1001", "pbx", "pw", target), now)
                        .map(|_| ()),
                    9 => call(arg).map_or(Ok(()), |c| ep.answer_reoffer(c, Bytes::from_static(b"v=0\r\n"), now)),
                    10 => call(arg).map_or(Ok(()), |c| ep.transfer_notify(c, 200, now)),
                    _ => {
                        ep.shutdown(now);
                        Ok(())
                    }
                };
            }
            5 => ep.handle_transport_error(peer(arg), TransportError::ConnectionClosed, now),
            _ => {
                if let Some(req) = &last_request {
                    const COMMON: [u16; 16] = [100, 180, 183, 200, 202, 401, 407, 422, 423, 481, 486, 487, 491, 500, 503, 603];
                    let status = COMMON.get(usize::from(arg)).copied().unwrap_or(100 + u16::from(arg) * 2);
                    if let Some(resp) = response_to(&req.bytes, status) {
                        ep.handle_input(resp, req.remote(), now);
                    }
                }
            }
        }
        drain(&mut ep, &mut calls, &mut last_request);
    }
});
