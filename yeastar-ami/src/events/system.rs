//! The PBX itself: start, reload, shutdown.

events! {
    /// Asterisk finished starting; also sent to each new manager session.
    ///
    /// Both dialects.
    FullyBooted "FullyBooted" {
        /// `Fully Booted`.
        "Status" status: Option<&'a str>,
        /// Seconds since Asterisk started.
        "Uptime" uptime: Option<u64>,
        /// Seconds since the last reload.
        "LastReload" last_reload: Option<u64>,
    }

    /// A module, or the configuration, was reloaded.
    ///
    /// Both dialects.
    Reload "Reload" {
        /// The module reloaded (`manager`, `res_pjsip.so`), when one was.
        "Module" module: Option<&'a str>,
        /// The outcome (`Enabled` on 1.8; the reload result on 12+).
        "Status" status: Option<&'a str>,
        /// The reload's message (legacy: `Reload Requested`).
        "Message" message: Option<&'a str>,
    }

    /// Asterisk is stopping.
    ///
    /// Both dialects.
    Shutdown "Shutdown" {
        /// `Cleanly` or `Uncleanly`.
        "Shutdown" shutdown: Option<&'a str>,
        /// `True` when Asterisk will restart.
        "Restart" restart: Option<&'a str>,
    }
}
