//! The AMI wire format: framing, the line grammar, limits and action encoding. No I/O.

mod codec;
mod decoder;
mod encode;
mod grammar;
mod limits;
mod message;

pub use codec::{AmiCodec, CodecError};
pub use decoder::{Decoder, FrameError, FrameErrorKind, parse_message, parse_message_with};
pub use encode::{Action, ActionIdGenerator, EncodeError};
pub use limits::{DEFAULT_MAX_COMMAND_OUTPUT, DEFAULT_MAX_FIELDS, DEFAULT_MAX_FRAME_SIZE, Limits};
pub(crate) use message::Span;
pub use message::{Banner, Frame, FrameKind, Message, Variable};
