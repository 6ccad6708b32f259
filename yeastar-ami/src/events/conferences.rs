//! Conferences: ConfBridge (modern) and MeetMe (both dialects).

events! {
    /// A ConfBridge conference started (its first participant joined).
    ///
    /// Modern dialect (Asterisk 12 and later).
    ConfbridgeStart "ConfbridgeStart" {
        /// The conference's name.
        "Conference" conference: &'a str,
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

    /// A ConfBridge conference ended (its last participant left).
    ///
    /// Modern dialect (Asterisk 12 and later).
    ConfbridgeEnd "ConfbridgeEnd" {
        /// The conference's name.
        "Conference" conference: &'a str,
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

    /// A channel joined a ConfBridge conference.
    ///
    /// Modern dialect (Asterisk 12 and later).
    ConfbridgeJoin "ConfbridgeJoin" {
        /// The conference's name.
        "Conference" conference: &'a str,
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
        /// `Yes` when the participant is an administrator.
        "Admin" admin: Option<&'a str>,
        /// `Yes` when the participant joined muted.
        "Muted" muted: Option<&'a str>,
    }

    /// A channel left a ConfBridge conference.
    ///
    /// Modern dialect (Asterisk 12 and later).
    ConfbridgeLeave "ConfbridgeLeave" {
        /// The conference's name.
        "Conference" conference: &'a str,
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
        /// `Yes` when the participant is an administrator.
        "Admin" admin: Option<&'a str>,
    }

    /// A ConfBridge participant started or stopped talking (`talk_detection_events`).
    ///
    /// Modern dialect (Asterisk 12 and later).
    ConfbridgeTalking "ConfbridgeTalking" {
        /// The conference's name.
        "Conference" conference: &'a str,
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
        /// `on` or `off`.
        "TalkingStatus" talking_status: Option<&'a str>,
        /// `Yes` when the participant is an administrator.
        "Admin" admin: Option<&'a str>,
    }

    /// A channel joined a MeetMe conference.
    ///
    /// Both dialects.
    MeetmeJoin "MeetmeJoin" {
        /// The conference number.
        "Meetme" meetme: &'a str,
        /// The participant's number in the conference.
        "Usernum" usernum: Option<u32>,
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

    /// A channel left a MeetMe conference.
    ///
    /// Both dialects.
    MeetmeLeave "MeetmeLeave" {
        /// The conference number.
        "Meetme" meetme: &'a str,
        /// The participant's number in the conference.
        "Usernum" usernum: Option<u32>,
        /// Seconds the channel was in the conference.
        "Duration" duration: Option<u64>,
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

    /// A MeetMe conference ended.
    ///
    /// Both dialects.
    MeetmeEnd "MeetmeEnd" {
        /// The conference number.
        "Meetme" meetme: &'a str,
    }

    /// A MeetMe participant started (`Status: on`) or stopped (`off`) talking.
    ///
    /// Both dialects.
    MeetmeTalking "MeetmeTalking" {
        /// The conference number.
        "Meetme" meetme: &'a str,
        /// The participant's number in the conference.
        "Usernum" usernum: Option<u32>,
        /// `on` or `off`.
        "Status" status: Option<&'a str>,
        /// The participant's channel.
        "Channel" channel: Option<&'a str>,
        /// Its unique ID.
        "Uniqueid" uniqueid: Option<&'a str>,
    }
}
