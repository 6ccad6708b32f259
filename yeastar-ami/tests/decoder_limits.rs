//! Limits, resynchronisation, odd line ends, and arbitrary input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use bytes::BytesMut;
use proptest::prelude::*;
use yeastar_ami::{Decoder, FrameErrorKind, FrameKind, Limits, parse_message};

fn run(decoder: &mut Decoder, input: &[u8]) -> Vec<Result<String, FrameErrorKind>> {
    let mut buf = BytesMut::from(input);
    let mut out = Vec::new();
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(f)) => out.push(Ok(f.message().name().unwrap_or_default().to_string())),
            Ok(None) => break,
            Err(e) => out.push(Err(e.kind)),
        }
    }
    out
}

#[test]
fn oversized_frame_is_refused_and_the_next_one_decodes() {
    let limits = Limits::new().with_max_frame_size(64);
    let mut d = Decoder::without_banner(limits);
    let big = format!(
        "Event: Big\r\nData: {}\r\n\r\nEvent: Small\r\n\r\n",
        "x".repeat(200)
    );
    assert_eq!(
        run(&mut d, big.as_bytes()),
        [
            Err(FrameErrorKind::FrameTooLarge { limit: 64 }),
            Ok("Small".into())
        ]
    );
}

#[test]
fn oversized_line_without_end_is_dropped_as_it_streams() {
    let limits = Limits::new().with_max_frame_size(64);
    let mut d = Decoder::without_banner(limits);
    let mut buf = BytesMut::new();
    buf.extend_from_slice(b"Event: Big\r\nData: ");
    let mut errors = 0;
    for _ in 0..100 {
        buf.extend_from_slice(&[b'x'; 100]);
        match d.decode(&mut buf) {
            Err(e) => {
                assert_eq!(e.kind, FrameErrorKind::FrameTooLarge { limit: 64 });
                errors += 1;
            }
            Ok(None) => {}
            Ok(Some(f)) => panic!("unexpected {f:?}"),
        }
        assert!(buf.len() <= 128, "buffer grows: {}", buf.len());
    }
    assert_eq!(errors, 1);
    buf.extend_from_slice(b"\r\n\r\nEvent: After\r\n\r\n");
    assert_eq!(
        d.decode(&mut buf).unwrap().unwrap().message().event(),
        Some("After")
    );
}

#[test]
fn too_many_fields() {
    let limits = Limits::new().with_max_fields(3);
    let mut d = Decoder::without_banner(limits);
    let input = b"Event: A\r\nB: 1\r\nC: 2\r\nD: 3\r\n\r\nEvent: Ok\r\nB: 1\r\n\r\n";
    assert_eq!(
        run(&mut d, input),
        [
            Err(FrameErrorKind::TooManyFields { limit: 3 }),
            Ok("Ok".into())
        ]
    );
}

#[test]
fn oversized_command_output_resyncs_at_end_command() {
    let limits = Limits::new().with_max_command_output(100);
    let mut d = Decoder::without_banner(limits);
    let mut input = b"Response: Follows\r\nPrivilege: Command\r\n".to_vec();
    for _ in 0..20 {
        // Blank lines inside CLI text must not be taken as frame ends while discarding.
        input.extend_from_slice(b"line of cli text\n\n");
    }
    input.extend_from_slice(b"--END COMMAND--\r\n\r\nResponse: Success\r\nPing: Pong\r\n\r\n");
    assert_eq!(
        run(&mut d, &input),
        [
            Err(FrameErrorKind::CommandOutputTooLarge { limit: 100 }),
            Ok("Success".into())
        ]
    );
}

#[test]
fn command_output_at_the_limit_passes_whatever_the_chunking() {
    let mut input = b"Response: Follows\r\nPrivilege: Command\r\n".to_vec();
    for _ in 0..10 {
        input.extend_from_slice(b"line of output\n");
    }
    let limit = input.len(); // the output ends exactly at the limit
    input.extend_from_slice(b"--END COMMAND--\r\n\r\n");
    let limits = Limits::new().with_max_command_output(limit);
    for chunk in [input.len(), 1, 7] {
        let kinds: Vec<_> = outcomes(limits, &input, chunk)
            .into_iter()
            .map(|o| o.map(|(_, kind, _)| kind).map_err(|(_, error)| error))
            .collect();
        assert_eq!(kinds, [Ok(FrameKind::CommandOutput)], "chunk {chunk}");
    }
}

/// A frame (where it starts, its kind and name) or a refusal (where, why).
type Outcome = Result<(u64, FrameKind, String), (u64, FrameErrorKind)>;

/// Every frame and error with its offset, feeding `input` in pieces of at most `chunk` bytes.
fn outcomes(limits: Limits, input: &[u8], chunk: usize) -> Vec<Outcome> {
    // A frame is recorded with where it starts: the stream offset after it, less its length.
    fn record(
        out: &mut Vec<Outcome>,
        d: &Decoder,
        result: Result<Option<yeastar_ami::Frame>, yeastar_ami::FrameError>,
    ) -> bool {
        match result {
            Ok(Some(f)) => {
                let start = d.stream_offset() - f.as_bytes().len() as u64;
                out.push(Ok((
                    start,
                    f.kind(),
                    f.message().name().unwrap_or_default().to_string(),
                )));
                true
            }
            Ok(None) => false,
            Err(e) => {
                out.push(Err((e.offset, e.kind)));
                true
            }
        }
    }
    let mut d = Decoder::without_banner(limits);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for part in input.chunks(chunk) {
        buf.extend_from_slice(part);
        loop {
            let result = d.decode(&mut buf);
            if !record(&mut out, &d, result) {
                break;
            }
        }
    }
    let result = d.decode_eof(&mut buf);
    record(&mut out, &d, result);
    out
}

/// Regression (found by the `ami_decode` fuzz target): a stray blank line between frames was
/// measured as a frame of its own when it arrived whole, but merged into the next refused frame
/// when its CR and LF arrived in different reads.
#[test]
fn stray_blank_lines_do_not_depend_on_the_chunking_under_tight_limits() {
    let input: &[u8] = b"Response: Error\r\nMessage: no endpoint 9999\n\r\n\r\n\
        Response: Error\r\nMessage: No Contacts\n\r\n\r\n\n\
        Event: A\r\n\r\n\r\nEvent: Second\r\nX: 1\r\n\r\n";
    for max_frame_size in [0, 1, 2, 3, 12, 20, 30, 64] {
        let limits = Limits::new().with_max_frame_size(max_frame_size);
        let whole = outcomes(limits, input, input.len());
        let frames_and_errors = whole.len();
        assert_eq!(frames_and_errors, 4, "limit {max_frame_size}: {whole:?}");
        for chunk in 1..input.len() {
            assert_eq!(
                outcomes(limits, input, chunk),
                whole,
                "limit {max_frame_size}, chunk {chunk}"
            );
        }
    }
    // With room enough, every frame decodes and the blank lines between them are skipped.
    let whole = outcomes(Limits::default(), input, input.len());
    let names: Vec<_> = whole
        .iter()
        .map(|o| o.as_ref().map(|(_, _, n)| n.as_str()).unwrap())
        .collect();
    assert_eq!(names, ["Error", "Error", "A", "Second"]);
}

#[test]
fn bare_lf_and_mixed_line_ends() {
    let mut d = Decoder::without_banner(Limits::default());
    let input = b"Event: A\nKey: v\n\nEvent: B\r\nKey: w\n\r\nResponse: Success\r\n\n";
    assert_eq!(
        run(&mut d, input),
        [Ok("A".into()), Ok("B".into()), Ok("Success".into())]
    );
}

#[test]
fn legacy_command_glued_terminator_and_blank_cli_lines() {
    let input =
        b"Response: Follows\r\nPrivilege: Command\r\nline one\n\nline three--END COMMAND--\r\n\r\n";
    let (m, used) = parse_message(input).unwrap();
    assert_eq!(used, input.len());
    assert_eq!(m.kind(), FrameKind::CommandOutput);
    assert_eq!(
        m.command_output().collect::<Vec<_>>(),
        ["line one", "", "line three"]
    );
}

#[test]
fn empty_legacy_command_output() {
    let input =
        b"Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\n--END COMMAND--\r\n\r\n";
    let (m, _) = parse_message(input).unwrap();
    assert_eq!(m.action_id(), Some("7"));
    assert_eq!(m.command_output().count(), 0);
}

#[test]
fn banner_variants() {
    for (line, name, version) in [
        ("Asterisk Call Manager/1.1\r\n", "Asterisk", "1.1"),
        ("PBX Call Manager/1.1\r\n", "PBX", "1.1"),
        ("Asterisk Call Manager/5.0.1\n", "Asterisk", "5.0.1"),
    ] {
        let mut d = Decoder::default();
        let mut buf = BytesMut::from(line.as_bytes());
        let f = d.decode(&mut buf).unwrap().unwrap();
        let m = f.message();
        assert_eq!(m.kind(), FrameKind::Banner);
        let b = m.banner().unwrap();
        assert_eq!((b.name, b.version), (name, version));
    }
    // Without a banner the first frame is an ordinary frame.
    let mut d = Decoder::default();
    let mut buf = BytesMut::from(&b"Event: FullyBooted\r\n\r\n"[..]);
    assert_eq!(
        d.decode(&mut buf).unwrap().unwrap().kind(),
        FrameKind::Event
    );
}

#[test]
fn non_utf8_bytes_are_repaired_not_lost() {
    let mut d = Decoder::without_banner(Limits::default());
    let mut buf =
        BytesMut::from(&b"Event: Newchannel\r\nCallerIDName: Caf\xe9\r\nUniqueid: 1.1\r\n\r\n"[..]);
    let f = d.decode(&mut buf).unwrap().unwrap();
    assert!(f.was_repaired());
    let m = f.message();
    assert_eq!(m.get("CallerIDName"), Some("Caf\u{fffd}"));
    assert_eq!(m.get("Uniqueid"), Some("1.1"));
}

#[test]
fn truncated_stream_is_reported_at_eof() {
    let mut d = Decoder::without_banner(Limits::default());
    let mut buf = BytesMut::from(&b"Event: Half\r\nKey: v\r\n"[..]);
    assert!(d.decode(&mut buf).unwrap().is_none());
    let err = d.decode_eof(&mut buf).unwrap_err();
    assert!(matches!(err.kind, FrameErrorKind::Truncated { .. }));
}

#[test]
fn case_insensitive_lookup_and_duplicates() {
    let input = b"Event: VarSet\r\nUniqueID: 1\r\nVariable: A=1\r\nVariable: B=2\r\nChanVariable(PJSIP/1001-0001): C=3\r\n\r\n";
    let (m, _) = parse_message(input).unwrap();
    assert_eq!(m.get("uniqueid"), Some("1"));
    assert_eq!(m.get_all("VARIABLE").collect::<Vec<_>>(), ["A=1", "B=2"]);
    let vars: Vec<_> = m
        .variables()
        .map(|v| (v.channel, v.name, v.value))
        .collect();
    assert_eq!(
        vars,
        [
            (None, "A", "1"),
            (None, "B", "2"),
            (Some("PJSIP/1001-0001"), "C", "3")
        ]
    );
}

fn key() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_()/-]{0,20}"
}

fn value() -> impl Strategy<Value = String> {
    // Any text without line ends; may be empty, hold colons, TABs and leading spaces.
    "[^\r\n\x00]{0,40}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048), split in 0usize..2048) {
        let limits = Limits::new().with_max_frame_size(512).with_max_fields(16).with_max_command_output(1024);
        let mut d = Decoder::new(limits);
        let split = split.min(data.len());
        let mut buf = BytesMut::from(&data[..split]);
        let mut frames = 0;
        while let Ok(Some(_)) | Err(_) = d.decode(&mut buf) { frames += 1; prop_assert!(frames < 4096); }
        buf.extend_from_slice(&data[split..]);
        loop {
            match d.decode(&mut buf) {
                Ok(Some(f)) => {
                    let m = f.message();
                    prop_assert!(m.len() <= 16);
                    prop_assert!(f.as_bytes().len() <= 1024 + 2);
                }
                Ok(None) => break,
                Err(_) => {}
            }
            frames += 1;
            prop_assert!(frames < 4096);
        }
        prop_assert!(buf.len() <= 1024 + 16);
        let _ = d.decode_eof(&mut buf);
    }

    #[test]
    fn encoded_fields_round_trip(
        name in "[A-Za-z]{1,20}",
        fields in proptest::collection::vec((key(), value()), 0..20),
    ) {
        let mut action = yeastar_ami::Action::new(name.clone());
        for (k, v) in &fields {
            action.push(k.clone(), v.clone());
        }
        let mut out = BytesMut::new();
        action.encode("id-1", &mut out).unwrap();
        let (m, used) = parse_message(&out).unwrap();
        prop_assert_eq!(used, out.len());
        prop_assert_eq!(m.get("Action"), Some(name.as_str()));
        let expected: Vec<(&str, &str)> = fields
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("ActionID"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let got: Vec<(&str, &str)> = m.fields().skip(2).collect();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn chunking_never_changes_frames(
        frames in proptest::collection::vec(proptest::collection::vec((key(), value()), 1..8), 1..6),
        chunk in 1usize..64,
        crlf in any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut stream = String::new();
        for f in &frames {
            stream.push_str("Event: Test");
            stream.push_str(eol);
            for (k, v) in f {
                stream.push_str(&format!("{k}: {v}{eol}"));
            }
            stream.push_str(eol);
        }
        let decode = |step: usize| {
            let mut d = Decoder::without_banner(Limits::default());
            let mut buf = BytesMut::new();
            let mut out = Vec::new();
            for part in stream.as_bytes().chunks(step) {
                buf.extend_from_slice(part);
                while let Some(f) = d.decode(&mut buf).unwrap() {
                    out.push(f.message().fields().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>());
                }
            }
            out
        };
        let whole = decode(stream.len());
        prop_assert_eq!(whole.len(), frames.len());
        for (got, f) in whole.iter().zip(&frames) {
            prop_assert_eq!(got.len(), f.len() + 1);
            let expected: Vec<_> = f.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            prop_assert_eq!(&got[1..], &expected[..]);
        }
        prop_assert_eq!(decode(chunk), whole);
    }
}
