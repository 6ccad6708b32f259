//! Handles, events and errors of the endpoint.

use std::time::Duration;

use bytes::Bytes;

use super::digest::DigestError;
use super::transport::{Remote, TransportError, TransportKind};

/// An account of the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountHandle(pub u64);

/// A call (an INVITE session and its dialog) of the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallHandle(pub u64);

/// Something the application learns from the endpoint ([`crate::ua::Endpoint::poll_event`]).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A registration changed.
    Registration {
        /// The account.
        account: AccountHandle,
        /// What happened.
        event: RegistrationEvent,
    },
    /// A new INVITE arrived; answer with `ringing`, `answer` or `reject`.
    IncomingCall(IncomingCall),
    /// An outgoing call progresses.
    CallProgress {
        /// The call.
        call: CallHandle,
        /// Trying, ringing or early media.
        progress: CallProgress,
    },
    /// An outgoing call was answered (2xx, ACK sent).
    CallAnswered {
        /// The call.
        call: CallHandle,
        /// The peer's SDP answer.
        sdp: Option<Bytes>,
    },
    /// An incoming call we answered is confirmed: the ACK arrived.
    CallConfirmed {
        /// The call.
        call: CallHandle,
        /// SDP in the ACK (the answer, when our 2xx carried the offer).
        sdp: Option<Bytes>,
    },
    /// A call ended.
    CallEnded {
        /// The call.
        call: CallHandle,
        /// Why.
        reason: EndReason,
        /// The status code that ended it, when one did.
        code: Option<u16>,
    },
    /// The peer sent a new offer (re-INVITE or UPDATE with SDP, e.g. hold or resume); answer
    /// with `answer_reoffer` or `reject_reoffer`. `offer` is `None` for a re-INVITE without
    /// SDP (our answer carries an offer and the ACK the peer's answer).
    Reoffer {
        /// The call.
        call: CallHandle,
        /// The peer's offer.
        offer: Option<Bytes>,
    },
    /// New SDP from the peer completed an exchange we started (answer to our re-INVITE) or
    /// the ACK of a re-INVITE without SDP.
    MediaUpdated {
        /// The call.
        call: CallHandle,
        /// The peer's SDP.
        sdp: Bytes,
    },
    /// Our re-INVITE failed; the call goes on with the previous media.
    ReofferFailed {
        /// The call.
        call: CallHandle,
        /// The status code.
        code: u16,
    },
    /// A DTMF digit arrived in an INFO (`application/dtmf-relay` or `application/dtmf`).
    DtmfInfo {
        /// The call.
        call: CallHandle,
        /// `0`–`9`, `*`, `#`, `A`–`D`, or `!` for flash.
        signal: char,
        /// Duration in milliseconds, when given.
        duration_ms: Option<u32>,
    },
    /// The peer asks us to call `refer_to` (REFER, answered 202). Place the call with
    /// `InviteRequest::transfer_of` set to this call so the peer gets NOTIFYs of its
    /// progress, or report an outcome with `transfer_notify`.
    TransferRequested {
        /// The call the REFER came in.
        call: CallHandle,
        /// The Refer-To URI.
        refer_to: String,
        /// Referred-By, when given.
        referred_by: Option<String>,
    },
    /// Progress of a transfer we asked for (our REFER).
    TransferProgress {
        /// The call the REFER went in.
        call: CallHandle,
        /// What the peer reported.
        progress: TransferProgress,
    },
    /// An OPTIONS request was answered 200.
    Options {
        /// Who asked.
        from: Remote,
        /// The From URI.
        from_uri: String,
    },
    /// A request inside a call (INFO, REFER, NOTIFY, UPDATE) failed.
    RequestFailed {
        /// The call.
        call: CallHandle,
        /// The method.
        method: String,
        /// The status code (408 for a timeout, 503 for a transport error).
        code: u16,
    },
    /// A NOTIFY outside any dialog (e.g. unsolicited message-waiting), answered 200.
    Notify {
        /// The Event package.
        event: String,
        /// The body.
        body: Bytes,
    },
}

/// The new INVITE of an [`Event::IncomingCall`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCall {
    /// The call.
    pub call: CallHandle,
    /// The account whose user the Request-URI or To names, if any.
    pub account: Option<AccountHandle>,
    /// The From value.
    pub from: String,
    /// The To value.
    pub to: String,
    /// The Request-URI.
    pub request_uri: String,
    /// The SDP offer, when the INVITE carries one.
    pub offer: Option<Bytes>,
    /// Where the INVITE came from.
    pub remote: Remote,
}

/// Progress of an outgoing call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallProgress {
    /// 100 Trying.
    Trying,
    /// 18x without SDP.
    Ringing {
        /// The status code (180, 181, 182, 183).
        code: u16,
    },
    /// 18x with SDP.
    EarlyMedia {
        /// The status code.
        code: u16,
        /// The SDP.
        sdp: Bytes,
    },
}

/// Why a call ended.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// We hung up (BYE sent).
    LocalHangup,
    /// The peer hung up (BYE received).
    RemoteHangup,
    /// We cancelled an outgoing call before it was answered.
    Cancelled,
    /// The caller cancelled an incoming call.
    RemoteCancelled,
    /// The callee refused the call (final non-2xx).
    Rejected,
    /// We refused an incoming call.
    Declined,
    /// No answer in time (timer B, a BYE with no response, a CANCEL with no 487).
    Timeout,
    /// The transport failed.
    TransportError,
    /// The peer challenged us and our credentials were refused or unusable.
    AuthFailed,
    /// The ACK of our 2xx never came (BYE sent).
    AckTimeout,
    /// The session timer ran out without a refresh (RFC 4028 §10, BYE sent).
    SessionExpired,
    /// The dialog is gone at the peer (481 to a request in it, or 408 to a re-INVITE).
    DialogGone,
    /// The endpoint is shutting down.
    Shutdown,
}

/// Registration state changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationEvent {
    /// Registered; the registrar granted `expires`.
    Registered {
        /// Granted interval.
        expires: Duration,
        /// The Contact bound.
        contact: String,
    },
    /// A registration attempt failed.
    Failed(RegistrationError),
    /// The next attempt is in `after`.
    Retrying {
        /// Delay before the next REGISTER.
        after: Duration,
    },
    /// The binding is removed (Expires: 0 answered, or given up).
    Unregistered,
}

/// Why a registration failed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    /// The registrar refused our credentials (403, or a new challenge without `stale=true`
    /// after we answered one).
    #[error("credentials rejected ({status})")]
    AuthRejected {
        /// 401, 403 or 407.
        status: u16,
    },
    /// A challenge we cannot answer.
    #[error("cannot answer the challenge: {0}")]
    AuthUnsupported(DigestError),
    /// Another final status.
    #[error("refused with {status}")]
    Rejected {
        /// The status code.
        status: u16,
    },
    /// No final response (timer F).
    #[error("no response")]
    Timeout,
    /// The transport failed.
    #[error("transport error")]
    Transport,
    /// The flow's keep-alive pong did not come (RFC 5626 §4.4.1).
    #[error("flow keep-alive failed")]
    FlowFailed,
}

/// Progress of a transfer we asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferProgress {
    /// The REFER was accepted (202).
    Accepted,
    /// The REFER was refused.
    Refused {
        /// Its status code.
        code: u16,
    },
    /// A NOTIFY reported the status of the new call (`message/sipfrag`).
    Status {
        /// The status code of the sipfrag.
        code: u16,
        /// True when the subscription ended (final status).
        done: bool,
    },
}

/// A command could not be carried out.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UaError {
    /// No such call (ended or never existed).
    #[error("no such call")]
    NoSuchCall,
    /// No such account.
    #[error("no such account")]
    NoSuchAccount,
    /// The call table is full.
    #[error("too many calls")]
    TooManyCalls,
    /// The account table is full.
    #[error("too many accounts")]
    TooManyAccounts,
    /// The transaction table is full.
    #[error("too many transactions")]
    TooManyTransactions,
    /// No local binding was declared for this transport.
    #[error("no local binding for {0}")]
    NoBinding(TransportKind),
    /// The command does not fit the call's state.
    #[error("not possible now: {0}")]
    InvalidState(&'static str),
    /// No destination: no account proxy, no explicit destination, and the URI has no IP.
    #[error("no route to {0}")]
    NoRoute(String),
    /// A URI or value given is not valid SIP.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

impl From<TransportError> for RegistrationError {
    fn from(_: TransportError) -> Self {
        Self::Transport
    }
}
