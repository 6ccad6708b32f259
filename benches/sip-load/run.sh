#!/usr/bin/env bash
# SIP load benchmark: a UAS (answer INVITE with 200 + SDP, take the ACK, answer BYE; no media)
# driven by SIPp over UDP on loopback, the UAS pinned to one core and SIPp to the other, the
# call rate ramped step by step. Runs yeastar-sip's UAS (benches/src/bin/sip_uas.rs) and
# rsipstack's (benches/rsipstack-uas, its own crate) the same way, for the side-by-side ratio.
#
#   bash benches/sip-load/run.sh            # all steps, both stacks (about 4 minutes)
#   RATES="2000 4000" STEP_SECONDS=5 IMPLS=yeastar bash benches/sip-load/run.sh
#
# Per step: offered and achieved calls/s, % successful calls, SIPp retransmissions,
# INVITE->200 p50/p99 (SIPp's per-call response times, -trace_rtt, 1 ms resolution),
# UAS CPU (% of its core) and RSS. Then a hold step (calls kept up HOLD_MS) gives the memory
# per live dialog (an upper bound: it includes the transactions that outlive their calls by
# 64*T1 = 32 s), and the RSS once those are gone, after one round and after a second one.
# One SIPp process tops out near 11 500 calls/s, so SIPP_INSTANCES (default 2) processes share
# the offered rate, each from its own address (127.0.0.3, 127.0.0.4, ...), all on SIPP_CORE.
# "Achieved" is the sustained rate: per SIPp, the median of its one-second periods (SIPp's
# -fd 1 statistics) while it was creating calls, summed over the SIPps; start-up and the last
# calls' tail are left out. Needs sipp and taskset; only 127.0.0.2 (UAS) and 127.0.0.3+ (SIPp)
# are used. Other work on the machine shows in the figures: note the load average printed with
# them.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RATES=${RATES:-"1000 2000 4000 6000 8000 10000 12000 14000"}
STEP_SECONDS=${STEP_SECONDS:-5}
IMPLS=${IMPLS:-"yeastar rsipstack"}
MEMORY=${MEMORY:-1}            # 0 skips the memory rounds
HOLD_RATE=${HOLD_RATE:-1000}
HOLD_MS=${HOLD_MS:-10000}
UAS_CORE=${UAS_CORE:-1}
SIPP_CORE=${SIPP_CORE:-0}
SIPP_INSTANCES=${SIPP_INSTANCES:-2}
SCENARIO=$ROOT/benches/sip-load/uac_load.xml

command -v sipp >/dev/null || { echo "sipp not installed (apt-get install sip-tester)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset not installed (util-linux)" >&2; exit 1; }

echo "building the UASes" >&2
cargo build --release -q -p yeastar-benches --bin sip_uas
(cd benches/rsipstack-uas && cargo build --release -q)

WORK=$(mktemp -d)
UAS_PID=
cleanup() {
    if [[ -n $UAS_PID ]]; then kill "$UAS_PID" 2>/dev/null || true; wait "$UAS_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
now_ms() { date +%s%3N; }

start_uas() {
    case $1 in
        yeastar) PORT=5070; taskset -c "$UAS_CORE" "$ROOT/target/release/sip_uas" 127.0.0.2:$PORT 2>"$WORK/uas.log" & ;;
        rsipstack) PORT=5072; taskset -c "$UAS_CORE" "$ROOT/benches/rsipstack-uas/target/release/rsipstack-uas" $PORT >"$WORK/uas.log" 2>&1 & ;;
    esac
    UAS_PID=$!
    sleep 0.5
}

stop_uas() {
    kill "$UAS_PID" 2>/dev/null || true
    wait "$UAS_PID" 2>/dev/null || true
    UAS_PID=
}

# run_sipp RATE CALLS HOLD_MS -> leaves each SIPp's stat and rtt files in $WORK/step/<n>
run_sipp() {
    rm -rf "$WORK/step" && mkdir -p "$WORK/step"
    local n pids=()
    for ((n = 0; n < SIPP_INSTANCES; n++)); do
        mkdir -p "$WORK/step/$n"
        # SIPp's own -timeout does not stop it under overload: bound it from outside too.
        (cd "$WORK/step/$n" && timeout $((STEP_SECONDS * 4 + 60 + $3 / 500)) taskset -c "$SIPP_CORE" sipp 127.0.0.2:$PORT -sf "$SCENARIO" \
            -i "127.0.0.$((3 + n))" -p 5071 -r "$(( $1 / SIPP_INSTANCES ))" -m "$(( $2 / SIPP_INSTANCES ))" -d "$3" -l 200000 -buff_size 4194304 \
            -trace_stat -stf stat.csv -fd 1 -trace_rtt -rtt_freq 1000 \
            -nostdin -timeout $((STEP_SECONDS * 4 + 40)) >sipp.out 2>&1) &
        pids+=("$!")
    done
    wait "${pids[@]}" || true
}

# step_figures -> "success% retrans p50 p99 successful sustained"
step_figures() {
    python3 - "$WORK/step" <<'PY'
import csv, glob, statistics, sys
d = sys.argv[1]
ok = failed = retrans = 0
sustained = 0.0
times = []
for inst in sorted(glob.glob(f"{d}/*/")):
    rows = list(csv.reader(open(f"{inst}stat.csv"), delimiter=";"))
    head = rows[0]
    col = lambda row, name: row[head.index(name)]
    last = rows[-1]
    ok += int(col(last, "SuccessfulCall(C)"))
    failed += int(col(last, "FailedCall(C)"))
    retrans += int(col(last, "Retransmissions(C)"))
    # One-second periods while calls were being created: the steady rate of this SIPp.
    rates, prev = [], None
    for row in rows[1:]:
        at = float(col(row, "CurrentTime").split()[-1])
        if prev is not None and at - prev >= 0.5 and int(col(row, "OutgoingCall(P)")) > 0:
            rates.append(int(col(row, "SuccessfulCall(P)")) / (at - prev))
        prev = at
    # The first period holds the start-up, the last the tail: drop them when there are more.
    if len(rates) > 2:
        rates = rates[1:-1]
    sustained += statistics.median(rates) if rates else 0.0
    for f in glob.glob(f"{inst}*_rtt.csv"):
        for row in csv.reader(open(f), delimiter=";"):
            if len(row) >= 2 and row[1].replace(".", "", 1).isdigit():
                times.append(float(row[1]))
times.sort()
pct = lambda p: times[min(len(times) - 1, int(p * len(times)))] if times else float("nan")
share = 100.0 * ok / max(1, ok + failed)
print(f"{share:.2f} {retrans} {pct(0.50):.0f} {pct(0.99):.0f} {ok} {sustained:.0f}")
PY
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores; UAS on core $UAS_CORE, $SIPP_INSTANCES SIPp on core $SIPP_CORE"
echo
echo "| stack | offered calls/s | achieved calls/s | successful | retransmissions | INVITE→200 p50 / p99 (ms) | UAS CPU | UAS RSS |"
echo "|---|---|---|---|---|---|---|---|"
for impl in $IMPLS; do
    start_uas "$impl"
    for rate in $RATES; do
        calls=$((rate * STEP_SECONDS))
        t0=$(ticks "$UAS_PID"); w0=$(now_ms)
        run_sipp "$rate" "$calls" 0
        w1=$(now_ms); t1=$(ticks "$UAS_PID")
        read -r share retrans p50 p99 ok achieved < <(step_figures)
        wall=$(( w1 - w0 ))
        cpu=$(( (t1 - t0) * 10 * 100 / (wall > 0 ? wall : 1) ))
        echo "| $impl | $rate | $achieved | $share % | $retrans | $p50 / $p99 | $cpu % | $(( $(rss_kb "$UAS_PID") / 1024 )) MB |"
        sleep 1
    done
    stop_uas
done

[[ $MEMORY == 1 ]] || exit 0
echo
echo "| stack | live dialogs | RSS before | RSS at peak | per live dialog | RSS 35 s after the calls ended | the same after a second round |"
echo "|---|---|---|---|---|---|---|"
for impl in $IMPLS; do
    start_uas "$impl"
    live=$(( HOLD_RATE * HOLD_MS / 1000 ))
    calls=$(( live * 2 ))
    before=$(rss_kb "$UAS_PID")
    peak=$before
    afters=()
    for round in 1 2; do
        run_sipp "$HOLD_RATE" "$calls" "$HOLD_MS" &
        sipp_job=$!
        while kill -0 "$sipp_job" 2>/dev/null; do
            r=$(rss_kb "$UAS_PID"); (( r > peak )) && peak=$r
            sleep 0.2
        done
        wait "$sipp_job" || true
        sleep 35
        afters+=("$(( $(rss_kb "$UAS_PID") / 1024 )) MB")
    done
    per=$(( (peak - before) * 1024 / live ))
    echo "| $impl | $live | $(( before / 1024 )) MB | $(( peak / 1024 )) MB | $(( per / 1024 )).$(( per % 1024 * 10 / 1024 )) kB | ${afters[0]} | ${afters[1]} |"
    stop_uas
done
