//! The line grammar of AMI, as nom parsers over one line (its line end already removed).
#![warn(clippy::indexing_slicing)]

use nom::{
    IResult, Parser,
    bytes::complete::{tag, take_until},
    character::complete::char,
    combinator::{opt, rest, verify},
    error::ErrorKind,
    sequence::terminated,
};

/// `Key: value`, `Key:value` or `Key: ` (empty value).
///
/// Returns the key and the value. Exactly one space after the colon is the separator; any other
/// leading white space belongs to the value (modern `Output:` lines keep the CLI's indentation).
pub(crate) fn header(line: &[u8]) -> IResult<&[u8], (&[u8], &[u8])> {
    let (value, key) = terminated(key, char(':')).parse(line)?;
    let (value, _) = opt(char(' ')).parse(value)?;
    let (empty, value) = rest(value)?;
    Ok((empty, (key, value)))
}

/// A key: printable ASCII without white space up to the colon (`Uniqueid`, `Cause-txt`,
/// `ChanVariable(PJSIP/1001-00000001)`). One pass over the bytes: this is the hottest loop of
/// the decoder.
fn key(input: &[u8]) -> IResult<&[u8], &[u8]> {
    let fail = |kind| Err(nom::Err::Error(nom::error::Error::new(input, kind)));
    let Some(end) = input
        .iter()
        .position(|&c| c == b':' || !c.is_ascii_graphic())
    else {
        return fail(ErrorKind::TakeTill1);
    };
    match (input.get(end), end) {
        (Some(b':'), 1..) => Ok((
            input.get(end..).unwrap_or_default(),
            input.get(..end).unwrap_or_default(),
        )),
        (Some(b':'), _) => fail(ErrorKind::TakeTill1),
        _ => fail(ErrorKind::Verify),
    }
}

/// The connection banner, `<Name> Call Manager/<version>`: `Asterisk Call Manager/11.0.0`,
/// `Asterisk Call Manager/1.1`, `PBX Call Manager/1.1` (MikoPBX).
pub(crate) fn banner(line: &[u8]) -> IResult<&[u8], (&[u8], &[u8])> {
    let (version, name) = terminated(
        verify(take_until("Call Manager/"), |name: &[u8]| {
            !name.contains(&b':')
        }),
        tag("Call Manager/"),
    )
    .parse(line)?;
    let (empty, version) =
        verify(rest, |v: &[u8]| !v.is_empty() && !v.contains(&b' ')).parse(version)?;
    Ok((empty, (name.trim_ascii_end(), version)))
}

/// The legacy `Command` terminator. In Asterisk 1.4 it may be glued to the last output line when
/// that line had no line end, so it is searched for, not matched as a whole line.
pub(crate) const END_COMMAND: &[u8] = b"--END COMMAND--";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_forms() {
        assert_eq!(
            header(b"Event: Hangup").unwrap().1,
            (&b"Event"[..], &b"Hangup"[..])
        );
        assert_eq!(
            header(b"Key:value").unwrap().1,
            (&b"Key"[..], &b"value"[..])
        );
        assert_eq!(
            header(b"AccountCode: ").unwrap().1,
            (&b"AccountCode"[..], &b""[..])
        );
        assert_eq!(
            header(b"AccountCode:").unwrap().1,
            (&b"AccountCode"[..], &b""[..])
        );
        assert_eq!(
            header(b"Output:  Endpoint:  <Endpoint>").unwrap().1,
            (&b"Output"[..], &b" Endpoint:  <Endpoint>"[..])
        );
        assert_eq!(
            header(b"SendText: a\tb: c").unwrap().1,
            (&b"SendText"[..], &b"a\tb: c"[..])
        );
        assert!(header(b"no colon here").is_err());
        assert!(header(b": value").is_err());
        assert!(header(b"3 sip peers [Monitored: 0 online").is_err());
    }

    #[test]
    fn banner_forms() {
        assert_eq!(
            banner(b"Asterisk Call Manager/11.0.0").unwrap().1,
            (&b"Asterisk"[..], &b"11.0.0"[..])
        );
        assert_eq!(
            banner(b"PBX Call Manager/1.1").unwrap().1,
            (&b"PBX"[..], &b"1.1"[..])
        );
        assert!(banner(b"Response: Call Manager/1.1").is_err());
        assert!(banner(b"Asterisk Call Manager/").is_err());
    }
}
