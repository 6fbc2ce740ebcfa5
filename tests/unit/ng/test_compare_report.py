#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench/compare/report.py on a made-up run: the figures a load tester reads.

Two loads; the generator's JSON nested the way `trapeze-bench calls --json`
nests steps; CPU samples a second apart.  Checks CPU per packet (Trapeze from
worker busy %, rtpengine from process CPU), the ratio, loss from the steady
window's counts (also when the generator's own loss figure says 0), an
overloaded row kept out of the ratio, the generator's ceiling, and that the
JSON and gnuplot files are complete.
"""
import json
import os
import subprocess
import sys
import tempfile

REPORT = sys.argv[1]
T0 = 1_800_000_000.0


def gen(path, sent, recv, loss_pct=0.0, window=10.0, extra=None):
    step = {"attempted": 100, "completed": 100, "failed": 0, "loss_pct": loss_pct,
            "client_cpu_pct": 20.0, "steady_from": T0 + 5, "steady_to": T0 + 5 + window,
            "steady_pkts_sent": sent, "steady_pkts_received": recv, "pkts_bad": 0,
            "failures": {"ok": 0, "dtls": 0}}
    step.update(extra or {})
    with open(path, "w") as f:
        json.dump({"steps": [{"rate": 1}, step]}, f)


def samples(path, busy=None, cpu_per_s=None):
    with open(path, "w") as f:
        for i in range(0, 20):
            s = {"t": T0 + i, "cpus": {"cpu0": [i * 50, i * 100], "cpu1": [i * 25, i * 100]}}
            if busy is not None:
                s["busy_pct"] = [busy]
            if cpu_per_s is not None:
                s["cpu_ns"] = {"poller/7": int(i * cpu_per_s * 1e9), "timer/8": 0}
            f.write(json.dumps(s) + "\n")


def main():
    d = tempfile.mkdtemp(prefix="tz-compare-report-")
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump({"loads": [100, 200], "self_load": 200}, f)
    # 100 streams: 10 s window, 50,000 packets each way: 10,000 pkt/s forwarded
    gen(os.path.join(d, "gen-trapeze-100.json"), 50000, 50000)
    samples(os.path.join(d, "samples-trapeze-100.jsonl"), busy=2.0)     # 2 % -> 2,000 ns/pkt
    gen(os.path.join(d, "gen-rtpengine-100.json"), 50000, 49950)         # 0.1 % lost
    samples(os.path.join(d, "samples-rtpengine-100.jsonl"), cpu_per_s=0.1)  # 10 % -> 10,000 ns/pkt
    # 200 streams: rtpengine overloaded, its generator still saying 0 % loss
    gen(os.path.join(d, "gen-trapeze-200.json"), 100000, 100000)
    samples(os.path.join(d, "samples-trapeze-200.jsonl"), busy=4.0)
    gen(os.path.join(d, "gen-rtpengine-200.json"), 100000, 40000, loss_pct=0.0)
    samples(os.path.join(d, "samples-rtpengine-200.jsonl"), cpu_per_s=0.9)
    gen(os.path.join(d, "gen-self-200.json"), 0, 0,
        extra={"pkts_sent": 1_000_000, "pkts_received": 1_000_000, "client_cpu_s": 4.0,
               "wall_s": 20.0, "client_cpu_pct": 20.0})
    r = subprocess.run([sys.executable, REPORT, d], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    assert r.returncode == 0
    out = json.load(open(os.path.join(d, "compare.json")))
    row100, row200 = out["rows"]
    tz, rp = row100["trapeze"], row100["rtpengine"]
    assert tz["pps_forwarded"] == 10000.0, tz
    assert tz["ns_per_pkt"] == 2000.0, tz
    assert rp["ns_per_pkt"] == 10005.0, rp     # 10 % of a core / 9,995 pkt/s
    assert row100["ratio_rtpengine_to_trapeze"] == 5.0, row100
    assert tz["window_loss_pct"] == 0.0 and rp["window_loss_pct"] == 0.1, (tz, rp)
    assert tz["cores_busy_pct"] == {"cpu0": 50.0, "cpu1": 25.0}, tz
    assert tz["client_core_saturated"] is False, tz
    assert rp["media_thread_cpu_pct"] == 10.0, rp
    # overloaded: 60 % of the return missing, shown although the generator said 0
    assert row200["rtpengine"]["window_loss_pct"] == 60.0, row200
    assert "overloaded" in r.stdout and "60.000" in r.stdout, r.stdout
    dat = open(os.path.join(d, "compare.dat")).read().splitlines()
    assert dat[2].split()[2] == "NaN" and dat[2].split()[3] == "NaN", dat  # no ratio from a bound
    assert row200["ratio_rtpengine_to_trapeze"] is None, row200
    # the generator alone: 4 s of CPU for 2,000,000 packets = 2,000 ns/pkt
    c = out["generator_ceiling"]
    assert c["client_ns_per_pkt"] == 2000.0 and c["streams_per_client_core"] == 5000, c
    assert "generator ceiling" in r.stdout
    assert 'using 1:2' in open(os.path.join(d, "compare.gp")).read()
    print("compare report: ok")


if __name__ == "__main__":
    main()
