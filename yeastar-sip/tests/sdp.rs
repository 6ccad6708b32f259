//! SDP parsing on every SDP body of the corpus, typed attributes, and reserialisation.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::Path;

use yeastar_sip::Message;
use yeastar_sip::sdp::{Direction, Sdp};

fn load(rel: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(rel),
    )
    .expect("read")
}

#[test]
fn every_sdp_body_in_the_corpus_parses_and_round_trips() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut count = 0;
    for dir in ["realistic", "asterisk/sip", "asterisk/ws", "ipv6"] {
        for e in fs::read_dir(base.join(dir)).expect("dir") {
            let path = e.expect("entry").path();
            let bytes = fs::read(&path).expect("read");
            let Ok(msg) = Message::parse(&bytes) else {
                continue;
            };
            if !msg
                .content_type()
                .ok()
                .flatten()
                .is_some_and(|c| c.is_sdp())
            {
                continue;
            }
            let body = std::str::from_utf8(msg.body()).expect("utf-8 SDP");
            let sdp = Sdp::parse(body).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!sdp.media.is_empty(), "{}", path.display());
            let text = sdp.to_string();
            assert_eq!(
                Sdp::parse(&text).expect("reparse"),
                sdp,
                "{}",
                path.display()
            );
            count += 1;
        }
    }
    assert!(count >= 15, "only {count} SDP bodies");
}

fn body_of(bytes: &[u8]) -> String {
    let msg = Message::parse(bytes).expect("parses");
    String::from_utf8(msg.body().to_vec()).expect("utf-8")
}

#[test]
fn pbx_offer_values() {
    let body = body_of(&load("realistic/31_invite_proxied_multivia_rr.sip"));
    let sdp = Sdp::parse(&body).expect("sdp");
    assert_eq!(sdp.origin.address, "192.0.2.44");
    assert_eq!(sdp.connection_of(0).map(|c| c.address), Some("192.0.2.44"));
    let audio = &sdp.media[0];
    assert_eq!(
        (audio.kind, audio.port, audio.protocol),
        ("audio", 10236, "RTP/AVP")
    );
    assert_eq!(audio.formats, ["8", "0", "18", "101"]);
    let g729 = audio.rtpmap(18).expect("rtpmap 18");
    assert_eq!((g729.encoding, g729.clock_rate), ("G729", 8000));
    assert_eq!(audio.fmtp(18), Some("annexb=no"));
    assert_eq!(
        audio
            .telephone_events()
            .map(|t| t.payload_type)
            .collect::<Vec<_>>(),
        [101]
    );
    assert_eq!(audio.ptime(), Some(20));
    assert_eq!(sdp.direction(0), Direction::SendRecv);

    let body = body_of(&load("realistic/33_reinvite_hold_yeastar.sip"));
    let sdp = Sdp::parse(&body).expect("sdp");
    assert_eq!(sdp.direction(0), Direction::SendOnly);
}

#[test]
fn webrtc_offer_values() {
    let body = body_of(&load("realistic/36_invite_wss_webrtc_jssip.sip"));
    let sdp = Sdp::parse(&body).expect("sdp");
    assert_eq!(sdp.attribute("group"), Some("BUNDLE 0"));
    let audio = &sdp.media[0];
    assert_eq!(audio.protocol, "UDP/TLS/RTP/SAVPF");
    assert_eq!(sdp.ice_ufrag(0), Some("Vn2f"));
    assert_eq!(sdp.ice_pwd(0), Some("3pXr8w2mKq1LzT9yHc4bGd7e"));
    let fp = sdp.fingerprint(0).expect("fingerprint");
    assert_eq!(fp.hash, "sha-256");
    assert!(fp.value.starts_with("0B:30:55"));
    assert_eq!(audio.setup(), Some("actpass"));
    assert_eq!(audio.mid(), Some("0"));
    assert_eq!(
        audio.msid(),
        Some((
            "3d6e1b2a-7c4f-4e8a-9b1d-2f0c5a6e8d71",
            Some("9b1c0e2d-4a6f-4b8e-8c1d-7e3f5a9b2c40")
        ))
    );
    assert!(audio.rtcp_mux());
    let rtcp = audio.rtcp().expect("rtcp");
    assert_eq!(rtcp.port, 9);
    let candidates: Vec<_> = audio.candidates().collect();
    assert_eq!(candidates.len(), 3);
    assert_eq!(candidates[1].kind, "srflx");
    assert_eq!(candidates[1].related_address, Some("192.168.10.105"));
    assert_eq!(candidates[1].related_port, Some(52341));
    assert_eq!(candidates[2].transport, "tcp");
    let opus = audio.rtpmap(111).expect("opus");
    assert_eq!(
        (opus.encoding, opus.clock_rate, opus.channels),
        ("opus", 48000, Some(2))
    );
    assert_eq!(audio.telephone_events().count(), 2);
}

#[test]
fn ipv6_connection() {
    let body = body_of(&load("ipv6/ipv6-in-sdp.dat"));
    let sdp = Sdp::parse(&body).expect("sdp");
    let c = sdp.connection_of(0).expect("c=");
    assert_eq!(c.addr_type, "IP6");
    assert!(c.address.parse::<std::net::Ipv6Addr>().is_ok());
}

#[test]
fn malformed_sdp_is_a_typed_error() {
    for bad in [
        "",
        "o=- 1 1 IN IP4 x\r\n",
        "v=0\r\nm=audio x RTP/AVP 0\r\n",
        "v=0\r\nbogus\r\n",
        "v=0\r\ns=-\r\n",
    ] {
        let err = Sdp::parse(bad).expect_err(bad);
        assert!(
            matches!(err.kind, yeastar_sip::ErrorKind::InvalidSdp { .. }),
            "{bad:?}: {err}"
        );
    }
}

#[test]
fn stray_cr_or_nul_inside_a_line_is_rejected() {
    // Found by fuzzing: a CR inside a line cannot be written back unchanged.
    for bad in [
        "v=0\r\no=- 1 1 IN IP4 a\r\ns=x\ry\r\n",
        "v=0\r\no=- 1 1 IN IP4 a\r\ns=x\0\r\n",
    ] {
        assert!(Sdp::parse(bad).is_err(), "{bad:?}");
    }
    assert!(Sdp::parse("v=0\no=- 1 1 IN IP4 a\ns=-\nm=audio 1 RTP/AVP 0").is_ok());
}
