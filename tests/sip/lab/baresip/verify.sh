#!/usr/bin/env bash
# Prove the baresip lab peer works, without the Trapeze lab.  Needs root.
#
#   sudo tests/sip/lab/baresip/verify.sh
#
# Builds two private namespaces bsh-a (203.0.113.102/24) and bsh-b
# (203.0.113.103/24) joined by a veth pair (both deleted on exit), starts
# baresip in bsh-b on 203.0.113.103:5070 through tests/e2e/lib/baresip.mjs
# (run_baresip.mjs), and calls it twice from bsh-a with sipp (uac_probe.xml:
# INVITE PCMU/PCMA/telephone-event, 200, ACK, 3 s of media with -rtp_echo,
# BYE, 200) — once to an arbitrary user (5551234) and once to "baresip".
# tcpdump in bsh-a counts RTP from baresip to each call's media port.
#
# PASS when: both sipp calls succeed; > 50 RTP packets from baresip per call;
# baresip reports 2 incoming / 2 established / 2 closed calls and is still
# running after them; its recording of the received audio holds the echoed
# tone (rms > 1000, ~1000 Hz).
set -u

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NS_A=bsh-a NS_B=bsh-b
ADDR_A=203.0.113.102 ADDR_B=203.0.113.103 PORT=5070
MIN_PKTS=50
WORK="$(mktemp -d /tmp/bsh-verify.XXXXXX)"
DRIVER_PID='' TCPDUMP_PID=''

say() { printf '%s\n' "$*"; }
fail() { say "FAIL: $*"; RESULT=1; exit 1; }

cleanup() {
  local rc=$?
  if [ -n "$TCPDUMP_PID" ] && kill -0 "$TCPDUMP_PID" 2>/dev/null; then kill "$TCPDUMP_PID" 2>/dev/null; wait "$TCPDUMP_PID" 2>/dev/null; fi
  if [ -n "$DRIVER_PID" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    kill -TERM "$DRIVER_PID" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$DRIVER_PID" 2>/dev/null && kill -KILL "$DRIVER_PID" 2>/dev/null
    wait "$DRIVER_PID" 2>/dev/null
  fi
  ip netns del "$NS_A" 2>/dev/null
  ip netns del "$NS_B" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then say "(work files kept in $WORK)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || fail "must run as root (network namespaces)"
for c in ip node baresip sipp tcpdump; do command -v "$c" >/dev/null || fail "missing command: $c"; done

# --- namespaces ---------------------------------------------------------------
for ns in "$NS_A" "$NS_B"; do
  if ip netns list | grep -qw "$ns"; then ip netns del "$ns" || fail "cannot delete stale namespace $ns"; fi
done
ip netns add "$NS_A" && ip netns add "$NS_B" || fail "cannot create namespaces"
ip link add bsh-va netns "$NS_A" type veth peer name bsh-vb netns "$NS_B" || fail "cannot create veth pair"
ip -n "$NS_A" addr add "$ADDR_A/24" dev bsh-va
ip -n "$NS_B" addr add "$ADDR_B/24" dev bsh-vb
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" link set bsh-va up
ip -n "$NS_B" link set bsh-vb up
ip netns exec "$NS_A" ping -c 1 -W 3 "$ADDR_B" >/dev/null || fail "veth link does not work"

# --- baresip (through the node helper) ---------------------------------------
node "$HERE/run_baresip.mjs" --netns "$NS_B" --addr "$ADDR_B" --port "$PORT" \
  --dir "$WORK/baresip" --max-seconds 120 >"$WORK/driver.out" 2>&1 </dev/null &
DRIVER_PID=$!
for _ in $(seq 1 150); do
  grep -q '^READY ' "$WORK/driver.out" && break
  grep -q '^FAILED ' "$WORK/driver.out" && break
  kill -0 "$DRIVER_PID" 2>/dev/null || break
  sleep 0.1
done
grep '^READY ' "$WORK/driver.out" || { cat "$WORK/driver.out"; fail "baresip did not become ready"; }
BARESIP_PID="$(sed -n 's/^READY pid=\([0-9]*\).*/\1/p' "$WORK/driver.out")"

# --- calls ---------------------------------------------------------------------
declare -A PKTS_FROM PKTS_TO
call() { # user media_port
  local user=$1 mp=$2 pcap="$WORK/call-$1.pcap"
  ip netns exec "$NS_A" timeout 30 tcpdump -n -U -i bsh-va -w "$pcap" udp >"$WORK/tcpdump-$user.err" 2>&1 &
  TCPDUMP_PID=$!
  for _ in $(seq 1 50); do grep -q 'listening on' "$WORK/tcpdump-$user.err" && break; sleep 0.1; done
  (cd "$WORK" && ip netns exec "$NS_A" timeout 30 sipp -sf "$HERE/uac_probe.xml" -s "$user" \
      -i "$ADDR_A" -p 5062 -mi "$ADDR_A" -mp "$mp" -rtp_echo -m 1 -timeout 25s -nostdin \
      -trace_err -trace_msg -trace_logs "$ADDR_B:$PORT" >"$WORK/sipp-$user.out" 2>&1)
  local rc=$?
  sleep 0.5
  kill "$TCPDUMP_PID" 2>/dev/null; wait "$TCPDUMP_PID" 2>/dev/null; TCPDUMP_PID=''
  PKTS_FROM[$user]=$(tcpdump -n -r "$pcap" "udp and src host $ADDR_B and dst host $ADDR_A and dst port $mp" 2>/dev/null | wc -l)
  PKTS_TO[$user]=$(tcpdump -n -r "$pcap" "udp and src host $ADDR_A and src port $mp and dst host $ADDR_B" 2>/dev/null | wc -l)
  local rport; rport=$(sed -n 's/.*baresip media port \([0-9]*\).*/\1/p' "$WORK"/uac_probe_*_logs.log 2>/dev/null | tail -1)
  say "call to sip:$user@$ADDR_B:$PORT: sipp rc=$rc, baresip media port ${rport:-?}," \
      "RTP baresip->caller ${PKTS_FROM[$user]} pkts, caller->baresip ${PKTS_TO[$user]} pkts (3 s)"
  [ "$rc" = 0 ] || { tail -20 "$WORK/sipp-$user.out"; cat "$WORK"/uac_probe_*_errors.log 2>/dev/null; return 1; }
  rm -f "$WORK"/uac_probe_*_logs.log
  [ "${PKTS_FROM[$user]}" -gt "$MIN_PKTS" ] || return 1
}
OK=1
call 5551234 6100 || OK=0
call baresip 6200 || OK=0

kill -0 "$BARESIP_PID" 2>/dev/null && ALIVE_PID=1 || ALIVE_PID=0

# --- stop baresip, read its view of the calls ----------------------------------
kill -TERM "$DRIVER_PID"
for _ in $(seq 1 80); do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 0.1; done
wait "$DRIVER_PID" 2>/dev/null; DRIVER_PID=''
RESULT_JSON="$(sed -n 's/^RESULT //p' "$WORK/driver.out")"
[ -n "$RESULT_JSON" ] || { cat "$WORK/driver.out"; fail "no RESULT from the driver"; }
kill -0 "$BARESIP_PID" 2>/dev/null && fail "baresip pid $BARESIP_PID still running after stop()"

CHECK="$(RESULT_JSON="$RESULT_JSON" node -e '
  const r = JSON.parse(process.env.RESULT_JSON), c = r.calls, bad = [];
  if (!r.alive) bad.push("baresip was not running after the calls");
  if (c.incoming !== 2 || c.answered !== 2 || c.established !== 2 || c.closed !== 2)
    bad.push(`calls: incoming=${c.incoming} answered=${c.answered} established=${c.established} closed=${c.closed}, want 2 each`);
  const rx = r.recordings.filter((x) => x.dir === "received");
  if (rx.length < 2 || !rx.every((x) => x.rms > 1000 && Math.abs(x.freq - 1000) < 50))
    bad.push("received-audio recordings lack the echoed tone: " + JSON.stringify(rx));
  console.log(`baresip: incoming=${c.incoming} answered=${c.answered} established=${c.established} closed=${c.closed} reasons=${JSON.stringify(c.reasons)} alive_after_calls=${r.alive} exit=${JSON.stringify(r.exit)}`);
  for (const x of r.recordings) console.log(`recording ${x.dir}: ${x.seconds} s, rms ${x.rms}, ~${x.freq} Hz`);
  for (const b of bad) console.log("problem: " + b);
  process.exit(bad.length ? 1 : 0);
')" ; CRC=$?
say "$CHECK"
[ "$ALIVE_PID" = 1 ] || { OK=0; say "problem: baresip pid $BARESIP_PID gone before stop()"; }
[ "$CRC" = 0 ] || OK=0

if [ "$OK" = 1 ]; then
  say "PASS: baresip auto-answered 2 calls (any user part), sent RTP ${PKTS_FROM[5551234]} + ${PKTS_FROM[baresip]} pkts (> $MIN_PKTS each), received the caller's audio"
  exit 0
fi
grep '^| ' "$WORK/driver.out" | tail -40
fail "see above"
