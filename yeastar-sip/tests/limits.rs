//! Limits and malformed framing produce typed errors, never panics.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use yeastar_sip::{ErrorKind, Limits, Message, Mode, ParseOptions};

fn with_limits(limits: Limits) -> ParseOptions {
    ParseOptions {
        mode: Mode::Lenient,
        limits,
    }
}

const BASE: &str = "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\n";

#[test]
fn datagram_size_limit() {
    let big = vec![b'a'; 70_000];
    let err = Message::parse(&big).expect_err("too big");
    assert_eq!(err.kind, ErrorKind::MessageTooLarge { limit: 65_535 });
}

#[test]
fn header_count_limit() {
    let mut msg = BASE.to_string();
    for i in 0..20 {
        msg.push_str(&format!("X-H{i}: v\r\n"));
    }
    msg.push_str("\r\n");
    let opts = with_limits(Limits {
        max_headers: 10,
        ..Limits::default()
    });
    let err = Message::parse_with(msg.as_bytes(), &opts).expect_err("too many");
    assert_eq!(err.kind, ErrorKind::TooManyHeaders { limit: 10 });
    // More than the inline capacity still parses with the default limit.
    let ok = Message::parse(msg.as_bytes()).expect("parses");
    assert_eq!(ok.header_count(), 22);
    let mut many = BASE.to_string();
    for i in 0..100 {
        many.push_str(&format!("X-H{i}: v{i}\r\n"));
    }
    many.push_str("\r\n");
    let m = Message::parse(many.as_bytes()).expect("parses");
    assert_eq!(m.header_count(), 102);
    assert_eq!(m.header("x-h99").map(|h| h.value), Some("v99"));
    assert_eq!(m.headers().last().map(|h| h.name), Some("X-H99"));
}

#[test]
fn line_length_limit() {
    let msg = format!("{BASE}Subject: {}\r\n\r\n", "s".repeat(200));
    let opts = with_limits(Limits {
        max_line_len: 100,
        ..Limits::default()
    });
    let err = Message::parse_with(msg.as_bytes(), &opts).expect_err("too long");
    assert_eq!(err.kind, ErrorKind::LineTooLong { limit: 100 });
}

#[test]
fn folding_limit() {
    let mut msg = format!("{BASE}Subject: a\r\n");
    for _ in 0..10 {
        msg.push_str(" more\r\n");
    }
    msg.push_str("\r\n");
    let opts = with_limits(Limits {
        max_folded_lines: 4,
        ..Limits::default()
    });
    let err = Message::parse_with(msg.as_bytes(), &opts).expect_err("too folded");
    assert_eq!(err.kind, ErrorKind::TooManyFoldedLines { limit: 4 });
    let ok = Message::parse(msg.as_bytes()).expect("default limit");
    assert!(
        ok.header("Subject")
            .expect("subject")
            .value
            .ends_with("more")
    );
}

#[test]
fn head_size_limit() {
    let msg = format!("{BASE}{}\r\n", "X-A: b\r\n".repeat(100));
    let opts = with_limits(Limits {
        max_head_len: 256,
        ..Limits::default()
    });
    let err = Message::parse_with(msg.as_bytes(), &opts).expect_err("too big");
    assert_eq!(err.kind, ErrorKind::HeadTooLarge { limit: 256 });
}

#[test]
fn framing_errors_are_typed_with_positions() {
    let cases: &[(&[u8], ErrorKind)] = &[
        (b"", ErrorKind::Empty),
        (b"\r\n\r\n", ErrorKind::Empty),
        (
            b"OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n",
            ErrorKind::UnterminatedHead,
        ),
        (
            b"OPTIONS sip:a@b SIP/2.0\r\nNoColonHere\r\n\r\n",
            ErrorKind::MissingColon,
        ),
        (
            b"OPTIONS sip:a@b SIP/2.0\r\n folded: x\r\n\r\n",
            ErrorKind::OrphanContinuation,
        ),
        (
            b"OPTIONS sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n",
            ErrorKind::InvalidHeaderName,
        ),
        (b"SIP/2.0 99 Odd\r\n\r\n", ErrorKind::InvalidStatusCode),
        (b"SIP/2.0 2000 Odd\r\n\r\n", ErrorKind::InvalidStatusCode),
        (
            b"OPTIONS sip:a@b HTTP/1.1\r\n\r\n",
            ErrorKind::InvalidVersion,
        ),
        (
            b"OPT<IONS sip:a@b SIP/2.0\r\n\r\n",
            ErrorKind::InvalidMethod,
        ),
        (
            b"OPTIONS sip:a@b SIP/2.0\r\nl: 12x\r\n\r\n",
            ErrorKind::InvalidContentLength,
        ),
        (
            b"OPTIONS sip:a@b SIP/2.0\r\nX: \xff\xfe\r\n\r\n",
            ErrorKind::InvalidUtf8,
        ),
    ];
    for (input, kind) in cases {
        let err = Message::parse(input).expect_err("rejected");
        assert_eq!(&err.kind, kind, "{:?}", String::from_utf8_lossy(input));
        assert!(err.offset <= input.len());
    }
    let err = Message::parse(b"OPTIONS sip:a@b SIP/2.0\r\nX: \xff\r\n\r\n").expect_err("utf8");
    assert_eq!(err.offset, 28);
}

#[test]
fn strict_requires_crlf_lenient_accepts_lf() {
    let lf = b"OPTIONS sip:a@b SIP/2.0\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n";
    assert_eq!(
        Message::parse_strict(lf).expect_err("LF").kind,
        ErrorKind::BadLineEnding
    );
    let msg = Message::parse(lf).expect("lenient");
    assert_eq!(msg.cseq().expect("cseq").map(|c| c.seq), Some(1));
}

#[test]
fn display_name_with_comma_rejected_in_strict_mode() {
    // RFC 4475 `baddn` with the empty line the archive copy lacks.
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/malformed/baddn.dat");
    let mut bytes = std::fs::read(path).expect("read");
    bytes.extend_from_slice(b"\r\n");
    let err = Message::parse_strict(&bytes).expect_err("strict");
    assert!(matches!(err.kind, ErrorKind::InvalidHeader { .. }), "{err}");
    let lenient = Message::parse(&bytes).expect("lenient keeps the unquoted name");
    let from = lenient.from().expect("from").expect("present");
    assert_eq!(from.display_name, Some("Bell, Alexander"));
}
