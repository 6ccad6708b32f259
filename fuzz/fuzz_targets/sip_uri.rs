//! The URI parser over arbitrary text, in both modes.
//!
//! Invariants checked: no panic; a URI strict mode accepts, lenient mode accepts with the
//! same parts; the parsed URI displays as its input; every part borrows from the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yeastar_sip::{Mode, Uri};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lenient = Uri::parse_mode(text, Mode::Lenient);
    let strict = Uri::parse_mode(text, Mode::Strict);
    if let Ok(s) = &strict {
        let l = lenient.as_ref().expect("strict accepts, lenient must too");
        assert_eq!(s.kind(), l.kind());
    }
    if let Ok(uri) = &lenient {
        assert_eq!(uri.to_string(), text);
        if let Some(sip) = uri.as_sip() {
            let range = text.as_ptr() as usize..=text.as_ptr() as usize + text.len();
            for part in [sip.user, sip.password, sip.headers].into_iter().flatten() {
                assert!(range.contains(&(part.as_ptr() as usize)));
            }
            let _ = (sip.user_decoded(), sip.transport(), sip.is_loose_route(), sip.host.ipv6());
            let _ = sip.params.iter().count() + sip.header_pairs().count();
        }
    }
});
