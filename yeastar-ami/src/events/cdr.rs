//! Call records: CDR and CEL.

events! {
    /// A call detail record, raised by `cdr_manager` when a CDR is posted. Keys are the CDR's
    /// columns.
    ///
    /// Both dialects.
    Cdr "Cdr" {
        /// The account code of the calling channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The caller ID number of the calling party (`src`).
        "Source" source: Option<&'a str>,
        /// The extension dialled (`dst`).
        "Destination" destination: Option<&'a str>,
        /// The context of the extension dialled (`dcontext`).
        "DestinationContext" destination_context: Option<&'a str>,
        /// The caller ID, `"Name" <number>` (`clid`).
        "CallerID" caller_id: Option<&'a str>,
        /// The calling channel.
        "Channel" channel: &'a str,
        /// The called channel (`dstchannel`), empty when none answered.
        "DestinationChannel" destination_channel: Option<&'a str>,
        /// The last application the calling channel ran (`lastapp`).
        "LastApplication" last_application: Option<&'a str>,
        /// The data of that application (`lastdata`).
        "LastData" last_data: Option<&'a str>,
        /// When the call started, `YYYY-MM-DD HH:MM:SS` local time.
        "StartTime" start_time: Option<&'a str>,
        /// When the call was answered, same format; empty when it was not.
        "AnswerTime" answer_time: Option<&'a str>,
        /// When the call ended, same format.
        "EndTime" end_time: Option<&'a str>,
        /// Seconds from start to end.
        "Duration" duration: Option<u64>,
        /// Seconds from answer to end (`billsec`).
        "BillableSeconds" billable_seconds: Option<u64>,
        /// `ANSWERED`, `NO ANSWER`, `BUSY`, `FAILED` or `CONGESTION`.
        "Disposition" disposition: Option<&'a str>,
        /// `OMIT`, `BILLING`, `DOCUMENTATION` or `DEFAULT`.
        "AMAFlags" ama_flags: Option<&'a str>,
        /// The unique ID of the calling channel.
        "UniqueID" unique_id: Option<&'a str>,
        /// The CDR's user field.
        "UserField" user_field: Option<&'a str>,
        /// The linked ID of the calling channel (the call's oldest channel).
        "LinkedID" linked_id: Option<&'a str>,
        /// The account code of the called channel.
        "Peeraccount" peeraccount: Option<&'a str>,
        /// The CDR's sequence number (batches of one call share the linked ID).
        "Sequence" sequence: Option<u64>,
    }

    /// A channel event logging record (`cel_manager`).
    ///
    /// Both dialects.
    Cel "CEL" {
        /// The CEL event: `CHAN_START`, `ANSWER`, `BRIDGE_ENTER`, `HANGUP`, `LINKEDID_END`, …
        "EventName" event_name: Option<&'a str>,
        /// The channel's account code.
        "AccountCode" account_code: Option<&'a str>,
        /// The caller ID number.
        "CallerIDnum" caller_i_dnum: Option<&'a str>,
        /// The caller ID name.
        "CallerIDname" caller_i_dname: Option<&'a str>,
        /// The ANI (automatic number identification).
        "CallerIDani" caller_i_dani: Option<&'a str>,
        /// The redirecting number.
        "CallerIDrdnis" caller_i_drdnis: Option<&'a str>,
        /// The dialled number.
        "CallerIDdnid" caller_i_ddnid: Option<&'a str>,
        /// The dialplan extension.
        "Exten" exten: Option<&'a str>,
        /// The dialplan context.
        "Context" context: Option<&'a str>,
        /// The channel.
        "Channel" channel: &'a str,
        /// The application running.
        "Application" application: Option<&'a str>,
        /// Its data.
        "AppData" app_data: Option<&'a str>,
        /// When the event happened, `YYYY-MM-DD HH:MM:SS` (or seconds since the epoch, as
        /// configured).
        "EventTime" event_time: Option<&'a str>,
        /// `OMIT`, `BILLING`, `DOCUMENTATION` or `DEFAULT`.
        "AMAFlags" ama_flags: Option<&'a str>,
        /// The channel's unique ID.
        "UniqueID" unique_id: Option<&'a str>,
        /// The channel's linked ID.
        "LinkedID" linked_id: Option<&'a str>,
        /// The channel's user field.
        "Userfield" userfield: Option<&'a str>,
        /// The channel this one is bridged to, if any (may be empty).
        "Peer" peer: &'a str,
        /// The peer's account code.
        "PeerAccount" peer_account: Option<&'a str>,
        /// Event-specific data (JSON on 13+).
        "Extra" extra: Option<&'a str>,
    }
}
