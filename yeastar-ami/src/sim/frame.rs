//! Writing the server's frames (responses and events) and the wall-clock formats AMI uses.

use crate::tracker::civil_from_days as civil;
use std::fmt::Write as _;

use bytes::Bytes;

/// One server frame being written: `Key: value` lines, then a blank line.
#[derive(Debug, Default)]
pub(crate) struct Out {
    text: String,
}

impl Out {
    /// `Event: name` and its `Privilege` line.
    pub(crate) fn event(name: &str, privilege: &str) -> Out {
        let mut o = Out::default();
        o.f("Event", name);
        if !privilege.is_empty() {
            o.f("Privilege", privilege);
        }
        o
    }

    /// `Event: name` without a `Privilege` line (list items), then the `ActionID`.
    pub(crate) fn item(name: &str, action_id: Option<&str>) -> Out {
        let mut o = Out::default();
        o.f("Event", name);
        o.id(action_id);
        o
    }

    /// `Response: value` and the `ActionID`, if the action had one.
    pub(crate) fn response(value: &str, action_id: Option<&str>) -> Out {
        let mut o = Out::default();
        o.f("Response", value);
        o.id(action_id);
        o
    }

    /// An `Error` response with its message.
    pub(crate) fn error(action_id: Option<&str>, message: &str) -> Bytes {
        let mut o = Out::response("Error", action_id);
        o.f("Message", message);
        o.finish()
    }

    /// A `Success` response with its message.
    pub(crate) fn success(action_id: Option<&str>, message: &str) -> Bytes {
        let mut o = Out::response("Success", action_id);
        o.f("Message", message);
        o.finish()
    }

    /// Adds `ActionID: id` when there is one.
    pub(crate) fn id(&mut self, action_id: Option<&str>) -> &mut Out {
        if let Some(id) = action_id {
            self.f("ActionID", id);
        }
        self
    }

    /// Adds a `Key: value` line. CR and LF in values become spaces: a value never ends a line.
    pub(crate) fn f(&mut self, key: &str, value: impl std::fmt::Display) -> &mut Out {
        self.text.push_str(key);
        self.text.push_str(": ");
        let start = self.text.len();
        let _ = write!(self.text, "{value}");
        if self.text[start..].contains(['\r', '\n']) {
            let clean: String = self.text[start..]
                .chars()
                .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
                .collect();
            self.text.truncate(start);
            self.text.push_str(&clean);
        }
        self.text.push_str("\r\n");
        self
    }

    /// Adds a `Key: value` line whose key is `prefix` + `key` (`DestChannel`, …).
    pub(crate) fn pf(&mut self, prefix: &str, key: &str, value: impl std::fmt::Display) {
        if prefix.is_empty() {
            self.f(key, value);
        } else {
            self.f(&format!("{prefix}{key}"), value);
        }
    }

    /// Ends the frame with its blank line.
    pub(crate) fn finish(mut self) -> Bytes {
        self.text.push_str("\r\n");
        Bytes::from(self.text)
    }
}

fn split(unix_ms: u64) -> (i64, u32, u32, u64, u64, u64, u64) {
    let secs = unix_ms / 1000;
    let (y, mo, d) = civil((secs / 86_400) as i64);
    let rem = secs % 86_400;
    (
        y,
        mo,
        d,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        unix_ms % 1000,
    )
}

/// `2026-11-26 21:33:23`, the CDR time format (UTC).
pub(crate) fn cdr_time(unix_ms: u64) -> String {
    let (y, mo, d, h, mi, s, _) = split(unix_ms);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// `2026-11-26T21:33:44.784+0000`, the security events' `EventTV` format (UTC).
pub(crate) fn event_tv(unix_ms: u64) -> String {
    let (y, mo, d, h, mi, s, ms) = split(unix_ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}+0000")
}

/// `YYYY-MM-DD` and `HH:MM:SS` for `CoreStatus`.
pub(crate) fn date_and_time(unix_ms: u64) -> (String, String) {
    let (y, mo, d, h, mi, s, _) = split(unix_ms);
    (
        format!("{y:04}-{mo:02}-{d:02}"),
        format!("{h:02}:{mi:02}:{s:02}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times() {
        // 2026-11-26 21:33:23 UTC
        let ms = 1_795_728_803_000;
        assert_eq!(cdr_time(ms), "2026-11-26 21:33:23");
        assert_eq!(event_tv(ms + 784), "2026-11-26T21:33:23.784+0000");
        assert_eq!(cdr_time(0), "1970-01-01 00:00:00");
        assert_eq!(cdr_time(951_782_400_000), "2000-02-29 00:00:00");
    }

    #[test]
    fn values_never_end_a_line() {
        let mut o = Out::event("UserEvent", "user,all");
        o.f("Data", "a\r\nAction: Logoff");
        let text = o.finish();
        assert_eq!(
            &text[..],
            b"Event: UserEvent\r\nPrivilege: user,all\r\nData: a  Action: Logoff\r\n\r\n"
        );
    }
}
