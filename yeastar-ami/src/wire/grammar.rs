//! The line grammar of AMI, as nom parsers over one line (its line end already removed).
#![warn(clippy::indexing_slicing)]

use nom::{
    IResult, Parser,
    bytes::complete::{tag, take_until},
    combinator::{rest, verify},
    error::ErrorKind,
    sequence::terminated,
};

/// `Key: value`, `Key:value` or `Key: ` (empty value).
///
/// Returns the key and the value. Exactly one space after the colon is the separator; any other
/// leading white space belongs to the value (modern `Output:` lines keep the CLI's indentation).
pub(crate) fn header(line: &[u8]) -> IResult<&[u8], (&[u8], &[u8])> {
    let (after_colon, key) = key(line)?;
    // The separator is taken by hand rather than with `char(':')`/`opt(char(' '))`: this runs
    // once per line of every frame, and the generic combinators cost a third of the decoder.
    let value = after_colon.get(1..).unwrap_or_default();
    let value = value.strip_prefix(b" ").unwrap_or(value);
    let end = value.get(value.len()..).unwrap_or_default();
    Ok((end, (key, value)))
}

/// [`header`] for the decoder's hot loop: the key's length and where the value starts, with
/// no parser result to build. `None` exactly when [`header`] fails (tested below).
#[inline(always)]
pub(crate) fn field(line: &[u8]) -> Option<(usize, usize)> {
    let end = key_end(line).filter(|&end| end > 0)?;
    Some((end, end + 1 + usize::from(line.get(end + 1) == Some(&b' '))))
}

/// A key: printable ASCII without white space up to the colon (`Uniqueid`, `Cause-txt`,
/// `ChanVariable(PJSIP/1001-00000001)`). This is the hottest loop of the decoder, so it looks
/// at eight bytes at a time.
fn key(input: &[u8]) -> IResult<&[u8], &[u8]> {
    let fail = |kind| Err(nom::Err::Error(nom::error::Error::new(input, kind)));
    match key_end(input) {
        Some(0) | None if input.first() == Some(&b':') => fail(ErrorKind::TakeTill1),
        Some(end) if end > 0 => match (input.get(..end), input.get(end..)) {
            (Some(key), Some(rest)) => Ok((rest, key)),
            _ => fail(ErrorKind::Verify),
        },
        _ => fail(ErrorKind::Verify),
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The index of the first `:` if every byte before it is printable ASCII (0x21..=0x7E), else
/// `None`.
///
/// Word-at-a-time: per 8-byte word, flag bytes that are `:`, below 0x21 or above 0x7E. The
/// borrow and carry tricks can flag bytes after a flagged byte spuriously but never before it,
/// so the lowest flag is exact; that byte then decides.
#[inline]
pub(crate) fn key_end(input: &[u8]) -> Option<usize> {
    let mut start = 0;
    while let Some(chunk) = input.get(start..start + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let colon = {
            let x = w ^ (ONES * u64::from(b':'));
            x.wrapping_sub(ONES) & !x & HIGHS
        };
        let below = w.wrapping_sub(ONES * 0x21) & !w & HIGHS;
        let above = (w.wrapping_add(ONES) | w) & HIGHS;
        let flags = colon | below | above;
        if flags != 0 {
            let at = start + (flags.trailing_zeros() / 8) as usize;
            return (input.get(at) == Some(&b':')).then_some(at);
        }
        start += 8;
    }
    let tail = input.get(start..)?;
    let at = tail
        .iter()
        .position(|&c| c == b':' || !c.is_ascii_graphic())?;
    (tail.get(at) == Some(&b':')).then_some(start + at)
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

    fn key_end_naive(input: &[u8]) -> Option<usize> {
        let at = input
            .iter()
            .position(|&c| c == b':' || !c.is_ascii_graphic())?;
        (input.get(at) == Some(&b':')).then_some(at)
    }

    proptest::proptest! {
        #[test]
        fn word_at_a_time_key_scan_matches_the_byte_loop(input in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            proptest::prop_assert_eq!(key_end(&input), key_end_naive(&input));
        }

        #[test]
        fn field_offsets_agree_with_the_header_parser(key in "[ -~]{0,12}", sep in "[: \t]{0,3}", value in "[ -~\t]{0,12}") {
            let line = [key.as_bytes(), sep.as_bytes(), value.as_bytes()].concat();
            let want = header(&line).ok().map(|(_, (k, v))| (k.len(), line.len() - v.len()));
            proptest::prop_assert_eq!(field(&line), want);
        }

        #[test]
        fn word_at_a_time_key_scan_on_key_like_input(key in "[!-9;-~]{0,30}", tail in "[: \\x00-\\xff]{0,10}") {
            let input = [key.as_bytes(), tail.as_bytes()].concat();
            proptest::prop_assert_eq!(key_end(&input), key_end_naive(&input));
        }
    }

    #[test]
    fn key_scan_edges() {
        for (input, expected) in [
            (&b":"[..], Some(0)),
            (b"a:", Some(1)),
            (b"abcdefgh:", Some(8)),
            (b"abcdefg:", Some(7)),
            (b"abcdefghijklmnop:x", Some(16)),
            (b"abc def:", None),
            (b"abcdefgh\x7f:", None),
            (b"abcdefghi", None),
            (b"", None),
            (b"\xff\xff\xff\xff\xff\xff\xff\xff:", None),
            (b"ab:cd:ef", Some(2)),
        ] {
            assert_eq!(
                key_end(input),
                expected,
                "{:?}",
                String::from_utf8_lossy(input)
            );
            assert_eq!(key_end_naive(input), expected);
        }
    }

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
