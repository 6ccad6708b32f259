//! Transaction behaviour of the endpoint against a raw peer scripted by the test: every
//! timer of RFC 3261 §17 and RFC 6026 observed on the wire, absorption of retransmissions,
//! ACK placement, 2xx retransmission, transport errors, and bounded tables.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::time::Duration;

use bytes::Bytes;
use support::{Net, addr, config, header, respond};
use yeastar_sip::ua::{EndReason, Event, InviteRequest, Remote, TransportError, TransportKind};

const UA: &str = "192.0.2.1:5060";
const PEER: &str = "192.0.2.9:5060";

fn setup(seed: u64) -> (Net, usize, usize) {
    let mut net = Net::new(seed);
    let ua = net.ua(UA, config(seed));
    let peer = net.raw(PEER);
    (net, ua, peer)
}

fn invite_from_peer(branch: &str, call_id: &str, cseq: u32) -> Bytes {
    Bytes::from(format!(
        "INVITE sip:1001@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch={branch};rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:2000@192.0.2.9>;tag=peer\r\nTo: <sip:1001@192.0.2.1>\r\n\
         Call-ID: {call_id}\r\nCSeq: {cseq} INVITE\r\nContact: <sip:2000@192.0.2.9:5060>\r\nContent-Length: 0\r\n\r\n"
    ))
}

fn ack_from_peer(branch: &str, call_id: &str, to_tag: &str, cseq: u32) -> Bytes {
    Bytes::from(format!(
        "ACK sip:1001@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch={branch};rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:2000@192.0.2.9>;tag=peer\r\nTo: <sip:1001@192.0.2.1>;tag={to_tag}\r\n\
         Call-ID: {call_id}\r\nCSeq: {cseq} ACK\r\nContent-Length: 0\r\n\r\n"
    ))
}

fn ms(v: &[(Duration, std::net::SocketAddr, std::net::SocketAddr, Bytes)]) -> Vec<u128> {
    v.iter().map(|w| w.0.as_millis()).collect()
}

fn to_tag(bytes: &[u8]) -> String {
    header(bytes, "To")
        .unwrap()
        .split("tag=")
        .nth(1)
        .unwrap()
        .to_owned()
}

fn place_call(net: &mut Net, ua: usize, transport: TransportKind) {
    let now = net.now;
    net.ep(ua)
        .invite(
            InviteRequest::new("sip:2000@192.0.2.9")
                .from("sip:1001@192.0.2.1")
                .destination(Remote::new(addr(PEER), transport)),
            now,
        )
        .unwrap();
}

#[test]
fn timer_a_retransmits_and_timer_b_ends_the_call_with_408() {
    let (mut net, ua, _) = setup(1);
    place_call(&mut net, ua, TransportKind::Udp);
    net.run_for(Duration::from_secs(40));
    assert_eq!(
        ms(&net.wire_lines("INVITE")),
        vec![0, 500, 1500, 3500, 7500, 15500, 31500]
    );
    let ev = net.events(ua);
    assert!(
        ev.iter().any(|e| matches!(
            e,
            Event::CallEnded {
                reason: EndReason::Timeout,
                code: Some(408),
                ..
            }
        )),
        "{ev:?}"
    );
    assert_eq!(net.ep(ua).call_count(), 0);
}

#[test]
fn reliable_invite_is_sent_once_and_a_transport_error_ends_the_call() {
    let (mut net, ua, _) = setup(2);
    place_call(&mut net, ua, TransportKind::Tcp);
    net.run_for(Duration::from_secs(5));
    assert_eq!(net.wire_lines("INVITE").len(), 1);
    let now = net.now;
    net.ep(ua).handle_transport_error(
        Remote::new(addr(PEER), TransportKind::Tcp),
        TransportError::ConnectionClosed,
        now,
    );
    let ev = net.events(ua);
    assert!(
        ev.iter().any(|e| matches!(
            e,
            Event::CallEnded {
                reason: EndReason::TransportError,
                code: Some(503),
                ..
            }
        )),
        "{ev:?}"
    );
    assert_eq!(net.ep(ua).transaction_count(), (0, 0));
}

#[test]
fn non_2xx_ack_goes_to_the_invite_destination_and_timer_d_absorbs_retransmissions() {
    let (mut net, ua, peer) = setup(3);
    place_call(&mut net, ua, TransportKind::Udp);
    net.run_for(Duration::from_millis(50));
    let invite = net.received(peer, "INVITE")[0].2.clone();
    let busy = respond(&invite, 486, Some("pt"), None, &[], "");
    net.inject(peer, addr(UA), TransportKind::Udp, busy.clone());
    net.run_for(Duration::from_millis(50));
    net.inject(peer, addr(UA), TransportKind::Udp, busy);
    net.run_for(Duration::from_secs(40));
    let acks = net.received(peer, "ACK");
    assert_eq!(acks.len(), 2, "one ACK per 486 received");
    assert_eq!(
        header(&acks[0].2, "Via"),
        header(&invite, "Via"),
        "same Via, same branch"
    );
    assert_eq!(acks[0].1.addr, addr(UA));
    let ev = net.events(ua);
    let ends: Vec<_> = ev
        .iter()
        .filter(|e| matches!(e, Event::CallEnded { .. }))
        .collect();
    assert_eq!(ends.len(), 1);
    assert!(matches!(
        ends[0],
        Event::CallEnded {
            reason: EndReason::Rejected,
            code: Some(486),
            ..
        }
    ));
    assert_eq!(
        net.ep(ua).transaction_count(),
        (0, 0),
        "timer D ended the transaction"
    );
}

#[test]
fn accepted_state_re_acks_retransmitted_2xx_and_forked_2xx_gets_bye() {
    let (mut net, ua, peer) = setup(4);
    place_call(&mut net, ua, TransportKind::Udp);
    net.run_for(Duration::from_millis(50));
    let invite = net.received(peer, "INVITE")[0].2.clone();
    let contact = [("Contact", "<sip:2000@192.0.2.9:5060>".to_owned())];
    let ok = respond(&invite, 200, Some("t1"), None, &contact, "");
    net.inject(peer, addr(UA), TransportKind::Udp, ok.clone());
    net.run_for(Duration::from_millis(50));
    net.inject(peer, addr(UA), TransportKind::Udp, ok);
    net.run_for(Duration::from_millis(50));
    let fork = respond(&invite, 200, Some("t2"), None, &contact, "");
    net.inject(peer, addr(UA), TransportKind::Udp, fork);
    net.run_for(Duration::from_millis(50));
    let acks = net.received(peer, "ACK");
    assert_eq!(acks.len(), 3);
    assert_eq!(to_tag(&acks[0].2), "t1");
    assert_eq!(acks[0].2, acks[1].2, "the same ACK re-sent");
    assert_ne!(
        header(&acks[0].2, "Via"),
        header(&invite, "Via"),
        "a 2xx ACK has its own branch"
    );
    assert_eq!(to_tag(&acks[2].2), "t2");
    let byes = net.received(peer, "BYE");
    assert_eq!(byes.len(), 1);
    assert_eq!(to_tag(&byes[0].2), "t2");
    let ev = net.events(ua);
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, Event::CallAnswered { .. }))
            .count(),
        1
    );
}

#[test]
fn retransmitted_invite_is_absorbed_and_timer_g_h_run_without_ack() {
    let (mut net, ua, peer) = setup(5);
    let inv = invite_from_peer("z9hG4bKin1", "c1", 1);
    net.inject(peer, addr(UA), TransportKind::Udp, inv.clone());
    net.run_for(Duration::from_millis(50));
    net.inject(peer, addr(UA), TransportKind::Udp, inv.clone());
    net.run_for(Duration::from_millis(50));
    let ev = net.events(ua);
    let calls: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            Event::IncomingCall(c) => Some(c.call),
            _ => None,
        })
        .collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        net.received(peer, "SIP/2.0 100").len(),
        2,
        "the 100 Trying is replayed"
    );
    let start = net.elapsed();
    let now = net.now;
    net.ep(ua).reject(calls[0], 486, now).unwrap();
    net.run_for(Duration::from_secs(40));
    let busy: Vec<u128> = net
        .received(peer, "SIP/2.0 486")
        .iter()
        .map(|r| (r.0 - start).as_millis())
        .collect();
    // Sent at once, then timer G: 0.5, 1, 2, 4, 4, ... s until timer H (32 s).
    let gaps: Vec<u128> = busy.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(
        gaps,
        vec![500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000]
    );
    assert_eq!(net.ep(ua).transaction_count(), (0, 0));
}

#[test]
fn ack_confirms_and_timer_i_absorbs_ack_retransmissions() {
    let (mut net, ua, peer) = setup(6);
    net.inject(
        peer,
        addr(UA),
        TransportKind::Udp,
        invite_from_peer("z9hG4bKin2", "c2", 1),
    );
    net.run_for(Duration::from_millis(50));
    let call = net
        .events(ua)
        .iter()
        .find_map(|e| match e {
            Event::IncomingCall(c) => Some(c.call),
            _ => None,
        })
        .unwrap();
    let now = net.now;
    net.ep(ua).reject(call, 603, now).unwrap();
    net.run_for(Duration::from_millis(50));
    let decline = net.received(peer, "SIP/2.0 603")[0].2.clone();
    let tag = to_tag(&decline);
    for _ in 0..3 {
        net.inject(
            peer,
            addr(UA),
            TransportKind::Udp,
            ack_from_peer("z9hG4bKin2", "c2", &tag, 1),
        );
        net.run_for(Duration::from_millis(20));
    }
    net.inject(
        peer,
        addr(UA),
        TransportKind::Udp,
        invite_from_peer("z9hG4bKin2", "c2", 1),
    );
    net.run_for(Duration::from_secs(10));
    assert_eq!(
        net.received(peer, "SIP/2.0 603").len(),
        1,
        "no retransmission after the ACK"
    );
    let ev = net.events(ua);
    assert!(
        matches!(
            ev[..],
            [Event::CallEnded {
                reason: EndReason::Declined,
                code: Some(603),
                ..
            }]
        ),
        "ACKs and the late INVITE copy were absorbed: {ev:?}"
    );
    assert_eq!(net.ep(ua).transaction_count(), (0, 0), "timer I ended it");
}

#[test]
fn uas_retransmits_2xx_until_ack_then_gives_up_with_bye() {
    let (mut net, ua, peer) = setup(7);
    net.inject(
        peer,
        addr(UA),
        TransportKind::Udp,
        invite_from_peer("z9hG4bKin3", "c3", 1),
    );
    net.run_for(Duration::from_millis(50));
    let call = net
        .events(ua)
        .iter()
        .find_map(|e| match e {
            Event::IncomingCall(c) => Some(c.call),
            _ => None,
        })
        .unwrap();
    let start = net.elapsed();
    let now = net.now;
    net.ep(ua)
        .answer(
            call,
            Bytes::from_static(b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"),
            now,
        )
        .unwrap();
    net.run_for(Duration::from_secs(70));
    let oks: Vec<u128> = net
        .received(peer, "SIP/2.0 200")
        .iter()
        .map(|r| (r.0 - start).as_millis())
        .collect();
    let gaps: Vec<u128> = oks.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(&gaps[..4], &[500, 1000, 2000, 4000]);
    assert!(gaps[4..].iter().all(|&g| g == 4000));
    assert_eq!(oks.last().map(|&t| t < 32_000), Some(true));
    let bye = net.received(peer, "BYE");
    assert_eq!(
        (bye[0].0 - start).as_millis(),
        32_010,
        "BYE when 64·T1 passed without ACK (plus 10 ms of link)"
    );
    assert_eq!(
        bye.len(),
        11,
        "the BYE itself is retransmitted (timer E) with no answer"
    );
    let ev = net.events(ua);
    assert!(
        ev.iter().any(|e| matches!(
            e,
            Event::CallEnded {
                reason: EndReason::AckTimeout,
                code: None,
                ..
            }
        )),
        "{ev:?}"
    );
}

#[test]
fn ack_stops_2xx_retransmission() {
    let (mut net, ua, peer) = setup(8);
    net.inject(
        peer,
        addr(UA),
        TransportKind::Udp,
        invite_from_peer("z9hG4bKin4", "c4", 1),
    );
    net.run_for(Duration::from_millis(50));
    let call = net
        .events(ua)
        .iter()
        .find_map(|e| match e {
            Event::IncomingCall(c) => Some(c.call),
            _ => None,
        })
        .unwrap();
    let now = net.now;
    net.ep(ua)
        .answer(
            call,
            Bytes::from_static(b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"),
            now,
        )
        .unwrap();
    net.run_for(Duration::from_millis(1200));
    let ok = net.received(peer, "SIP/2.0 200")[0].2.clone();
    net.inject(
        peer,
        addr(UA),
        TransportKind::Udp,
        ack_from_peer("z9hG4bKack4", "c4", &to_tag(&ok), 1),
    );
    net.run_for(Duration::from_secs(40));
    assert_eq!(
        net.received(peer, "SIP/2.0 200").len(),
        2,
        "sent, retransmitted once at 500 ms, then the ACK"
    );
    assert!(
        net.events(ua)
            .iter()
            .any(|e| matches!(e, Event::CallConfirmed { .. }))
    );
    // In the dialog: an out-of-order request gets 500, an unknown dialog 481.
    let info = |cseq: u32, call_id: &str, tag: &str| {
        Bytes::from(format!(
            "INFO sip:1001@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKinfo{cseq}{call_id}\r\n\
             From: <sip:2000@192.0.2.9>;tag=peer\r\nTo: <sip:1001@192.0.2.1>;tag={tag}\r\nCall-ID: {call_id}\r\n\
             CSeq: {cseq} INFO\r\nContent-Length: 0\r\n\r\n"
        ))
    };
    let tag = to_tag(&ok);
    net.inject(peer, addr(UA), TransportKind::Udp, info(5, "c4", &tag));
    net.inject(peer, addr(UA), TransportKind::Udp, info(3, "c4", &tag));
    net.inject(peer, addr(UA), TransportKind::Udp, info(6, "nope", &tag));
    net.run_for(Duration::from_millis(100));
    let codes: Vec<String> = net.hosts[peer]
        .inbox
        .iter()
        .rev()
        .take(3)
        .map(|r| String::from_utf8_lossy(&r.2[8..11]).into_owned())
        .collect();
    let mut codes = codes;
    codes.sort();
    assert_eq!(codes, vec!["200", "481", "500"]);
}

#[test]
fn non_invite_server_replays_its_response_timer_j() {
    let (mut net, ua, peer) = setup(9);
    let options = Bytes::from_static(
        b"OPTIONS sip:1001@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKo1\r\n\
          From: <sip:2000@192.0.2.9>;tag=q\r\nTo: <sip:1001@192.0.2.1>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
    );
    for _ in 0..2 {
        net.inject(peer, addr(UA), TransportKind::Udp, options.clone());
        net.run_for(Duration::from_millis(100));
    }
    let oks = net.received(peer, "SIP/2.0 200");
    assert_eq!(oks.len(), 2);
    assert_eq!(oks[0].2, oks[1].2, "the same response replayed");
    assert_eq!(net.events(ua).len(), 1);
    assert_eq!(net.ep(ua).transaction_count(), (0, 1));
    net.run_for(Duration::from_secs(32));
    assert_eq!(net.ep(ua).transaction_count(), (0, 0), "timer J");
    // Unknown methods get 405 with Allow.
    net.inject(
        peer,
        addr(UA),
        TransportKind::Udp,
        &b"PUBLISH sip:1001@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKp1\r\n\
           From: <sip:2000@192.0.2.9>;tag=q\r\nTo: <sip:1001@192.0.2.1>\r\nCall-ID: p1\r\nCSeq: 1 PUBLISH\r\nContent-Length: 0\r\n\r\n"[..],
    );
    net.run_for(Duration::from_millis(100));
    let r = &net.received(peer, "SIP/2.0 405")[0].2;
    assert!(header(r, "Allow").unwrap().contains("REFER"));
}

#[test]
fn tables_are_bounded() {
    let mut net = Net::new(10);
    let mut cfg = config(10);
    cfg.limits.max_calls = 2;
    cfg.limits.max_transactions = 4;
    let ua = net.ua(UA, cfg);
    let peer = net.raw(PEER);
    for i in 0..3 {
        net.inject(
            peer,
            addr(UA),
            TransportKind::Udp,
            invite_from_peer(&format!("z9hG4bKb{i}"), &format!("b{i}"), 1),
        );
        net.run_for(Duration::from_millis(20));
    }
    assert_eq!(net.ep(ua).call_count(), 2);
    assert_eq!(net.received(peer, "SIP/2.0 503").len(), 1);
    for i in 3..8 {
        net.inject(
            peer,
            addr(UA),
            TransportKind::Udp,
            invite_from_peer(&format!("z9hG4bKb{i}"), &format!("b{i}"), 1),
        );
    }
    net.run_for(Duration::from_millis(50));
    let (_, servers) = net.ep(ua).transaction_count();
    assert!(servers <= 4);
    assert_eq!(net.received(peer, "SIP/2.0 503").len(), 6);
    let now = net.now;
    assert!(
        net.ep(ua)
            .invite(
                InviteRequest::new("sip:x@192.0.2.9").from("sip:a@192.0.2.1"),
                now
            )
            .is_err()
    );
}

#[test]
fn proxy_challenge_is_answered_once_and_a_repeated_nonce_fails_the_call() {
    let (mut net, ua, peer) = setup(11);
    let now = net.now;
    let account = net
        .ep(ua)
        .add_account(
            {
                let mut a = yeastar_sip::ua::AccountConfig::new(
                    "1001",
                    "pbx.example.com",
                    "secret",
                    Remote::udp(addr(PEER)),
                );
                a.register = false;
                a
            },
            now,
        )
        .unwrap();
    net.ep(ua)
        .invite(
            InviteRequest::new("sip:2000@pbx.example.com").account(account),
            now,
        )
        .unwrap();
    net.run_for(Duration::from_millis(50));
    let challenge = [(
        "Proxy-Authenticate",
        "Digest realm=\"pbx\", nonce=\"abc\", qop=\"auth\", algorithm=SHA-256, opaque=\"o1\""
            .to_owned(),
    )];
    for round in 0..2 {
        let invite = net.received(peer, "INVITE").last().unwrap().2.clone();
        net.inject(
            peer,
            addr(UA),
            TransportKind::Udp,
            respond(&invite, 407, Some("px"), None, &challenge, ""),
        );
        net.run_for(Duration::from_millis(50));
        if round == 0 {
            let again = net.received(peer, "INVITE").last().unwrap().2.clone();
            let auth = header(&again, "Proxy-Authorization").unwrap();
            assert!(
                auth.contains("algorithm=SHA-256")
                    && auth.contains("opaque=\"o1\"")
                    && auth.contains("nc=00000001"),
                "{auth}"
            );
            assert_eq!(header(&again, "CSeq").unwrap(), "2 INVITE");
            assert_eq!(header(&again, "Call-ID"), header(&invite, "Call-ID"));
        }
    }
    assert_eq!(
        net.received(peer, "INVITE").len(),
        2,
        "the same nonce again is not answered"
    );
    assert_eq!(net.received(peer, "ACK").len(), 2, "each 407 is ACKed");
    let ev = net.events(ua);
    assert!(
        ev.iter().any(|e| matches!(
            e,
            Event::CallEnded {
                reason: EndReason::AuthFailed,
                code: Some(407),
                ..
            }
        )),
        "{ev:?}"
    );
}

#[test]
fn uac_refresher_re_invites_when_the_peer_has_no_update() {
    let (mut net, ua, peer) = setup(12);
    place_call(&mut net, ua, TransportKind::Udp);
    net.run_for(Duration::from_millis(50));
    let invite = net.received(peer, "INVITE")[0].2.clone();
    assert_eq!(header(&invite, "Session-Expires").unwrap(), "1800");
    assert_eq!(header(&invite, "Min-SE").unwrap(), "90");
    let extra = [
        ("Contact", "<sip:2000@192.0.2.9:5060>".to_owned()),
        ("Session-Expires", "90;refresher=uac".to_owned()),
        ("Require", "timer".to_owned()),
        ("Allow", "INVITE, ACK, BYE, CANCEL".to_owned()),
    ];
    let body = "v=0\r\no=- 7 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n";
    net.inject(
        peer,
        addr(UA),
        TransportKind::Udp,
        respond(&invite, 200, Some("rt"), None, &extra, body),
    );
    net.run_for(Duration::from_secs(46));
    let invites = net.received(peer, "INVITE");
    let seqs = |v: &[(Duration, Remote, Bytes)]| {
        let mut s: Vec<String> = v.iter().map(|i| header(&i.2, "CSeq").unwrap()).collect();
        s.dedup();
        s
    };
    assert_eq!(
        seqs(&invites),
        vec!["1 INVITE", "2 INVITE"],
        "one refresh at half the interval"
    );
    assert_eq!((invites[1].0 - invites[0].0).as_secs(), 45);
    let refresh = &invites[1].2;
    assert_eq!(
        header(refresh, "Session-Expires").unwrap(),
        "90;refresher=uac"
    );
    assert_eq!(header(refresh, "CSeq").unwrap(), "2 INVITE");
    assert!(header(refresh, "To").unwrap().contains("tag=rt"));
    assert!(net.received(peer, "UPDATE").is_empty());
    // Answered: ACKed, and the next refresh comes 45 s later.
    net.inject(
        peer,
        addr(UA),
        TransportKind::Udp,
        respond(refresh, 200, None, None, &extra, body),
    );
    net.run_for(Duration::from_secs(46));
    assert_eq!(net.received(peer, "ACK").len(), 2);
    let invites = net.received(peer, "INVITE");
    assert_eq!(seqs(&invites), vec!["1 INVITE", "2 INVITE", "3 INVITE"]);
    assert!(
        !net.events(ua)
            .iter()
            .any(|e| matches!(e, Event::CallEnded { .. }))
    );
}
