//! Registration of one account (RFC 3261 §10, RFC 5626 outbound and keep-alives): REGISTER
//! and its refresh, 423 Min-Expires, retry with backoff, NAT learning from `received`/`rport`
//! with re-registration of a corrected Contact, unregistration, and keep-alives.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::config::{
    AccountConfig, PONG_TIMEOUT, REGISTER_REFRESH_MARGIN, REGISTER_RETRY_BASE, REGISTER_RETRY_MAX,
};
use super::dialog::uri_of;
use super::digest::DigestError;
use super::endpoint::{Endpoint, Reply, TxOwner, public_address};
use super::event::{AccountHandle, Event, RegistrationError, RegistrationEvent, UaError};
use super::request::OutRequest;
use super::transaction::ClientKey;
use super::transport::{Remote, Transmit};

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegState {
    /// Never registered, or unregistered.
    Idle,
    /// A REGISTER is out (first one, refresh or retry).
    Registering,
    /// Bound at the registrar.
    Registered,
    /// The Expires: 0 REGISTER is out.
    Unregistering,
    /// The last attempt failed; a retry is scheduled.
    Failed,
}

/// The delay before refreshing a registration granted for `granted`.
#[must_use]
pub fn refresh_delay(granted: Duration) -> Duration {
    granted - (granted / 2).min(REGISTER_REFRESH_MARGIN)
}

#[derive(Debug)]
pub(crate) struct Registration {
    pub(crate) config: AccountConfig,
    pub(crate) call_id: String,
    from_tag: String,
    cseq: u32,
    pub(crate) state: RegState,
    pending: Option<ClientKey>,
    /// The address the registrar sees us at (`received`, `rport`).
    pub(crate) public: Option<(String, u16)>,
    /// The Contact value bound at the registrar.
    bound: Option<String>,
    /// A stale Contact to remove with the next REGISTER (`;expires=0`).
    remove: Option<String>,
    /// Expires asked for (raised by 423).
    expires: u32,
    refresh_at: Option<Instant>,
    retry_at: Option<Instant>,
    failures: u32,
    /// The connection the registration lives on (learned from the response).
    pub(crate) remote: Remote,
    keepalive_at: Option<Instant>,
    pong_deadline: Option<Instant>,
    /// The registrar said `Require: outbound`/`Supported: outbound`: it answers pings.
    outbound_ok: bool,
    keepalive_key: Option<ClientKey>,
    /// The last challenge answered (`true` for Proxy-Authenticate), as `scheme params`:
    /// refreshes carry credentials for it at once, with the next nonce count.
    pub(crate) last_challenge: Option<(bool, String)>,
}

impl Registration {
    pub(crate) fn new(config: AccountConfig, call_id: String) -> Self {
        let tag = call_id.chars().rev().take(10).collect();
        Self {
            remote: config.proxy,
            expires: config.expires,
            config,
            call_id,
            from_tag: tag,
            cseq: 0,
            state: RegState::Idle,
            pending: None,
            public: None,
            bound: None,
            remove: None,
            refresh_at: None,
            retry_at: None,
            failures: 0,
            keepalive_at: None,
            pong_deadline: None,
            outbound_ok: false,
            keepalive_key: None,
            last_challenge: None,
        }
    }

    pub(crate) fn next_cseq(&mut self) -> u32 {
        self.cseq = self.cseq.wrapping_add(1);
        self.cseq
    }

    pub(crate) fn rekey(&mut self, old: &ClientKey, new: &ClientKey) {
        if self.pending.as_ref() == Some(old) {
            self.pending = Some(new.clone());
        }
        if self.keepalive_key.as_ref() == Some(old) {
            self.keepalive_key = Some(new.clone());
        }
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        [
            self.refresh_at,
            self.retry_at,
            self.keepalive_at,
            self.pong_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub(crate) fn is_idle(&self) -> bool {
        self.pending.is_none() && matches!(self.state, RegState::Idle | RegState::Failed)
            || (self.pending.is_none()
                && !self.config.register
                && self.state != RegState::Registered)
    }
}

impl Endpoint {
    /// Sends a REGISTER for `account` now (first registration, or a manual refresh).
    pub fn register(&mut self, account: AccountHandle, now: Instant) -> Result<(), UaError> {
        self.send_register(account, false, now)
    }

    /// Removes the binding (REGISTER with Expires: 0); [`RegistrationEvent::Unregistered`]
    /// follows.
    pub fn unregister(&mut self, account: AccountHandle, now: Instant) -> Result<(), UaError> {
        let reg = self
            .accounts
            .get_mut(&account)
            .ok_or(UaError::NoSuchAccount)?;
        reg.refresh_at = None;
        reg.retry_at = None;
        reg.keepalive_at = None;
        reg.pong_deadline = None;
        if reg.bound.is_none() && reg.state != RegState::Registering {
            reg.state = RegState::Idle;
            if let Some(k) = reg.pending.take() {
                self.txs.remove_client(&k);
                self.sent.remove(&k);
            }
            self.emit(Event::Registration {
                account,
                event: RegistrationEvent::Unregistered,
            });
            return Ok(());
        }
        self.send_register(account, true, now)
    }

    /// Removes an account, unregistering it first when it is bound.
    pub fn remove_account(&mut self, account: AccountHandle, now: Instant) -> Result<(), UaError> {
        let bound = self
            .accounts
            .get(&account)
            .ok_or(UaError::NoSuchAccount)?
            .bound
            .is_some();
        if bound {
            self.unregister(account, now)?;
        }
        if let Some(reg) = self.accounts.remove(&account) {
            // The unregistration, if any, goes on without an owner to report to.
            if let Some(k) = reg.pending
                && let Some(req) = self.sent.get_mut(&k)
            {
                req.account = None;
            }
        }
        Ok(())
    }

    fn send_register(
        &mut self,
        account: AccountHandle,
        unregister: bool,
        now: Instant,
    ) -> Result<(), UaError> {
        let contact = self.contact_for(Some(account), self.account_transport(account)?)?;
        let reg = self
            .accounts
            .get_mut(&account)
            .ok_or(UaError::NoSuchAccount)?;
        if let Some(k) = reg.pending.take() {
            self.txs.remove_client(&k);
            self.sent.remove(&k);
        }
        let cfg = &reg.config;
        let aor = cfg.aor();
        let mut contact_value = contact.clone();
        if let Some(ob) = &cfg.outbound {
            // `;ob` inside the URI, instance and reg-id as header parameters (RFC 5626 §4.2).
            contact_value = format!(
                "{};reg-id={};+sip.instance=\"<{}>\"",
                contact, ob.reg_id, ob.instance
            );
        }
        let expires = if unregister { 0 } else { reg.expires };
        let mut contacts = String::new();
        if let Some(old) = reg.remove.as_ref().filter(|_| !unregister) {
            contacts.push_str(old);
            contacts.push_str(";expires=0, ");
        }
        match (&reg.bound, unregister) {
            (Some(b), true) => contacts.push_str(b),
            _ => contacts.push_str(&contact_value),
        }
        let remote = reg.remote;
        let domain = cfg.domain.clone();
        let has_outbound = cfg.outbound.is_some();
        let cseq = reg.next_cseq();
        let mut req = OutRequest::new("REGISTER", format!("sip:{domain}"), cseq, remote)
            .header("From", format!("<{aor}>;tag={}", reg.from_tag))
            .header("To", format!("<{aor}>"))
            .header("Call-ID", reg.call_id.clone())
            .header("Contact", contacts)
            .header("Expires", expires.to_string())
            .header("Allow", super::request::ALLOW);
        if has_outbound {
            req = req.header("Supported", "outbound, path");
        }
        req.account = Some(account);
        // Credentials for the last challenge, with the next nonce count; a stale or new
        // challenge is answered as usual (nothing is recorded as answered yet).
        if let Some((proxy, text)) = reg.last_challenge.clone()
            && let Ok(ch) = <crate::Challenge<'_> as crate::typed::FromValue<'_>>::parse_value(
                &text,
                crate::Mode::Lenient,
            )
        {
            let user = reg.config.auth_user().to_owned();
            let password = reg.config.password.clone();
            let cnonce = super::request::random_token(&mut self.rng, 16);
            let request = super::digest::DigestRequest {
                method: "REGISTER",
                uri: &req.uri,
                body: b"",
            };
            if let Ok(value) = self
                .digest
                .authorize(&ch, &user, &password, &request, &cnonce)
            {
                let name = if proxy {
                    "Proxy-Authorization"
                } else {
                    "Authorization"
                };
                req.auth.push((name, value));
            }
        }
        let Some(reg) = self.accounts.get_mut(&account) else {
            return Err(UaError::NoSuchAccount);
        };
        reg.state = if unregister {
            RegState::Unregistering
        } else {
            RegState::Registering
        };
        reg.refresh_at = None;
        reg.retry_at = None;
        if !unregister {
            reg.bound = Some(contact_value);
        }
        let key = self.send_request(req, TxOwner::Register(account), now)?;
        if let Some(reg) = self.accounts.get_mut(&account) {
            reg.pending = Some(key);
        }
        Ok(())
    }

    fn account_transport(
        &self,
        account: AccountHandle,
    ) -> Result<super::transport::TransportKind, UaError> {
        Ok(self
            .accounts
            .get(&account)
            .ok_or(UaError::NoSuchAccount)?
            .remote
            .transport)
    }

    pub(crate) fn on_register_reply(
        &mut self,
        account: AccountHandle,
        key: &ClientKey,
        reply: Reply<'_, '_>,
        from: Option<Remote>,
        now: Instant,
    ) {
        let status = reply.status();
        if status < 200 {
            return;
        }
        self.sent.remove(key);
        let Some(reg) = self.accounts.get_mut(&account) else {
            return;
        };
        if reg.pending.as_ref() != Some(key) {
            return;
        }
        reg.pending = None;
        if let Some(flow) = from.and_then(|f| f.flow) {
            reg.remote.flow = Some(flow);
        }
        if reg.state == RegState::Unregistering {
            reg.state = RegState::Idle;
            reg.bound = None;
            reg.remove = None;
            self.emit(Event::Registration {
                account,
                event: RegistrationEvent::Unregistered,
            });
            return;
        }
        match (status, reply.msg()) {
            (200..=299, Some(msg)) => {
                let requested = reg.expires;
                let ours = reg.bound.clone().unwrap_or_default();
                let granted = msg
                    .contacts()
                    .filter_map(Result::ok)
                    .find(|c| c.address().is_some_and(|a| a.uri.as_str() == uri_of(&ours)))
                    .and_then(|c| c.expires())
                    .or_else(|| msg.expires().ok().flatten())
                    .unwrap_or(requested);
                reg.outbound_ok = msg
                    .require()
                    .ok()
                    .flatten()
                    .is_some_and(|r| r.contains("outbound"));
                // NAT: the registrar saw another address than the one in our Contact.
                let learned = public_address(msg);
                let rewrite = reg.config.nat_contact_rewrite
                    && !reg.remote.transport.is_websocket()
                    && learned.is_some()
                    && learned != reg.public
                    && learned.as_ref().is_some_and(|(h, p)| {
                        let shown = uri_of(&ours);
                        !shown.contains(&super::transport::host_port(h, Some(*p)))
                    });
                if rewrite {
                    reg.public = learned;
                    reg.remove = reg.bound.take();
                    let _ = self.send_register(account, false, now);
                    return;
                }
                reg.remove = None;
                reg.failures = 0;
                if granted == 0 {
                    reg.state = RegState::Idle;
                    reg.bound = None;
                    self.emit(Event::Registration {
                        account,
                        event: RegistrationEvent::Unregistered,
                    });
                    return;
                }
                reg.state = RegState::Registered;
                let granted = Duration::from_secs(u64::from(granted));
                reg.refresh_at = Some(now + refresh_delay(granted));
                reg.keepalive_at = reg.config.keepalive.map(|k| now + k);
                self.emit(Event::Registration {
                    account,
                    event: RegistrationEvent::Registered {
                        expires: granted,
                        contact: ours,
                    },
                });
            }
            (423, Some(msg)) => {
                let min = msg.min_expires().ok().flatten().unwrap_or(0);
                if min > reg.expires {
                    reg.expires = min;
                    let _ = self.send_register(account, false, now);
                } else {
                    self.registration_failed(account, RegistrationError::Rejected { status }, now);
                }
            }
            (403, _) => {
                self.registration_failed(account, RegistrationError::AuthRejected { status }, now);
            }
            (408, None) => self.registration_failed(account, RegistrationError::Timeout, now),
            (503, None) => self.registration_failed(account, RegistrationError::Transport, now),
            _ => self.registration_failed(account, RegistrationError::Rejected { status }, now),
        }
    }

    pub(crate) fn registration_auth_failed(
        &mut self,
        account: AccountHandle,
        status: u16,
        error: Option<DigestError>,
        now: Instant,
    ) {
        if let Some(reg) = self.accounts.get_mut(&account) {
            reg.pending = None;
            reg.last_challenge = None;
            if reg.state == RegState::Unregistering {
                reg.state = RegState::Idle;
                reg.bound = None;
                self.emit(Event::Registration {
                    account,
                    event: RegistrationEvent::Unregistered,
                });
                return;
            }
        }
        let err = match error {
            Some(e) => RegistrationError::AuthUnsupported(e),
            None => RegistrationError::AuthRejected { status },
        };
        self.registration_failed(account, err, now);
    }

    fn registration_failed(
        &mut self,
        account: AccountHandle,
        error: RegistrationError,
        now: Instant,
    ) {
        let Some(reg) = self.accounts.get_mut(&account) else {
            return;
        };
        reg.pending = None;
        reg.state = RegState::Failed;
        reg.bound = None;
        reg.keepalive_at = None;
        reg.pong_deadline = None;
        reg.remote.flow = None;
        reg.failures = reg.failures.saturating_add(1);
        let exp = reg.failures.saturating_sub(1).min(16);
        let full = REGISTER_RETRY_BASE
            .saturating_mul(1u32 << exp)
            .min(REGISTER_RETRY_MAX);
        // 50–100 % jitter so that phones behind one failed registrar do not come back together.
        let factor = 0.5 + self.rng.f64() / 2.0;
        let after = full.mul_f64(factor);
        if let Some(reg) = self.accounts.get_mut(&account) {
            reg.retry_at = Some(now + after);
        }
        self.emit(Event::Registration {
            account,
            event: RegistrationEvent::Failed(error),
        });
        self.emit(Event::Registration {
            account,
            event: RegistrationEvent::Retrying { after },
        });
    }

    pub(crate) fn registration_timeout(&mut self, account: AccountHandle, now: Instant) {
        let Some(reg) = self.accounts.get_mut(&account) else {
            return;
        };
        if reg.pong_deadline.is_some_and(|t| t <= now) {
            reg.pong_deadline = None;
            self.registration_failed(account, RegistrationError::FlowFailed, now);
            return;
        }
        if reg.refresh_at.is_some_and(|t| t <= now) || reg.retry_at.is_some_and(|t| t <= now) {
            reg.refresh_at = None;
            reg.retry_at = None;
            if self.send_register(account, false, now).is_err() {
                self.registration_failed(account, RegistrationError::Transport, now);
            }
            return;
        }
        if reg.keepalive_at.is_some_and(|t| t <= now) {
            let interval = reg.config.keepalive;
            reg.keepalive_at = interval.map(|k| now + k);
            let remote = reg.remote;
            if remote.transport.is_stream() {
                self.out
                    .push(Transmit::to(&remote, Bytes::from_static(b"\r\n\r\n")));
                if reg.outbound_ok {
                    reg.pong_deadline = Some(now + PONG_TIMEOUT);
                }
            } else if !remote.transport.is_websocket() && reg.keepalive_key.is_none() {
                let aor = reg.config.aor();
                let tag = reg.from_tag.clone();
                let call_id = format!("ka-{}", reg.call_id);
                let cseq = reg.next_cseq();
                let req = OutRequest::new(
                    "OPTIONS",
                    format!("sip:{}", reg.config.domain),
                    cseq,
                    remote,
                )
                .header("From", format!("<{aor}>;tag={tag}"))
                .header("To", format!("<sip:{}>", reg.config.domain))
                .header("Call-ID", call_id);
                if let Ok(k) = self.send_request(req, TxOwner::Keepalive(account), now)
                    && let Some(reg) = self.accounts.get_mut(&account)
                {
                    reg.keepalive_key = Some(k);
                }
            }
        }
    }

    pub(crate) fn on_keepalive_reply(
        &mut self,
        account: AccountHandle,
        key: &ClientKey,
        reply: Reply<'_, '_>,
        now: Instant,
    ) {
        if reply.status() < 200 {
            return;
        }
        self.sent.remove(key);
        let Some(reg) = self.accounts.get_mut(&account) else {
            return;
        };
        reg.keepalive_key = None;
        let Some(msg) = reply.msg() else {
            return;
        };
        // The NAT binding moved: register the new address.
        let learned = public_address(msg);
        if reg.state == RegState::Registered
            && reg.config.nat_contact_rewrite
            && learned.is_some()
            && reg.public.is_some()
            && learned != reg.public
        {
            reg.public = learned;
            reg.remove = reg.bound.take();
            let _ = self.send_register(account, false, now);
        }
    }

    pub(crate) fn on_pong(&mut self, from: &Remote) {
        for reg in self.accounts.values_mut() {
            if reg.remote.same_path(from) {
                reg.pong_deadline = None;
            }
        }
    }

    pub(crate) fn registration_flow_failed(
        &mut self,
        account: AccountHandle,
        remote: &Remote,
        now: Instant,
    ) {
        let Some(reg) = self.accounts.get(&account) else {
            return;
        };
        if reg.state == RegState::Registered
            && reg.remote.flow.is_some()
            && reg.remote.same_path(remote)
        {
            self.registration_failed(account, RegistrationError::Transport, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_rule() {
        assert_eq!(
            refresh_delay(Duration::from_secs(3600)),
            Duration::from_secs(3568)
        );
        assert_eq!(
            refresh_delay(Duration::from_secs(60)),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_delay(Duration::from_secs(10)),
            Duration::from_secs(5)
        );
    }
}
