//! Conformance corpus: RFC 4475, RFC 5118, realistic PBX traffic and Asterisk captures.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use yeastar_sip::{Message, Mode, ParseOptions};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// Rows of a manifest: (name, expected, dir).
fn manifest(
    rel: &str,
    dir_col: Option<usize>,
    expected_col: usize,
) -> Vec<(String, String, String)> {
    let text = fs::read_to_string(data(rel)).expect("manifest");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let dir = dir_col.map_or("ipv6".to_string(), |c| cols[c].to_string());
            (cols[0].to_string(), cols[expected_col].to_string(), dir)
        })
        .collect()
}

fn read(dir: &str, name: &str, ext: &str) -> Vec<u8> {
    fs::read(data(&format!("{dir}/{name}.{ext}"))).expect("corpus file")
}

fn opts(mode: Mode) -> ParseOptions {
    ParseOptions {
        mode,
        ..ParseOptions::default()
    }
}

/// Parses and types every known header; the message is accepted only if all of it is.
fn accept(bytes: &[u8], mode: Mode) -> Result<Message<'_>, yeastar_sip::ParseError> {
    let msg = Message::parse_with(bytes, &opts(mode))?;
    msg.validate_headers()?;
    Ok(msg)
}

#[test]
fn rfc4475_wellformed_accepted_in_both_modes() {
    let rows = manifest("manifest.tsv", Some(2), 3);
    let valid: Vec<_> = rows.iter().filter(|r| r.1 == "valid").collect();
    let semantic: Vec<_> = rows
        .iter()
        .filter(|r| r.1 == "valid-syntax-but-semantic-error")
        .collect();
    assert_eq!(valid.len(), 13);
    assert_eq!(semantic.len(), 17);
    for (name, _, dir) in valid.iter().chain(semantic.iter()) {
        let bytes = read(dir, name, "dat");
        for mode in [Mode::Lenient, Mode::Strict] {
            let msg = Message::parse_with(&bytes, &opts(mode))
                .unwrap_or_else(|e| panic!("{name} rejected in {mode:?}: {e}"));
            assert!(msg.header_count() > 0, "{name}");
        }
    }
    // The §3.1.1 messages are fully valid: every known header types in both modes.
    for (name, _, dir) in &valid {
        let bytes = read(dir, name, "dat");
        for mode in [Mode::Lenient, Mode::Strict] {
            accept(&bytes, mode).unwrap_or_else(|e| panic!("{name} headers in {mode:?}: {e}"));
        }
    }
}

#[test]
fn rfc4475_malformed_rejected_in_strict_mode() {
    let rows = manifest("manifest.tsv", Some(2), 3);
    let invalid: Vec<_> = rows.iter().filter(|r| r.1 == "invalid-syntax").collect();
    assert_eq!(invalid.len(), 19);
    let mut lenient_rejected = 0;
    for (name, _, dir) in &invalid {
        let bytes = read(dir, name, "dat");
        let err = Message::parse_strict(&bytes).err();
        assert!(err.is_some(), "{name} accepted in strict mode");
        if accept(&bytes, Mode::Lenient).is_err() {
            lenient_rejected += 1;
        }
    }
    // Lenient mode still refuses most of them once every header is typed.
    assert!(
        lenient_rejected >= 12,
        "lenient rejected only {lenient_rejected}"
    );
}

#[test]
fn rfc4475_specific_errors() {
    use yeastar_sip::ErrorKind as K;
    let kind = |name: &str| {
        Message::parse_strict(&read("malformed", name, "dat"))
            .err()
            .map(|e| e.kind)
    };
    assert_eq!(kind("mismatch01"), Some(K::CSeqMethodMismatch));
    assert_eq!(kind("mismatch02"), Some(K::CSeqMethodMismatch));
    assert_eq!(kind("badvers"), Some(K::UnsupportedVersion));
    assert_eq!(kind("bigcode"), Some(K::InvalidStatusCode));
    assert_eq!(kind("ncl"), Some(K::InvalidContentLength));
    assert!(matches!(
        kind("clerr"),
        Some(K::BodyTruncated { declared: 9999, .. })
    ));
    assert_eq!(kind("baddn"), Some(K::UnterminatedHead));
    assert_eq!(kind("ltgtruri"), Some(K::InvalidRequestUri));
    assert_eq!(kind("escruri"), Some(K::InvalidRequestUri));
    assert_eq!(kind("lwsruri"), Some(K::InvalidRequestUri));
    assert_eq!(kind("lwsstart"), Some(K::InvalidRequestUri));
    assert_eq!(kind("trws"), Some(K::InvalidStartLine));
}

#[test]
fn rfc4475_details() {
    let bytes = read("wellformed", "wsinv", "dat");
    let msg = Message::parse_strict(&bytes).expect("wsinv");
    let to = msg.to().expect("To").expect("present");
    assert_eq!(to.tag(), Some("1918181833n"));
    let from = msg.from().expect("From").expect("present");
    assert_eq!(from.display_name, Some("\"J Rosenberg \\\\\\\"\""));
    assert_eq!(
        from.display_name_text().as_deref(),
        Some("J Rosenberg \\\"")
    );
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(msg.max_forwards().expect("MF"), Some(68));
    let cseq = msg.cseq().expect("CSeq").expect("present");
    assert_eq!((cseq.seq, cseq.method), (9, "INVITE"));
    let vias: Vec<_> = msg.vias().collect::<Result<_, _>>().expect("vias");
    assert_eq!(vias.len(), 3);
    assert_eq!(vias[1].transport, "TCP");
    assert_eq!(vias[2].branch(), Some("z9hG4bK30239"));
    let contact = msg.contacts().next().expect("contact").expect("parses");
    assert_eq!(contact.q(), Some("0.33"));
    assert_eq!(msg.body().len(), 150);

    // Trailing octets after Content-Length are ignored in a datagram.
    let bytes = read("wellformed", "dblreq", "dat");
    let msg = Message::parse_strict(&bytes).expect("dblreq");
    assert!(msg.as_bytes().len() < bytes.len());
    assert_eq!(msg.body(), b"");

    // ';' inside the user part of a Request-URI.
    let bytes = read("wellformed", "semiuri", "dat");
    let msg = Message::parse_strict(&bytes).expect("semiuri");
    let uri = msg.request_uri().expect("uri");
    let sip = uri.as_sip().expect("sip");
    assert_eq!(sip.user, Some("user;par=u%40example.net"));
    assert_eq!(
        sip.user_decoded().as_deref(),
        Some(&b"user;par=u@example.net"[..])
    );

    // Contact param outside <> versus URI param inside.
    let msg_bytes = read("wellformed", "cparam01", "dat");
    let msg = Message::parse_strict(&msg_bytes).expect("cparam01");
    let c = msg.contacts().next().expect("c").expect("ok");
    let a = c.address().expect("address");
    assert!(a.params.contains("unknownparam"));
    assert!(a.uri.as_sip().expect("sip").params.is_empty());

    let msg_bytes = read("wellformed", "cparam02", "dat");
    let msg = Message::parse_strict(&msg_bytes).expect("cparam02");
    let c = msg.contacts().next().expect("c").expect("ok");
    let a = c.address().expect("address");
    assert!(a.uri.as_sip().expect("sip").params.contains("unknownparam"));
    assert!(a.params.is_empty());
}

#[test]
fn rfc5118_ipv6() {
    let rows = manifest("ipv6/manifest.tsv", None, 2);
    assert_eq!(rows.len(), 12);
    let mut accepted = 0;
    for (name, expected, dir) in &rows {
        let bytes = read(dir, name, "dat");
        for mode in [Mode::Lenient, Mode::Strict] {
            let result = accept(&bytes, mode);
            if expected == "valid" {
                result.unwrap_or_else(|e| panic!("{name} rejected in {mode:?}: {e}"));
            } else {
                assert!(result.is_err(), "{name} accepted in {mode:?}");
            }
        }
        if expected == "valid" {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 11);

    let bytes = read("ipv6", "port-ambiguous", "dat");
    let msg = Message::parse_strict(&bytes).expect("parses");
    let uri = msg.request_uri().expect("uri");
    let sip = uri.as_sip().expect("sip");
    assert_eq!(sip.host, yeastar_sip::Host::Ipv6("2001:db8::10:5070"));
    assert_eq!(sip.port, None);

    let bytes = read("ipv6", "port-unambiguous", "dat");
    let msg = Message::parse_strict(&bytes).expect("parses");
    let uri = msg.request_uri().expect("uri");
    let sip = uri.as_sip().expect("sip");
    assert_eq!(sip.host.ipv6(), "2001:db8::10".parse().ok());
    assert_eq!(sip.port, Some(5070));

    let bytes = read("ipv6", "via-received-param-no-delim", "dat");
    let msg = Message::parse_strict(&bytes).expect("parses");
    let via = msg.top_via().expect("via").expect("present");
    assert_eq!(via.received(), Some("2001:db8::9:255"));
}

fn realistic_files() -> Vec<PathBuf> {
    let mut files: Vec<_> = fs::read_dir(data("realistic"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sip"))
        .collect();
    files.sort();
    files
}

/// Calls every typed accessor and asserts each succeeds.
fn type_everything(msg: &Message<'_>, name: &str) {
    msg.validate_headers()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(msg.top_via().expect("via").is_some(), "{name}: Via");
    for v in msg.vias() {
        v.unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert!(msg.from().expect("from").is_some(), "{name}: From");
    assert!(msg.to().expect("to").is_some(), "{name}: To");
    assert!(msg.call_id().expect("call-id").is_some(), "{name}: Call-ID");
    assert!(msg.cseq().expect("cseq").is_some(), "{name}: CSeq");
    msg.max_forwards().unwrap_or_else(|e| panic!("{name}: {e}"));
    for c in msg.contacts() {
        c.unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for r in msg
        .routes()
        .chain(msg.record_routes())
        .chain(msg.p_asserted_identity())
        .chain(msg.diversion())
    {
        r.unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    msg.content_type().unwrap_or_else(|e| panic!("{name}: {e}"));
    for c in msg.www_authenticate().chain(msg.proxy_authenticate()) {
        let c = c.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(c.realm().is_some() && c.nonce().is_some(), "{name}");
    }
    for c in msg.authorization().chain(msg.proxy_authorization()) {
        let c = c.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(c.username().is_some() && c.response().is_some(), "{name}");
    }
    msg.expires().unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.min_expires().unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.min_se().unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.allow().unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.supported().unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.require().unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.event().unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.subscription_state()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.refer_to().unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.referred_by().unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.replaces().unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.session_expires()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    msg.date().unwrap_or_else(|e| panic!("{name}: {e}"));
    for r in msg.reasons() {
        r.unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let body_len = msg.content_length().unwrap_or(0);
    assert_eq!(msg.body().len(), body_len, "{name}: body");
}

#[test]
fn realistic_all_accepted_with_every_header_typed() {
    let files = realistic_files();
    assert_eq!(files.len(), 38);
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let bytes = fs::read(path).expect("read");
        for mode in [Mode::Lenient, Mode::Strict] {
            let msg = Message::parse_with(&bytes, &opts(mode))
                .unwrap_or_else(|e| panic!("{name} rejected in {mode:?}: {e}"));
            type_everything(&msg, &name);
        }
    }
}

#[test]
fn realistic_values() {
    let load = |n: &str| fs::read(data(&format!("realistic/{n}"))).expect("read");

    let b = load("31_invite_proxied_multivia_rr.sip");
    let msg = Message::parse_strict(&b).expect("parses");
    assert_eq!(msg.vias().count(), 3);
    assert_eq!(msg.record_routes().count(), 2);
    let c = msg.contacts().next().expect("c").expect("ok");
    assert_eq!(
        c.sip_instance(),
        Some("urn:uuid:8f2e1d0c-9b8a-4f7e-a6d5-c4b3a2918070")
    );
    assert_eq!(c.reg_id(), Some(1));
    assert_eq!(c.expires(), Some(3600));
    let via = msg.vias().nth(2).expect("third").expect("ok");
    assert_eq!(via.rport(), Some(Some(5060)));
    assert_eq!(via.received(), Some("192.0.2.44"));
    let se = msg.session_expires().expect("se").expect("present");
    assert_eq!((se.delta, se.refresher()), (1800, Some("uac")));

    let b = load("04_401_register_sha256_md5_asterisk.sip");
    let msg = Message::parse_strict(&b).expect("parses");
    let algs: Vec<_> = msg
        .www_authenticate()
        .map(|c| c.expect("challenge").algorithm())
        .collect();
    assert_eq!(
        algs,
        [yeastar_sip::Algorithm::Sha256, yeastar_sip::Algorithm::Md5]
    );
    assert_eq!(msg.content_length(), Some(0));

    let b = load("24_refer_attended_replaces_yealink.sip");
    let msg = Message::parse_strict(&b).expect("parses");
    let refer = msg.refer_to().expect("refer-to").expect("present");
    let sip = *refer.uri.as_sip().expect("sip");
    let (hname, hvalue) = sip.header_pairs().next().expect("a header");
    assert_eq!(hname, "Replaces");
    assert!(hvalue.contains("%3Bto-tag%3D"));

    let b = load("30_invite_compact_microsip.sip");
    let msg = Message::parse_strict(&b).expect("parses");
    assert!(
        msg.supported()
            .expect("k")
            .expect("present")
            .contains("100rel")
    );
    assert_eq!(msg.content_length(), Some(368));
    assert_eq!(msg.header("l").map(|h| h.value), Some("368"));
    assert_eq!(msg.header("Content-Length").map(|h| h.name), Some("l"));
}

fn asterisk_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["asterisk/sip", "asterisk/ws"] {
        for e in fs::read_dir(data(dir)).expect("dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "sip") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn asterisk_captures_accepted() {
    let files = asterisk_files();
    assert_eq!(files.len(), 33 + 25);
    for path in &files {
        let name = path.display().to_string();
        let bytes = fs::read(path).expect("read");
        for mode in [Mode::Lenient, Mode::Strict] {
            let msg = Message::parse_with(&bytes, &opts(mode))
                .unwrap_or_else(|e| panic!("{name} rejected in {mode:?}: {e}"));
            type_everything(&msg, &name);
        }
    }
}
