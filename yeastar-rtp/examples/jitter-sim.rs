//! Plays a network trace through the jitter buffer and prints one JSON object.
//!
//! `cargo run -p yeastar-rtp --release --example jitter-sim -- TRACE.csv [--fixed MS]`

use std::time::Duration;

use yeastar_rtp::JitterConfig;
use yeastar_rtp::trace::{Trace, simulate_with_stats};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut path = None;
    let mut fixed = None;
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--fixed" {
            fixed = args.get(i + 1).and_then(|v| v.parse::<u64>().ok());
            if fixed.is_none() {
                eprintln!("--fixed needs a delay in milliseconds");
                std::process::exit(2);
            }
            i += 2;
        } else {
            path = Some(args[i].clone());
            i += 1;
        }
    }
    let Some(path) = path else {
        eprintln!("usage: jitter-sim TRACE.csv [--fixed MS]");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let trace = match Trace::parse(&text) {
        Ok(trace) => trace,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let config = match fixed {
        Some(ms) => JitterConfig::fixed(Duration::from_millis(ms)),
        None => JitterConfig::default(),
    };
    let (report, stats) = simulate_with_stats(&trace, config);
    println!("{}", report.to_json());
    if std::env::var_os("JITTER_SIM_STATS").is_some() {
        eprintln!("{stats:?}");
    }
}
