//! Builder and lossless edit.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use yeastar_sip::{HeaderName, Message, MessageBuilder};

fn corpus() -> Vec<(PathBuf, Vec<u8>)> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut out = Vec::new();
    for dir in [
        "realistic",
        "wellformed",
        "ipv6",
        "asterisk/sip",
        "asterisk/ws",
    ] {
        for e in fs::read_dir(base.join(dir)).expect("dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "sip" || x == "dat") {
                let bytes = fs::read(&p).expect("read");
                out.push((p, bytes));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn untouched_messages_reserialise_byte_identical() {
    let mut n = 0;
    for (path, bytes) in corpus() {
        let Ok(msg) = Message::parse(&bytes) else {
            continue;
        };
        let out = MessageBuilder::from_message(&msg).to_bytes();
        assert_eq!(out, msg.as_bytes(), "{}", path.display());
        n += 1;
    }
    assert!(n >= 38 + 30 + 11 + 33 + 25, "only {n} messages");
}

#[test]
fn push_via_keeps_everything_else_identical() {
    for (path, bytes) in corpus() {
        let Ok(msg) = Message::parse(&bytes) else {
            continue;
        };
        if msg.headers_of(HeaderName::Via).next().is_none() {
            continue;
        }
        let mut edit = MessageBuilder::from_message(&msg);
        let new_via = "SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKproxy1";
        edit.prepend_header("Via", new_via);
        let out = edit.to_bytes();
        // The new line appears right before the first Via line; nothing else moves.
        let first_via = msg.headers_of(HeaderName::Via).next().expect("via");
        let msg_start = msg.as_bytes().as_ptr() as usize - bytes.as_ptr() as usize;
        let start = first_via.name_offset - msg_start;
        let mut expected = msg.as_bytes()[..start].to_vec();
        expected.extend_from_slice(format!("Via: {new_via}\r\n").as_bytes());
        expected.extend_from_slice(&msg.as_bytes()[start..]);
        assert_eq!(out, expected, "{}", path.display());
        let again = Message::parse(&out).expect("reparses");
        let top = again.top_via().expect("via").expect("present");
        assert_eq!(top.branch(), Some("z9hG4bKproxy1"));
        assert_eq!(again.vias().count(), msg.vias().count() + 1);
        assert_eq!(again.body(), msg.body());
    }
}

#[test]
fn response_copies_record_route_and_dialog_headers() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/realistic/31_invite_proxied_multivia_rr.sip");
    let bytes = fs::read(path).expect("read");
    let invite = Message::parse(&bytes).expect("parses");
    let mut resp = MessageBuilder::response_to(&invite, 200, "OK");
    resp.copy_headers(&invite, HeaderName::RecordRoute)
        .push_header("Contact", "<sip:1001@192.168.10.20:5060>")
        .set_header("To", "<sip:1001@pbx.example.com>;tag=resp1")
        .push_header("Content-Type", "application/sdp")
        .set_body(&b"v=0\r\n"[..]);
    let out = resp.to_bytes();
    let msg = Message::parse_strict(&out).expect("strict parse");
    assert_eq!(msg.status(), Some(200));
    assert_eq!(msg.vias().count(), 3);
    assert_eq!(msg.record_routes().count(), 2);
    assert_eq!(msg.to().expect("to").expect("present").tag(), Some("resp1"));
    assert_eq!(
        msg.call_id().expect("call-id"),
        invite.call_id().expect("call-id")
    );
    assert_eq!(msg.content_length(), Some(5));
    assert_eq!(msg.body(), b"v=0\r\n");
}

#[test]
fn remove_and_replace_headers() {
    let wire = b"MESSAGE sip:a@example.com SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nX-A: 1\r\nX-A: 2\r\nl: 2\r\n\r\nhi";
    let msg = Message::parse(wire).expect("parses");
    let mut edit = MessageBuilder::from_message(&msg);
    assert_eq!(edit.remove_headers("x-a"), 2);
    edit.set_header("Content-Length", "2");
    edit.set_body(&b"hello"[..]);
    let out = edit.to_bytes();
    assert_eq!(
        out,
        b"MESSAGE sip:a@example.com SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nl: 5\r\n\r\nhello"
    );
    let mut edit = MessageBuilder::from_message(&msg);
    edit.set_request_uri("sip:b@example.com");
    assert!(edit.remove_first("Via").is_some());
    let out = edit.to_bytes();
    assert!(out.starts_with(b"MESSAGE sip:b@example.com SIP/2.0\r\nX-A: 1\r\n"));
}

#[test]
fn whitespace_only_continuation_lines_are_kept() {
    // Found by fuzzing: a folded line holding only whitespace (and a bare LF).
    let wire = b"OPTIONS sip:a@b SIP/2.0\r\nTo: <sip:a@b>\r\n \nX-Empty:\r\n \t\r\nl: 0\r\n\r\n";
    let msg = Message::parse(wire).expect("parses");
    assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), wire);
}
