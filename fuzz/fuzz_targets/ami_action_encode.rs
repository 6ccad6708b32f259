//! The action encoder over arbitrary names, keys and values.
//!
//! Either `Action::encode` refuses the action with the error the rules predict (and writes
//! nothing), or the bytes it writes read back, through both `parse_message` and the streaming
//! `Decoder`, as exactly the fields that went in: no injected line, no lost or altered value.
#![no_main]

use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use yeastar_ami::wire::parse_message_with;
use yeastar_ami::{Action, Decoder, EncodeError, Limits};

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    name: &'a str,
    /// The ID the encoder falls back on when the caller set none.
    generated_id: &'a str,
    caller_id: Option<&'a str>,
    fields: Vec<(&'a str, &'a str)>,
}

/// Which error the encoder must report, if any.
#[derive(Debug, PartialEq, Eq)]
enum Expected {
    Ok,
    InvalidName,
    InvalidKey,
    InvalidValue,
}

fuzz_target!(|input: Input<'_>| {
    let mut action = Action::new(input.name.to_owned());
    if let Some(id) = input.caller_id {
        action = action.with_action_id(id.to_owned());
    }
    // The model: an `ActionID` field (any case) sets the ID instead of adding a line.
    let mut id = input.caller_id;
    let mut fields = Vec::new();
    for &(key, value) in &input.fields {
        action = action.field(key.to_owned(), value.to_owned());
        if key.eq_ignore_ascii_case("ActionID") {
            id = Some(value);
        } else {
            fields.push((key, value));
        }
    }
    let id = id.unwrap_or(input.generated_id);
    assert_eq!(action.name(), input.name);
    assert_eq!(action.action_id(), id_set(&input));
    assert_eq!(action.fields().collect::<Vec<_>>(), fields);

    let expected = expect(input.name, id, &fields);
    let mut out = BytesMut::new();
    match action.encode(input.generated_id, &mut out) {
        Err(e) => {
            let got = match e {
                EncodeError::InvalidName { .. } => Expected::InvalidName,
                EncodeError::InvalidKey { .. } => Expected::InvalidKey,
                EncodeError::InvalidValue { .. } => Expected::InvalidValue,
                other => panic!("unexpected error {other:?}"),
            };
            assert_eq!(got, expected, "{e}");
            assert!(out.is_empty(), "bytes written for a refused action");
        }
        Ok(()) => {
            assert_eq!(expected, Expected::Ok, "encoded an action that should be refused");
            let mut want = vec![("Action", input.name), ("ActionID", id)];
            want.extend(fields.iter().copied());
            check_read_back(&out, &want);
        }
    }
});

/// The ID the caller set, as `Action::action_id` should report it.
fn id_set<'a>(input: &Input<'a>) -> Option<&'a str> {
    input
        .fields
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case("ActionID"))
        .map(|&(_, v)| v)
        .or(input.caller_id)
}

fn expect(name: &str, id: &str, fields: &[(&str, &str)]) -> Expected {
    let bad_value = |v: &str| v.bytes().any(|c| matches!(c, b'\r' | b'\n' | b'\0'));
    let bad_key = |k: &str| k.is_empty() || !k.bytes().all(|c| c.is_ascii_graphic() && c != b':');
    if name.is_empty() || bad_value(name) {
        return Expected::InvalidName;
    }
    if bad_value(id) {
        return Expected::InvalidValue;
    }
    for &(k, v) in fields {
        if bad_key(k) {
            return Expected::InvalidKey;
        }
        if bad_value(v) {
            return Expected::InvalidValue;
        }
    }
    Expected::Ok
}

fn check_read_back(bytes: &[u8], want: &[(&str, &str)]) {
    // No limits: the encoder does not enforce the decoder's, and this checks the grammar only.
    let unbounded = Limits::unbounded();
    let (message, used) = match parse_message_with(bytes, &unbounded) {
        Ok(parsed) => parsed,
        Err(e) => panic!("encoded action does not parse: {e}"),
    };
    assert_eq!(used, bytes.len(), "the action is not exactly one frame");
    assert_eq!(message.fields().collect::<Vec<_>>(), want);
    assert_eq!(message.raw_lines().count(), 0, "stray lines");

    let mut decoder = Decoder::without_banner(unbounded);
    let mut buf = BytesMut::from(bytes);
    let frame = match decoder.decode(&mut buf) {
        Ok(Some(frame)) => frame,
        other => panic!("the decoder does not read the action back: {other:?}"),
    };
    assert!(buf.is_empty(), "bytes left after the action");
    assert_eq!(frame.message().fields().collect::<Vec<_>>(), want);
}
