#!/usr/bin/env bash
# The main job on the embedded default: install, build, bring up the lab,
# start trapezed in it, run a self-test and print what happened, then keep
# the gateway running until Ctrl-C (which stops it and takes the lab down).
#   tools/demo.sh            interactive: waits for Ctrl-C
#   tools/demo.sh --once     self-test, then stop (for scripts)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TZ_BUILD:-$here/build}
export TZ_BUILD=$build
mode=${1:-}
cd "$here"

tools/install-deps.sh --with-lab || exit 1
tools/build.sh "$build" >/dev/null || { echo "demo: build failed (run tools/build.sh to see why)" >&2; exit 1; }

ctl() { "$build/ctrlplane/cli/trapezectl" "$@"; }
stop() { echo; tools/lab.sh down; exit "${1:-0}"; }
trap 'stop 130' INT TERM

tools/lab.sh down >/dev/null 2>&1
tools/lab.sh start || stop 1

echo
echo "== self-test: the gateway answers through the DPDK dataplane"
result=0
for target in "web 198.51.100.1" "web 2001:db8:100::1" "sip 203.0.113.1" "sip 2001:db8:200::1"; do
	set -- $target
	if out=$(ip netns exec "$1" ping -c 3 -i 0.2 -W 2 "$2" 2>&1); then
		printf '  %-4s -> %-18s %s\n' "$1" "$2" "$(echo "$out" | grep -o '[0-9]* received.*time [0-9]*ms' | sed 's/, time.*//')"
	else
		printf '  %-4s -> %-18s FAILED\n' "$1" "$2"; result=1
	fi
done
echo
echo
# Real calls: headless Chromium in namespace web calls the echo service,
# then a number on the lab's SIP trunk, where sipp (namespace sip) plays the
# PBX: it rings, answers and echoes the RTP back.
if ! (cd tests/e2e && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; }); then
	echo "demo: cannot install the browser test driver (npm ci in tests/e2e)"; result=1
fi
ip netns exec web node tests/e2e/selftest.mjs || result=1
echo
ip netns exec sip sipp -sf tests/sip/lab/uas_echo.xml -i 203.0.113.2 -p 5060 -mi 203.0.113.2 \
	-mp 6000 -rtp_echo -m 1 -nostdin -timeout 60s >/dev/null 2>&1 &
pbx=$!
sleep 0.5
TZ_SELFTEST_TARGET=+442079460000 ip netns exec web node tests/e2e/selftest.mjs || result=1
wait "$pbx" 2>/dev/null && echo "  the PBX (sipp) saw INVITE, ACK and BYE: complete call" ||
	{ echo "  the PBX (sipp) did not see a complete call"; result=1; }
echo
# The same with the demo's "Force Opus": the browser offers only Opus, the
# PBX only G.711, the gateway's media-services stage transcodes both ways.
ip netns exec sip sipp -sf tests/sip/lab/uas_echo.xml -i 203.0.113.2 -p 5060 -mi 203.0.113.2 \
	-mp 6000 -rtp_echo -m 1 -nostdin -timeout 60s >/dev/null 2>&1 &
pbx=$!
sleep 0.5
TZ_SELFTEST_TARGET=+442079460001 TZ_SELFTEST_FORCE_OPUS=1 ip netns exec web node tests/e2e/selftest.mjs || result=1
wait "$pbx" 2>/dev/null
echo
# A number the PBX does not know: the configured announcement (tools/lab.sh
# lab_sounds), then the hang-up with the PBX's 404.
ip netns exec sip sipp -sf tests/sip/lab/uas_echo.xml -i 203.0.113.2 -p 5060 -mi 203.0.113.2 \
	-mp 6000 -rtp_echo -m 1 -nostdin -timeout 60s >/dev/null 2>&1 &
pbx=$!
sleep 0.5
ip netns exec web node tests/e2e/selftest_announce.mjs || result=1
wait "$pbx" 2>/dev/null
echo
echo "== trapezectl show ports"
ctl show ports
echo
echo "== trapezectl show lcores"
ctl show lcores
echo
echo "== trapezectl show cdr  (call detail records of these calls, docs/cdr.md)"
ctl show cdr
echo
echo "== GET /metrics  (Prometheus, on the gateway's loopback, docs/metrics.md; a few of its lines)"
ip netns exec gw curl -s --max-time 5 http://127.0.0.1:9469/metrics |
	grep -E '^trapeze_(calls_total|call_setup_seconds_(count|sum)|config_generation)[ {]' ||
	echo "  (no answer: is metrics.listen set in the lab config?)"
echo
if [ $result -ne 0 ]; then
	echo "demo: self-test FAILED (gateway log: /run/trapeze/lab/trapezed.log)"
	stop 1
fi
echo "demo: self-test passed."
[ "$mode" = "--once" ] && stop 0
tools/lab.sh pbx || stop 1
tools/lab.sh video-pbx || echo "demo: no video endpoint (gstreamer1.0-tools missing?); audio calls still work"
cat <<MSG

The gateway is running in namespace gw (log: /run/trapeze/lab/trapezed.log),
the lab PBX (sipp: answers every number, echoes your audio) in namespace sip.
Demo web phone: https://198.51.100.1:8443/ (lab certificate, self-signed) —
reachable from the lab's web namespace, e.g. with a desktop session:
      ip netns exec web chromium --user-data-dir=\$(mktemp -d) https://198.51.100.1:8443/
Log in as any name, dial any number: the PBX answers and you hear yourself.
Video: press "Video call" with +1321000 (the lab's SIP video endpoint shows a
test picture and decodes your camera; +1323000: the same in H.264). Messages: send one to any number; the
PBX answers it. DTMF keys during a call reach the PBX as RFC 4733 events.
Announcements: numbers starting with 404 are unknown at the PBX (you hear the
special information tone, then the call ends with 404), 486... are busy.
Have the PBX call you back (answer on the page):
      tools/lab.sh call NAME [SECONDS]
Try:  $build/ctrlplane/cli/trapezectl            (interactive shell: show calls,
      show sessions, show sip stats)
Press Ctrl-C to stop the gateway and the PBX and take the lab down.
MSG
while sleep 3600; do :; done
