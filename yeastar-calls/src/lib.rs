//! One call model for a Yeastar or Asterisk PBX, whatever interface saw the call.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use yeastar_calls::{Call, CallEvent, CallHistory, CompletedCall, Disposition, MemoryHistory, Source};
//!
//! let start = UNIX_EPOCH + Duration::from_secs(1_795_728_800);
//! let mut call = Call::new("1795728800.7", Source::Ami, start);
//! call.from_number = Some("1001".into());
//! call.dialled = Some("1002".into());
//! call.note_answer(Some("1002".into()), start + Duration::from_secs(2));
//! let line = yeastar_calls::to_json_line(&CallEvent::Answered { call: Box::new(call.clone()), at: start });
//! assert!(line.starts_with(r#"{"type":"call","event":"answered""#));
//! call.ended_at = Some(start + Duration::from_secs(9));
//! let done = CompletedCall::from_call(&call, Disposition::Answered, call.duration(start), call.billsec(start));
//! let mut history = MemoryHistory::default();
//! history.record(done)?;
//! assert_eq!(history.iter().next().map(|c| c.billsec), Some(Duration::from_secs(7)));
//! # Ok::<(), std::convert::Infallible>(())
//! ```
//!
//! The sources of calls — the AMI call tracker of `yeastar-ami`, the SIP user agent of
//! `yeastar-sip`, its WebSocket transport in `yeastar-ws` — each turn what they see into these
//! types; `yeastar-core` merges them into one stream. This crate holds no protocol knowledge, no
//! I/O, and reads no clock except in [`WallClock::now`].
//!
//! | module | what |
//! |---|---|
//! | [`Call`], [`CallLeg`], [`CallState`], [`Direction`], [`Source`], [`Transfer`], [`EndReason`] | a call and its legs |
//! | [`CallEvent`], [`ExtensionEvent`], [`RegistrationEvent`], [`PbxEvent`] | what changed |
//! | [`CompletedCall`], [`CallHistory`], [`MemoryHistory`], `SqliteHistory` (feature `sqlite`) | call history |
//! | [`schema`] | the JSON line schema the reference services print |
//! | [`WallClock`], [`format_rfc3339`] | wall-clock times from `Instant`s |

mod call;
mod event;
mod extension;
mod history;
pub mod schema;
#[cfg(feature = "sqlite")]
mod sqlite;
mod time;

pub use call::{
    Call, CallLeg, CallState, Direction, EndReason, LegState, MAX_TRANSFERS_PER_CALL, Source,
    Transfer, TransferKind,
};
pub use event::{CallEvent, PbxEvent};
pub use extension::{
    ExtensionEvent, ExtensionState, ExtensionStatus, RegistrationEvent, RegistrationState,
};
pub use history::{
    CallHistory, CompletedCall, DEFAULT_MEMORY_HISTORY_CAPACITY, Disposition, HistoryQuery,
    MemoryHistory,
};
pub use schema::to_json_line;
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteHistory, SqliteHistoryError};
pub use time::{WallClock, civil_from_unix_days, format_rfc3339};
