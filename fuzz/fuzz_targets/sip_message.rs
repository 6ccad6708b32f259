//! The datagram SIP parser over arbitrary bytes, in both modes, with every typed header read.
//!
//! Invariants checked:
//! - no panic, whatever the input;
//! - a message strict mode accepts, lenient mode accepts too, with the same header count;
//! - the message and its body lie inside the input;
//! - an unedited message reserialises byte for byte, and the result parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yeastar_sip::{Message, MessageBuilder};

fn read_everything(msg: &Message<'_>) {
    let _ = msg.validate_headers();
    let _ = msg.request_uri();
    for v in msg.vias() {
        if let Ok(v) = v {
            let _ = (v.branch(), v.received(), v.rport(), v.host.ipv6());
        }
    }
    for c in msg.contacts() {
        if let Ok(c) = c {
            let _ = (c.expires(), c.q(), c.sip_instance(), c.reg_id());
        }
    }
    if let Ok(Some(f)) = msg.from() {
        let _ = (f.tag(), f.display_name_text());
        if let Some(sip) = f.uri.as_sip() {
            let _ = sip.user_decoded();
            let _ = sip.header_pairs().count();
        }
    }
    let _ = (msg.to(), msg.call_id(), msg.cseq(), msg.max_forwards(), msg.content_type());
    for c in msg.www_authenticate().chain(msg.proxy_authenticate()) {
        if let Ok(c) = c {
            let _ = (c.realm(), c.nonce(), c.algorithm(), c.qop().count(), c.stale());
        }
    }
    for c in msg.authorization() {
        if let Ok(c) = c {
            let _ = (c.username(), c.response(), c.algorithm());
        }
    }
    let _ = (msg.expires(), msg.allow(), msg.supported(), msg.event(), msg.subscription_state());
    let _ = (msg.refer_to(), msg.replaces(), msg.session_expires(), msg.date(), msg.retry_after());
    let _ = msg.warnings().count() + msg.reasons().count() + msg.routes().count();
}

fuzz_target!(|data: &[u8]| {
    let lenient = Message::parse(data);
    let strict = Message::parse_strict(data);
    if let Ok(s) = &strict {
        let l = lenient.as_ref().expect("strict accepts, lenient must too");
        assert_eq!(s.header_count(), l.header_count());
        assert_eq!(s.body(), l.body());
    }
    if let Ok(msg) = &lenient {
        let start = msg.as_bytes().as_ptr() as usize - data.as_ptr() as usize;
        assert!(start + msg.as_bytes().len() <= data.len());
        read_everything(msg);
        let out = MessageBuilder::from_message(msg).to_bytes();
        assert_eq!(out, msg.as_bytes());
        let again = Message::parse(&out).expect("reserialised message parses");
        assert_eq!(again.header_count(), msg.header_count());
        assert_eq!(again.body(), msg.body());
    }
});
