#!/usr/bin/env bash
# The compare bench in the lab (bench/compare, docs/bench.md "compare").
# 1. rtpengine as the bench runs it: started by PID in gw on the gateway's
#    addresses, NG answers from the web namespace, a WebRTC offer (a real
#    Chromium SDP) bridged to plain RTP comes back as WebRTC with rtpengine's
#    ICE candidate on 198.51.100.1, its fingerprint and setup:passive; delete
#    empties it; `down` ends the process and gives acc0/core0 back as found.
# 2. With the calls generator built: tools/bench.sh compare at 20 streams,
#    Trapeze and rtpengine each: every call completes, media comes back
#    (loss < 1 %), a CPU-per-packet figure for both and their ratio, the
#    generator's ceiling, a PNG; nothing it started is left running.
# The caller holds /tmp/tz-test.lock (meson test under flock): --no-lock.
source "$(dirname "$0")/lib.sh"
ngtool=$build/bench/compare/ng-tool
rtpe() { TZ_RTPE_STATE=$state/compare TZ_BUILD=$build "$here/bench/compare/rtpengine.sh" "$@"; }
ng=198.51.100.1:22223

"$lab" down >/dev/null 2>&1
check "lab comes up" "$lab" up
if ! command -v rtpengine >/dev/null; then
	ok "# SKIP no rtpengine (tools/install-deps.sh --with-lab)"; finish; exit
fi
sysctls_before=$(ip netns exec gw sysctl -n net.ipv4.conf.acc0.rp_filter net.ipv4.conf.acc0.arp_ignore \
	net.ipv4.conf.core0.rp_filter net.ipv4.conf.core0.arp_ignore | tr '\n' ' ')
# what trapezed's af_packet driver leaves, so `down` has something to restore
ip netns exec gw sysctl -qw net.ipv4.conf.acc0.arp_ignore=8 net.ipv4.conf.core0.arp_ignore=8
check "rtpengine starts in gw and answers an NG ping" rtpe start
pid=$(cat "$state/compare/rtpengine.pid" 2>/dev/null)
if [ -n "$pid" ] && [ "$(taskset -pc "$pid" | awk '{print $NF}')" = 1 ]; then
	ok "rtpengine is pinned to core 1 (the worker's)"
else
	not_ok "rtpengine pinned to core 1: $(taskset -pc "$pid" 2>&1)"
fi
check "NG ping from the web namespace" ip netns exec web "$ngtool" "$ng" ping
TZ_NG_DIRECTION=access,core ip netns exec web "$ngtool" "$ng" bridge t1 \
	"$here/tests/fixtures/sdp/chromium-offer.sdp" 203.0.113.2 7000 >"$state/answer" 2>"$state/err"
if grep -q "^m=audio [0-9]* UDP/TLS/RTP/SAVPF 0" "$state/answer" &&
   grep -q "^a=setup:passive" "$state/answer" && grep -q "^a=fingerprint:sha-256 " "$state/answer" &&
   grep -q "^a=candidate:.* 198.51.100.1 [0-9]* typ host" "$state/answer" &&
   grep -q "^a=rtcp-mux" "$state/answer"; then
	ok "offer/answer: WebRTC answer with rtpengine's candidate on the access address, DTLS passive"
else
	not_ok "offer/answer"; sed 's/^/# /' "$state/answer" "$state/err"
fi
if [ "$(ip netns exec web "$ngtool" "$ng" stats | awk '{print $2}')" = 1 ]; then
	ok "statistics: one session"
else
	not_ok "statistics: $(ip netns exec web "$ngtool" "$ng" stats 2>&1)"
fi
check "delete" ip netns exec web "$ngtool" "$ng" delete t1
if [ "$(ip netns exec web "$ngtool" "$ng" stats | awk '{print $2}')" = 0 ]; then
	ok "statistics: no session after delete"
else
	not_ok "sessions after delete: $(ip netns exec web "$ngtool" "$ng" stats 2>&1)"
fi
rtpe down
if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then ok "down ends rtpengine"; else not_ok "rtpengine $pid still runs"; fi
if ! ip netns exec gw ip -br addr show acc0 | grep -q 198.51.100.1 &&
   [ "$(ip netns exec gw sysctl -n net.ipv4.conf.acc0.arp_ignore)" = 8 ]; then
	ok "down gives acc0 back: no address, arp_ignore as it was (8)"
else
	not_ok "acc0 after down: $(ip netns exec gw ip -br addr show acc0) arp_ignore $(ip netns exec gw sysctl -n net.ipv4.conf.acc0.arp_ignore)"
fi
ip netns exec gw sysctl -qw "net.ipv4.conf.acc0.arp_ignore=$(echo "$sysctls_before" | awk '{print $2}')" \
	"net.ipv4.conf.core0.arp_ignore=$(echo "$sysctls_before" | awk '{print $4}')"

# ---- the whole bench, small ----
# (TZ_COMPARE_GEN=calls-step: the engine's developer front end stands in)
if ! "$build/bench/trapeze-bench" calls --help >/dev/null 2>&1 &&
   ! { [ "${TZ_COMPARE_GEN:-}" = calls-step ] && [ -x "$build/bench/calls-step" ]; }; then
	ok "# SKIP trapeze-bench has no calls command in this build"
	finish; exit
fi
out=$state/run
if "$here/tools/bench.sh" compare --no-lock --loads 20 --rate 20 --window 3 --out "$out" \
	>"$state/compare.out" 2>&1; then
	ok "tools/bench.sh compare ran"
else
	not_ok "tools/bench.sh compare"; sed 's/^/# /' "$state/compare.out" | tail -30
fi
sed 's/^/# /' "$state/compare.out" | tail -12
j() { python3 -c "import json,sys; d=json.load(open('$out/compare.json')); r=d['rows'][0]; print($1)" 2>/dev/null; }
for p in trapeze rtpengine; do
	if [ "$(j "r['$p'].get('completed')")" = 20 ] && [ "$(j "r['$p'].get('failed')")" = 0 ]; then
		ok "$p: 20 calls completed, none failed"
	else
		not_ok "$p: completed $(j "r['$p'].get('completed')") failed $(j "r['$p'].get('failed')")"
	fi
	if [ "$(j "int(r['$p'].get('window_loss_pct', 99) < 1 and r['$p']['steady_pkts_received'] > 0)")" = 1 ]; then
		ok "$p: media came back (loss under 1 %)"
	else
		not_ok "$p: loss $(j "r['$p'].get('window_loss_pct')")"
	fi
	if [ "$(j "int((r['$p'].get('ns_per_pkt') or 0) > 0)")" = 1 ]; then
		ok "$p: CPU per forwarded packet measured ($(j "r['$p']['ns_per_pkt']") ns)"
	else
		not_ok "$p: no CPU per packet ($(j "r['$p'].get('note')"))"
	fi
done
if [ "$(j "int((r.get('ratio_rtpengine_to_trapeze') or 0) > 0)")" = 1 ]; then ok "ratio present"; else not_ok "no ratio"; fi
if [ "$(j "int(d['generator_ceiling']['completed'] == 20)")" = 1 ]; then ok "generator ceiling measured"; else not_ok "no generator ceiling"; fi
check "the plot exists" test -s "$out/compare.png"
if ! pgrep -x rtpengine >/dev/null && ! pgrep -f "reflect --listen 203.0.113.2:7000" >/dev/null; then
	ok "nothing the bench started is left running"
else
	not_ok "left running: $(pgrep -a -x rtpengine; pgrep -af 'reflect --listen')"
fi
finish
