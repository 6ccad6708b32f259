#!/usr/bin/env bash
# Quality gates beyond the tests: dependency policy and hygiene, warning-free docs, benches that
# compile, instruction counts of the hot paths, and crates that can be published. Independent of the unit tests; every gate runs and
# the failures are listed at the end.
#
#   QUALITY_VERIFY_PACKAGE=1  also build the packaged crates as crates.io would (slower)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

# The library crates, in dependency order (the order they are published in).
libs=(yeastar-calls yeastar-ami yeastar-rtp yeastar-sip yeastar-ws yeastar-core)

failed=()
gate() {
    local name=$1 start=$SECONDS
    shift
    echo "== $name"
    if "$@"; then
        echo "   $name: ok ($((SECONDS - start)) s)"
    else
        echo "   $name: FAILED ($((SECONDS - start)) s)"
        failed+=("$name")
    fi
}

# cargo-deny: licenses, advisories, bans and sources per deny.toml. Optional tool: skipped with a
# note when absent. The advisory database is fetched from the network; when that fails the
# offline checks still run.
deny() {
    if ! cargo deny --version >/dev/null 2>&1; then
        echo "   skipped: cargo-deny not installed (INSTALL_CARGO_DENY=1 .ci/install.sh)"
        return 0
    fi
    if cargo deny fetch >/dev/null 2>&1; then
        cargo deny --all-features check
    else
        echo "   warning: advisory database unreachable; checking bans, licenses and sources only"
        cargo deny --all-features check bans licenses sources
    fi
}

# One major version each of tokio, rustls and nom, and no CLI/subscriber/web crates, in what
# the library crates pull in.
deps() {
    python3 scripts/crate-policy.py deps "${libs[@]}"
}

# A direct look at the manifests, so the rule holds even if a dependency is only declared.
no_app_deps() {
    local c bad=0
    for c in "${libs[@]}"; do
        if grep -nE '^\s*(clap|tracing-subscriber|axum|env_logger)\b' "$c/Cargo.toml"; then
            echo "   $c/Cargo.toml declares an application-only dependency"
            bad=1
        fi
    done
    return "$bad"
}

docs() {
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features
}

benches() {
    cargo bench --workspace --no-run
}

# Instructions per SIP message and AMI frame of the parse hot paths, counted by callgrind, may
# not grow by more than 10 % against benches/instructions.toml (scripts/instr-gate --update
# after an intended change). Runs after "benches compile", so it only links and counts.
instructions() {
    python3 scripts/instr-gate
}

# crates.io metadata, readme files, versions on path dependencies.
metadata() {
    python3 scripts/crate-policy.py metadata "${libs[@]}"
}

# Package every library crate together: cargo resolves the unpublished siblings against the
# packages it just built, so the crates that depend on yeastar-ami package before it is on
# crates.io. Lists each crate's files so that stray large files show up in the log.
package() {
    local args=() c
    for c in "${libs[@]}"; do
        args+=(-p "$c")
        echo "   $c: $(cargo package --list --allow-dirty -p "$c" | wc -l) files"
    done
    if [[ ${QUALITY_VERIFY_PACKAGE:-0} == 1 ]]; then
        cargo package --allow-dirty "${args[@]}"
    else
        cargo package --no-verify --allow-dirty "${args[@]}"
    fi
}

# docker-compose.yml as compose reads it (interpolation, profiles, schema); skipped where
# docker compose is not installed (examples/tests/docker_compose.rs checks its content anyway).
compose_config() {
    if ! docker compose version >/dev/null 2>&1; then
        echo "   skipped: docker compose not installed"
        return 0
    fi
    docker compose -f docker-compose.yml --profile '*' config -q
}

gate "cargo deny" deny
gate "single major of tokio/rustls/nom, no application deps in libraries" deps
gate "library manifests without application deps" no_app_deps
gate "rustdoc -D warnings" docs
gate "benches compile" benches
gate "instruction counts of the parse hot paths" instructions
gate "crates.io metadata" metadata
gate "cargo package (${libs[*]})" package
gate "docker compose config" compose_config

if ((${#failed[@]})); then
    echo "FAILED quality gates:" >&2
    printf '  %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "== quality gates passed"
