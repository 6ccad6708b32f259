//! List actions and `Command`: channels, status, extension states, endpoints, peers.

use super::*;

impl PbxModel {
    pub(super) fn list_start(
        &mut self,
        sid: SessionId,
        id: Option<&str>,
        message: &str,
        eventlist: bool,
    ) {
        let mut o = Out::response("Success", id);
        if eventlist {
            o.f("EventList", "start");
        }
        o.f("Message", message);
        self.send(sid, o.finish());
    }

    pub(super) fn list_complete(&mut self, sid: SessionId, id: Option<&str>, name: &str, n: usize) {
        let mut o = Out::default();
        o.f("Event", name);
        if self.modern() {
            o.id(id);
            o.f("EventList", "Complete").f("ListItems", n);
        } else {
            o.f("EventList", "Complete").f("ListItems", n);
            o.id(id);
        }
        self.send(sid, o.finish());
    }

    pub(super) fn duration(&self, c: &Channel, now: Instant) -> String {
        let s = now.saturating_duration_since(c.created).as_secs();
        format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    }

    pub(super) fn bridged_with(&self, key: u64) -> Option<&Channel> {
        let c = self.channels.get(&key)?;
        let bridge = c.bridge.as_ref()?;
        self.channels
            .iter()
            .find(|(k, o)| **k != key && o.bridge.as_ref() == Some(bridge))
            .map(|(_, o)| o)
    }

    pub(super) fn core_show_channels(&mut self, sid: SessionId, id: Option<&str>, now: Instant) {
        self.list_start(sid, id, "Channels will follow", true);
        let mut items = Vec::new();
        for (k, c) in self.channels.iter().rev() {
            let mut o = Out::item("CoreShowChannel", id);
            if self.modern() {
                snapshot(&mut o, "", c);
                o.f("Application", &c.app)
                    .f("ApplicationData", &c.app_data)
                    .f("Duration", self.duration(c, now))
                    .f("BridgeId", c.bridge.as_deref().unwrap_or_default());
            } else {
                let peer = self.bridged_with(*k);
                o.f("Channel", &c.name)
                    .f("UniqueID", &c.uniqueid)
                    .f("Context", &c.context)
                    .f("Extension", &c.exten)
                    .f("Priority", c.priority)
                    .f("ChannelState", c.state.code())
                    .f("ChannelStateDesc", c.state.desc())
                    .f("Application", &c.app)
                    .f("ApplicationData", &c.app_data)
                    .f("CallerIDnum", &c.cid_num)
                    .f("Duration", self.duration(c, now))
                    .f("AccountCode", "")
                    .f(
                        "BridgedChannel",
                        peer.map(|p| p.name.as_str()).unwrap_or(""),
                    )
                    .f(
                        "BridgedUniqueID",
                        peer.map(|p| p.uniqueid.as_str()).unwrap_or(""),
                    );
            }
            items.push(o.finish());
        }
        let n = items.len();
        for item in items {
            self.send(sid, item);
        }
        self.list_complete(sid, id, "CoreShowChannelsComplete", n);
    }

    pub(super) fn status(
        &mut self,
        sid: SessionId,
        m: &Message<'_>,
        id: Option<&str>,
        now: Instant,
    ) {
        let only = m.get("Channel").filter(|c| !c.is_empty());
        let keys: Vec<u64> = match only {
            Some(name) => match self.find_channel(name) {
                Some(k) => vec![k],
                None => {
                    self.send(sid, Out::error(id, "No such channel"));
                    return;
                }
            },
            None => self.channels.keys().rev().copied().collect(),
        };
        let modern = self.modern();
        self.list_start(sid, id, "Channel status will follow", modern);
        let mut items = Vec::new();
        for k in &keys {
            let Some(c) = self.channels.get(k) else {
                continue;
            };
            let secs = now.saturating_duration_since(c.created).as_secs();
            let mut o = Out::event("Status", "Call");
            if modern {
                snapshot(&mut o, "", c);
                o.f("Type", "PJSIP")
                    .f("DNID", if c.exten == "s" { "" } else { &c.exten })
                    .f("EffectiveConnectedLineNum", or_unknown(&c.conn_num))
                    .f("EffectiveConnectedLineName", or_unknown(&c.conn_name))
                    .f("TimeToHangup", 0)
                    .f("BridgeID", c.bridge.as_deref().unwrap_or_default())
                    .f("Application", &c.app)
                    .f("Data", &c.app_data)
                    .f("Nativeformats", "(ulaw)")
                    .f("Readformat", "ulaw")
                    .f("Readtrans", "")
                    .f("Writeformat", "ulaw")
                    .f("Writetrans", "")
                    .f("Callgroup", 0)
                    .f("Pickupgroup", 0)
                    .f("Seconds", secs);
            } else {
                let peer = self.bridged_with(*k);
                o.f("Channel", &c.name)
                    .f("CallerIDNum", &c.cid_num)
                    .f("CallerIDName", &c.cid_name)
                    .f("ConnectedLineNum", &c.conn_num)
                    .f("ConnectedLineName", &c.conn_name)
                    .f("Accountcode", "")
                    .f("ChannelState", c.state.code())
                    .f("ChannelStateDesc", c.state.desc())
                    .f("Context", &c.context)
                    .f("Extension", &c.exten)
                    .f("Priority", c.priority)
                    .f("Seconds", secs)
                    .f(
                        "BridgedChannel",
                        peer.map(|p| p.name.as_str()).unwrap_or(""),
                    )
                    .f(
                        "BridgedUniqueid",
                        peer.map(|p| p.uniqueid.as_str()).unwrap_or(""),
                    )
                    .f("Uniqueid", &c.uniqueid);
            }
            o.id(id);
            items.push(o.finish());
        }
        let n = items.len();
        for item in items {
            self.send(sid, item);
        }
        let mut o = Out::item("StatusComplete", id);
        if modern {
            o.f("EventList", "Complete").f("ListItems", n);
        }
        o.f("Items", n);
        self.send(sid, o.finish());
    }

    pub(super) fn ext_status(&self, ext: &str) -> i32 {
        let Some(ep) = self.endpoints.get(ext) else {
            return -1;
        };
        let mine: Vec<&Channel> = self.channels.values().filter(|c| c.ext == ext).collect();
        if mine.is_empty() {
            return if ep.registered { 0 } else { 4 };
        }
        if mine.iter().any(|c| c.held) {
            16
        } else if mine.iter().any(|c| c.state == ChanState::Up) {
            1
        } else if mine.iter().any(|c| c.state == ChanState::Ringing) {
            8
        } else {
            1
        }
    }

    pub(super) fn extension_state(&mut self, sid: SessionId, m: &Message<'_>, id: Option<&str>) {
        let exten = m.get("Exten").unwrap_or_default();
        let context = m.get("Context").unwrap_or(&self.cfg.context).to_owned();
        let known = self.endpoints.contains_key(exten) && context == self.cfg.context;
        let status = if known { self.ext_status(exten) } else { -1 };
        let mut o = Out::response("Success", id);
        o.f("Message", "Extension Status")
            .f("Exten", exten)
            .f("Context", &context)
            .f(
                "Hint",
                if known {
                    format!("{}/{exten}", self.tech())
                } else {
                    String::new()
                },
            )
            .f("Status", status);
        if self.modern() {
            o.f("StatusText", status_text(status));
        }
        self.send(sid, o.finish());
    }

    pub(super) fn extension_state_list(&mut self, sid: SessionId, id: Option<&str>) {
        self.list_start(sid, id, "Extension Statuses will follow", true);
        let exts: Vec<String> = self.endpoints.keys().cloned().collect();
        for ext in &exts {
            let status = self.ext_status(ext);
            let mut o = Out::item("ExtensionStatus", id);
            o.f("Exten", ext)
                .f("Context", &self.cfg.context)
                .f("Hint", format!("{}/{ext}", self.tech()))
                .f("Status", status)
                .f("StatusText", status_text(status));
            self.send(sid, o.finish());
        }
        self.list_complete(sid, id, "ExtensionStateListComplete", exts.len());
    }

    pub(super) fn pjsip_endpoints(&mut self, sid: SessionId, id: Option<&str>) {
        self.list_start(
            sid,
            id,
            "A listing of Endpoints follows, presented as EndpointList events",
            true,
        );
        let exts: Vec<(String, Endpoint)> = self
            .endpoints
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (ext, ep) in &exts {
            let status = self.ext_status(ext);
            let active = self.channels.values().filter(|c| &c.ext == ext).count();
            let contacts = if ep.registered {
                format!("{ext}/sip:{ext}@127.0.0.1:{},", ep.port)
            } else {
                String::new()
            };
            let mut o = Out::item("EndpointList", id);
            o.f("ObjectType", "endpoint")
                .f("ObjectName", ext)
                .f("Transport", "")
                .f("Aor", ext)
                .f("Auths", ext)
                .f("OutboundAuths", "")
                .f("Contacts", contacts)
                .f("DeviceState", endpoint_state_text(status))
                .f("ActiveChannels", active);
            self.send(sid, o.finish());
        }
        self.list_complete(sid, id, "EndpointListComplete", exts.len());
    }

    pub(super) fn sip_peers(&mut self, sid: SessionId, id: Option<&str>) {
        let mut o = Out::response("Success", id);
        o.f("EventList", "start")
            .f("Message", "Peer status list will follow");
        self.send(sid, o.finish());
        let exts: Vec<(String, Endpoint)> = self
            .endpoints
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (ext, ep) in &exts {
            let mut o = Out::item("PeerEntry", id);
            o.f("Channeltype", "SIP")
                .f("ObjectName", ext)
                .f("ChanObjectType", "peer")
                .f(
                    "IPaddress",
                    if ep.registered { "127.0.0.1" } else { "-none-" },
                )
                .f("IPport", if ep.registered { ep.port } else { 0 })
                .f("Dynamic", "yes")
                .f("Forcerport", "no")
                .f("VideoSupport", "no")
                .f("TextSupport", "no")
                .f("ACL", "no")
                .f("Status", "Unmonitored")
                .f("RealtimeDevice", "no");
            self.send(sid, o.finish());
        }
        self.list_complete(sid, id, "PeerlistComplete", exts.len());
    }

    pub(super) fn command(
        &mut self,
        sid: SessionId,
        m: &Message<'_>,
        id: Option<&str>,
        now: Instant,
    ) {
        let cmd = m.get("Command").unwrap_or_default().trim().to_owned();
        let lines: Option<Vec<String>> = match cmd.to_ascii_lowercase().as_str() {
            "core show version" => Some(vec![self.cfg.dialect.version_line().to_owned()]),
            "core show channels" => {
                let mut out = vec![format!(
                    "{:<20} {:<20} {:<7} {:<30}",
                    "Channel", "Location", "State", "Application(Data)"
                )];
                for c in self.channels.values() {
                    out.push(format!(
                        "{:<20} {:<20} {:<7} {:<30}",
                        c.name,
                        format!("{}@{}:{}", c.exten, c.context, c.priority),
                        c.state.desc(),
                        format!("{}({})", c.app, c.app_data)
                    ));
                }
                let n = self.channels.len();
                let s = |n: usize| if n == 1 { "" } else { "s" };
                out.push(format!("{n} active channel{}", s(n)));
                let calls = self.calls.len();
                out.push(format!("{calls} active call{}", s(calls)));
                let done = usize::try_from(self.processed_calls).unwrap_or(usize::MAX);
                out.push(format!("{done} call{} processed", s(done)));
                let _ = now;
                Some(out)
            }
            "core show hints" => Some(self.show_hints()),
            _ => None,
        };
        let ok = lines.is_some();
        let lines = lines.unwrap_or_else(|| {
            let words: Vec<&str> = cmd.split_whitespace().take(2).collect();
            vec![format!(
                "No such command '{cmd}' (type 'core show help {}' for other possible commands)",
                words.join(" ")
            )]
        });
        if self.modern() {
            let mut o = Out::response(if ok { "Success" } else { "Error" }, id);
            o.f("Message", "Command output follows");
            for line in &lines {
                o.f("Output", line);
            }
            self.send(sid, o.finish());
        } else {
            // Legacy: CRLF headers, then the CLI text with bare LF, then the terminator.
            let mut text = String::from("Response: Follows\r\nPrivilege: Command\r\n");
            if let Some(id) = id {
                text.push_str(&format!("ActionID: {id}\r\n"));
            }
            for line in &lines {
                text.push_str(&line.replace(['\r', '\n'], " "));
                text.push('\n');
            }
            text.push_str("--END COMMAND--\r\n\r\n");
            self.send(sid, Bytes::from(text));
        }
    }

    /// `core show hints` (`main/pbx.c` `handle_show_hints`): a blank line, the title, one line
    /// per hint, the footer. 1.8 prints `%20s@%-20.20s: %-20.20s  State:%-15.15s Watchers %2d`;
    /// 22 prints `%-30.30s: %-60.60s  State:%-15.15s Presence:%-15.15s Watchers %2zd`.
    pub(super) fn show_hints(&self) -> Vec<String> {
        let mut out = vec![
            String::new(),
            "    -= Registered Asterisk Dial Plan Hints =-".to_owned(),
        ];
        let tech = self.tech();
        for ext in self.endpoints.keys() {
            let state = hint_state_text(self.ext_status(ext));
            let device = format!("{tech}/{ext}");
            if self.modern() {
                let at = format!("{ext}@{}", self.cfg.context);
                out.push(format!(
                    "{at:<30.30}: {device:<60.60}  State:{state:<15.15} Presence:{:<15.15} Watchers {:>2}",
                    "not_set", 0
                ));
            } else {
                out.push(format!(
                    "   {ext:>20}@{:<20.20}: {device:<20.20}  State:{state:<15.15} Watchers {:>2}",
                    self.cfg.context, 0
                ));
            }
        }
        out.push("----------------".to_owned());
        out.push(format!("- {} hints registered", self.endpoints.len()));
        out
    }
}

/// `ast_extension_state2str`.
fn hint_state_text(status: i32) -> &'static str {
    match status {
        0 => "Idle",
        1 => "InUse",
        2 => "Busy",
        4 => "Unavailable",
        8 => "Ringing",
        9 => "InUse&Ringing",
        16 => "Hold",
        17 => "InUse&Hold",
        _ => "Unknown",
    }
}
