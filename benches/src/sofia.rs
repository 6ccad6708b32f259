//! sofia-sip 1.12, the eager typed C parser, as the anchor of the `sip_parse` bench.
//!
//! The workspace forbids `unsafe`; this crate only denies it so that this module, the one
//! place that calls C, can allow it: calling a foreign function is `unsafe` in Rust.
#![allow(unsafe_code)]

/// What sofia-sip made of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SofiaOutcome {
    /// Parsed, every header typed.
    Typed,
    /// Parsed, with headers that failed their grammar kept aside as erroneous.
    WithErroneousHeaders,
    /// Rejected.
    Rejected,
}

#[cfg(sofia_sip)]
mod ffi {
    unsafe extern "C" {
        /// `sofia/shim.c`: copies `len` bytes into a fresh message and runs `msg_extract`.
        pub(super) fn yeastar_bench_sofia_parse(
            data: *const core::ffi::c_char,
            len: usize,
        ) -> core::ffi::c_int;
    }
}

/// True when the bench was built with sofia-sip (see `build.rs`).
pub const AVAILABLE: bool = cfg!(sofia_sip);

/// Parses one datagram with sofia-sip (`msg_create`, `msg_buf_alloc`, `msg_buf_commit`,
/// `msg_extract`, `msg_destroy`); `None` when the bench was built without it.
#[must_use]
pub fn parse(bytes: &[u8]) -> Option<SofiaOutcome> {
    #[cfg(sofia_sip)]
    {
        // SAFETY: the shim reads exactly `len` bytes from `data`, which `bytes` holds, copies
        // them into memory of its own and keeps no pointer to them after returning.
        let code = unsafe { ffi::yeastar_bench_sofia_parse(bytes.as_ptr().cast(), bytes.len()) };
        Some(match code {
            1 => SofiaOutcome::Typed,
            0 => SofiaOutcome::WithErroneousHeaders,
            _ => SofiaOutcome::Rejected,
        })
    }
    #[cfg(not(sofia_sip))]
    {
        let _ = bytes;
        None
    }
}

#[cfg(all(test, sofia_sip))]
mod tests {
    use super::{SofiaOutcome, parse};

    #[test]
    fn sofia_types_a_register_and_rejects_garbage() {
        let register = b"REGISTER sip:pbx.example.com SIP/2.0\r\n\
            Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK8a;rport\r\n\
            From: <sip:1001@pbx.example.com>;tag=9f\r\nTo: <sip:1001@pbx.example.com>\r\n\
            Call-ID: c1@192.0.2.7\r\nCSeq: 1 REGISTER\r\nContact: <sip:1001@192.0.2.7>\r\n\
            Content-Length: 0\r\n\r\n";
        assert_eq!(parse(register), Some(SofiaOutcome::Typed));
        assert_eq!(
            parse(b"\x01\x02 not sip\r\n\r\n"),
            Some(SofiaOutcome::Rejected)
        );
    }
}
