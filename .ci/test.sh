#!/usr/bin/env bash
# The README's test command: every unit, integration and doc test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --all-features --no-fail-fast
else
    cargo test --workspace --all-features --no-fail-fast --lib --bins --tests --examples
fi
cargo test --workspace --all-features --doc
