//! Queues: callers joining and leaving, members, and the `QueueStatus`/`QueueSummary` lists.

events! {
    /// A caller joined a queue.
    ///
    /// Modern dialect (Asterisk 12 and later).
    QueueCallerJoin "QueueCallerJoin" {
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
        /// The name of the queue.
        "Queue" queue: Option<&'a str>,
        /// The caller's position in the queue (1 is first).
        "Position" position: Option<u32>,
        /// The number of callers in the queue, this one included.
        "Count" count: Option<u32>,
    }

    /// A caller left a queue (answered, or timed out).
    ///
    /// Modern dialect (Asterisk 12 and later).
    QueueCallerLeave "QueueCallerLeave" {
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
        /// The name of the queue.
        "Queue" queue: Option<&'a str>,
        /// The position the caller had.
        "Position" position: Option<u32>,
        /// The number of callers left in the queue.
        "Count" count: Option<u32>,
    }

    /// A caller joined a queue.
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    Join "Join" {
        /// The caller's channel.
        "Channel" channel: Option<&'a str>,
        /// The caller ID number of the channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the channel (the other party, as that channel sees it).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The name of the queue.
        "Queue" queue: Option<&'a str>,
        /// The caller's position in the queue (1 is first).
        "Position" position: Option<u32>,
        /// The number of callers in the queue, this one included.
        "Count" count: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: Option<&'a str>,
    }

    /// A caller left a queue (answered, or timed out).
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    Leave "Leave" {
        /// The caller's channel.
        "Channel" channel: Option<&'a str>,
        /// The name of the queue.
        "Queue" queue: Option<&'a str>,
        /// The number of callers left in the queue.
        "Count" count: Option<u32>,
        /// The position the caller had.
        "Position" position: Option<u32>,
        /// The unique ID of the channel.
        "Uniqueid" uniqueid: Option<&'a str>,
    }

    /// A queue member's state changed.
    ///
    /// Both dialects.
    QueueMemberStatus "QueueMemberStatus" {
        /// The name of the queue.
        "Queue" queue: Option<&'a str>,
        /// The member's interface (legacy spelling of `Interface`).
        "Location" location: Option<&'a str>,
        /// The name of the queue member.
        "MemberName" member_name: Option<&'a str>,
        /// `static`, `realtime` or `dynamic`.
        "Membership" membership: Option<&'a str>,
        /// The member's penalty: members with lower penalties are called first.
        "Penalty" penalty: Option<u32>,
        /// The number of queue calls the member has taken.
        "CallsTaken" calls_taken: Option<u32>,
        /// When the member last took a queue call, seconds since 1970-01-01 UTC.
        "LastCall" last_call: Option<u64>,
        /// The member's device state as a number: 0 unknown, 1 not in use, 2 in use, 3 busy, 4
        /// invalid, 5 unavailable, 6 ringing, 7 ring in use, 8 on hold.
        "Status" status: Option<u8>,
        /// `1` when the member is paused, else `0`.
        "Paused" paused: Option<&'a str>,
        /// The queue member's interface (`PJSIP/1001`).
        "Interface" interface: Option<&'a str>,
        /// The interface whose device state shows the member's state.
        "StateInterface" state_interface: Option<&'a str>,
        /// When the member was last paused, seconds since 1970-01-01 UTC.
        "LastPause" last_pause: Option<u64>,
        /// When the member was added to the queue, seconds since 1970-01-01 UTC.
        "LoginTime" login_time: Option<u64>,
        /// `1` while the member is on a queue call, else `0`.
        "InCall" in_call: Option<&'a str>,
        /// Why the member was paused, as given to `QueueMemberPause`.
        "PausedReason" paused_reason: Option<&'a str>,
        /// `1` when the member may be called while already on a call.
        "Ringinuse" ringinuse: Option<&'a str>,
        /// Seconds after a call during which the member is not called again.
        "Wrapuptime" wrapuptime: Option<u32>,
    }

    /// One queue's parameters and counters, in the answer to `QueueStatus`.
    ///
    /// Both dialects.
    QueueParams "QueueParams" {
        /// The name of the queue.
        "Queue" queue: Option<&'a str>,
        /// The most callers the queue holds (0: no limit).
        "Max" max: Option<u32>,
        /// How members are chosen (`ringall`, `leastrecent`, `fewestcalls`, `random`, `rrmemory`,
        /// `linear`, `wrandom`, `rrordered`).
        "Strategy" strategy: Option<&'a str>,
        /// The number of callers waiting.
        "Calls" calls: Option<u32>,
        /// The average wait, in seconds.
        "Holdtime" holdtime: Option<u32>,
        /// The average talk time, in seconds.
        "TalkTime" talk_time: Option<u32>,
        /// Calls answered by a member.
        "Completed" completed: Option<u32>,
        /// Calls abandoned by the caller.
        "Abandoned" abandoned: Option<u32>,
        /// The service level target, in seconds.
        "ServiceLevel" service_level: Option<u32>,
        /// The percentage of completed calls answered within the service level.
        "ServicelevelPerf" servicelevel_perf: Option<f64>,
        /// The queue's weight against other queues sharing members.
        "Weight" weight: Option<u32>,
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// The same percentage counting abandoned calls.
        "ServicelevelPerf2" servicelevel_perf2: Option<f64>,
    }

    /// One member of a queue, in the answer to `QueueStatus`.
    ///
    /// Both dialects.
    QueueMember "QueueMember" {
        /// The name of the queue.
        "Queue" queue: Option<&'a str>,
        /// The member's name.
        "Name" name: Option<&'a str>,
        /// The member's interface (`PJSIP/1001`).
        "Location" location: Option<&'a str>,
        /// `static`, `realtime` or `dynamic`.
        "Membership" membership: Option<&'a str>,
        /// The member's penalty: members with lower penalties are called first.
        "Penalty" penalty: Option<u32>,
        /// The number of queue calls the member has taken.
        "CallsTaken" calls_taken: Option<u32>,
        /// When the member last took a queue call, seconds since 1970-01-01 UTC.
        "LastCall" last_call: Option<u64>,
        /// The member's device state as a number: 0 unknown, 1 not in use, 2 in use, 3 busy, 4
        /// invalid, 5 unavailable, 6 ringing, 7 ring in use, 8 on hold.
        "Status" status: Option<u8>,
        /// `1` when the member is paused, else `0`.
        "Paused" paused: Option<&'a str>,
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// The interface whose device state shows the member's state.
        "StateInterface" state_interface: Option<&'a str>,
        /// When the member was last paused, seconds since 1970-01-01 UTC.
        "LastPause" last_pause: Option<u64>,
        /// When the member was added to the queue, seconds since 1970-01-01 UTC.
        "LoginTime" login_time: Option<u64>,
        /// `1` while the member is on a queue call, else `0`.
        "InCall" in_call: Option<&'a str>,
        /// Why the member was paused, as given to `QueueMemberPause`.
        "PausedReason" paused_reason: Option<&'a str>,
        /// Seconds after a call during which the member is not called again.
        "Wrapuptime" wrapuptime: Option<u32>,
    }

    /// One caller waiting in a queue, in the answer to `QueueStatus`.
    ///
    /// Both dialects.
    QueueEntry "QueueEntry" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// The name of the queue.
        "Queue" queue: Option<&'a str>,
        /// The caller's position in the queue (1 is first).
        "Position" position: Option<u32>,
        /// The caller's channel.
        "Channel" channel: &'a str,
        /// The caller channel's unique ID.
        "Uniqueid" uniqueid: &'a str,
        /// The caller's caller ID number.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller's caller ID name.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The caller's connected line number.
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The caller's connected line name.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// Seconds the caller has waited so far.
        "Wait" wait: Option<u64>,
        /// The caller's queue priority (higher is served first).
        "Priority" priority: Option<u32>,
    }

    /// Ends the answer to `QueueStatus`.
    ///
    /// Both dialects.
    QueueStatusComplete "QueueStatusComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
    }

    /// One queue's summary, in the answer to `QueueSummary`.
    ///
    /// Both dialects.
    QueueSummary "QueueSummary" {
        /// The name of the queue.
        "Queue" queue: Option<&'a str>,
        /// Members logged in.
        "LoggedIn" logged_in: Option<u32>,
        /// Members available to take a call.
        "Available" available: Option<u32>,
        /// Callers waiting.
        "Callers" callers: Option<u32>,
        /// The average wait, in seconds.
        "HoldTime" hold_time: Option<u32>,
        /// The average talk time, in seconds.
        "TalkTime" talk_time: Option<u32>,
        /// The longest current wait, in seconds.
        "LongestHoldTime" longest_hold_time: Option<u32>,
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
    }

    /// Ends the answer to `QueueSummary`.
    ///
    /// Both dialects.
    QueueSummaryComplete "QueueSummaryComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
    }

    /// A caller hung up while waiting in a queue.
    ///
    /// Both dialects.
    QueueCallerAbandon "QueueCallerAbandon" {
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
        /// The name of the queue.
        "Queue" queue: &'a str,
        /// The caller's position when it hung up.
        "Position" position: Option<u32>,
        /// The caller's position when it joined the queue.
        "OriginalPosition" original_position: Option<u32>,
        /// Seconds the caller waited.
        "HoldTime" hold_time: Option<u64>,
    }

    /// A member was added to a queue.
    ///
    /// Both dialects.
    QueueMemberAdded "QueueMemberAdded" {
        /// The name of the queue.
        "Queue" queue: &'a str,
        /// The name of the queue member.
        "MemberName" member_name: Option<&'a str>,
        /// The queue member's interface (`PJSIP/1001`).
        "Interface" interface: Option<&'a str>,
        /// The member's interface (legacy spelling of `Interface`).
        "Location" location: Option<&'a str>,
        /// The interface whose device state shows the member's state.
        "StateInterface" state_interface: Option<&'a str>,
        /// `static`, `realtime` or `dynamic`.
        "Membership" membership: Option<&'a str>,
        /// The member's penalty: members with lower penalties are called first.
        "Penalty" penalty: Option<u32>,
        /// The number of queue calls the member has taken.
        "CallsTaken" calls_taken: Option<u32>,
        /// When the member last took a queue call, seconds since 1970-01-01 UTC.
        "LastCall" last_call: Option<u64>,
        /// When the member was last paused, seconds since 1970-01-01 UTC.
        "LastPause" last_pause: Option<u64>,
        /// When the member was added to the queue, seconds since 1970-01-01 UTC.
        "LoginTime" login_time: Option<u64>,
        /// `1` while the member is on a queue call, else `0`.
        "InCall" in_call: Option<&'a str>,
        /// The member's device state as a number: 0 unknown, 1 not in use, 2 in use, 3 busy, 4
        /// invalid, 5 unavailable, 6 ringing, 7 ring in use, 8 on hold.
        "Status" status: Option<u8>,
        /// `1` when the member is paused, else `0`.
        "Paused" paused: Option<&'a str>,
        /// Why the member was paused, as given to `QueueMemberPause`.
        "PausedReason" paused_reason: Option<&'a str>,
        /// `1` when the member may be called while already on a call.
        "Ringinuse" ringinuse: Option<&'a str>,
        /// Seconds after a call during which the member is not called again.
        "Wrapuptime" wrapuptime: Option<u32>,
    }

    /// A member was removed from a queue.
    ///
    /// Both dialects.
    QueueMemberRemoved "QueueMemberRemoved" {
        /// The name of the queue.
        "Queue" queue: &'a str,
        /// The name of the queue member.
        "MemberName" member_name: Option<&'a str>,
        /// The queue member's interface (`PJSIP/1001`).
        "Interface" interface: Option<&'a str>,
        /// The member's interface (legacy spelling of `Interface`).
        "Location" location: Option<&'a str>,
        /// The interface whose device state shows the member's state.
        "StateInterface" state_interface: Option<&'a str>,
        /// `static`, `realtime` or `dynamic`.
        "Membership" membership: Option<&'a str>,
        /// The member's penalty: members with lower penalties are called first.
        "Penalty" penalty: Option<u32>,
        /// The number of queue calls the member has taken.
        "CallsTaken" calls_taken: Option<u32>,
        /// When the member last took a queue call, seconds since 1970-01-01 UTC.
        "LastCall" last_call: Option<u64>,
        /// When the member was last paused, seconds since 1970-01-01 UTC.
        "LastPause" last_pause: Option<u64>,
        /// When the member was added to the queue, seconds since 1970-01-01 UTC.
        "LoginTime" login_time: Option<u64>,
        /// `1` while the member is on a queue call, else `0`.
        "InCall" in_call: Option<&'a str>,
        /// The member's device state as a number: 0 unknown, 1 not in use, 2 in use, 3 busy, 4
        /// invalid, 5 unavailable, 6 ringing, 7 ring in use, 8 on hold.
        "Status" status: Option<u8>,
        /// `1` when the member is paused, else `0`.
        "Paused" paused: Option<&'a str>,
        /// Why the member was paused, as given to `QueueMemberPause`.
        "PausedReason" paused_reason: Option<&'a str>,
        /// `1` when the member may be called while already on a call.
        "Ringinuse" ringinuse: Option<&'a str>,
        /// Seconds after a call during which the member is not called again.
        "Wrapuptime" wrapuptime: Option<u32>,
    }

    /// A queue member was paused or unpaused.
    ///
    /// Modern dialect (Asterisk 12 and later).
    QueueMemberPause "QueueMemberPause" {
        /// The name of the queue.
        "Queue" queue: &'a str,
        /// The name of the queue member.
        "MemberName" member_name: Option<&'a str>,
        /// The queue member's interface (`PJSIP/1001`).
        "Interface" interface: Option<&'a str>,
        /// The member's interface (legacy spelling of `Interface`).
        "Location" location: Option<&'a str>,
        /// The interface whose device state shows the member's state.
        "StateInterface" state_interface: Option<&'a str>,
        /// `static`, `realtime` or `dynamic`.
        "Membership" membership: Option<&'a str>,
        /// The member's penalty: members with lower penalties are called first.
        "Penalty" penalty: Option<u32>,
        /// The number of queue calls the member has taken.
        "CallsTaken" calls_taken: Option<u32>,
        /// When the member last took a queue call, seconds since 1970-01-01 UTC.
        "LastCall" last_call: Option<u64>,
        /// When the member was last paused, seconds since 1970-01-01 UTC.
        "LastPause" last_pause: Option<u64>,
        /// When the member was added to the queue, seconds since 1970-01-01 UTC.
        "LoginTime" login_time: Option<u64>,
        /// `1` while the member is on a queue call, else `0`.
        "InCall" in_call: Option<&'a str>,
        /// The member's device state as a number: 0 unknown, 1 not in use, 2 in use, 3 busy, 4
        /// invalid, 5 unavailable, 6 ringing, 7 ring in use, 8 on hold.
        "Status" status: Option<u8>,
        /// `1` when the member is paused, else `0`.
        "Paused" paused: Option<&'a str>,
        /// Why the member was paused, as given to `QueueMemberPause`.
        "PausedReason" paused_reason: Option<&'a str>,
        /// `1` when the member may be called while already on a call.
        "Ringinuse" ringinuse: Option<&'a str>,
        /// Seconds after a call during which the member is not called again.
        "Wrapuptime" wrapuptime: Option<u32>,
    }

    /// A queue member was paused or unpaused.
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    QueueMemberPaused "QueueMemberPaused" {
        /// The name of the queue.
        "Queue" queue: &'a str,
        /// The member's interface.
        "Location" location: Option<&'a str>,
        /// The name of the queue member.
        "MemberName" member_name: Option<&'a str>,
        /// `1` when paused, `0` when unpaused.
        "Paused" paused: Option<&'a str>,
        /// Why, as given to `QueueMemberPause`.
        "Reason" reason: Option<&'a str>,
    }
}
