#!/usr/bin/env python3
"""trapezed under a service manager, played here by Python (PID 1 is not
systemd on the test machine): the sd_notify(3) datagrams it sends on
$NOTIFY_SOCKET -- READY=1 only once the ports, the listeners and the control
socket are up, STATUS=, WATCHDOG=1 every half $WATCHDOG_USEC, STOPPING=1 on
SIGTERM -- and the journal entries it writes on the journal's native socket
($TZ_JOURNAL_SOCKET stands in for /run/systemd/journal/socket) when
$JOURNAL_STREAM says stderr is the journal, with SUBSYSTEM= and PRIORITY=.
Without a journal socket the lines go to stderr with <N> prefixes.

The daemon runs on two null ports in its own network namespace (unshare -n),
so its TAPs and listeners meet nothing else on the machine.  TAP output."""
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUILD = os.environ["TZ_BUILD"]
TRAPEZED = os.path.join(BUILD, "ctrlplane/daemon/trapezed")
TRAPEZECTL = os.path.join(BUILD, "ctrlplane/cli/trapezectl")

CONFIG = """\
eal:
  control_core: 0
  worker_cores: [1]
  hugepages: no
  memory_mb: 256
  idle_sleep_us: 100
  file_prefix: tz-sdtest-{pid}
ports:
  - {{name: pa, role: access, driver: "null", ipv4: 198.51.100.1/24}}
  - {{name: pc, role: core, driver: "null", ipv4: 203.0.113.1/24}}
signalling:
  http: 127.0.0.1:8080
sip:
  listen: ["127.0.0.1:5060"]
logging:
  target: {target}
  level: info
control:
  socket: {dir}/trapezed.sock
"""

from tz_tap import check, finish  # noqa: E402


def parse_journal(data):
    """One native-protocol datagram into a dict (both field encodings)."""
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (size,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            v = data[nl + 9:nl + 9 + size]
            assert data[nl + 9 + size:nl + 10 + size] == b"\n", data
            i = nl + 10 + size
        fields[k.decode()] = v.decode(errors="replace")
    return fields


class Run:
    """One daemon with a notify listener and a journal listener."""

    def __init__(self, tmp, target="stderr", journal=True, watchdog_usec=400000):
        self.tmp = tmp
        self.notes = []      # (time, {KEY: value}) in arrival order
        self.entries = []    # journal entries, arrival order
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify_path = os.path.join(tmp, "notify")
        self.notify.bind(self.notify_path)
        self.journal = None
        self.journal_path = os.path.join(tmp, "journal")
        if journal:
            self.journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.journal.bind(self.journal_path)
            self.journal.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        conf = os.path.join(tmp, "trapeze.yaml")
        with open(conf, "w") as f:
            f.write(CONFIG.format(pid=os.getpid(), target=target, dir=tmp))
        self.sock = os.path.join(tmp, "trapezed.sock")
        self.stderr_path = os.path.join(tmp, "stderr")
        self.stderr = open(self.stderr_path, "wb")
        st = os.fstat(self.stderr.fileno())
        env = dict(os.environ,
                   NOTIFY_SOCKET=self.notify_path,
                   WATCHDOG_USEC=str(watchdog_usec),
                   JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}",
                   TZ_JOURNAL_SOCKET=self.journal_path)
        env.pop("WATCHDOG_PID", None)
        self.proc = subprocess.Popen(
            ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" -c "$1"', TRAPEZED, conf],
            env=env, stdout=self.stderr, stderr=self.stderr)

    def pump(self, timeout):
        socks = [self.notify] + ([self.journal] if self.journal else [])
        r, _, _ = select.select(socks, [], [], timeout)
        for s in r:
            data = s.recv(65536)
            if s is self.notify:
                kv = dict(l.split("=", 1) for l in data.decode().split("\n") if "=" in l)
                self.notes.append((time.monotonic(), kv))
            else:
                self.entries.append(parse_journal(data))

    def drain(self):
        while select.select([self.notify] + ([self.journal] if self.journal else []),
                            [], [], 0)[0]:
            self.pump(0)

    def find_note(self, key, value, since):
        for i, (t, kv) in enumerate(self.notes[since:], since):
            if key in kv and (value is None or kv[key] == value):
                return i
        return None

    def wait_note(self, key, value=None, timeout=30, since=0):
        """Index of the first note with KEY(=value) from `since`, or None
        (at the timeout, or once the daemon is gone and nothing is queued)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            i = self.find_note(key, value, since)
            if i is not None:
                return i
            gone = self.proc.poll() is not None
            self.pump(0.2)
            if gone and self.find_note(key, value, since) is None and \
                    not select.select([self.notify], [], [], 0)[0]:
                return None
        return self.find_note(key, value, since)

    def log(self):
        self.stderr.flush()
        with open(self.stderr_path, errors="replace") as f:
            text = f.read()
        return text + "\n".join(e.get("MESSAGE", "") for e in self.entries)

    def stop(self, signal_it=True):
        if signal_it and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.pump(0)
        while self.journal and select.select([self.journal], [], [], 0.1)[0]:
            self.pump(0)
        return rc

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.notify.close()
        if self.journal:
            self.journal.close()
        self.stderr.close()


def ctl_answers(sock):
    r = subprocess.run([TRAPEZECTL, "--socket", sock, "show", "version"],
                       capture_output=True, text=True, timeout=10)
    return r.returncode == 0 and "trapezed:" in r.stdout


def main_run(tmp):
    run = Run(tmp)
    try:
        ready = run.wait_note("READY", "1")
        check(ready is not None, "READY=1 arrives on $NOTIFY_SOCKET", run.log())
        if ready is None:
            return
        # Everything a client needs is up when READY=1 is sent: the control
        # socket answers at once, and the ports were opened before it.
        check(ctl_answers(run.sock), "the control socket answers as soon as READY=1 arrives")
        kv = run.notes[ready][1]
        check(kv.get("STATUS") == "ready: 2 ports, 0 calls",
              "READY=1 comes with STATUS=ready: 2 ports, 0 calls", kv)
        check(kv.get("MAINPID") == str(run.proc.pid) or kv.get("MAINPID", "").isdigit(),
              "READY=1 names MAINPID", kv)
        # The daemon logs "running" before it sends READY=1, so that entry
        # is already queued on the journal socket: drain it.
        run.drain()
        msgs = [e.get("MESSAGE", "") for e in run.entries]
        port_up = [i for i, m in enumerate(msgs) if m.startswith("drv.port: port pa")]
        running = [i for i, m in enumerate(msgs) if "running: 2 ports" in m]
        check(port_up and running and port_up[0] < running[0],
              "ports opened (journal) before the daemon says it runs", "\n".join(msgs))
        # WATCHDOG=1 every WATCHDOG_USEC/2 = 200 ms: 5 within ~1.5 s.
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.6:
            run.pump(0.1)
        pings = [t for t, kv in run.notes[ready + 1:] if kv.get("WATCHDOG") == "1"]
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        check(len(pings) >= 5 and all(g < 0.35 for g in gaps),
              f"WATCHDOG=1 every ~200 ms ({len(pings)} pings, max gap "
              f"{max(gaps) if gaps else 0:.3f} s)", run.notes)
        # Journal entries: fields a journalctl filter uses.
        by_sub = {}
        for e in run.entries:
            by_sub.setdefault(e.get("SUBSYSTEM"), []).append(e)
        e = by_sub.get("drv.port", [{}])[0]
        check(e.get("SYSLOG_IDENTIFIER") == "trapezed" and e.get("PRIORITY") == "6" and
              e.get("MESSAGE", "").startswith("drv.port: port pa (access)"),
              "journal entry: SUBSYSTEM=drv.port PRIORITY=6 SYSLOG_IDENTIFIER=trapezed MESSAGE=",
              e)
        check(any(x.get("PRIORITY") == "5" for x in by_sub.get("main", [])),
              "notice lines carry PRIORITY=5", by_sub.get("main"))
        check("dpdk" in by_sub, "DPDK's own lines carry SUBSYSTEM=dpdk", list(by_sub))
        check(all("\n" not in x.get("MESSAGE", "")[-1:] for x in run.entries),
              "MESSAGE= without the trailing newline")
        with open(run.stderr_path, errors="replace") as f:
            err = f.read()
        check("running: 2 ports" not in err, "nothing duplicated on stderr", err)
        # SIGTERM: STOPPING=1, clean exit.
        mark = len(run.notes)
        run.proc.send_signal(signal.SIGTERM)
        stopping = run.wait_note("STOPPING", "1", timeout=20, since=mark)
        rc = run.stop(signal_it=False)   # one SIGTERM, as systemd sends
        check(stopping is not None, "STOPPING=1 on SIGTERM", run.notes[mark:])
        check(rc == 0, f"exit status 0 after SIGTERM (got {rc})", run.log())
        check(any(x.get("MESSAGE") == "main: stopped" for x in run.entries),
              "the last line (main: stopped) reaches the journal")
    finally:
        run.close()


def fallback_run(tmp):
    """No journal socket: lines on stderr with <N> prefixes (SyslogLevelPrefix)."""
    run = Run(tmp, target="journal", journal=False, watchdog_usec=0)
    try:
        ready = run.wait_note("READY", "1")
        rc = run.stop()
        with open(run.stderr_path, errors="replace") as f:
            err = f.read()
        check(ready is not None and rc == 0, "logging.target journal with no journal: starts, stops",
              err)
        check("<6>drv.port: port pa (access)" in err and "<5>main: stopped" in err,
              "without the journal socket, stderr lines carry <N> priority prefixes", err)
        check(not any("WATCHDOG" in kv for _, kv in run.notes), "no watchdog pings when off",
              run.notes)
    finally:
        run.close()


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (unshare -n, TAP interfaces)")
        return 0
    with tempfile.TemporaryDirectory(prefix="tz-sd.") as tmp:
        main_run(tmp)
    with tempfile.TemporaryDirectory(prefix="tz-sd.") as tmp:
        fallback_run(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
