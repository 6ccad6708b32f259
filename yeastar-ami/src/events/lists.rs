//! Items and ends of the lists that actions answer with (`Status`, `CoreShowChannels`, `SIPpeers`,
//! `PJSIPShow…`, `BridgeList`, `DeviceStateList`, `ExtensionStateList`).

events! {
    /// One channel in the answer to `Status`.
    ///
    /// Both dialects.
    Status "Status" {
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
        /// The number dialled to reach the channel.
        "DNID" dnid: Option<&'a str>,
        /// The effective connected line number.
        "EffectiveConnectedLineNum" effective_connected_line_num: Option<&'a str>,
        /// The effective connected line name.
        "EffectiveConnectedLineName" effective_connected_line_name: Option<&'a str>,
        /// When the channel will be hung up by an absolute timeout (0: never).
        "TimeToHangup" time_to_hangup: Option<&'a str>,
        /// The bridge the channel is in, if any.
        "BridgeID" bridge_id: Option<&'a str>,
        /// The application the channel is running.
        "Application" application: Option<&'a str>,
        /// Its data.
        "Data" data: Option<&'a str>,
        /// The channel's native codecs.
        "Nativeformats" nativeformats: Option<&'a str>,
        /// The codec the channel reads.
        "Readformat" readformat: Option<&'a str>,
        /// The read translation path.
        "Readtrans" readtrans: Option<&'a str>,
        /// The codec the channel writes.
        "Writeformat" writeformat: Option<&'a str>,
        /// The write translation path.
        "Writetrans" writetrans: Option<&'a str>,
        /// The channel's call group.
        "Callgroup" callgroup: Option<&'a str>,
        /// The channel's pickup group.
        "Pickupgroup" pickupgroup: Option<&'a str>,
        /// Seconds since the channel was created.
        "Seconds" seconds: Option<u64>,
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// The channel's state as text (legacy spelling of `ChannelStateDesc`).
        "State" state: Option<&'a str>,
        /// The channel this one is bridged to (legacy).
        "Link" link: Option<&'a str>,
        /// The channel this one is bridged to (1.8 spelling of `Link`).
        "BridgedChannel" bridged_channel: Option<&'a str>,
        /// That channel's unique ID (1.8).
        "BridgedUniqueid" bridged_uniqueid: Option<&'a str>,
    }

    /// Ends the answer to `Status`.
    ///
    /// Both dialects.
    StatusComplete "StatusComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// The number of items the list sent (legacy spelling).
        "Items" items: Option<u32>,
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
    }

    /// One active channel in the answer to `CoreShowChannels`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    CoreShowChannel "CoreShowChannel" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
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
        /// The application the channel is running.
        "Application" application: Option<&'a str>,
        /// Its data.
        "ApplicationData" application_data: Option<&'a str>,
        /// How long the channel has existed, `HH:MM:SS`.
        "Duration" duration: Option<&'a str>,
        /// The bridge the channel is in, if any.
        "BridgeId" bridge_id: Option<&'a str>,
    }

    /// Ends the answer to `CoreShowChannels`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    CoreShowChannelsComplete "CoreShowChannelsComplete" {
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
    }

    /// One channel and the channels it is connected to, in the answer to `CoreShowChannelMap`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    CoreShowChannelMap "CoreShowChannelMap" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// The name of the channel (`PJSIP/1001-00000001`, `SIP/1001-0000000a`).
        "Channel" channel: &'a str,
        /// A channel connected to `Channel` (one event per pair).
        "ConnectedChannel" connected_channel: Option<&'a str>,
    }

    /// Ends the answer to `CoreShowChannelMap`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    CoreShowChannelMapComplete "CoreShowChannelMapComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
    }

    /// One bridge in the answer to `BridgeList`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    BridgeListItem "BridgeListItem" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
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

    /// Ends the answer to `BridgeList`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    BridgeListComplete "BridgeListComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
    }

    /// Ends the answer to `DeviceStateList`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    DeviceStateListComplete "DeviceStateListComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
    }

    /// Ends the answer to `ExtensionStateList`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    ExtensionStateListComplete "ExtensionStateListComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
    }

    /// One chan_sip peer in the answer to `SIPpeers`.
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    PeerEntry "PeerEntry" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `SIP`.
        "Channeltype" channeltype: Option<&'a str>,
        /// The peer's name.
        "ObjectName" object_name: Option<&'a str>,
        /// `peer`.
        "ChanObjectType" chan_object_type: Option<&'a str>,
        /// The peer's address, `-none-` when not registered.
        "IPaddress" i_paddress: Option<&'a str>,
        /// The peer's port (0 when not registered).
        "IPport" i_pport: Option<u16>,
        /// `yes` for a peer that registers (`host=dynamic`).
        "Dynamic" dynamic: Option<&'a str>,
        /// `yes` when replies go to the source port (`nat=force_rport`).
        "Forcerport" forcerport: Option<&'a str>,
        /// `yes` when video is allowed.
        "VideoSupport" video_support: Option<&'a str>,
        /// `yes` when text is allowed.
        "TextSupport" text_support: Option<&'a str>,
        /// `yes` when an ACL applies.
        "ACL" acl: Option<&'a str>,
        /// `OK (5 ms)`, `UNREACHABLE`, `UNKNOWN`, `Unmonitored`, …
        "Status" status: Option<&'a str>,
        /// `yes` for a realtime peer.
        "RealtimeDevice" realtime_device: Option<&'a str>,
    }

    /// Ends the answer to `SIPpeers`.
    ///
    /// Legacy dialect (AMI 1.1: Asterisk 1.8, Yeastar S-series).
    PeerlistComplete "PeerlistComplete" {
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
    }

    /// One PJSIP endpoint in the answer to `PJSIPShowEndpoints`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    EndpointList "EndpointList" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `endpoint`.
        "ObjectType" object_type: Option<&'a str>,
        /// The endpoint's name.
        "ObjectName" object_name: Option<&'a str>,
        /// The transport the endpoint uses.
        "Transport" transport: Option<&'a str>,
        /// The endpoint's AORs, comma-separated.
        "Aor" aor: Option<&'a str>,
        /// The endpoint's inbound auth sections.
        "Auths" auths: Option<&'a str>,
        /// The endpoint's outbound auth sections.
        "OutboundAuths" outbound_auths: Option<&'a str>,
        /// The endpoint's contacts with their state, comma-separated.
        "Contacts" contacts: Option<&'a str>,
        /// The endpoint's device state (`Not in use`, `In use`, `Unavailable`, …).
        "DeviceState" device_state: Option<&'a str>,
        /// The endpoint's channels, comma-separated.
        "ActiveChannels" active_channels: Option<&'a str>,
    }

    /// Ends the answer to `PJSIPShowEndpoints`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    EndpointListComplete "EndpointListComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
    }

    /// One PJSIP endpoint and its `pjsip.conf` options, in the answer to `PJSIPShowEndpoint`. Every
    /// option is text as Asterisk writes it.
    ///
    /// Modern dialect (Asterisk 12 and later).
    EndpointDetail "EndpointDetail" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `endpoint`.
        "ObjectType" object_type: Option<&'a str>,
        /// The endpoint's name.
        "ObjectName" object_name: Option<&'a str>,
        /// The endpoint's `rpid_immediate` option.
        "RpidImmediate" rpid_immediate: Option<&'a str>,
        /// The endpoint's `webrtc` option.
        "Webrtc" webrtc: Option<&'a str>,
        /// The endpoint's `ignore183_without_sdp` option.
        "Ignore183WithoutSdp" ignore183_without_sdp: Option<&'a str>,
        /// The endpoint's `send_aoc` option.
        "SendAoc" send_aoc: Option<&'a str>,
        /// The endpoint's `device_state_busy_at` option.
        "DeviceStateBusyAt" device_state_busy_at: Option<&'a str>,
        /// The endpoint's `t38_udptl_maxdatagram` option.
        "T38UdptlMaxdatagram" t38_udptl_maxdatagram: Option<&'a str>,
        /// The endpoint's `codec_prefs_incoming_answer` option.
        "CodecPrefsIncomingAnswer" codec_prefs_incoming_answer: Option<&'a str>,
        /// The endpoint's `security_negotiation` option.
        "SecurityNegotiation" security_negotiation: Option<&'a str>,
        /// The endpoint's `dtls_rekey` option.
        "DtlsRekey" dtls_rekey: Option<&'a str>,
        /// The endpoint's `rtp_port_end` option.
        "RtpPortEnd" rtp_port_end: Option<&'a str>,
        /// The endpoint's `named_pickup_group` option.
        "NamedPickupGroup" named_pickup_group: Option<&'a str>,
        /// The endpoint's `direct_media_method` option.
        "DirectMediaMethod" direct_media_method: Option<&'a str>,
        /// The endpoint's `send_rpid` option.
        "SendRpid" send_rpid: Option<&'a str>,
        /// The endpoint's `pickup_group` option.
        "PickupGroup" pickup_group: Option<&'a str>,
        /// The endpoint's `sdp_session` option.
        "SdpSession" sdp_session: Option<&'a str>,
        /// The endpoint's `dtls_verify` option.
        "DtlsVerify" dtls_verify: Option<&'a str>,
        /// The endpoint's `message_context` option.
        "MessageContext" message_context: Option<&'a str>,
        /// The endpoint's `tenantid` option.
        "Tenantid" tenantid: Option<&'a str>,
        /// The endpoint's `mailboxes` option.
        "Mailboxes" mailboxes: Option<&'a str>,
        /// The endpoint's `record_on_feature` option.
        "RecordOnFeature" record_on_feature: Option<&'a str>,
        /// The endpoint's `dtls_private_key` option.
        "DtlsPrivateKey" dtls_private_key: Option<&'a str>,
        /// The endpoint's `dtls_fingerprint` option.
        "DtlsFingerprint" dtls_fingerprint: Option<&'a str>,
        /// The endpoint's `overlap_context` option.
        "OverlapContext" overlap_context: Option<&'a str>,
        /// The endpoint's `outgoing_call_offer_pref` option.
        "OutgoingCallOfferPref" outgoing_call_offer_pref: Option<&'a str>,
        /// The endpoint's `rtp_port_start` option.
        "RtpPortStart" rtp_port_start: Option<&'a str>,
        /// The endpoint's `from_domain` option.
        "FromDomain" from_domain: Option<&'a str>,
        /// The endpoint's `timers_sess_expires` option.
        "TimersSessExpires" timers_sess_expires: Option<&'a str>,
        /// The endpoint's `named_call_group` option.
        "NamedCallGroup" named_call_group: Option<&'a str>,
        /// The endpoint's `dtls_cipher` option.
        "DtlsCipher" dtls_cipher: Option<&'a str>,
        /// The endpoint's `media_encryption_optimistic` option.
        "MediaEncryptionOptimistic" media_encryption_optimistic: Option<&'a str>,
        /// The endpoint's `suppress_q850_reason_headers` option.
        "SuppressQ850ReasonHeaders" suppress_q850_reason_headers: Option<&'a str>,
        /// The endpoint's `aors` option.
        "Aors" aors: Option<&'a str>,
        /// The endpoint's `identify_by` option.
        "IdentifyBy" identify_by: Option<&'a str>,
        /// The endpoint's `callerid_privacy` option.
        "CalleridPrivacy" callerid_privacy: Option<&'a str>,
        /// The endpoint's `mwi_subscribe_replaces_unsolicited` option.
        "MwiSubscribeReplacesUnsolicited" mwi_subscribe_replaces_unsolicited: Option<&'a str>,
        /// The endpoint's `cos_audio` option.
        "CosAudio" cos_audio: Option<&'a str>,
        /// The endpoint's `follow_early_media_fork` option.
        "FollowEarlyMediaFork" follow_early_media_fork: Option<&'a str>,
        /// The endpoint's `context` option.
        "Context" context: Option<&'a str>,
        /// The endpoint's `rtp_symmetric` option.
        "RtpSymmetric" rtp_symmetric: Option<&'a str>,
        /// The endpoint's `transport` option.
        "Transport" transport: Option<&'a str>,
        /// The endpoint's `moh_suggest` option.
        "MohSuggest" moh_suggest: Option<&'a str>,
        /// The endpoint's `t38_udptl` option.
        "T38Udptl" t38_udptl: Option<&'a str>,
        /// The endpoint's `fax_detect` option.
        "FaxDetect" fax_detect: Option<&'a str>,
        /// The endpoint's `t38_bind_udptl_to_media_address` option.
        "T38BindUdptlToMediaAddress" t38_bind_udptl_to_media_address: Option<&'a str>,
        /// The endpoint's `tos_video` option.
        "TosVideo" tos_video: Option<&'a str>,
        /// The endpoint's `srtp_tag32` option.
        "SrtpTag32" srtp_tag32: Option<&'a str>,
        /// The endpoint's `refer_blind_progress` option.
        "ReferBlindProgress" refer_blind_progress: Option<&'a str>,
        /// The endpoint's `max_audio_streams` option.
        "MaxAudioStreams" max_audio_streams: Option<&'a str>,
        /// The endpoint's `bundle` option.
        "Bundle" bundle: Option<&'a str>,
        /// The endpoint's `use_avpf` option.
        "UseAvpf" use_avpf: Option<&'a str>,
        /// The endpoint's `call_group` option.
        "CallGroup" call_group: Option<&'a str>,
        /// The endpoint's `send_connected_line` option.
        "SendConnectedLine" send_connected_line: Option<&'a str>,
        /// The endpoint's `fax_detect_timeout` option.
        "FaxDetectTimeout" fax_detect_timeout: Option<&'a str>,
        /// The endpoint's `sdp_owner` option.
        "SdpOwner" sdp_owner: Option<&'a str>,
        /// The endpoint's `force_rport` option.
        "ForceRport" force_rport: Option<&'a str>,
        /// The endpoint's `callerid_tag` option.
        "CalleridTag" callerid_tag: Option<&'a str>,
        /// The endpoint's `rtp_timeout_hold` option.
        "RtpTimeoutHold" rtp_timeout_hold: Option<&'a str>,
        /// The endpoint's `suppress_moh_on_sendonly` option.
        "SuppressMohOnSendonly" suppress_moh_on_sendonly: Option<&'a str>,
        /// The endpoint's `use_ptime` option.
        "UsePtime" use_ptime: Option<&'a str>,
        /// The endpoint's `media_address` option.
        "MediaAddress" media_address: Option<&'a str>,
        /// The endpoint's `voicemail_extension` option.
        "VoicemailExtension" voicemail_extension: Option<&'a str>,
        /// The endpoint's `rtp_timeout` option.
        "RtpTimeout" rtp_timeout: Option<&'a str>,
        /// The endpoint's `stir_shaken` option.
        "StirShaken" stir_shaken: Option<&'a str>,
        /// The endpoint's `set_var` option.
        "SetVar" set_var: Option<&'a str>,
        /// The endpoint's `contact_acl` option.
        "ContactAcl" contact_acl: Option<&'a str>,
        /// The endpoint's `preferred_codec_only` option.
        "PreferredCodecOnly" preferred_codec_only: Option<&'a str>,
        /// The endpoint's `geoloc_outgoing_call_profile` option.
        "GeolocOutgoingCallProfile" geoloc_outgoing_call_profile: Option<&'a str>,
        /// The endpoint's `force_avp` option.
        "ForceAvp" force_avp: Option<&'a str>,
        /// The endpoint's `record_off_feature` option.
        "RecordOffFeature" record_off_feature: Option<&'a str>,
        /// The endpoint's `from_user` option.
        "FromUser" from_user: Option<&'a str>,
        /// The endpoint's `send_diversion` option.
        "SendDiversion" send_diversion: Option<&'a str>,
        /// The endpoint's `send_history_info` option.
        "SendHistoryInfo" send_history_info: Option<&'a str>,
        /// The endpoint's `t38_udptl_ipv6` option.
        "T38UdptlIpv6" t38_udptl_ipv6: Option<&'a str>,
        /// The endpoint's `tone_zone` option.
        "ToneZone" tone_zone: Option<&'a str>,
        /// The endpoint's `language` option.
        "Language" language: Option<&'a str>,
        /// The endpoint's `allow_subscribe` option.
        "AllowSubscribe" allow_subscribe: Option<&'a str>,
        /// The endpoint's `rtp_ipv6` option.
        "RtpIpv6" rtp_ipv6: Option<&'a str>,
        /// The endpoint's `callerid` option.
        "Callerid" callerid: Option<&'a str>,
        /// The endpoint's `moh_passthrough` option.
        "MohPassthrough" moh_passthrough: Option<&'a str>,
        /// The endpoint's `cos_video` option.
        "CosVideo" cos_video: Option<&'a str>,
        /// The endpoint's `dtls_auto_generate_cert` option.
        "DtlsAutoGenerateCert" dtls_auto_generate_cert: Option<&'a str>,
        /// The endpoint's `asymmetric_rtp_codec` option.
        "AsymmetricRtpCodec" asymmetric_rtp_codec: Option<&'a str>,
        /// The endpoint's `geoloc_incoming_call_profile` option.
        "GeolocIncomingCallProfile" geoloc_incoming_call_profile: Option<&'a str>,
        /// The endpoint's `ice_support` option.
        "IceSupport" ice_support: Option<&'a str>,
        /// The endpoint's `aggregate_mwi` option.
        "AggregateMwi" aggregate_mwi: Option<&'a str>,
        /// The endpoint's `one_touch_recording` option.
        "OneTouchRecording" one_touch_recording: Option<&'a str>,
        /// The endpoint's `mwi_from_user` option.
        "MwiFromUser" mwi_from_user: Option<&'a str>,
        /// The endpoint's `redirect_method` option.
        "RedirectMethod" redirect_method: Option<&'a str>,
        /// The endpoint's `accountcode` option.
        "Accountcode" accountcode: Option<&'a str>,
        /// The endpoint's `codec_prefs_outgoing_answer` option.
        "CodecPrefsOutgoingAnswer" codec_prefs_outgoing_answer: Option<&'a str>,
        /// The endpoint's `allow` option.
        "Allow" allow: Option<&'a str>,
        /// The endpoint's `rewrite_contact` option.
        "RewriteContact" rewrite_contact: Option<&'a str>,
        /// The endpoint's `user_eq_phone` option.
        "UserEqPhone" user_eq_phone: Option<&'a str>,
        /// The endpoint's `rtp_engine` option.
        "RtpEngine" rtp_engine: Option<&'a str>,
        /// The endpoint's `follow_redirect_methods` option.
        "FollowRedirectMethods" follow_redirect_methods: Option<&'a str>,
        /// The endpoint's `subscribe_context` option.
        "SubscribeContext" subscribe_context: Option<&'a str>,
        /// The endpoint's `notify_early_inuse_ringing` option.
        "NotifyEarlyInuseRinging" notify_early_inuse_ringing: Option<&'a str>,
        /// The endpoint's `incoming_mwi_mailbox` option.
        "IncomingMwiMailbox" incoming_mwi_mailbox: Option<&'a str>,
        /// The endpoint's `incoming_call_offer_pref` option.
        "IncomingCallOfferPref" incoming_call_offer_pref: Option<&'a str>,
        /// The endpoint's `allow_unauthenticated_options` option.
        "AllowUnauthenticatedOptions" allow_unauthenticated_options: Option<&'a str>,
        /// The endpoint's `auth` option.
        "Auth" auth: Option<&'a str>,
        /// The endpoint's `direct_media_glare_mitigation` option.
        "DirectMediaGlareMitigation" direct_media_glare_mitigation: Option<&'a str>,
        /// The endpoint's `trust_id_inbound` option.
        "TrustIdInbound" trust_id_inbound: Option<&'a str>,
        /// The endpoint's `stir_shaken_profile` option.
        "StirShakenProfile" stir_shaken_profile: Option<&'a str>,
        /// The endpoint's `bind_rtp_to_media_address` option.
        "BindRtpToMediaAddress" bind_rtp_to_media_address: Option<&'a str>,
        /// The endpoint's `disable_direct_media_on_nat` option.
        "DisableDirectMediaOnNat" disable_direct_media_on_nat: Option<&'a str>,
        /// The endpoint's `media_encryption` option.
        "MediaEncryption" media_encryption: Option<&'a str>,
        /// The endpoint's `media_use_received_transport` option.
        "MediaUseReceivedTransport" media_use_received_transport: Option<&'a str>,
        /// The endpoint's `allow_overlap` option.
        "AllowOverlap" allow_overlap: Option<&'a str>,
        /// The endpoint's `dtmf_mode` option.
        "DtmfMode" dtmf_mode: Option<&'a str>,
        /// The endpoint's `outbound_auth` option.
        "OutboundAuth" outbound_auth: Option<&'a str>,
        /// The endpoint's `tos_audio` option.
        "TosAudio" tos_audio: Option<&'a str>,
        /// The endpoint's `dtls_cert_file` option.
        "DtlsCertFile" dtls_cert_file: Option<&'a str>,
        /// The endpoint's `dtls_ca_path` option.
        "DtlsCaPath" dtls_ca_path: Option<&'a str>,
        /// The endpoint's `dtls_setup` option.
        "DtlsSetup" dtls_setup: Option<&'a str>,
        /// The endpoint's `connected_line_method` option.
        "ConnectedLineMethod" connected_line_method: Option<&'a str>,
        /// The endpoint's `g726_non_standard` option.
        "G726NonStandard" g726_non_standard: Option<&'a str>,
        /// The endpoint's `x_100rel` option.
        "100rel" x_100rel: Option<&'a str>,
        /// The endpoint's `timers` option.
        "Timers" timers: Option<&'a str>,
        /// The endpoint's `direct_media` option.
        "DirectMedia" direct_media: Option<&'a str>,
        /// The endpoint's `acl` option.
        "Acl" acl: Option<&'a str>,
        /// The endpoint's `timers_min_se` option.
        "TimersMinSe" timers_min_se: Option<&'a str>,
        /// The endpoint's `trust_id_outbound` option.
        "TrustIdOutbound" trust_id_outbound: Option<&'a str>,
        /// The endpoint's `sub_min_expiry` option.
        "SubMinExpiry" sub_min_expiry: Option<&'a str>,
        /// The endpoint's `rtcp_mux` option.
        "RtcpMux" rtcp_mux: Option<&'a str>,
        /// The endpoint's `max_video_streams` option.
        "MaxVideoStreams" max_video_streams: Option<&'a str>,
        /// The endpoint's `accept_multiple_sdp_answers` option.
        "AcceptMultipleSdpAnswers" accept_multiple_sdp_answers: Option<&'a str>,
        /// The endpoint's `codec_prefs_incoming_offer` option.
        "CodecPrefsIncomingOffer" codec_prefs_incoming_offer: Option<&'a str>,
        /// The endpoint's `codec_prefs_outgoing_offer` option.
        "CodecPrefsOutgoingOffer" codec_prefs_outgoing_offer: Option<&'a str>,
        /// The endpoint's `trust_connected_line` option.
        "TrustConnectedLine" trust_connected_line: Option<&'a str>,
        /// The endpoint's `send_pai` option.
        "SendPai" send_pai: Option<&'a str>,
        /// The endpoint's `rtp_keepalive` option.
        "RtpKeepalive" rtp_keepalive: Option<&'a str>,
        /// The endpoint's `t38_udptl_ec` option.
        "T38UdptlEc" t38_udptl_ec: Option<&'a str>,
        /// The endpoint's `t38_udptl_nat` option.
        "T38UdptlNat" t38_udptl_nat: Option<&'a str>,
        /// The endpoint's `allow_transfer` option.
        "AllowTransfer" allow_transfer: Option<&'a str>,
        /// The endpoint's `dtls_ca_file` option.
        "DtlsCaFile" dtls_ca_file: Option<&'a str>,
        /// The endpoint's `outbound_proxy` option.
        "OutboundProxy" outbound_proxy: Option<&'a str>,
        /// The endpoint's `inband_progress` option.
        "InbandProgress" inband_progress: Option<&'a str>,
        /// The endpoint's `device_state` option.
        "DeviceState" device_state: Option<&'a str>,
        /// The endpoint's `active_channels` option.
        "ActiveChannels" active_channels: Option<&'a str>,
    }

    /// Ends the answer to `PJSIPShowEndpoint`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    EndpointDetailComplete "EndpointDetailComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
    }

    /// One PJSIP AOR in the answer to `PJSIPShowAors`, with its `pjsip.conf` options.
    ///
    /// Modern dialect (Asterisk 12 and later).
    AorList "AorList" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `aor`.
        "ObjectType" object_type: Option<&'a str>,
        /// The AOR's name.
        "ObjectName" object_name: Option<&'a str>,
        /// The AOR's `minimum_expiration` option.
        "MinimumExpiration" minimum_expiration: Option<&'a str>,
        /// The AOR's `default_expiration` option.
        "DefaultExpiration" default_expiration: Option<&'a str>,
        /// The AOR's `qualify_timeout` option.
        "QualifyTimeout" qualify_timeout: Option<&'a str>,
        /// The AOR's `qualify2xx_only` option.
        "Qualify2xxOnly" qualify2xx_only: Option<&'a str>,
        /// The AOR's `mailboxes` option.
        "Mailboxes" mailboxes: Option<&'a str>,
        /// The AOR's `support_path` option.
        "SupportPath" support_path: Option<&'a str>,
        /// The AOR's `remove_unavailable` option.
        "RemoveUnavailable" remove_unavailable: Option<&'a str>,
        /// The AOR's `voicemail_extension` option.
        "VoicemailExtension" voicemail_extension: Option<&'a str>,
        /// The AOR's `max_contacts` option.
        "MaxContacts" max_contacts: Option<&'a str>,
        /// The AOR's `authenticate_qualify` option.
        "AuthenticateQualify" authenticate_qualify: Option<&'a str>,
        /// The AOR's `contacts` option.
        "Contacts" contacts: Option<&'a str>,
        /// The AOR's `maximum_expiration` option.
        "MaximumExpiration" maximum_expiration: Option<&'a str>,
        /// The AOR's `qualify_frequency` option.
        "QualifyFrequency" qualify_frequency: Option<&'a str>,
        /// The AOR's `remove_existing` option.
        "RemoveExisting" remove_existing: Option<&'a str>,
        /// The AOR's `outbound_proxy` option.
        "OutboundProxy" outbound_proxy: Option<&'a str>,
    }

    /// Ends the answer to `PJSIPShowAors`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    AorListComplete "AorListComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
    }

    /// One PJSIP AOR (address of record) in the answer to `PJSIPShowEndpoint`, with its
    /// `pjsip.conf` options.
    ///
    /// Modern dialect (Asterisk 12 and later).
    AorDetail "AorDetail" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `aor`.
        "ObjectType" object_type: Option<&'a str>,
        /// The AOR's name.
        "ObjectName" object_name: Option<&'a str>,
        /// The AOR's `minimum_expiration` option.
        "MinimumExpiration" minimum_expiration: Option<&'a str>,
        /// The AOR's `default_expiration` option.
        "DefaultExpiration" default_expiration: Option<&'a str>,
        /// The AOR's `qualify_timeout` option.
        "QualifyTimeout" qualify_timeout: Option<&'a str>,
        /// The AOR's `qualify2xx_only` option.
        "Qualify2xxOnly" qualify2xx_only: Option<&'a str>,
        /// The AOR's `mailboxes` option.
        "Mailboxes" mailboxes: Option<&'a str>,
        /// The AOR's `support_path` option.
        "SupportPath" support_path: Option<&'a str>,
        /// The AOR's `remove_unavailable` option.
        "RemoveUnavailable" remove_unavailable: Option<&'a str>,
        /// The AOR's `voicemail_extension` option.
        "VoicemailExtension" voicemail_extension: Option<&'a str>,
        /// The AOR's `max_contacts` option.
        "MaxContacts" max_contacts: Option<&'a str>,
        /// The AOR's `authenticate_qualify` option.
        "AuthenticateQualify" authenticate_qualify: Option<&'a str>,
        /// The AOR's `contacts` option.
        "Contacts" contacts: Option<&'a str>,
        /// The AOR's `maximum_expiration` option.
        "MaximumExpiration" maximum_expiration: Option<&'a str>,
        /// The AOR's `qualify_frequency` option.
        "QualifyFrequency" qualify_frequency: Option<&'a str>,
        /// The AOR's `remove_existing` option.
        "RemoveExisting" remove_existing: Option<&'a str>,
        /// The AOR's `outbound_proxy` option.
        "OutboundProxy" outbound_proxy: Option<&'a str>,
        /// The number of contacts the AOR has.
        "TotalContacts" total_contacts: Option<u32>,
        /// The number of those that registered.
        "ContactsRegistered" contacts_registered: Option<u32>,
        /// The endpoint the object belongs to.
        "EndpointName" endpoint_name: Option<&'a str>,
    }

    /// One PJSIP auth section in the answer to `PJSIPShowEndpoint`, with its `pjsip.conf` options.
    ///
    /// Modern dialect (Asterisk 12 and later).
    AuthDetail "AuthDetail" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `auth`.
        "ObjectType" object_type: Option<&'a str>,
        /// The auth's name.
        "ObjectName" object_name: Option<&'a str>,
        /// The auth's `oauth_secret` option.
        "OauthSecret" oauth_secret: Option<&'a str>,
        /// The auth's `password_digest` option.
        "PasswordDigest" password_digest: Option<&'a str>,
        /// The auth's `supported_algorithms_uas` option.
        "SupportedAlgorithmsUas" supported_algorithms_uas: Option<&'a str>,
        /// The auth's `refresh_token` option.
        "RefreshToken" refresh_token: Option<&'a str>,
        /// The auth's `username` option.
        "Username" username: Option<&'a str>,
        /// The auth's `md5_cred` option.
        "Md5Cred" md5_cred: Option<&'a str>,
        /// The auth's `realm` option.
        "Realm" realm: Option<&'a str>,
        /// The auth's `auth_type` option.
        "AuthType" auth_type: Option<&'a str>,
        /// The auth's `password` option.
        "Password" password: Option<&'a str>,
        /// The auth's `supported_algorithms_uac` option.
        "SupportedAlgorithmsUac" supported_algorithms_uac: Option<&'a str>,
        /// The auth's `nonce_lifetime` option.
        "NonceLifetime" nonce_lifetime: Option<&'a str>,
        /// The auth's `oauth_clientid` option.
        "OauthClientid" oauth_clientid: Option<&'a str>,
        /// The endpoint the object belongs to.
        "EndpointName" endpoint_name: Option<&'a str>,
    }

    /// One PJSIP contact in the answer to `PJSIPShowContacts`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    ContactList "ContactList" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `contact`.
        "ObjectType" object_type: Option<&'a str>,
        /// The contact's ID (`aor;@hash`).
        "ObjectName" object_name: Option<&'a str>,
        /// The Via address of the registration.
        "ViaAddr" via_addr: Option<&'a str>,
        /// Seconds to wait for a qualify answer.
        "QualifyTimeout" qualify_timeout: Option<&'a str>,
        /// Whether only a 2xx answer counts as reachable.
        "Qualify2xxOnly" qualify2xx_only: Option<&'a str>,
        /// The Call-ID of the registration.
        "CallId" call_id: Option<&'a str>,
        /// The server that took the registration.
        "RegServer" reg_server: Option<&'a str>,
        /// Whether the contact is removed at start-up.
        "PruneOnBoot" prune_on_boot: Option<&'a str>,
        /// The Path header of the registration.
        "Path" path: Option<&'a str>,
        /// The endpoint the contact belongs to.
        "Endpoint" endpoint: Option<&'a str>,
        /// The Via port of the registration.
        "ViaPort" via_port: Option<&'a str>,
        /// Whether qualify requests are authenticated.
        "AuthenticateQualify" authenticate_qualify: Option<&'a str>,
        /// The contact's SIP URI.
        "Uri" uri: Option<&'a str>,
        /// Seconds between qualify requests (0: never).
        "QualifyFrequency" qualify_frequency: Option<&'a str>,
        /// The User-Agent of the registering device.
        "UserAgent" user_agent: Option<&'a str>,
        /// When the contact expires, seconds since the epoch.
        "ExpirationTime" expiration_time: Option<&'a str>,
        /// The outbound proxy used to reach the contact.
        "OutboundProxy" outbound_proxy: Option<&'a str>,
        /// `Reachable`, `Unreachable`, `Unqualified` or `Unknown`.
        "Status" status: Option<&'a str>,
        /// The round-trip time of the last qualify, in microseconds.
        "RoundtripUsec" roundtrip_usec: Option<&'a str>,
    }

    /// Ends the answer to `PJSIPShowContacts`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    ContactListComplete "ContactListComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
    }

    /// One PJSIP AOR that accepts registrations, in the answer to `PJSIPShowRegistrationsInbound`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    InboundRegistrationDetail "InboundRegistrationDetail" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `aor`.
        "ObjectType" object_type: Option<&'a str>,
        /// The AOR's name.
        "ObjectName" object_name: Option<&'a str>,
        /// The AOR's `minimum_expiration` option.
        "MinimumExpiration" minimum_expiration: Option<&'a str>,
        /// The AOR's `default_expiration` option.
        "DefaultExpiration" default_expiration: Option<&'a str>,
        /// The AOR's `qualify_timeout` option.
        "QualifyTimeout" qualify_timeout: Option<&'a str>,
        /// The AOR's `qualify2xx_only` option.
        "Qualify2xxOnly" qualify2xx_only: Option<&'a str>,
        /// The AOR's `mailboxes` option.
        "Mailboxes" mailboxes: Option<&'a str>,
        /// The AOR's `support_path` option.
        "SupportPath" support_path: Option<&'a str>,
        /// The AOR's `remove_unavailable` option.
        "RemoveUnavailable" remove_unavailable: Option<&'a str>,
        /// The AOR's `voicemail_extension` option.
        "VoicemailExtension" voicemail_extension: Option<&'a str>,
        /// The AOR's `max_contacts` option.
        "MaxContacts" max_contacts: Option<&'a str>,
        /// The AOR's `authenticate_qualify` option.
        "AuthenticateQualify" authenticate_qualify: Option<&'a str>,
        /// The AOR's permanent contacts.
        "Contact" contact: Option<&'a str>,
        /// The AOR's `maximum_expiration` option.
        "MaximumExpiration" maximum_expiration: Option<&'a str>,
        /// The AOR's `qualify_frequency` option.
        "QualifyFrequency" qualify_frequency: Option<&'a str>,
        /// The AOR's `remove_existing` option.
        "RemoveExisting" remove_existing: Option<&'a str>,
        /// The AOR's `outbound_proxy` option.
        "OutboundProxy" outbound_proxy: Option<&'a str>,
        /// The AOR's `contacts` option.
        "Contacts" contacts: Option<&'a str>,
    }

    /// Ends the answer to `PJSIPShowRegistrationsInbound`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    InboundRegistrationDetailComplete "InboundRegistrationDetailComplete" {
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
    }

    /// Ends the answer to `PJSIPShowRegistrationsInbound` and `PJSIPShowRegistrationsOutbound`.
    ///
    /// Modern dialect (Asterisk 12 and later).
    RegistrationsComplete "RegistrationsComplete" {
        /// `Complete` on the last event of a list.
        "EventList" event_list: Option<&'a str>,
        /// The number of items the list sent.
        "ListItems" list_items: Option<u32>,
        /// The `ActionID` of the action this event answers, if it gave one.
        "ActionID" action_id: Option<&'a str>,
    }
}
