//! Calls between two endpoints on the simulated network: INVITE/180/200/ACK, BYE from
//! either side, CANCEL (and its race with the 200), re-INVITE hold/resume, REFER with
//! NOTIFY, INFO DTMF, OPTIONS, session timers, and a lossy, duplicating, reordering link.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::time::Duration;

use bytes::Bytes;
use support::{Net, addr, config, header};
use yeastar_sip::offer_answer::{AudioSession, answer as sdp_answer, negotiated};
use yeastar_sip::sdp::{Direction, Sdp};
use yeastar_sip::ua::{
    CallHandle, CallProgress, EndReason, Event, InviteRequest, TransferProgress, TransportKind,
};

const A: &str = "192.0.2.1:5060";
const B: &str = "192.0.2.2:5060";

fn pair(seed: u64) -> (Net, usize, usize) {
    let mut net = Net::new(seed);
    let a = net.ua(A, config(seed * 2 + 1));
    let b = net.ua(B, config(seed * 2 + 2));
    (net, a, b)
}

fn offer(port: u16, dir: Direction) -> Bytes {
    Bytes::from(
        AudioSession::new("192.0.2.1".parse().unwrap(), port, 1)
            .with_direction(dir)
            .offer(),
    )
}

fn incoming(events: &[Event]) -> Option<(CallHandle, Option<Bytes>)> {
    events.iter().find_map(|e| match e {
        Event::IncomingCall(c) => Some((c.call, c.offer.clone())),
        _ => None,
    })
}

fn ended(events: &[Event]) -> Option<(EndReason, Option<u16>)> {
    events.iter().find_map(|e| match e {
        Event::CallEnded { reason, code, .. } => Some((*reason, *code)),
        _ => None,
    })
}

/// A calls B; B rings then answers. Returns both call handles.
fn establish(
    net: &mut Net,
    a: usize,
    b: usize,
    transport: TransportKind,
) -> (CallHandle, CallHandle) {
    let now = net.now;
    let dest = yeastar_sip::ua::Remote::new(addr(B), transport);
    let ca = net
        .ep(a)
        .invite(
            InviteRequest::new("sip:1002@192.0.2.2")
                .from("sip:1001@192.0.2.1")
                .destination(dest)
                .offer(offer(4000, Direction::SendRecv)),
            now,
        )
        .unwrap();
    assert!(net.run_until(b, Duration::from_secs(5), |e| matches!(
        e,
        Event::IncomingCall(_)
    )));
    let (cb, sdp) = incoming(&net.events(b)).unwrap();
    let now = net.now;
    net.ep(b).ringing(cb, None, now).unwrap();
    net.run_for(Duration::from_millis(100));
    let ours = AudioSession::new("192.0.2.2".parse().unwrap(), 5000, 2);
    let (answer, agreed) = sdp_answer(
        &Sdp::parse(std::str::from_utf8(&sdp.unwrap()).unwrap()).unwrap(),
        &ours,
    )
    .unwrap();
    assert_eq!(agreed.codec.name, "PCMU");
    let now = net.now;
    net.ep(b).answer(cb, Bytes::from(answer), now).unwrap();
    assert!(net.run_until(a, Duration::from_secs(5), |e| matches!(
        e,
        Event::CallAnswered { .. }
    )));
    assert!(net.run_until(b, Duration::from_secs(5), |e| matches!(
        e,
        Event::CallConfirmed { .. }
    )));
    (ca, cb)
}

#[test]
fn invite_ringing_answer_ack_then_bye_from_caller() {
    let (mut net, a, b) = pair(1);
    let (ca, _cb) = establish(&mut net, a, b, TransportKind::Udp);
    let ev = net.events(a);
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::CallProgress {
            progress: CallProgress::Trying,
            ..
        }
    )));
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::CallProgress {
            progress: CallProgress::Ringing { code: 180 },
            ..
        }
    )));
    let sdp = ev.iter().find_map(|e| match e {
        Event::CallAnswered { sdp, .. } => sdp.clone(),
        _ => None,
    });
    let mine = AudioSession::new("192.0.2.1".parse().unwrap(), 4000, 1);
    let n = negotiated(
        &Sdp::parse(std::str::from_utf8(&sdp.unwrap()).unwrap()).unwrap(),
        &mine,
    )
    .unwrap();
    assert_eq!(n.remote_rtp, Some(addr("192.0.2.2:5000")));
    assert_eq!(
        net.wire_lines("ACK").len(),
        1,
        "one ACK, no 2xx retransmission needed"
    );
    net.events(b);
    let now = net.now;
    net.ep(a).hangup(ca, now).unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(
        ended(&net.events(a)),
        Some((EndReason::LocalHangup, Some(200)))
    );
    assert_eq!(ended(&net.events(b)), Some((EndReason::RemoteHangup, None)));
    net.run_for(Duration::from_secs(40));
    assert_eq!(net.ep(a).transaction_count(), (0, 0));
    assert_eq!(net.ep(b).transaction_count(), (0, 0));
    assert_eq!(net.ep(a).pending_request_count(), 0);
    assert!(net.ep(a).is_idle() && net.ep(b).is_idle());
}

#[test]
fn bye_from_callee_over_tcp() {
    let (mut net, a, b) = pair(2);
    let (_ca, cb) = establish(&mut net, a, b, TransportKind::Tcp);
    net.events(a);
    let now = net.now;
    net.ep(b).hangup(cb, now).unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(
        ended(&net.events(b)),
        Some((EndReason::LocalHangup, Some(200)))
    );
    assert_eq!(ended(&net.events(a)), Some((EndReason::RemoteHangup, None)));
    // Nothing is retransmitted over TCP: each request went out once.
    for m in ["INVITE", "ACK", "BYE"] {
        assert_eq!(net.wire_lines(m).len(), 1, "{m}");
    }
    assert!(net.wire.iter().all(|w| w.3 == TransportKind::Tcp));
}

#[test]
fn cancel_gets_487_and_its_ack_goes_where_the_invite_went() {
    let (mut net, a, b) = pair(3);
    let now = net.now;
    let ca = net
        .ep(a)
        .invite(
            InviteRequest::new("sip:1002@192.0.2.2")
                .from("sip:1001@192.0.2.1")
                .offer(offer(4000, Direction::SendRecv)),
            now,
        )
        .unwrap();
    assert!(net.run_until(b, Duration::from_secs(5), |e| matches!(
        e,
        Event::IncomingCall(_)
    )));
    let (cb, _) = incoming(&net.events(b)).unwrap();
    let now = net.now;
    net.ep(b).ringing(cb, None, now).unwrap();
    net.run_for(Duration::from_millis(100));
    let now = net.now;
    net.ep(a).hangup(ca, now).unwrap();
    net.run_for(Duration::from_secs(1));
    assert_eq!(
        ended(&net.events(a)),
        Some((EndReason::Cancelled, Some(487)))
    );
    assert_eq!(
        ended(&net.events(b)),
        Some((EndReason::RemoteCancelled, Some(487)))
    );
    let invite = &net.wire_lines("INVITE")[0];
    let cancel = &net.wire_lines("CANCEL")[0];
    let acks = net.wire_lines("ACK");
    assert_eq!(acks.len(), 1);
    let branch = |b: &Bytes| {
        header(b, "Via")
            .unwrap()
            .split("branch=")
            .nth(1)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    for (what, m) in [("CANCEL", cancel), ("ACK", &acks[0])] {
        assert_eq!(m.2, invite.2, "{what} goes to the INVITE's destination");
        assert_eq!(
            branch(&m.3),
            branch(&invite.3),
            "{what} has the INVITE's branch"
        );
    }
    assert_eq!(header(&acks[0].3, "CSeq").unwrap(), "1 ACK");
    assert!(header(&acks[0].3, "To").unwrap().contains("tag="));
    // The callee's server transaction absorbed the ACK: no 487 retransmission.
    net.run_for(Duration::from_secs(40));
    assert_eq!(net.wire_lines("SIP/2.0 487").len(), 1);
}

#[test]
fn cancel_racing_the_200_is_acked_and_byed() {
    let (mut net, a, b) = pair(4);
    let now = net.now;
    let ca = net
        .ep(a)
        .invite(
            InviteRequest::new("sip:1002@192.0.2.2")
                .from("sip:1001@192.0.2.1")
                .offer(offer(4000, Direction::SendRecv)),
            now,
        )
        .unwrap();
    assert!(net.run_until(b, Duration::from_secs(5), |e| matches!(
        e,
        Event::IncomingCall(_)
    )));
    let (cb, _) = incoming(&net.events(b)).unwrap();
    let now = net.now;
    net.ep(b).ringing(cb, None, now).unwrap();
    net.run_for(Duration::from_millis(100));
    // Both act at the same instant: the 200 and the CANCEL cross on the wire.
    let now = net.now;
    net.ep(b)
        .answer(cb, offer(5000, Direction::SendRecv), now)
        .unwrap();
    net.ep(a).hangup(ca, now).unwrap();
    net.run_for(Duration::from_secs(2));
    let ea = net.events(a);
    assert!(
        !ea.iter().any(|e| matches!(e, Event::CallAnswered { .. })),
        "{ea:?}"
    );
    assert_eq!(ended(&ea).map(|e| e.0), Some(EndReason::Cancelled));
    let eb = net.events(b);
    assert!(eb.iter().any(|e| matches!(e, Event::CallConfirmed { .. })));
    assert_eq!(ended(&eb), Some((EndReason::RemoteHangup, None)));
    assert_eq!(net.wire_lines("ACK").len(), 1);
    assert_eq!(net.wire_lines("BYE").len(), 1);
    assert_eq!(
        net.wire_lines("SIP/2.0 200")
            .iter()
            .filter(|m| header(&m.3, "CSeq").unwrap().ends_with("CANCEL"))
            .count(),
        1
    );
}

#[test]
fn hold_and_resume_by_reinvite() {
    let (mut net, a, b) = pair(5);
    let (ca, cb) = establish(&mut net, a, b, TransportKind::Udp);
    net.events(a);
    net.events(b);
    let mut s = AudioSession::new("192.0.2.1".parse().unwrap(), 4000, 1);
    for (ours, theirs) in [
        (Direction::SendOnly, Direction::RecvOnly),
        (Direction::SendRecv, Direction::SendRecv),
    ] {
        let now = net.now;
        s.direction = ours;
        s.bump_version();
        net.ep(a).reinvite(ca, Bytes::from(s.offer()), now).unwrap();
        assert!(net.run_until(b, Duration::from_secs(2), |e| matches!(
            e,
            Event::Reoffer { .. }
        )));
        let offer = net.events(b).into_iter().find_map(|e| match e {
            Event::Reoffer { offer, .. } => offer,
            _ => None,
        });
        let offered = Sdp::parse(std::str::from_utf8(offer.as_ref().unwrap()).unwrap())
            .unwrap()
            .direction(0);
        assert_eq!(offered, ours);
        let bs = AudioSession::new("192.0.2.2".parse().unwrap(), 5000, 2);
        let (ans, _) = sdp_answer(
            &Sdp::parse(std::str::from_utf8(&offer.unwrap()).unwrap()).unwrap(),
            &bs,
        )
        .unwrap();
        let now = net.now;
        net.ep(b).answer_reoffer(cb, Bytes::from(ans), now).unwrap();
        assert!(net.run_until(a, Duration::from_secs(2), |e| matches!(
            e,
            Event::MediaUpdated { .. }
        )));
        let sdp = net.events(a).into_iter().find_map(|e| match e {
            Event::MediaUpdated { sdp, .. } => Some(sdp),
            _ => None,
        });
        let got = Sdp::parse(std::str::from_utf8(&sdp.unwrap()).unwrap())
            .unwrap()
            .direction(0);
        assert_eq!(got, theirs);
    }
    assert_eq!(net.wire_lines("ACK").len(), 3);
    let invites = net.wire_lines("INVITE");
    assert_eq!(
        header(&invites[2].3, "CSeq").unwrap(),
        "3 INVITE",
        "CSeq grows in the dialog"
    );
}

#[test]
fn reinvite_glare_gets_491_and_is_retried() {
    let (mut net, a, b) = pair(6);
    let (ca, cb) = establish(&mut net, a, b, TransportKind::Udp);
    net.events(a);
    net.events(b);
    let now = net.now;
    net.ep(a)
        .reinvite(ca, offer(4000, Direction::SendOnly), now)
        .unwrap();
    net.ep(b)
        .reinvite(cb, offer(5000, Direction::SendOnly), now)
        .unwrap();
    net.run_for(Duration::from_secs(10));
    assert!(net.wire_lines("SIP/2.0 491").len() >= 2);
    // B (not owning the Call-ID) retries first, within 2 s; A waits 2.1–4 s and finds B's
    // offer pending, so it is refused once more and retried after that.
    let ea = net.events(a);
    assert!(
        ea.iter().any(|e| matches!(e, Event::Reoffer { .. })),
        "{ea:?}"
    );
}

#[test]
fn blind_transfer_with_notify_progress() {
    let mut net = Net::new(7);
    let a = net.ua(A, config(71));
    let b = net.ua(B, config(72));
    let c = net.ua("192.0.2.3:5060", config(73));
    let (ca, cb) = establish(&mut net, a, b, TransportKind::Udp);
    net.events(a);
    net.events(b);
    let now = net.now;
    net.ep(a).transfer(ca, "sip:1003@192.0.2.3", now).unwrap();
    assert!(net.run_until(b, Duration::from_secs(2), |e| matches!(
        e,
        Event::TransferRequested { .. }
    )));
    let target = net.events(b).into_iter().find_map(|e| match e {
        Event::TransferRequested {
            refer_to,
            referred_by,
            ..
        } => Some((refer_to, referred_by)),
        _ => None,
    });
    let (refer_to, referred_by) = target.unwrap();
    assert_eq!(refer_to, "sip:1003@192.0.2.3");
    assert_eq!(referred_by.as_deref(), Some("sip:1001@192.0.2.1"));
    let now = net.now;
    let new_call = net
        .ep(b)
        .invite(
            InviteRequest::new(refer_to)
                .from("sip:1002@192.0.2.2")
                .offer(offer(5002, Direction::SendRecv))
                .transfer_of(cb),
            now,
        )
        .unwrap();
    assert!(net.run_until(c, Duration::from_secs(2), |e| matches!(
        e,
        Event::IncomingCall(_)
    )));
    let (cc, _) = incoming(&net.events(c)).unwrap();
    let now = net.now;
    net.ep(c).ringing(cc, None, now).unwrap();
    net.run_for(Duration::from_millis(200));
    let now = net.now;
    net.ep(c)
        .answer(cc, offer(6000, Direction::SendRecv), now)
        .unwrap();
    net.run_for(Duration::from_secs(1));
    let progress: Vec<TransferProgress> = net
        .events(a)
        .into_iter()
        .filter_map(|e| match e {
            Event::TransferProgress { progress, .. } => Some(progress),
            _ => None,
        })
        .collect();
    assert_eq!(
        progress,
        vec![
            TransferProgress::Accepted,
            TransferProgress::Status {
                code: 100,
                done: false
            },
            TransferProgress::Status {
                code: 180,
                done: false
            },
            TransferProgress::Status {
                code: 200,
                done: true
            },
        ]
    );
    let notifies = net.wire_lines("NOTIFY");
    assert_eq!(notifies.len(), 3);
    assert_eq!(header(&notifies[0].3, "Event").unwrap(), "refer");
    assert!(
        header(&notifies[2].3, "Subscription-State")
            .unwrap()
            .starts_with("terminated")
    );
    assert_eq!(
        header(&notifies[0].3, "Content-Type").unwrap(),
        "message/sipfrag;version=2.0"
    );
    assert!(net.ep(b).call_count() == 2, "{new_call:?}");
}

#[test]
fn info_dtmf_both_ways_and_options() {
    let (mut net, a, b) = pair(8);
    let (ca, _cb) = establish(&mut net, a, b, TransportKind::Udp);
    net.events(b);
    let now = net.now;
    for (d, ms) in [('5', 160), ('#', 250)] {
        net.ep(a).send_dtmf_info(ca, d, ms, now).unwrap();
    }
    net.run_for(Duration::from_secs(1));
    let digits: Vec<(char, Option<u32>)> = net
        .events(b)
        .into_iter()
        .filter_map(|e| match e {
            Event::DtmfInfo {
                signal,
                duration_ms,
                ..
            } => Some((signal, duration_ms)),
            _ => None,
        })
        .collect();
    assert_eq!(digits, vec![('5', Some(160)), ('#', Some(250))]);
    let info = &net.wire_lines("INFO")[0].3;
    assert_eq!(
        header(info, "Content-Type").unwrap(),
        "application/dtmf-relay"
    );
    assert!(net.ep(a).send_dtmf_info(ca, 'x', 100, now).is_err());

    // OPTIONS from a raw peer outside any dialog.
    let raw = net.raw("192.0.2.50:5060");
    net.inject(
        raw,
        addr(A),
        TransportKind::Udp,
        &b"OPTIONS sip:1001@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bKopt1;rport\r\n\
           From: <sip:qualify@192.0.2.50>;tag=q\r\nTo: <sip:1001@192.0.2.1>\r\nCall-ID: opt-1\r\nCSeq: 1 OPTIONS\r\n\
           Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"[..],
    );
    net.run_for(Duration::from_millis(100));
    let ok = &net.received(raw, "SIP/2.0 200")[0].2;
    for (h, want) in [
        ("Allow", "INVITE"),
        ("Accept", "application/sdp"),
        ("Supported", "timer"),
    ] {
        assert!(header(ok, h).unwrap().contains(want), "{h}");
    }
    assert!(
        header(ok, "Via")
            .unwrap()
            .contains("rport=5060;received=192.0.2.50")
            || header(ok, "Via").unwrap().contains("received=192.0.2.50")
    );
    assert!(net.events(a).iter().any(
        |e| matches!(e, Event::Options { from_uri, .. } if from_uri == "sip:qualify@192.0.2.50")
    ));
}

#[test]
fn session_timer_refreshes_keep_the_call_and_422_is_retried() {
    let mut net = Net::new(9);
    let mut ca_cfg = config(91);
    ca_cfg.session_timer.expires = Some(100);
    let a = net.ua(A, ca_cfg);
    let mut cb_cfg = config(92);
    cb_cfg.session_timer.min_se = 120;
    let b = net.ua(B, cb_cfg);
    let (_ca, _cb) = establish(&mut net, a, b, TransportKind::Udp);
    assert_eq!(net.wire_lines("SIP/2.0 422").len(), 1);
    let invites = net.wire_lines("INVITE");
    assert_eq!(header(&invites[1].3, "Session-Expires").unwrap(), "120");
    let ok = net.wire_lines("SIP/2.0 200");
    assert_eq!(
        header(&ok[0].3, "Session-Expires").unwrap(),
        "120;refresher=uas"
    );
    net.events(a);
    net.events(b);
    // B refreshes every 60 s with UPDATE (A allows it); the call lives for ten minutes.
    net.run_for(Duration::from_secs(600));
    let updates = net.wire_lines("UPDATE");
    assert!(updates.len() >= 9, "{}", updates.len());
    assert!(updates.iter().all(|u| u.1 == addr(B)));
    assert_eq!(ended(&net.events(a)), None);
    assert_eq!(ended(&net.events(b)), None);
    // B disappears: A (not the refresher) ends the session before it expires.
    net.blackholes.push(addr(B));
    net.run_for(Duration::from_secs(200));
    assert_eq!(
        ended(&net.events(a)).map(|e| e.0),
        Some(EndReason::SessionExpired)
    );
}

#[test]
fn call_survives_a_lossy_duplicating_reordering_link() {
    for seed in 0..8 {
        let (mut net, a, b) = pair(100 + seed);
        net.link.loss = 0.3;
        net.link.duplicate = 0.2;
        net.link.jitter = Duration::from_millis(80);
        let (ca, _cb) = establish(&mut net, a, b, TransportKind::Udp);
        let eb = net.events(b);
        // `establish` took the first IncomingCall: retransmitted INVITEs made no other.
        assert_eq!(
            eb.iter()
                .filter(|e| matches!(e, Event::IncomingCall(_)))
                .count(),
            0,
            "seed {seed}: retransmissions absorbed"
        );
        assert_eq!(
            eb.iter()
                .filter(|e| matches!(e, Event::CallConfirmed { .. }))
                .count(),
            1,
            "seed {seed}"
        );
        assert_eq!(
            net.events(a)
                .iter()
                .filter(|e| matches!(e, Event::CallAnswered { .. }))
                .count(),
            1,
            "seed {seed}"
        );
        let now = net.now;
        net.ep(a).hangup(ca, now).unwrap();
        assert!(
            net.run_until(a, Duration::from_secs(40), |e| matches!(
                e,
                Event::CallEnded { .. }
            )),
            "seed {seed}"
        );
        assert!(
            net.run_until(b, Duration::from_secs(40), |e| matches!(
                e,
                Event::CallEnded { .. }
            )),
            "seed {seed}"
        );
        net.run_for(Duration::from_secs(60));
        assert_eq!(net.ep(a).call_count() + net.ep(b).call_count(), 0);
        assert_eq!(net.ep(a).transaction_count(), (0, 0), "seed {seed}");
    }
}
