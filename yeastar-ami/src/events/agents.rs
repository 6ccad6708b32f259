//! Queue members (agents) being rung, connected and done.

events! {
    /// A queue member's phone is rung for a queue caller. `Channel…` is the caller, `Dest…` the
    /// member's channel.
    ///
    /// Both dialects.
    AgentCalled "AgentCalled" {
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
        "Uniqueid" uniqueid: &'a str,
        /// The linked ID of the channel: the unique ID of the oldest channel of its call.
        "Linkedid" linkedid: Option<&'a str>,
        /// The name of the destination channel.
        "DestChannel" dest_channel: Option<&'a str>,
        /// The state of the destination channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6
        /// `Up`, 7 `Busy`).
        "DestChannelState" dest_channel_state: Option<u8>,
        /// The state of the destination channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`,
        /// `Ring`, `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "DestChannelStateDesc" dest_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the destination channel.
        "DestCallerIDNum" dest_caller_id_num: Option<&'a str>,
        /// The caller ID name of the destination channel.
        "DestCallerIDName" dest_caller_id_name: Option<&'a str>,
        /// The connected line number of the destination channel (the other party, as that channel
        /// sees it).
        "DestConnectedLineNum" dest_connected_line_num: Option<&'a str>,
        /// The connected line name of the destination channel.
        "DestConnectedLineName" dest_connected_line_name: Option<&'a str>,
        /// The language of the destination channel.
        "DestLanguage" dest_language: Option<&'a str>,
        /// The account code of the destination channel.
        "DestAccountCode" dest_account_code: Option<&'a str>,
        /// The dialplan context of the destination channel.
        "DestContext" dest_context: Option<&'a str>,
        /// The dialplan extension of the destination channel.
        "DestExten" dest_exten: Option<&'a str>,
        /// The dialplan priority of the destination channel.
        "DestPriority" dest_priority: Option<u32>,
        /// The unique ID of the destination channel.
        "DestUniqueid" dest_uniqueid: Option<&'a str>,
        /// The linked ID of the destination channel: the unique ID of the oldest channel of its
        /// call.
        "DestLinkedid" dest_linkedid: Option<&'a str>,
        /// The name of the queue.
        "Queue" queue: Option<&'a str>,
        /// The queue member's interface (`PJSIP/1001`).
        "Interface" interface: Option<&'a str>,
        /// The name of the queue member.
        "MemberName" member_name: Option<&'a str>,
        /// The member's interface being rung (legacy).
        "AgentCalled" agent_called: Option<&'a str>,
        /// The member's name (legacy).
        "AgentName" agent_name: Option<&'a str>,
        /// The caller's channel (legacy).
        "ChannelCalling" channel_calling: Option<&'a str>,
        /// The channel ringing the member (legacy).
        "DestinationChannel" destination_channel: Option<&'a str>,
        /// The dialplan extension of the caller (legacy).
        "Extension" extension: Option<&'a str>,
    }

    /// A queue member answered a queue caller. `Channel…` is the caller, `Dest…` the member's
    /// channel.
    ///
    /// Both dialects.
    AgentConnect "AgentConnect" {
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
        /// The name of the destination channel.
        "DestChannel" dest_channel: Option<&'a str>,
        /// The state of the destination channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6
        /// `Up`, 7 `Busy`).
        "DestChannelState" dest_channel_state: Option<u8>,
        /// The state of the destination channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`,
        /// `Ring`, `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "DestChannelStateDesc" dest_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the destination channel.
        "DestCallerIDNum" dest_caller_id_num: Option<&'a str>,
        /// The caller ID name of the destination channel.
        "DestCallerIDName" dest_caller_id_name: Option<&'a str>,
        /// The connected line number of the destination channel (the other party, as that channel
        /// sees it).
        "DestConnectedLineNum" dest_connected_line_num: Option<&'a str>,
        /// The connected line name of the destination channel.
        "DestConnectedLineName" dest_connected_line_name: Option<&'a str>,
        /// The language of the destination channel.
        "DestLanguage" dest_language: Option<&'a str>,
        /// The account code of the destination channel.
        "DestAccountCode" dest_account_code: Option<&'a str>,
        /// The dialplan context of the destination channel.
        "DestContext" dest_context: Option<&'a str>,
        /// The dialplan extension of the destination channel.
        "DestExten" dest_exten: Option<&'a str>,
        /// The dialplan priority of the destination channel.
        "DestPriority" dest_priority: Option<u32>,
        /// The unique ID of the destination channel.
        "DestUniqueid" dest_uniqueid: Option<&'a str>,
        /// The linked ID of the destination channel: the unique ID of the oldest channel of its
        /// call.
        "DestLinkedid" dest_linkedid: Option<&'a str>,
        /// The name of the queue.
        "Queue" queue: &'a str,
        /// The name of the queue member.
        "MemberName" member_name: Option<&'a str>,
        /// The queue member's interface (`PJSIP/1001`).
        "Interface" interface: Option<&'a str>,
        /// The member's interface (legacy spelling of `Interface`).
        "Member" member: Option<&'a str>,
        /// Seconds the member's phone rang.
        "RingTime" ring_time: Option<u64>,
        /// Seconds the caller waited in the queue.
        "HoldTime" hold_time: Option<u64>,
        /// The unique ID of the caller's channel (legacy).
        "BridgedChannel" bridged_channel: Option<&'a str>,
    }

    /// A queue member finished a call with a queue caller.
    ///
    /// Both dialects.
    AgentComplete "AgentComplete" {
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
        /// The name of the destination channel.
        "DestChannel" dest_channel: Option<&'a str>,
        /// The state of the destination channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6
        /// `Up`, 7 `Busy`).
        "DestChannelState" dest_channel_state: Option<u8>,
        /// The state of the destination channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`,
        /// `Ring`, `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "DestChannelStateDesc" dest_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the destination channel.
        "DestCallerIDNum" dest_caller_id_num: Option<&'a str>,
        /// The caller ID name of the destination channel.
        "DestCallerIDName" dest_caller_id_name: Option<&'a str>,
        /// The connected line number of the destination channel (the other party, as that channel
        /// sees it).
        "DestConnectedLineNum" dest_connected_line_num: Option<&'a str>,
        /// The connected line name of the destination channel.
        "DestConnectedLineName" dest_connected_line_name: Option<&'a str>,
        /// The language of the destination channel.
        "DestLanguage" dest_language: Option<&'a str>,
        /// The account code of the destination channel.
        "DestAccountCode" dest_account_code: Option<&'a str>,
        /// The dialplan context of the destination channel.
        "DestContext" dest_context: Option<&'a str>,
        /// The dialplan extension of the destination channel.
        "DestExten" dest_exten: Option<&'a str>,
        /// The dialplan priority of the destination channel.
        "DestPriority" dest_priority: Option<u32>,
        /// The unique ID of the destination channel.
        "DestUniqueid" dest_uniqueid: Option<&'a str>,
        /// The linked ID of the destination channel: the unique ID of the oldest channel of its
        /// call.
        "DestLinkedid" dest_linkedid: Option<&'a str>,
        /// The name of the queue.
        "Queue" queue: &'a str,
        /// The name of the queue member.
        "MemberName" member_name: Option<&'a str>,
        /// The queue member's interface (`PJSIP/1001`).
        "Interface" interface: Option<&'a str>,
        /// The member's interface (legacy spelling of `Interface`).
        "Member" member: Option<&'a str>,
        /// Seconds the caller waited in the queue.
        "HoldTime" hold_time: Option<u64>,
        /// Seconds the caller talked to the queue member.
        "TalkTime" talk_time: Option<u64>,
        /// Who ended the call: `caller`, `agent` or `transfer`.
        "Reason" reason: Option<&'a str>,
    }

    /// A queue member was rung and did not answer in time.
    ///
    /// Both dialects.
    AgentRingNoAnswer "AgentRingNoAnswer" {
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
        /// The name of the destination channel.
        "DestChannel" dest_channel: Option<&'a str>,
        /// The state of the destination channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6
        /// `Up`, 7 `Busy`).
        "DestChannelState" dest_channel_state: Option<u8>,
        /// The state of the destination channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`,
        /// `Ring`, `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "DestChannelStateDesc" dest_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the destination channel.
        "DestCallerIDNum" dest_caller_id_num: Option<&'a str>,
        /// The caller ID name of the destination channel.
        "DestCallerIDName" dest_caller_id_name: Option<&'a str>,
        /// The connected line number of the destination channel (the other party, as that channel
        /// sees it).
        "DestConnectedLineNum" dest_connected_line_num: Option<&'a str>,
        /// The connected line name of the destination channel.
        "DestConnectedLineName" dest_connected_line_name: Option<&'a str>,
        /// The language of the destination channel.
        "DestLanguage" dest_language: Option<&'a str>,
        /// The account code of the destination channel.
        "DestAccountCode" dest_account_code: Option<&'a str>,
        /// The dialplan context of the destination channel.
        "DestContext" dest_context: Option<&'a str>,
        /// The dialplan extension of the destination channel.
        "DestExten" dest_exten: Option<&'a str>,
        /// The dialplan priority of the destination channel.
        "DestPriority" dest_priority: Option<u32>,
        /// The unique ID of the destination channel.
        "DestUniqueid" dest_uniqueid: Option<&'a str>,
        /// The linked ID of the destination channel: the unique ID of the oldest channel of its
        /// call.
        "DestLinkedid" dest_linkedid: Option<&'a str>,
        /// The name of the queue.
        "Queue" queue: &'a str,
        /// The name of the queue member.
        "MemberName" member_name: Option<&'a str>,
        /// The queue member's interface (`PJSIP/1001`).
        "Interface" interface: Option<&'a str>,
        /// The member's interface (legacy spelling of `Interface`).
        "Member" member: Option<&'a str>,
        /// Seconds the member's phone rang.
        "RingTime" ring_time: Option<u64>,
    }

    /// A queue member hung up on a caller before bridging (the caller goes back to the queue).
    ///
    /// Both dialects.
    AgentDump "AgentDump" {
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
        /// The name of the destination channel.
        "DestChannel" dest_channel: Option<&'a str>,
        /// The state of the destination channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6
        /// `Up`, 7 `Busy`).
        "DestChannelState" dest_channel_state: Option<u8>,
        /// The state of the destination channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`,
        /// `Ring`, `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "DestChannelStateDesc" dest_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the destination channel.
        "DestCallerIDNum" dest_caller_id_num: Option<&'a str>,
        /// The caller ID name of the destination channel.
        "DestCallerIDName" dest_caller_id_name: Option<&'a str>,
        /// The connected line number of the destination channel (the other party, as that channel
        /// sees it).
        "DestConnectedLineNum" dest_connected_line_num: Option<&'a str>,
        /// The connected line name of the destination channel.
        "DestConnectedLineName" dest_connected_line_name: Option<&'a str>,
        /// The language of the destination channel.
        "DestLanguage" dest_language: Option<&'a str>,
        /// The account code of the destination channel.
        "DestAccountCode" dest_account_code: Option<&'a str>,
        /// The dialplan context of the destination channel.
        "DestContext" dest_context: Option<&'a str>,
        /// The dialplan extension of the destination channel.
        "DestExten" dest_exten: Option<&'a str>,
        /// The dialplan priority of the destination channel.
        "DestPriority" dest_priority: Option<u32>,
        /// The unique ID of the destination channel.
        "DestUniqueid" dest_uniqueid: Option<&'a str>,
        /// The linked ID of the destination channel: the unique ID of the oldest channel of its
        /// call.
        "DestLinkedid" dest_linkedid: Option<&'a str>,
        /// The name of the queue.
        "Queue" queue: &'a str,
        /// The name of the queue member.
        "MemberName" member_name: Option<&'a str>,
        /// The queue member's interface (`PJSIP/1001`).
        "Interface" interface: Option<&'a str>,
        /// The member's interface (legacy spelling of `Interface`).
        "Member" member: Option<&'a str>,
    }
}
