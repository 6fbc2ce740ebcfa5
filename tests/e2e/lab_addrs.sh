#!/usr/bin/env bash
# Several media addresses per side (issue 12, ports[].media_addresses): the
# lab gateway with config/bench-lab.yaml plus one more media address on each
# side (access 198.51.100.11, core 203.0.113.11), then `trapeze-bench calls`
# places 6 whole WebRTC calls to the lab PBX (sipp echoing RTP) and holds
# them.  While they are held, `show calls` must show both core addresses and
# both access addresses in use (the least used address first: 3 calls on
# each), the SIP SDP's c= being the call's own address (sipp echoes to it);
# `show ports` lists the addresses.  Afterwards every call must have
# completed with its media both ways (the client checks each call's echo;
# loss while held fails a call).  Run under the lab lock (tools/test.sh
# holds it; by hand: flock /tmp/tz-test.lock tests/e2e/lab_addrs.sh).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TZ_BUILD=${TZ_BUILD:?TZ_BUILD must name the build directory}
state=$(mktemp -d /tmp/tz-e2e.XXXXXX)
ctl=("$TZ_BUILD/ctrlplane/cli/trapezectl" --socket /run/trapeze/trapezed.sock)
fail() { echo "lab_addrs: FAIL: $*"; exit 1; }
dump=
trap '[ -n "$dump" ] && kill "$dump" 2>/dev/null; "$here/tools/lab.sh" down >/dev/null 2>&1; rm -rf "$state"' EXIT

sed -e 's|^\(    ipv4: 198.51.100.1/24\)\(.*\)$|\1\2\n    media_addresses: [198.51.100.11]|' \
    -e 's|^\(    ipv4: 203.0.113.1/24\)\(.*\)$|\1\2\n    media_addresses: [203.0.113.11]|' \
    "$here/config/bench-lab.yaml" >"$state/addrs.yaml"
[ "$(grep -c media_addresses "$state/addrs.yaml")" -eq 2 ] || fail "config not generated"
"$here/tools/lab.sh" down >/dev/null 2>&1
"$here/tools/lab.sh" up >/dev/null || fail "the lab did not come up"
# the SIP the PBX sees: each INVITE's SDP must name the call's core address
ip netns exec sip tcpdump -i sip0 -n -l -U -A -s 0 'udp port 5060' >"$state/sip.txt" 2>"$state/tcpdump.err" &
dump=$!
for _ in $(seq 1 50); do grep -q "listening on" "$state/tcpdump.err" && break; sleep 0.1; done
grep -q "listening on" "$state/tcpdump.err" || fail "tcpdump did not start: $(cat "$state/tcpdump.err")"

# the calls, in the background: 6 at 3/s, each held 12 s
TZ_LAB_LOCKED=1 "$here/tools/bench.sh" calls --config "$state/addrs.yaml" --out "$state/out" \
	--rate 3 --total 6 --concurrent 6 --hold 12 --quiet >"$state/bench.log" 2>&1 &
bench=$!

# while held: which addresses the calls have (wait for 6 calls with media)
seen=
for _ in $(seq 1 120); do
	rows=$(ip netns exec gw "${ctl[@]}" --json show calls 2>/dev/null) || rows='[]'
	seen=$(printf '%s' "$rows" | python3 -c '
import json, sys
calls = [c for c in json.load(sys.stdin) if c.get("packets", 0) > 0 and "core_media" in c]
if len(calls) == 6:
    core = sorted(c["core_media"] for c in calls)
    web = sorted(c["local_media"] for c in calls)
    print(" ".join(core), "|", " ".join(web))
' 2>/dev/null)
	[ -n "$seen" ] && break
	kill -0 "$bench" 2>/dev/null || break
	sleep 0.5
done
ports=$(ip netns exec gw "${ctl[@]}" --json show ports 2>/dev/null)
wait "$bench"; rc=$?
kill "$dump" 2>/dev/null; wait "$dump" 2>/dev/null; dump=
cat "$state/bench.log"
echo "lab_addrs: calls held on: $seen"
# our INVITEs' c= (the PBX's answers name 203.0.113.2): both addresses, 3
# calls each (an INVITE retransmitted over UDP counts again: at least 3)
sdp=$(grep -ao 'c=IN IP4 203\.0\.113\.1[0-9]*' "$state/sip.txt" | sort | uniq -c | awk '{print $1 "x" $4}' | tr '\n' ' ')
echo "lab_addrs: SIP SDP c= lines: $sdp"
printf '%s' "$sdp" | grep -Eq '^([3-9]|[1-9][0-9]+)x203\.0\.113\.1 ([3-9]|[1-9][0-9]+)x203\.0\.113\.11 $' ||
	fail "the INVITEs' c= lines: '$sdp'; expected at least 3 of each address"
want="203.0.113.1 203.0.113.1 203.0.113.1 203.0.113.11 203.0.113.11 203.0.113.11 | 198.51.100.1 198.51.100.1 198.51.100.1 198.51.100.11 198.51.100.11 198.51.100.11"
[ "$seen" = "$want" ] || fail "addresses in use: '$seen'; expected '$want'"
printf '%s' "$ports" | grep -q '203.0.113.1 203.0.113.11' || fail "show ports: $ports"
printf '%s' "$ports" | grep -q '198.51.100.1 198.51.100.11' || fail "show ports: $ports"
calls=$(printf '%s' "$ports" | python3 -c '
import json, sys
print(" ".join(p["media_calls"] for p in json.load(sys.stdin) if p["role"] != "tap"))')
[ "$calls" = "3 3 3 3" ] || fail "show ports media_calls: '$calls'; expected '3 3 3 3'"
[ "$rc" -eq 0 ] || fail "trapeze-bench calls exited $rc"
python3 - "$state/out/calls.json" <<'PY' || fail "the calls did not all complete with media both ways"
import json, sys
s = json.load(open(sys.argv[1]))["steps"][0]
print(f"lab_addrs: attempted {s['attempted']} completed {s['completed']} failed {s['failed']} "
      f"loss {s['loss_pct']} % failures {s['failures']}")
sys.exit(0 if s["completed"] == 6 and s["failed"] == 0 else 1)
PY
echo "lab_addrs: PASS"
