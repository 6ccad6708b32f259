//! Benchmarks of the yeastar-rs crates live in `benches/`; run them all with `cargo bench -p yeastar-benches`.
//!
//! This library holds what several benches read.

use std::path::{Path, PathBuf};

/// Every `events_*.s2c.raw` capture of both AMI dialects (Asterisk 22 and 1.8) in the
/// yeastar-ami test data, in path order: the event streams the AMI benches replay.
pub fn ami_event_captures() -> std::io::Result<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../yeastar-ami/tests/data");
    let mut files = Vec::new();
    for dialect in ["asterisk", "asterisk-legacy"] {
        for entry in std::fs::read_dir(dir.join(dialect))? {
            let path = entry?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name.starts_with("events_") && name.ends_with(".s2c.raw") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

pub mod sofia;
