#!/usr/bin/env python3
"""Recording retention through the real daemon (docs/recording.md
"Retention"): trapezed starts with recording on and `retention` set over
directories already holding fake recordings (mtimes in the past); the sweep
at start deletes the default tenant's recordings past max_age_days and the
oldest of tenant acme's until its own max_total_mb holds, and leaves foreign
files and symlinks alone; a reload with a shorter max_age_days applies at
once; `trapezectl recordings sweep` names what it deleted; `show recordings
stats` counts it all.

The daemon runs on two null ports in its own network namespace (unshare -n);
files: a temp dir of the test's own.  TAP output."""
import json
import os
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("TZ_BUILD", "build")
TRAPEZED = os.path.join(BUILD, "ctrlplane/daemon/trapezed")
TRAPEZECTL = os.path.join(BUILD, "ctrlplane/cli/trapezectl")
DAY = 86400

CONFIG = """\
eal:
  control_core: 0
  worker_cores: [1]
  hugepages: no
  memory_mb: 256
  idle_sleep_us: 100
  file_prefix: tz-retain-{pid}
ports:
  - {{name: pa, role: access, driver: "null", ipv4: 198.51.100.1/24}}
  - {{name: pc, role: core, driver: "null", ipv4: 203.0.113.1/24}}
signalling:
  http: 127.0.0.1:8080
sip:
  trunks:
    - {{name: pbx, address: "203.0.113.2:5060"}}
  routes:
    - {{prefix: "", trunk: pbx}}
recording:
  mode: all
  dir: {dir}/rec
  retention: {{max_age_days: {days}}}
tenants:
  - name: acme
    paths: [/acme]
    recording:
      dir: {dir}/acme-rec
      retention: {{max_total_mb: 1}}
logging:
  level: info
control:
  socket: {dir}/trapezed.sock
"""

n = 0
failures = 0


def check(cond, what, detail=""):
    global n, failures
    n += 1
    if cond:
        print(f"ok {n} - {what}")
    else:
        failures += 1
        print(f"not ok {n} - {what}")
        for line in str(detail).splitlines()[-40:]:
            print(f"#   {line}")
    sys.stdout.flush()


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def ctl(sock, *args):
    return run(TRAPEZECTL, "--socket", sock, *args)


def put(d, name, size, age_s):
    p = os.path.join(d, name)
    with open(p, "wb") as f:
        f.write(b"\0" * size)
    t = time.time() - age_s
    os.utime(p, (t, t))


def rec(d, name, size, age_s):
    for ext in ("pcap", "wav", "json"):
        put(d, f"{name}.{ext}", size, age_s)


def has(d, name):
    return all(os.path.exists(os.path.join(d, f"{name}.{e}")) for e in ("pcap", "wav", "json"))


def gone(d, name):
    return not any(os.path.lexists(os.path.join(d, f"{name}.{e}"))
                   for e in ("pcap", "wav", "json"))


def stats(sock):
    r = ctl(sock, "--json", "show", "recordings", "stats")
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {}


def wait_sweeps(sock, k, timeout=30):
    end = time.monotonic() + timeout
    st = {}
    while time.monotonic() < end:
        st = stats(sock)
        if st.get("sweeps", 0) >= k:
            return st
        time.sleep(0.1)
    return st


def wait_up(proc, sock, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if ctl(sock, "show", "version").returncode == 0:
            return True
        time.sleep(0.2)
    return False


def main_run(tmp):
    dflt = os.path.join(tmp, "rec", "default")
    acme = os.path.join(tmp, "acme-rec")
    outside = os.path.join(tmp, "outside")
    for d in (dflt, acme, outside):
        os.makedirs(d)
    rec(dflt, "20260801T000000Z-1", 1000, 100 * DAY)          # past 30 days
    rec(dflt, "20261204T000000Z-2", 1000, 3 * DAY)
    put(outside, "precious.wav", 100, 900 * DAY)
    os.symlink(os.path.join(outside, "precious.wav"),
               os.path.join(dflt, "20200101T000000Z-9.wav"))
    put(dflt, "notes.txt", 10, 900 * DAY)
    for i, age in ((3, 5), (4, 4), (5, 3)):                    # 600 kB each, 1 MiB kept
        rec(acme, f"2026120{i}T000000Z-{i}", 200000, age * DAY)

    conf = os.path.join(tmp, "trapeze.yaml")

    def write_conf(days):
        with open(conf, "w") as f:
            f.write(CONFIG.format(pid=os.getpid(), dir=tmp, days=days))

    write_conf(30)
    sock = os.path.join(tmp, "trapezed.sock")
    log_path = os.path.join(tmp, "stderr")
    log = open(log_path, "wb")

    def logtext():
        log.flush()
        with open(log_path, errors="replace") as f:
            return f.read()

    proc = subprocess.Popen(
        ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" -c "$1"', TRAPEZED, conf],
        stdout=log, stderr=log)
    try:
        up = wait_up(proc, sock)
        check(up, "trapezed starts with recording and retention", logtext())
        if not up:
            return
        st = wait_sweeps(sock, 1)
        check(st.get("sweeps", 0) >= 1, "the sweep at start ran", st)
        check(gone(dflt, "20260801T000000Z-1") and has(dflt, "20261204T000000Z-2"),
              "default tenant: the recording past 30 days is deleted, the 3-day one kept",
              os.listdir(dflt))
        check(gone(acme, "20261203T000000Z-3") and gone(acme, "20261204T000000Z-4")
              and has(acme, "20261205T000000Z-5"),
              "acme (own max_total_mb: 1): the two oldest deleted, the newest fits",
              os.listdir(acme))
        check(os.path.islink(os.path.join(dflt, "20200101T000000Z-9.wav"))
              and os.path.exists(os.path.join(outside, "precious.wav"))
              and os.path.exists(os.path.join(dflt, "notes.txt")),
              "a symlink named like a recording, its target and a foreign file are untouched")
        check(st.get("deleted_age") == 1 and st.get("deleted_size") == 2
              and st.get("bytes_freed") == 3000 + 2 * 600000 and st.get("sweep_errors") == 0
              and st.get("stored_recordings") == 2,
              "show recordings stats: 1 deleted by age, 2 by size, bytes freed, 2 stored", st)

        # a reload with max_age_days: 2 applies at once
        write_conf(2)
        r = ctl(sock, "reload")
        print("# " + (r.stdout + r.stderr).strip().replace("\n", "\n# "))
        check(r.returncode == 0 and "recording changed" in r.stdout
              and "needs restart" not in r.stdout,
              "trapezectl reload: recording changed, nothing needs a restart",
              r.stdout + r.stderr)
        wait_sweeps(sock, st.get("sweeps", 0) + 1)
        check(gone(dflt, "20261204T000000Z-2") and gone(acme, "20261205T000000Z-5"),
              "after the reload the 3-day recordings (default, and acme: its age is the "
              "top level's) are past 2 days and deleted", os.listdir(dflt) + os.listdir(acme))

        rec(acme, "20261101T000000Z-6", 10, 40 * DAY)
        r = ctl(sock, "recordings", "sweep")
        print("# " + (r.stdout + r.stderr).strip().replace("\n", "\n# "))
        check(r.returncode == 0 and f"{acme}/20261101T000000Z-6" in r.stdout
              and "age" in r.stdout and gone(acme, "20261101T000000Z-6"),
              "trapezectl recordings sweep deletes and names a recording past the age",
              r.stdout + r.stderr)
        st3 = stats(sock)
        check(st3.get("deleted_age") == 4 and st3.get("stored_recordings") == 0
              and st3.get("stored_bytes") == 0,
              "show recordings stats: 4 deleted by age, nothing stored", st3)
        r = ctl(sock, "help")
        check("recordings sweep" in r.stdout, "help lists recordings sweep", r.stdout)
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            rc = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        check(rc == 0, f"trapezed stops cleanly (exit {rc})", logtext())
        log.close()


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (unshare -n)")
        return 0
    with tempfile.TemporaryDirectory(prefix="tz-retain.") as tmp:
        main_run(tmp)
    print(f"1..{n}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
