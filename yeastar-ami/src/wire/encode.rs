//! Encoding actions: `Action: Name`, `ActionID`, fields in order, blank line.

use std::borrow::Cow;
use std::fmt;

use bytes::{BufMut, BytesMut};

use super::message::is_secret_key;

/// Why an action could not be encoded. Values are never echoed back: they may be secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A key is empty, or holds a colon, white space, or a control character; the server would
    /// read a different action than the one written.
    #[error("invalid key {key:?}: keys are printable ASCII without ':' or white space")]
    InvalidKey {
        /// The refused key.
        key: String,
    },
    /// A value holds CR, LF or NUL, which would end the line (and could inject another action).
    #[error("value of {key:?} holds CR, LF or NUL")]
    InvalidValue {
        /// The key of the refused value.
        key: String,
    },
    /// The action name is not a valid value.
    #[error("invalid action name {name:?}")]
    InvalidName {
        /// The refused name.
        name: String,
    },
    /// A typed action could not be turned into fields.
    #[error("cannot encode action: {0}")]
    Serialize(String),
}

/// An action ready to send: its name and its fields in the order they will be written.
///
/// Build one by hand with [`Action::new`] and [`Action::field`], or from a typed action with
/// [`crate::to_action`]. Values of secret keys (`Secret`, `Key`) never appear in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Action {
    name: Cow<'static, str>,
    action_id: Option<String>,
    fields: Vec<(Cow<'static, str>, String)>,
}

impl Action {
    /// An action named `name` (`Originate`, `Ping`, …) with no fields yet.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Action {
        Action {
            name: name.into(),
            action_id: None,
            fields: Vec::new(),
        }
    }

    /// Adds a field after those already there. Repeating a key repeats the line (`Variable`).
    pub fn field(mut self, key: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Action {
        self.push(key, value);
        self
    }

    /// Adds a field after those already there.
    pub fn push(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<String>) {
        let key = key.into();
        if key.eq_ignore_ascii_case("ActionID") {
            self.action_id = Some(value.into());
        } else {
            self.fields.push((key, value.into()));
        }
    }

    /// Sets the `ActionID`; without one, the encoder generates it.
    pub fn with_action_id(mut self, id: impl Into<String>) -> Action {
        self.action_id = Some(id.into());
        self
    }

    /// The action name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `ActionID` set by the caller, if any.
    pub fn action_id(&self) -> Option<&str> {
        self.action_id.as_deref()
    }

    /// The first value of `key` (ASCII case ignored).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The fields, in order (without `Action` and `ActionID`).
    pub fn fields(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.fields.iter().map(|(k, v)| (k.as_ref(), v.as_str()))
    }

    /// Writes the action to `out` with `action_id` (which overrides none set by the caller only
    /// when the caller set none). Nothing is written if a key or value is refused.
    pub fn encode(&self, action_id: &str, out: &mut BytesMut) -> Result<(), EncodeError> {
        check_value("Action", &self.name).map_err(|_| EncodeError::InvalidName {
            name: self.name.to_string(),
        })?;
        if self.name.is_empty() {
            return Err(EncodeError::InvalidName {
                name: String::new(),
            });
        }
        let id = self.action_id.as_deref().unwrap_or(action_id);
        check_value("ActionID", id)?;
        let mut len = 8 + self.name.len() + 2 + 10 + id.len() + 2 + 2;
        for (k, v) in &self.fields {
            check_key(k)?;
            check_value(k, v)?;
            len += k.len() + 2 + v.len() + 2;
        }
        out.reserve(len);
        put_line(out, "Action", &self.name);
        put_line(out, "ActionID", id);
        for (k, v) in &self.fields {
            put_line(out, k, v);
        }
        out.put_slice(b"\r\n");
        Ok(())
    }
}

fn put_line(out: &mut BytesMut, key: &str, value: &str) {
    out.put_slice(key.as_bytes());
    out.put_slice(b": ");
    out.put_slice(value.as_bytes());
    out.put_slice(b"\r\n");
}

fn check_key(key: &str) -> Result<(), EncodeError> {
    let ok = !key.is_empty() && key.bytes().all(|c| c.is_ascii_graphic() && c != b':');
    if ok {
        Ok(())
    } else {
        Err(EncodeError::InvalidKey {
            key: key.escape_debug().to_string(),
        })
    }
}

fn check_value(key: &str, value: &str) -> Result<(), EncodeError> {
    if value.bytes().any(|c| matches!(c, b'\r' | b'\n' | b'\0')) {
        Err(EncodeError::InvalidValue {
            key: key.escape_debug().to_string(),
        })
    } else {
        Ok(())
    }
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<(&str, &str)> = self
            .fields()
            .map(|(k, v)| (k, if is_secret_key(k) { "<redacted>" } else { v }))
            .collect();
        f.debug_struct("Action")
            .field("name", &self.name)
            .field("action_id", &self.action_id)
            .field("fields", &fields)
            .finish()
    }
}

/// Hands out `ActionID`s unique within a connection: `<prefix>-<n>`.
#[derive(Debug, Clone)]
pub struct ActionIdGenerator {
    prefix: String,
    next: u64,
}

impl ActionIdGenerator {
    /// IDs `<prefix>-1`, `<prefix>-2`, …
    pub fn new(prefix: impl Into<String>) -> Self {
        ActionIdGenerator {
            prefix: prefix.into(),
            next: 1,
        }
    }

    /// The next ID.
    pub fn next_id(&mut self) -> String {
        let id = format!("{}-{}", self.prefix, self.next);
        self.next += 1;
        id
    }
}

impl Default for ActionIdGenerator {
    fn default() -> Self {
        ActionIdGenerator::new("yeastar")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_in_order_with_generated_id() {
        let action = Action::new("Originate")
            .field("Channel", "PJSIP/1001")
            .field("Variable", "A=1")
            .field("Variable", "B=2");
        let mut out = BytesMut::new();
        let mut ids = ActionIdGenerator::new("t");
        action.encode(&ids.next_id(), &mut out).unwrap();
        assert_eq!(
            &out[..],
            b"Action: Originate\r\nActionID: t-1\r\nChannel: PJSIP/1001\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n"
        );
    }

    #[test]
    fn caller_action_id_wins() {
        let action = Action::new("Ping").field("ActionID", "mine");
        let mut out = BytesMut::new();
        action.encode("generated", &mut out).unwrap();
        assert_eq!(&out[..], b"Action: Ping\r\nActionID: mine\r\n\r\n");
    }

    #[test]
    fn refuses_injection() {
        let mut out = BytesMut::new();
        let bad_value = Action::new("Ping").field("Data", "x\r\nAction: Logoff");
        assert!(matches!(
            bad_value.encode("1", &mut out),
            Err(EncodeError::InvalidValue { .. })
        ));
        let nul = Action::new("Ping").field("Data", "x\0");
        assert!(nul.encode("1", &mut out).is_err());
        for key in ["", "Bad Key", "Bad:Key", "Bad\nKey"] {
            let a = Action::new("Ping").field(key, "v");
            assert!(matches!(
                a.encode("1", &mut out),
                Err(EncodeError::InvalidKey { .. })
            ));
        }
        assert!(Action::new("Pi\nng").encode("1", &mut out).is_err());
        assert!(Action::new("").encode("1", &mut out).is_err());
        assert!(out.is_empty(), "nothing is written when refused");
    }

    #[test]
    fn debug_redacts_secrets() {
        let a = Action::new("Login")
            .field("Username", "admin")
            .field("Secret", "hunter2");
        let dbg = format!("{a:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(dbg.contains("admin"));
    }
}
