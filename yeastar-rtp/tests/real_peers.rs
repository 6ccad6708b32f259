//! Calls against real third-party SIP peers on loopback: SIPp as an answering
//! UAS (a 1 kHz tone as RTP, RFC 4733 DTMF) and baresip as an auto-answering
//! UA (audio both ways, RFC 4733 DTMF to it).
//!
//! Signalling is yeastar-sip (builder, parser, stream framer, SDP) over UDP or TCP;
//! media is a [`MediaSession`] from a port range, with its jitter buffer and
//! WAV recording. The peers' files live in `tests/peers/` (see its README):
//! each test copies what it needs into a fresh run directory.
//!
//! A missing peer binary skips the test with a message, unless
//! `YEASTAR_REQUIRE_PEERS=1`, which turns it into a failure. The peers listen
//! on fixed ports of 127.0.0.2 and 127.0.0.3, so the tests take the
//! machine-wide peer lock of `yeastar-test-peers` (which also gives the run
//! directories and peer processes) and share one nextest test group with one
//! thread (`.config/nextest.toml`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream, UdpSocket};
use tokio::sync::mpsc;
use yeastar_test_peers::{Peer, PeerLock, RunDir, peers_dir, require_peer};

use yeastar_rtp::dtmf::DtmfEvent;
use yeastar_rtp::recording::{CallSide, RecorderConfig, recording_path};
use yeastar_rtp::session::{
    MediaConfig, MediaEvent, MediaSession, MediaSockets, MediaStats, PortRange, RecordingTarget,
};
use yeastar_rtp::{G711Law, JitterMode};
use yeastar_sip::sdp::{Attribute, Connection, Media, Origin, Sdp};
use yeastar_sip::{Message, MessageBuilder, OwnedMessage, ParseOptions, StreamFramer};

/// SIPp and our side of the baresip calls.
const ADDR_2: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// baresip and our side of the SIPp calls.
const ADDR_3: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
/// SIPp's SIP port (UDP or TCP) and RTP port.
const SIPP_SIP_PORT: u16 = 5080;
const SIPP_RTP_PORT: u16 = 16000;
/// baresip's SIP port and ctrl_tcp port (fixed in tests/peers/baresip/config).
const BARESIP_SIP_PORT: u16 = 5062;
const BARESIP_CTRL_PORT: u16 = 4444;
/// Longest wait for the peer lock, held by one real-peer test at a time.
const LOCK_PATIENCE: Duration = Duration::from_secs(120);
/// Our RTP ports: 17000-17099 towards SIPp, 17100-17199 towards baresip.
const SIPP_MEDIA_PORTS: (u16, u16) = (17000, 17099);
const BARESIP_MEDIA_PORTS: (u16, u16) = (17100, 17199);
/// Longest wait for any one step (a response, an event, a peer to start or exit).
const STEP: Duration = Duration::from_secs(10);
/// SIP retransmission interval (RFC 3261 T1).
const T1: Duration = Duration::from_millis(500);

// ---------------------------------------------------------------------------
// Peers (yeastar-test-peers): SIPp and baresip

/// Starts SIPp as the answering UAS of `scenario` on 127.0.0.2:5080 (UDP, or
/// TCP with one connection per call), RTP 16000,
/// in `run` (which must hold the scenario and its media files).
fn start_sipp_uas(sipp: &Path, run: &RunDir, scenario: &str, transport: Transport) -> Peer {
    let mut command = Command::new(sipp);
    command.current_dir(run.path()).args([
        "-t",
        match transport {
            Transport::Udp => "u1",
            Transport::Tcp => "t1",
        },
        "-sf",
        scenario,
        "-i",
        "127.0.0.2",
        "-p",
        &SIPP_SIP_PORT.to_string(),
        "-mi",
        "127.0.0.2",
        "-mp",
        &SIPP_RTP_PORT.to_string(),
        "-m",
        "1",
        "-nostdin",
        "-timeout",
        "15",
        "-timeout_error",
    ]);
    Peer::spawn("sipp", command, run.path())
}

// ---------------------------------------------------------------------------
// SIP: a minimal UAC over UDP, messages built and parsed with yeastar-sip

fn token() -> String {
    format!("{:016x}", fastrand::u64(..))
}

/// Our SDP offer: PCMU and telephone-event 101, 20 ms, sendrecv.
fn sdp_offer(media: SocketAddr) -> String {
    let ip = media.ip().to_string();
    let session_id = fastrand::u32(1..).to_string();
    let sdp = Sdp {
        origin: Origin {
            username: "yeastar",
            session_id: &session_id,
            session_version: "1",
            net_type: "IN",
            addr_type: "IP4",
            address: &ip,
        },
        session_name: "yeastar-rtp",
        info: Vec::new(),
        connection: Some(Connection {
            net_type: "IN",
            addr_type: "IP4",
            address: &ip,
        }),
        bandwidths: Vec::new(),
        times: vec![("0", "0")],
        timing_extra: Vec::new(),
        attributes: Vec::new(),
        media: vec![Media {
            kind: "audio",
            port: media.port(),
            port_count: None,
            protocol: "RTP/AVP",
            formats: vec!["0", "101"],
            title: None,
            connection: None,
            bandwidths: Vec::new(),
            attributes: vec![
                Attribute {
                    name: "rtpmap",
                    value: Some("0 PCMU/8000"),
                },
                Attribute {
                    name: "rtpmap",
                    value: Some("101 telephone-event/8000"),
                },
                Attribute {
                    name: "fmtp",
                    value: Some("101 0-16"),
                },
                Attribute {
                    name: "ptime",
                    value: Some("20"),
                },
                Attribute {
                    name: "sendrecv",
                    value: None,
                },
            ],
        }],
    };
    sdp.to_string()
}

/// What the answer said about media.
#[derive(Debug)]
struct Answer {
    /// Address and port of `c=`/`m=audio`.
    rtp: SocketAddr,
    /// Negotiated law (the first of the answer's formats that we offered).
    law: G711Law,
    /// telephone-event payload type, if answered.
    telephone_event: Option<u8>,
    ptime: Option<u32>,
}

fn parse_answer(body: &[u8]) -> Answer {
    let text = std::str::from_utf8(body).expect("SDP is UTF-8");
    let sdp = Sdp::parse(text).unwrap_or_else(|e| panic!("SDP answer: {e:?}\n{text}"));
    let audio = sdp
        .media
        .iter()
        .position(|m| m.kind == "audio")
        .expect("an audio m= line");
    let media = &sdp.media[audio];
    let connection = sdp.connection_of(audio).expect("a c= line");
    let ip: IpAddr = connection.address.parse().expect("c= is an IP address");
    let law = media
        .formats
        .iter()
        .find_map(|f| match *f {
            "0" => Some(G711Law::MuLaw),
            "8" => Some(G711Law::ALaw),
            _ => None,
        })
        .expect("answer has PCMU or PCMA");
    Answer {
        rtp: SocketAddr::new(ip, media.port),
        law,
        telephone_event: media.telephone_events().next().map(|t| t.payload_type),
        ptime: media.ptime(),
    }
}

/// SIP transport of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    fn via(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
        }
    }

    fn uri_param(self) -> &'static str {
        match self {
            Transport::Udp => "",
            Transport::Tcp => ";transport=tcp",
        }
    }
}

/// A UDP socket, or a TCP connection with its framer.
enum Link {
    Udp(UdpSocket),
    Tcp(TcpStream, Box<StreamFramer>),
}

impl Link {
    async fn open(transport: Transport, local_ip: Ipv4Addr, peer: SocketAddr) -> Link {
        match transport {
            Transport::Udp => Link::Udp(UdpSocket::bind((local_ip, 0)).await.unwrap()),
            Transport::Tcp => {
                // The peer may still be starting: retry for a while.
                let deadline = Instant::now() + STEP;
                loop {
                    let socket = TcpSocket::new_v4().unwrap();
                    socket.bind(SocketAddr::from((local_ip, 0))).unwrap();
                    match socket.connect(peer).await {
                        Ok(stream) => {
                            break Link::Tcp(
                                stream,
                                Box::new(StreamFramer::new(ParseOptions::default())),
                            );
                        }
                        Err(e) => {
                            assert!(Instant::now() < deadline, "connect {peer}: {e}");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> SocketAddr {
        match self {
            Link::Udp(socket) => socket.local_addr().unwrap(),
            Link::Tcp(stream, _) => stream.local_addr().unwrap(),
        }
    }

    fn reliable(&self) -> bool {
        matches!(self, Link::Tcp(..))
    }

    async fn send(&mut self, bytes: &[u8], to: SocketAddr) {
        match self {
            Link::Udp(socket) => {
                socket.send_to(bytes, to).await.unwrap();
            }
            Link::Tcp(stream, _) => stream.write_all(bytes).await.unwrap(),
        }
    }

    /// The next message (cancel safe: nothing read is lost when the future is
    /// dropped). Pending forever once a TCP peer has closed.
    async fn recv(&mut self) -> (OwnedMessage, SocketAddr) {
        match self {
            Link::Udp(socket) => {
                let mut buf = vec![0u8; 65_535];
                let (len, from) = socket.recv_from(&mut buf).await.unwrap();
                buf.truncate(len);
                let msg = OwnedMessage::parse(Bytes::from(buf), &ParseOptions::default())
                    .unwrap_or_else(|e| panic!("unparsable datagram from {from}: {e:?}"));
                (msg, from)
            }
            Link::Tcp(stream, framer) => {
                let from = stream.peer_addr().unwrap();
                let mut chunk = [0u8; 4096];
                loop {
                    if let Some(msg) = framer.next_message().unwrap() {
                        return (msg, from);
                    }
                    match stream.read(&mut chunk).await.unwrap() {
                        0 => std::future::pending::<()>().await,
                        n => framer.push(&chunk[..n]).unwrap(),
                    }
                }
            }
        }
    }
}

/// One dialog of ours as caller.
struct Call {
    link: Link,
    transport: Transport,
    local: SocketAddr,
    peer: SocketAddr,
    call_id: String,
    from: String,
    /// To with the callee's tag, from the 2xx.
    to: String,
    /// The callee's Contact URI, our Request-URI in the dialog.
    target: String,
    cseq: u32,
    /// Status codes received for the INVITE, in order (retransmissions once).
    statuses: Vec<u16>,
}

impl Call {
    fn request(&self, method: &str, uri: &str, cseq: u32, to: &str) -> MessageBuilder<'static> {
        MessageBuilder::request(method.to_string(), uri.to_string())
            .header(
                "Via",
                format!(
                    "SIP/2.0/{} {};branch=z9hG4bK{};rport",
                    self.transport.via(),
                    self.local,
                    token()
                ),
            )
            .header("Max-Forwards", "70")
            .header("From", self.from.clone())
            .header("To", to.to_string())
            .header("Call-ID", self.call_id.clone())
            .header("CSeq", format!("{cseq} {method}"))
    }

    /// Waits at most `limit` for the next message.
    async fn recv_within(&mut self, limit: Duration) -> Option<(OwnedMessage, SocketAddr)> {
        tokio::time::timeout(limit, self.link.recv()).await.ok()
    }

    /// Sends INVITE to `user@peer` with our offer and waits for the final
    /// response; on 2xx sends ACK and returns the answer.
    async fn invite(
        transport: Transport,
        local_ip: Ipv4Addr,
        peer: SocketAddr,
        user: &str,
        media: SocketAddr,
    ) -> (Call, Answer) {
        let link = Link::open(transport, local_ip, peer).await;
        let local = link.local_addr();
        let request_uri = format!("sip:{user}@{peer}{}", transport.uri_param());
        let mut call = Call {
            link,
            transport,
            local,
            peer,
            call_id: format!("{}@{}", token(), local.ip()),
            from: format!("<sip:1001@{}>;tag={}", local.ip(), token()),
            to: format!("<sip:{user}@{peer}>"),
            target: request_uri.clone(),
            cseq: 1,
            statuses: Vec::new(),
        };
        let invite = call
            .request("INVITE", &request_uri, call.cseq, &call.to.clone())
            .header(
                "Contact",
                format!("<sip:1001@{local}{}>", transport.uri_param()),
            )
            .header("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS")
            .header("Content-Type", "application/sdp")
            .body(sdp_offer(media).into_bytes())
            .to_bytes();
        Message::parse(&invite).expect("our INVITE parses");

        let deadline = Instant::now() + STEP;
        let mut provisional = false;
        call.link.send(&invite, peer).await;
        loop {
            let wait = if provisional || call.link.reliable() {
                STEP
            } else {
                T1
            };
            let received = call.recv_within(wait).await;
            assert!(Instant::now() < deadline, "no final response to INVITE");
            let Some((owned, _)) = received else {
                // No response yet: retransmit (UDP, RFC 3261 17.1.1.2).
                call.link.send(&invite, peer).await;
                continue;
            };
            let msg = owned.message();
            let Some(status) = msg.status() else {
                continue;
            };
            let cseq = msg.cseq().unwrap().expect("CSeq");
            assert_eq!(cseq.method, "INVITE");
            assert_eq!(msg.call_id().unwrap(), Some(call.call_id.as_str()));
            if call.statuses.last() != Some(&status) {
                call.statuses.push(status);
            }
            if status < 200 {
                provisional = true;
                continue;
            }
            assert!(
                (200..300).contains(&status),
                "INVITE answered {status} {:?}",
                msg.reason_phrase()
            );
            let to = msg.header("To").expect("To").value;
            assert!(
                msg.to().unwrap().and_then(|t| t.tag()).is_some(),
                "2xx To has a tag"
            );
            call.to = to.to_string();
            let contact = msg.contacts().next().expect("2xx has a Contact").unwrap();
            call.target = contact.address().expect("not *").uri.as_str().to_string();
            assert!(
                msg.content_type().unwrap().is_some_and(|t| t.is_sdp()),
                "2xx carries SDP"
            );
            let answer = parse_answer(msg.body());
            call.ack(cseq.seq).await;
            return (call, answer);
        }
    }

    async fn ack(&mut self, seq: u32) {
        let ack = self.request("ACK", &self.target, seq, &self.to).to_bytes();
        self.link.send(&ack, self.peer).await;
    }

    /// Answers a request from the peer with 200 OK.
    async fn answer_ok(&mut self, request: &Message<'_>, from: SocketAddr) {
        let ok = MessageBuilder::response_to(request, 200, "OK").to_bytes();
        self.link.send(&ok, from).await;
    }

    /// Sends BYE and waits for its 200, answering retransmitted 2xx to INVITE
    /// with ACK meanwhile.
    async fn bye(&mut self) {
        self.cseq += 1;
        let seq = self.cseq;
        let bye = self.request("BYE", &self.target, seq, &self.to).to_bytes();
        let deadline = Instant::now() + STEP;
        self.link.send(&bye, self.peer).await;
        loop {
            assert!(Instant::now() < deadline, "no 200 to BYE");
            let wait = if self.link.reliable() { STEP } else { T1 };
            let Some((owned, _)) = self.recv_within(wait).await else {
                if !self.link.reliable() {
                    self.link.send(&bye, self.peer).await;
                }
                continue;
            };
            let msg = owned.message();
            let cseq = msg.cseq().unwrap().expect("CSeq");
            if msg.status().is_some() && cseq.method == "BYE" && cseq.seq == seq {
                assert_eq!(msg.status(), Some(200), "BYE answered");
                return;
            }
            if msg.status().is_some_and(|s| (200..300).contains(&s)) && cseq.method == "INVITE" {
                self.ack(cseq.seq).await;
            }
        }
    }

    /// The next request from the peer (for `select!`); a retransmitted 2xx
    /// to the INVITE is ACKed again and reported as `None`.
    async fn next_request(&mut self) -> Option<(OwnedMessage, SocketAddr)> {
        let (owned, from) = self.link.recv().await;
        let msg = owned.message();
        if msg.is_request() {
            return Some((owned, from));
        }
        if let Ok(Some(cseq)) = msg.cseq()
            && cseq.method == "INVITE"
            && msg.status().is_some_and(|s| s >= 200)
        {
            let seq = cseq.seq;
            self.ack(seq).await;
        }
        None
    }
}

// ---------------------------------------------------------------------------
// Media

/// Binds an RTP/RTCP port pair from `ports` on `ip`.
async fn start_media(ip: Ipv4Addr, ports: (u16, u16)) -> (PortRange, MediaSockets) {
    let range = PortRange::new(ports.0, ports.1).unwrap();
    let sockets = range.bind(IpAddr::V4(ip), false).await.unwrap();
    let port = sockets.rtp.local_addr().unwrap().port();
    assert!(
        (ports.0..=ports.1).contains(&port),
        "RTP port {port} from the range"
    );
    assert_eq!(port % 2, 0, "RTP on an even port");
    (range, sockets)
}

/// Session settings from the answer, recording to `<dir>/<call id>.wav` (we
/// are the caller: left channel).
fn media_config(answer: &Answer, dir: &Path, call_id: &str) -> MediaConfig {
    let mut config = MediaConfig::new(answer.law, answer.rtp);
    config.telephone_event_pt = answer.telephone_event;
    // Loopback has no jitter, but the session task may wake up late on a
    // machine busy with other tests; at least 60 ms of buffer absorb that.
    config.jitter.mode = JitterMode::Adaptive {
        min: Duration::from_millis(60),
        max: Duration::from_millis(500),
    };
    config.recording = Some(RecordingTarget {
        dir: dir.to_path_buf(),
        call_id: call_id.to_string(),
        config: RecorderConfig::default(),
        local_side: CallSide::Caller,
    });
    config
}

/// One channel of a WAV file.
fn read_channel(path: &Path, channel: usize) -> (Vec<i16>, u32) {
    let mut reader =
        hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!(spec.bits_per_sample, 16, "{}", path.display());
    let channels = spec.channels as usize;
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(Result::unwrap)
        .skip(channel)
        .step_by(channels)
        .collect();
    (samples, spec.sample_rate)
}

/// Share of a block's energy at `hz` (Goertzel): 1.0 for a pure tone on a bin
/// centre, near 0 for other frequencies.
fn tone_share(block: &[i16], hz: f64, rate: u32) -> f64 {
    let n = block.len() as f64;
    let coeff = 2.0 * (2.0 * std::f64::consts::PI * hz / f64::from(rate)).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut energy = 0.0f64;
    for &x in block {
        let x = f64::from(x);
        energy += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if energy == 0.0 {
        0.0
    } else {
        2.0 * power / (n * energy)
    }
}

/// What a recording holds: how long it is not silent, and how much of the
/// non-silent energy is at the tone.
#[derive(Debug)]
struct ToneReport {
    active: Duration,
    /// Mean share of energy at the tone over the non-silent 20 ms blocks.
    share: f64,
    /// The same at an octave above and below, for contrast.
    share_off: f64,
    rms: f64,
}

fn analyse(samples: &[i16], rate: u32, hz: f64) -> ToneReport {
    let block = (rate / 50) as usize; // 20 ms: 1 kHz and 500 Hz on bin centres
    let (mut active, mut share, mut share_off, mut sum_sq) = (0usize, 0.0, 0.0, 0.0);
    for chunk in samples.chunks_exact(block) {
        let energy: f64 = chunk.iter().map(|&x| f64::from(x).powi(2)).sum();
        let rms = (energy / block as f64).sqrt();
        if rms < 300.0 {
            continue;
        }
        active += 1;
        sum_sq += energy;
        share += tone_share(chunk, hz, rate);
        share_off += tone_share(chunk, hz * 2.0, rate).max(tone_share(chunk, hz / 2.0, rate));
    }
    let blocks = active.max(1) as f64;
    ToneReport {
        active: Duration::from_millis(active as u64 * 20),
        share: share / blocks,
        share_off: share_off / blocks,
        rms: (sum_sq / (blocks * block as f64)).sqrt(),
    }
}

fn tone(hz: f64, offset: usize, amplitude: f64) -> Vec<i16> {
    (0..160)
        .map(|i| {
            let t = (offset + i) as f64 / 8000.0;
            (amplitude * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16
        })
        .collect()
}

/// Stops the session within the step limit.
async fn stop_media(session: MediaSession) -> MediaStats {
    tokio::time::timeout(STEP, session.stop())
        .await
        .expect("session stops")
        .expect("session ends cleanly")
}

// ---------------------------------------------------------------------------
// SIPp

/// SIPp answers and streams 2 s of a 1 kHz μ-law tone; we receive it on a
/// session from our port range, through the jitter buffer into the recording,
/// and SIPp hangs up.
#[tokio::test]
async fn sipp_uas_tone_reaches_the_recording() {
    let Some(sipp) = require_peer("sipp") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let started = Instant::now();
    let run = RunDir::new("sipp-tone");
    run.copy("sipp/uas_invite_rtp.xml");
    run.copy("sipp/tone_1k_2s.ulaw");
    let mut peer = start_sipp_uas(&sipp, &run, "uas_invite_rtp.xml", Transport::Udp);

    let (_range, sockets) = start_media(ADDR_3, SIPP_MEDIA_PORTS).await;
    let local_media = sockets.rtp.local_addr().unwrap();
    let sipp_addr = SocketAddr::from((ADDR_2, SIPP_SIP_PORT));
    let (mut call, answer) =
        Call::invite(Transport::Udp, ADDR_3, sipp_addr, "service", local_media).await;
    assert_eq!(call.statuses, [100, 180, 200], "{}", peer.log_tail());
    assert_eq!(answer.rtp, SocketAddr::from((ADDR_2, SIPP_RTP_PORT)));
    assert!(matches!(answer.law, G711Law::MuLaw));
    assert_eq!(answer.telephone_event, Some(101));
    assert_eq!(answer.ptime, Some(20));

    let mut session =
        MediaSession::start(sockets, media_config(&answer, run.path(), &call.call_id)).unwrap();
    let mut audio_frames = 0usize;
    let deadline = tokio::time::Instant::now() + STEP;
    // Until SIPp's BYE (2.5 s after the ACK).
    loop {
        tokio::select! {
            request = call.next_request() => {
                let Some((owned, from)) = request else { continue };
                let msg = owned.message();
                assert_eq!(msg.method(), Some("BYE"), "unexpected {:?}", msg.method());
                assert_eq!(msg.call_id().unwrap(), Some(call.call_id.as_str()));
                call.answer_ok(&msg, from).await;
                break;
            }
            event = session.next_event() => {
                if let Some(MediaEvent::Audio(_)) = event {
                    audio_frames += 1;
                }
            }
            _ = tokio::time::sleep_until(deadline) => panic!("no BYE from SIPp\n{}", peer.log_tail()),
        }
    }
    let stats = stop_media(session).await;
    let status = peer.wait_exit(STEP).await;
    assert!(status.success(), "sipp: {status}\n{}", peer.log_tail());

    let wav = recording_path(run.path(), &call.call_id);
    let (callee, rate) = read_channel(&wav, 1);
    let (caller, _) = read_channel(&wav, 0);
    let report = analyse(&callee, rate, 1000.0);
    eprintln!(
        "sipp tone: statuses {:?}, recording {report:?}, audio events {audio_frames}, \
         {stats:?}, took {:?}",
        call.statuses,
        started.elapsed()
    );

    // 2 s at 20 ms a packet, nothing lost on loopback. The RFC 3550 count
    // leaves out the first packet (probation, MIN_SEQUENTIAL = 2).
    assert_eq!(stats.jitter.received, 100, "{stats:?}");
    assert!((99..=100).contains(&stats.packets_received), "{stats:?}");
    assert_eq!(stats.packets_lost, 0, "{stats:?}");
    assert_eq!(stats.malformed, 0, "{stats:?}");
    assert_eq!(stats.foreign_packets, 0, "{stats:?}");
    assert!(stats.interarrival_jitter_ms < 20.0, "{stats:?}");
    assert!(audio_frames >= 100, "audio events: {audio_frames}");

    // The callee (right) channel holds the tone: 2 s of it, almost all its
    // energy at 1 kHz.
    assert_eq!(rate, 8000);
    assert!(
        report.active >= Duration::from_millis(1700)
            && report.active <= Duration::from_millis(2300),
        "{report:?}"
    );
    assert!(report.share > 0.9, "{report:?}");
    assert!(report.share_off < 0.05, "{report:?}");
    // make_tone.py writes amplitude 8000: RMS 5657, within G.711 error.
    assert!((5000.0..6300.0).contains(&report.rms), "{report:?}");
    // Our (caller) channel stayed silent: we sent nothing.
    assert!(caller.iter().all(|&s| s == 0));
    // The jitter buffer played the frames out (a few may be dropped to give
    // back latency).
    assert!(stats.jitter.played >= 90, "{stats:?}");
}

/// Over SIP/TCP, SIPp answers and sends RFC 4733 events for 1 5 9 * 0 # (a
/// pcap made by tests/peers/sipp/make_dtmf_pcap.py); our receiver reports
/// each key exactly once, in order, with its duration; we hang up.
#[tokio::test]
async fn sipp_uas_tcp_rfc4733_digits_are_decoded() {
    let Some(sipp) = require_peer("sipp") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let started = Instant::now();
    let run = RunDir::new("sipp-dtmf");
    run.copy("sipp/uas_invite_dtmf.xml");
    run.copy("sipp/dtmf_159star0pound.pcap");
    let mut peer = start_sipp_uas(&sipp, &run, "uas_invite_dtmf.xml", Transport::Tcp);

    let (_range, sockets) = start_media(ADDR_3, SIPP_MEDIA_PORTS).await;
    let local_media = sockets.rtp.local_addr().unwrap();
    let sipp_addr = SocketAddr::from((ADDR_2, SIPP_SIP_PORT));
    let (mut call, answer) =
        Call::invite(Transport::Tcp, ADDR_3, sipp_addr, "service", local_media).await;
    assert_eq!(call.statuses, [100, 180, 200], "{}", peer.log_tail());
    assert_eq!(answer.telephone_event, Some(101));

    let mut config = media_config(&answer, run.path(), &call.call_id);
    config.recording = None;
    config.deliver_audio = false;
    let mut session = MediaSession::start(sockets, config).unwrap();
    let expected = "159*0#";
    let mut started_keys = String::new();
    let mut ended = Vec::new();
    let deadline = tokio::time::Instant::now() + STEP;
    while ended.len() < expected.len() {
        tokio::select! {
            request = call.next_request() => {
                if let Some((owned, _)) = request {
                    panic!("unexpected {:?} from SIPp", owned.message().method());
                }
            }
            event = session.next_event() => match event.expect("session running") {
                MediaEvent::Dtmf(DtmfEvent::Started { digit, .. }) => started_keys.push(digit),
                MediaEvent::Dtmf(DtmfEvent::Ended { digit, duration, .. }) => ended.push((digit, duration)),
                _ => {}
            },
            _ = tokio::time::sleep_until(deadline) => {
                panic!("digits so far {ended:?}\n{}", peer.log_tail())
            }
        }
    }
    call.bye().await;
    let stats = stop_media(session).await;
    let status = peer.wait_exit(STEP).await;
    assert!(status.success(), "sipp: {status}\n{}", peer.log_tail());

    assert_eq!(started_keys, expected);
    let keys: String = ended.iter().map(|(d, _)| *d).collect();
    assert_eq!(keys, expected);
    // Each key lasts 8 packets of 160 samples; the end packet says so.
    assert!(ended.iter().all(|&(_, d)| d == 1280), "{ended:?}");
    assert_eq!(stats.malformed, 0, "{stats:?}");
    assert_eq!(stats.foreign_packets, 0, "{stats:?}");
    eprintln!(
        "sipp dtmf: {keys} with durations {:?}, took {:?}",
        ended.iter().map(|e| e.1).collect::<Vec<_>>(),
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------
// baresip

/// Events from baresip's ctrl_tcp (netstring-framed JSON): `(type, param)`.
fn ctrl_events(mut stream: TcpStream) -> mpsc::UnboundedReceiver<(String, String)> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            // Frames: <decimal length>:<json>,
            while let Some(colon) = buf.iter().position(|&b| b == b':') {
                let Some(len) = std::str::from_utf8(&buf[..colon])
                    .ok()
                    .and_then(|n| n.parse::<usize>().ok())
                else {
                    return;
                };
                if buf.len() < colon + 1 + len + 1 {
                    break;
                }
                let json = String::from_utf8_lossy(&buf[colon + 1..colon + 1 + len]).to_string();
                buf.drain(..colon + 1 + len + 1);
                if let Some(kind) = json_string(&json, "type") {
                    let param = json_string(&json, "param").unwrap_or_default();
                    if tx.send((kind, param)).is_err() {
                        return;
                    }
                }
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    });
    rx
}

/// The string value of `"key"` in a flat JSON object (baresip's events have
/// no escapes in the fields read here).
fn json_string(json: &str, key: &str) -> Option<String> {
    let at = json.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = json[at..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// baresip (auto-answer, no registrar) takes our call: we receive its 1 kHz
/// sine, latch to the address its RTP really comes from, send it a 500 Hz
/// tone and the keys 1 5 #; baresip reports the call and the keys on
/// ctrl_tcp and records our tone; we hang up.
#[tokio::test]
async fn baresip_call_audio_both_ways_and_dtmf() {
    let Some(baresip) = require_peer("baresip") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let started = Instant::now();
    let run = RunDir::new("baresip");
    let config = std::fs::read_to_string(peers_dir().join("baresip/config")).unwrap();
    std::fs::write(
        run.path().join("config"),
        config.replace("@RUNDIR@", &run.path().display().to_string()),
    )
    .unwrap();
    run.copy("baresip/accounts");
    std::fs::create_dir_all(run.path().join("rec")).unwrap();
    let mut command = Command::new(&baresip);
    command.arg("-f").arg(run.path());
    let mut peer = Peer::spawn("baresip", command, run.path());

    // Ready once ctrl_tcp accepts (it is opened after the SIP sockets).
    let ctrl_addr = SocketAddr::from((ADDR_3, BARESIP_CTRL_PORT));
    let ready_by = Instant::now() + STEP;
    let ctrl = loop {
        if let Ok(stream) = TcpStream::connect(ctrl_addr).await {
            break stream;
        }
        assert!(peer.running(), "baresip exited\n{}", peer.log_tail());
        assert!(
            Instant::now() < ready_by,
            "baresip not ready\n{}",
            peer.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut ctrl = ctrl_events(ctrl);

    let (_range, sockets) = start_media(ADDR_2, BARESIP_MEDIA_PORTS).await;
    let local_media = sockets.rtp.local_addr().unwrap();
    let baresip_addr = SocketAddr::from((ADDR_3, BARESIP_SIP_PORT));
    let (mut call, answer) =
        Call::invite(Transport::Udp, ADDR_2, baresip_addr, "1002", local_media).await;
    assert_eq!(call.statuses.last(), Some(&200), "{}", peer.log_tail());
    assert_eq!(answer.rtp.ip(), IpAddr::V4(ADDR_3));
    assert!((20000..=20099).contains(&answer.rtp.port()), "{answer:?}");
    assert!(
        matches!(answer.law, G711Law::MuLaw),
        "PCMU first in our offer"
    );
    assert_eq!(answer.telephone_event, Some(101));

    let mut session =
        MediaSession::start(sockets, media_config(&answer, run.path(), &call.call_id)).unwrap();
    let digits = ['1', '5', '#'];
    let mut latched = None;
    let mut events: Vec<(String, String)> = Vec::new();
    let mut frames_sent = 0usize;
    let mut pacing = tokio::time::interval(Duration::from_millis(20));
    let talk_end = tokio::time::Instant::now() + Duration::from_secs(2);
    let mut next_digit = 0usize;
    let mut digit_at = talk_end + Duration::from_millis(200);
    let call_end = digit_at + Duration::from_millis(300 * digits.len() as u64 + 300);
    let hard_limit = tokio::time::Instant::now() + STEP;
    while tokio::time::Instant::now() < call_end {
        tokio::select! {
            _ = pacing.tick() => {
                let now = tokio::time::Instant::now();
                if now < talk_end {
                    session.send_audio(tone(500.0, frames_sent * 160, 8000.0)).unwrap();
                    frames_sent += 1;
                } else if now >= digit_at && next_digit < digits.len() {
                    // One key at a time: a new key replaces an unfinished one.
                    session.send_digit(digits[next_digit], Duration::from_millis(120)).await.unwrap();
                    next_digit += 1;
                    digit_at = now + Duration::from_millis(300);
                }
            }
            event = session.next_event() => {
                if let Some(MediaEvent::Latched(from)) = event {
                    latched = Some(from);
                }
            }
            event = ctrl.recv() => {
                if let Some(event) = event {
                    events.push(event);
                }
            }
            request = call.next_request() => {
                if let Some((owned, _)) = request {
                    panic!("unexpected {:?} from baresip", owned.message().method());
                }
            }
            _ = tokio::time::sleep_until(hard_limit) => panic!("call overran"),
        }
    }
    call.bye().await;
    let stats = stop_media(session).await;
    // baresip closes the call (and its recording) on our BYE.
    let closed_by = Instant::now() + STEP;
    while !events.iter().any(|(kind, _)| kind == "CALL_CLOSED") {
        let left = closed_by.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, ctrl.recv()).await {
            Ok(Some(event)) => events.push(event),
            _ => panic!("no CALL_CLOSED: {events:?}\n{}", peer.log_tail()),
        }
    }
    let log = peer.log_tail();
    drop(peer);

    // ctrl_tcp: established, RTP flowing, our keys in order.
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert!(kinds.contains(&"CALL_ESTABLISHED"), "{events:?}\n{log}");
    assert!(kinds.contains(&"CALL_RTPESTAB"), "{events:?}\n{log}");
    let keys: String = events
        .iter()
        .filter(|(k, _)| k == "CALL_DTMF_START")
        .map(|(_, p)| p.as_str())
        .collect();
    assert_eq!(keys, "15#", "{events:?}\n{log}");

    // baresip sends RTP from its 0.0.0.0 socket, so from 127.0.0.1, not the SDP
    // address: the session latched to where it really comes from.
    let latched = latched.unwrap_or(answer.rtp);
    assert_eq!(latched.port(), answer.rtp.port(), "{latched}");
    assert!(latched.ip().is_loopback(), "{latched}");
    // About 3 s of 20 ms packets, nothing lost, sane jitter.
    assert!(stats.packets_received >= 120, "{stats:?}");
    assert_eq!(stats.packets_lost, 0, "{stats:?}");
    assert!(stats.interarrival_jitter_ms < 30.0, "{stats:?}");
    assert_eq!(stats.malformed, 0, "{stats:?}");
    assert_eq!(stats.foreign_packets, 0, "{stats:?}");
    // 100 audio frames plus the key events.
    assert!(stats.packets_sent >= 100 + 3 * 6, "{stats:?}");

    // What we recorded from baresip: its 1 kHz sine.
    let wav = recording_path(run.path(), &call.call_id);
    let (callee, rate) = read_channel(&wav, 1);
    let ours = analyse(&callee, rate, 1000.0);
    assert!(ours.active >= Duration::from_secs(2), "{ours:?}");
    assert!(ours.share > 0.8, "{ours:?}");
    // What baresip decoded from us (its sndfile recording): our 500 Hz tone, ~2 s.
    let dec = std::fs::read_dir(run.path().join("rec"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
        .unwrap_or_else(|| panic!("no -dec.wav in rec/\n{log}"));
    let (theirs, rate) = read_channel(&dec, 0);
    let theirs_report = analyse(&theirs, rate, 500.0);
    assert!(
        theirs_report.active >= Duration::from_millis(1800)
            && theirs_report.active <= Duration::from_millis(2400),
        "{theirs_report:?}"
    );
    assert!(theirs_report.share > 0.8, "{theirs_report:?}");

    let mut summary = String::new();
    let _ = write!(
        summary,
        "baresip: statuses {:?}, latched {latched}, received {} lost {} jitter {:.2} ms, \
         sent {}, keys {keys}, ours {ours:?}, theirs {theirs_report:?}, took {:?}",
        call.statuses,
        stats.packets_received,
        stats.packets_lost,
        stats.interarrival_jitter_ms,
        stats.packets_sent,
        started.elapsed()
    );
    eprintln!("{summary}");
}
