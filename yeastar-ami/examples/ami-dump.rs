//! Prints every frame of raw server-to-client AMI bytes as one JSON object per line.
//!
//! ```text
//! cargo run -p yeastar-ami --example ami-dump -- capture.s2c.raw [more files…]
//! {"kind":"event","name":"Hangup","typed":true,"fields":[["Event","Hangup"],…]}
//! ```
//!
//! `lines` is added when a frame holds text that is not `Key: value` (legacy command output).
//! Exits 1 naming the file and byte offset at the first frame the decoder refuses, 2 on bad
//! arguments or unreadable files.

use std::io::Write;
use std::process::ExitCode;

use bytes::BytesMut;
use serde::Serialize;
use yeastar_ami::{Decoder, Event, FrameKind};

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() || files.iter().any(|f| f == "-h" || f == "--help") {
        eprintln!("usage: ami-dump FILE...   (raw server-to-client AMI bytes)");
        return ExitCode::from(2);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for file in &files {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("ami-dump: {file}: {e}");
                return ExitCode::from(2);
            }
        };
        let mut decoder = Decoder::default();
        let mut buf = BytesMut::from(&bytes[..]);
        loop {
            let frame = match decoder.decode(&mut buf) {
                Ok(Some(frame)) => frame,
                Ok(None) => match decoder.decode_eof(&mut buf) {
                    Ok(Some(frame)) => frame,
                    Ok(None) => break,
                    Err(e) => {
                        eprintln!(
                            "ami-dump: {file}: parse error at byte {}: {}",
                            e.offset, e.kind
                        );
                        return ExitCode::from(1);
                    }
                },
                Err(e) => {
                    eprintln!(
                        "ami-dump: {file}: parse error at byte {}: {}",
                        e.offset, e.kind
                    );
                    return ExitCode::from(1);
                }
            };
            let m = frame.message();
            let typed = match m.kind() {
                FrameKind::Event => Event::parse(&m).is_typed(),
                FrameKind::Unknown => false,
                _ => true,
            };
            let banner = m.kind() == FrameKind::Banner;
            let line = DumpLine {
                kind: m.kind().as_str(),
                // A banner is named by its whole line: product and protocol version.
                name: if banner {
                    m.raw_lines().next()
                } else {
                    m.name()
                },
                typed,
                fields: m.fields().map(|(k, v)| [k, v]).collect(),
                lines: if banner {
                    Vec::new()
                } else {
                    m.raw_lines().collect()
                },
            };
            let written = serde_json::to_string(&line)
                .map_err(std::io::Error::other)
                .and_then(|json| writeln!(out, "{json}"));
            if written.is_err() {
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}

#[derive(Serialize)]
struct DumpLine<'a> {
    kind: &'static str,
    name: Option<&'a str>,
    typed: bool,
    fields: Vec<[&'a str; 2]>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lines: Vec<&'a str>,
}
