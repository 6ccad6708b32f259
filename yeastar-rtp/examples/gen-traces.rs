//! Writes the trace suite to `yeastar-rtp/tests/data/traces/` (or the given
//! directory), deterministically from a fixed seed.
//!
//! `cargo run -p yeastar-rtp --example gen-traces [DIR]`

#[path = "../tests/support/trace_gen.rs"]
mod trace_gen;

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/traces").to_string());
    std::fs::create_dir_all(&dir)?;
    for (stem, description, trace) in trace_gen::all_traces() {
        let path = format!("{dir}/{stem}.csv");
        std::fs::write(&path, trace.to_csv(&description))?;
        println!("{path}: {} packets", trace.packets.len());
    }
    Ok(())
}
