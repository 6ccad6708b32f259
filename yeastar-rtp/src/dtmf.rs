//! DTMF: RFC 4733 telephone events (send and receive) and an in-band
//! Goertzel detector for PBX trunks that send tones inside the audio.
//!
//! All three are sans-IO state machines: the sender yields payloads the
//! caller paces at ptime, the receiver and detector take packets or samples
//! and queue events the caller drains with `poll_event`/`poll_digit`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::error::Error;

/// Size of an RFC 4733 event payload.
pub const TELEPHONE_EVENT_LEN: usize = 4;

/// Longest event one timestamp can describe: the duration field is 16 bits
/// of RTP units (8.19 s at 8 kHz).
pub const MAX_EVENT_DURATION_SAMPLES: u32 = u16::MAX as u32;

/// How many times the final (end) packet is sent (RFC 4733 §2.5.1.4).
pub const END_RETRANSMISSIONS: usize = 3;

/// Events queued in a receiver or detector before the oldest is dropped.
pub const MAX_PENDING_EVENTS: usize = 16;

/// After this long without a packet for an event whose end never arrived, the receiver ends it.
pub const DEFAULT_EVENT_END_TIMEOUT: Duration = Duration::from_millis(300);

/// The digit for an RFC 4733 event code (0–15), if it is a DTMF key.
pub fn event_to_digit(event: u8) -> Option<char> {
    match event {
        0..=9 => Some((b'0' + event) as char),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some((b'A' + event - 12) as char),
        _ => None,
    }
}

/// The RFC 4733 event code for a DTMF key (`0-9`, `*`, `#`, `A-D`).
pub fn digit_to_event(digit: char) -> Option<u8> {
    match digit {
        '0'..='9' => Some(digit as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(digit as u8 - b'A' + 12),
        'a'..='d' => Some(digit as u8 - b'a' + 12),
        _ => None,
    }
}

/// One RFC 4733 §2.3 telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code; 0–15 are DTMF keys.
    pub event: u8,
    /// The E bit: this is (a retransmission of) the final packet.
    pub end: bool,
    /// Power level in −dBm0, 0–63.
    pub volume: u8,
    /// Duration so far in RTP timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses a payload; extra bytes (redundant events) are ignored.
    pub fn parse(payload: &[u8]) -> Result<Self, Error> {
        if payload.len() < TELEPHONE_EVENT_LEN {
            return Err(Error::Truncated {
                needed: TELEPHONE_EVENT_LEN,
                available: payload.len(),
            });
        }
        Ok(TelephoneEvent {
            event: payload[0],
            end: payload[1] & 0x80 != 0,
            volume: payload[1] & 0x3F,
            duration: u16::from_be_bytes([payload[2], payload[3]]),
        })
    }

    /// The wire form.
    pub fn to_bytes(&self) -> [u8; TELEPHONE_EVENT_LEN] {
        let [d0, d1] = self.duration.to_be_bytes();
        [
            self.event,
            (self.end as u8) << 7 | (self.volume & 0x3F),
            d0,
            d1,
        ]
    }
}

/// One packet of an outgoing event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    /// RTP timestamp: the event start, the same for every packet of the event.
    pub timestamp: u32,
    /// Marker bit: set on the first packet only.
    pub marker: bool,
    /// The payload.
    pub event: TelephoneEvent,
}

/// The packets of one key press, in sending order: one every ptime while the
/// key is held, then the end packet three times. Send one per ptime tick.
#[derive(Debug, Clone)]
pub struct EventBurst {
    event: u8,
    volume: u8,
    timestamp: u32,
    step: u32,
    total: u32,
    sent_duration: u32,
    ends_sent: usize,
}

impl EventBurst {
    /// Event duration in RTP units; the caller skips this many audio samples.
    pub fn duration_samples(&self) -> u32 {
        self.total
    }
}

impl Iterator for EventBurst {
    type Item = EventPacket;

    fn next(&mut self) -> Option<EventPacket> {
        let first = self.sent_duration == 0 && self.ends_sent == 0;
        let (duration, end) = if self.sent_duration + self.step < self.total {
            self.sent_duration += self.step;
            (self.sent_duration, false)
        } else if self.ends_sent < END_RETRANSMISSIONS {
            self.sent_duration = self.total;
            self.ends_sent += 1;
            (self.total, true)
        } else {
            return None;
        };
        Some(EventPacket {
            timestamp: self.timestamp,
            marker: first,
            event: TelephoneEvent {
                event: self.event,
                end,
                volume: self.volume,
                duration: duration as u16,
            },
        })
    }
}

/// Builds RFC 4733 event bursts for one stream.
#[derive(Debug, Clone, Copy)]
pub struct DtmfSender {
    samples_per_packet: u32,
    volume: u8,
}

impl DtmfSender {
    /// A sender pacing updates every `samples_per_packet` RTP units (the
    /// audio ptime), at `volume` −dBm0 (10 is typical).
    pub fn new(samples_per_packet: u32, volume: u8) -> Self {
        DtmfSender {
            samples_per_packet: samples_per_packet.max(1),
            volume: volume.min(63),
        }
    }

    /// The packets for `digit` held for `duration` at 8 kHz, starting at RTP timestamp `timestamp`.
    pub fn press(
        &self,
        digit: char,
        duration: Duration,
        timestamp: u32,
    ) -> Result<EventBurst, Error> {
        let event = digit_to_event(digit).ok_or(Error::Config("not a DTMF digit"))?;
        let total = (duration.as_millis() * 8) as u64;
        if total == 0 || total > MAX_EVENT_DURATION_SAMPLES as u64 {
            return Err(Error::LimitExceeded {
                what: "telephone event duration in samples",
                limit: MAX_EVENT_DURATION_SAMPLES as usize,
            });
        }
        Ok(EventBurst {
            event,
            volume: self.volume,
            timestamp,
            step: self.samples_per_packet,
            total: total as u32,
            sent_duration: 0,
            ends_sent: 0,
        })
    }
}

/// What the receiver reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtmfEvent {
    /// A key went down.
    Started {
        /// The key.
        digit: char,
        /// RTP timestamp of the event.
        timestamp: u32,
    },
    /// The key went up (end packet, a newer event, or the end timeout).
    Ended {
        /// The key.
        digit: char,
        /// RTP timestamp of the event.
        timestamp: u32,
        /// Duration in RTP units.
        duration: u32,
    },
}

#[derive(Debug, Clone, Copy)]
struct CurrentEvent {
    timestamp: u32,
    digit: char,
    duration: u32,
    ended: bool,
    last_seen: Instant,
}

/// Turns received telephone-event packets into one start and one end per key
/// press, whatever was retransmitted, reordered or lost.
#[derive(Debug, Clone)]
pub struct DtmfReceiver {
    current: Option<CurrentEvent>,
    end_timeout: Duration,
    events: VecDeque<DtmfEvent>,
}

impl Default for DtmfReceiver {
    fn default() -> Self {
        DtmfReceiver::new(DEFAULT_EVENT_END_TIMEOUT)
    }
}

impl DtmfReceiver {
    /// A receiver ending unterminated events after `end_timeout` of silence.
    pub fn new(end_timeout: Duration) -> Self {
        DtmfReceiver {
            current: None,
            end_timeout,
            events: VecDeque::with_capacity(4),
        }
    }

    fn emit(&mut self, event: DtmfEvent) {
        if self.events.len() == MAX_PENDING_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    fn end_current(&mut self) {
        if let Some(cur) = self.current.as_mut().filter(|c| !c.ended) {
            cur.ended = true;
            let (digit, timestamp, duration) = (cur.digit, cur.timestamp, cur.duration);
            self.emit(DtmfEvent::Ended {
                digit,
                timestamp,
                duration,
            });
        }
    }

    /// Feeds the payload of a telephone-event packet with its RTP timestamp.
    /// Non-DTMF events (flash, fax tones) are ignored.
    pub fn on_packet(
        &mut self,
        rtp_timestamp: u32,
        payload: &[u8],
        now: Instant,
    ) -> Result<(), Error> {
        let event = TelephoneEvent::parse(payload)?;
        let Some(digit) = event_to_digit(event.event) else {
            return Ok(());
        };
        match self.current {
            Some(cur) if cur.timestamp == rtp_timestamp => {
                // Same event: an update or a retransmitted end.
                if cur.ended {
                    return Ok(());
                }
                if let Some(c) = self.current.as_mut() {
                    c.duration = c.duration.max(event.duration as u32);
                    c.last_seen = now;
                }
            }
            Some(cur) if (rtp_timestamp.wrapping_sub(cur.timestamp) as i32) < 0 => {
                // A straggler from an older event.
                return Ok(());
            }
            _ => {
                self.end_current();
                self.current = Some(CurrentEvent {
                    timestamp: rtp_timestamp,
                    digit,
                    duration: event.duration as u32,
                    ended: false,
                    last_seen: now,
                });
                self.emit(DtmfEvent::Started {
                    digit,
                    timestamp: rtp_timestamp,
                });
            }
        }
        if event.end {
            self.end_current();
        }
        Ok(())
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.current
            .filter(|c| !c.ended)
            .map(|c| c.last_seen + self.end_timeout)
    }

    /// Ends an event whose end packets were all lost.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|at| now >= at) {
            self.end_current();
        }
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<DtmfEvent> {
        self.events.pop_front()
    }
}

/// Samples per Goertzel block: 205 at 8 kHz (25.6 ms) puts all eight DTMF
/// frequencies near bin centres, the classic choice.
pub const GOERTZEL_BLOCK: usize = 205;

const ROWS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
const COLUMNS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
const KEYS: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];

/// Thresholds of the in-band detector.
#[derive(Debug, Clone, Copy)]
pub struct InbandDtmfConfig {
    /// Lowest power per tone (mean square of a sine is A²/2); 5 000 is about amplitude 100, −50 dBFS.
    pub min_tone_power: f32,
    /// Row tone may exceed the column tone by this ratio (normal twist, 8 dB).
    pub max_normal_twist: f32,
    /// Column tone may exceed the row tone by this ratio (reverse twist, 4 dB).
    pub max_reverse_twist: f32,
    /// The two tones must carry at least this fraction of the block's power.
    pub min_tone_fraction: f32,
    /// Consecutive blocks with the same key before it is reported (2 ≈ 51 ms).
    pub confirm_blocks: u8,
}

impl Default for InbandDtmfConfig {
    fn default() -> Self {
        InbandDtmfConfig {
            min_tone_power: 5_000.0,
            max_normal_twist: 6.3,
            max_reverse_twist: 2.5,
            min_tone_fraction: 0.6,
            confirm_blocks: 2,
        }
    }
}

/// Goertzel DTMF detector over 8 kHz linear PCM in any chunk size.
#[derive(Debug, Clone)]
pub struct InbandDtmfDetector {
    config: InbandDtmfConfig,
    coefficients: [f32; 8],
    block: [f32; GOERTZEL_BLOCK],
    filled: usize,
    candidate: Option<char>,
    candidate_blocks: u8,
    reported: Option<char>,
    digits: VecDeque<char>,
}

impl Default for InbandDtmfDetector {
    fn default() -> Self {
        InbandDtmfDetector::new(InbandDtmfConfig::default())
    }
}

impl InbandDtmfDetector {
    /// A detector with the given thresholds.
    pub fn new(config: InbandDtmfConfig) -> Self {
        let mut coefficients = [0.0; 8];
        for (c, f) in coefficients
            .iter_mut()
            .zip(ROWS.iter().chain(COLUMNS.iter()))
        {
            *c = 2.0 * (2.0 * std::f32::consts::PI * f / 8000.0).cos();
        }
        InbandDtmfDetector {
            config,
            coefficients,
            block: [0.0; GOERTZEL_BLOCK],
            filled: 0,
            candidate: None,
            candidate_blocks: 0,
            reported: None,
            digits: VecDeque::new(),
        }
    }

    /// Feeds samples; detected digits are queued for [`poll_digit`](Self::poll_digit).
    pub fn process(&mut self, pcm: &[i16]) {
        for &sample in pcm {
            self.block[self.filled] = sample as f32;
            self.filled += 1;
            if self.filled == GOERTZEL_BLOCK {
                self.filled = 0;
                let key = self.analyse_block();
                self.on_block(key);
            }
        }
    }

    /// The next detected digit.
    pub fn poll_digit(&mut self) -> Option<char> {
        self.digits.pop_front()
    }

    fn on_block(&mut self, key: Option<char>) {
        if key == self.candidate {
            self.candidate_blocks = self.candidate_blocks.saturating_add(1);
        } else {
            self.candidate = key;
            self.candidate_blocks = 1;
        }
        if self.candidate_blocks >= self.config.confirm_blocks && self.reported != self.candidate {
            // A key is reported once per press; silence or another key re-arms.
            self.reported = self.candidate;
            if let Some(digit) = self.candidate {
                if self.digits.len() == MAX_PENDING_EVENTS {
                    self.digits.pop_front();
                }
                self.digits.push_back(digit);
            }
        }
    }

    fn analyse_block(&self) -> Option<char> {
        let n = GOERTZEL_BLOCK as f32;
        let total: f32 = self.block.iter().map(|x| x * x).sum::<f32>() / n;
        let mut power = [0.0f32; 8];
        for (p, &coeff) in power.iter_mut().zip(&self.coefficients) {
            let (mut s1, mut s2) = (0.0f32, 0.0f32);
            for &x in &self.block {
                let s0 = x + coeff * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            // |X|² scaled so a sine of amplitude A gives A²/2.
            *p = 2.0 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n * n);
        }
        let (row, row_power) = strongest(&power[..4]);
        let (col, col_power) = strongest(&power[4..]);
        let cfg = &self.config;
        if row_power < cfg.min_tone_power || col_power < cfg.min_tone_power {
            return None;
        }
        if row_power > col_power * cfg.max_normal_twist
            || col_power > row_power * cfg.max_reverse_twist
        {
            return None;
        }
        if row_power + col_power < cfg.min_tone_fraction * total {
            return None;
        }
        // The other tones of each group must be well below the winner (≥ 8 dB).
        let others_quiet = |group: &[f32], winner: usize, peak: f32| {
            group
                .iter()
                .enumerate()
                .all(|(i, &p)| i == winner || p * 6.3 < peak)
        };
        if !others_quiet(&power[..4], row, row_power) || !others_quiet(&power[4..], col, col_power)
        {
            return None;
        }
        Some(KEYS[row][col])
    }
}

fn strongest(group: &[f32]) -> (usize, f32) {
    group.iter().copied().enumerate().fold(
        (0, f32::MIN),
        |best, (i, p)| if p > best.1 { (i, p) } else { best },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trip_and_errors() {
        let e = TelephoneEvent {
            event: 11,
            end: true,
            volume: 10,
            duration: 1280,
        };
        assert_eq!(e.to_bytes(), [11, 0x8A, 0x05, 0x00]);
        assert_eq!(TelephoneEvent::parse(&e.to_bytes()).unwrap(), e);
        assert!(matches!(
            TelephoneEvent::parse(&[1, 2]),
            Err(Error::Truncated { .. })
        ));
        for (d, code) in "0123456789*#ABCD".chars().zip(0u8..) {
            assert_eq!(digit_to_event(d), Some(code));
            assert_eq!(event_to_digit(code), Some(d));
        }
        assert_eq!(event_to_digit(16), None);
    }

    #[test]
    fn burst_has_marker_growing_duration_and_three_ends() {
        let sender = DtmfSender::new(160, 10);
        let packets: Vec<_> = sender
            .press('5', Duration::from_millis(100), 4000)
            .unwrap()
            .collect();
        let durations: Vec<u16> = packets.iter().map(|p| p.event.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        assert!(packets[0].marker && packets[1..].iter().all(|p| !p.marker));
        assert!(
            packets
                .iter()
                .all(|p| p.timestamp == 4000 && p.event.event == 5)
        );
        assert_eq!(
            packets.iter().filter(|p| p.event.end).count(),
            END_RETRANSMISSIONS
        );
        assert!(packets[..4].iter().all(|p| !p.event.end));
        assert!(sender.press('x', Duration::from_millis(100), 0).is_err());
        assert!(sender.press('1', Duration::from_secs(9), 0).is_err());
        assert!(sender.press('1', Duration::ZERO, 0).is_err());
    }

    fn drain(rx: &mut DtmfReceiver) -> Vec<DtmfEvent> {
        std::iter::from_fn(|| rx.poll_event()).collect()
    }

    #[test]
    fn receiver_dedupes_retransmitted_ends() {
        let t0 = Instant::now();
        let mut rx = DtmfReceiver::default();
        for p in DtmfSender::new(160, 10)
            .press('#', Duration::from_millis(100), 4000)
            .unwrap()
        {
            rx.on_packet(p.timestamp, &p.event.to_bytes(), t0).unwrap();
        }
        assert_eq!(
            drain(&mut rx),
            [
                DtmfEvent::Started {
                    digit: '#',
                    timestamp: 4000
                },
                DtmfEvent::Ended {
                    digit: '#',
                    timestamp: 4000,
                    duration: 800
                }
            ]
        );
    }

    #[test]
    fn receiver_ends_event_when_ends_are_lost() {
        let t0 = Instant::now();
        let mut rx = DtmfReceiver::default();
        let burst: Vec<_> = DtmfSender::new(160, 10)
            .press('1', Duration::from_millis(100), 0)
            .unwrap()
            .collect();
        for p in &burst[..3] {
            rx.on_packet(p.timestamp, &p.event.to_bytes(), t0).unwrap();
        }
        // The next key press implies the first one ended.
        let second: Vec<_> = DtmfSender::new(160, 10)
            .press('2', Duration::from_millis(60), 2000)
            .unwrap()
            .collect();
        rx.on_packet(2000, &second[0].event.to_bytes(), t0).unwrap();
        // A straggler of the first event changes nothing.
        rx.on_packet(0, &burst[3].event.to_bytes(), t0).unwrap();
        assert_eq!(
            drain(&mut rx),
            [
                DtmfEvent::Started {
                    digit: '1',
                    timestamp: 0
                },
                DtmfEvent::Ended {
                    digit: '1',
                    timestamp: 0,
                    duration: 480
                },
                DtmfEvent::Started {
                    digit: '2',
                    timestamp: 2000
                },
            ]
        );
        // Then nothing arrives: the timeout ends the second one.
        let deadline = rx.poll_timeout().unwrap();
        rx.handle_timeout(deadline - Duration::from_millis(1));
        assert!(rx.poll_event().is_none());
        rx.handle_timeout(deadline);
        assert_eq!(
            drain(&mut rx),
            [DtmfEvent::Ended {
                digit: '2',
                timestamp: 2000,
                duration: 160
            }]
        );
        assert_eq!(rx.poll_timeout(), None);
    }

    fn tone(digit: char, ms: usize, amplitude: f32) -> Vec<i16> {
        let index = KEYS.iter().flatten().position(|&k| k == digit).unwrap();
        let (fr, fc) = (ROWS[index / 4], COLUMNS[index % 4]);
        (0..ms * 8)
            .map(|i| {
                let t = i as f32 / 8000.0;
                let v = amplitude
                    * ((2.0 * std::f32::consts::PI * fr * t).sin()
                        + (2.0 * std::f32::consts::PI * fc * t).sin());
                v as i16
            })
            .collect()
    }

    #[test]
    fn goertzel_detects_every_key_once_per_press() {
        let mut detector = InbandDtmfDetector::default();
        let keys = "0123456789*#ABCD";
        for digit in keys.chars() {
            let mut audio = tone(digit, 80, 4000.0);
            audio.extend(std::iter::repeat_n(0i16, 60 * 8));
            // Odd chunk sizes exercise the block accumulator.
            for chunk in audio.chunks(37) {
                detector.process(chunk);
            }
        }
        let detected: String = std::iter::from_fn(|| detector.poll_digit()).collect();
        assert_eq!(detected, keys);
    }

    #[test]
    fn goertzel_ignores_noise_single_tones_and_harmonic_voice() {
        let mut detector = InbandDtmfDetector::default();
        let mut seed = 1u32;
        let noise: Vec<i16> = (0..8000)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                ((seed >> 16) as i16) / 4
            })
            .collect();
        detector.process(&noise);
        let single: Vec<i16> = (0..8000)
            .map(|i| {
                (8000.0 * (2.0 * std::f32::consts::PI * 770.0 * i as f32 / 8000.0).sin()) as i16
            })
            .collect();
        detector.process(&single);
        // Ten harmonics of a 150 Hz voice land near 770 and 1336 Hz among others.
        let voice: Vec<i16> = (0..8000)
            .map(|i| {
                let t = i as f32 / 8000.0;
                (1..=10)
                    .map(|h| 1500.0 * (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin())
                    .sum::<f32>() as i16
            })
            .collect();
        detector.process(&voice);
        assert_eq!(detector.poll_digit(), None);
        // A quiet key below the power floor is ignored too.
        detector.process(&tone('5', 100, 50.0));
        assert_eq!(detector.poll_digit(), None);
    }
}
