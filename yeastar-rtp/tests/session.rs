//! Media sessions over loopback UDP, each test bounded in time.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use yeastar_rtp::Error;
use yeastar_rtp::G711Law;
use yeastar_rtp::dtmf::DtmfEvent;
use yeastar_rtp::playback::Prompt;
use yeastar_rtp::recording::{CallSide, RecorderConfig, RecordingLayout, recording_path};
use yeastar_rtp::session::{MediaConfig, MediaEvent, MediaSession, PortRange, RecordingTarget};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const LIMIT: Duration = Duration::from_secs(10);

fn tone(offset: usize) -> Vec<i16> {
    (0..160)
        .map(|i| {
            (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * (offset + i) as f64 / 8000.0).sin())
                as i16
        })
        .collect()
}

/// Waits for the first event matching `pick`, skipping the others.
async fn wait_for<T>(
    session: &mut MediaSession,
    mut pick: impl FnMut(&MediaEvent) -> Option<T>,
) -> T {
    tokio::time::timeout(LIMIT, async {
        loop {
            let event = session.next_event().await.expect("session ended");
            if let Some(found) = pick(&event) {
                return found;
            }
        }
    })
    .await
    .expect("event within the time limit")
}

#[tokio::test]
async fn exhausted_port_range_is_a_clear_error() {
    let range = PortRange::new(41_100, 41_101).unwrap();
    let first = range.bind(LOOPBACK, false).await.unwrap();
    assert_eq!(first.rtp.local_addr().unwrap().port(), 41_100);
    assert_eq!(
        first.rtcp.as_ref().unwrap().local_addr().unwrap().port(),
        41_101
    );
    let second = range.bind(LOOPBACK, false).await;
    assert!(
        matches!(
            second,
            Err(Error::PortsExhausted {
                min: 41_100,
                max: 41_101
            })
        ),
        "{second:?}"
    );
    drop(first);
    // Freed ports are found again.
    assert!(range.bind(LOOPBACK, false).await.is_ok());
    assert!(PortRange::new(41_101, 41_101).is_err());
}

#[tokio::test]
async fn audio_dtmf_and_recording_between_two_sessions() {
    tokio::time::timeout(LIMIT, async {
        let range = PortRange::new(41_200, 41_299).unwrap();
        let a_sockets = range.bind(LOOPBACK, false).await.unwrap();
        let b_sockets = range.bind(LOOPBACK, true).await.unwrap();
        let a_addr = a_sockets.rtp.local_addr().unwrap();
        let b_addr = b_sockets.rtp.local_addr().unwrap();
        assert_eq!(a_addr.port() % 2, 0);

        let dir = std::env::temp_dir().join(format!("yeastar-rtp-session-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut a_config = MediaConfig::new(G711Law::ALaw, b_addr);
        a_config.deliver_audio = false;
        a_config.rtcp_interval = Duration::from_millis(200);
        // B multiplexes RTCP on its RTP port; A sends its reports there too.
        a_config.rtcp_mux = true;
        let mut b_config = MediaConfig::new(G711Law::ALaw, a_addr);
        b_config.rtcp_mux = true;
        b_config.rtcp_interval = Duration::from_millis(200);
        b_config.recording = Some(RecordingTarget {
            dir: dir.clone(),
            call_id: "call-1@pbx".into(),
            config: RecorderConfig {
                layout: RecordingLayout::Stereo,
                ..RecorderConfig::default()
            },
            local_side: CallSide::Callee,
        });
        let a = MediaSession::start(a_sockets, a_config).unwrap();
        let mut b = MediaSession::start(b_sockets, b_config).unwrap();

        for k in 0..40 {
            a.send_audio(tone(k * 160)).unwrap();
        }
        // Wait until most of the tone has been played out at B.
        let mut loud_frames = 0;
        wait_for(&mut b, |e| {
            if let MediaEvent::Audio(pcm) = e
                && pcm.iter().any(|s| s.unsigned_abs() > 4000)
            {
                loud_frames += 1;
            }
            (loud_frames >= 35).then_some(())
        })
        .await;

        a.send_digit('7', Duration::from_millis(100)).await.unwrap();
        let started = wait_for(&mut b, |e| match e {
            MediaEvent::Dtmf(DtmfEvent::Started { digit, .. }) => Some(*digit),
            _ => None,
        })
        .await;
        assert_eq!(started, '7');
        let (digit, duration) = wait_for(&mut b, |e| match e {
            MediaEvent::Dtmf(DtmfEvent::Ended {
                digit, duration, ..
            }) => Some((*digit, *duration)),
            _ => None,
        })
        .await;
        assert_eq!((digit, duration), ('7', 800));

        let a_stats = a.stop().await.unwrap();
        assert!(a_stats.packets_sent >= 40, "{a_stats:?}");
        // B's receiver reports echo A's sender reports: A knows the round trip.
        let rtt = a_stats.rtt.expect("round-trip time from RTCP");
        assert!(rtt < Duration::from_millis(100), "{rtt:?}");
        let b_stats = b.stop().await.unwrap();
        assert!(b_stats.packets_received >= 35, "{b_stats:?}");
        assert!(b_stats.jitter.played >= 35, "{b_stats:?}");

        let mut reader = hound::WavReader::open(recording_path(&dir, "call-1@pbx")).unwrap();
        assert_eq!(reader.spec().channels, 2);
        let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
        // Caller (A, left channel) carries the tone; callee (B, right) was silent.
        let caller_peak = samples
            .chunks(2)
            .map(|s| s[0].unsigned_abs())
            .max()
            .unwrap();
        let callee_peak = samples
            .chunks(2)
            .map(|s| s[1].unsigned_abs())
            .max()
            .unwrap();
        assert!(
            caller_peak > 6000 && callee_peak == 0,
            "{caller_peak} {callee_peak}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn symmetric_rtp_latches_to_the_real_source() {
    tokio::time::timeout(LIMIT, async {
        let range = PortRange::new(41_300, 41_399).unwrap();
        let a_sockets = range.bind(LOOPBACK, true).await.unwrap();
        let b_sockets = range.bind(LOOPBACK, true).await.unwrap();
        let a_addr = a_sockets.rtp.local_addr().unwrap();
        let b_addr = b_sockets.rtp.local_addr().unwrap();
        // B's SDP lied: it names a port nobody listens on, as phones behind NAT do.
        let wrong: SocketAddr = (LOOPBACK, 41_398).into();
        let mut a = MediaSession::start(
            a_sockets,
            MediaConfig {
                rtcp_mux: true,
                ..MediaConfig::new(G711Law::MuLaw, b_addr)
            },
        )
        .unwrap();
        let mut b = MediaSession::start(
            b_sockets,
            MediaConfig {
                rtcp_mux: true,
                ..MediaConfig::new(G711Law::MuLaw, wrong)
            },
        )
        .unwrap();

        let prompt = Arc::new(Prompt::from_samples(
            (0..4000).flat_map(|k| tone(k * 160)).take(8000).collect(),
        ));
        a.play(prompt).await.unwrap();
        let latched = wait_for(&mut b, |e| match e {
            MediaEvent::Latched(addr) => Some(*addr),
            _ => None,
        })
        .await;
        assert_eq!(latched, a_addr);
        // B's audio now reaches A.
        for k in 0..20 {
            b.send_audio(tone(k * 160)).unwrap();
        }
        wait_for(&mut a, |e| match e {
            MediaEvent::Audio(pcm) => pcm.iter().any(|s| s.unsigned_abs() > 4000).then_some(()),
            _ => None,
        })
        .await;
        wait_for(&mut a, |e| {
            matches!(e, MediaEvent::PromptFinished).then_some(())
        })
        .await;
        a.stop().await.unwrap();
        b.stop().await.unwrap();
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn ssrc_collision_changes_our_ssrc_and_says_bye() {
    tokio::time::timeout(LIMIT, async {
        let range = PortRange::new(41_400, 41_499).unwrap();
        let sockets = range.bind(LOOPBACK, true).await.unwrap();
        let session_addr = sockets.rtp.local_addr().unwrap();
        let peer = tokio::net::UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
        let config = MediaConfig { rtcp_mux: true, ..MediaConfig::new(G711Law::ALaw, peer.local_addr().unwrap()) };
        let session = MediaSession::start(sockets, config).unwrap();
        for k in 0..30 {
            session.send_audio(tone(k * 160)).unwrap();
        }
        let mut buf = [0u8; 1500];
        let ours = loop {
            let (len, _) = peer.recv_from(&mut buf).await.unwrap();
            if !yeastar_rtp::rtcp::is_rtcp(&buf[..len]) {
                break yeastar_rtp::packetizer::parse_rtp(&buf[..len]).unwrap().header.ssrc;
            }
        };
        // The peer sends with our SSRC.
        let mut packetizer = yeastar_rtp::G711Packetizer::new(G711Law::ALaw, yeastar_rtp::Ptime::Ms20, ours, 1, 0);
        let wire = yeastar_rtp::packetizer::marshal_rtp(&packetizer.packetize(&[0; 160]).unwrap()).unwrap();
        peer.send_to(&wire, session_addr).await.unwrap();
        let (mut saw_bye, mut saw_new) = (false, false);
        while !(saw_bye && saw_new) {
            let (len, _) = peer.recv_from(&mut buf).await.unwrap();
            if yeastar_rtp::rtcp::is_rtcp(&buf[..len]) {
                let packets = yeastar_rtp::rtcp::parse_compound(&buf[..len]).unwrap();
                saw_bye |= packets.iter().any(|p| {
                    matches!(p, yeastar_rtp::rtcp::RtcpPacket::Goodbye(bye) if bye.sources == [ours])
                });
            } else {
                let ssrc = yeastar_rtp::packetizer::parse_rtp(&buf[..len]).unwrap().header.ssrc;
                saw_new |= ssrc != ours;
            }
        }
        let stats = session.stop().await.unwrap();
        assert_eq!(stats.ssrc_collisions, 1);
    })
    .await
    .unwrap();
}
