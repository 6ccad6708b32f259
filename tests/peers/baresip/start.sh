#!/bin/bash
# Start a headless baresip 1.0.0 that answers every INVITE to
# sip:1002@127.0.0.3:5062 by itself (no registrar), and wait until it is ready.
#   usage: start.sh RUNDIR
# Writes RUNDIR/{config,accounts,baresip.log,baresip.pid,rec/}. SIP on
# 127.0.0.3:5062 (udp+tcp), RTP 20000-20099 (bound on 0.0.0.0: its RTP leaves
# from 127.0.0.1), ctrl_tcp 127.0.0.3:4444, each call's audio as WAV in RUNDIR/rec.
# Stop: kill "$(cat RUNDIR/baresip.pid)"  (exits in about a second)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
RUNDIR=$(mkdir -p "${1:?usage: start.sh RUNDIR}" && cd "$1" && pwd)
mkdir -p "$RUNDIR/rec"
sed -e "s|@RUNDIR@|$RUNDIR|g" "$HERE/config" >"$RUNDIR/config"
cp "$HERE/accounts" "$RUNDIR/accounts"
# start baresip itself in the background (not "cd dir && baresip &": then $!
# would be a subshell and killing it would leave baresip running)
baresip -f "$RUNDIR" >"$RUNDIR/baresip.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$RUNDIR/baresip.pid"
for _ in $(seq 1 100); do
  if grep -aq "baresip is ready" "$RUNDIR/baresip.log"; then
    echo "baresip ready, pid $PID"; exit 0
  fi
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
echo "baresip did not start" >&2
sed 's/\x1b\[[0-9;]*m//g' "$RUNDIR/baresip.log" | tail -n 20 >&2
kill "$PID" 2>/dev/null || true
exit 1
