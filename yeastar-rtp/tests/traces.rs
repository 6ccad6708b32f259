//! The trace suite: every committed network trace must meet the goal with the
//! adaptive buffer (late ≤ 1 %, mean delay ≤ max(1.3 × oracle, oracle + 20 ms)).
//! A fixed 60 ms buffer is run beside it for comparison.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

#[path = "support/trace_gen.rs"]
#[allow(dead_code)]
mod trace_gen;

use std::time::Duration;

use yeastar_rtp::JitterConfig;
use yeastar_rtp::trace::{SimReport, Trace, simulate};

const TRACE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/traces");

fn load(stem: &str) -> Trace {
    let text = std::fs::read_to_string(format!("{TRACE_DIR}/{stem}.csv")).unwrap();
    Trace::parse(&text).unwrap()
}

#[test]
fn committed_traces_are_what_the_generator_produces() {
    for (stem, description, trace) in trace_gen::all_traces() {
        let committed = std::fs::read_to_string(format!("{TRACE_DIR}/{stem}.csv")).unwrap();
        assert!(
            committed == trace.to_csv(&description),
            "{stem}.csv differs: run `cargo run -p yeastar-rtp --example gen-traces`"
        );
    }
}

#[test]
fn adaptive_buffer_meets_the_goal_on_every_trace() {
    let mut failures = Vec::new();
    println!(
        "{:22} {:>7} {:>9} {:>8} {:>8} | {:>9} {:>9}",
        "trace", "late%", "mean ms", "p95 ms", "oracle", "fixed60 late%", "mean ms"
    );
    for (stem, _, _) in trace_gen::all_traces() {
        let trace = load(stem);
        let adaptive = simulate(&trace, JitterConfig::default());
        let fixed = simulate(&trace, JitterConfig::fixed(Duration::from_millis(60)));
        println!(
            "{stem:22} {:7.3} {:9.2} {:8.2} {:8.2} | {:9.3} {:9.2}",
            adaptive.late_pct,
            adaptive.mean_delay_ms,
            adaptive.p95_delay_ms,
            adaptive.oracle_delay_ms,
            fixed.late_pct,
            fixed.mean_delay_ms
        );
        assert_eq!(adaptive.packets, trace.packets.len() as u64);
        assert_eq!(
            adaptive.played + adaptive.late,
            adaptive.packets,
            "{stem}: every arrived packet is played or late"
        );
        if !adaptive.meets_goal() {
            failures.push((stem, adaptive));
        }
    }
    assert!(failures.is_empty(), "goal missed: {failures:#?}");
}

#[test]
fn delay_spike_latency_is_given_back() {
    let trace = load("delay_spike_400ms");
    // Only the packets held during the freeze may be late...
    let report = simulate(&trace, JitterConfig::default());
    assert!(report.late <= 25, "{report:?}");
    // ...and the last minute plays at the pre-spike delay: cut the trace there.
    let mut tail = trace.clone();
    tail.packets
        .retain(|p| p.arrival_us > 1_000_000 + 120_000_000);
    let after = simulate(&tail, JitterConfig::default());
    assert!(
        after.mean_delay_ms <= report.oracle_delay_ms + 20.0,
        "{after:?}"
    );
}

#[test]
fn talkspurts_after_silence_are_not_late() {
    let trace = load("dtx_long_silence");
    let report: SimReport = simulate(&trace, JitterConfig::default());
    // The 30 ms slower path after the long pause must not make its packets late.
    assert!(report.late_pct < 0.5, "{report:?}");
    let fixed = simulate(&trace, JitterConfig::fixed(Duration::from_millis(60)));
    assert!(fixed.late_pct < 0.5, "{fixed:?}");
}

#[test]
fn drift_is_absorbed_in_both_directions() {
    for stem in ["drift_plus_100ppm", "drift_minus_100ppm"] {
        let trace = load(stem);
        let fixed = simulate(&trace, JitterConfig::fixed(Duration::from_millis(60)));
        assert!(fixed.late_pct < 1.0, "{stem}: {fixed:?}");
        // A fixed target still follows the sender clock: the buffer neither
        // runs dry (−100 ppm) nor grows without bound (+100 ppm).
        let stats = yeastar_rtp::trace::simulate_with_stats(
            &trace,
            JitterConfig::fixed(Duration::from_millis(60)),
        )
        .1;
        assert!(stats.max_delay_ms < 60.0 + 50.0, "{stem}: {stats:?}");
    }
}
