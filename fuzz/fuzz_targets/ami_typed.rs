//! Typed AMI events over arbitrary frames: the one-pass matcher of `Event::try_parse`
//! must give exactly what the serde path (`Event::try_parse_serde`) gives, value or error.
//!
//! Input: an AMI byte stream (no banner), decoded with the default limits; every frame is typed
//! both ways and the results compared through `Debug`, which shows every field.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use yeastar_ami::{Decoder, Event, Limits};

fuzz_target!(|data: &[u8]| {
    let mut decoder = Decoder::without_banner(Limits::default());
    let mut buf = BytesMut::from(data);
    let mut frames = Vec::new();
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(frame)) => frames.push(frame),
            Ok(None) => break,
            Err(_) => continue,
        }
    }
    if let Ok(Some(frame)) = decoder.decode_eof(&mut buf) {
        frames.push(frame);
    }
    for frame in &frames {
        let message = frame.message();
        let fast = format!("{:?}", Event::try_parse(&message));
        let reference = format!("{:?}", Event::try_parse_serde(&message));
        assert_eq!(fast, reference, "{message:?}");
    }
});
