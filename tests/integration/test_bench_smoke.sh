#!/usr/bin/env bash
# trapeze-bench pipeline runs for every suite on a small load, bridges every
# packet (none lost: SRTP in both directions round-trips through the real
# worker), and writes well-formed JSON.  It asserts behaviour, never speed.
set -uo pipefail
build=${TZ_BUILD:?}
bench=$build/bench/trapeze-bench
out=$(mktemp -d /tmp/tz-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
n=0; failures=0
for suite in none AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 AEAD_AES_128_GCM AEAD_AES_256_GCM; do
	n=$((n + 1))
	if "$bench" pipeline -q -s $suite -n 500 -p 20000 -r 1 -L 2000 -j "$out/$suite.json" >"$out/log" 2>&1 &&
	   python3 - "$out/$suite.json" "$suite" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["suite"] == sys.argv[2], r
assert r["packets_lost"] == 0, r
assert r["mpps_per_worker"] > 0 and r["pipeline_ns"] > 0, r
assert r["latency_us"]["p50"] > 0, r
assert (r["floor_ns"] > 0) == (sys.argv[2] != "none"), r
PY
	then
		echo "ok $n - pipeline bench, $suite: every packet bridged, JSON complete"
	else
		failures=$((failures + 1)); echo "not ok $n - pipeline bench, $suite"; sed 's/^/# /' "$out/log"
	fi
done
echo "1..$n"
[ $failures -eq 0 ]
