//! The borrowed parse allocates nothing: checked with a counting global allocator.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::alloc::System;
use std::fs;
use std::path::Path;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use yeastar_sip::{Message, ParseOptions};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn borrowed_parse_and_typed_access_allocate_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/realistic");
    let mut files: Vec<Vec<u8>> = fs::read_dir(dir)
        .expect("dir")
        .map(|e| fs::read(e.expect("entry").path()).expect("read"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 38);
    let strict = ParseOptions::strict();

    // The counter sees allocations: copying a message into an owned one is counted.
    let control = Region::new(GLOBAL);
    let owned = Message::parse(&files[0])
        .expect("parses")
        .to_owned_message();
    assert!(control.change().allocations > 0);
    drop(owned);

    // The counter is process-wide and the test harness's own threads allocate now and then
    // (output capture, timers). The parse is deterministic, so if it allocated, every round
    // would show it: one clean round proves it does not.
    let mut rounds = Vec::new();
    for _ in 0..5 {
        let region = Region::new(GLOBAL);
        let mut typed = 0usize;
        for bytes in &files {
            for opts in [ParseOptions::default(), strict] {
                let msg = Message::parse_with(bytes, &opts).expect("parses");
                msg.validate_headers().expect("types");
                typed += msg.vias().filter(Result::is_ok).count();
                typed += msg.contacts().filter(Result::is_ok).count();
                typed += usize::from(msg.from().expect("from").is_some());
                typed += usize::from(msg.cseq().expect("cseq").is_some());
                typed += msg.www_authenticate().filter(Result::is_ok).count();
            }
        }
        let stats = region.change();
        assert!(typed > 38 * 4, "typed only {typed} values");
        if stats.allocations == 0 && stats.reallocations == 0 {
            return;
        }
        rounds.push(stats);
    }
    panic!("every round allocated: {rounds:?}");
}
