//! Endpoints, peers, registrations, devices and extension states; security events.

events! {
    /// A peer's registration or reachability changed (`Registered`, `Unregistered`, `Reachable`,
    /// `Unreachable`, `Lagged`, `Rejected`).
    ///
    /// Both dialects.
    PeerStatus "PeerStatus" {
        /// The channel technology (`SIP`, `PJSIP`, `IAX2`).
        "ChannelType" channel_type: Option<&'a str>,
        /// The peer, with its technology (`SIP/1001`, `PJSIP/1001`).
        "Peer" peer: &'a str,
        /// `Unknown`, `Registered`, `Unregistered`, `Rejected`, `Lagged`, `Reachable` or
        /// `Unreachable`.
        "PeerStatus" peer_status: Option<&'a str>,
        /// The peer's address, `ip:port`, when registered.
        "Address" address: Option<&'a str>,
        /// Why the peer changed state (`Unreachable`, a SIP reason), when given.
        "Cause" cause: Option<&'a str>,
        /// The peer's port (1.8 chan_sip sends address and port apart).
        "Port" port: Option<u16>,
        /// The qualify round trip in milliseconds, with `Reachable`/`Lagged`.
        "Time" time: Option<u32>,
    }

    /// An outbound registration (a trunk registering to a provider) changed state.
    ///
    /// Both dialects.
    Registry "Registry" {
        /// The channel technology (`SIP`, `PJSIP`, `IAX2`).
        "ChannelType" channel_type: Option<&'a str>,
        /// The user the registration is for.
        "Username" username: Option<&'a str>,
        /// The registrar.
        "Domain" domain: Option<&'a str>,
        /// `Registered`, `Unregistered`, `Rejected`, `Failed`, `Request Sent`, `Auth. Sent`, `No
        /// Authentication`, `Timeout`, …
        "Status" status: Option<&'a str>,
        /// The SIP status code of a failed registration, when given.
        "Cause" cause: Option<u16>,
    }

    /// A PJSIP contact's reachability changed (qualify), or it was created, updated or removed by a
    /// registration.
    ///
    /// Modern dialect (Asterisk 12 and later).
    ContactStatus "ContactStatus" {
        /// The contact's SIP URI.
        "URI" uri: Option<&'a str>,
        /// `Created`, `Removed`, `Updated`, `Reachable`, `Unreachable`, `Unqualified` or `Unknown`.
        "ContactStatus" contact_status: Option<&'a str>,
        /// The AOR the contact belongs to.
        "AOR" aor: Option<&'a str>,
        /// The endpoint the AOR belongs to.
        "EndpointName" endpoint_name: Option<&'a str>,
        /// The round-trip time of the last qualify, in microseconds (0 when not qualified).
        "RoundtripUsec" roundtrip_usec: Option<u64>,
        /// The User-Agent of the registering device.
        "UserAgent" user_agent: Option<&'a str>,
        /// When the registration expires, seconds since the epoch.
        "RegExpire" reg_expire: Option<u64>,
        /// The Via address of the registering device.
        "ViaAddress" via_address: Option<&'a str>,
        /// The Call-ID of the registration.
        "CallID" call_id: Option<&'a str>,
    }

    /// A device's state changed; also one item of the answer to `DeviceStateList`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    DeviceStateChange "DeviceStateChange" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// The device (`PJSIP/1001`, `Queue:sales`).
        "Device" device: &'a str,
        /// `UNKNOWN`, `NOT_INUSE`, `INUSE`, `BUSY`, `INVALID`, `UNAVAILABLE`, `RINGING`,
        /// `RINGINUSE` or `ONHOLD`.
        "State" state: Option<&'a str>,
    }

    /// An extension hint's state changed; also one item of the answer to `ExtensionStateList`.
    ///
    /// Both dialects.
    ExtensionStatus "ExtensionStatus" {
        /// The extension.
        "Exten" exten: Option<&'a str>,
        /// The context of the hint.
        "Context" context: Option<&'a str>,
        /// The devices of the hint (`PJSIP/1001&Custom:dnd1001`).
        "Hint" hint: Option<&'a str>,
        /// The state as a number: -2 removed, -1 not found, 0 idle, 1 in use, 2 busy, 4
        /// unavailable, 8 ringing, 9 in use and ringing, 16 on hold.
        "Status" status: Option<i32>,
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// The state as text (`Idle`, `InUse`, `Busy`, `Unavailable`, `Ringing`, `InUse&Ringing`,
        /// `Hold`, `InUse&Hold`, `Unknown`).
        "StatusText" status_text: Option<&'a str>,
    }

    /// A mailbox's message count changed.
    ///
    /// Both dialects.
    MessageWaiting "MessageWaiting" {
        /// The mailbox, `box@context`.
        "Mailbox" mailbox: Option<&'a str>,
        /// `1` (or `Yes`) when messages are waiting, else `0` (`No`).
        "Waiting" waiting: Option<&'a str>,
        /// The number of new messages.
        "New" new: Option<u32>,
        /// The number of old messages.
        "Old" old: Option<u32>,
    }

    /// A security event: the PBX sent an authentication challenge (a SIP 401 or 407).
    ///
    /// Modern dialect (Asterisk 12 and later).
    ChallengeSent "ChallengeSent" {
        /// When the event happened, `seconds-microseconds` since the epoch.
        "EventTV" event_tv: Option<&'a str>,
        /// `Informational` or `Error`.
        "Severity" severity: Option<&'a str>,
        /// The service the request came to (`PJSIP`, `AMI`).
        "Service" service: Option<&'a str>,
        /// The version of the event's format.
        "EventVersion" event_version: Option<&'a str>,
        /// The account the request named (user or endpoint).
        "AccountID" account_id: Option<&'a str>,
        /// The service's session ID for the request.
        "SessionID" session_id: Option<&'a str>,
        /// Where the request arrived, `IPV4/UDP/192.0.2.1/5060`.
        "LocalAddress" local_address: Option<&'a str>,
        /// Where the request came from, same format.
        "RemoteAddress" remote_address: Option<&'a str>,
        /// The challenge (nonce) sent.
        "Challenge" challenge: Option<&'a str>,
    }

    /// A security event: a request authenticated.
    ///
    /// Modern dialect (Asterisk 12 and later).
    SuccessfulAuth "SuccessfulAuth" {
        /// When the event happened, `seconds-microseconds` since the epoch.
        "EventTV" event_tv: Option<&'a str>,
        /// `Informational` or `Error`.
        "Severity" severity: Option<&'a str>,
        /// The service the request came to (`PJSIP`, `AMI`).
        "Service" service: Option<&'a str>,
        /// The version of the event's format.
        "EventVersion" event_version: Option<&'a str>,
        /// The account the request named (user or endpoint).
        "AccountID" account_id: Option<&'a str>,
        /// The service's session ID for the request.
        "SessionID" session_id: Option<&'a str>,
        /// Where the request arrived, `IPV4/UDP/192.0.2.1/5060`.
        "LocalAddress" local_address: Option<&'a str>,
        /// Where the request came from, same format.
        "RemoteAddress" remote_address: Option<&'a str>,
        /// `1` when a password was used.
        "UsingPassword" using_password: Option<&'a str>,
        /// When the session started, `seconds-microseconds`.
        "SessionTV" session_tv: Option<&'a str>,
    }
}
