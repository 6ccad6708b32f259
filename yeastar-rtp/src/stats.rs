//! RFC 3550 receiver statistics (Appendix A.1, A.3, A.8) and round-trip time
//! from LSR/DLSR (§6.4.1). Sans-IO: fed packets with their arrival `Instant`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::rtcp::{ReportBlock, SenderReport};

/// Sequence jump above which a packet is treated as a restart, not a loss (RFC 3550 A.1).
pub const MAX_DROPOUT: u16 = 3000;
/// Sequence step backwards still treated as reordering (RFC 3550 A.1).
pub const MAX_MISORDER: u16 = 100;
/// In-order packets needed before a new source is valid (RFC 3550 A.1).
pub const MIN_SEQUENTIAL: u8 = 2;

const RTP_SEQ_MOD: u32 = 1 << 16;
/// Seconds from 1900-01-01 (NTP era 0) to 1970-01-01.
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// Converts a wallclock time to a 64-bit NTP timestamp.
pub fn ntp_from_system_time(time: SystemTime) -> u64 {
    let since_unix = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_unix.as_secs() + NTP_UNIX_OFFSET;
    let fraction = ((since_unix.subsec_nanos() as u64) << 32) / 1_000_000_000;
    (seconds << 32) | fraction
}

/// The middle 32 bits of an NTP timestamp, the unit of LSR and round-trip arithmetic.
pub fn ntp_compact(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

/// Round-trip time from a report block about our stream, received when our
/// wallclock read `arrival_ntp` (RFC 3550 §6.4.1: A − LSR − DLSR).
/// `None` when the peer has not yet received a sender report from us or the
/// result would be negative (clock skew).
pub fn round_trip_time(block: &ReportBlock, arrival_ntp: u64) -> Option<Duration> {
    if block.last_sr == 0 {
        return None;
    }
    let rtt = ntp_compact(arrival_ntp)
        .checked_sub(block.last_sr)?
        .checked_sub(block.delay_since_last_sr)?;
    Some(Duration::from_nanos((rtt as u64 * 1_000_000_000) >> 16))
}

/// What a packet did to the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketVerdict {
    /// Counted; the sequence number is new or in the reorder window.
    Accepted,
    /// The source is still on probation (fewer than [`MIN_SEQUENTIAL`] in-order packets).
    Probation,
    /// A large jump: ignored until the next packet confirms a restart.
    BadSequence,
    /// A different SSRC replaced the one being tracked; statistics restarted.
    SsrcChanged {
        /// The SSRC tracked before.
        old: u32,
        /// The new one.
        new: u32,
    },
}

/// Reception statistics for one remote source.
#[derive(Debug, Clone)]
pub struct ReceiverStats {
    clock_rate: u32,
    epoch: Instant,
    ssrc: Option<u32>,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u8,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
    last_transit: Option<i64>,
    /// Jitter in RTP units, scaled by 16 as in RFC 3550 A.8 to keep precision.
    jitter_q4: u64,
    last_sr: u32,
    last_sr_arrival: Option<Instant>,
}

impl ReceiverStats {
    /// Statistics for a stream with `clock_rate` Hz RTP timestamps; `epoch`
    /// is any fixed instant used to convert arrivals to RTP units.
    pub fn new(clock_rate: u32, epoch: Instant) -> Self {
        ReceiverStats {
            clock_rate: clock_rate.max(1),
            epoch,
            ssrc: None,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: RTP_SEQ_MOD + 1,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            last_transit: None,
            jitter_q4: 0,
            last_sr: 0,
            last_sr_arrival: None,
        }
    }

    /// The SSRC being tracked.
    pub fn ssrc(&self) -> Option<u32> {
        self.ssrc
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = seq as u32;
        self.max_seq = seq;
        self.bad_seq = RTP_SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// Records an RTP packet.
    pub fn on_packet(
        &mut self,
        ssrc: u32,
        seq: u16,
        rtp_timestamp: u32,
        arrival: Instant,
    ) -> PacketVerdict {
        let mut verdict = PacketVerdict::Accepted;
        match self.ssrc {
            Some(old) if old != ssrc => {
                // RFC 3550 §8.2: a new SSRC is a new source; start over.
                *self = ReceiverStats::new(self.clock_rate, self.epoch);
                verdict = PacketVerdict::SsrcChanged { old, new: ssrc };
                self.ssrc = Some(ssrc);
                self.init_seq(seq);
                self.max_seq = seq.wrapping_sub(1);
            }
            None => {
                self.ssrc = Some(ssrc);
                self.init_seq(seq);
                self.max_seq = seq.wrapping_sub(1);
            }
            Some(_) => {}
        }
        let sequence = self.update_seq(seq);
        match (sequence, verdict) {
            (PacketVerdict::Accepted, _) => {}
            (other, PacketVerdict::Accepted) => return other,
            _ => {}
        }
        self.update_jitter(rtp_timestamp, arrival);
        verdict
    }

    // RFC 3550 A.1 `update_seq`.
    fn update_seq(&mut self, seq: u16) -> PacketVerdict {
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return PacketVerdict::Accepted;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return PacketVerdict::Probation;
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles += RTP_SEQ_MOD;
            }
            self.max_seq = seq;
        } else if udelta as u32 <= RTP_SEQ_MOD - MAX_MISORDER as u32 {
            if seq as u32 == self.bad_seq {
                // Two sequential packets after a jump: the sender restarted.
                self.init_seq(seq);
            } else {
                self.bad_seq = (seq as u32 + 1) & (RTP_SEQ_MOD - 1);
                return PacketVerdict::BadSequence;
            }
        }
        // Else a duplicate or reordered packet: counted, max unchanged.
        self.received += 1;
        PacketVerdict::Accepted
    }

    // RFC 3550 A.8.
    fn update_jitter(&mut self, rtp_timestamp: u32, arrival: Instant) {
        let arrival_units = (arrival.saturating_duration_since(self.epoch).as_nanos()
            * self.clock_rate as u128
            / 1_000_000_000) as i64;
        // Transit is only meaningful as a difference; wrap it into i32 range.
        let transit = (arrival_units as u32).wrapping_sub(rtp_timestamp) as i32 as i64;
        if let Some(last) = self.last_transit {
            let d = (transit - last).unsigned_abs();
            // J += (|D| - J) / 16, kept as 16·J.
            self.jitter_q4 = self.jitter_q4 + d - ((self.jitter_q4 + 8) >> 4);
        }
        self.last_transit = Some(transit);
    }

    /// Records a sender report from this source, for LSR/DLSR.
    pub fn on_sender_report(&mut self, report: &SenderReport, arrival: Instant) {
        self.last_sr = ntp_compact(report.ntp_timestamp);
        self.last_sr_arrival = Some(arrival);
    }

    /// Extended highest sequence number received.
    pub fn extended_highest_seq(&self) -> u32 {
        self.cycles.wrapping_add(self.max_seq as u32)
    }

    /// Packets expected from the first to the highest sequence number.
    pub fn expected(&self) -> u64 {
        if self.received == 0 {
            return 0;
        }
        (self.cycles as u64 + self.max_seq as u64 + 1).saturating_sub(self.base_seq as u64)
    }

    /// Packets received, duplicates included.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Cumulative loss, negative when duplicates outnumber losses.
    pub fn cumulative_lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// Interarrival jitter in RTP timestamp units.
    pub fn jitter(&self) -> u32 {
        (self.jitter_q4 >> 4) as u32
    }

    /// Builds a report block and starts a new interval for the fraction lost.
    /// `None` before the first valid packet.
    pub fn report_block(&mut self, now: Instant) -> Option<ReportBlock> {
        let ssrc = self.ssrc?;
        if self.received == 0 {
            return None;
        }
        let expected = self.expected();
        let expected_interval = expected - self.expected_prior.min(expected);
        let received_interval = self.received - self.received_prior.min(self.received);
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        };
        let delay_since_last_sr = match self.last_sr_arrival {
            Some(at) => {
                let d = now.saturating_duration_since(at);
                ((d.as_nanos() << 16) / 1_000_000_000).min(u32::MAX as u128) as u32
            }
            None => 0,
        };
        Some(ReportBlock {
            ssrc,
            fraction_lost,
            cumulative_lost: self.cumulative_lost().clamp(-0x80_0000, 0x7F_FFFF) as i32,
            extended_highest_seq: self.extended_highest_seq(),
            jitter: self.jitter(),
            last_sr: self.last_sr,
            delay_since_last_sr,
        })
    }
}

/// Counters a sender needs for its sender reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct SenderStats {
    /// RTP packets sent.
    pub packet_count: u32,
    /// Payload octets sent.
    pub octet_count: u32,
    /// RTP timestamp of the last packet sent.
    pub last_rtp_timestamp: u32,
    /// When it was sent.
    pub last_sent: Option<Instant>,
}

impl SenderStats {
    /// Records one sent packet.
    pub fn on_sent(&mut self, payload_len: usize, rtp_timestamp: u32, now: Instant) {
        self.packet_count = self.packet_count.wrapping_add(1);
        self.octet_count = self.octet_count.wrapping_add(payload_len as u32);
        self.last_rtp_timestamp = rtp_timestamp;
        self.last_sent = Some(now);
    }

    /// A sender report for `ssrc` at wallclock `ntp`/`now`, extrapolating the
    /// RTP timestamp from the last packet sent.
    pub fn sender_report(
        &self,
        ssrc: u32,
        clock_rate: u32,
        ntp: u64,
        now: Instant,
        reports: Vec<ReportBlock>,
    ) -> SenderReport {
        let elapsed = self
            .last_sent
            .map(|at| now.saturating_duration_since(at))
            .unwrap_or_default();
        let advance = (elapsed.as_nanos() * clock_rate as u128 / 1_000_000_000) as u32;
        SenderReport {
            ssrc,
            ntp_timestamp: ntp,
            rtp_timestamp: self.last_rtp_timestamp.wrapping_add(advance),
            packet_count: self.packet_count,
            octet_count: self.octet_count,
            reports,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS20: Duration = Duration::from_millis(20);

    fn feed(stats: &mut ReceiverStats, t0: Instant, seqs: &[u16]) {
        for &seq in seqs {
            let n = seq.wrapping_sub(seqs[0]) as u32;
            stats.on_packet(7, seq, n * 160, t0 + MS20 * n);
        }
    }

    #[test]
    fn counts_loss_and_fraction_across_seq_wrap() {
        let t0 = Instant::now();
        let mut stats = ReceiverStats::new(8000, t0);
        let seqs: Vec<u16> = (0..100u16)
            .map(|i| 65500u16.wrapping_add(i))
            .filter(|s| s % 10 != 3)
            .collect();
        feed(&mut stats, t0, &seqs);
        // First packet is the probation packet; it is not counted (RFC 3550 A.1).
        // 65599 wraps to 63, which the filter dropped; 62 is the highest.
        assert_eq!(stats.extended_highest_seq(), 65536 + 62);
        let block = stats.report_block(t0 + Duration::from_secs(2)).unwrap();
        assert_eq!(block.ssrc, 7);
        assert_eq!(stats.expected(), 98);
        assert_eq!(block.cumulative_lost, 10);
        assert_eq!(block.fraction_lost, (10 * 256 / 98) as u8);
        // Next interval without loss reports zero fraction.
        let more: Vec<u16> = (100..120u16).map(|i| 65500u16.wrapping_add(i)).collect();
        for &seq in &more {
            let n = seq.wrapping_sub(65500) as u32;
            stats.on_packet(7, seq, n * 160, t0 + MS20 * n);
        }
        // Sequence 63 is now known lost: 1 of the 21 expected this interval.
        let block = stats.report_block(t0 + Duration::from_secs(3)).unwrap();
        assert_eq!(block.fraction_lost, (256 / 21) as u8);
        assert_eq!(block.cumulative_lost, 11);
    }

    #[test]
    fn duplicates_make_loss_negative() {
        let t0 = Instant::now();
        let mut stats = ReceiverStats::new(8000, t0);
        feed(&mut stats, t0, &[1, 2, 3, 4]);
        stats.on_packet(7, 4, 480, t0 + MS20 * 4);
        stats.on_packet(7, 4, 480, t0 + MS20 * 5);
        assert_eq!(stats.cumulative_lost(), -2);
    }

    #[test]
    fn jitter_is_zero_for_perfect_pacing_and_tracks_variation() {
        let t0 = Instant::now();
        let mut stats = ReceiverStats::new(8000, t0);
        for n in 0..500u32 {
            stats.on_packet(1, n as u16, n * 160, t0 + MS20 * n);
        }
        assert_eq!(stats.jitter(), 0);
        let mut stats = ReceiverStats::new(8000, t0);
        // Alternate 0 and 10 ms extra delay: |D| = 80 units each packet.
        for n in 0..2000u32 {
            let extra = if n % 2 == 0 {
                Duration::ZERO
            } else {
                Duration::from_millis(10)
            };
            stats.on_packet(1, n as u16, n * 160, t0 + MS20 * n + extra);
        }
        assert!(
            (78..=80).contains(&stats.jitter()),
            "jitter {}",
            stats.jitter()
        );
    }

    #[test]
    fn ssrc_change_restarts_statistics() {
        let t0 = Instant::now();
        let mut stats = ReceiverStats::new(8000, t0);
        feed(&mut stats, t0, &[10, 11, 12]);
        let v = stats.on_packet(99, 5000, 0, t0 + Duration::from_secs(1));
        assert_eq!(v, PacketVerdict::SsrcChanged { old: 7, new: 99 });
        assert_eq!(stats.ssrc(), Some(99));
        stats.on_packet(99, 5001, 160, t0 + Duration::from_secs(1) + MS20);
        assert_eq!(stats.extended_highest_seq(), 5001);
        assert_eq!(stats.cumulative_lost(), 0);
    }

    #[test]
    fn large_jump_needs_confirmation() {
        let t0 = Instant::now();
        let mut stats = ReceiverStats::new(8000, t0);
        feed(&mut stats, t0, &[1, 2, 3]);
        assert_eq!(stats.on_packet(7, 20000, 0, t0), PacketVerdict::BadSequence);
        assert_eq!(stats.extended_highest_seq(), 3);
        assert_eq!(stats.on_packet(7, 20001, 0, t0), PacketVerdict::Accepted);
        assert_eq!(stats.extended_highest_seq(), 20001);
    }

    #[test]
    fn round_trip_from_lsr_and_dlsr() {
        // Example of RFC 3550 §6.4.1 figure 2: A = 0xb710:8000 (46864.5 s),
        // LSR = 0xb705:2000, DLSR = 0x0005:4000 → 6.125 s.
        let block = ReportBlock {
            last_sr: 0xb705_2000,
            delay_since_last_sr: 0x0005_4000,
            ..Default::default()
        };
        let arrival = (0xb710_8000u64) << 16;
        assert_eq!(
            round_trip_time(&block, arrival),
            Some(Duration::from_millis(6125))
        );
        assert_eq!(round_trip_time(&ReportBlock::default(), arrival), None);
    }

    #[test]
    fn report_block_carries_lsr_and_dlsr() {
        let t0 = Instant::now();
        let mut stats = ReceiverStats::new(8000, t0);
        feed(&mut stats, t0, &[1, 2, 3]);
        let sr = SenderReport {
            ssrc: 7,
            ntp_timestamp: 0x0001_2345_6789_0000,
            ..Default::default()
        };
        stats.on_sender_report(&sr, t0);
        let block = stats.report_block(t0 + Duration::from_millis(500)).unwrap();
        assert_eq!(block.last_sr, 0x2345_6789);
        assert_eq!(block.delay_since_last_sr, 0x8000);
    }

    #[test]
    fn ntp_conversion() {
        let t = UNIX_EPOCH + Duration::from_millis(1500);
        let ntp = ntp_from_system_time(t);
        assert_eq!(ntp >> 32, NTP_UNIX_OFFSET + 1);
        assert_eq!(ntp & 0xFFFF_FFFF, 1 << 31);
        let mut sender = SenderStats::default();
        let now = Instant::now();
        sender.on_sent(160, 1000, now);
        let sr = sender.sender_report(5, 8000, ntp, now + MS20, vec![]);
        assert_eq!(
            (sr.packet_count, sr.octet_count, sr.rtp_timestamp),
            (1, 160, 1160)
        );
    }
}
