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
# the raw floor of the same run (floor-imb), and the pipeline against it
assert (r["raw_floor_ns"] > 0) == (sys.argv[2] != "none"), r
if sys.argv[2] != "none":
    assert r["raw_floor_manager"] in ("sse", "avx", "avx2", "avx512"), r
    assert abs(r["pipeline_minus_raw_ns"] - (r["pipeline_ns"] - r["raw_floor_ns"])) < 0.1, r
    assert r["engine"].startswith("ipsec_mb_direct/"), r
# the transform over packets from memory (pipe): run, on distinct packets
assert (r["floor_cold_ns"] > 0) == (sys.argv[2] != "none"), r
assert (r["floor_cold_packets"] >= 32) == (sys.argv[2] != "none"), r
# the same packets through mbufs recycled warm (pipeline_warm.c): run, none lost
assert r["pipeline_warm_ns"] > 0, r
PY
	then
		echo "ok $n - pipeline bench, $suite: every packet bridged, JSON complete"
	else
		failures=$((failures + 1)); echo "not ok $n - pipeline bench, $suite"; sed 's/^/# /' "$out/log"
	fi
done
# worker-fast: --workers 1,2 runs both counts, each with latency at 80 % and
# 50 % of its rate, every packet bridged, and says what it was compiled for.
n=$((n + 1))
if "$bench" pipeline -q -s none -n 500 -p 20000 -r 1 -L 2000 -w 1,2 -j "$out/scaling.json" >"$out/log" 2>&1 &&
   python3 - "$out/scaling.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["packets_lost"] == 0, r
assert r["march"] != "" and r["udp_checksum"] == "zero", r
assert [s["workers"] for s in r["scaling"]] == [1, 2], r
for s in r["scaling"]:
    assert s["mpps_total"] > 0 and s["calls_per_worker"] == 250, s
    assert [l["load"] for l in s["latency_us"]] == [0.8, 0.5], s
    assert all(l["p50"] > 0 and l["offered_mpps"] > 0 for l in s["latency_us"]), s
assert r["scaling_factor"] > 0, r
assert r["worker_rx_packets"] >= 2 * (20000 + 2 * 2000), r
PY
then
	echo "ok $n - pipeline bench, --workers 1,2: both counts, both loads, JSON complete"
else
	failures=$((failures + 1)); echo "not ok $n - pipeline bench, --workers 1,2"; sed 's/^/# /' "$out/log"
fi
# the cryptodev backend still bridges every packet (floor-imb)
n=$((n + 1))
if "$bench" pipeline -q -s AEAD_AES_128_GCM --crypto cryptodev -n 500 -p 20000 -r 1 -L 2000 \
	-j "$out/cdev.json" >"$out/log" 2>&1 &&
   python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["packets_lost"] == 0 and r["engine"] == "crypto_aesni_mb" and r["raw_floor_ns"] > 0, r' "$out/cdev.json"
then
	echo "ok $n - pipeline bench, --crypto cryptodev: every packet bridged"
else
	failures=$((failures + 1)); echo "not ok $n - pipeline bench, --crypto cryptodev"; sed 's/^/# /' "$out/log"
fi
# trapeze-bench floor: every suite, a best manager, both backends' lines, JSON complete
n=$((n + 1))
if "$bench" floor -q -n 50 -r 1 -j "$out/floor.json" >"$out/log" 2>&1 &&
   python3 - "$out/floor.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["bench"] == "floor" and r["size"] == 172 and r["burst"] == 32, r
assert [s["suite"] for s in r["suites"]] == ["AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM", "AEAD_AES_256_GCM"], r
for s in r["suites"]:
    assert s["raw_ns"]["sse"] > 0, s          # every x86-64 with AES-NI runs SSE
    assert s["best_manager"] in s["raw_ns"] and s["raw_floor_ns"] == min(v for v in s["raw_ns"].values() if v is not None), s
    for k in ("cryptodev_ns", "direct_ops_ns", "transform_cryptodev_ns", "transform_direct_ns"):
        assert s[k] > 0, (k, s)
    assert s["direct_driver"].startswith("ipsec_mb_direct/"), s
PY
then
	echo "ok $n - floor bench: every suite and manager, both backends, JSON complete"
else
	failures=$((failures + 1)); echo "not ok $n - floor bench"; sed 's/^/# /' "$out/log"
fi
echo "1..$n"
[ $failures -eq 0 ]
