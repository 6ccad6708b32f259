//! The crate's error type.

/// Everything that can go wrong in this crate. Bad input from the network
/// always ends here, never in a panic.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input ended before a field it announced.
    #[error("truncated: needed {needed} bytes, {available} available")]
    Truncated {
        /// Bytes the structure needs.
        needed: usize,
        /// Bytes there were.
        available: usize,
    },
    /// The RTP/RTCP version field is not 2.
    #[error("unsupported RTP/RTCP version {0}")]
    BadVersion(u8),
    /// A field holds a value the format does not allow.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// A bounded structure would grow past its limit.
    #[error("limit exceeded: {what} (limit {limit})")]
    LimitExceeded {
        /// Which limit.
        what: &'static str,
        /// Its value.
        limit: usize,
    },
    /// The `rtp` crate rejected a packet.
    #[error("RTP: {0}")]
    Rtp(#[from] webrtc_util::Error),
    /// A PCM frame does not have the length the codec and ptime require.
    #[error("frame has {got} samples, expected {expected}")]
    FrameLength {
        /// Samples per frame at this ptime.
        expected: usize,
        /// Samples given.
        got: usize,
    },
    /// An unsupported configuration value.
    #[error("invalid configuration: {0}")]
    Config(&'static str),
    /// No free even/odd port pair is left in the configured range.
    #[error("no free RTP port in {min}..={max}")]
    PortsExhausted {
        /// Lowest port of the range.
        min: u16,
        /// Highest port of the range.
        max: u16,
    },
    /// Socket or file I/O failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The WAV reader or writer failed.
    #[error("WAV: {0}")]
    Wav(#[from] hound::Error),
}
