#!/usr/bin/env bash
# The calls engine in SELF mode (bench/calls/calls.h: no signalling, the
# client's own SRTP through a UDP reflector on loopback): 50 calls all
# complete, media comes back for every packet that had time to, no SRTP
# failure, no loss, the result is complete.  It asserts behaviour, never speed.
set -uo pipefail
build=${TZ_BUILD:?}
bench=$build/bench/trapeze-bench
step=$build/bench/calls-step
out=$(mktemp -d /tmp/tz-calls-self.XXXXXX)
rpid=
cleanup() {
	[ -n "$rpid" ] && kill -TERM "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	rm -rf "$out"
}
trap cleanup EXIT
n=0; failures=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }

# the reflector picks a free port and says which
"$bench" reflect --listen 127.0.0.1:0 >"$out/reflect.log" 2>&1 &
rpid=$!
addr=
for _ in $(seq 1 200); do
	addr=$(sed -n 's/^reflect: listening on //p' "$out/reflect.log")
	[ -n "$addr" ] && break
	kill -0 "$rpid" 2>/dev/null || break
	sleep 0.05
done
if [ -z "$addr" ]; then
	fail "reflector started"; sed 's/^/# /' "$out/reflect.log"; echo "1..$n"; exit 1
fi
ok "reflector listens on $addr"

for suite in AES_CM_128_HMAC_SHA1_80 AEAD_AES_128_GCM; do
	if "$step" --signal self --reflector "$addr" --rate 50 --concurrent 50 --total 50 \
		--hold 2 --threads 2 --suite $suite >"$out/$suite.json" 2>"$out/$suite.err" &&
	   python3 - "$out/$suite.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["attempted"] == 50 and r["completed"] == 50 and r["failed"] == 0, r
assert sum(r["failures"].values()) == 0, r["failures"]
assert r["pkts_bad"] == 0 and r["pkts_lost"] == 0 and r["loss_pct"] == 0, r
# 2 s of 50 pps per call: about 100 packets each way per call
assert r["pkts_sent"] >= 50 * 90, r["pkts_sent"]
assert r["pkts_received"] >= r["pkts_sent"] - 50 * 5, (r["pkts_sent"], r["pkts_received"])
assert r["t_media_ms"]["n"] == 50, r["t_media_ms"]
assert r["peak_concurrent"] >= 1 and r["steady_to"] >= r["steady_from"] > 0, r
assert r["client_cpu_s"] > 0 and r["wall_s"] > 0, r
PY
	then
		ok "SELF mode, $suite: 50 calls completed, media back, 0 bad, 0 lost"
	else
		fail "SELF mode, $suite"; sed 's/^/# /' "$out/$suite.json" "$out/$suite.err"
	fi
done

# A sparse hold (--hold-pps): 50/s for 0.5 s at the start and the end, P/s
# in between (0: nothing), every call still checked both ways at the end.
# 4 s at 50/s would be >= 190 packets per call; sparse is about 53 + 3 s x P.
for pps in 2 0; do
	if "$step" --signal self --reflector "$addr" --rate 50 --concurrent 50 --total 50 \
		--hold 4 --hold-pps $pps >"$out/sparse$pps.json" 2>"$out/sparse$pps.err" &&
	   python3 - "$out/sparse$pps.json" $pps <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
pps = float(sys.argv[2])
assert r["hold_pps"] == pps, r["hold_pps"]
assert r["completed"] == 50 and r["failed"] == 0, r
assert r["pkts_bad"] == 0 and r["loss_pct"] == 0, r
per_call = r["pkts_sent"] / 50
# the two checks (>= 2 x 24) plus the sparse packets, far below 4 s x 50
assert 45 + 2 * pps <= per_call <= 70 + 4 * pps, per_call
assert r["pkts_received"] >= r["pkts_sent"] - 50 * 5, (r["pkts_sent"], r["pkts_received"])
PY
	then
		ok "sparse hold at $pps packets/s: 50 calls completed, checked both ways, few packets"
	else
		fail "sparse hold at $pps packets/s"; sed 's/^/# /' "$out/sparse$pps.json" "$out/sparse$pps.err"
	fi
done

kill -TERM "$rpid"; wait "$rpid"; rpid=
if grep -q '^reflect: received [1-9][0-9]*, sent [1-9]' "$out/reflect.log"; then
	ok "reflector counted what it returned"
else
	fail "reflector counters"; sed 's/^/# /' "$out/reflect.log"
fi
echo "1..$n"
[ $failures -eq 0 ]
