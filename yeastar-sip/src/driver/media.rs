//! RTP for the agent's calls (feature `media`): ports from a [`PortRange`], one
//! `yeastar_rtp` `MediaSession` per call, run by a small task that takes audio frames and
//! digits from the call's handle and reports received DTMF; its final counters go into
//! [`CallUpdate::Ended`](super::agent::CallUpdate::Ended). Without the feature the same types
//! exist and calls carry SDP only.

use std::net::IpAddr;
#[cfg(feature = "media")]
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::agent::{AgentError, CallUpdate};
use crate::offer_answer::Negotiated;

/// Frames of received audio queued for the application
/// ([`MediaOptions::receive_audio`](super::MediaOptions::receive_audio)): 1 s at 20 ms;
/// beyond it frames are dropped.
pub const RECEIVED_AUDIO_QUEUE: usize = 50;

/// Received audio of a call: one decoded frame per ptime (silence while nothing arrives).
pub type ReceivedAudio = mpsc::Receiver<Vec<i16>>;

/// RTP counters of a call at its end.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RtpFigures {
    /// RTP packets sent.
    pub packets_sent: u64,
    /// RTP packets received (RFC 3550 count: from the end of the source's probation).
    pub packets_received: u64,
    /// Cumulative loss (RFC 3550).
    pub lost: i64,
    /// Interarrival jitter in milliseconds.
    pub jitter_ms: f64,
}

/// Where calls get their RTP ports and address.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct MediaPlan {
    /// The address in our SDP and for the RTP sockets; `None` takes the SIP transport's bound
    /// address, or the address that routes to the peer.
    pub address: Option<IpAddr>,
    /// RTP ports (default 5700–5750).
    #[cfg(feature = "media")]
    pub ports: Arc<yeastar_rtp::session::PortRange>,
}

impl MediaPlan {
    /// RTP ports `min..=max` (feature `media`).
    #[cfg(feature = "media")]
    pub fn with_ports(min: u16, max: u16) -> Result<MediaPlan, AgentError> {
        let ports = yeastar_rtp::session::PortRange::new(min, max)
            .map_err(|e| AgentError::Media(e.to_string()))?;
        Ok(MediaPlan {
            address: None,
            ports: Arc::new(ports),
        })
    }

    /// RTP (and SDP) on this address.
    #[must_use]
    pub fn address(mut self, ip: IpAddr) -> MediaPlan {
        self.address = Some(ip);
        self
    }
}

#[cfg(feature = "media")]
enum MediaCommand {
    Audio(Vec<i16>),
    Digits(String, Duration),
    Stop,
}

#[cfg(feature = "media")]
#[derive(Default)]
struct Inner {
    sockets: Option<yeastar_rtp::session::MediaSockets>,
    commands: Option<mpsc::Sender<MediaCommand>>,
    task: Option<tokio::task::JoinHandle<RtpFigures>>,
    telephone_event: bool,
    received: Option<ReceivedAudio>,
}

/// The media of one call, shared by the agent and the call's handle.
#[derive(Clone, Default)]
pub(crate) struct MediaControl {
    #[cfg(feature = "media")]
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for MediaControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaControl")
            .field("running", &self.is_running())
            .finish()
    }
}

#[cfg(feature = "media")]
impl MediaControl {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        match self.inner.lock() {
            Ok(mut inner) => f(&mut inner),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Binds an RTP/RTCP pair for the call; returns the RTP port.
    pub(crate) async fn reserve(
        &mut self,
        plan: &MediaPlan,
        ip: IpAddr,
    ) -> Result<u16, AgentError> {
        let sockets = plan
            .ports
            .bind(ip, false)
            .await
            .map_err(|e| AgentError::Media(e.to_string()))?;
        let port = sockets
            .rtp
            .local_addr()
            .map_err(|e| AgentError::Media(e.to_string()))?
            .port();
        self.with(|inner| inner.sockets = Some(sockets));
        Ok(port)
    }

    /// Frees the reserved sockets of a call that will not have media.
    pub(crate) fn release(&self) {
        self.with(|inner| inner.sockets = None);
    }

    pub(crate) fn is_running(&self) -> bool {
        self.with(|inner| inner.commands.is_some())
    }

    pub(crate) fn has_telephone_event(&self) -> bool {
        self.with(|inner| inner.commands.is_some() && inner.telephone_event)
    }

    /// Starts RTP on the reserved sockets with what the offer/answer agreed.
    pub(crate) fn start(
        &self,
        negotiated: &Negotiated,
        call_id: &str,
        caller: bool,
        record_dir: Option<std::path::PathBuf>,
        deliver_audio: bool,
        updates: mpsc::Sender<CallUpdate>,
    ) -> Result<(), AgentError> {
        use yeastar_rtp::G711Law;
        use yeastar_rtp::recording::{CallSide, RecorderConfig};
        use yeastar_rtp::session::{MediaConfig, MediaSession, RecordingTarget};

        let sockets = self
            .with(|inner| inner.sockets.take())
            .ok_or(AgentError::NoMedia)?;
        let remote = negotiated
            .remote_rtp
            .ok_or(AgentError::Media("the peer gave no RTP address".into()))?;
        let law = if negotiated.codec.name.eq_ignore_ascii_case("PCMA") {
            G711Law::ALaw
        } else {
            G711Law::MuLaw
        };
        let mut config = MediaConfig::new(law, remote);
        config.telephone_event_pt = negotiated.telephone_event;
        config.deliver_audio = deliver_audio;
        if let Some(ptime) = negotiated.ptime.and_then(yeastar_rtp::Ptime::from_millis) {
            config.ptime = ptime;
        }
        config.recording = record_dir.map(|dir| RecordingTarget {
            dir,
            call_id: call_id.to_owned(),
            config: RecorderConfig::default(),
            local_side: if caller {
                CallSide::Caller
            } else {
                CallSide::Callee
            },
        });
        let session =
            MediaSession::start(sockets, config).map_err(|e| AgentError::Media(e.to_string()))?;
        let (tx, rx) = mpsc::channel(yeastar_rtp::session::MAX_QUEUED_FRAMES);
        let (audio_tx, audio_rx) = if deliver_audio {
            let (tx, rx) = mpsc::channel(RECEIVED_AUDIO_QUEUE);
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let task = tokio::spawn(pump(session, rx, updates, audio_tx));
        self.with(|inner| {
            inner.commands = Some(tx);
            inner.task = Some(task);
            inner.telephone_event = negotiated.telephone_event.is_some();
            inner.received = audio_rx;
        });
        Ok(())
    }

    /// The received audio, once (when the call was answered with it asked for).
    pub(crate) fn take_received_audio(&self) -> Option<ReceivedAudio> {
        self.with(|inner| inner.received.take())
    }

    pub(crate) fn send_audio(&self, pcm: Vec<i16>) -> Result<(), AgentError> {
        let tx = self
            .with(|inner| inner.commands.clone())
            .ok_or(AgentError::NoMedia)?;
        tx.try_send(MediaCommand::Audio(pcm))
            .map_err(|_| AgentError::Media("audio queue full".into()))
    }

    pub(crate) fn send_digits(&self, digits: &str, duration: Duration) -> Result<(), AgentError> {
        let tx = self
            .with(|inner| inner.commands.clone())
            .ok_or(AgentError::NoMedia)?;
        tx.try_send(MediaCommand::Digits(digits.to_owned(), duration))
            .map_err(|_| AgentError::Media("media queue full".into()))
    }

    /// Stops RTP (RTCP BYE, recording closed) and returns the counters.
    pub(crate) async fn stop(&self) -> Option<RtpFigures> {
        let (tx, task) = self.with(|inner| {
            inner.sockets = None;
            (inner.commands.take(), inner.task.take())
        });
        let task = task?;
        if let Some(tx) = tx {
            let _ = tx.send(MediaCommand::Stop).await;
        }
        task.await.ok()
    }
}

#[cfg(feature = "media")]
async fn pump(
    mut session: yeastar_rtp::session::MediaSession,
    mut commands: mpsc::Receiver<MediaCommand>,
    updates: mpsc::Sender<CallUpdate>,
    audio: Option<mpsc::Sender<Vec<i16>>>,
) -> RtpFigures {
    use yeastar_rtp::dtmf::DtmfEvent;
    use yeastar_rtp::session::MediaEvent;
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(MediaCommand::Audio(pcm)) => {
                    let _ = session.send_audio(pcm);
                }
                Some(MediaCommand::Digits(digits, duration)) => {
                    for digit in digits.chars() {
                        let _ = session.send_digit(digit, duration).await;
                    }
                }
                Some(MediaCommand::Stop) | None => break,
            },
            event = session.next_event() => match event {
                Some(MediaEvent::Dtmf(DtmfEvent::Started { digit, .. })) => {
                    let _ = updates.try_send(CallUpdate::Dtmf { digit });
                }
                Some(MediaEvent::Audio(pcm)) => {
                    if let Some(audio) = &audio {
                        // A reader that falls behind loses frames, never the call.
                        let _ = audio.try_send(pcm);
                    }
                }
                Some(_) => {}
                None => break,
            },
        }
    }
    match session.stop().await {
        Ok(stats) => RtpFigures {
            packets_sent: stats.packets_sent,
            packets_received: stats.packets_received,
            lost: stats.packets_lost,
            jitter_ms: stats.interarrival_jitter_ms,
        },
        Err(e) => {
            tracing::warn!(error = %e, "media session ended with an error");
            RtpFigures::default()
        }
    }
}

#[cfg(not(feature = "media"))]
impl MediaControl {
    pub(crate) async fn reserve(
        &mut self,
        _plan: &MediaPlan,
        _ip: IpAddr,
    ) -> Result<u16, AgentError> {
        Err(AgentError::Media("built without the media feature".into()))
    }

    pub(crate) fn release(&self) {}

    pub(crate) fn is_running(&self) -> bool {
        false
    }

    pub(crate) fn has_telephone_event(&self) -> bool {
        false
    }

    pub(crate) fn start(
        &self,
        _negotiated: &Negotiated,
        _call_id: &str,
        _caller: bool,
        _record_dir: Option<std::path::PathBuf>,
        _deliver_audio: bool,
        _updates: mpsc::Sender<CallUpdate>,
    ) -> Result<(), AgentError> {
        Err(AgentError::NoMedia)
    }

    pub(crate) fn send_audio(&self, _pcm: Vec<i16>) -> Result<(), AgentError> {
        Err(AgentError::NoMedia)
    }

    pub(crate) fn take_received_audio(&self) -> Option<ReceivedAudio> {
        None
    }

    pub(crate) fn send_digits(&self, _digits: &str, _duration: Duration) -> Result<(), AgentError> {
        Err(AgentError::NoMedia)
    }

    pub(crate) async fn stop(&self) -> Option<RtpFigures> {
        None
    }
}
