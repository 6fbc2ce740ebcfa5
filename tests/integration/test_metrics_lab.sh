#!/usr/bin/env bash
# Metrics in the lab (issue 13): the gateway's GET /metrics, scraped with curl
# from namespace gw, passes `promtool check metrics`; other paths and methods
# get 404/405; a source outside metrics.allow (namespace web) is refused and
# counted; trapeze-bench calls through the lab PBX raise the calls counter and
# the set-up time histogram's count; dpdk-telemetry.py answers
# /trapeze/sessions with JSON next to /ethdev/list; a reload moves
# trapeze_config_generation and counts.  Run under the lab lock.
source "$(dirname "$0")/lib.sh"
export TZ_LAB_LOCKED=1
port=9469
url=http://127.0.0.1:$port/metrics
sock=/run/trapeze/trapezed.sock
config=$state/metrics-lab.yaml
scrape() { ip netns exec gw curl -s --max-time 5 "$url"; }
# value of one sample: metric NAME{LABELS} (exact text before the value)
sample() { scrape | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "none" }'; }

"$lab" down >/dev/null 2>&1
# the bench config, listening on every address of gw, loopback allowed only
sed -e "s|^  listen: 127.0.0.1:9469 .*|  listen: 0.0.0.0:$port|" \
    -e 's|^  allow: \[127.0.0.0/8, "::1/128"\]|  allow: [127.0.0.0/8]|' \
    "$here/config/bench-lab.yaml" >"$config"
grep -q "listen: 0.0.0.0:$port" "$config" || { not_ok "metrics block in config/bench-lab.yaml"; finish; exit 1; }

# 1. three calls through tools/bench.sh (starts the lab, the gateway, the PBX; --keep)
if "$here/tools/bench.sh" calls --config "$config" --keep --out "$state/bench" --total 3 \
	--rate 3 --hold 1 --concurrent 3 --quiet >"$state/bench.out" 2>&1; then
	ok "tools/bench.sh calls: 3 calls through the lab gateway and PBX"
else
	not_ok "tools/bench.sh calls exited $?"; sed 's/^/# /' "$state/bench.out" | tail -20
fi
daemon_pid=$(cat /run/trapeze/lab/trapezed.pid 2>/dev/null)   # cleanup stops it

# 2. the exposition is valid
scrape >"$state/metrics.txt"
if [ -s "$state/metrics.txt" ] && promtool check metrics <"$state/metrics.txt" >"$state/promtool.out" 2>&1; then
	ok "GET /metrics from gw passes promtool check metrics ($(wc -l <"$state/metrics.txt") lines)"
else
	not_ok "promtool check metrics"; sed 's/^/# /' "$state/promtool.out" | head -20
fi
check "build info, ports, workers, SIP, DTLS families are there" sh -c "
	grep -q '^trapeze_build_info{version=' '$state/metrics.txt' &&
	grep -q '^trapeze_port_rx_packets_total{port=\"access\",side=\"wire\"}' '$state/metrics.txt' &&
	grep -q '^trapeze_worker_busy_ratio{worker=\"0\"}' '$state/metrics.txt' &&
	grep -q '^trapeze_worker_drops_total{worker=\"0\",reason=\"srtp_auth_fail\"}' '$state/metrics.txt' &&
	grep -q '^trapeze_sip_responses_total{code=\"200\",class=\"2xx\"}' '$state/metrics.txt' &&
	grep -q '^trapeze_sip_requests_total{method=\"BYE\",direction=\"in\"}' '$state/metrics.txt' &&
	grep -q '^trapeze_dtls_handshakes_total ' '$state/metrics.txt'"

# 3. the calls counted
calls=$(awk '$1 == "trapeze_calls_total{tenant=\"default\",direction=\"out\"}" {print $2}' "$state/metrics.txt")
setup=$(awk '$1 == "trapeze_call_setup_seconds_count" {print $2}' "$state/metrics.txt")
inf=$(awk '$1 == "trapeze_call_setup_seconds_bucket{le=\"+Inf\"}" {print $2}' "$state/metrics.txt")
if [ "${calls:-0}" -ge 3 ]; then ok "trapeze_calls_total{direction=out} counts the calls ($calls)"; else not_ok "calls_total: '$calls'"; fi
if [ "${setup:-0}" -ge 3 ] && [ "$inf" = "$setup" ]; then
	ok "trapeze_call_setup_seconds_count $setup, the +Inf bucket equal"
else
	not_ok "set-up histogram: count '$setup', +Inf '$inf'"; grep '^trapeze_call_setup' "$state/metrics.txt" | sed 's/^/# /'
fi
answered=$(awk '$1 == "trapeze_calls_answered_total{tenant=\"default\"}" {print $2}' "$state/metrics.txt")
if [ "${answered:-0}" -ge 3 ]; then ok "trapeze_calls_answered_total $answered"; else not_ok "answered '$answered'"; fi
media=$(awk '$1 == "trapeze_dp_media_rx_total{port=\"access\"}" {print $2}' "$state/metrics.txt")
dtls=$(awk '$1 == "trapeze_dtls_handshakes_total" {print $2}' "$state/metrics.txt")
if [ "${media:-0}" -ge 20 ] && [ "${dtls:-0}" -ge 3 ]; then
	ok "the calls' media and DTLS show: media_rx on access $media, DTLS handshakes $dtls"
else
	not_ok "media_rx '$media', dtls handshakes '$dtls'"
fi
ip netns exec gw curl -s -o /dev/null -w '%{size_download} %{time_total}\n' "$url" >"$state/timing" 2>&1
echo "# scrape: $(cut -d' ' -f1 "$state/timing") bytes in $(cut -d' ' -f2 "$state/timing") s"
# one more call (a single step) moves the counters
"$here/tools/bench.sh" calls --config "$config" --keep --out "$state/bench2" --total 1 --rate 1 \
	--hold 1 --quiet >"$state/bench2.out" 2>&1
after=$(sample 'trapeze_call_setup_seconds_count')
if [ "$after" != none ] && [ "$after" -gt "$setup" ]; then ok "another call: set-up count $setup -> $after"; else not_ok "set-up count $setup -> $after"; fi

# 4. everything but GET/HEAD /metrics
code() { ip netns exec gw curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
check "GET / is 404" test "$(code http://127.0.0.1:$port/)" = 404
check "POST /metrics is 405" test "$(code -X POST http://127.0.0.1:$port/metrics)" = 405
check "HEAD /metrics is 200" test "$(code -I http://127.0.0.1:$port/metrics)" = 200
check "a header over 4 KiB is 431" test "$(code -H "X-Long: $(head -c 5000 /dev/zero | tr '\0' a)" "$url")" = 431

# 5. a source outside allow (web, through the access port) is refused and counted
before=$(sample 'trapeze_metrics_refused_total{reason="source_not_allowed"}')
if ip netns exec web curl -s --max-time 5 http://198.51.100.1:$port/metrics >"$state/web.out" 2>&1 &&
	[ -s "$state/web.out" ]; then
	not_ok "namespace web got an answer"; head -3 "$state/web.out" | sed 's/^/# /'
else
	ok "namespace web (198.51.100.0/24, not in allow) gets no answer"
fi
after=$(sample 'trapeze_metrics_refused_total{reason="source_not_allowed"}')
if [ "$after" != none ] && [ "$after" -gt "$before" ]; then
	ok "trapeze_metrics_refused_total{reason=source_not_allowed} $before -> $after"
else
	not_ok "refused counter $before -> $after"
fi

# 5b. reload and drain state: a reload (the same file) counts and moves the generation
gen=$(sample trapeze_config_generation)
reloads=$(sample 'trapeze_config_reloads_total{result="ok"}')
check "trapeze_draining is 0" test "$(sample trapeze_draining)" = 0
if "$trapezectl" --socket "$sock" reload >"$state/reload.out" 2>&1; then
	ok "trapezectl reload"
else
	not_ok "trapezectl reload"; sed 's/^/# /' "$state/reload.out"
fi
check "trapeze_config_generation $gen -> +1" test "$(sample trapeze_config_generation)" = "$((gen + 1))"
check "trapeze_config_reloads_total{result=ok} $reloads -> +1" \
	test "$(sample 'trapeze_config_reloads_total{result="ok"}')" = "$((reloads + 1))"

# 6. DPDK telemetry: /trapeze/sessions next to /ethdev/list
printf '/\n/trapeze/sessions\n/trapeze/workers,0\n/trapeze/calls\n' |
	dpdk-telemetry.py -f trapeze-lab >"$state/tel.out" 2>&1
if python3 - "$state/tel.out" >"$state/out" 2>&1 <<'PY'
import json, sys
docs = [json.loads(l[l.index("{"):]) for l in open(sys.argv[1]) if "{" in l]
cmds = [d for d in docs if "/" in d][0]["/"]
assert "/ethdev/list" in cmds and "/trapeze/sessions" in cmds and "/trapeze/counters" in cmds, cmds
s = [d for d in docs if "/trapeze/sessions" in d][0]["/trapeze/sessions"]
assert {"active", "connected", "dp_flows", "max_sessions"} <= set(s), s
w = [d for d in docs if "/trapeze/workers" in d][0]["/trapeze/workers"]
assert "rx_packets" in w["0"] and "busy_permille" in w["0"], w
c = [d for d in docs if "/trapeze/calls" in d][0]["/trapeze/calls"]
assert c["answered"] >= 4 and c["setup_le_inf"] == c["answered"], c
PY
then ok "dpdk-telemetry.py lists /trapeze/* next to /ethdev/list; sessions, workers, calls answer JSON"
else not_ok "dpdk-telemetry.py"; sed 's/^/# /' "$state/out" "$state/tel.out" | head -30; fi

"$lab" pbx stop >/dev/null 2>&1
finish
