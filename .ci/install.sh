#!/usr/bin/env bash
# Installs what CI needs beyond the Rust toolchains and cargo-nextest, on a clean Debian 12
# machine. Idempotent: anything already present is left alone, so it is cheap on a warm cache.
#
#   cargo-fuzz           for fuzz/smoke.sh (required)
#   Debian packages      SIPp, Kamailio, baresip: peers for the integration tests (tests/peers);
#                        libsofia-sip-ua-dev and pkg-config: the sofia-sip anchor of the sip_parse
#                        bench; valgrind: the instruction-count gate (scripts/instr-gate)
#                        Chromium and chromedriver: the web console's browser test
#   websockets (Python)  the WebSocket SIP peer of the integration tests
#   cargo-deny           only with INSTALL_CARGO_DENY=1 (slow to build); .ci/quality.sh skips
#                        the check without it
#
# Optional tools never fail the run: a failed install prints a warning and CI goes on.
set -euo pipefail
cd "$(dirname "$0")/.."

warn() { echo "warning: $*" >&2; }

# cargo-fuzz: required by the fuzz smoke test, so its failure is fatal. --locked keeps the build
# reproducible; an installed binary (restored from a cache of ~/.cargo/bin) is reused as is.
if cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz present: $(cargo +nightly fuzz --version)"
else
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# Debian packages for the integration tests. Root or sudo is needed; without either, the
# tests that need them skip themselves.
apt_packages=(sip-tester kamailio kamailio-tls-modules kamailio-websocket-modules baresip-core
    libsofia-sip-ua-dev pkg-config valgrind chromium chromium-driver)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo=()
    if ((EUID != 0)); then
        if command -v sudo >/dev/null; then sudo=(sudo -n); else sudo=(false); fi
    fi
    echo "installing Debian packages: ${missing[*]}"
    if ! { "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
            install -y --no-install-recommends "${missing[@]}"; }; then
        warn "could not install ${missing[*]}; the real-peer tests will fail in .ci/run (YEASTAR_REQUIRE_PEERS=1) and skip elsewhere, the instruction gate fails without valgrind, the sip_parse bench runs without sofia-sip"
    fi
else
    echo "Debian packages present: ${apt_packages[*]}"
fi

# The Python WebSocket peer.
if python3 -c 'import websockets' 2>/dev/null; then
    echo "python websockets present"
elif ! python3 -m pip install --quiet websockets &&
    ! python3 -m pip install --quiet --break-system-packages websockets; then
    # Debian 12 marks its Python as externally managed; the second form is its documented way
    # through for a throwaway CI machine.
    warn "could not install python websockets; the WebSocket integration tests will skip"
fi

# cargo-deny: optional and slow to build, so only on request.
if [[ ${INSTALL_CARGO_DENY:-0} == 1 ]]; then
    if cargo deny --version >/dev/null 2>&1; then
        echo "cargo-deny present: $(cargo deny --version)"
    elif ! cargo install cargo-deny --locked; then
        warn "could not install cargo-deny; .ci/quality.sh will skip the dependency policy check"
    fi
fi
