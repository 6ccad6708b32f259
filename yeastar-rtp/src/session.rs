//! The tokio driver: one task per call leg that owns the RTP/RTCP sockets
//! and moves bytes and timers between them and the sans-IO parts
//! (packetizer, jitter buffer, statistics, DTMF, recorder).
//!
//! # Run loop
//!
//! The task waits on four things and never blocks on anything else:
//! an RTP datagram (parse, latch, statistics, jitter buffer or DTMF), an
//! RTCP datagram (LSR, round-trip time, BYE), the ptime tick (send one
//! frame, pop one frame, record both sides, DTMF timeouts), and a command
//! from the [`MediaSession`] handle. Every queue between the handle and the
//! task is bounded ([`MAX_QUEUED_FRAMES`], [`EVENT_QUEUE`]); when the
//! application does not keep up, audio events are dropped and counted
//! rather than buffered without limit.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::dtmf::{DtmfEvent, DtmfReceiver, DtmfSender, EventBurst};
use crate::error::Error;
use crate::g711::G711Law;
use crate::jitter::{Concealment, JitterBuffer, JitterConfig, JitterStats, Playout};
use crate::packetizer::{G711Packetizer, MAX_RTP_DATAGRAM, Ptime, marshal_rtp, parse_rtp};
use crate::playback::{Prompt, PromptPlayer};
use crate::recording::{CallRecorder, CallSide, RecorderConfig};
use crate::rtcp::{
    self, Goodbye, ReceiverReport, RtcpPacket, SDES_CNAME, SdesChunk, SdesItem, SourceDescription,
};
use crate::stats::{ReceiverStats, SenderStats, ntp_from_system_time, round_trip_time};

/// Default lowest RTP port: the range a Yeastar deployment publishes for media (Asterisk's own
/// `rtp.conf` default is 10000-20000; set the range to what the firewall or container opens).
pub const RTP_PORT_MIN: u16 = 5700;
/// Default highest RTP port (25 RTP/RTCP pairs).
pub const RTP_PORT_MAX: u16 = 5750;
/// Datagrams read from the RTP socket before a tick at most; more waiting than this means the
/// task is far behind, and the next tick reads on.
const MAX_DRAINED_PER_TICK: usize = 64;
/// Outgoing audio frames buffered in a session (1 s at 20 ms); when the
/// application runs ahead of real time the oldest frame is dropped.
pub const MAX_QUEUED_FRAMES: usize = 50;
/// Commands queued from the handle to the task.
pub const COMMAND_QUEUE: usize = 64;
/// Events queued from the task to the handle; beyond this, audio events are dropped.
pub const EVENT_QUEUE: usize = 256;
/// Silence from the latched address after which another source may take over.
pub const RELATCH_AFTER: Duration = Duration::from_secs(2);

/// RTP ports to allocate from: even ports for RTP, the next odd port for RTCP.
#[derive(Debug)]
pub struct PortRange {
    min: u16,
    max: u16,
    next: AtomicU16,
}

impl Default for PortRange {
    fn default() -> Self {
        PortRange {
            min: RTP_PORT_MIN,
            max: RTP_PORT_MAX,
            next: AtomicU16::new(RTP_PORT_MIN),
        }
    }
}

/// The sockets of one media stream.
#[derive(Debug)]
pub struct MediaSockets {
    /// RTP (and RTCP with rtcp-mux).
    pub rtp: UdpSocket,
    /// RTCP on the odd port, unless rtcp-mux.
    pub rtcp: Option<UdpSocket>,
}

impl PortRange {
    /// Ports `min..=max`; `min` is rounded up to even.
    pub fn new(min: u16, max: u16) -> Result<Self, Error> {
        let min = min.saturating_add(min % 2);
        if min >= max {
            return Err(Error::Config(
                "RTP port range needs at least one even/odd pair",
            ));
        }
        Ok(PortRange {
            min,
            max,
            next: AtomicU16::new(min),
        })
    }

    /// Binds the next free even port (and the odd one above it unless
    /// `rtcp_mux`) on `ip`, trying each pair once before giving up with
    /// [`Error::PortsExhausted`].
    pub async fn bind(&self, ip: IpAddr, rtcp_mux: bool) -> Result<MediaSockets, Error> {
        let pairs = (self.max - self.min) / 2 + 1;
        for _ in 0..pairs {
            let offset = self
                .next
                .fetch_add(2, Ordering::Relaxed)
                .wrapping_sub(self.min)
                % (pairs * 2);
            let port = self.min + offset;
            if !rtcp_mux && port + 1 > self.max {
                continue;
            }
            let rtp = match UdpSocket::bind((ip, port)).await {
                Ok(socket) => socket,
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
                Err(e) => return Err(e.into()),
            };
            if rtcp_mux {
                return Ok(MediaSockets { rtp, rtcp: None });
            }
            match UdpSocket::bind((ip, port + 1)).await {
                Ok(rtcp) => {
                    return Ok(MediaSockets {
                        rtp,
                        rtcp: Some(rtcp),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::PortsExhausted {
            min: self.min,
            max: self.max,
        })
    }
}

/// Where and how to record a session.
#[derive(Debug, Clone)]
pub struct RecordingTarget {
    /// Directory of the WAV file.
    pub dir: PathBuf,
    /// Call id, which names the file.
    pub call_id: String,
    /// Layout and flush interval.
    pub config: RecorderConfig,
    /// Which side of the call this session's outgoing audio is.
    pub local_side: CallSide,
}

/// Session settings, mostly from the SDP offer/answer.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// Negotiated codec.
    pub law: G711Law,
    /// Negotiated packet time.
    pub ptime: Ptime,
    /// Where the SDP says to send RTP.
    pub remote_rtp: SocketAddr,
    /// RTP and RTCP share one port (RFC 5761).
    pub rtcp_mux: bool,
    /// Payload type of `telephone-event/8000`, if negotiated.
    pub telephone_event_pt: Option<u8>,
    /// Jitter buffer settings.
    pub jitter: JitterConfig,
    /// Send to where packets come from, not where the SDP says (NAT, phones behind SBCs).
    pub symmetric_rtp: bool,
    /// Deliver decoded received audio as [`MediaEvent::Audio`].
    pub deliver_audio: bool,
    /// Our SDES CNAME.
    pub cname: String,
    /// Interval of RTCP reports.
    pub rtcp_interval: Duration,
    /// Interval of [`MediaEvent::Stats`].
    pub stats_interval: Duration,
    /// Record the call.
    pub recording: Option<RecordingTarget>,
}

impl MediaConfig {
    /// Defaults for a G.711 stream to `remote_rtp`.
    pub fn new(law: G711Law, remote_rtp: SocketAddr) -> Self {
        MediaConfig {
            law,
            ptime: Ptime::Ms20,
            remote_rtp,
            rtcp_mux: false,
            telephone_event_pt: Some(101),
            // The buffer's default (its target never under one frame: playout runs on a timer
            // task, and a task woken a few milliseconds late must not turn packets that arrived
            // in time into late ones), with lost frames replaced by the last one, fading,
            // rather than silence.
            jitter: JitterConfig {
                concealment: Concealment::RepeatG711(law),
                ..JitterConfig::default()
            },
            symmetric_rtp: true,
            deliver_audio: true,
            cname: "yeastar-rtp".to_string(),
            rtcp_interval: Duration::from_secs(5),
            stats_interval: Duration::from_secs(5),
            recording: None,
        }
    }
}

/// Counters of one session.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MediaStats {
    /// Jitter buffer figures.
    pub jitter: JitterStats,
    /// RTP packets received from the peer, counted as RFC 3550 appendix A.1 does: from the end
    /// of the source's probation, so the first packet is not in it (100 sent, 99 here). The
    /// jitter buffer's `received` counts every packet.
    pub packets_received: u64,
    /// Cumulative loss (RFC 3550).
    pub packets_lost: i64,
    /// Interarrival jitter in ms.
    pub interarrival_jitter_ms: f64,
    /// RTP packets sent.
    pub packets_sent: u64,
    /// Last round-trip time from RTCP.
    pub rtt: Option<Duration>,
    /// Datagrams that were not valid RTP/RTCP.
    pub malformed: u64,
    /// Packets from an address other than the latched one, ignored.
    pub foreign_packets: u64,
    /// Audio events dropped because the application did not read them.
    pub dropped_events: u64,
    /// Times the peer used our SSRC and we changed it.
    pub ssrc_collisions: u64,
}

/// What a session reports.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaEvent {
    /// One ptime of received audio (silence while nothing is received).
    Audio(Vec<i16>),
    /// A DTMF key press from RFC 4733 events.
    Dtmf(DtmfEvent),
    /// Outgoing RTP now goes to this address (symmetric RTP).
    Latched(SocketAddr),
    /// Periodic statistics.
    Stats(MediaStats),
    /// The peer sent RTCP BYE.
    RemoteBye,
    /// The prompt started with [`MediaSession::play`] has been sent completely.
    PromptFinished,
}

#[derive(Debug)]
enum Command {
    Audio(Vec<i16>),
    Digit(char, Duration),
    Play(Arc<Prompt>),
    Stop,
}

/// Handle of a running session.
#[derive(Debug)]
pub struct MediaSession {
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<MediaEvent>,
    local_rtp: SocketAddr,
    task: JoinHandle<Result<MediaStats, Error>>,
}

impl MediaSession {
    /// Starts the session task on the current tokio runtime.
    pub fn start(sockets: MediaSockets, config: MediaConfig) -> Result<Self, Error> {
        let local_rtp = sockets.rtp.local_addr()?;
        let recorder = match &config.recording {
            Some(target) => Some(CallRecorder::create(
                &target.dir,
                &target.call_id,
                target.config,
            )?),
            None => None,
        };
        let (command_tx, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (event_tx, event_rx) = mpsc::channel(EVENT_QUEUE);
        let driver = Driver::new(sockets, config, recorder, event_tx);
        let task = tokio::spawn(driver.run(command_rx));
        Ok(MediaSession {
            commands: command_tx,
            events: event_rx,
            local_rtp,
            task,
        })
    }

    /// The local RTP address, for our SDP.
    pub fn local_rtp(&self) -> SocketAddr {
        self.local_rtp
    }

    /// Queues one ptime of audio to send.
    pub fn send_audio(&self, pcm: Vec<i16>) -> Result<(), Error> {
        self.commands
            .try_send(Command::Audio(pcm))
            .map_err(|_| Error::LimitExceeded {
                what: "queued commands",
                limit: COMMAND_QUEUE,
            })
    }

    /// Sends a DTMF key as RFC 4733 events.
    pub async fn send_digit(&self, digit: char, duration: Duration) -> Result<(), Error> {
        self.command(Command::Digit(digit, duration)).await
    }

    /// Plays a prompt instead of queued audio until it ends.
    pub async fn play(&self, prompt: Arc<Prompt>) -> Result<(), Error> {
        self.command(Command::Play(prompt)).await
    }

    async fn command(&self, command: Command) -> Result<(), Error> {
        self.commands
            .send(command)
            .await
            .map_err(|_| Error::Config("media session has stopped"))
    }

    /// The next event; `None` once the session has stopped.
    pub async fn next_event(&mut self) -> Option<MediaEvent> {
        self.events.recv().await
    }

    /// Sends BYE, closes the recording and returns the final counters.
    pub async fn stop(self) -> Result<MediaStats, Error> {
        let _ = self.commands.send(Command::Stop).await;
        drop(self.events);
        self.task
            .await
            .map_err(|_| Error::Config("media session task panicked"))?
    }
}

struct Driver {
    sockets: MediaSockets,
    config: MediaConfig,
    remote_rtp: SocketAddr,
    remote_rtcp: SocketAddr,
    latched: Option<(SocketAddr, Instant)>,
    packetizer: G711Packetizer,
    jitter: JitterBuffer,
    receiver: ReceiverStats,
    sender: SenderStats,
    dtmf_rx: DtmfReceiver,
    dtmf_tx: DtmfSender,
    burst: Option<(EventBurst, u32)>,
    prompt: Option<PromptPlayer>,
    outgoing: VecDeque<Vec<i16>>,
    recorder: Option<CallRecorder<std::io::BufWriter<std::fs::File>>>,
    events: mpsc::Sender<MediaEvent>,
    stats: MediaStats,
    pcm: Vec<i16>,
    /// Our previous SSRC after a collision, to announce its BYE.
    retired_ssrc: Option<u32>,
}

fn rtcp_address(rtp: SocketAddr, mux: bool) -> SocketAddr {
    if mux {
        rtp
    } else {
        SocketAddr::new(rtp.ip(), rtp.port().wrapping_add(1))
    }
}

impl Driver {
    fn new(
        sockets: MediaSockets,
        config: MediaConfig,
        recorder: Option<CallRecorder<std::io::BufWriter<std::fs::File>>>,
        events: mpsc::Sender<MediaEvent>,
    ) -> Self {
        let jitter_config = JitterConfig {
            frame_samples: config.ptime.samples() as u32,
            ..config.jitter
        };
        let packetizer = G711Packetizer::new(
            config.law,
            config.ptime,
            fastrand::u32(..),
            fastrand::u16(..),
            fastrand::u32(..),
        );
        Driver {
            remote_rtp: config.remote_rtp,
            remote_rtcp: rtcp_address(config.remote_rtp, config.rtcp_mux),
            latched: None,
            packetizer,
            jitter: JitterBuffer::new(jitter_config),
            receiver: ReceiverStats::new(8000, Instant::now()),
            sender: SenderStats::default(),
            dtmf_rx: DtmfReceiver::default(),
            dtmf_tx: DtmfSender::new(config.ptime.samples() as u32, 10),
            burst: None,
            prompt: None,
            outgoing: VecDeque::with_capacity(MAX_QUEUED_FRAMES),
            recorder,
            events,
            stats: MediaStats::default(),
            pcm: Vec::with_capacity(config.ptime.samples()),
            retired_ssrc: None,
            sockets,
            config,
        }
    }

    async fn run(mut self, mut commands: mpsc::Receiver<Command>) -> Result<MediaStats, Error> {
        let mut tick = tokio::time::interval(self.config.ptime.duration());
        tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let mut rtcp_timer = tokio::time::interval(self.config.rtcp_interval);
        let mut stats_timer = tokio::time::interval(self.config.stats_interval);
        let mut rtp_buf = vec![0u8; MAX_RTP_DATAGRAM];
        let mut rtcp_buf = vec![0u8; MAX_RTP_DATAGRAM];
        loop {
            tokio::select! {
                received = self.sockets.rtp.recv_from(&mut rtp_buf) => {
                    if let Ok((len, from)) = received {
                        self.on_datagram(&rtp_buf[..len], from);
                    }
                }
                received = recv_optional(self.sockets.rtcp.as_ref(), &mut rtcp_buf) => {
                    if let Ok((len, _)) = received {
                        self.on_rtcp(&rtcp_buf[..len]);
                    }
                }
                _ = tick.tick() => {
                    self.drain_rtp(&mut rtp_buf);
                    self.on_tick().await?;
                }
                _ = rtcp_timer.tick() => self.send_report(false).await,
                _ = stats_timer.tick() => {
                    let stats = self.snapshot();
                    let _ = self.events.try_send(MediaEvent::Stats(stats));
                }
                command = commands.recv() => match command {
                    Some(Command::Audio(pcm)) => {
                        if self.outgoing.len() == MAX_QUEUED_FRAMES {
                            self.outgoing.pop_front();
                        }
                        self.outgoing.push_back(pcm);
                    }
                    Some(Command::Digit(digit, duration)) => {
                        let burst = self.dtmf_tx.press(digit, duration, self.packetizer.next_timestamp())?;
                        self.burst = Some((burst, 0));
                    }
                    Some(Command::Play(prompt)) => self.prompt = Some(PromptPlayer::new(prompt)),
                    Some(Command::Stop) | None => break,
                },
            }
        }
        self.send_report(true).await;
        if let Some(recorder) = self.recorder.take() {
            recorder.finish()?;
        }
        Ok(self.snapshot())
    }

    /// Reads the datagrams already waiting on the RTP socket. A task woken late runs its
    /// catch-up ticks back to back; without this, they would pop the jitter buffer before
    /// reading packets that arrived in time, and play those as lost, then late.
    fn drain_rtp(&mut self, buf: &mut [u8]) {
        for _ in 0..MAX_DRAINED_PER_TICK {
            let received = self.sockets.rtp.try_recv_from(buf);
            match received {
                Ok((len, from)) => self.on_datagram(buf.get(..len).unwrap_or_default(), from),
                Err(_) => break,
            }
        }
    }

    fn snapshot(&mut self) -> MediaStats {
        self.stats.jitter = self.jitter.stats();
        self.stats.packets_received = self.receiver.received();
        self.stats.packets_lost = self.receiver.cumulative_lost();
        self.stats.interarrival_jitter_ms = self.receiver.jitter() as f64 / 8.0;
        self.stats.packets_sent = self.sender.packet_count as u64;
        self.stats
    }

    fn on_datagram(&mut self, datagram: &[u8], from: SocketAddr) {
        let now = Instant::now();
        if self.config.rtcp_mux && rtcp::is_rtcp(datagram) {
            self.on_rtcp(datagram);
            return;
        }
        let Ok(packet) = parse_rtp(datagram) else {
            self.stats.malformed += 1;
            return;
        };
        if self.config.symmetric_rtp {
            match self.latched {
                Some((addr, last)) if addr != from && now.duration_since(last) < RELATCH_AFTER => {
                    self.stats.foreign_packets += 1;
                    return;
                }
                Some((addr, _)) if addr == from => self.latched = Some((addr, now)),
                _ => {
                    // First packet, or the latched source went quiet: follow this one.
                    self.latched = Some((from, now));
                    if from != self.remote_rtp {
                        self.remote_rtp = from;
                        if self.config.rtcp_mux {
                            self.remote_rtcp = from;
                        } else {
                            self.remote_rtcp = rtcp_address(from, false);
                        }
                        tracing::debug!(%from, "symmetric RTP latched");
                        let _ = self.events.try_send(MediaEvent::Latched(from));
                    }
                }
            }
        }
        let h = &packet.header;
        if h.ssrc == self.packetizer.ssrc() {
            // RFC 3550 §8.2: a collision with our own SSRC; take a new one and
            // say BYE for the old one on the next tick.
            let mut fresh = fastrand::u32(..);
            while fresh == h.ssrc {
                fresh = fastrand::u32(..);
            }
            tracing::debug!(old = h.ssrc, new = fresh, "SSRC collision");
            self.retired_ssrc = Some(h.ssrc);
            self.packetizer.set_ssrc(fresh);
            self.stats.ssrc_collisions += 1;
        }
        if h.payload_type == self.config.law.payload_type() {
            self.receiver
                .on_packet(h.ssrc, h.sequence_number, h.timestamp, now);
            let _ = self.jitter.push(&packet, now);
        } else if Some(h.payload_type) == self.config.telephone_event_pt {
            if self
                .dtmf_rx
                .on_packet(h.timestamp, &packet.payload, now)
                .is_err()
            {
                self.stats.malformed += 1;
            }
            while let Some(event) = self.dtmf_rx.poll_event() {
                let _ = self.events.try_send(MediaEvent::Dtmf(event));
            }
        }
    }

    fn on_rtcp(&mut self, datagram: &[u8]) {
        let now = Instant::now();
        let Ok(packets) = rtcp::parse_compound(datagram) else {
            self.stats.malformed += 1;
            return;
        };
        let our_ssrc = self.packetizer.ssrc();
        for packet in packets {
            let blocks = match &packet {
                RtcpPacket::SenderReport(sr) => {
                    self.receiver.on_sender_report(sr, now);
                    sr.reports.clone()
                }
                RtcpPacket::ReceiverReport(rr) => rr.reports.clone(),
                RtcpPacket::Goodbye(_) => {
                    let _ = self.events.try_send(MediaEvent::RemoteBye);
                    Vec::new()
                }
                _ => Vec::new(),
            };
            let arrival = ntp_from_system_time(SystemTime::now());
            for block in blocks.iter().filter(|b| b.ssrc == our_ssrc) {
                if let Some(rtt) = round_trip_time(block, arrival) {
                    self.stats.rtt = Some(rtt);
                }
            }
        }
    }

    async fn send_report(&mut self, bye: bool) {
        let now = Instant::now();
        let ssrc = self.packetizer.ssrc();
        let reports: Vec<_> = self.receiver.report_block(now).into_iter().collect();
        let report = if self.sender.packet_count > 0 {
            let ntp = ntp_from_system_time(SystemTime::now());
            RtcpPacket::SenderReport(self.sender.sender_report(ssrc, 8000, ntp, now, reports))
        } else {
            RtcpPacket::ReceiverReport(ReceiverReport { ssrc, reports })
        };
        let sdes = RtcpPacket::SourceDescription(SourceDescription {
            chunks: vec![SdesChunk {
                ssrc,
                items: vec![SdesItem {
                    kind: SDES_CNAME,
                    value: Bytes::from(self.config.cname.clone().into_bytes()),
                }],
            }],
        });
        let mut packets = vec![report, sdes];
        if bye {
            packets.push(RtcpPacket::Goodbye(Goodbye {
                sources: vec![ssrc],
                reason: None,
            }));
        }
        let mut wire = Vec::with_capacity(128);
        if rtcp::write_compound(&packets, &mut wire).is_ok() {
            let socket = self.sockets.rtcp.as_ref().unwrap_or(&self.sockets.rtp);
            let _ = socket.send_to(&wire, self.remote_rtcp).await;
        }
    }

    async fn on_tick(&mut self) -> Result<(), Error> {
        let now = Instant::now();
        if let Some(old) = self.retired_ssrc.take() {
            let bye = RtcpPacket::Goodbye(Goodbye {
                sources: vec![old],
                reason: Some(Bytes::from_static(b"SSRC collision")),
            });
            let mut wire = Vec::with_capacity(16);
            if rtcp::write_compound(&[bye], &mut wire).is_ok() {
                let socket = self.sockets.rtcp.as_ref().unwrap_or(&self.sockets.rtp);
                let _ = socket.send_to(&wire, self.remote_rtcp).await;
            }
        }
        let samples = self.config.ptime.samples();
        // Outgoing: a key press replaces audio; then a prompt; then queued audio.
        let mut local = vec![0i16; samples];
        if let Some((burst, ticks)) = self.burst.as_mut() {
            *ticks += 1;
            match (burst.next(), self.config.telephone_event_pt) {
                (Some(event), Some(pt)) => {
                    let payload = Bytes::copy_from_slice(&event.event.to_bytes());
                    let packet = self
                        .packetizer
                        .packet(pt, event.timestamp, event.marker, payload);
                    self.send_rtp(&packet, now).await;
                }
                _ => {
                    let ticks = *ticks;
                    self.burst = None;
                    // The audio clock kept running under the event.
                    self.packetizer.skip_frames(ticks);
                }
            }
        } else if let Some(player) = self.prompt.as_mut() {
            if player.next_frame(&mut local) {
                self.send_audio_frame(&local, now).await?;
            } else {
                self.prompt = None;
                self.packetizer.skip_frames(1);
                let _ = self.events.try_send(MediaEvent::PromptFinished);
            }
        } else if let Some(pcm) = self.outgoing.pop_front() {
            if pcm.len() == samples {
                local.copy_from_slice(&pcm);
                self.send_audio_frame(&local, now).await?;
            }
        } else {
            // Nothing to say: send nothing (DTX); the next packet starts a talkspurt.
            self.packetizer.skip_frames(1);
        }

        // Incoming.
        let mut remote = vec![0i16; samples];
        if let Playout::Frame(frame) = self.jitter.pop(now) {
            self.config.law.decode(&frame.payload, &mut self.pcm);
            let n = self.pcm.len().min(samples);
            remote[..n].copy_from_slice(&self.pcm[..n]);
        }
        self.dtmf_rx.handle_timeout(now);
        while let Some(event) = self.dtmf_rx.poll_event() {
            let _ = self.events.try_send(MediaEvent::Dtmf(event));
        }
        if let (Some(recorder), Some(target)) =
            (self.recorder.as_mut(), self.config.recording.as_ref())
        {
            let remote_side = match target.local_side {
                CallSide::Caller => CallSide::Callee,
                CallSide::Callee => CallSide::Caller,
            };
            recorder.push(target.local_side, &local)?;
            recorder.push(remote_side, &remote)?;
        }
        if self.config.deliver_audio && self.events.try_send(MediaEvent::Audio(remote)).is_err() {
            self.stats.dropped_events += 1;
        }
        Ok(())
    }

    async fn send_audio_frame(&mut self, pcm: &[i16], now: Instant) -> Result<(), Error> {
        let packet = self.packetizer.packetize(pcm)?;
        self.send_rtp(&packet, now).await;
        Ok(())
    }

    async fn send_rtp(&mut self, packet: &rtp::packet::Packet, now: Instant) {
        let Ok(wire) = marshal_rtp(packet) else {
            return;
        };
        if self
            .sockets
            .rtp
            .send_to(&wire, self.remote_rtp)
            .await
            .is_ok()
        {
            self.sender
                .on_sent(packet.payload.len(), packet.header.timestamp, now);
        }
    }
}

async fn recv_optional(
    socket: Option<&UdpSocket>,
    buf: &mut [u8],
) -> std::io::Result<(usize, SocketAddr)> {
    match socket {
        Some(socket) => socket.recv_from(buf).await,
        None => std::future::pending().await,
    }
}
