//! The SDP parser over arbitrary text.
//!
//! Invariants checked: no panic; every typed accessor runs; a parsed description serialises
//! to text that parses back to the same description.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yeastar_sip::sdp::Sdp;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(sdp) = Sdp::parse(text) else {
        return;
    };
    for (i, m) in sdp.media.iter().enumerate() {
        let _ = (sdp.direction(i), sdp.connection_of(i), sdp.ice_ufrag(i), sdp.fingerprint(i));
        let _ = (m.ptime(), m.maxptime(), m.rtcp(), m.rtcp_mux(), m.setup(), m.mid(), m.msid());
        let _ = m.rtpmaps().count() + m.candidates().count() + m.telephone_events().count();
        let _ = m.formats.first().and_then(|f| f.parse::<u8>().ok()).map(|pt| m.fmtp(pt));
    }
    let out = sdp.to_string();
    let again = Sdp::parse(&out).expect("serialised SDP parses");
    assert_eq!(again, sdp);
});
