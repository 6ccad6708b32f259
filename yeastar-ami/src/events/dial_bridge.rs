//! Dialling and bridging: dial attempts, originate outcomes, bridges (modern) and links (legacy),
//! Local channel optimization.

events! {
    /// A dial attempt began (`SubEvent: Begin`, with `Destination` and `DestUniqueID`) or ended
    /// (`SubEvent: End`, with `DialStatus`).
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    Dial "Dial" {
        /// `Begin` or `End`.
        "SubEvent" sub_event: Option<&'a str>,
        /// The calling channel.
        "Channel" channel: &'a str,
        /// With `Begin`: the channel being dialled.
        "Destination" destination: Option<&'a str>,
        /// The caller ID number of the calling channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name of the calling channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The connected line number of the calling channel.
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The connected line name of the calling channel.
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The unique ID of the calling channel.
        "UniqueID" unique_id: Option<&'a str>,
        /// With `Begin`: the unique ID of the channel being dialled.
        "DestUniqueID" dest_unique_id: Option<&'a str>,
        /// With `Begin`: the string passed to `Dial` for this destination.
        "Dialstring" dialstring: Option<&'a str>,
        /// With `End`: the outcome (`ANSWER`, `BUSY`, `NOANSWER`, `CANCEL`, `CONGESTION`,
        /// `CHANUNAVAIL`).
        "DialStatus" dial_status: Option<&'a str>,
    }

    /// A dial attempt began: `Channel…` is the caller (absent when the call was originated),
    /// `Dest…` the channel being dialled.
    ///
    /// Modern dialect (Asterisk 12 and later).
    DialBegin "DialBegin" {
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
        /// The string passed to `Dial` for this destination (`1002`, `PJSIP/1002`).
        "DialString" dial_string: Option<&'a str>,
    }

    /// A dial attempt's progress changed (`RINGING`, `PROCEEDING`, `PROGRESS`) before it ended.
    ///
    /// Modern dialect (Asterisk 12 and later).
    DialState "DialState" {
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
        /// The outcome of the dial attempt: `ANSWER`, `BUSY`, `CANCEL`, `CHANUNAVAIL`,
        /// `CONGESTION`, `NOANSWER`, …; modern `DialState` also reports `RINGING` and `PROCEEDING`.
        "DialStatus" dial_status: Option<&'a str>,
    }

    /// A dial attempt ended with its `DialStatus`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    DialEnd "DialEnd" {
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
        /// The outcome of the dial attempt: `ANSWER`, `BUSY`, `CANCEL`, `CHANUNAVAIL`,
        /// `CONGESTION`, `NOANSWER`, …; modern `DialState` also reports `RINGING` and `PROCEEDING`.
        "DialStatus" dial_status: Option<&'a str>,
    }

    /// The outcome of an asynchronous `Originate` (`Response: Success` or `Failure`).
    ///
    /// Both dialects.
    OriginateResponse "OriginateResponse" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `Success` or `Failure`.
        "Response" response: Option<&'a str>,
        /// The channel that was dialled (`PJSIP/1001`).
        "Channel" channel: &'a str,
        /// The context the call was sent to.
        "Context" context: Option<&'a str>,
        /// The extension the call was sent to.
        "Exten" exten: Option<&'a str>,
        /// Why, as a control frame number: 0 no such channel, 1 hung up, 3 no answer, 4 answered, 5
        /// busy, 8 congestion.
        "Reason" reason: Option<u32>,
        /// The unique ID of the new channel (`<null>` when none was created).
        "Uniqueid" uniqueid: &'a str,
        /// The caller ID number given to the new channel.
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The caller ID name given to the new channel.
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The application the call was sent to, instead of the dialplan.
        "Application" application: Option<&'a str>,
        /// Its data.
        "Data" data: Option<&'a str>,
    }

    /// A bridge was created.
    ///
    /// Modern dialect (Asterisk 12 and later).
    BridgeCreate "BridgeCreate" {
        /// The unique ID of the bridge.
        "BridgeUniqueid" bridge_uniqueid: Option<&'a str>,
        /// The type of the bridge (`basic`, …).
        "BridgeType" bridge_type: Option<&'a str>,
        /// The technology the bridge mixes with (`simple_bridge`, `native_rtp`, `softmix`,
        /// `holding_bridge`).
        "BridgeTechnology" bridge_technology: Option<&'a str>,
        /// The entity that created the bridge (`<unknown>` when none).
        "BridgeCreator" bridge_creator: Option<&'a str>,
        /// The name used to refer to the bridge by its creator.
        "BridgeName" bridge_name: Option<&'a str>,
        /// The number of channels in the bridge.
        "BridgeNumChannels" bridge_num_channels: Option<u32>,
        /// The video source mode of the bridge (`none`, `talker`, `single`).
        "BridgeVideoSourceMode" bridge_video_source_mode: Option<&'a str>,
    }

    /// A bridge was destroyed.
    ///
    /// Modern dialect (Asterisk 12 and later).
    BridgeDestroy "BridgeDestroy" {
        /// The unique ID of the bridge.
        "BridgeUniqueid" bridge_uniqueid: Option<&'a str>,
        /// The type of the bridge (`basic`, …).
        "BridgeType" bridge_type: Option<&'a str>,
        /// The technology the bridge mixes with (`simple_bridge`, `native_rtp`, `softmix`,
        /// `holding_bridge`).
        "BridgeTechnology" bridge_technology: Option<&'a str>,
        /// The entity that created the bridge (`<unknown>` when none).
        "BridgeCreator" bridge_creator: Option<&'a str>,
        /// The name used to refer to the bridge by its creator.
        "BridgeName" bridge_name: Option<&'a str>,
        /// The number of channels in the bridge.
        "BridgeNumChannels" bridge_num_channels: Option<u32>,
        /// The video source mode of the bridge (`none`, `talker`, `single`).
        "BridgeVideoSourceMode" bridge_video_source_mode: Option<&'a str>,
    }

    /// A channel entered a bridge. Two channels in one bridge are talking to each other.
    ///
    /// Modern dialect (Asterisk 12 and later).
    BridgeEnter "BridgeEnter" {
        /// The unique ID of the bridge.
        "BridgeUniqueid" bridge_uniqueid: Option<&'a str>,
        /// The type of the bridge (`basic`, …).
        "BridgeType" bridge_type: Option<&'a str>,
        /// The technology the bridge mixes with (`simple_bridge`, `native_rtp`, `softmix`,
        /// `holding_bridge`).
        "BridgeTechnology" bridge_technology: Option<&'a str>,
        /// The entity that created the bridge (`<unknown>` when none).
        "BridgeCreator" bridge_creator: Option<&'a str>,
        /// The name used to refer to the bridge by its creator.
        "BridgeName" bridge_name: Option<&'a str>,
        /// The number of channels in the bridge.
        "BridgeNumChannels" bridge_num_channels: Option<u32>,
        /// The video source mode of the bridge (`none`, `talker`, `single`).
        "BridgeVideoSourceMode" bridge_video_source_mode: Option<&'a str>,
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

    /// A channel left a bridge.
    ///
    /// Modern dialect (Asterisk 12 and later).
    BridgeLeave "BridgeLeave" {
        /// The unique ID of the bridge.
        "BridgeUniqueid" bridge_uniqueid: Option<&'a str>,
        /// The type of the bridge (`basic`, …).
        "BridgeType" bridge_type: Option<&'a str>,
        /// The technology the bridge mixes with (`simple_bridge`, `native_rtp`, `softmix`,
        /// `holding_bridge`).
        "BridgeTechnology" bridge_technology: Option<&'a str>,
        /// The entity that created the bridge (`<unknown>` when none).
        "BridgeCreator" bridge_creator: Option<&'a str>,
        /// The name used to refer to the bridge by its creator.
        "BridgeName" bridge_name: Option<&'a str>,
        /// The number of channels in the bridge.
        "BridgeNumChannels" bridge_num_channels: Option<u32>,
        /// The video source mode of the bridge (`none`, `talker`, `single`).
        "BridgeVideoSourceMode" bridge_video_source_mode: Option<&'a str>,
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

    /// Two channels were bridged or unbridged (`Bridgestate: Link` / `Unlink`).
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    Bridge "Bridge" {
        /// `Link` when the channels were bridged, `Unlink` when they were separated.
        "Bridgestate" bridgestate: Option<&'a str>,
        /// `core` (a two-party bridge) or `parking`.
        "Bridgetype" bridgetype: Option<&'a str>,
        /// The first channel.
        "Channel1" channel1: Option<&'a str>,
        /// The second channel.
        "Channel2" channel2: Option<&'a str>,
        /// The first channel's unique ID.
        "Uniqueid1" uniqueid1: Option<&'a str>,
        /// The second channel's unique ID.
        "Uniqueid2" uniqueid2: Option<&'a str>,
        /// The first channel's caller ID number.
        "CallerID1" caller_id1: Option<&'a str>,
        /// The second channel's caller ID number.
        "CallerID2" caller_id2: Option<&'a str>,
    }

    /// Two channels were bridged.
    ///
    /// Legacy dialect (Asterisk 1.4).
    Link "Link" {
        /// The first channel.
        "Channel1" channel1: Option<&'a str>,
        /// The second channel.
        "Channel2" channel2: Option<&'a str>,
        /// The first channel's unique ID.
        "Uniqueid1" uniqueid1: Option<&'a str>,
        /// The second channel's unique ID.
        "Uniqueid2" uniqueid2: Option<&'a str>,
        /// The first channel's caller ID number.
        "CallerID1" caller_id1: Option<&'a str>,
        /// The second channel's caller ID number.
        "CallerID2" caller_id2: Option<&'a str>,
    }

    /// Two channels were unbridged.
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    Unlink "Unlink" {
        /// The first channel.
        "Channel1" channel1: Option<&'a str>,
        /// The second channel.
        "Channel2" channel2: Option<&'a str>,
        /// The first channel's unique ID.
        "Uniqueid1" uniqueid1: Option<&'a str>,
        /// The second channel's unique ID.
        "Uniqueid2" uniqueid2: Option<&'a str>,
        /// The first channel's caller ID number.
        "CallerID1" caller_id1: Option<&'a str>,
        /// The second channel's caller ID number.
        "CallerID2" caller_id2: Option<&'a str>,
    }

    /// The two halves of a Local channel were bridged.
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    LocalBridge "LocalBridge" {
        /// The first half of the Local channel.
        "Channel1" channel1: Option<&'a str>,
        /// The second half.
        "Channel2" channel2: Option<&'a str>,
        /// The first half's unique ID.
        "Uniqueid1" uniqueid1: Option<&'a str>,
        /// The second half's unique ID.
        "Uniqueid2" uniqueid2: Option<&'a str>,
        /// The first half's caller ID number.
        "CallerID1" caller_id1: Option<&'a str>,
        /// The second half's caller ID number.
        "CallerID2" caller_id2: Option<&'a str>,
        /// `Yes` when the pair may optimize itself away.
        "LocalOptimization" local_optimization: Option<&'a str>,
        /// The dialplan context the Local channel was created for.
        "Context" context: Option<&'a str>,
        /// The dialplan extension it was created for.
        "Exten" exten: Option<&'a str>,
    }

    /// A Local channel pair started optimizing itself away: the channels on both sides will be
    /// joined directly.
    ///
    /// Modern dialect (Asterisk 12 and later).
    LocalOptimizationBegin "LocalOptimizationBegin" {
        /// The name of the first half of the Local channel.
        "LocalOneChannel" local_one_channel: Option<&'a str>,
        /// The state of the first half of the Local channel as a number (0 `Down` … 4 `Ring`, 5
        /// `Ringing`, 6 `Up`, 7 `Busy`).
        "LocalOneChannelState" local_one_channel_state: Option<u8>,
        /// The state of the first half of the Local channel as text: `Down`, `Rsrvd`, `OffHook`,
        /// `Dialing`, `Ring`, `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "LocalOneChannelStateDesc" local_one_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the first half of the Local channel.
        "LocalOneCallerIDNum" local_one_caller_id_num: Option<&'a str>,
        /// The caller ID name of the first half of the Local channel.
        "LocalOneCallerIDName" local_one_caller_id_name: Option<&'a str>,
        /// The connected line number of the first half of the Local channel (the other party, as
        /// that channel sees it).
        "LocalOneConnectedLineNum" local_one_connected_line_num: Option<&'a str>,
        /// The connected line name of the first half of the Local channel.
        "LocalOneConnectedLineName" local_one_connected_line_name: Option<&'a str>,
        /// The language of the first half of the Local channel.
        "LocalOneLanguage" local_one_language: Option<&'a str>,
        /// The account code of the first half of the Local channel.
        "LocalOneAccountCode" local_one_account_code: Option<&'a str>,
        /// The dialplan context of the first half of the Local channel.
        "LocalOneContext" local_one_context: Option<&'a str>,
        /// The dialplan extension of the first half of the Local channel.
        "LocalOneExten" local_one_exten: Option<&'a str>,
        /// The dialplan priority of the first half of the Local channel.
        "LocalOnePriority" local_one_priority: Option<u32>,
        /// The unique ID of the first half of the Local channel.
        "LocalOneUniqueid" local_one_uniqueid: Option<&'a str>,
        /// The linked ID of the first half of the Local channel: the unique ID of the oldest
        /// channel of its call.
        "LocalOneLinkedid" local_one_linkedid: Option<&'a str>,
        /// The name of the second half of the Local channel.
        "LocalTwoChannel" local_two_channel: Option<&'a str>,
        /// The state of the second half of the Local channel as a number (0 `Down` … 4 `Ring`, 5
        /// `Ringing`, 6 `Up`, 7 `Busy`).
        "LocalTwoChannelState" local_two_channel_state: Option<u8>,
        /// The state of the second half of the Local channel as text: `Down`, `Rsrvd`, `OffHook`,
        /// `Dialing`, `Ring`, `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "LocalTwoChannelStateDesc" local_two_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the second half of the Local channel.
        "LocalTwoCallerIDNum" local_two_caller_id_num: Option<&'a str>,
        /// The caller ID name of the second half of the Local channel.
        "LocalTwoCallerIDName" local_two_caller_id_name: Option<&'a str>,
        /// The connected line number of the second half of the Local channel (the other party, as
        /// that channel sees it).
        "LocalTwoConnectedLineNum" local_two_connected_line_num: Option<&'a str>,
        /// The connected line name of the second half of the Local channel.
        "LocalTwoConnectedLineName" local_two_connected_line_name: Option<&'a str>,
        /// The language of the second half of the Local channel.
        "LocalTwoLanguage" local_two_language: Option<&'a str>,
        /// The account code of the second half of the Local channel.
        "LocalTwoAccountCode" local_two_account_code: Option<&'a str>,
        /// The dialplan context of the second half of the Local channel.
        "LocalTwoContext" local_two_context: Option<&'a str>,
        /// The dialplan extension of the second half of the Local channel.
        "LocalTwoExten" local_two_exten: Option<&'a str>,
        /// The dialplan priority of the second half of the Local channel.
        "LocalTwoPriority" local_two_priority: Option<u32>,
        /// The unique ID of the second half of the Local channel.
        "LocalTwoUniqueid" local_two_uniqueid: Option<&'a str>,
        /// The linked ID of the second half of the Local channel: the unique ID of the oldest
        /// channel of its call.
        "LocalTwoLinkedid" local_two_linkedid: Option<&'a str>,
        /// The name of the source channel.
        "SourceChannel" source_channel: Option<&'a str>,
        /// The state of the source channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "SourceChannelState" source_channel_state: Option<u8>,
        /// The state of the source channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "SourceChannelStateDesc" source_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the source channel.
        "SourceCallerIDNum" source_caller_id_num: Option<&'a str>,
        /// The caller ID name of the source channel.
        "SourceCallerIDName" source_caller_id_name: Option<&'a str>,
        /// The connected line number of the source channel (the other party, as that channel sees
        /// it).
        "SourceConnectedLineNum" source_connected_line_num: Option<&'a str>,
        /// The connected line name of the source channel.
        "SourceConnectedLineName" source_connected_line_name: Option<&'a str>,
        /// The language of the source channel.
        "SourceLanguage" source_language: Option<&'a str>,
        /// The account code of the source channel.
        "SourceAccountCode" source_account_code: Option<&'a str>,
        /// The dialplan context of the source channel.
        "SourceContext" source_context: Option<&'a str>,
        /// The dialplan extension of the source channel.
        "SourceExten" source_exten: Option<&'a str>,
        /// The dialplan priority of the source channel.
        "SourcePriority" source_priority: Option<u32>,
        /// The unique ID of the source channel.
        "SourceUniqueid" source_uniqueid: Option<&'a str>,
        /// The linked ID of the source channel: the unique ID of the oldest channel of its call.
        "SourceLinkedid" source_linkedid: Option<&'a str>,
        /// The unique ID of the channel that will take the Local channel's place.
        "DestUniqueId" dest_unique_id: Option<&'a str>,
        /// An identifier tying this event to its `LocalOptimizationEnd`.
        "Id" id: Option<u32>,
    }

    /// A Local channel pair finished optimizing itself away, or failed to.
    ///
    /// Modern dialect (Asterisk 12 and later).
    LocalOptimizationEnd "LocalOptimizationEnd" {
        /// The name of the first half of the Local channel.
        "LocalOneChannel" local_one_channel: Option<&'a str>,
        /// The state of the first half of the Local channel as a number (0 `Down` … 4 `Ring`, 5
        /// `Ringing`, 6 `Up`, 7 `Busy`).
        "LocalOneChannelState" local_one_channel_state: Option<u8>,
        /// The state of the first half of the Local channel as text: `Down`, `Rsrvd`, `OffHook`,
        /// `Dialing`, `Ring`, `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "LocalOneChannelStateDesc" local_one_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the first half of the Local channel.
        "LocalOneCallerIDNum" local_one_caller_id_num: Option<&'a str>,
        /// The caller ID name of the first half of the Local channel.
        "LocalOneCallerIDName" local_one_caller_id_name: Option<&'a str>,
        /// The connected line number of the first half of the Local channel (the other party, as
        /// that channel sees it).
        "LocalOneConnectedLineNum" local_one_connected_line_num: Option<&'a str>,
        /// The connected line name of the first half of the Local channel.
        "LocalOneConnectedLineName" local_one_connected_line_name: Option<&'a str>,
        /// The language of the first half of the Local channel.
        "LocalOneLanguage" local_one_language: Option<&'a str>,
        /// The account code of the first half of the Local channel.
        "LocalOneAccountCode" local_one_account_code: Option<&'a str>,
        /// The dialplan context of the first half of the Local channel.
        "LocalOneContext" local_one_context: Option<&'a str>,
        /// The dialplan extension of the first half of the Local channel.
        "LocalOneExten" local_one_exten: Option<&'a str>,
        /// The dialplan priority of the first half of the Local channel.
        "LocalOnePriority" local_one_priority: Option<u32>,
        /// The unique ID of the first half of the Local channel.
        "LocalOneUniqueid" local_one_uniqueid: Option<&'a str>,
        /// The linked ID of the first half of the Local channel: the unique ID of the oldest
        /// channel of its call.
        "LocalOneLinkedid" local_one_linkedid: Option<&'a str>,
        /// The name of the second half of the Local channel.
        "LocalTwoChannel" local_two_channel: Option<&'a str>,
        /// The state of the second half of the Local channel as a number (0 `Down` … 4 `Ring`, 5
        /// `Ringing`, 6 `Up`, 7 `Busy`).
        "LocalTwoChannelState" local_two_channel_state: Option<u8>,
        /// The state of the second half of the Local channel as text: `Down`, `Rsrvd`, `OffHook`,
        /// `Dialing`, `Ring`, `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "LocalTwoChannelStateDesc" local_two_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the second half of the Local channel.
        "LocalTwoCallerIDNum" local_two_caller_id_num: Option<&'a str>,
        /// The caller ID name of the second half of the Local channel.
        "LocalTwoCallerIDName" local_two_caller_id_name: Option<&'a str>,
        /// The connected line number of the second half of the Local channel (the other party, as
        /// that channel sees it).
        "LocalTwoConnectedLineNum" local_two_connected_line_num: Option<&'a str>,
        /// The connected line name of the second half of the Local channel.
        "LocalTwoConnectedLineName" local_two_connected_line_name: Option<&'a str>,
        /// The language of the second half of the Local channel.
        "LocalTwoLanguage" local_two_language: Option<&'a str>,
        /// The account code of the second half of the Local channel.
        "LocalTwoAccountCode" local_two_account_code: Option<&'a str>,
        /// The dialplan context of the second half of the Local channel.
        "LocalTwoContext" local_two_context: Option<&'a str>,
        /// The dialplan extension of the second half of the Local channel.
        "LocalTwoExten" local_two_exten: Option<&'a str>,
        /// The dialplan priority of the second half of the Local channel.
        "LocalTwoPriority" local_two_priority: Option<u32>,
        /// The unique ID of the second half of the Local channel.
        "LocalTwoUniqueid" local_two_uniqueid: Option<&'a str>,
        /// The linked ID of the second half of the Local channel: the unique ID of the oldest
        /// channel of its call.
        "LocalTwoLinkedid" local_two_linkedid: Option<&'a str>,
        /// `Yes` when the optimization happened.
        "Success" success: Option<&'a str>,
        /// An identifier tying this event to its `LocalOptimizationEnd`.
        "Id" id: Option<u32>,
    }
}
