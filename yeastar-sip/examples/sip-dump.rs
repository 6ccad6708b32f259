//! Parses SIP message files and prints one JSON object per file.
//!
//! `cargo run -p yeastar-sip --example sip-dump -- [--strict] FILE...`
//!
//! Parse outcomes are reported, not judged: the exit status is 0 unless a file cannot be
//! read or the arguments are wrong (2).

use std::fmt::Write as _;
use std::process::ExitCode;

use yeastar_sip::{Message, ParseOptions};

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn describe(file: &str, bytes: &[u8], opts: &ParseOptions) -> String {
    // Every header is typed so that the outcome matches what a caller reading them sees.
    let parsed = Message::parse_with(bytes, opts).and_then(|m| m.validate_headers().map(|()| m));
    match parsed {
        Ok(msg) => {
            let (kind, method, status) = match (msg.method(), msg.status()) {
                (Some(m), _) => ("request", json_string(m), "null".to_string()),
                (None, Some(s)) => ("response", "null".to_string(), s.to_string()),
                (None, None) => ("unknown", "null".to_string(), "null".to_string()),
            };
            format!(
                "{{\"file\":{},\"ok\":true,\"kind\":\"{kind}\",\"method\":{method},\"status\":{status},\"headers\":{},\"body_len\":{}}}",
                json_string(file),
                msg.header_count(),
                msg.body().len()
            )
        }
        Err(e) => format!(
            "{{\"file\":{},\"ok\":false,\"error\":{}}}",
            json_string(file),
            json_string(&e.to_string())
        ),
    }
}

fn main() -> ExitCode {
    let mut opts = ParseOptions::default();
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--strict" => opts = ParseOptions::strict(),
            "--lenient" => opts = ParseOptions::lenient(),
            a if a.starts_with("--") => {
                eprintln!("unknown option {a}\nusage: sip-dump [--strict] FILE...");
                return ExitCode::from(2);
            }
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        eprintln!("usage: sip-dump [--strict] FILE...");
        return ExitCode::from(2);
    }
    let mut status = ExitCode::SUCCESS;
    for file in &files {
        match std::fs::read(file) {
            Ok(bytes) => println!("{}", describe(file, &bytes, &opts)),
            Err(e) => {
                eprintln!("{file}: {e}");
                status = ExitCode::from(2);
            }
        }
    }
    status
}
