//! Registrations and extension status announcements.

use super::*;

impl PbxModel {
    /// Registers an extension's phone (`PeerStatus`, `ContactStatus`, extension status 0).
    pub fn register(&mut self, ext: &str, _now: Instant) -> Result<(), SimError> {
        self.set_registered(ext, true)
    }

    /// Unregisters an extension's phone (extension status 4, unavailable). Its calls go on.
    pub fn unregister(&mut self, ext: &str, _now: Instant) -> Result<(), SimError> {
        self.set_registered(ext, false)
    }

    /// Changes a registration and emits what each dialect says about it: modern `PeerStatus`
    /// Reachable/Unreachable and `ContactStatus` NonQualified/Removed; legacy `PeerStatus`
    /// Registered (with the address) / Unregistered (cause Expired).
    pub(super) fn set_registered(&mut self, ext: &str, registered: bool) -> Result<(), SimError> {
        let ep = self
            .endpoints
            .get_mut(ext)
            .ok_or_else(|| SimError::UnknownExtension(ext.into()))?;
        if ep.registered == registered {
            return Ok(());
        }
        ep.registered = registered;
        let port = ep.port;
        let mut o = Out::event("PeerStatus", P_SYSTEM);
        if self.modern() {
            o.f("ChannelType", "PJSIP")
                .f("Peer", format!("PJSIP/{ext}"))
                .f(
                    "PeerStatus",
                    if registered {
                        "Reachable"
                    } else {
                        "Unreachable"
                    },
                );
            self.emit(Class::System, o);
            self.refresh(ext);
            let mut o = Out::event("ContactStatus", P_SYSTEM);
            o.f("URI", format!("sip:{ext}@127.0.0.1:{port}"))
                .f(
                    "ContactStatus",
                    if registered {
                        "NonQualified"
                    } else {
                        "Removed"
                    },
                )
                .f("AOR", ext)
                .f("EndpointName", ext)
                .f("RoundtripUsec", 0);
            self.emit(Class::System, o);
        } else {
            o.f("ChannelType", "SIP").f("Peer", format!("SIP/{ext}"));
            if registered {
                o.f("PeerStatus", "Registered")
                    .f("Address", format!("127.0.0.1:{port}"));
            } else {
                o.f("PeerStatus", "Unregistered").f("Cause", "Expired");
            }
            self.emit(Class::System, o);
            self.refresh(ext);
        }
        Ok(())
    }

    /// Whether an extension's phone is registered (`None` for an unknown extension).
    pub fn is_registered(&self, ext: &str) -> Option<bool> {
        self.endpoints.get(ext).map(|e| e.registered)
    }

    /// The extension status as `ExtensionState` would report it (-1 for an unknown extension).
    pub fn extension_status(&self, ext: &str) -> i32 {
        self.ext_status(ext)
    }

    /// Announces an extension's status if it changed since last announced.
    pub(super) fn refresh(&mut self, ext: &str) {
        let status = self.ext_status(ext);
        let Some(ep) = self.endpoints.get_mut(ext) else {
            return;
        };
        if ep.announced == status {
            return;
        }
        ep.announced = status;
        let tech = self.tech();
        let mut o = Out::event("ExtensionStatus", P_CALL);
        o.f("Exten", ext)
            .f("Context", &self.cfg.context)
            .f("Hint", format!("{tech}/{ext}"))
            .f("Status", status);
        if self.modern() {
            o.f("StatusText", status_text(status));
        }
        self.emit(Class::Call, o);
        if self.modern() {
            let mut o = Out::event("DeviceStateChange", P_CALL);
            o.f("Device", format!("{tech}/{ext}"))
                .f("State", device_state(status));
            self.emit(Class::Call, o);
        }
    }
}
