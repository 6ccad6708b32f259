//! Property tests: build → serialise → parse gives back what was built, for messages,
//! URIs and SDP; and the parser never panics on arbitrary input.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use proptest::prelude::*;
use yeastar_sip::sdp::{Attribute, Connection, Media, Origin, Sdp};
use yeastar_sip::{Host, Message, MessageBuilder, Mode, ParseOptions, StreamFramer, Uri};

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,11}"
}

fn domain() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,8}(\\.[a-z][a-z0-9]{0,8}){0,3}"
}

#[derive(Debug, Clone)]
enum HostPart {
    Domain(String),
    V4([u8; 4]),
    V6([u16; 8]),
}

impl HostPart {
    fn text(&self) -> String {
        match self {
            Self::Domain(d) => d.clone(),
            Self::V4(o) => format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3]),
            Self::V6(s) => format!("[{}]", std::net::Ipv6Addr::from(*s)),
        }
    }
}

fn host() -> impl Strategy<Value = HostPart> {
    prop_oneof![
        domain().prop_map(HostPart::Domain),
        any::<[u8; 4]>().prop_map(HostPart::V4),
        any::<[u16; 8]>().prop_map(HostPart::V6),
    ]
}

#[derive(Debug, Clone)]
struct UriParts {
    secure: bool,
    user: Option<String>,
    host: HostPart,
    port: Option<u16>,
    params: Vec<(String, Option<String>)>,
}

impl UriParts {
    fn text(&self) -> String {
        let mut s = String::from(if self.secure { "sips:" } else { "sip:" });
        if let Some(u) = &self.user {
            s.push_str(u);
            s.push('@');
        }
        s.push_str(&self.host.text());
        if let Some(p) = self.port {
            s.push_str(&format!(":{p}"));
        }
        for (n, v) in &self.params {
            s.push(';');
            s.push_str(n);
            if let Some(v) = v {
                s.push('=');
                s.push_str(v);
            }
        }
        s
    }
}

fn uri_parts() -> impl Strategy<Value = UriParts> {
    (
        any::<bool>(),
        proptest::option::of(
            "[A-Za-z0-9_.!~*'()&=+$,;?/-]{1,12}|\\+?[0-9]{3,12}|%[0-9A-F]{2}[a-z]{1,4}",
        ),
        host(),
        proptest::option::of(any::<u16>()),
        proptest::collection::vec(
            (
                "[a-z][a-z0-9-]{0,7}",
                proptest::option::of("[A-Za-z0-9.-]{1,8}"),
            ),
            0..4,
        ),
    )
        .prop_map(|(secure, user, host, port, params)| UriParts {
            secure,
            user,
            host,
            port,
            params,
        })
}

proptest! {
    #[test]
    fn uri_round_trip(parts in uri_parts()) {
        let text = parts.text();
        let uri = Uri::parse_mode(&text, Mode::Strict).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let sip = uri.as_sip().expect("sip");
        prop_assert_eq!(sip.secure, parts.secure);
        prop_assert_eq!(sip.user, parts.user.as_deref());
        prop_assert_eq!(sip.port, parts.port);
        match (&parts.host, sip.host) {
            (HostPart::Domain(d), Host::Domain(h)) => prop_assert_eq!(d.as_str(), h),
            (HostPart::V4(o), Host::Ipv4(ip)) => prop_assert_eq!(ip.octets(), *o),
            (HostPart::V6(s), h) => prop_assert_eq!(h.ipv6(), Some(std::net::Ipv6Addr::from(*s))),
            (expected, got) => prop_assert!(false, "{expected:?} parsed as {got:?}"),
        }
        let params: Vec<(String, Option<String>)> = sip
            .params
            .iter()
            .map(|p| (p.name.to_string(), p.value.map(str::to_string)))
            .collect();
        prop_assert_eq!(params, parts.params.clone());
        prop_assert_eq!(uri.to_string(), text);
    }

    #[test]
    fn message_round_trip(
        method in "[A-Z]{3,10}",
        ruri in uri_parts(),
        from_uri in uri_parts(),
        display in proptest::option::of("[A-Za-z0-9 ,.<>@;:\\\\\"-]{0,16}"),
        tag in token(),
        branch in "[A-Za-z0-9.-]{1,16}",
        call_id in "[A-Za-z0-9.!%*_+`'~()<>:\"/?{}-]{1,20}(@[a-z0-9.]{1,10})?",
        seq in any::<u32>(),
        via_host in host(),
        extra in proptest::collection::vec(("X-[A-Za-z0-9-]{1,10}", "[ -~]{0,30}"), 0..40),
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let quoted = display.as_ref().map(|d| {
            let escaped = d.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{escaped}\" ")
        });
        let from = format!("{}<{}>;tag={tag}", quoted.clone().unwrap_or_default(), from_uri.text());
        let via = format!("SIP/2.0/TCP {};branch=z9hG4bK{branch};rport", via_host.text());
        let cseq = format!("{seq} {method}");
        let mut builder = MessageBuilder::request(method.as_str(), ruri.text())
            .header("Via", via.as_str())
            .header("From", from.as_str())
            .header("To", format!("<{}>", ruri.text()))
            .header("Call-ID", call_id.as_str())
            .header("CSeq", cseq.as_str())
            .header("Max-Forwards", "70");
        for (n, v) in &extra {
            builder.push_header(n.as_str(), v.trim());
        }
        let bytes = builder.body(body.clone()).to_bytes();
        let msg = Message::parse_strict(&bytes).map_err(|e| TestCaseError::fail(format!("{e}\n{}", String::from_utf8_lossy(&bytes))))?;
        msg.validate_headers().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(msg.method(), Some(method.as_str()));
        prop_assert_eq!(msg.request_uri().map(|u| u.to_string()), Some(ruri.text()));
        let f = msg.from().expect("from").expect("present");
        prop_assert_eq!(f.tag(), Some(tag.as_str()));
        prop_assert_eq!(f.display_name_text().map(|d| d.into_owned()), display.clone());
        prop_assert_eq!(f.uri.to_string(), from_uri.text());
        let v = msg.top_via().expect("via").expect("present");
        let expected_branch = format!("z9hG4bK{branch}");
        prop_assert_eq!(v.branch(), Some(expected_branch.as_str()));
        prop_assert_eq!(v.rport(), Some(None));
        prop_assert_eq!(msg.call_id().expect("call-id"), Some(call_id.as_str()));
        let c = msg.cseq().expect("cseq").expect("present");
        prop_assert_eq!((c.seq, c.method), (seq, method.as_str()));
        prop_assert_eq!(msg.header_count(), 7 + extra.len());
        prop_assert_eq!(msg.body(), &body[..]);
        // Lossless: an unedited message serialises to the same bytes.
        prop_assert_eq!(MessageBuilder::from_message(&msg).to_bytes(), bytes.clone());
        // The stream framer agrees with the datagram parser at any split.
        let split = (seq as usize) % (bytes.len() + 1);
        let mut framer = StreamFramer::new(ParseOptions::strict());
        framer.push(&bytes[..split]).expect("push");
        let early = framer.next_message().expect("frame");
        framer.push(&bytes[split..]).expect("push");
        let owned = match early {
            Some(m) => m,
            None => framer.next_message().expect("frame").expect("complete"),
        };
        prop_assert_eq!(owned.message().as_bytes(), msg.as_bytes());
    }

    #[test]
    fn parser_never_panics(input in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Message::parse(&input).map(|m| m.validate_headers());
        let _ = Message::parse_strict(&input);
        let mut framer = StreamFramer::new(ParseOptions::default());
        if framer.push(&input).is_ok() {
            while let Ok(Some(_)) = framer.next_message() {}
        }
    }

    #[test]
    fn mutated_corpus_never_panics(index in 0usize..38, cuts in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..8)) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/realistic");
        let mut files: Vec<_> = std::fs::read_dir(dir).expect("dir").map(|e| e.expect("entry").path()).collect();
        files.sort();
        let mut bytes = std::fs::read(&files[index]).expect("read");
        for (at, b) in cuts {
            let at = usize::from(at) % bytes.len();
            bytes[at] = b;
        }
        if let Ok(m) = Message::parse(&bytes) {
            let _ = m.validate_headers();
            let _ = MessageBuilder::from_message(&m).to_bytes();
            for v in m.vias().chain(m.vias()) { let _ = v; }
            for c in m.contacts() { let _ = c; }
        }
        let _ = Message::parse_strict(&bytes);
    }

    #[test]
    fn sdp_round_trip(
        user in "[a-z-]{1,8}",
        sess in "[0-9]{1,18}",
        addr in any::<[u8; 4]>(),
        media in proptest::collection::vec(
            (
                prop_oneof![Just("audio"), Just("video"), Just("application")],
                any::<u16>(),
                prop_oneof![Just("RTP/AVP"), Just("UDP/TLS/RTP/SAVPF"), Just("RTP/SAVP")],
                proptest::collection::vec("[0-9]{1,3}", 1..6),
                proptest::collection::vec(("[a-z][a-z0-9-]{0,10}", proptest::option::of("[ -~]{1,20}")), 0..8),
            ),
            0..4,
        ),
    ) {
        let address = format!("{}.{}.{}.{}", addr[0], addr[1], addr[2], addr[3]);
        let attrs: Vec<Vec<(String, Option<String>)>> = media
            .iter()
            .map(|m| m.4.iter().map(|(n, v)| (n.clone(), v.as_ref().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()))).collect())
            .collect();
        let sdp = Sdp {
            origin: Origin {
                username: &user,
                session_id: &sess,
                session_version: &sess,
                net_type: "IN",
                addr_type: "IP4",
                address: &address,
            },
            session_name: "-",
            info: Vec::new(),
            connection: Some(Connection { net_type: "IN", addr_type: "IP4", address: &address }),
            bandwidths: Vec::new(),
            times: vec![("0", "0")],
            timing_extra: Vec::new(),
            attributes: vec![Attribute { name: "msid-semantic", value: Some(" WMS") }],
            media: media
                .iter()
                .zip(&attrs)
                .map(|(m, a)| Media {
                    kind: m.0,
                    port: m.1,
                    port_count: None,
                    protocol: m.2,
                    formats: m.3.iter().map(String::as_str).collect(),
                    title: None,
                    connection: None,
                    bandwidths: Vec::new(),
                    attributes: a.iter().map(|(n, v)| Attribute { name: n, value: v.as_deref() }).collect(),
                })
                .collect(),
        };
        let text = sdp.to_string();
        let parsed = Sdp::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(parsed, sdp);
    }
}
