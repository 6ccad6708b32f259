//! Network traces and the playout simulation used to score jitter buffers.
//!
//! A trace is CSV, one row per packet that arrived, in arrival order:
//! `seq,rtp_ts,arrival_us`. Lines starting with `#` are comments; a comment
//! may set `clock_rate=` and `ptime_ms=` (defaults 8000 and 20). A header
//! row `seq,rtp_ts,arrival_us` is allowed.
//!
//! # Metrics
//!
//! The *reference line* is the earliest each packet could have arrived: its
//! RTP time plus the smallest transit (arrival − RTP time) in the trace. A
//! frame's *delay* is its playout instant minus that reference, so a
//! constant playout delay `D` gives every frame delay `D`. The *oracle* is the
//! smallest constant `D` that leaves at most 1 % of packets late.
//!
//! The simulation pops once per ptime from the first arrival on, pushing
//! each packet before the first pop at or after its arrival. *Late* counts
//! packets that arrived but were never played (too late, or dropped to cut
//! latency); *lost* counts sequence numbers that never arrived; *concealed*
//! counts the concealment frames the buffer answered while the stream ran
//! (losses, late packets, and frames inserted to grow the delay).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::error::Error;
use crate::jitter::{JitterBuffer, JitterConfig, JitterStats, Playout};

/// Most rows accepted in one trace (over five hours of 20 ms packets).
pub const MAX_TRACE_ROWS: usize = 1_000_000;

/// Fraction of packets the oracle may leave late.
pub const ORACLE_LATE_FRACTION: f64 = 0.01;

/// One arrived packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TracePacket {
    /// RTP sequence number.
    pub seq: u16,
    /// RTP timestamp.
    pub rtp_ts: u32,
    /// Arrival time in µs from any origin.
    pub arrival_us: u64,
}

/// A parsed trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// RTP clock rate.
    pub clock_rate: u32,
    /// Packet duration in ms.
    pub ptime_ms: u32,
    /// Rows in arrival order.
    pub packets: Vec<TracePacket>,
}

impl Trace {
    /// Parses the CSV form.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut trace = Trace {
            clock_rate: 8000,
            ptime_ms: 20,
            packets: Vec::new(),
        };
        for line in text.lines() {
            let line = line.trim();
            if let Some(comment) = line.strip_prefix('#') {
                for word in comment.split_whitespace() {
                    if let Some(v) = word.strip_prefix("clock_rate=") {
                        trace.clock_rate = v
                            .parse()
                            .map_err(|_| Error::Malformed("trace clock_rate"))?;
                    } else if let Some(v) = word.strip_prefix("ptime_ms=") {
                        trace.ptime_ms =
                            v.parse().map_err(|_| Error::Malformed("trace ptime_ms"))?;
                    }
                }
                continue;
            }
            if line.is_empty() || line.starts_with("seq") {
                continue;
            }
            if trace.packets.len() == MAX_TRACE_ROWS {
                return Err(Error::LimitExceeded {
                    what: "trace rows",
                    limit: MAX_TRACE_ROWS,
                });
            }
            let mut fields = line.split(',').map(str::trim);
            let mut next = || {
                fields
                    .next()
                    .ok_or(Error::Malformed("trace row needs 3 fields"))
            };
            let seq = next()?.parse().map_err(|_| Error::Malformed("trace seq"))?;
            let rtp_ts = next()?
                .parse()
                .map_err(|_| Error::Malformed("trace rtp_ts"))?;
            let arrival_us = next()?
                .parse()
                .map_err(|_| Error::Malformed("trace arrival_us"))?;
            trace.packets.push(TracePacket {
                seq,
                rtp_ts,
                arrival_us,
            });
        }
        if trace.clock_rate == 0 || trace.ptime_ms == 0 {
            return Err(Error::Malformed(
                "trace clock_rate and ptime_ms must be positive",
            ));
        }
        Ok(trace)
    }

    /// The CSV form, with a header comment.
    pub fn to_csv(&self, description: &str) -> String {
        let mut out = String::with_capacity(self.packets.len() * 24 + 128);
        let _ = writeln!(out, "# {description}");
        let _ = writeln!(
            out,
            "# clock_rate={} ptime_ms={}",
            self.clock_rate, self.ptime_ms
        );
        out.push_str("seq,rtp_ts,arrival_us\n");
        for p in &self.packets {
            let _ = writeln!(out, "{},{},{}", p.seq, p.rtp_ts, p.arrival_us);
        }
        out
    }

    /// Extended sequence numbers and timestamps (unwrapped) per row.
    fn unwrapped(&self) -> Vec<(i64, i64)> {
        let mut out = Vec::with_capacity(self.packets.len());
        let (mut seq, mut ts) = (0i64, 0i64);
        for (i, p) in self.packets.iter().enumerate() {
            if i == 0 {
                seq = p.seq as i64;
                ts = p.rtp_ts as i64;
            } else {
                seq += p.seq.wrapping_sub(seq as u16) as i16 as i64;
                ts += p.rtp_ts.wrapping_sub(ts as u32) as i32 as i64;
            }
            out.push((seq, ts));
        }
        out
    }
}

/// The scores of one simulation run.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct SimReport {
    /// Rows in the trace (packets that arrived, duplicates included).
    pub packets: u64,
    /// Received frames played.
    pub played: u64,
    /// Arrived but never played.
    pub late: u64,
    /// Never arrived.
    pub lost: u64,
    /// `late` as a percentage of distinct arrived packets.
    pub late_pct: f64,
    /// Mean delay of played frames above the reference line, ms.
    pub mean_delay_ms: f64,
    /// 95th percentile of that delay, ms.
    pub p95_delay_ms: f64,
    /// The oracle's constant delay, ms.
    pub oracle_delay_ms: f64,
    /// Concealment frames: pops answered [`Playout::Missing`] or a concealed frame,
    /// for lost packets, late ones, and frames inserted to grow the delay.
    pub concealed: u64,
    /// `concealed` as a percentage of the frames played.
    pub concealed_pct: f64,
    /// Longest run of consecutive arrived packets (in timestamp order) that were not
    /// played: an audible gap when it is more than a frame or two.
    pub longest_late_run: u64,
}

impl SimReport {
    /// One JSON object with the fields in declaration order.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"packets\":{},\"played\":{},\"late\":{},\"lost\":{},\"late_pct\":{:.3},\"mean_delay_ms\":{:.2},\"p95_delay_ms\":{:.2},\"oracle_delay_ms\":{:.2},\"concealed\":{},\"concealed_pct\":{:.3},\"longest_late_run\":{}}}",
            self.packets,
            self.played,
            self.late,
            self.lost,
            self.late_pct,
            self.mean_delay_ms,
            self.p95_delay_ms,
            self.oracle_delay_ms,
            self.concealed,
            self.concealed_pct,
            self.longest_late_run
        )
    }

    /// The goal of the trace suite: late ≤ 1 % and mean delay ≤
    /// max(1.3 × oracle, oracle + 20 ms).
    pub fn meets_goal(&self) -> bool {
        self.late_pct <= 1.0
            && self.mean_delay_ms <= (1.3 * self.oracle_delay_ms).max(self.oracle_delay_ms + 20.0)
    }
}

/// One played frame of a simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct SimFrame {
    /// RTP time of the frame from the trace's first row, in µs (unwrapped).
    pub media_us: i64,
    /// Its delay above the reference line, ms.
    pub delay_ms: f64,
}

/// A simulation in detail: the scores, the buffer's counters, every played
/// frame, and the packets that arrived but were not played.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SimTimeline {
    /// The scores.
    pub report: SimReport,
    /// The buffer's own counters at the end.
    pub stats: JitterStats,
    /// Played frames in playout order.
    pub frames: Vec<SimFrame>,
    /// RTP times (as in [`SimFrame::media_us`]) of the packets that arrived but
    /// were not played, ascending.
    pub late_media_us: Vec<i64>,
}

/// Per-row transit relative to the smallest, in µs, for distinct packets.
fn relative_transits(trace: &Trace) -> (Vec<i64>, i64, i64) {
    let unwrapped = trace.unwrapped();
    let ts0 = unwrapped.first().map(|u| u.1).unwrap_or(0);
    let mut seen = std::collections::HashSet::with_capacity(unwrapped.len());
    let mut transits = Vec::with_capacity(unwrapped.len());
    for (p, &(seq, ts)) in trace.packets.iter().zip(&unwrapped) {
        if seen.insert(seq) {
            let rtp_us = (ts - ts0) * 1_000_000 / trace.clock_rate as i64;
            transits.push(p.arrival_us as i64 - rtp_us);
        }
    }
    let min = transits.iter().copied().min().unwrap_or(0);
    (transits, min, ts0)
}

/// The smallest constant playout delay (above the reference line) that
/// leaves at most [`ORACLE_LATE_FRACTION`] of the packets late, in ms.
pub fn oracle_delay_ms(trace: &Trace) -> f64 {
    let (transits, min, _) = relative_transits(trace);
    if transits.is_empty() {
        return 0.0;
    }
    let mut relative: Vec<i64> = transits.iter().map(|t| t - min).collect();
    relative.sort_unstable();
    let allowed_late = (relative.len() as f64 * ORACLE_LATE_FRACTION).floor() as usize;
    relative[relative.len() - 1 - allowed_late.min(relative.len() - 1)] as f64 / 1000.0
}

/// Plays `trace` through a [`JitterBuffer`] with `config` and scores it.
pub fn simulate(trace: &Trace, config: JitterConfig) -> SimReport {
    simulate_with_stats(trace, config).0
}

/// [`simulate`], also returning the buffer's own counters.
pub fn simulate_with_stats(trace: &Trace, config: JitterConfig) -> (SimReport, JitterStats) {
    let timeline = simulate_timeline(trace, config);
    (timeline.report, timeline.stats)
}

/// [`simulate`], with every played frame and every late packet.
pub fn simulate_timeline(trace: &Trace, config: JitterConfig) -> SimTimeline {
    let config = JitterConfig {
        clock_rate: trace.clock_rate,
        frame_samples: trace.clock_rate * trace.ptime_ms / 1000,
        ..config
    };
    let mut buffer = JitterBuffer::new(config);
    let (transits, min_transit, ts0) = relative_transits(trace);
    let distinct = transits.len() as u64;
    let unwrapped = trace.unwrapped();
    let (min_seq, max_seq) = unwrapped
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), &(s, _)| {
            (lo.min(s), hi.max(s))
        });
    let expected = if unwrapped.is_empty() {
        0
    } else {
        (max_seq - min_seq + 1) as u64
    };
    let media_us = |ts: i64| (ts - ts0) * 1_000_000 / trace.clock_rate as i64;

    let epoch = Instant::now();
    let at = |us: i64| epoch + Duration::from_micros(us.max(0) as u64);
    let first = trace
        .packets
        .first()
        .map(|p| p.arrival_us as i64)
        .unwrap_or(0);
    let last = trace
        .packets
        .iter()
        .map(|p| p.arrival_us as i64)
        .max()
        .unwrap_or(0);
    let ptime_us = trace.ptime_ms as i64 * 1000;
    // Timestamps of played frames are unwrapped against the previous one.
    let mut last_ts: Option<i64> = None;
    let mut frames = Vec::with_capacity(trace.packets.len());
    let mut concealed = 0u64;
    let mut next_row = 0;
    let mut now = first;
    let end = last + 2_000_000;
    while now <= end {
        while next_row < trace.packets.len() && trace.packets[next_row].arrival_us as i64 <= now {
            let p = trace.packets[next_row];
            let _ = buffer.push_parts(
                1,
                p.seq,
                p.rtp_ts,
                false,
                Bytes::new(),
                at(p.arrival_us as i64),
            );
            next_row += 1;
        }
        match buffer.pop(at(now)) {
            Playout::Frame(frame) if !frame.concealed => {
                let ts = match last_ts {
                    None => ts0 + frame.timestamp.wrapping_sub(ts0 as u32) as i32 as i64,
                    Some(prev) => prev + frame.timestamp.wrapping_sub(prev as u32) as i32 as i64,
                };
                last_ts = Some(ts);
                let reference = media_us(ts) + min_transit;
                frames.push(SimFrame {
                    media_us: media_us(ts),
                    delay_ms: (now - reference) as f64 / 1000.0,
                });
            }
            Playout::Frame(_) | Playout::Missing { .. } => concealed += 1,
            Playout::Empty => {}
        }
        now += ptime_us;
    }
    let played = frames.len() as u64;
    let mut delays: Vec<f64> = frames.iter().map(|f| f.delay_ms).collect();
    let mean = if delays.is_empty() {
        0.0
    } else {
        delays.iter().sum::<f64>() / delays.len() as f64
    };
    delays.sort_unstable_by(f64::total_cmp);
    let p95 = delays
        .get(((delays.len() as f64 * 0.95) as usize).min(delays.len().saturating_sub(1)))
        .copied();

    // Arrived packets in timestamp order, each marked played or not.
    let mut arrived: Vec<i64> = unwrapped.iter().map(|&(_, ts)| media_us(ts)).collect();
    arrived.sort_unstable();
    arrived.dedup();
    let mut played_media: Vec<i64> = frames.iter().map(|f| f.media_us).collect();
    played_media.sort_unstable();
    let mut late_media_us = Vec::new();
    let (mut run, mut longest_late_run) = (0u64, 0u64);
    for m in arrived {
        if played_media.binary_search(&m).is_ok() {
            run = 0;
        } else {
            late_media_us.push(m);
            run += 1;
            longest_late_run = longest_late_run.max(run);
        }
    }

    let late = distinct.saturating_sub(played);
    let report = SimReport {
        packets: trace.packets.len() as u64,
        played,
        late,
        lost: expected.saturating_sub(distinct),
        late_pct: if distinct == 0 {
            0.0
        } else {
            late as f64 * 100.0 / distinct as f64
        },
        mean_delay_ms: mean,
        p95_delay_ms: p95.unwrap_or(0.0),
        oracle_delay_ms: oracle_delay_ms(trace),
        concealed,
        concealed_pct: if played == 0 {
            0.0
        } else {
            concealed as f64 * 100.0 / played as f64
        },
        longest_late_run,
    };
    SimTimeline {
        report,
        stats: buffer.stats(),
        frames,
        late_media_us,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments_header_and_rows() {
        let trace = Trace::parse(
            "# test clock_rate=16000 ptime_ms=10\nseq,rtp_ts,arrival_us\n1,160,0\n2,320,10000\n",
        )
        .unwrap();
        assert_eq!(
            (trace.clock_rate, trace.ptime_ms, trace.packets.len()),
            (16000, 10, 2)
        );
        assert_eq!(Trace::parse(&trace.to_csv("x")).unwrap(), trace);
        assert!(Trace::parse("1,2\n").is_err());
        assert!(Trace::parse("a,2,3\n").is_err());
    }

    #[test]
    fn oracle_of_a_perfect_trace_is_zero_and_of_a_shifted_packet_ignores_one_percent() {
        let mut packets: Vec<TracePacket> = (0..200u32)
            .map(|i| TracePacket {
                seq: i as u16,
                rtp_ts: i * 160,
                arrival_us: 5000 + i as u64 * 20_000,
            })
            .collect();
        let trace = Trace {
            clock_rate: 8000,
            ptime_ms: 20,
            packets: packets.clone(),
        };
        assert_eq!(oracle_delay_ms(&trace), 0.0);
        // Two packets 50 ms late (1 %) are ignored; a third is not.
        for i in [10, 20, 30] {
            packets[i].arrival_us += 50_000;
        }
        let trace = Trace {
            clock_rate: 8000,
            ptime_ms: 20,
            packets,
        };
        assert_eq!(oracle_delay_ms(&trace), 50.0);
    }
}
