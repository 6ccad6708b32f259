//! Manager actions: dispatch, login, core queries, hangup, redirect.

use super::*;

impl PbxModel {
    pub(super) fn action(&mut self, sid: SessionId, m: &Message<'_>, now: Instant) {
        let id = m.action_id().map(str::to_owned);
        let id = id.as_deref();
        let Some(name) = m.get("Action") else {
            self.send(sid, Out::error(id, "Missing action in request"));
            return;
        };
        let lower = name.to_ascii_lowercase();
        let authed = self.sessions.get(&sid).is_some_and(|s| s.authed);
        match lower.as_str() {
            "login" => return self.login(sid, m, id, now),
            "challenge" => return self.challenge(sid, m, id),
            "logoff" => {
                let mut o = Out::response("Goodbye", id);
                o.f("Message", "Thanks for all the fish.");
                self.send(sid, o.finish());
                self.close(sid);
                return;
            }
            _ if !authed || !self.write_allows(&lower) => {
                self.send(sid, Out::error(id, "Permission denied"));
                return;
            }
            _ => {}
        }
        match lower.as_str() {
            "ping" => {
                let mut o = Out::response("Success", id);
                let ms = self.wall_ms(now);
                o.f("Ping", "Pong").f(
                    "Timestamp",
                    format!("{}.{:06}", ms / 1000, ms % 1000 * 1000),
                );
                self.send(sid, o.finish());
            }
            "events" => {
                let mask = Mask::parse(m.get("EventMask").unwrap_or("off"));
                let on = mask != Mask::Off;
                if let Some(s) = self.sessions.get_mut(&sid) {
                    s.mask = mask;
                }
                let mut o = Out::response("Success", id);
                o.f("Events", if on { "On" } else { "Off" });
                self.send(sid, o.finish());
            }
            "coresettings" => self.core_settings(sid, id),
            "corestatus" => self.core_status(sid, id, now),
            "originate" => self.originate(sid, m, id, now),
            "hangup" => self.ami_hangup(sid, m, id, now),
            "redirect" => self.redirect(sid, m, id, now),
            "coreshowchannels" => self.core_show_channels(sid, id, now),
            "status" => self.status(sid, m, id, now),
            "extensionstate" => self.extension_state(sid, m, id),
            "extensionstatelist" if self.modern() => self.extension_state_list(sid, id),
            "pjsipshowendpoints" if self.modern() => self.pjsip_endpoints(sid, id),
            "sippeers" if !self.modern() => self.sip_peers(sid, id),
            "command" => self.command(sid, m, id, now),
            "getvar" => {
                let mut o = Out::response("Success", id);
                o.f("Variable", m.get("Variable").unwrap_or_default())
                    .f("Value", "");
                self.send(sid, o.finish());
            }
            _ => {
                let msg = format!(
                    "Invalid/unknown command: {name}. Use Action: ListCommands to show available commands."
                );
                self.send(sid, Out::error(id, &msg));
            }
        }
    }

    /// Whether the manager user's `write` classes allow the action: each action needs one of
    /// its classes (the `authority` Asterisk registers it with; none for `Ping` and `Events`).
    fn write_allows(&self, action: &str) -> bool {
        let Some(granted) = &self.cfg.write_classes else {
            return true;
        };
        let needs: &[&str] = match action {
            "ping" | "events" => return true,
            "originate" => &["originate"],
            "hangup" => &["system", "call"],
            "redirect" => &["call"],
            "command" => &["command"],
            "pjsipshowendpoints" => &["system"],
            "status" => &["system", "call", "reporting"],
            "extensionstate" | "extensionstatelist" | "getvar" => &["call", "reporting"],
            _ => &["system", "reporting"],
        };
        needs
            .iter()
            .any(|class| granted.iter().any(|g| g == class || g == "all"))
    }

    pub(super) fn login(
        &mut self,
        sid: SessionId,
        m: &Message<'_>,
        id: Option<&str>,
        now: Instant,
    ) {
        let user_ok = m.get("Username") == Some(self.cfg.username.as_str());
        let md5 = m
            .get("AuthType")
            .is_some_and(|t| t.eq_ignore_ascii_case("md5"));
        let challenge = self.sessions.get(&sid).and_then(|s| s.challenge.clone());
        let secret_ok = if md5 {
            match (challenge, m.get("Key")) {
                (Some(ch), Some(key)) => {
                    let digest = Md5::digest(format!("{ch}{}", self.cfg.secret).as_bytes());
                    hex::encode(digest).eq_ignore_ascii_case(key)
                }
                _ => false,
            }
        } else {
            m.get("Secret") == Some(self.cfg.secret.as_str())
        };
        let denied = self
            .sessions
            .get(&sid)
            .and_then(|s| s.remote_ip)
            .is_some_and(|ip| self.cfg.denied_addresses.contains(&ip));
        if denied || !(user_ok && secret_ok) {
            if let Some(s) = self.sessions.get_mut(&sid) {
                s.closing = true;
            }
            let at = now + self.cfg.auth_failure_delay;
            self.schedule(at, Timer::AuthFail(sid, id.map(str::to_owned)));
            return;
        }
        let mask = Mask::parse(m.get("Events").unwrap_or("on"));
        if let Some(s) = self.sessions.get_mut(&sid) {
            s.authed = true;
            s.mask = mask;
        }
        self.send(sid, Out::success(id, "Authentication accepted"));
        if self.session_allows(sid, Class::System) {
            let mut o = Out::event("FullyBooted", P_SYSTEM);
            if self.modern() {
                let up = now.saturating_duration_since(self.start).as_secs();
                o.f("Uptime", up).f("LastReload", up);
            }
            o.f("Status", "Fully Booted");
            self.send(sid, o.finish());
        }
        if self.modern() {
            let Some(s) = self.sessions.get(&sid) else {
                return;
            };
            let tv = event_tv(self.wall_ms(now));
            let mut o = Out::event("SuccessfulAuth", P_SECURITY);
            o.f("EventTV", &tv)
                .f("Severity", "Informational")
                .f("Service", "AMI")
                .f("EventVersion", 1)
                .f("AccountID", &self.cfg.username)
                .f("SessionID", &s.tag)
                .f("LocalAddress", &s.local)
                .f("RemoteAddress", &s.remote)
                .f("UsingPassword", 0)
                .f("SessionTV", &tv);
            self.emit(Class::Security, o);
        }
    }

    pub(super) fn challenge(&mut self, sid: SessionId, m: &Message<'_>, id: Option<&str>) {
        let md5 = m
            .get("AuthType")
            .is_some_and(|t| t.eq_ignore_ascii_case("md5"));
        if !md5 {
            self.send(sid, Out::error(id, "Must specify AuthType"));
            return;
        }
        let challenge = self.rng.u32(100_000_000..1_000_000_000).to_string();
        if let Some(s) = self.sessions.get_mut(&sid) {
            s.challenge = Some(challenge.clone());
        }
        let mut o = Out::response("Success", id);
        o.f("Challenge", challenge);
        self.send(sid, o.finish());
    }

    pub(super) fn core_settings(&mut self, sid: SessionId, id: Option<&str>) {
        let modern = self.modern();
        let mut o = Out::response("Success", id);
        o.f("AMIversion", if modern { "11.0.0" } else { "1.1" })
            .f(
                "AsteriskVersion",
                if modern { "22.10.1" } else { "1.8.32.3" },
            )
            .f("SystemName", "")
            .f("CoreMaxCalls", 0)
            .f("CoreMaxLoadAvg", "0.000000")
            .f("CoreRunUser", "")
            .f("CoreRunGroup", "")
            .f("CoreMaxFilehandles", 0)
            .f("CoreRealTimeEnabled", "No")
            .f("CoreCDRenabled", "Yes")
            .f("CoreHTTPenabled", "No");
        if modern {
            o.f("SoundsSearchCustomDir", "No");
        }
        self.send(sid, o.finish());
    }

    pub(super) fn core_status(&mut self, sid: SessionId, id: Option<&str>, now: Instant) {
        let (date, time) = date_and_time(self.wall_start_ms);
        let _ = now;
        let mut o = Out::response("Success", id);
        o.f("CoreStartupDate", &date)
            .f("CoreStartupTime", &time)
            .f("CoreReloadDate", &date)
            .f("CoreReloadTime", &time)
            .f("CoreCurrentCalls", self.calls.len());
        if self.modern() {
            o.f("CoreProcessedCalls", self.processed_calls);
        }
        self.send(sid, o.finish());
    }

    pub(super) fn find_channel(&self, name: &str) -> Option<u64> {
        self.channels
            .iter()
            .find(|(_, c)| c.name == name)
            .map(|(k, _)| *k)
    }

    pub(super) fn ami_hangup(
        &mut self,
        sid: SessionId,
        m: &Message<'_>,
        id: Option<&str>,
        now: Instant,
    ) {
        let Some(name) = m.get("Channel") else {
            self.send(sid, Out::error(id, "No channel specified"));
            return;
        };
        let Some(key) = self.find_channel(name) else {
            self.send(sid, Out::error(id, "No such channel"));
            return;
        };
        let cause = m
            .get("Cause")
            .and_then(|c| c.trim().parse::<u16>().ok())
            .unwrap_or(16);
        self.send(sid, Out::success(id, "Channel Hungup"));
        // A manager hangup: the PBX, not a phone, ended the call.
        if let Some(t) = self
            .channels
            .get(&key)
            .map(|c| c.call)
            .and_then(|c| self.truth(c))
        {
            t.ended_by(None);
        }
        self.hangup_channel(key, cause, now);
    }

    /// Hangs a live channel up with `cause`, ending its call the way the PBX would.
    pub fn hangup(&mut self, channel: &str, cause: u16, now: Instant) -> Result<(), SimError> {
        self.now = now;
        let key = self
            .find_channel(channel)
            .ok_or_else(|| SimError::NoSuchChannel(channel.into()))?;
        self.hangup_channel(key, cause, now);
        Ok(())
    }

    pub(super) fn hangup_channel(&mut self, key: u64, cause: u16, now: Instant) {
        let Some(cid) = self.channels.get(&key).map(|c| c.call) else {
            return;
        };
        let Some(call) = self.calls.get(&cid) else {
            return;
        };
        let is_a = call.a == key;
        if call.consult.is_some() {
            // Mid-consultation hangups are not modelled: the transfer finishes first.
            return;
        }
        match call.phase {
            Phase::Queued if is_a => return self.queue_abandon(cid, now),
            Phase::Queued => return,
            Phase::Conference => return self.conference_leave(cid, now),
            _ => {}
        }
        match (call.phase, call.b) {
            (Phase::Up, Some(_)) => {
                let who = if is_a { Party::Caller } else { Party::Callee };
                self.end_answered(cid, who, cause, now);
            }
            (Phase::Dialing | Phase::Ringing, Some(_)) if is_a => self.cancel(cid, cause, now),
            (Phase::Dialing | Phase::Ringing, Some(_)) => self.reject(cid, cause, now),
            _ => self.end_single(cid, cause, now),
        }
    }

    pub(super) fn redirect(
        &mut self,
        sid: SessionId,
        m: &Message<'_>,
        id: Option<&str>,
        now: Instant,
    ) {
        let Some(name) = m.get("Channel") else {
            self.send(sid, Out::error(id, "Channel not specified"));
            return;
        };
        let Some(key) = self.find_channel(name) else {
            self.send(sid, Out::error(id, "No such channel"));
            return;
        };
        let exten = m.get("Exten").unwrap_or_default().to_owned();
        let context = m
            .get("Context")
            .map(str::to_owned)
            .unwrap_or_else(|| self.cfg.context.clone());
        self.send(sid, Out::success(id, "Redirect successful"));
        self.redirect_channel(key, &exten, &context, now);
    }
}
