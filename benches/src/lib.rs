//! Benchmarks of the yeastar-rs crates live in `benches/`; run them all with `cargo bench -p yeastar-benches`.
