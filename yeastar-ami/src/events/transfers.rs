//! Transfers, masquerades, parking and pickup.

events! {
    /// A blind transfer completed or failed: the transferer sent the transferee to
    /// `Extension`@`Context`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    BlindTransfer "BlindTransfer" {
        /// `Success`, or why the transfer failed (`Fail`, `Invalid`, `Not Permitted`).
        "Result" result: Option<&'a str>,
        /// The name of the transferer's channel.
        "TransfererChannel" transferer_channel: Option<&'a str>,
        /// The state of the transferer's channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6
        /// `Up`, 7 `Busy`).
        "TransfererChannelState" transferer_channel_state: Option<u8>,
        /// The caller ID number of the transferer's channel.
        "TransfererCallerIDNum" transferer_caller_id_num: Option<&'a str>,
        /// The caller ID name of the transferer's channel.
        "TransfererCallerIDName" transferer_caller_id_name: Option<&'a str>,
        /// The unique ID of the transferer's channel.
        "TransfererUniqueid" transferer_uniqueid: Option<&'a str>,
        /// The linked ID of the transferer's channel: the unique ID of the oldest channel of its
        /// call.
        "TransfererLinkedid" transferer_linkedid: Option<&'a str>,
        /// The name of the transferee's channel.
        "TransfereeChannel" transferee_channel: Option<&'a str>,
        /// The state of the transferee's channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6
        /// `Up`, 7 `Busy`).
        "TransfereeChannelState" transferee_channel_state: Option<u8>,
        /// The caller ID number of the transferee's channel.
        "TransfereeCallerIDNum" transferee_caller_id_num: Option<&'a str>,
        /// The caller ID name of the transferee's channel.
        "TransfereeCallerIDName" transferee_caller_id_name: Option<&'a str>,
        /// The unique ID of the transferee's channel.
        "TransfereeUniqueid" transferee_uniqueid: Option<&'a str>,
        /// The linked ID of the transferee's channel: the unique ID of the oldest channel of its
        /// call.
        "TransfereeLinkedid" transferee_linkedid: Option<&'a str>,
        /// The unique ID of the bridge.
        "BridgeUniqueid" bridge_uniqueid: Option<&'a str>,
        /// The type of the bridge (`basic`, …).
        "BridgeType" bridge_type: Option<&'a str>,
        /// `Yes` when the transfer was requested by an external party (SIP REFER), `No` when by a
        /// feature code.
        "IsExternal" is_external: Option<&'a str>,
        /// The context the transferee was sent to.
        "Context" context: Option<&'a str>,
        /// The extension the transferee was sent to.
        "Extension" extension: Option<&'a str>,
    }

    /// An attended transfer completed or failed. The snapshots of up to six channels and two
    /// bridges; `DestType` says where the transferee went (`Bridge`, `App`, `Link`, `Threeway`,
    /// `Fail`).
    ///
    /// Modern dialect (Asterisk 12 and later).
    AttendedTransfer "AttendedTransfer" {
        /// `Success`, or why the transfer failed (`Fail`, `Invalid`, `Not Permitted`).
        "Result" result: Option<&'a str>,
        /// The name of the original transferer's channel (in the first call).
        "OrigTransfererChannel" orig_transferer_channel: Option<&'a str>,
        /// The unique ID of the original transferer's channel (in the first call).
        "OrigTransfererUniqueid" orig_transferer_uniqueid: Option<&'a str>,
        /// The linked ID of the original transferer's channel (in the first call): the unique ID of
        /// the oldest channel of its call.
        "OrigTransfererLinkedid" orig_transferer_linkedid: Option<&'a str>,
        /// The bridge of the original call (transferer and transferee), if any.
        "OrigBridgeUniqueid" orig_bridge_uniqueid: Option<&'a str>,
        /// The name of the second transferer's channel (in the consultation call).
        "SecondTransfererChannel" second_transferer_channel: Option<&'a str>,
        /// The unique ID of the second transferer's channel (in the consultation call).
        "SecondTransfererUniqueid" second_transferer_uniqueid: Option<&'a str>,
        /// The linked ID of the second transferer's channel (in the consultation call): the unique
        /// ID of the oldest channel of its call.
        "SecondTransfererLinkedid" second_transferer_linkedid: Option<&'a str>,
        /// The bridge of the consultation call (transferer and target), if any.
        "SecondBridgeUniqueid" second_bridge_uniqueid: Option<&'a str>,
        /// The name of the transferee's channel.
        "TransfereeChannel" transferee_channel: Option<&'a str>,
        /// The unique ID of the transferee's channel.
        "TransfereeUniqueid" transferee_uniqueid: Option<&'a str>,
        /// The linked ID of the transferee's channel: the unique ID of the oldest channel of its
        /// call.
        "TransfereeLinkedid" transferee_linkedid: Option<&'a str>,
        /// The name of the transfer target's channel.
        "TransferTargetChannel" transfer_target_channel: Option<&'a str>,
        /// The unique ID of the transfer target's channel.
        "TransferTargetUniqueid" transfer_target_uniqueid: Option<&'a str>,
        /// The linked ID of the transfer target's channel: the unique ID of the oldest channel of
        /// its call.
        "TransferTargetLinkedid" transfer_target_linkedid: Option<&'a str>,
        /// `Yes` when the transfer was requested by an external party (SIP REFER), `No` when by a
        /// feature code.
        "IsExternal" is_external: Option<&'a str>,
        /// Where the transferee went: `Bridge`, `App`, `Link`, `Threeway` or `Fail`.
        "DestType" dest_type: Option<&'a str>,
        /// With `DestType: Bridge`: the bridge the transferee and target now share.
        "DestBridgeUniqueid" dest_bridge_uniqueid: Option<&'a str>,
        /// With `DestType: App`: the application the transferee was sent to.
        "DestApp" dest_app: Option<&'a str>,
        /// The dialplan extension the transferee was sent to, when it left to the dialplan.
        "DestExten" dest_exten: Option<&'a str>,
        /// The dialplan context the transferee was sent to, when it left to the dialplan.
        "DestContext" dest_context: Option<&'a str>,
        /// With `DestType: Link`: the first half of the Local channel pair linking the calls.
        "LocalOneChannel" local_one_channel: Option<&'a str>,
        /// With `DestType: Link`: its unique ID.
        "LocalOneUniqueid" local_one_uniqueid: Option<&'a str>,
        /// With `DestType: Link`: the second half of the Local channel pair.
        "LocalTwoChannel" local_two_channel: Option<&'a str>,
        /// With `DestType: Link`: its unique ID.
        "LocalTwoUniqueid" local_two_uniqueid: Option<&'a str>,
        /// With `DestType: Threeway`: the transferer channel that stays in the three-way bridge.
        "DestTransfererChannel" dest_transferer_channel: Option<&'a str>,
        /// With `DestType: Threeway`: that channel's unique ID.
        "DestTransfererUniqueid" dest_transferer_uniqueid: Option<&'a str>,
    }

    /// chan_sip carried out a transfer (blind or attended) requested by the phone.
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    Transfer "Transfer" {
        /// `SIP`.
        "TransferMethod" transfer_method: Option<&'a str>,
        /// `Blind` or `Attended`.
        "TransferType" transfer_type: Option<&'a str>,
        /// The transferer's channel.
        "Channel" channel: Option<&'a str>,
        /// Its unique ID.
        "Uniqueid" uniqueid: Option<&'a str>,
        /// The SIP Call-ID of the transferer's dialog.
        "SIP-Callid" sip_callid: Option<&'a str>,
        /// The channel being transferred.
        "TargetChannel" target_channel: Option<&'a str>,
        /// Its unique ID.
        "TargetUniqueid" target_uniqueid: Option<&'a str>,
        /// For a blind transfer: the extension the call was sent to.
        "TransferExten" transfer_exten: Option<&'a str>,
        /// For a blind transfer: the context.
        "TransferContext" transfer_context: Option<&'a str>,
        /// `Yes` when the call was transferred to a parking lot.
        "Transfer2Parking" transfer2_parking: Option<&'a str>,
    }

    /// One channel took over another's place (transfers, pickups, parking).
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    Masquerade "Masquerade" {
        /// The channel taking over (the clone).
        "Clone" clone: &'a str,
        /// The clone's state, as text.
        "CloneState" clone_state: Option<&'a str>,
        /// The channel being replaced.
        "Original" original: &'a str,
        /// Its state, as text.
        "OriginalState" original_state: Option<&'a str>,
    }

    /// A channel was parked.
    ///
    /// Both dialects.
    ParkedCall "ParkedCall" {
        /// The name of the parked channel.
        "ParkeeChannel" parkee_channel: Option<&'a str>,
        /// The state of the parked channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ParkeeChannelState" parkee_channel_state: Option<u8>,
        /// The state of the parked channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ParkeeChannelStateDesc" parkee_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the parked channel.
        "ParkeeCallerIDNum" parkee_caller_id_num: Option<&'a str>,
        /// The caller ID name of the parked channel.
        "ParkeeCallerIDName" parkee_caller_id_name: Option<&'a str>,
        /// The connected line number of the parked channel (the other party, as that channel sees
        /// it).
        "ParkeeConnectedLineNum" parkee_connected_line_num: Option<&'a str>,
        /// The connected line name of the parked channel.
        "ParkeeConnectedLineName" parkee_connected_line_name: Option<&'a str>,
        /// The language of the parked channel.
        "ParkeeLanguage" parkee_language: Option<&'a str>,
        /// The account code of the parked channel.
        "ParkeeAccountCode" parkee_account_code: Option<&'a str>,
        /// The dialplan context of the parked channel.
        "ParkeeContext" parkee_context: Option<&'a str>,
        /// The dialplan extension of the parked channel.
        "ParkeeExten" parkee_exten: Option<&'a str>,
        /// The dialplan priority of the parked channel.
        "ParkeePriority" parkee_priority: Option<u32>,
        /// The unique ID of the parked channel.
        "ParkeeUniqueid" parkee_uniqueid: Option<&'a str>,
        /// The linked ID of the parked channel: the unique ID of the oldest channel of its call.
        "ParkeeLinkedid" parkee_linkedid: Option<&'a str>,
        /// The dial string that would call back whoever parked the channel.
        "ParkerDialString" parker_dial_string: Option<&'a str>,
        /// The parking lot.
        "Parkinglot" parkinglot: Option<&'a str>,
        /// The parking space (the extension to dial to retrieve the call).
        "ParkingSpace" parking_space: Option<u32>,
        /// Seconds the channel may stay parked.
        "ParkingTimeout" parking_timeout: Option<u32>,
        /// Seconds the channel has been parked.
        "ParkingDuration" parking_duration: Option<u32>,
        /// The parking space (legacy spelling of `ParkingSpace`).
        "Exten" exten: Option<&'a str>,
        /// The parked channel (legacy).
        "Channel" channel: Option<&'a str>,
        /// The channel that parked (or retrieved) the call.
        "From" from: Option<&'a str>,
        /// Seconds the channel may stay parked.
        "Timeout" timeout: Option<u32>,
        /// The parked channel's caller ID number (legacy).
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The parked channel's caller ID name (legacy).
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The parked channel's connected line number (legacy).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The parked channel's connected line name (legacy).
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The parked channel's unique ID (legacy).
        "Uniqueid" uniqueid: Option<&'a str>,
    }

    /// A parked channel was retrieved.
    ///
    /// Both dialects.
    UnParkedCall "UnParkedCall" {
        /// The name of the parked channel.
        "ParkeeChannel" parkee_channel: Option<&'a str>,
        /// The state of the parked channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ParkeeChannelState" parkee_channel_state: Option<u8>,
        /// The state of the parked channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ParkeeChannelStateDesc" parkee_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the parked channel.
        "ParkeeCallerIDNum" parkee_caller_id_num: Option<&'a str>,
        /// The caller ID name of the parked channel.
        "ParkeeCallerIDName" parkee_caller_id_name: Option<&'a str>,
        /// The connected line number of the parked channel (the other party, as that channel sees
        /// it).
        "ParkeeConnectedLineNum" parkee_connected_line_num: Option<&'a str>,
        /// The connected line name of the parked channel.
        "ParkeeConnectedLineName" parkee_connected_line_name: Option<&'a str>,
        /// The language of the parked channel.
        "ParkeeLanguage" parkee_language: Option<&'a str>,
        /// The account code of the parked channel.
        "ParkeeAccountCode" parkee_account_code: Option<&'a str>,
        /// The dialplan context of the parked channel.
        "ParkeeContext" parkee_context: Option<&'a str>,
        /// The dialplan extension of the parked channel.
        "ParkeeExten" parkee_exten: Option<&'a str>,
        /// The dialplan priority of the parked channel.
        "ParkeePriority" parkee_priority: Option<u32>,
        /// The unique ID of the parked channel.
        "ParkeeUniqueid" parkee_uniqueid: Option<&'a str>,
        /// The linked ID of the parked channel: the unique ID of the oldest channel of its call.
        "ParkeeLinkedid" parkee_linkedid: Option<&'a str>,
        /// The name of the retrieving channel.
        "RetrieverChannel" retriever_channel: Option<&'a str>,
        /// The state of the retrieving channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6
        /// `Up`, 7 `Busy`).
        "RetrieverChannelState" retriever_channel_state: Option<u8>,
        /// The state of the retrieving channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`,
        /// `Ring`, `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "RetrieverChannelStateDesc" retriever_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the retrieving channel.
        "RetrieverCallerIDNum" retriever_caller_id_num: Option<&'a str>,
        /// The caller ID name of the retrieving channel.
        "RetrieverCallerIDName" retriever_caller_id_name: Option<&'a str>,
        /// The connected line number of the retrieving channel (the other party, as that channel
        /// sees it).
        "RetrieverConnectedLineNum" retriever_connected_line_num: Option<&'a str>,
        /// The connected line name of the retrieving channel.
        "RetrieverConnectedLineName" retriever_connected_line_name: Option<&'a str>,
        /// The language of the retrieving channel.
        "RetrieverLanguage" retriever_language: Option<&'a str>,
        /// The account code of the retrieving channel.
        "RetrieverAccountCode" retriever_account_code: Option<&'a str>,
        /// The dialplan context of the retrieving channel.
        "RetrieverContext" retriever_context: Option<&'a str>,
        /// The dialplan extension of the retrieving channel.
        "RetrieverExten" retriever_exten: Option<&'a str>,
        /// The dialplan priority of the retrieving channel.
        "RetrieverPriority" retriever_priority: Option<u32>,
        /// The unique ID of the retrieving channel.
        "RetrieverUniqueid" retriever_uniqueid: Option<&'a str>,
        /// The linked ID of the retrieving channel: the unique ID of the oldest channel of its
        /// call.
        "RetrieverLinkedid" retriever_linkedid: Option<&'a str>,
        /// The dial string that would call back whoever parked the channel.
        "ParkerDialString" parker_dial_string: Option<&'a str>,
        /// The parking lot.
        "Parkinglot" parkinglot: Option<&'a str>,
        /// The parking space (the extension to dial to retrieve the call).
        "ParkingSpace" parking_space: Option<u32>,
        /// Seconds the channel may stay parked.
        "ParkingTimeout" parking_timeout: Option<u32>,
        /// Seconds the channel has been parked.
        "ParkingDuration" parking_duration: Option<u32>,
        /// The parking space (legacy spelling of `ParkingSpace`).
        "Exten" exten: Option<&'a str>,
        /// The parked channel (legacy).
        "Channel" channel: Option<&'a str>,
        /// The channel that parked (or retrieved) the call.
        "From" from: Option<&'a str>,
        /// The parked channel's caller ID number (legacy).
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The parked channel's caller ID name (legacy).
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The parked channel's connected line number (legacy).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The parked channel's connected line name (legacy).
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The parked channel's unique ID (legacy).
        "Uniqueid" uniqueid: Option<&'a str>,
    }

    /// A parked channel was not retrieved in time and left the parking lot.
    ///
    /// Both dialects.
    ParkedCallTimeOut "ParkedCallTimeOut" {
        /// The name of the parked channel.
        "ParkeeChannel" parkee_channel: Option<&'a str>,
        /// The state of the parked channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ParkeeChannelState" parkee_channel_state: Option<u8>,
        /// The state of the parked channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ParkeeChannelStateDesc" parkee_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the parked channel.
        "ParkeeCallerIDNum" parkee_caller_id_num: Option<&'a str>,
        /// The caller ID name of the parked channel.
        "ParkeeCallerIDName" parkee_caller_id_name: Option<&'a str>,
        /// The connected line number of the parked channel (the other party, as that channel sees
        /// it).
        "ParkeeConnectedLineNum" parkee_connected_line_num: Option<&'a str>,
        /// The connected line name of the parked channel.
        "ParkeeConnectedLineName" parkee_connected_line_name: Option<&'a str>,
        /// The language of the parked channel.
        "ParkeeLanguage" parkee_language: Option<&'a str>,
        /// The account code of the parked channel.
        "ParkeeAccountCode" parkee_account_code: Option<&'a str>,
        /// The dialplan context of the parked channel.
        "ParkeeContext" parkee_context: Option<&'a str>,
        /// The dialplan extension of the parked channel.
        "ParkeeExten" parkee_exten: Option<&'a str>,
        /// The dialplan priority of the parked channel.
        "ParkeePriority" parkee_priority: Option<u32>,
        /// The unique ID of the parked channel.
        "ParkeeUniqueid" parkee_uniqueid: Option<&'a str>,
        /// The linked ID of the parked channel: the unique ID of the oldest channel of its call.
        "ParkeeLinkedid" parkee_linkedid: Option<&'a str>,
        /// The dial string that would call back whoever parked the channel.
        "ParkerDialString" parker_dial_string: Option<&'a str>,
        /// The parking lot.
        "Parkinglot" parkinglot: Option<&'a str>,
        /// The parking space (the extension to dial to retrieve the call).
        "ParkingSpace" parking_space: Option<u32>,
        /// Seconds the channel may stay parked.
        "ParkingTimeout" parking_timeout: Option<u32>,
        /// Seconds the channel has been parked.
        "ParkingDuration" parking_duration: Option<u32>,
        /// The parking space (legacy spelling of `ParkingSpace`).
        "Exten" exten: Option<&'a str>,
        /// The parked channel (legacy).
        "Channel" channel: Option<&'a str>,
        /// The parked channel's caller ID number (legacy).
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The parked channel's caller ID name (legacy).
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The parked channel's connected line number (legacy).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The parked channel's connected line name (legacy).
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The parked channel's unique ID (legacy).
        "UniqueID" unique_id: Option<&'a str>,
    }

    /// A parked channel hung up.
    ///
    /// Both dialects.
    ParkedCallGiveUp "ParkedCallGiveUp" {
        /// The name of the parked channel.
        "ParkeeChannel" parkee_channel: Option<&'a str>,
        /// The state of the parked channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6 `Up`, 7
        /// `Busy`).
        "ParkeeChannelState" parkee_channel_state: Option<u8>,
        /// The state of the parked channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`, `Ring`,
        /// `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "ParkeeChannelStateDesc" parkee_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the parked channel.
        "ParkeeCallerIDNum" parkee_caller_id_num: Option<&'a str>,
        /// The caller ID name of the parked channel.
        "ParkeeCallerIDName" parkee_caller_id_name: Option<&'a str>,
        /// The connected line number of the parked channel (the other party, as that channel sees
        /// it).
        "ParkeeConnectedLineNum" parkee_connected_line_num: Option<&'a str>,
        /// The connected line name of the parked channel.
        "ParkeeConnectedLineName" parkee_connected_line_name: Option<&'a str>,
        /// The language of the parked channel.
        "ParkeeLanguage" parkee_language: Option<&'a str>,
        /// The account code of the parked channel.
        "ParkeeAccountCode" parkee_account_code: Option<&'a str>,
        /// The dialplan context of the parked channel.
        "ParkeeContext" parkee_context: Option<&'a str>,
        /// The dialplan extension of the parked channel.
        "ParkeeExten" parkee_exten: Option<&'a str>,
        /// The dialplan priority of the parked channel.
        "ParkeePriority" parkee_priority: Option<u32>,
        /// The unique ID of the parked channel.
        "ParkeeUniqueid" parkee_uniqueid: Option<&'a str>,
        /// The linked ID of the parked channel: the unique ID of the oldest channel of its call.
        "ParkeeLinkedid" parkee_linkedid: Option<&'a str>,
        /// The dial string that would call back whoever parked the channel.
        "ParkerDialString" parker_dial_string: Option<&'a str>,
        /// The parking lot.
        "Parkinglot" parkinglot: Option<&'a str>,
        /// The parking space (the extension to dial to retrieve the call).
        "ParkingSpace" parking_space: Option<u32>,
        /// Seconds the channel may stay parked.
        "ParkingTimeout" parking_timeout: Option<u32>,
        /// Seconds the channel has been parked.
        "ParkingDuration" parking_duration: Option<u32>,
        /// The parking space (legacy spelling of `ParkingSpace`).
        "Exten" exten: Option<&'a str>,
        /// The parked channel (legacy).
        "Channel" channel: Option<&'a str>,
        /// The parked channel's caller ID number (legacy).
        "CallerIDNum" caller_id_num: Option<&'a str>,
        /// The parked channel's caller ID name (legacy).
        "CallerIDName" caller_id_name: Option<&'a str>,
        /// The parked channel's connected line number (legacy).
        "ConnectedLineNum" connected_line_num: Option<&'a str>,
        /// The parked channel's connected line name (legacy).
        "ConnectedLineName" connected_line_name: Option<&'a str>,
        /// The parked channel's unique ID (legacy).
        "UniqueID" unique_id: Option<&'a str>,
    }

    /// A channel picked up a ringing call: `Channel…` picked up `Target…`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    Pickup "Pickup" {
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
        /// The name of the picked-up channel.
        "TargetChannel" target_channel: Option<&'a str>,
        /// The state of the picked-up channel as a number (0 `Down` … 4 `Ring`, 5 `Ringing`, 6
        /// `Up`, 7 `Busy`).
        "TargetChannelState" target_channel_state: Option<u8>,
        /// The state of the picked-up channel as text: `Down`, `Rsrvd`, `OffHook`, `Dialing`,
        /// `Ring`, `Ringing`, `Up`, `Busy`, `Dialing Offhook`, `Pre-ring` or `Unknown`.
        "TargetChannelStateDesc" target_channel_state_desc: Option<&'a str>,
        /// The caller ID number of the picked-up channel.
        "TargetCallerIDNum" target_caller_id_num: Option<&'a str>,
        /// The caller ID name of the picked-up channel.
        "TargetCallerIDName" target_caller_id_name: Option<&'a str>,
        /// The connected line number of the picked-up channel (the other party, as that channel
        /// sees it).
        "TargetConnectedLineNum" target_connected_line_num: Option<&'a str>,
        /// The connected line name of the picked-up channel.
        "TargetConnectedLineName" target_connected_line_name: Option<&'a str>,
        /// The language of the picked-up channel.
        "TargetLanguage" target_language: Option<&'a str>,
        /// The account code of the picked-up channel.
        "TargetAccountCode" target_account_code: Option<&'a str>,
        /// The dialplan context of the picked-up channel.
        "TargetContext" target_context: Option<&'a str>,
        /// The dialplan extension of the picked-up channel.
        "TargetExten" target_exten: Option<&'a str>,
        /// The dialplan priority of the picked-up channel.
        "TargetPriority" target_priority: Option<u32>,
        /// The unique ID of the picked-up channel.
        "TargetUniqueid" target_uniqueid: Option<&'a str>,
        /// The linked ID of the picked-up channel: the unique ID of the oldest channel of its call.
        "TargetLinkedid" target_linkedid: Option<&'a str>,
    }
}
