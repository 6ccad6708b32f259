//! Channel life and channel state: creation, state, hangup, caller ID, dialplan, variables, hold,
//! music on hold, recording, DTMF, RTCP.

events! {
    /// A channel was created.
    ///
    /// Both dialects.
    Newchannel "Newchannel" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }

    /// A channel's state changed (ringing, up, …).
    ///
    /// Both dialects.
    Newstate "Newstate" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }

    /// A channel hung up, with its Q.850 cause.
    ///
    /// Both dialects.
    Hangup "Hangup" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The Q.850 cause code (16 normal clearing, 17 busy, 19 no answer, 21 rejected, …).
        "Cause" cause: Option<u16>,
        /// The cause as text (`Normal Clearing`).
        "Cause-txt" cause_txt: Option<&'a str>,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
        /// A technology-specific cause (the SIP status) when the call did not end normally.
        "TechCause" tech_cause: Option<&'a str>,
    }

    /// A hangup of a channel was requested (by the dialplan, an action or the peer).
    ///
    /// Both dialects.
    HangupRequest "HangupRequest" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
        /// The Q.850 cause code requested.
        "Cause" cause: Option<u16>,
        /// A technology-specific cause (the SIP status) when the call did not end normally.
        "TechCause" tech_cause: Option<&'a str>,
    }

    /// A soft hangup of a channel was requested with a cause.
    ///
    /// Both dialects.
    SoftHangupRequest "SoftHangupRequest" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
        /// The Q.850 cause code (16 normal clearing, 17 busy, 19 no answer, 21 rejected, …).
        "Cause" cause: Option<u16>,
        /// A technology-specific cause (the SIP status) when the call did not end normally.
        "TechCause" tech_cause: Option<&'a str>,
    }

    /// A channel's caller ID changed.
    ///
    /// Both dialects.
    NewCallerid "NewCallerid" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The caller ID presentation, `number (text)` (`0 (Presentation Allowed, Not Screened)`).
        "CID-CallingPres" cid_calling_pres: Option<&'a str>,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }

    /// A channel's connected line (the party it is talking to) changed.
    ///
    /// Modern dialect (Asterisk 12 and later).
    NewConnectedLine "NewConnectedLine" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }

    /// A channel's account code changed.
    ///
    /// Both dialects.
    NewAccountCode "NewAccountCode" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The account code before the change.
        "OldAccountCode" old_account_code: Option<&'a str>,
    }

    /// A channel moved to another dialplan priority, running `Application`.
    ///
    /// Both dialects.
    Newexten "Newexten" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension (the older spelling of `Exten`, still sent by 12+).
        "Extension" extension: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The application at the new priority.
        "Application" application: Option<&'a str>,
        /// Its data.
        "AppData" app_data: Option<&'a str>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }

    /// A channel or global variable was set.
    ///
    /// Both dialects.
    VarSet "VarSet" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The new value.
        "Value" value: Option<&'a str>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }

    /// A channel was put on hold. The legacy form has `Status: On`; the modern one has the channel
    /// snapshot and `MusicClass`.
    ///
    /// Both dialects.
    Hold "Hold" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
        /// The music-on-hold class the phone asked for, when one was.
        "MusicClass" music_class: Option<&'a str>,
    }

    /// A channel was taken off hold.
    ///
    /// Both dialects.
    Unhold "Unhold" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }

    /// Music on hold started playing to a channel.
    ///
    /// Modern dialect (Asterisk 12 and later).
    MusicOnHoldStart "MusicOnHoldStart" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }

    /// Music on hold stopped playing to a channel.
    ///
    /// Modern dialect (Asterisk 12 and later).
    MusicOnHoldStop "MusicOnHoldStop" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: Option<&'a str>,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: Option<&'a str>,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }

    /// MixMonitor started recording a channel.
    ///
    /// Modern dialect (Asterisk 12 and later).
    MixMonitorStart "MixMonitorStart" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: Option<&'a str>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: Option<&'a str>,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }

    /// MixMonitor stopped recording a channel.
    ///
    /// Modern dialect (Asterisk 12 and later).
    MixMonitorStop "MixMonitorStop" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: Option<&'a str>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: Option<&'a str>,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }

    /// A DTMF digit began (`Begin: Yes`) or ended (`End: Yes`) on a channel.
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    Dtmf "DTMF" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: Option<&'a str>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: Option<&'a str>,
        /// The DTMF digit (`0`–`9`, `*`, `#`, `A`–`D`).
        "Digit" digit: Option<&'a str>,
        /// `Received` from the channel's peer or `Sent` to it.
        "Direction" direction: Option<&'a str>,
        /// `Yes` when this reports the start of the digit.
        "Begin" begin: Option<&'a str>,
        /// `Yes` when this reports its end.
        "End" end: Option<&'a str>,
    }

    /// A DTMF digit began on a channel.
    ///
    /// Modern dialect (Asterisk 12 and later).
    DtmfBegin "DTMFBegin" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
        /// The DTMF digit (`0`–`9`, `*`, `#`, `A`–`D`).
        "Digit" digit: Option<&'a str>,
        /// `Received` from the channel's peer or `Sent` to it.
        "Direction" direction: Option<&'a str>,
    }

    /// A DTMF digit ended on a channel.
    ///
    /// Modern dialect (Asterisk 12 and later).
    DtmfEnd "DTMFEnd" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
        /// The DTMF digit (`0`–`9`, `*`, `#`, `A`–`D`).
        "Digit" digit: Option<&'a str>,
        /// How long the digit lasted, in milliseconds.
        "DurationMs" duration_ms: Option<u64>,
        /// `Received` from the channel's peer or `Sent` to it.
        "Direction" direction: Option<&'a str>,
    }

    /// chan_sip tells which SIP dialog and peer a channel belongs to.
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    ChannelUpdate "ChannelUpdate" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: Option<&'a str>,
        /// The channel technology (`SIP`).
        "Channeltype" channeltype: Option<&'a str>,
        /// The SIP Call-ID of the dialog.
        "SIPcallid" si_pcallid: Option<&'a str>,
        /// The SIP Contact of the peer.
        "SIPfullcontact" si_pfullcontact: Option<&'a str>,
        /// The chan_sip peer the channel belongs to.
        "Peername" peername: Option<&'a str>,
    }

    /// An RTCP report was sent on a channel's RTP stream.
    ///
    /// Modern dialect (Asterisk 12 and later).
    RtcpSent "RTCPSent" {
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: &'a str,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
        /// The synchronization source of the stream sending the report.
        "SSRC" ssrc: Option<&'a str>,
        /// The RTCP packet type: `200(SR)` or `201(RR)`.
        "PT" pt: Option<&'a str>,
        /// Where the report was sent, `ip:port`.
        "To" to: Option<&'a str>,
        /// The number of reception report blocks.
        "ReportCount" report_count: Option<u32>,
        /// The NTP timestamp of a sender report.
        "SentNTP" sent_ntp: Option<&'a str>,
        /// The RTP timestamp of a sender report.
        "SentRTP" sent_rtp: Option<u64>,
        /// Packets sent so far.
        "SentPackets" sent_packets: Option<u64>,
        /// Octets sent so far.
        "SentOctets" sent_octets: Option<u64>,
        /// Report block 0: the SSRC it is about.
        "Report0SourceSSRC" report0_source_ssrc: Option<&'a str>,
        /// Report block 0: the fraction lost since the last report, out of 256.
        "Report0FractionLost" report0_fraction_lost: Option<u32>,
        /// Report block 0: packets lost in total.
        "Report0CumulativeLost" report0_cumulative_lost: Option<i64>,
        /// Report block 0: the highest sequence number received.
        "Report0HighestSequence" report0_highest_sequence: Option<u32>,
        /// Report block 0: sequence number wraps.
        "Report0SequenceNumberCycles" report0_sequence_number_cycles: Option<u32>,
        /// Report block 0: interarrival jitter, in timestamp units.
        "Report0IAJitter" report0_ia_jitter: Option<u32>,
        /// Report block 0: the middle 32 bits of the last sender report's NTP time.
        "Report0LSR" report0_lsr: Option<u64>,
        /// Report block 0: the delay since the last sender report, `0.1234 (sec)`.
        "Report0DLSR" report0_dlsr: Option<&'a str>,
    }

    /// A channel was renamed (a masquerade gives the clone the original's name).
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    Rename "Rename" {
        /// The channel's old name.
        "Channel" channel: &'a str,
        /// The channel's new name.
        "Newname" newname: &'a str,
        /// Its unique ID.
        "Uniqueid" uniqueid: &'a str,
    }

    /// Music on hold started (`State: Start`) or stopped (`State: Stop`) on a channel.
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    MusicOnHold "MusicOnHold" {
        /// `Start` or `Stop`.
        "State" state: &'a str,
        /// The channel.
        "Channel" channel: &'a str,
        /// Its unique ID.
        "UniqueID" unique_id: Option<&'a str>,
        /// The music-on-hold class, with `Start`.
        "Class" class: Option<&'a str>,
    }

    /// A user-defined event raised by the dialplan (`UserEvent()`) or the `UserEvent` action; its
    /// own keys stay in the message.
    ///
    /// Both dialects.
    UserEvent "UserEvent" {
        /// The name the dialplan or action gave the event.
        "UserEvent" user_event: &'a str,
        /// The channel that raised the event, when a channel did (modern: with its snapshot).
        "Channel" channel: Option<&'a str>,
        /// The state of the channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ChannelState" channel_state: Option<u8>,
        /// The state of the channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ChannelStateDesc" channel_state_desc: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The language of the channel.
        "Language" language: Option<&'a str>,
        /// The account code of the channel.
        "AccountCode" account_code: Option<&'a str>,
        /// The dialplan context of the channel.
        "Context" context: Option<&'a str>,
        /// The dialplan extension of the channel.
        "Exten" exten: Option<&'a str>,
        /// The dialplan priority of the channel.
        "Priority" priority: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: Option<&'a str>,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
    }
}
