#!/usr/bin/env bash
# The README's test command: every unit, integration and doc test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo nextest run --workspace --all-features --no-fail-fast
cargo test --workspace --all-features --doc
