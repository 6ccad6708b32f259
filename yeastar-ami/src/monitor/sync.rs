//! What the monitor reads from the PBX at every login: live channels, extension states and
//! endpoint registrations, each with the actions the dialect has.

use std::time::Instant;

use crate::session::{ActionError, AmiSession, Reply};
use crate::tracker::{HintState, ResyncReport, parse_core_show_hints};
use crate::wire::{Action, Frame};

/// The PBX's state read at a login: the list items of `CoreShowChannels` (legacy `Status`),
/// `ExtensionStateList` (legacy: the `core show hints` CLI table) and `PJSIPShowEndpoints`
/// (legacy `SIPpeers`), and what the call model changed from them.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Resync {
    /// True after a reconnection, false at the first login.
    pub reconnected: bool,
    /// One event per live channel.
    pub channels: Vec<Frame>,
    /// One `ExtensionStatus` per hint (modern dialect).
    pub extensions: Vec<Frame>,
    /// The hints of `core show hints` (legacy dialect).
    pub hints: Vec<HintState>,
    /// One `EndpointList` or `PeerEntry` per endpoint.
    pub peers: Vec<Frame>,
    /// What the call model changed: calls that ended or began while disconnected, extension
    /// changes. Empty without a tracker.
    pub report: ResyncReport,
}

/// The lists asked for and what has come back.
#[derive(Debug)]
pub(crate) struct SyncState {
    channels: Option<String>,
    extensions: Option<String>,
    hints: Option<String>,
    peers: Option<String>,
    pub(crate) result: Resync,
}

impl SyncState {
    /// Sends the list actions of the dialect.
    pub(crate) fn start(
        session: &mut AmiSession,
        legacy: bool,
        reconnected: bool,
        now: Instant,
    ) -> SyncState {
        let mut send = |action: Action| session.send(action, now).ok();
        let (channels, extensions, hints, peers) = if legacy {
            (
                send(Action::new("Status")),
                None,
                // Asterisk 1.8 has no ExtensionStateList: the CLI table has every hint.
                send(Action::new("Command").field("Command", "core show hints")),
                send(Action::new("SIPpeers")),
            )
        } else {
            (
                send(Action::new("CoreShowChannels")),
                send(Action::new("ExtensionStateList")),
                None,
                send(Action::new("PJSIPShowEndpoints")),
            )
        };
        SyncState {
            channels,
            extensions,
            hints,
            peers,
            result: Resync {
                reconnected,
                ..Resync::default()
            },
        }
    }

    /// Takes a reply if it belongs to the sync; true if it did.
    pub(crate) fn absorb(&mut self, id: &str, result: &Result<Reply, ActionError>) -> bool {
        if self.hints.as_deref() == Some(id) {
            self.hints = None;
            if let Ok(reply) = result {
                let output = reply.command_output();
                self.result.hints = parse_core_show_hints(output.iter().map(String::as_str));
            }
            return true;
        }
        let items = match result {
            Ok(reply) => reply.items.clone(),
            // "No endpoints found" and the like are empty lists.
            Err(_) => Vec::new(),
        };
        for (slot, target) in [
            (&mut self.channels, &mut self.result.channels),
            (&mut self.extensions, &mut self.result.extensions),
            (&mut self.peers, &mut self.result.peers),
        ] {
            if slot.as_deref() == Some(id) {
                *slot = None;
                *target = items;
                return true;
            }
        }
        false
    }

    pub(crate) fn done(&self) -> bool {
        self.channels.is_none()
            && self.extensions.is_none()
            && self.hints.is_none()
            && self.peers.is_none()
    }
}
