//! Manager sessions: connect, input, event fan-out.

use super::*;

impl PbxModel {
    /// A client connected: returns its session (the banner is queued for it).
    pub fn connect(
        &mut self,
        local: Option<std::net::SocketAddr>,
        remote: Option<std::net::SocketAddr>,
    ) -> Result<SessionId, SimError> {
        if self.sessions.len() >= self.cfg.max_sessions {
            return Err(SimError::TooManySessions);
        }
        let id = SessionId(self.next_session);
        self.next_session += 1;
        let addr = |a: Option<std::net::SocketAddr>| {
            a.map(|a| format!("IPV4/TCP/{}/{}", a.ip(), a.port()))
                .unwrap_or_else(|| "IPV4/TCP/127.0.0.1/0".into())
        };
        let session = Session {
            decoder: Decoder::without_banner(Limits::default()),
            buf: BytesMut::new(),
            authed: false,
            challenge: None,
            mask: Mask::All,
            held: None,
            closing: false,
            local: addr(local),
            remote: addr(remote),
            remote_ip: remote.map(|a| a.ip()),
            tag: format!("0x{:012x}", 0x7f00_0000_0000u64 + id.0 * 0x1460),
        };
        self.sessions.insert(id, session);
        let banner = format!("{}\r\n", self.cfg.dialect.banner());
        self.send(id, Bytes::from(banner));
        Ok(id)
    }

    /// The client closed its connection (or the driver dropped it).
    pub fn disconnect(&mut self, session: SessionId) {
        self.sessions.remove(&session);
    }

    /// Closes every session now, keeping calls and registrations: a reconnecting client finds the
    /// calls that ended or began while it was away.
    pub fn disconnect_all(&mut self) {
        let ids: Vec<SessionId> = self.sessions.keys().copied().collect();
        for id in ids {
            self.close(id);
        }
    }

    /// The number of open sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    pub(super) fn send(&mut self, session: SessionId, bytes: Bytes) {
        self.out.push_back(Output::Send { session, bytes });
    }

    pub(super) fn close(&mut self, session: SessionId) {
        self.sessions.remove(&session);
        self.out.push_back(Output::Close { session });
    }

    /// Bytes from a client: each complete action is answered.
    pub fn receive(&mut self, session: SessionId, bytes: &[u8], now: Instant) {
        self.now = now;
        let Some(s) = self.sessions.get_mut(&session) else {
            return;
        };
        if s.closing {
            return;
        }
        if s.buf.len() + bytes.len() > MAX_SESSION_INPUT {
            self.close(session);
            return;
        }
        s.buf.extend_from_slice(bytes);
        self.process(session, now);
    }

    pub(super) fn process(&mut self, sid: SessionId, now: Instant) {
        loop {
            let frame = {
                let Some(s) = self.sessions.get_mut(&sid) else {
                    return;
                };
                if s.held.is_some() || s.closing {
                    return;
                }
                match s.decoder.decode(&mut s.buf) {
                    Ok(Some(f)) => f,
                    Ok(None) => return,
                    // An oversized action: skip it, as Asterisk drops over-long lines.
                    Err(_) => continue,
                }
            };
            self.action(sid, &frame.message(), now);
        }
    }

    pub(super) fn session_allows(&self, sid: SessionId, class: Class) -> bool {
        self.sessions
            .get(&sid)
            .is_some_and(|s| s.authed && s.mask.allows(class))
    }

    /// Sends an event to every logged-in session that takes its class.
    pub(super) fn emit(&mut self, class: Class, out: Out) {
        let bytes = out.finish();
        for (id, s) in &mut self.sessions {
            if !s.authed || s.closing || !s.mask.allows(class) {
                continue;
            }
            match &mut s.held {
                Some(held) => {
                    if held.len() < MAX_HELD_EVENTS {
                        held.push_back(bytes.clone());
                    }
                }
                None => self.out.push_back(Output::Send {
                    session: *id,
                    bytes: bytes.clone(),
                }),
            }
        }
    }
}
