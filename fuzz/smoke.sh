#!/usr/bin/env bash
# Fuzz smoke test shared by CI and developers: builds every fuzz target, then runs each for
# ${FUZZ_SECONDS:-30} seconds from its seed corpus (and dictionary), and fails on any crash,
# leak, timeout or out-of-memory, printing the input that triggered it.
#
# Usage: fuzz/smoke.sh [target...]   (default: every target `cargo fuzz list` knows)
#   FUZZ_SECONDS=30      run time per target
#   FUZZ_SEED=1          libFuzzer's random seed; the fixed default makes a red run replayable
#                        with the same command. FUZZ_SEED=0 draws a fresh seed for exploration
#                        (do that for long runs before a release).
#   FUZZ_TARGET_DIR=...  build dir (default fuzz/target)
# Needs the nightly toolchain and cargo-fuzz (.ci/install.sh installs it); installs nothing.
set -euo pipefail
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
cd "$fuzz_dir"
export CARGO_TERM_COLOR=never
# The fuzz crate keeps its own target dir (nightly, sanitizer flags, its own cache), fuzz/target
# unless FUZZ_TARGET_DIR says otherwise (a CI cache, a build that must not share locks).
unset CARGO_TARGET_DIR
target_dir=${FUZZ_TARGET_DIR:-$fuzz_dir/target}

seconds=${FUZZ_SECONDS:-30}
seed=${FUZZ_SEED:-1}

if ! cargo +nightly fuzz --version; then
    echo "error: cargo-fuzz is not installed for the nightly toolchain (see .ci/install.sh)" >&2
    exit 2
fi

if (($#)); then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
if ((${#targets[@]} == 0)); then
    echo "error: no fuzz targets found" >&2
    exit 2
fi

# Seeds come from the test data, so they are rebuilt every run (cheap, and idempotent).
bash "$fuzz_dir/seeds.sh" "${targets[@]}"

# One build of all targets: they share the dependency graph, so this is much faster than one
# build per target.
start=$SECONDS
if (($#)); then
    for t in "${targets[@]}"; do
        cargo +nightly fuzz build --target-dir "$target_dir" "$t"
    done
else
    cargo +nightly fuzz build --target-dir "$target_dir"
fi
echo "== fuzz build: $((SECONDS - start)) s"

# Where cargo-fuzz puts the binaries (release profile, host triple, its defaults).
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin_dir=$target_dir/$host/release
# As cargo-fuzz sets it: Rust statics trip ASan's one-definition-rule check.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0}

failed=()
for t in "${targets[@]}"; do
    corpus=$fuzz_dir/corpus/$t
    artifacts=$fuzz_dir/artifacts/$t
    log=$artifacts/smoke.log
    mkdir -p "$corpus" "$artifacts"
    # A token dictionary where one fits the target's input language.
    dict=()
    case $t in
    ami_*) [[ -f $fuzz_dir/dict/ami.dict ]] && dict=("-dict=$fuzz_dir/dict/ami.dict") ;;
    sip_* | ws_frame) [[ -f $fuzz_dir/dict/sip.dict ]] && dict=("-dict=$fuzz_dir/dict/sip.dict") ;;
    sdp) [[ -f $fuzz_dir/dict/sdp.dict ]] && dict=("-dict=$fuzz_dir/dict/sdp.dict") ;;
    esac
    echo "== fuzz $t for ${seconds} s (seed $seed)"
    start=$SECONDS
    touch "$artifacts/.started"
    status=0
    # The binaries cargo-fuzz just built, run directly so nothing rebuilds between targets.
    # The outer timeout only guards against a hang outside libFuzzer's own limits.
    timeout --kill-after=30 $((seconds + 300)) \
        "$bin_dir/$t" "$corpus" \
        -max_total_time="$seconds" \
        -seed="$seed" \
        -rss_limit_mb=2048 \
        -timeout=10 \
        -print_final_stats=1 \
        -artifact_prefix="$artifacts/" \
        ${dict[@]+"${dict[@]}"} >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "   $t: $((SECONDS - start)) s, ${runs:-?} runs, exit $status"
    if ((status != 0)); then
        failed+=("$t")
        # What went wrong, and the input that reproduces it.
        grep -E 'ERROR: libFuzzer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|panicked at|SUMMARY' "$log" | head -20 || true
        grep -E 'Test unit written to|artifact_prefix' "$log" || true
        find "$artifacts" -maxdepth 1 -type f -newer "$artifacts/.started" ! -name smoke.log |
            while IFS= read -r a; do
                echo "   artifact: $a (reproduce: cargo +nightly fuzz run $t $a)"
            done
        echo "   full log: $log"
    fi
done

if ((${#failed[@]})); then
    echo "FAILED fuzz targets: ${failed[*]}" >&2
    exit 1
fi
echo "== fuzz smoke passed: ${#targets[@]} targets, ${seconds} s each"
