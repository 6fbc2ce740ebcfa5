#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Per held call figures of one `tools/bench.sh calls --sample-gw` run.

Usage: bench/calls/hold_summary.py DIR [DIR...]
DIR holds calls.json and gw-samples.tsv.  Prints one row per run: calls
held, the gateway's RSS/PSS and descriptors per call (steady window minus
the first sample, before any call), its main (control) thread's CPU per
held call and second, the worker busy %, the client's CPU and RSS, failures.
"""
import json
import os
import sys

TCK = os.sysconf("SC_CLK_TCK")


def load(d):
    with open(os.path.join(d, "calls.json")) as f:
        j = json.load(f)
    rows = []
    with open(os.path.join(d, "gw-samples.tsv")) as f:
        head = f.readline().split()
        for line in f:
            v = line.split("\t")
            if len(v) != len(head) or "" in [x.strip() for x in v]:
                continue
            rows.append({k: float(x) for k, x in zip(head, v)})
    return j, rows


def summary(d):
    j, rows = load(d)
    s = j["steps"][-1]
    r = s
    lo, hi = r["steady_from"], r["steady_to"]
    win = [x for x in rows if lo <= x["t"] <= hi]
    if len(win) < 2 or not rows:
        return "%s: fewer than two samples in the steady window" % d
    base = rows[0]
    mid = win[len(win) // 2]
    n = r["peak_concurrent"] or 1
    # CPU over the second half of the window: the set-up's tail (DTLS
    # completions, first media) is over by then
    half = win[len(win) // 2:] if len(win) >= 4 else win
    dt = half[-1]["t"] - half[0]["t"]

    def per_call_us(k):
        return (half[-1][k] - half[0][k]) / TCK / dt / n * 1e6

    ctl_us = per_call_us("main_ticks")
    proc_us = per_call_us("proc_ticks")
    cli_us = per_call_us("client_ticks")
    gw = s.get("gateway", {})
    fails = {k: v for k, v in s.get("failures", {}).items() if v} if isinstance(
        s.get("failures"), dict) else s.get("failures")
    return ("%s: held %d (pps %g), window %.0f s: RSS %.1f KB/call (%.0f MB), PSS %.1f KB/call, "
            "fds %.2f/call (%d), main thread %.1f us/call-s (%.1f %% core), process %.1f us/call-s, "
            "worker busy max %s %%, client %.1f us/call-s, client RSS %.0f MB (%.1f KB/call), "
            "failed %d of %d %s" % (
                os.path.basename(d.rstrip("/")), n, r.get("hold_pps", 50), dt,
                (mid["rss_kb"] - base["rss_kb"]) / n, mid["rss_kb"] / 1024,
                (mid["pss_kb"] - base["pss_kb"]) / n,
                (mid["fds"] - base["fds"]) / n, mid["fds"], ctl_us, ctl_us * n / 1e4,
                proc_us, gw.get("worker_busy_pct_max", "?"), cli_us,
                mid["client_rss_kb"] / 1024, mid["client_rss_kb"] / n,
                r["failed"], r["attempted"], fails or ""))


for d in sys.argv[1:]:
    try:
        print(summary(d))
    except (OSError, KeyError, ValueError) as e:
        print("%s: %s" % (d, e))
