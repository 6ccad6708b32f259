#!/bin/bash
# Start a headless baresip 1.0.0 that registers to the test Kamailio (127.0.0.2)
# over UDP and answers every call by itself; wait until the REGISTER got 200 OK.
#   usage: start-registered.sh RUNDIR [USER] [PASSWORD]   (defaults: 1002 1002pass)
# Same config as start.sh (SIP 127.0.0.3:5062, RTP 20000-20099, ctrl_tcp
# 127.0.0.3:4444, calls recorded into RUNDIR/rec). Writes RUNDIR/baresip.pid.
# Stop: kill "$(cat RUNDIR/baresip.pid)"  (it un-REGISTERs, exits in ~1-2 s)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
RUNDIR=$(mkdir -p "${1:?usage: start-registered.sh RUNDIR [USER] [PASSWORD]}" && cd "$1" && pwd)
USER_=${2:-1002}; PASS=${3:-1002pass}
mkdir -p "$RUNDIR/rec"
sed -e "s|@RUNDIR@|$RUNDIR|g" "$HERE/config" >"$RUNDIR/config"
echo "<sip:$USER_@127.0.0.2>;auth_pass=$PASS;answermode=auto;regint=300;audio_codecs=PCMU,PCMA" >"$RUNDIR/accounts"
baresip -f "$RUNDIR" >"$RUNDIR/baresip.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$RUNDIR/baresip.pid"
for _ in $(seq 1 100); do
  if grep -aq "} 200 OK" "$RUNDIR/baresip.log"; then
    echo "baresip registered ($USER_), pid $PID"; exit 0
  fi
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
echo "baresip did not register" >&2
sed 's/\x1b\[[0-9;]*m//g' "$RUNDIR/baresip.log" | tail -n 20 >&2
kill "$PID" 2>/dev/null || true
exit 1
