#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The compare bench's report: Trapeze and rtpengine side by side.

Reads what bench/compare/run.sh left in DIR:
  meta.json                        loads, settings, the commands run
  gen-{trapeze,rtpengine}-LOAD.json  the generator's JSON of each step
  samples-{trapeze,rtpengine}-LOAD.jsonl  bench/compare/sample.py's lines
  gen-self-LOAD.json               the generator against the reflector alone
and writes DIR/compare.json, DIR/compare.dat, DIR/compare.gp and (with
gnuplot) DIR/compare.png; prints the table.

Per load, over the generator's steady window (all calls up, media only):
  packets forwarded = steady_pkts_sent + steady_pkts_received (every packet
  the client sends is relayed once to the reflector, every reflected one
  once back), so the rate is the same measure for both products;
  Trapeze: worker busy % (show lcores, per second) x time / packets;
  rtpengine: process CPU (all threads, /proc schedstat ns) / packets.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys


def find_step(obj):
    """The last dict holding a steady window, anywhere in the generator's JSON."""
    found = None
    if isinstance(obj, dict):
        if "steady_from" in obj and "steady_to" in obj:
            found = obj
        for v in obj.values():
            f = find_step(v)
            if f is not None:
                found = f
    elif isinstance(obj, list):
        for v in obj:
            f = find_step(v)
            if f is not None:
                found = f
    return found


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def load_samples(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def num(v):
    return v if isinstance(v, (int, float)) and math.isfinite(v) and v >= 0 else None


def cpu_frac(samples, t0, t1, pick=lambda name: True):
    """CPU seconds per second of the picked threads between the first and last sample in [t0, t1]."""
    inner = [s for s in samples if s.get("cpu_ns") and t0 <= s["t"] <= t1]
    if len(inner) < 2:
        return None
    a, b = inner[0], inner[-1]
    dt = b["t"] - a["t"]
    if dt <= 0:
        return None
    dns = sum(b["cpu_ns"][k] - a["cpu_ns"][k] for k in b["cpu_ns"]
              if k in a["cpu_ns"] and pick(k.split("/")[0]))
    return dns / 1e9 / dt


def mean_busy(samples, t0, t1):
    """Mean over the seconds inside [t0, t1] of the workers' busy % summed (each sample covers the second before it)."""
    vals = []
    for s in samples:
        b = s.get("busy_pct")
        if not b or not (t0 + 1.0 <= s["t"] <= t1):
            continue
        b = [x for x in b if isinstance(x, (int, float))]
        if b:
            vals.append(sum(b))
    return (sum(vals) / len(vals), len(vals)) if vals else (None, 0)


def machine_busy(samples, t0, t1):
    """Each core's busy % (all processes, /proc/stat) between the first and last sample in [t0, t1]."""
    inner = [s for s in samples if s.get("cpus") and t0 <= s["t"] <= t1]
    if len(inner) < 2:
        return None
    a, b = inner[0]["cpus"], inner[-1]["cpus"]
    out = {}
    for cpu in sorted(b):
        if cpu in a and b[cpu][1] > a[cpu][1]:
            out[cpu] = round(100.0 * (b[cpu][0] - a[cpu][0]) / (b[cpu][1] - a[cpu][1]), 1)
    return out


def product_row(d, product, load, gen_core=0):
    gen = load_json(os.path.join(d, f"gen-{product}-{load}.json"))
    step = find_step(gen) if gen is not None else None
    row = {"ran": step is not None}
    if step is None:
        row["note"] = "no generator result"
        return row
    for k in ("attempted", "completed", "failed", "peak_concurrent", "loss_pct", "client_cpu_pct",
              "steady_from", "steady_to", "steady_pkts_sent", "steady_pkts_received", "pkts_bad"):
        row[k] = step.get(k)
    if isinstance(step.get("failures"), dict):
        row["failures"] = {k: v for k, v in step["failures"].items() if v and k != "ok"}
    t0, t1 = num(step.get("steady_from")), num(step.get("steady_to"))
    pk = (step.get("steady_pkts_sent") or 0) + (step.get("steady_pkts_received") or 0)
    if t0 is None or t1 is None or t1 - t0 < 2.0 or pk == 0:
        row["note"] = "steady window under 2 s or without packets: no CPU figure"
        return row
    rate = pk / (t1 - t0)
    sent, recv = step.get("steady_pkts_sent") or 0, step.get("steady_pkts_received") or 0
    # media-only loss: what came back of what was sent inside the window (the
    # window is many seconds; the packets in flight at its edges are noise)
    row["window_loss_pct"] = round(100.0 * max(0, sent - recv) / sent, 3) if sent else None
    row["window_s"] = round(t1 - t0, 3)
    row["pps_forwarded"] = round(rate, 1)
    samples = load_samples(os.path.join(d, f"samples-{product}-{load}.jsonl"))
    row["cores_busy_pct"] = machine_busy(samples, t0, t1)
    g = (row["cores_busy_pct"] or {}).get(f"cpu{gen_core}")
    # the generator's core full: generator, reflector and the kernel's delivery
    # into their sockets compete there, whatever the relay does
    row["client_core_saturated"] = g is not None and g >= 95.0
    proc = cpu_frac(samples, t0, t1)
    row["process_cpu_pct"] = round(proc * 100, 2) if proc is not None else None
    if product == "trapeze":
        busy, n = mean_busy(samples, t0, t1)
        row["busy_pct"] = round(busy, 2) if busy is not None else None
        row["busy_samples"] = n
        row["ns_per_pkt"] = round(busy / 100 * 1e9 / rate, 1) if busy is not None else None
        wt = cpu_frac(samples, t0, t1, lambda name: "worker" in name)
        row["worker_thread_cpu_pct"] = round(wt * 100, 2) if wt is not None else None
        row["ns_per_pkt_thread"] = round(wt * 1e9 / rate, 1) if wt is not None else None
        # the rest of trapezed (control thread: ICE consent, SIP, WebSocket), on the
        # control core, not in the per-packet figure: shown so nothing is hidden
        ct = cpu_frac(samples, t0, t1, lambda name: "worker" not in name)
        row["other_threads_cpu_pct"] = round(ct * 100, 2) if ct is not None else None
    else:
        row["busy_pct"] = row["process_cpu_pct"]
        row["ns_per_pkt"] = round(proc * 1e9 / rate, 1) if proc is not None else None
        mt = cpu_frac(samples, t0, t1, lambda name: name == "poller")
        row["media_thread_cpu_pct"] = round(mt * 100, 2) if mt is not None else None
    if row.get("ns_per_pkt") is None:
        row["note"] = "no CPU samples inside the steady window"
    return row


def self_row(d, load):
    gen = load_json(os.path.join(d, f"gen-self-{load}.json"))
    step = find_step(gen) if gen is not None else None
    if step is None:
        return None
    row = {k: step.get(k) for k in ("attempted", "completed", "failed", "loss_pct",
                                      "client_cpu_pct", "client_cpu_s", "wall_s", "pkts_sent",
                                      "pkts_received", "peak_concurrent")}
    row["load"] = load
    pk = (step.get("pkts_sent") or 0) + (step.get("pkts_received") or 0)
    cpu = num(step.get("client_cpu_s"))
    if pk and cpu:
        ns = cpu * 1e9 / pk
        row["client_ns_per_pkt"] = round(ns, 1)
        # a stream is 50 packets/s each way through the client: 100 per second
        row["streams_per_client_core"] = int(1e9 / (ns * 100))
    return row


def fmt(v, spec="{:.1f}", none="-"):
    return none if v is None else spec.format(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    a = ap.parse_args()
    d = a.dir
    meta = load_json(os.path.join(d, "meta.json")) or {}
    loads = meta.get("loads") or []
    rows = []
    for load in loads:
        gcore = meta.get("generator_core", 0)
        tz = product_row(d, "trapeze", load, gcore)
        rp = product_row(d, "rtpengine", load, gcore)
        ratio = None     # only between two costs: an overloaded row is a bound
        if (tz.get("ns_per_pkt") and rp.get("ns_per_pkt")
                and (tz.get("window_loss_pct") or 0) <= 1.0
                and (rp.get("window_loss_pct") or 0) <= 1.0):
            ratio = round(rp["ns_per_pkt"] / tz["ns_per_pkt"], 2)
        rows.append({"load": load, "trapeze": tz, "rtpengine": rp, "ratio_rtpengine_to_trapeze": ratio})
    ceiling = self_row(d, meta.get("self_load", loads[-1] if loads else 0))
    out = {"meta": meta, "rows": rows, "generator_ceiling": ceiling}
    with open(os.path.join(d, "compare.json"), "w") as f:
        json.dump(out, f, indent=2)

    print("streams: G.711 calls, 50 packets/s each way; loss: packets that did not come back "
          "in the steady window; ns/pkt: CPU per forwarded packet (Trapeze: worker busy %; "
          "rtpengine: process CPU), steady window only")
    print(f"{'streams':>7} | {'Trapeze loss%':>13} {'ns/pkt':>7} {'busy%':>6} | "
          f"{'rtpengine loss%':>15} {'ns/pkt':>7} {'cpu%':>6} | {'ratio':>5} | "
          f"{'client cpu% tz/rtpe':>19}")
    for r in rows:
        tz, rp = r["trapeze"], r["rtpengine"]
        print(f"{r['load']:>7} | {fmt(tz.get('window_loss_pct'), '{:.3f}'):>13} "
              f"{fmt(tz.get('ns_per_pkt'), '{:.0f}'):>7} {fmt(tz.get('busy_pct')):>6} | "
              f"{fmt(rp.get('window_loss_pct'), '{:.3f}'):>15} {fmt(rp.get('ns_per_pkt'), '{:.0f}'):>7} "
              f"{fmt(rp.get('busy_pct')):>6} | {fmt(r['ratio_rtpengine_to_trapeze'], '{:.2f}'):>5} | "
              f"{fmt(tz.get('client_cpu_pct'), '{:.0f}'):>9}/{fmt(rp.get('client_cpu_pct'), '{:.0f}'):<9}")
        for name, p in (("Trapeze", tz), ("rtpengine", rp)):
            if p.get("other_threads_cpu_pct") is not None:
                print(f"{'':>7}   {name}: its other threads (control: consent checks, SIP, "
                      f"WebSocket) {p['other_threads_cpu_pct']:.1f} % of a core, not in ns/pkt")
            if p.get("cores_busy_pct"):
                print(f"{'':>7}   {name}: whole machine, each core busy % in the window: "
                      + ", ".join(f"{k} {v}" for k, v in p["cores_busy_pct"].items()))
            if (p.get("loss_pct") is not None and p.get("window_loss_pct") is not None
                    and abs(p["loss_pct"] - p["window_loss_pct"]) > 0.1):
                print(f"{'':>7}   {name}: the generator's own loss figure says "
                      f"{p['loss_pct']:.3f} %, its steady-window counts {p['window_loss_pct']:.3f} %")
            if (p.get("window_loss_pct") or 0) > 1.0:
                print(f"{'':>7}   {name}: overloaded (loss over 1 %): its CPU per packet counts "
                      "packets that did not make it; read it as a bound, not a cost")
            if p.get("client_core_saturated"):
                print(f"{'':>7}   {name}: the generator's core was full (cpu"
                      f"{meta.get('generator_core', 0)} >= 95 % busy): the client side "
                      "(generator, reflector, kernel delivery) bounds this row, not " + name)
            if p.get("note"):
                print(f"{'':>7}   {name}: {p['note']}")
            if p.get("failures"):
                print(f"{'':>7}   {name} failed calls: {p['failures']}")
    if ceiling:
        print(f"generator ceiling (--signal self, {ceiling['load']} streams against the reflector): "
              f"loss {fmt(ceiling.get('loss_pct'), '{:.3f}')} %, client CPU "
              f"{fmt(ceiling.get('client_cpu_pct'), '{:.0f}')} % of its core, "
              f"{fmt(ceiling.get('client_ns_per_pkt'), '{:.0f}')} ns per packet -> about "
              f"{ceiling.get('streams_per_client_core', '-')} streams per client core")
    else:
        print("generator ceiling: not measured (no gen-self result)")

    def ok(p):      # a cost figure, not a bound: under 1 % loss
        return p.get("ns_per_pkt") if (p.get("window_loss_pct") or 0) <= 1.0 else None

    def over(p):
        return p.get("ns_per_pkt") if (p.get("window_loss_pct") or 0) > 1.0 else None

    def col(v):
        return "NaN" if v is None else v

    with open(os.path.join(d, "compare.dat"), "w") as f:
        f.write("# streams trapeze_ns rtpengine_ns ratio trapeze_ns_overloaded rtpengine_ns_overloaded\n")
        for r in rows:
            tz, rp = r["trapeze"], r["rtpengine"]
            ratio = r["ratio_rtpengine_to_trapeze"] if ok(tz) and ok(rp) else None
            f.write(f"{r['load']} {col(ok(tz))} {col(ok(rp))} {col(ratio)} "
                    f"{col(over(tz))} {col(over(rp))}\n")
    dat = os.path.join(d, "compare.dat")
    series = []
    if any(ok(r["trapeze"]) for r in rows):
        series.append(f'"{dat}" using 1:2 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "Trapeze (worker busy)"')
    if any(ok(r["rtpengine"]) for r in rows):
        series.append(f'"{dat}" using 1:3 with linespoints lw 2 pt 5 lc rgb "#d62728" title "rtpengine (process CPU)"')
    if any(over(r["trapeze"]) for r in rows):
        series.append(f'"{dat}" using 1:5 with points pt 6 ps 1.5 lc rgb "#1f77b4" title "Trapeze overloaded (loss > 1 %)"')
    if any(over(r["rtpengine"]) for r in rows):
        series.append(f'"{dat}" using 1:6 with points pt 4 ps 1.5 lc rgb "#d62728" title "rtpengine overloaded (loss > 1 %)"')
    has_ratio = any(ok(r["trapeze"]) and ok(r["rtpengine"]) for r in rows)
    if has_ratio:
        series.append(f'"{dat}" using 1:4 axes x1y2 with linespoints dt 2 pt 6 lc rgb "black" '
                      'title "ratio rtpengine/Trapeze (right axis)"')
    plot = "plot " + ", \\\n     ".join(series)
    xmin = min(loads) / 1.25 if loads else 50
    xmax = max(loads) * 1.25 if loads else 2500
    gp = os.path.join(d, "compare.gp")
    with open(gp, "w") as f:
        f.write(f"""set terminal pngcairo size 900,560 font ",11"
set output "{os.path.join(d, 'compare.png')}"
set title "CPU time per forwarded packet, SRTP<->RTP, G.711 20 ms (one core each)"
set xlabel "concurrent streams (calls)"
set ylabel "ns of CPU per forwarded packet"
{'set y2label "ratio rtpengine / Trapeze"' if has_ratio else ''}
set logscale x
set xrange [{xmin}:{xmax}]
set xtics ({", ".join(f'"{l}" {l}' for l in loads) or '100'})
set ytics nomirror
{'set y2tics' if has_ratio else ''}
set yrange [0:*]
set y2range [0:*]
set grid
set key top right
{plot}
""")
    if shutil.which("gnuplot") and series:
        r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
        if r.returncode == 0:
            print(f"plot: {os.path.join(d, 'compare.png')}")
        else:
            print(f"plot: gnuplot failed: {r.stderr.strip()}", file=sys.stderr)
    print(f"json: {os.path.join(d, 'compare.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
