//! SDP offer/answer for a G.711 audio call (RFC 3264, RFC 4733): build an audio offer, answer
//! an offer with the codecs both sides have, read what was negotiated. Pure functions over
//! [`crate::sdp::Sdp`].
//!
//! ```
//! use yeastar_sip::offer_answer::{AudioSession, answer, negotiated};
//! use yeastar_sip::sdp::{Direction, Sdp};
//!
//! let alice = AudioSession::new("192.0.2.7".parse()?, 4000, 1);
//! let offer = alice.offer();
//! let bob = AudioSession::new("192.0.2.9".parse()?, 5000, 2);
//! let (reply, agreed) = answer(&Sdp::parse(&offer)?, &bob)?;
//! assert_eq!(agreed.codec.name, "PCMU");
//! assert_eq!(agreed.telephone_event, Some(101));
//! let seen_by_alice = negotiated(&Sdp::parse(&reply)?, &alice)?;
//! assert_eq!(seen_by_alice.remote_rtp, Some("192.0.2.9:5000".parse()?));
//! assert_eq!(seen_by_alice.direction, Direction::SendRecv);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(clippy::indexing_slicing)]

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use crate::sdp::{Direction, Media, Sdp};

/// An audio codec: payload type, encoding name, clock rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codec {
    /// RTP payload type.
    pub payload_type: u8,
    /// Encoding name as in `a=rtpmap` (`PCMU`).
    pub name: String,
    /// Clock rate in Hz.
    pub clock_rate: u32,
}

impl Codec {
    /// G.711 µ-law, static payload type 0.
    #[must_use]
    pub fn pcmu() -> Self {
        Self {
            payload_type: 0,
            name: "PCMU".into(),
            clock_rate: 8000,
        }
    }

    /// G.711 A-law, static payload type 8.
    #[must_use]
    pub fn pcma() -> Self {
        Self {
            payload_type: 8,
            name: "PCMA".into(),
            clock_rate: 8000,
        }
    }
}

/// Payload type offered for RFC 4733 telephone events.
pub const DEFAULT_TELEPHONE_EVENT_PT: u8 = 101;
/// Packetisation time offered, in milliseconds.
pub const DEFAULT_PTIME: u32 = 20;

/// Our side of an audio session: where we receive RTP, what we can decode, the direction we
/// want. [`AudioSession::offer`] writes it as an offer; [`answer`] uses it to answer.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioSession {
    /// Address we receive RTP on (`c=`).
    pub address: IpAddr,
    /// RTP port.
    pub port: u16,
    /// Codecs in order of preference.
    pub codecs: Vec<Codec>,
    /// Telephone-event payload type (8000 Hz, events `0-16`), `None` to not offer it.
    pub telephone_event: Option<u8>,
    /// `a=ptime`.
    pub ptime: u32,
    /// Direction we want (sendrecv; sendonly to hold; inactive).
    pub direction: Direction,
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` version; bump it with [`AudioSession::bump_version`] for each changed offer.
    pub session_version: u64,
}

impl AudioSession {
    /// PCMU, PCMA and telephone-event 101, 20 ms, sendrecv.
    #[must_use]
    pub fn new(address: IpAddr, port: u16, session_id: u64) -> Self {
        Self {
            address,
            port,
            codecs: vec![Codec::pcmu(), Codec::pcma()],
            telephone_event: Some(DEFAULT_TELEPHONE_EVENT_PT),
            ptime: DEFAULT_PTIME,
            direction: Direction::SendRecv,
            session_id,
            session_version: 1,
        }
    }

    /// The same session with another direction (hold: `SendOnly`; resume: `SendRecv`).
    #[must_use]
    pub fn with_direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// Increments the `o=` version, as every new offer that changes something must.
    pub fn bump_version(&mut self) {
        self.session_version = self.session_version.wrapping_add(1);
    }

    /// The offer: one audio stream with every codec, telephone-event, ptime, direction.
    #[must_use]
    pub fn offer(&self) -> String {
        let formats: Vec<(u8, &str, u32)> = self
            .codecs
            .iter()
            .map(|c| (c.payload_type, c.name.as_str(), c.clock_rate))
            .collect();
        self.write(&formats, self.telephone_event, "0-16", self.direction)
    }

    fn write(
        &self,
        formats: &[(u8, &str, u32)],
        telephone_event: Option<u8>,
        events: &str,
        direction: Direction,
    ) -> String {
        let ip = match self.address {
            IpAddr::V4(_) => "IP4",
            IpAddr::V6(_) => "IP6",
        };
        let mut s = String::with_capacity(256);
        let _ = write!(
            s,
            "v=0\r\no=- {} {} IN {ip} {addr}\r\ns=-\r\nc=IN {ip} {addr}\r\nt=0 0\r\nm=audio {} RTP/AVP",
            self.session_id,
            self.session_version,
            self.port,
            addr = self.address,
        );
        for (pt, _, _) in formats {
            let _ = write!(s, " {pt}");
        }
        if let Some(te) = telephone_event {
            let _ = write!(s, " {te}");
        }
        s.push_str("\r\n");
        for (pt, name, rate) in formats {
            let _ = write!(s, "a=rtpmap:{pt} {name}/{rate}\r\n");
        }
        if let Some(te) = telephone_event {
            let _ = write!(
                s,
                "a=rtpmap:{te} telephone-event/8000\r\na=fmtp:{te} {events}\r\n"
            );
        }
        let _ = write!(s, "a=ptime:{}\r\na={}\r\n", self.ptime, direction.as_str());
        s
    }
}

/// Why an offer or answer cannot be used.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferAnswerError {
    /// The description has no audio stream with a non-zero port.
    #[error("no audio stream")]
    NoAudio,
    /// None of the offered codecs is one we have (the UAS answers 488).
    #[error("no codec in common")]
    NoCommonCodec,
    /// Every audio stream is secure (`UDP/TLS/RTP/SAVPF` and the like, a WebRTC peer): it
    /// needs DTLS-SRTP and ICE, which this media does not do; plain `RTP/AVP` is needed.
    #[error(
        "the peer offers only {protocol} audio: DTLS-SRTP/ICE are not supported (plain RTP/AVP is needed; use a PBX extension with plain RTP, or the browser softphone)"
    )]
    NeedsDtlsSrtp {
        /// The protocol of the first audio stream.
        protocol: String,
    },
}

/// What an exchange agreed on, from one side's point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// The codec to send (the first common one).
    pub codec: Codec,
    /// Telephone-event payload type of the peer, when both support it.
    pub telephone_event: Option<u8>,
    /// Where to send RTP; `None` when the peer gives `0.0.0.0` (RFC 2543 hold) or no address.
    pub remote_rtp: Option<SocketAddr>,
    /// Direction the peer declared (RFC 2543 hold `c=0.0.0.0` reads as `Inactive` when
    /// nothing else is said).
    pub direction: Direction,
    /// Peer's ptime, when given.
    pub ptime: Option<u32>,
}

/// Common codecs of `media` and `ours`, in the order of `media`, with the peer's payload
/// types.
fn common<'a>(media: &Media<'a>, ours: &AudioSession) -> Vec<(u8, String, u32)> {
    let mut out = Vec::new();
    for f in &media.formats {
        let Ok(pt) = f.parse::<u8>() else { continue };
        let (name, rate) = match media.rtpmap(pt) {
            Some(m) => (m.encoding.to_owned(), m.clock_rate),
            None => match pt {
                0 => ("PCMU".to_owned(), 8000),
                8 => ("PCMA".to_owned(), 8000),
                _ => continue,
            },
        };
        if ours
            .codecs
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(&name) && c.clock_rate == rate)
        {
            out.push((pt, name, rate));
        }
    }
    out
}

fn audio_index(sdp: &Sdp<'_>) -> Option<usize> {
    sdp.media
        .iter()
        .position(|m| m.kind.eq_ignore_ascii_case("audio") && m.port != 0)
}

/// The first usable audio stream: plain RTP (`RTP/AVP`, `RTP/AVPF`) only, since secure
/// profiles need DTLS-SRTP keys this media does not have.
fn plain_audio_index(sdp: &Sdp<'_>) -> Result<usize, OfferAnswerError> {
    let first = audio_index(sdp).ok_or(OfferAnswerError::NoAudio)?;
    sdp.media
        .iter()
        .position(|m| {
            m.kind.eq_ignore_ascii_case("audio")
                && m.port != 0
                && !m.protocol.to_ascii_uppercase().contains("SAVP")
        })
        .ok_or_else(|| OfferAnswerError::NeedsDtlsSrtp {
            protocol: sdp
                .media
                .get(first)
                .map(|m| m.protocol.to_string())
                .unwrap_or_default(),
        })
}

fn telephone_event_of(media: &Media<'_>) -> Option<(u8, String)> {
    media
        .telephone_events()
        .find(|t| t.clock_rate == 8000)
        .map(|t| {
            let events = media.fmtp(t.payload_type).unwrap_or("0-15").to_owned();
            (t.payload_type, events)
        })
}

fn remote_of(sdp: &Sdp<'_>, index: usize) -> (Option<SocketAddr>, bool) {
    let port = sdp.media.get(index).map_or(0, |m| m.port);
    let Some(c) = sdp.connection_of(index) else {
        return (None, false);
    };
    let addr = c.address.split('/').next().unwrap_or("");
    match addr.parse::<IpAddr>() {
        Ok(ip) if ip.is_unspecified() => (None, true),
        Ok(ip) => (Some(SocketAddr::new(ip, port)), false),
        Err(_) => (None, false),
    }
}

/// The direction an answerer takes (RFC 3264 §6.1), given the offer's and its own wish.
#[must_use]
pub fn answer_direction(offered: Direction, wanted: Direction) -> Direction {
    let (offer_sends, offer_recvs) = sends_recvs(offered);
    let (want_sends, want_recvs) = sends_recvs(wanted);
    match (offer_recvs && want_sends, offer_sends && want_recvs) {
        (true, true) => Direction::SendRecv,
        (true, false) => Direction::SendOnly,
        (false, true) => Direction::RecvOnly,
        (false, false) => Direction::Inactive,
    }
}

fn sends_recvs(d: Direction) -> (bool, bool) {
    match d {
        Direction::SendRecv => (true, true),
        Direction::SendOnly => (true, false),
        Direction::RecvOnly => (false, true),
        Direction::Inactive => (false, false),
    }
}

/// Answers `offer` for `ours`: the first audio stream is accepted with the common codecs (in
/// the offer's order and payload types) and telephone-event when both have it; other streams
/// are refused with port 0. The answer's `o=` line uses `ours.session_id`/`session_version`.
pub fn answer(
    offer: &Sdp<'_>,
    ours: &AudioSession,
) -> Result<(String, Negotiated), OfferAnswerError> {
    let index = plain_audio_index(offer)?;
    let media = offer.media.get(index).ok_or(OfferAnswerError::NoAudio)?;
    let common = common(media, ours);
    let first = common.first().ok_or(OfferAnswerError::NoCommonCodec)?;
    let te = if ours.telephone_event.is_some() {
        telephone_event_of(media)
    } else {
        None
    };
    let (remote_rtp, zero_hold) = remote_of(offer, index);
    let offered = match (offer.media.get(index).and_then(Media::direction), zero_hold) {
        (Some(d), _) => d,
        (None, true) => Direction::Inactive,
        (None, false) => offer.direction(index),
    };
    let direction = answer_direction(offered, ours.direction);
    let formats: Vec<(u8, &str, u32)> = common
        .iter()
        .map(|(pt, name, rate)| (*pt, name.as_str(), *rate))
        .collect();
    let (te_pt, events) = match &te {
        Some((pt, ev)) => (Some(*pt), ev.as_str()),
        None => (None, "0-16"),
    };
    let mut text = ours.write(&formats, te_pt, events, direction);
    // Streams other than the first audio one are refused in place (RFC 3264 §6).
    let mut refused = String::new();
    for (i, m) in offer.media.iter().enumerate() {
        if i == index {
            continue;
        }
        let _ = write!(refused, "m={} 0 {}", m.kind, m.protocol);
        for f in &m.formats {
            let _ = write!(refused, " {f}");
        }
        refused.push_str("\r\n");
        if i < index {
            // Keep the order of m= lines: refused sections before the audio one.
            let at = text.find("m=audio").unwrap_or(text.len());
            text.insert_str(at, &refused);
            refused.clear();
        }
    }
    text.push_str(&refused);
    let negotiated = Negotiated {
        codec: Codec {
            payload_type: first.0,
            name: first.1.clone(),
            clock_rate: first.2,
        },
        telephone_event: te_pt,
        remote_rtp,
        direction: offered,
        ptime: media.ptime(),
    };
    Ok((text, negotiated))
}

/// Reads the result of an exchange from the peer's description (their answer to our offer,
/// or their offer once we answered): the first codec of theirs that we have, their
/// telephone-event payload type, their RTP address and their direction.
pub fn negotiated(remote: &Sdp<'_>, ours: &AudioSession) -> Result<Negotiated, OfferAnswerError> {
    let index = plain_audio_index(remote)?;
    let media = remote.media.get(index).ok_or(OfferAnswerError::NoAudio)?;
    let common = common(media, ours);
    let (pt, name, rate) = common
        .into_iter()
        .next()
        .ok_or(OfferAnswerError::NoCommonCodec)?;
    let (remote_rtp, zero_hold) = remote_of(remote, index);
    let direction = match (media.direction(), zero_hold) {
        (Some(d), _) => d,
        (None, true) => Direction::Inactive,
        (None, false) => remote.direction(index),
    };
    Ok(Negotiated {
        codec: Codec {
            payload_type: pt,
            name,
            clock_rate: rate,
        },
        telephone_event: if ours.telephone_event.is_some() {
            telephone_event_of(media).map(|(pt, _)| pt)
        } else {
            None
        },
        remote_rtp,
        direction,
        ptime: media.ptime(),
    })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn session(port: u16) -> AudioSession {
        AudioSession::new("192.0.2.7".parse().unwrap(), port, 42)
    }

    #[test]
    fn offer_has_every_attribute() {
        let mut s = session(4000).with_direction(Direction::SendOnly);
        s.bump_version();
        let text = s.offer();
        let sdp = Sdp::parse(&text).unwrap();
        assert_eq!(sdp.origin.session_version, "2");
        let m = &sdp.media[0];
        assert_eq!(m.formats, vec!["0", "8", "101"]);
        assert_eq!(m.rtpmap(8).unwrap().encoding, "PCMA");
        assert_eq!(m.fmtp(101), Some("0-16"));
        assert_eq!(m.ptime(), Some(20));
        assert_eq!(sdp.direction(0), Direction::SendOnly);
        assert_eq!(sdp.connection_of(0).unwrap().address, "192.0.2.7");
    }

    #[test]
    fn answer_keeps_only_offered_codecs_with_their_payload_types() {
        let offer = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
            m=video 6000 RTP/AVP 96\r\nm=audio 5004 RTP/AVP 9 8 96\r\na=rtpmap:96 telephone-event/8000\r\n\
            a=fmtp:96 0-15\r\na=sendonly\r\n";
        let (text, n) = answer(&Sdp::parse(offer).unwrap(), &session(4000)).unwrap();
        let sdp = Sdp::parse(&text).unwrap();
        assert_eq!(sdp.media.len(), 2);
        assert_eq!(sdp.media[0].kind, "video");
        assert_eq!(sdp.media[0].port, 0);
        assert_eq!(sdp.media[1].formats, vec!["8", "96"]);
        assert_eq!(sdp.media[1].fmtp(96), Some("0-15"));
        assert_eq!(sdp.direction(1), Direction::RecvOnly);
        assert_eq!(n.codec, Codec::pcma());
        assert_eq!(n.telephone_event, Some(96));
        assert_eq!(n.remote_rtp, Some("192.0.2.1:5004".parse().unwrap()));
        assert_eq!(n.direction, Direction::SendOnly);
    }

    #[test]
    fn a_secure_only_offer_names_dtls_srtp() {
        let webrtc = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
            m=audio 5004 UDP/TLS/RTP/SAVPF 111 0\r\na=fingerprint:sha-256 AA:BB\r\n";
        let err = answer(&Sdp::parse(webrtc).unwrap(), &session(4000)).map(|_| ());
        assert_eq!(
            err,
            Err(OfferAnswerError::NeedsDtlsSrtp {
                protocol: "UDP/TLS/RTP/SAVPF".into()
            })
        );
        let text = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("DTLS-SRTP/ICE are not supported"), "{text}");
        // A plain stream next to the secure one is taken.
        let both = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
            m=audio 5004 UDP/TLS/RTP/SAVPF 0\r\nm=audio 5006 RTP/AVP 0\r\n";
        let (sdp, n) = answer(&Sdp::parse(both).unwrap(), &session(4000)).unwrap();
        assert_eq!(n.remote_rtp, Some("192.0.2.1:5006".parse().unwrap()));
        assert!(sdp.contains("m=audio 0 UDP/TLS/RTP/SAVPF"), "{sdp}");
    }

    #[test]
    fn no_common_codec_is_an_error() {
        let offer = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
            m=audio 5004 RTP/AVP 9 18\r\n";
        assert_eq!(
            answer(&Sdp::parse(offer).unwrap(), &session(4000)),
            Err(OfferAnswerError::NoCommonCodec)
        );
        let video =
            "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=video 5004 RTP/AVP 96\r\n";
        assert_eq!(
            answer(&Sdp::parse(video).unwrap(), &session(4000)),
            Err(OfferAnswerError::NoAudio)
        );
    }

    #[test]
    fn hold_directions_and_rfc2543_hold() {
        assert_eq!(
            answer_direction(Direction::SendOnly, Direction::SendRecv),
            Direction::RecvOnly
        );
        assert_eq!(
            answer_direction(Direction::Inactive, Direction::SendRecv),
            Direction::Inactive
        );
        assert_eq!(
            answer_direction(Direction::RecvOnly, Direction::SendRecv),
            Direction::SendOnly
        );
        assert_eq!(
            answer_direction(Direction::SendRecv, Direction::SendOnly),
            Direction::SendOnly
        );
        let held = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n\
            m=audio 5004 RTP/AVP 0\r\n";
        let n = negotiated(&Sdp::parse(held).unwrap(), &session(4000)).unwrap();
        assert_eq!(n.remote_rtp, None);
        assert_eq!(n.direction, Direction::Inactive);
        assert_eq!(n.telephone_event, None);
    }

    proptest::proptest! {
        #[test]
        fn answers_only_ever_contain_offered_codecs(pts in proptest::collection::vec(0u8..128, 1..8)) {
            let mut offer = String::from("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP");
            for pt in &pts { offer.push_str(&format!(" {pt}")); }
            offer.push_str("\r\n");
            let sdp = Sdp::parse(&offer).unwrap();
            match answer(&sdp, &session(4000)) {
                Ok((text, n)) => {
                    let a = Sdp::parse(&text).unwrap();
                    for f in &a.media[0].formats {
                        proptest::prop_assert!(pts.iter().any(|p| p.to_string() == *f));
                    }
                    proptest::prop_assert!(n.codec.payload_type == 0 || n.codec.payload_type == 8);
                }
                Err(e) => {
                    proptest::prop_assert_eq!(e, OfferAnswerError::NoCommonCodec);
                    proptest::prop_assert!(!pts.contains(&0) && !pts.contains(&8));
                }
            }
        }
    }
}
