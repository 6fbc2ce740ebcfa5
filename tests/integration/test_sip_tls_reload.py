#!/usr/bin/env python3
"""SIP TLS certificate renewal without a restart (issue 13), through the real
daemon: trapezed listens for SIP over TLS with certificate A; a TLS client
sees A and its OPTIONS is answered; the files are replaced by certificate B
(as certbot does) and `trapezectl reload` says `sip tls certificate
renewed`; a new connection sees B while the first one, opened before the
reload, still gets its OPTIONS answered.  A certificate with another
certificate's key: the reload is refused (exit 1, the file named), new
connections still see B, and `show status` counts the refusal.

The daemon runs on two null ports in its own network namespace (unshare -n),
so its listeners meet nothing else on the machine; the TLS clients run in
that namespace (nsenter).  Files: a temp dir of the test's own.  TAP output."""
import hashlib
import json
import os
import select
import socket
import ssl
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("TZ_BUILD", "build")
TRAPEZED = os.path.join(BUILD, "ctrlplane/daemon/trapezed")
TRAPEZECTL = os.path.join(BUILD, "ctrlplane/cli/trapezectl")
SIP_PORT = 5061   # in the daemon's own network namespace: nothing else there

CONFIG = """\
eal:
  control_core: 0
  worker_cores: [1]
  hugepages: no
  memory_mb: 256
  idle_sleep_us: 100
  file_prefix: tz-siptls-{pid}
ports:
  - {{name: pa, role: access, driver: "null", ipv4: 198.51.100.1/24}}
  - {{name: pc, role: core, driver: "null", ipv4: 203.0.113.1/24}}
signalling:
  http: 127.0.0.1:8080
sip:
  listen: ["127.0.0.1:{port}"]
  transports: [udp, tls]
  tls_cert: {dir}/sip-cert.pem
  tls_key: {dir}/sip-key.pem
  tls_dir: {dir}/run
  trunks:
    - {{name: local, address: "127.0.0.1:5099", transport: tls}}
  routes:
    - {{prefix: "", trunk: local}}
logging:
  level: info
control:
  socket: {dir}/trapezed.sock
"""

from tz_tap import check, finish  # noqa: E402


# --- the client side, run inside the daemon's namespace -----------------------

def client_main(port):
    """Line commands on stdin: `connect` -> `cert SHA256`; `options` -> the
    answer's status line; `quit`.  One TLS connection for the whole run."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn, cseq = None, 0
    for line in sys.stdin:
        cmd = line.strip()
        try:
            if cmd == "connect":
                raw = socket.create_connection(("127.0.0.1", port), timeout=10)
                conn = ctx.wrap_socket(raw)
                der = conn.getpeercert(binary_form=True)
                print("cert", hashlib.sha256(der).hexdigest(), flush=True)
            elif cmd == "options":
                cseq += 1
                me = conn.getsockname()
                req = (f"OPTIONS sip:127.0.0.1:{port};transport=tls SIP/2.0\r\n"
                       f"Via: SIP/2.0/TLS 127.0.0.1:{me[1]};branch=z9hG4bK-tz{os.getpid()}-{cseq}\r\n"
                       "Max-Forwards: 70\r\n"
                       f"From: <sip:probe@127.0.0.1>;tag=t{os.getpid()}\r\n"
                       "To: <sip:127.0.0.1>\r\n"
                       f"Call-ID: tz-reload-{os.getpid()}@127.0.0.1\r\n"
                       f"CSeq: {cseq} OPTIONS\r\nContent-Length: 0\r\n\r\n")
                conn.sendall(req.encode())
                buf = b""
                while b"\r\n\r\n" not in buf:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    buf += chunk
                print("answer", buf.split(b"\r\n", 1)[0].decode(errors="replace") or "none",
                      flush=True)
            elif cmd == "quit":
                break
        except (OSError, AttributeError) as e:
            print("error", e, flush=True)
    return 0


class Client:
    """A client process in the daemon's network namespace."""

    def __init__(self, pid):
        self.proc = subprocess.Popen(
            ["nsenter", f"--net=/proc/{pid}/ns/net", sys.executable, __file__, "client",
             str(SIP_PORT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, cmd, timeout=15):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        if not select.select([self.proc.stdout], [], [], timeout)[0]:
            return "timeout"
        return self.proc.stdout.readline().strip()

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- the test ---------------------------------------------------------------

def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def make_cert(tmp, name):
    cert, key = os.path.join(tmp, name + ".pem"), os.path.join(tmp, name + ".key")
    r = run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-days", "2", "-subj", "/CN=" + name, "-keyout", key, "-out", cert)
    assert r.returncode == 0, r.stderr
    with open(cert, "rb") as f:
        pem = f.read()
    r = subprocess.run(["openssl", "x509", "-outform", "DER"], input=pem, capture_output=True)
    return cert, key, hashlib.sha256(r.stdout).hexdigest()


def install(tmp, cert, key):
    """Replace the configured files by new ones, renamed over (certbot's way)."""
    for src, dst in ((cert, "sip-cert.pem"), (key, "sip-key.pem")):
        with open(src, "rb") as f:
            data = f.read()
        tmpf = os.path.join(tmp, dst + ".new")
        with open(tmpf, "wb") as f:
            f.write(data)
        os.rename(tmpf, os.path.join(tmp, dst))


def ctl(sock, *args):
    return run(TRAPEZECTL, "--socket", sock, *args)


def wait_up(proc, sock, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if ctl(sock, "show", "version").returncode == 0:
            return True
        time.sleep(0.2)
    return False


def main_run(tmp):
    a_cert, a_key, a_fp = make_cert(tmp, "tz-a")
    b_cert, b_key, b_fp = make_cert(tmp, "tz-b")
    install(tmp, a_cert, a_key)
    conf = os.path.join(tmp, "trapeze.yaml")
    with open(conf, "w") as f:
        f.write(CONFIG.format(pid=os.getpid(), dir=tmp, port=SIP_PORT))
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
    clients = []
    try:
        up = wait_up(proc, sock)
        check(up, "trapezed starts with SIP over TLS", logtext())
        if not up:
            return
        first = Client(proc.pid)
        clients.append(first)
        got = first.ask("connect")
        check(got == "cert " + a_fp, "a TLS client sees certificate A", got)
        got = first.ask("options")
        check(got.startswith("answer SIP/2.0 200"), "its OPTIONS is answered 200", got)

        install(tmp, b_cert, b_key)
        t0 = time.monotonic()
        r = ctl(sock, "reload")
        print(f"# trapezectl reload took {(time.monotonic() - t0) * 1000:.0f} ms")
        print("# " + (r.stdout + r.stderr).strip().replace("\n", "\n# "))
        check(r.returncode == 0 and "sip tls certificate renewed" in r.stdout,
              "trapezectl reload: sip tls certificate renewed", r.stdout + r.stderr)
        check("needs restart" not in r.stdout, "nothing needs a restart", r.stdout)
        second = Client(proc.pid)
        clients.append(second)
        got = second.ask("connect")
        check(got == "cert " + b_fp, "a new connection sees certificate B", got)
        got = second.ask("options")
        check(got.startswith("answer SIP/2.0 200"), "the new connection's OPTIONS is answered",
              got)
        got = first.ask("options")
        check(got.startswith("answer SIP/2.0 200"),
              "the connection opened before the reload still gets its OPTIONS answered", got)

        # certificate A with B's key: refused, B stays
        install(tmp, a_cert, b_key)
        r = ctl(sock, "reload")
        print("# " + (r.stdout + r.stderr).strip().replace("\n", "\n# "))
        check(r.returncode == 1 and "reload refused: sip.tls_key" in r.stderr,
              "a certificate with another key: reload refused, the key file named",
              r.stdout + r.stderr)
        third = Client(proc.pid)
        clients.append(third)
        got = third.ask("connect")
        check(got == "cert " + b_fp, "after the refusal new connections still see B", got)
        st = ctl(sock, "--json", "show", "status")
        try:
            status = json.loads(st.stdout)
        except ValueError:
            status = {}
        check(status.get("reloads_refused") == 1 and status.get("restart_pending") == "none",
              "show status: 1 refused reload, nothing pending a restart", st.stdout + st.stderr)
        got = first.ask("options")
        check(got.startswith("answer SIP/2.0 200"), "the first connection is still served", got)
    finally:
        for c in clients:
            c.close()
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
    if len(sys.argv) > 2 and sys.argv[1] == "client":
        return client_main(int(sys.argv[2]))
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (unshare -n, TAP interfaces)")
        return 0
    with tempfile.TemporaryDirectory(prefix="tz-siptls.") as tmp:
        main_run(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
