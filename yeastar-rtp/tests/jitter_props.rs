//! Properties of the jitter buffer under random delay, loss, duplication and
//! sequence/timestamp wrap.

use std::time::{Duration, Instant};

use bytes::Bytes;
use proptest::prelude::*;
use yeastar_rtp::jitter::{JitterBuffer, JitterConfig, Playout, PushOutcome};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_packet_is_played_once_in_order_or_counted(
        first_seq in any::<u16>(),
        first_ts in any::<u32>(),
        delays in prop::collection::vec((0u64..120, prop::bool::weighted(0.05), prop::bool::weighted(0.03)), 50..400),
        fixed in prop::option::of(0u64..100),
    ) {
        let config = match fixed {
            Some(ms) => JitterConfig::fixed(Duration::from_millis(ms)),
            None => JitterConfig::default(),
        };
        let mut buffer = JitterBuffer::new(config);
        // (arrival ms, index) for every packet that is not lost, duplicates twice.
        let mut arrivals: Vec<(u64, u32)> = Vec::new();
        for (i, &(delay, lost, duplicated)) in delays.iter().enumerate() {
            if lost {
                continue;
            }
            arrivals.push((i as u64 * 20 + delay, i as u32));
            if duplicated {
                arrivals.push((i as u64 * 20 + delay + 7, i as u32));
            }
        }
        arrivals.sort();
        let start = Instant::now();
        let mut next = 0;
        let mut played: Vec<u32> = Vec::new();
        let (mut buffered, mut late, mut duplicates) = (0u64, 0u64, 0u64);
        let end = delays.len() as u64 * 20 + 400;
        let mut now = 0;
        while now <= end {
            while next < arrivals.len() && arrivals[next].0 <= now {
                let (at, i) = arrivals[next];
                let seq = first_seq.wrapping_add(i as u16);
                let ts = first_ts.wrapping_add(i * 160);
                let outcome = buffer
                    .push_parts(9, seq, ts, i == 0, Bytes::from(i.to_be_bytes().to_vec()), start + Duration::from_millis(at))
                    .unwrap();
                match outcome {
                    PushOutcome::Buffered => buffered += 1,
                    PushOutcome::Late => late += 1,
                    PushOutcome::Duplicate => duplicates += 1,
                    PushOutcome::Overflow => prop_assert!(false, "overflow with a 5 s ring"),
                }
                next += 1;
            }
            if let Playout::Frame(frame) = buffer.pop(start + Duration::from_millis(now)) {
                prop_assert!(!frame.concealed);
                let index = u32::from_be_bytes(frame.payload[..4].try_into().unwrap());
                prop_assert_eq!(frame.seq, first_seq.wrapping_add(index as u16));
                prop_assert_eq!(frame.timestamp, first_ts.wrapping_add(index * 160));
                played.push(index);
            }
            now += 20;
        }
        // Strictly increasing: nothing twice, nothing out of order.
        prop_assert!(played.windows(2).all(|w| w[0] < w[1]), "{:?}", played);
        let stats = buffer.stats();
        prop_assert_eq!(stats.duplicates, duplicates);
        prop_assert_eq!(stats.late, late);
        // Every buffered packet was played or dropped to cut latency.
        prop_assert_eq!(buffered, played.len() as u64 + stats.discarded);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A path whose delay steps up and down (route changes), without jitter: the buffer
    /// grows by waiting and shrinks by dropping single frames, so no packet is late and
    /// no two received frames in a row go unplayed.
    #[test]
    fn delay_steps_make_no_packet_late_and_drop_no_run(
        first_seq in any::<u16>(),
        first_ts in any::<u32>(),
        steps in prop::collection::vec((50u32..400, 0u64..300), 1..5),
    ) {
        let mut levels = Vec::new();
        for &(len, level) in &steps {
            levels.extend(std::iter::repeat_n(level, len as usize));
        }
        let mut arrivals: Vec<(u64, u32)> = levels
            .iter()
            .enumerate()
            .map(|(i, &level)| (i as u64 * 20 + 40 + level, i as u32))
            .collect();
        arrivals.sort();
        let mut buffer = JitterBuffer::new(JitterConfig::default());
        let start = Instant::now();
        let mut next = 0;
        let mut played: Vec<u32> = Vec::new();
        let end = arrivals.last().map_or(0, |a| a.0) + 1000;
        let mut now = 0;
        while now <= end {
            while next < arrivals.len() && arrivals[next].0 <= now {
                let (at, i) = arrivals[next];
                let outcome = buffer
                    .push_parts(
                        9,
                        first_seq.wrapping_add(i as u16),
                        first_ts.wrapping_add(i * 160),
                        i == 0,
                        Bytes::from(i.to_be_bytes().to_vec()),
                        start + Duration::from_millis(at),
                    )
                    .unwrap();
                prop_assert_eq!(outcome, PushOutcome::Buffered, "packet {} at {} ms", i, at);
                next += 1;
            }
            if let Playout::Frame(frame) = buffer.pop(start + Duration::from_millis(now)) {
                played.push(u32::from_be_bytes(frame.payload[..4].try_into().unwrap()));
            }
            now += 20;
        }
        prop_assert!(played.windows(2).all(|w| w[1] == w[0] + 1 || w[1] == w[0] + 2), "{:?}", played);
        prop_assert_eq!(buffer.stats().late, 0);
        prop_assert_eq!(played.len() as u64 + buffer.stats().discarded, levels.len() as u64);
    }
}
