//! Test data helpers shared by the integration tests.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::{Path, PathBuf};

use bytes::BytesMut;
use yeastar_ami::{Decoder, Frame, FrameError, parse_message};

pub(crate) fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Every server-to-client capture of both dialects.
pub(crate) fn s2c_streams() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dialect in ["asterisk", "asterisk-legacy"] {
        let dir = data_dir().join(dialect);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".s2c.raw"))
            .collect();
        names.sort();
        for p in names {
            let name = format!("{dialect}/{}", p.file_name().unwrap().to_string_lossy());
            out.push((name, std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// The hand-written corpus messages (no banner).
pub(crate) fn corpus_streams() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["events", "eventlists"] {
        let dir = data_dir().join("corpus").join(sub);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for p in names {
            out.push((
                format!("corpus/{sub}/{}", p.file_name().unwrap().to_string_lossy()),
                std::fs::read(&p).unwrap(),
            ));
        }
    }
    out
}

/// Decodes a whole stream fed in the given chunk sizes (cycled), returning frames and errors.
pub(crate) fn decode_chunked(bytes: &[u8], chunks: &[usize]) -> Vec<Result<Frame, FrameError>> {
    let mut decoder = Decoder::default();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < bytes.len() {
        let n = chunks[i % chunks.len()].max(1).min(bytes.len() - pos);
        i += 1;
        buf.extend_from_slice(&bytes[pos..pos + n]);
        pos += n;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(f)) => out.push(Ok(f)),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
    }
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(f)) => out.push(Ok(f)),
            Ok(None) => break,
            Err(e) => {
                out.push(Err(e));
                break;
            }
        }
    }
    out
}

pub(crate) fn decode_all(bytes: &[u8]) -> Vec<Result<Frame, FrameError>> {
    decode_chunked(bytes, &[bytes.len().max(1)])
}

/// A frame as comparable data: kind, fields, raw lines.
pub(crate) fn summary(frame: &Frame) -> (String, Vec<(String, String)>, Vec<String>) {
    let m = frame.message();
    (
        m.kind().as_str().to_string(),
        m.fields()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        m.raw_lines().map(str::to_string).collect(),
    )
}

pub(crate) type Summary = (String, Vec<(String, String)>, Vec<String>);

pub(crate) fn summaries(results: &[Result<Frame, FrameError>]) -> Vec<Result<Summary, FrameError>> {
    results
        .iter()
        .map(|r| r.as_ref().map(summary).map_err(Clone::clone))
        .collect()
}

/// The names of the recorded sessions of one dialect (`asterisk`, `asterisk-legacy`), sorted.
pub(crate) fn capture_names(dialect: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data_dir().join(dialect))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".timeline.tsv").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

/// The recorded client's actions, in order, as (name, fields without Action/ActionID).
pub(crate) fn recorded_actions(c2s: &[u8]) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = c2s;
    while !rest.iter().all(u8::is_ascii_whitespace) {
        let (m, used) = parse_message(rest).unwrap();
        let name = m.get("Action").unwrap().to_string();
        let fields = m
            .fields()
            .filter(|(k, _)| {
                !k.eq_ignore_ascii_case("Action") && !k.eq_ignore_ascii_case("ActionID")
            })
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        out.push((name, fields));
        rest = &rest[used..];
    }
    out
}
