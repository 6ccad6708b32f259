#!/usr/bin/env bash
# Builds the seed corpus of every fuzz target in fuzz/corpus/<target>/ from the project's test
# data (captures, fixtures, RFC corpora), so fuzzing starts from real traffic instead of nothing.
#
# Usage: fuzz/seeds.sh [target...]   (default: every [[bin]] of fuzz/Cargo.toml)
# Seeds are named by content hash, as libFuzzer names what it adds, so rerunning is idempotent
# and the corpus directories can be shared with what fuzzing found. Missing data is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

out=fuzz/corpus
# libFuzzer's default -max_len is the largest seed: keep seeds small so each run stays fast.
max_seed=${FUZZ_MAX_SEED:-4096}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ami_data=yeastar-ami/tests/data
sip_data=yeastar-sip/tests/data
rtp_data=yeastar-rtp/tests/data

# Every target in the fuzz crate, read from the manifest so this works without cargo-fuzz.
list_targets() {
    awk '/^\[\[bin\]\]/ { inbin = 1; next }
         /^\[/ { inbin = 0 }
         inbin && /^name *=/ { gsub(/.*= *"|".*/, ""); print }' fuzz/Cargo.toml
}

# Data files under the given directories (those that exist), docs and indexes left out.
data_files() {
    local dirs=()
    for d in "$@"; do
        [[ -d $d ]] && dirs+=("$d")
    done
    ((${#dirs[@]})) || return 0
    find "${dirs[@]}" -type f ! -name '*.md' ! -name '*.tsv' ! -name '.*' | LC_ALL=C sort
}

# add_seeds TARGET HEADER_BYTES < file list
# Splits each file at line ends into pieces of at most $max_seed bytes, prefixes HEADER_BYTES
# zero bytes (targets that read an `arbitrary` config first), stores each piece by its hash.
add_seeds() {
    local target=$1 header=$2 dir=$out/$1 tmp=$work/split f piece sum n=0
    mkdir -p "$dir" "$tmp"
    while IFS= read -r f; do
        [[ -s $f ]] || continue
        rm -f "$tmp"/piece.*
        split -C "$max_seed" "$f" "$tmp/piece."
        for piece in "$tmp"/piece.*; do
            {
                head -c "$header" /dev/zero
                cat "$piece"
            } >"$tmp/seed"
            sum=$(sha1sum "$tmp/seed" | cut -d' ' -f1)
            mv "$tmp/seed" "$dir/$sum"
            n=$((n + 1))
        done
    done
    echo "$target: $n seeds from test data, $(find "$dir" -type f | wc -l) in $dir"
}

# The bodies of SIP messages (everything after the first blank line), as files under $work.
sip_bodies() {
    local f body
    mkdir -p "$work/bodies"
    while IFS= read -r f; do
        body=$work/bodies/$(basename "$f")
        sed '1,/^\r\{0,1\}$/d' "$f" >"$body"
        [[ -s $body ]] && echo "$body" || rm -f "$body"
    done
}

# The SIP, SIPS and TEL URIs found in SIP messages, one file each under $work.
sip_uris() {
    local f n=0
    mkdir -p "$work/uris"
    while IFS= read -r f; do
        grep -aoE '(sips?|tel):[^][ <>",;'"'"'[:cntrl:]]+(;[^][ <>",[:cntrl:]]+)*' "$f" || true
    done | LC_ALL=C sort -u | while IFS= read -r uri; do
        n=$((n + 1))
        printf '%s' "$uri" >"$work/uris/$n"
        echo "$work/uris/$n"
    done
}

# Multi-step seeds for sip_endpoint: call flows from the realistic captures, each message a
# step (op 0 = a datagram from the first peer), with clock advances (op 3) in between, and a
# registration answered by the target's own response step (op 7).
endpoint_sequences() {
    local dir=$out/sip_endpoint r=$sip_data/realistic seq f sum
    [[ -d $r ]] || return 0
    for seq in "07_invite_sdp_yealink 13_ack_yealink 27_info_dtmf_relay_yealink 23_refer_blind_yealink 14_bye_asterisk" \
        "07_invite_sdp_yealink 16_cancel_yealink" \
        "33_reinvite_hold_yeastar 18_options_qualify_asterisk"; do
        {
            for f in $seq; do
                [[ -f $r/$f.sip ]] || continue
                printf '\0\0'
                cat "$r/$f.sip"
                printf '\0\003\010'
            done
        } >"$work/seq"
        sum=$(sha1sum "$work/seq" | cut -d' ' -f1)
        mv "$work/seq" "$dir/$sum"
    done
    # Register (op 4, command 8), answer 401 then 200 (op 7), advance the clock.
    printf '\004\200\0\007\005\0\007\003\0\003\377' >"$work/seq"
    sum=$(sha1sum "$work/seq" | cut -d' ' -f1)
    mv "$work/seq" "$dir/$sum"
    echo "sip_endpoint: 4 sequence seeds"
}

# One unmasked WebSocket text frame (FIN, opcode 1) around the file's bytes, on stdout.
ws_text_frame() {
    local len
    len=$(wc -c <"$1")
    if ((len < 126)); then
        printf "\\$(printf %03o $((0x80 | 1)))\\$(printf %03o "$len")"
    else
        printf "\\201\\176\\$(printf %03o $((len >> 8)))\\$(printf %03o $((len & 255)))"
    fi
    cat "$1"
}

# ws_frame seeds: each SIP test message as the text frame a WebSocket peer sends, after a
# ping frame and a CRLF keep-alive, so every path of the receive side starts covered.
ws_frame_seeds() {
    local dir=$out/ws_frame f sum n=0
    mkdir -p "$dir"
    while IFS= read -r f; do
        [[ -s $f ]] || continue
        (($(wc -c <"$f") < 65536)) || continue
        {
            printf '\211\000'
            printf '\201\004\r\n\r\n'
            ws_text_frame "$f"
        } >"$work/frame"
        (($(wc -c <"$work/frame") <= max_seed)) || continue
        sum=$(sha1sum "$work/frame" | cut -d' ' -f1)
        mv "$work/frame" "$dir/$sum"
        n=$((n + 1))
    done
    echo "ws_frame: $n framed SIP messages, $(find "$dir" -type f | wc -l) in $dir"
}

# ws_supervise seeds: a few event sequences (see the target's Op enum: 0 advance, 1 inbound,
# 2 keep-alive timeout, 3 connect now, 4 connected, 5 failed, 6 closed, 7 released,
# 8 retry timeout, 9 stop), after the configuration bytes.
ws_supervise_seeds() {
    local dir=$out/ws_supervise s sum
    mkdir -p "$dir"
    for s in '\001\000\144\000\310\000\012\000\350\003\000\000\001\007\000\000\000\000\000\000\000\003\004\000\377\000\002\001\002\000\377\000\002\006\010' \
        '\000\000\000\000\001\000\001\377\377\377\000\001\001\001\001\001\001\001\001\003\005\010\005\010\005\010\004\006\010\004\011'; do
        printf "$s" >"$work/sup"
        sum=$(sha1sum "$work/sup" | cut -d' ' -f1)
        mv "$work/sup" "$dir/$sum"
    done
    echo "ws_supervise: 2 sequence seeds"
}

# ivr seeds: operator flag, repeats, menu timeout (2 bytes), then ops (0 digit + index,
# 1 prompt finished, 2 advance + 2 bytes, 3 timeout, 4 transfer failed): a walk through the
# message (2, #), the echo (1, #), the operator (0) and unanswered menus.
ivr_seeds() {
    local dir=$out/ivr s sum
    mkdir -p "$dir"
    for s in '\001\003\350\003\001\001\000\002\001\000\013\001\001\000\001\001\000\013\000\000\001\004\001' \
        '\000\002\144\000\001\001\002\377\000\003\001\002\377\000\003\001\002\377\000\003\001'; do
        printf "$s" >"$work/ivr"
        sum=$(sha1sum "$work/ivr" | cut -d' ' -f1)
        mv "$work/ivr" "$dir/$sum"
    done
    echo "ivr: 2 sequence seeds"
}

seed_target() {
    local t=$1
    case $t in
    ami_decode)
        # 16 zero bytes: the target's config (banner expected, default limits), then the stream.
        { data_files "$ami_data" | grep -E '\.s2c\.raw$|\.ami$' || true; } | add_seeds "$t" 16 ;;
    ami_tracker)
        # 9 zero bytes: flags (no mangling, no time between frames) and the mangling seed.
        { data_files "$ami_data" | grep -E '\.s2c\.raw$' || true; } | add_seeds "$t" 9 ;;
    ami_action_encode)
        # Raw actions as sent: arbitrary reads names, keys and values out of real text.
        { data_files "$ami_data" | grep -E '\.c2s\.raw$' || true; } | add_seeds "$t" 0 ;;
    ami_*)
        { data_files "$ami_data" | grep -E '\.(s2c|c2s)\.raw$|\.ami$' || true; } | add_seeds "$t" 0 ;;
    sip_endpoint)
        # One step per seed: a zero op byte (a UDP datagram from the first peer), then the
        # message; steps of longer sequences are joined by NUL bytes.
        { data_files "$sip_data" | grep -E '\.(sip|dat)$' || true; } | add_seeds "$t" 1
        endpoint_sequences ;;
    sip_uri)
        # The URIs of the SIP test messages, one seed each.
        { data_files "$sip_data" | sip_uris; } | add_seeds "$t" 0 ;;
    sip_*)
        data_files "$sip_data" | add_seeds "$t" 0 ;;
    sdp)
        { data_files "$sip_data" | sip_bodies; data_files "$sip_data" | grep -E '\.sdp$' || true; } |
            add_seeds "$t" 0 ;;
    ws_frame)
        { data_files "$sip_data" | grep -E '\.(sip|dat)$' || true; } | ws_frame_seeds ;;
    ws_supervise)
        ws_supervise_seeds ;;
    ivr)
        ivr_seeds ;;
    rtp_* | rtcp* | dtmf_* | jitter_*)
        { data_files "$rtp_data" | grep -vE '\.(csv|txt)$' || true; } | add_seeds "$t" 0 ;;
    *)
        mkdir -p "$out/$t"
        echo "$t: no test data mapped, starting from an empty corpus" ;;
    esac
}

if (($#)); then
    targets=("$@")
else
    mapfile -t targets < <(list_targets)
fi
for t in "${targets[@]}"; do
    seed_target "$t"
done
