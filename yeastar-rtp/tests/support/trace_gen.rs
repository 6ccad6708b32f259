//! Deterministic generator of the network traces under `tests/data/traces/`.
//! Shared by the `gen-traces` example (which writes them) and the trace test
//! (which checks the committed files are exactly what this produces).

use yeastar_rtp::trace::{Trace, TracePacket};

/// Fixed seed: the traces must be reproducible byte for byte.
pub(crate) const SEED: u64 = 0x5EED_0005;

/// splitmix64: small, fast, and identical on every platform.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, max_us).
    pub(crate) fn below_us(&mut self, max_us: f64) -> f64 {
        self.unit() * max_us
    }

    /// Pareto with scale `xm` and shape `alpha`.
    pub(crate) fn pareto(&mut self, xm: f64, alpha: f64) -> f64 {
        xm / (1.0 - self.unit()).powf(1.0 / alpha)
    }
}

const PTIME_US: f64 = 20_000.0;
const SAMPLES: u32 = 160;
const FIRST_SEQ: u16 = 65_000; // wraps within a minute
const FIRST_TS: u32 = 4_294_000_000; // wraps within two minutes
const BASE_TRANSIT_US: f64 = 40_000.0;
/// Length of most traces: a typical call, long enough that the first
/// seconds of learning do not dominate the score.
const CALL_SECONDS: u32 = 180;
/// Drift traces run longer so ±100 ppm adds up to 30 ms.
const DRIFT_SECONDS: u32 = 300;

/// One sent packet: index in the stream, send time in receiver µs, extra
/// transit in µs; `None` transit means lost.
struct Sent {
    index: u32,
    ts_index: u32,
    arrival_us: Option<f64>,
}

fn finish(description: &str, sent: Vec<Sent>) -> (String, Trace) {
    let mut rows: Vec<(f64, TracePacket)> = sent
        .into_iter()
        .filter_map(|s| {
            s.arrival_us.map(|a| {
                let packet = TracePacket {
                    seq: FIRST_SEQ.wrapping_add(s.index as u16),
                    rtp_ts: FIRST_TS.wrapping_add(s.ts_index.wrapping_mul(SAMPLES)),
                    arrival_us: a.round() as u64,
                };
                (a, packet)
            })
        })
        .collect();
    // Arrival order; ties keep sending order.
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let trace = Trace {
        clock_rate: 8000,
        ptime_ms: 20,
        packets: rows.into_iter().map(|r| r.1).collect(),
    };
    (description.to_string(), trace)
}

fn steady(
    seconds: u32,
    drift_ppm: f64,
    mut transit: impl FnMut(u32, f64) -> Option<f64>,
) -> Vec<Sent> {
    let count = seconds * 50;
    (0..count)
        .map(|i| {
            // Sender clock runs fast by drift_ppm: its 20 ms are shorter in receiver time.
            let send = i as f64 * PTIME_US / (1.0 + drift_ppm * 1e-6);
            Sent {
                index: i,
                ts_index: i,
                arrival_us: transit(i, send).map(|t| 1_000_000.0 + send + t),
            }
        })
        .collect()
}

/// Every trace: (file stem, description, trace).
pub(crate) fn all_traces() -> Vec<(&'static str, String, Trace)> {
    let mut out = Vec::new();
    let mut rng = Rng::new(SEED);

    let (d, t) = finish(
        "ideal: constant 40 ms transit, 180 s",
        steady(CALL_SECONDS, 0.0, |_, _| Some(BASE_TRANSIT_US)),
    );
    out.push(("ideal", d, t));

    let (d, t) = finish(
        "uniform jitter: 40 ms + U(0, 40 ms) transit, 180 s",
        steady(CALL_SECONDS, 0.0, |_, _| {
            Some(BASE_TRANSIT_US + rng.below_us(40_000.0))
        }),
    );
    out.push(("uniform_jitter", d, t));

    let (d, t) = finish(
        "Pareto/bursty jitter: calm U(0,5 ms), bursts of Pareto(10 ms, 2.5) capped at 300 ms, 180 s",
        pareto_bursty(&mut rng),
    );
    out.push(("pareto_bursty", d, t));

    let (d, t) = finish(
        "5 % random loss, 40 ms + U(0, 20 ms) transit, 180 s",
        steady(CALL_SECONDS, 0.0, |_, _| {
            let lost = rng.unit() < 0.05;
            let t = BASE_TRANSIT_US + rng.below_us(20_000.0);
            (!lost).then_some(t)
        }),
    );
    out.push(("loss_5pct", d, t));

    // Every ~3 s a burst of 4..=6 packets arrives in reverse order.
    let mut burst_left = 0u32;
    let mut burst_len = 0u32;
    let (d, t) = finish(
        "reorder bursts: U(0, 10 ms) transit, every ~3 s 4-6 packets arrive reversed, 180 s",
        steady(CALL_SECONDS, 0.0, |_, _| {
            let jitter = rng.below_us(10_000.0);
            if burst_left == 0 && rng.unit() < 1.0 / 150.0 {
                burst_len = 4 + (rng.next_u64() % 3) as u32;
                burst_left = burst_len;
            }
            let extra = if burst_left > 0 {
                burst_left -= 1;
                // The first of the burst waits longest: reversed arrival.
                burst_left as f64 * 25_000.0
            } else {
                0.0
            };
            Some(BASE_TRANSIT_US + jitter + extra)
        }),
    );
    out.push(("reorder_bursts", d, t));

    for (stem, ppm) in [("drift_plus_100ppm", 100.0), ("drift_minus_100ppm", -100.0)] {
        let (d, t) = finish(
            &format!("sender clock {ppm:+} ppm, 40 ms + U(0, 10 ms) transit, 300 s"),
            steady(DRIFT_SECONDS, ppm, |_, _| {
                Some(BASE_TRANSIT_US + rng.below_us(10_000.0))
            }),
        );
        out.push((stem, d, t));
    }

    // The network freezes for 400 ms at 90 s; the backlog then arrives in a burst.
    let (d, t) = finish(
        "400 ms delay spike at 90 s, U(0, 10 ms) transit otherwise, 180 s",
        steady(CALL_SECONDS, 0.0, |_, send| {
            let normal = BASE_TRANSIT_US + rng.below_us(10_000.0);
            let (start, end) = (90_000_000.0, 90_400_000.0);
            if send + normal >= start && send < end {
                // Held until the link comes back, then serialised 0.2 ms apart.
                Some((end - send) + BASE_TRANSIT_US + (send - start).max(0.0) / PTIME_US * 200.0)
            } else {
                Some(normal)
            }
        }),
    );
    out.push(("delay_spike_400ms", d, t));

    // DTX: talkspurts of 1-4 s, pauses of 0.5-3 s, one 20 s pause after which
    // the path is 30 ms slower. Sequence numbers continue across pauses.
    let mut sent = Vec::new();
    let mut ts_index = 0u32;
    let mut index = 0u32;
    let mut after_long = false;
    while ts_index < CALL_SECONDS * 50 {
        let talk = 50 + (rng.next_u64() % 150) as u32;
        for _ in 0..talk {
            let send = ts_index as f64 * PTIME_US;
            let shift = if after_long { 30_000.0 } else { 0.0 };
            let transit = BASE_TRANSIT_US + shift + rng.below_us(10_000.0);
            sent.push(Sent {
                index,
                ts_index,
                arrival_us: Some(1_000_000.0 + send + transit),
            });
            index += 1;
            ts_index += 1;
        }
        let pause = 25 + (rng.next_u64() % 125) as u32;
        if !after_long && ts_index > CALL_SECONDS * 25 {
            after_long = true;
            ts_index += 20 * 50;
        } else {
            ts_index += pause;
        }
    }
    let (d, t) = finish(
        "DTX: talkspurts 1-4 s, pauses 0.5-3 s, one 20 s pause mid-call then +30 ms transit, 180 s",
        sent,
    );
    out.push(("dtx_long_silence", d, t));

    // Route changes: the one-way delay steps and stays, U(0, 20 ms) jitter on top.
    for step in step_traces() {
        let (d, t) = finish(
            &step.description,
            steady(CALL_SECONDS, 0.0, |_, send| {
                Some(BASE_TRANSIT_US + step.level_us(send) + rng.below_us(STEP_JITTER_US))
            }),
        );
        out.push((step.stem, d, t));
    }

    // The same network drawn again, this time with bursts from 0.8 s on, before
    // the buffer has learnt the tail.
    let (d, t) = finish(
        "Pareto/bursty jitter as pareto_bursty, another draw: bursts from 0.8 s on, 180 s",
        pareto_bursty(&mut Rng::new(PARETO_EARLY_SEED)),
    );
    out.push(("pareto_bursty_early", d, t));
    out
}

/// Seed of `pareto_bursty_early`: its first burst starts at packet 42.
const PARETO_EARLY_SEED: u64 = 7;

/// Gilbert-Elliott: calm (U(0,5 ms)) and bursty (Pareto xm=10 ms, alpha=2.5) states.
fn pareto_bursty(rng: &mut Rng) -> Vec<Sent> {
    let mut bursty = false;
    steady(CALL_SECONDS, 0.0, |_, _| {
        bursty = if bursty {
            rng.unit() >= 0.1
        } else {
            rng.unit() < 0.02
        };
        let extra = if bursty {
            rng.pareto(10_000.0, 2.5).min(300_000.0)
        } else {
            rng.below_us(5_000.0)
        };
        Some(BASE_TRANSIT_US + extra)
    })
}

/// Jitter on top of the step traces' path delay.
pub(crate) const STEP_JITTER_US: f64 = 20_000.0;

/// A trace whose path delay steps: a route change or a handover.
pub(crate) struct StepTrace {
    pub(crate) stem: &'static str,
    pub(crate) description: String,
    /// (send time µs from the first packet, extra path delay µs from then on);
    /// the first is at 0 and sets the starting level.
    pub(crate) steps: Vec<(f64, f64)>,
}

impl StepTrace {
    /// Extra path delay for a packet sent at `send_us`: the level of the last step at or before it.
    pub(crate) fn level_us(&self, send_us: f64) -> f64 {
        self.steps
            .iter()
            .take_while(|s| s.0 <= send_us)
            .last()
            .map_or(0.0, |s| s.1)
    }
}

/// The step traces.
pub(crate) fn step_traces() -> Vec<StepTrace> {
    const S: f64 = 1_000_000.0;
    let mut out = vec![
        StepTrace {
            stem: "step_up_150ms",
            description:
                "delay step up: +150 ms at 60 s for the rest of the call, U(0, 20 ms) jitter, 180 s"
                    .to_string(),
            steps: vec![(0.0, 0.0), (60.0 * S, 150_000.0)],
        },
        StepTrace {
            stem: "step_down_150ms",
            description: "delay step down: +150 ms until 60 s, then back, U(0, 20 ms) jitter, 180 s"
                .to_string(),
            steps: vec![(0.0, 150_000.0), (60.0 * S, 0.0)],
        },
        StepTrace {
            stem: "step_150ms_20s",
            description: "delay step: +150 ms from 60 s to 80 s (route change, Wi-Fi handover), U(0, 20 ms) jitter, 180 s"
                .to_string(),
            steps: vec![(0.0, 0.0), (60.0 * S, 150_000.0), (80.0 * S, 0.0)],
        },
    ];
    // Up and down steps of 80-200 ms every 5-15 s, the level kept within 0-300 ms.
    let mut rng = Rng::new(SEED ^ 0x57E9);
    let mut steps = vec![(0.0, 0.0)];
    let (mut at, mut level) = (0.0, 0.0);
    loop {
        at += (5.0 + rng.unit() * 10.0) * S;
        if at > (CALL_SECONDS as f64 - 5.0) * S {
            break;
        }
        let size = 80_000.0 + rng.unit() * 120_000.0;
        let up = if level + size > 300_000.0 {
            false
        } else if level - size < 0.0 {
            true
        } else {
            rng.unit() < 0.5
        };
        level = if up { level + size } else { level - size };
        steps.push((at, level));
    }
    out.push(StepTrace {
        stem: "repeated_steps",
        description: format!(
            "repeated delay steps: {} up/down steps of 80-200 ms every 5-15 s, level 0-300 ms, U(0, 20 ms) jitter, 180 s",
            steps.len() - 1
        ),
        steps,
    });
    out
}
