#!/usr/bin/env bash
# trapeze-bench calls in the lab through tools/bench.sh, the load tester's
# one command: 20 whole calls at 10/s held 3 s all complete with media both
# ways, the JSON has every field of every step, the gateway's cost was
# sampled over its control socket (show process), and a two-step ramp gives
# two steps and the three PNGs.  It asserts what the bench reports, never
# its speed.  Run under the lab lock like every lab test (the caller holds
# it, so bench.sh is told not to take it again).
source "$(dirname "$0")/lib.sh"
export TZ_LAB_LOCKED=1
bench_sh="$here/tools/bench.sh"
sock=/run/trapeze/trapezed.sock
ctl() { "$trapezectl" --socket "$sock" "$@"; }

"$lab" down >/dev/null 2>&1

# every field the JSON promises, per step and around the steps
check_json() {   # FILE STEPS
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want_steps = int(sys.argv[2])
top = {"bench", "mode", "options", "steps", "summary"}
opts = {"signal", "url", "origin", "target", "user_prefix", "ng", "rtp_peer", "reflector",
        "local_addrs", "rate", "concurrent", "total", "hold_s", "timeout_s", "threads", "suite",
        "ramp", "ramp_start", "ramp_factor", "ramp_max_steps", "ramp_max_time_s",
        "max_fail_pct", "max_loss_pct", "ctl"}
step = {"step", "phase", "rate", "achieved_rate", "concurrent", "peak_concurrent", "hold_s",
        "attempted", "completed", "failed", "failed_pct", "failures", "setup_ms", "pkts_sent",
        "pkts_received", "pkts_lost", "pkts_bad", "loss_pct", "jitter_ms_p50", "jitter_ms_p99",
        "steady_from", "steady_to", "steady_pkts_sent", "steady_pkts_received", "wall_s",
        "client_cpu_s", "client_cpu_pct", "gateway", "passed", "bound", "bound_text"}
failures = {"ws-connect", "login", "refused", "answer-timeout", "ice", "dtls", "no-media",
            "media-loss", "dropped", "hangup", "client"}
phase = {"p50", "p90", "p99", "max", "n"}
gw = {"sampled", "samples", "control_cpu_s", "control_cpu_pct", "control_ms_per_call",
      "workers", "worker_busy_pct", "worker_busy_pct_max", "worker_us_per_call_s", "window_s",
      "window_steady", "error"}
summary = {"highest_setup_rate", "highest_setup_rate_achieved", "most_concurrent", "loss_pct",
           "steps", "setup_rate_limit_found", "concurrent_limit_found", "client_bound"}
def need(obj, keys, where):
    missing = keys - set(obj)
    assert not missing, f"{where}: missing {sorted(missing)}"
need(d, top, "top"); need(d["options"], opts, "options"); need(d["summary"], summary, "summary")
assert len(d["steps"]) == want_steps, f"{len(d['steps'])} steps, want {want_steps}"
for s in d["steps"]:
    need(s, step, f"step {s.get('step')}")
    need(s["failures"], failures, "failures")
    for p in ("answer", "ice", "dtls", "media"):
        need(s["setup_ms"][p], phase, f"setup_ms.{p}")
    need(s["gateway"], gw, "gateway")
    assert s["bound"] in ("none", "elsewhere", "client", "gw-control", "gw-workers"), s["bound"]
PY
}

# 1. a fixed step
if "$bench_sh" calls --keep --out "$state/fixed" --total 20 --rate 10 --hold 3 --concurrent 20 \
	--quiet >"$state/fixed.out" 2>&1; then
	ok "tools/bench.sh calls ran 20 calls at 10/s (lab, bench config, PBX, client in netns web)"
else
	not_ok "tools/bench.sh calls exited $?"; sed 's/^/# /' "$state/fixed.out" | tail -30
fi
json=$state/fixed/calls.json
check "the JSON has every field of its one step" check_json "$json" 1
if python3 - "$json" >"$state/out" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["steps"][0]
assert s["attempted"] == 20 and s["completed"] == 20 and s["failed"] == 0, \
    (s["attempted"], s["completed"], s["failed"], s["failures"])
PY
then ok "20 attempted, 20 completed, 0 failed"; else not_ok "calls completed"; sed 's/^/# /' "$state/out"; fi
if python3 - "$json" >"$state/out" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["steps"][0]
# 20 calls x 3 s x 50 packets/s each way.  What the client sends before the
# PBX has answered (~0.3 s a call) is not echoed, so "most" is half here.
assert s["pkts_sent"] >= 20 * 3 * 50 * 0.9, s["pkts_sent"]
assert s["pkts_received"] >= s["pkts_sent"] * 0.5, (s["pkts_sent"], s["pkts_received"])
assert s["pkts_bad"] == 0, s["pkts_bad"]
assert s["setup_ms"]["media"]["n"] == 20, s["setup_ms"]["media"]
PY
then ok "media both ways: every call got media back, none failed SRTP"; else not_ok "media both ways"; sed 's/^/# /' "$state/out"; fi
if python3 - "$json" >"$state/out" 2>&1 <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["steps"][0]["gateway"]
assert g["sampled"] and g["samples"] >= 2, g
assert g["control_ms_per_call"] is not None and g["control_ms_per_call"] >= 0, g
assert g["workers"] >= 1 and len(g["worker_busy_pct"]) == g["workers"], g
assert g["worker_us_per_call_s"] is not None, g
PY
then ok "the gateway's control CPU per call and workers' busy % were sampled"; else not_ok "gateway sampled"; sed 's/^/# /' "$state/out"; fi
grep -E "^ +1 fixed " "$state/fixed.out" >"$state/row" 2>&1
if grep -q "highest set-up rate 10/s, most concurrent calls" "$state/fixed.out" && [ -s "$state/row" ]; then
	ok "the table has the step's row and the summary line"
else
	not_ok "table and summary"; sed 's/^/# /' "$state/fixed.out" | tail -20
fi

# 2. show process: what the bench samples
ctl --json show process >"$state/proc.json" 2>&1
if python3 - "$state/proc.json" >"$state/out" 2>&1 <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows[0]["role"] == "control" and rows[0]["cpu_s"] > 0, rows[0]
w = [r for r in rows if r["role"] == "worker"]
assert w and all(r["busy_s"] is not None and r["lcore"] is not None for r in w), w
assert all(r["busy_s"] is None for r in rows if r["role"] != "worker"), rows
PY
then ok "show process: the control thread first with its CPU, workers with busy seconds"; else not_ok "show process"; sed 's/^/# /' "$state/out" "$state/proc.json" | head -30; fi

# 3. a two-step ramp (the gateway is reused: same config, still running)
if "$bench_sh" calls --out "$state/ramp" --ramp --ramp-max-steps 2 --ramp-start 5 --hold 2 \
	--quiet >"$state/ramp.out" 2>&1; then
	ok "tools/bench.sh calls --ramp --ramp-max-steps 2 ran"
else
	not_ok "the ramp exited $?"; sed 's/^/# /' "$state/ramp.out" | tail -30
fi
check "the ramp's JSON has 2 steps with every field" check_json "$state/ramp/calls.json" 2
if python3 - "$state/ramp/calls.json" >"$state/out" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert [s["phase"] for s in d["steps"]] == ["rate", "concurrent"], [s["phase"] for s in d["steps"]]
assert d["mode"] == "ramp" and d["summary"]["steps"] == 2, d["summary"]
PY
then ok "one step of each search: set-up rate, then concurrent calls"; else not_ok "ramp phases"; sed 's/^/# /' "$state/out"; fi
pngs=0
for p in setup-vs-rate loss-vs-load failed-vs-load; do
	f=$state/ramp/plots/$p.png
	[ -s "$f" ] && [ "$(head -c 4 "$f" | tail -c 3)" = PNG ] && pngs=$((pngs + 1))
done
if [ $pngs -eq 3 ]; then ok "the three PNGs are written"; else not_ok "PNGs: $pngs of 3"; ls -la "$state/ramp/plots" | sed 's/^/# /'; fi
finish
