//! The trace suite: every committed network trace must meet the goal with the
//! default adaptive buffer, the one the media session uses (late ≤ 1 %, mean
//! delay ≤ max(1.3 × oracle, oracle + 20 ms)).
//! A fixed 60 ms buffer is run beside it for comparison.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

#[path = "support/trace_gen.rs"]
#[allow(dead_code)]
mod trace_gen;

use std::time::Duration;

use yeastar_rtp::session::MediaConfig;
use yeastar_rtp::trace::{SimReport, Trace, simulate, simulate_timeline};
use yeastar_rtp::{G711Law, JitterConfig};

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
        "{:22} {:>7} {:>9} {:>8} {:>8} {:>7} {:>4} | {:>9} {:>9}",
        "trace",
        "late%",
        "mean ms",
        "p95 ms",
        "oracle",
        "concl%",
        "run",
        "fixed60 late%",
        "mean ms"
    );
    for (stem, _, _) in trace_gen::all_traces() {
        let trace = load(stem);
        let adaptive = simulate(&trace, JitterConfig::default());
        let fixed = simulate(&trace, JitterConfig::fixed(Duration::from_millis(60)));
        // The media session plays with the default, concealment aside: the same scores.
        let session = MediaConfig::new(G711Law::MuLaw, "127.0.0.1:4000".parse().unwrap()).jitter;
        assert_eq!(simulate(&trace, session), adaptive, "{stem}: session");
        println!(
            "{stem:22} {:7.3} {:9.2} {:8.2} {:8.2} {:7.3} {:4} | {:9.3} {:9.2}",
            adaptive.late_pct,
            adaptive.mean_delay_ms,
            adaptive.p95_delay_ms,
            adaptive.oracle_delay_ms,
            adaptive.concealed_pct,
            adaptive.longest_late_run,
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

/// Packets a delay step may make late, besides the frames a step down drops to
/// give its latency back: at most those sent in the first second after it.
const LATE_PER_STEP: usize = 5;
/// After a step up, the playout delay covers the new path within this (µs of media time).
const STEP_SETTLE_UP_US: i64 = 1_000_000;
/// After a step down, the delay is given back within this.
const STEP_SETTLE_DOWN_US: i64 = 3_000_000;
/// Once settled, the mean delay above the path's own delay stays within the
/// jitter on top of it plus this margin: a frame (the playout clock's phase)
/// and the default hysteresis, the excess the buffer keeps rather than drop audio.
const STEP_SETTLED_MARGIN_MS: f64 = 25.0;

#[test]
fn delay_steps_are_followed_up_and_down() {
    for step in trace_gen::step_traces() {
        let (stem, steps) = (step.stem, &step.steps);
        let trace = load(stem);
        let timeline = simulate_timeline(&trace, JitterConfig::default());
        let report = timeline.report;
        println!("{stem}: {}", report.to_json());
        assert!(report.meets_goal(), "{stem}: {report:?}");
        // A step makes only a few packets late, right after it; a step down also
        // drops one frame per frame of delay it gives back.
        for (k, &(at, level)) in steps.iter().enumerate().skip(1) {
            let fall_ms = (steps[k - 1].1 - level).max(0.0) / 1000.0;
            let dropped = (fall_ms / f64::from(trace.ptime_ms)).ceil() as usize;
            let (at, settle) = if fall_ms > 0.0 {
                (at as i64, STEP_SETTLE_DOWN_US)
            } else {
                (at as i64, STEP_SETTLE_UP_US)
            };
            let window = at..at + settle;
            let late = timeline
                .late_media_us
                .iter()
                .filter(|m| window.contains(m))
                .count();
            assert!(
                late <= LATE_PER_STEP + dropped,
                "{stem}: step {k} to {} ms at {} s: {late} late",
                level / 1000.0,
                at / 1_000_000
            );
        }
        // Between steps, once settled, the delay follows the path.
        let ends = steps.iter().skip(1).map(|s| s.0 as i64).chain([i64::MAX]);
        for (k, (&(at, level), end)) in steps.iter().zip(ends).enumerate().skip(1) {
            let previous = steps[k - 1].1;
            let settle = if level > previous {
                STEP_SETTLE_UP_US
            } else {
                STEP_SETTLE_DOWN_US
            };
            let window = at as i64 + settle..end;
            let above: Vec<f64> = timeline
                .frames
                .iter()
                .filter(|f| window.contains(&f.media_us))
                .map(|f| f.delay_ms - level / 1000.0)
                .collect();
            assert!(!above.is_empty(), "{stem}: step {k} played nothing");
            let mean = above.iter().sum::<f64>() / above.len() as f64;
            let late = timeline
                .late_media_us
                .iter()
                .filter(|m| window.contains(m))
                .count();
            assert!(
                mean <= trace_gen::STEP_JITTER_US / 1000.0 + STEP_SETTLED_MARGIN_MS
                    && late * 100 <= above.len(),
                "{stem}: step {k} to {} ms at {} s: settled mean {mean:.1} ms above the path, {late} late of {}",
                level / 1000.0,
                at / 1_000_000.0,
                above.len()
            );
        }
        // Time-scaling never throws away two received frames in a row.
        assert!(
            report.longest_late_run <= 1,
            "{stem}: {} consecutive packets not played",
            report.longest_late_run
        );
    }
}
