//! `tokio_util::codec` adapter over the sans-IO [`Decoder`] and [`Action::encode`].

use bytes::BytesMut;

use super::decoder::{Decoder, FrameError};
use super::encode::{Action, ActionIdGenerator, EncodeError};
use super::limits::Limits;
use super::message::Frame;

/// An AMI codec for `FramedRead`/`Framed`.
///
/// Items are `Result<Frame, FrameError>`: a refused frame is an item, not a stream error, so the
/// stream goes on after it. Only I/O errors end the stream.
#[derive(Debug, Default)]
pub struct AmiCodec {
    decoder: Decoder,
    ids: ActionIdGenerator,
}

/// Errors of the codec's encoding half.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// Reading or writing the transport failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The action was refused before anything was written.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl AmiCodec {
    /// A codec for a fresh connection (the first line may be the banner).
    pub fn new(limits: Limits) -> Self {
        AmiCodec {
            decoder: Decoder::new(limits),
            ids: ActionIdGenerator::default(),
        }
    }

    /// Uses `ids` for actions sent without an `ActionID`.
    pub fn with_action_ids(mut self, ids: ActionIdGenerator) -> Self {
        self.ids = ids;
        self
    }
}

impl tokio_util::codec::Decoder for AmiCodec {
    type Item = Result<Frame, FrameError>;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(self.decoder.decode(buf).transpose())
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(self.decoder.decode_eof(buf).transpose())
    }
}

impl tokio_util::codec::Encoder<&Action> for AmiCodec {
    type Error = CodecError;

    fn encode(&mut self, action: &Action, dst: &mut BytesMut) -> Result<(), CodecError> {
        let generated;
        let id = match action.action_id() {
            Some(id) => id,
            None => {
                generated = self.ids.next_id();
                &generated
            }
        };
        action.encode(id, dst)?;
        Ok(())
    }
}
