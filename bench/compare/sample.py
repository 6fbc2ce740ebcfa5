#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The compare bench's CPU sampler (bench/compare/run.sh starts and ends it by PID).

Once a second, on a monotonic schedule, one JSON line to --out:
  {"t": CLOCK_REALTIME seconds,
   "cpu_ns": {thread name: ns on CPU, ...}   for --pid: every thread's
             /proc/PID/task/TID/schedstat (ns, exact; not clock ticks),
   "busy_pct": [worker busy %, ...]          with --trapezectl: `show lcores`
   "cpus": {"cpu0": [busy jiffies, all jiffies], ...}  /proc/stat, the whole
             machine (what else ran on the cores shows here)
  }
Ends on SIGTERM/SIGINT.  A sample that cannot be read is written with what
could be read (the report skips it); the sampler never stops the bench.
"""
import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time

stop = False


def on_signal(_sig, _frm):
    global stop
    stop = True


def thread_cpu(pid):
    out = {}
    base = f"/proc/{pid}/task"
    try:
        tids = os.listdir(base)
    except OSError:
        return None
    for tid in tids:
        try:
            with open(f"{base}/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"{base}/{tid}/schedstat") as f:
                ns = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        key = f"{name}/{tid}"
        out[key] = ns
    return out


def cpu_times():
    """Per CPU: [busy jiffies, all jiffies] from /proc/stat (the whole machine: other work shows here)."""
    out = {}
    try:
        with open("/proc/stat") as f:
            for line in f:
                if not line.startswith("cpu") or line.startswith("cpu "):
                    continue
                name, *vals = line.split()
                v = [int(x) for x in vals[:8]]
                idle = v[3] + v[4]          # idle + iowait
                out[name] = [sum(v) - idle, sum(v)]
    except (OSError, ValueError):
        return None
    return out


def busy(ctl):
    try:
        r = subprocess.run(ctl + ["--json", "show", "lcores"], capture_output=True, text=True,
                           timeout=2)
        rows = json.loads(r.stdout)
    except (subprocess.SubprocessError, ValueError, OSError):
        return None
    if isinstance(rows, dict):
        rows = next((v for v in rows.values() if isinstance(v, list)), [])
    return [row.get("busy_pct") for row in rows
            if isinstance(row, dict) and row.get("role") == "worker"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--pid", type=int, help="a process whose threads' CPU time to sample")
    ap.add_argument("--trapezectl",
                    help="the command line that reaches the gateway's CLI "
                         "(\".../trapezectl --socket S\"): worker busy %%")
    ap.add_argument("--period", type=float, default=1.0)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ctl = shlex.split(a.trapezectl) if a.trapezectl else None
    nxt = time.monotonic()
    with open(a.out, "a", buffering=1) as out:
        while not stop:
            s = {"t": time.time(), "cpus": cpu_times()}
            if a.pid:
                s["cpu_ns"] = thread_cpu(a.pid)
            if a.trapezectl:
                s["busy_pct"] = busy(ctl)
            out.write(json.dumps(s) + "\n")
            nxt += a.period
            delay = nxt - time.monotonic()
            if delay < 0:       # fell behind (a slow trapezectl): resynchronise
                nxt = time.monotonic()
                delay = 0
            # the sampling period; SIGTERM interrupts it (PEP 475 resumes
            # the sleep, so check the flag with short slices)
            while delay > 0 and not stop:
                time.sleep(min(delay, 0.1))
                delay = nxt - time.monotonic()
    return 0


if __name__ == "__main__":
    sys.exit(main())
