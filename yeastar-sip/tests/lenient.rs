//! What lenient mode accepts and strict mode refuses, header by header.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use yeastar_sip::{Algorithm, ErrorKind, Message, Mode, Uri};

fn request(headers: &str) -> Vec<u8> {
    format!(
        "INVITE sip:1001@pbx.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nCSeq: 1 INVITE\r\n{headers}Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn hash_in_user_part() {
    let uri = Uri::parse_mode("sip:*72#1001@pbx.example.com", Mode::Lenient).expect("lenient");
    assert_eq!(uri.as_sip().and_then(|s| s.user), Some("*72#1001"));
    assert!(Uri::parse_mode("sip:*72#1001@pbx.example.com", Mode::Strict).is_err());
    assert!(Uri::parse_mode("sip:*72%231001@pbx.example.com", Mode::Strict).is_ok());
}

#[test]
fn quoted_uri_parameter() {
    let text = "sip:1001@pbx.example.com;x-info=\"a;b\";lr";
    let uri = Uri::parse_mode(text, Mode::Lenient).expect("lenient");
    let sip = uri.as_sip().expect("sip");
    assert_eq!(sip.params.value("x-info"), Some("a;b"));
    assert!(sip.is_loose_route());
    assert!(Uri::parse_mode(text, Mode::Strict).is_err());
}

#[test]
fn unquoted_display_name_with_odd_characters() {
    let bytes = request(
        "From: Müller, Hans <sip:1002@pbx.example.com>;tag=1\r\nTo: <sip:1001@pbx.example.com>\r\n",
    );
    let msg = Message::parse(&bytes).expect("lenient");
    let from = msg.from().expect("typed").expect("present");
    assert_eq!(from.display_name, Some("Müller, Hans"));
    let err = Message::parse_strict(&bytes).expect_err("strict");
    assert!(matches!(err.kind, ErrorKind::InvalidHeader { .. }));
}

#[test]
fn extra_and_missing_spaces() {
    let bytes = b"INVITE  sip:1001@pbx.example.com  SIP/2.0 \r\nVia:SIP/2.0/UDP 192.0.2.1 ;branch=z9hG4bK1 ;rport\r\nCSeq:1 INVITE\r\nFrom:\"A\"<sip:a@b>;tag=1\r\nContent-Length:0\r\n\r\n";
    let msg = Message::parse(bytes).expect("lenient");
    assert_eq!(
        msg.request_uri().map(|u| u.to_string()).as_deref(),
        Some("sip:1001@pbx.example.com")
    );
    let via = msg.top_via().expect("via").expect("present");
    assert_eq!((via.branch(), via.rport()), (Some("z9hG4bK1"), Some(None)));
    assert!(Message::parse_strict(bytes).is_err());
}

#[test]
fn typed_identity_and_auth_headers() {
    let bytes = request(concat!(
        "From: <sip:1002@pbx.example.com>;tag=1\r\nTo: <sip:1001@pbx.example.com>\r\n",
        "P-Asserted-Identity: \"Carol\" <sip:+15550001111@carrier.example.net;user=phone>, <tel:+15550001111>\r\n",
        "Diversion: <sip:2000@pbx.example.com>;reason=unconditional;counter=1\r\n",
        "Proxy-Authorization: Digest username=\"1002\", realm=\"pbx\", nonce=\"n\", uri=\"sip:1001@pbx.example.com\", response=\"abc\", algorithm=SHA-512-256, qop=auth, nc=00000001, cnonce=\"c\"\r\n",
        "Subscription-State: active;expires=3600\r\nEvent: dialog;id=7\r\n",
        "Replaces: 3_22@192.0.2.1;to-tag=a;from-tag=b;early-only\r\n",
        "Refer-To: <sip:1003@pbx.example.com?Replaces=3_22%40192.0.2.1%3Bto-tag%3Da>\r\n",
        "Contact: *\r\nExpires: 0\r\n",
    ));
    for mode in [Mode::Lenient, Mode::Strict] {
        let opts = yeastar_sip::ParseOptions {
            mode,
            ..Default::default()
        };
        let msg = Message::parse_with(&bytes, &opts).expect("parses");
        msg.validate_headers().expect("every header types");
        let pai: Vec<_> = msg
            .p_asserted_identity()
            .collect::<Result<_, _>>()
            .expect("pai");
        assert_eq!(pai.len(), 2);
        assert_eq!(pai[1].uri.scheme(), "tel");
        let div = msg.diversion().next().expect("diversion").expect("typed");
        assert_eq!(div.params.value("reason"), Some("unconditional"));
        let cred = msg
            .proxy_authorization()
            .next()
            .expect("auth")
            .expect("typed");
        assert_eq!(cred.algorithm(), Algorithm::Sha512_256);
        assert_eq!(
            (cred.username(), cred.nc()),
            (Some("1002"), Some("00000001"))
        );
        let state = msg.subscription_state().expect("typed").expect("present");
        assert_eq!((state.state, state.expires()), ("active", Some(3600)));
        assert_eq!(
            msg.event().expect("typed").map(|e| e.package),
            Some("dialog")
        );
        let r = msg.replaces().expect("typed").expect("present");
        assert_eq!(
            (r.call_id, r.to_tag(), r.from_tag(), r.early_only()),
            ("3_22@192.0.2.1", Some("a"), Some("b"), true)
        );
        assert!(
            msg.contacts()
                .next()
                .expect("contact")
                .expect("typed")
                .address()
                .is_none()
        );
        assert_eq!(msg.expires().expect("typed"), Some(0));
    }
}

#[test]
fn multiple_challenges_and_qop_lists() {
    let bytes = b"SIP/2.0 407 Proxy Authentication Required\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nCSeq: 1 INVITE\r\nProxy-Authenticate: Digest realm=\"pbx\", nonce=\"n1\", algorithm=SHA-256, qop=\"auth,auth-int\", stale=TRUE\r\nProxy-Authenticate: Digest realm=\"pbx\", nonce=\"n2\", algorithm=MD5\r\nContent-Length: 0\r\n\r\n";
    let msg = Message::parse_strict(bytes).expect("strict");
    let c: Vec<_> = msg
        .proxy_authenticate()
        .collect::<Result<_, _>>()
        .expect("typed");
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].algorithm(), Algorithm::Sha256);
    assert_eq!(c[0].qop().collect::<Vec<_>>(), ["auth", "auth-int"]);
    assert!(c[0].stale());
    assert_eq!(
        (c[1].nonce(), c[1].algorithm()),
        (Some("n2"), Algorithm::Md5)
    );
}
