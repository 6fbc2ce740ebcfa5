#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Real WebSocket/HTTP client for test_ws_server: `ws_client.py SCENARIO`.

Talks to the server test_ws_server.c started on 127.0.0.1 (ports and files in
the environment) and exits 0 when the scenario behaved as docs/protocol.md
says, 1 with the reason on stderr otherwise.  Needs python3-websockets.
"""
import asyncio
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys

import websockets

HTTP_PORT = int(os.environ["TZ_WS_HTTP_PORT"])
HTTPS_PORT = int(os.environ["TZ_WS_HTTPS_PORT"])
CERT = os.environ["TZ_WS_CERT"]
MAX_MESSAGE = int(os.environ["TZ_WS_MAX_MESSAGE"])
MAX_RATE = int(os.environ["TZ_WS_MAX_RATE"])
PROTO = "trapeze-jsep.v1"
URL = f"ws://127.0.0.1:{HTTP_PORT}/ws"


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def connect(url=URL, proto=PROTO, **kw):
    return websockets.connect(url, subprotocols=[proto] if proto else None,
                              max_size=None, open_timeout=5, **kw)


async def request(ws, msg):
    await ws.send(msg if isinstance(msg, str) else json.dumps(msg))
    return await recv(ws)


async def recv(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


def expect_error(reply, code, message=None, **echo):
    check(reply.get("type") == "error", f"expected error {code}, got {reply}")
    check(reply.get("code") == code, f"expected code {code}, got {reply}")
    if message is not None:
        check(reply.get("message") == message, f"expected message {message!r}, got {reply}")
    for k, v in echo.items():
        check(reply.get(k) == v, f"expected {k}={v!r}, got {reply}")


async def login(ws, user="alice", id=1):
    reply = await request(ws, {"type": "login", "id": id, "user": user})
    check(reply == {"type": "login-ok", "id": id, "user": user}, f"login: {reply}")


async def still_works(ws, id=99):
    reply = await request(ws, {"type": "ping", "id": id})
    check(reply == {"type": "pong", "id": id}, f"connection no longer works: {reply}")


async def s_subprotocol():
    async with connect() as ws:
        check(ws.subprotocol == PROTO, f"subprotocol {ws.subprotocol!r}")
        await still_works(ws)


async def s_login():
    async with connect() as ws:
        reply = await request(ws, {"type": "call", "id": 5, "call": "c1",
                                   "target": "echo", "sdp": "v=0"})
        expect_error(reply, "not-logged-in", "call: log in first", id=5, call="c1")
        reply = await request(ws, {"type": "login", "id": 2, "user": "alice",
                                   "token": "wrong"})
        expect_error(reply, "auth-failed", id=2)
        await login(ws, id=3)
        reply = await request(ws, {"type": "login", "id": 4, "user": "bob"})
        expect_error(reply, "bad-message",
                     "login: already logged in as 'alice'; send logout first", id=4)
        reply = await request(ws, {"type": "call", "id": 6, "call": "c1",
                                   "target": "echo", "sdp": "v=0"})
        check(reply == {"type": "answer", "call": "c1", "sdp": "v=0 test-answer"},
              f"answer: {reply}")
        reply = await recv(ws)
        check(reply == {"type": "answered", "call": "c1"}, f"answered: {reply}")
        await ws.send(json.dumps({"type": "logout", "id": 7}))
        reply = await request(ws, {"type": "hold", "call": "c1"})
        expect_error(reply, "not-logged-in", "hold: log in first", call="c1")


async def s_bad_json():
    async with connect() as ws:
        reply = await request(ws, "{nope")
        expect_error(reply, "bad-json")
        check(reply["message"].startswith("frame is not valid JSON: "), reply)
        reply = await request(ws, "[1,2]")
        expect_error(reply, "bad-json", "frame is not a JSON object")
        reply = await request(ws, {"type": "dial", "id": 3})
        expect_error(reply, "bad-message", "type: 'dial' is not a message type", id=3)
        await ws.send(b'{"type":"ping"}')
        expect_error(await recv(ws), "bad-json", "binary frame; send JSON in a text frame")
        await still_works(ws)


async def s_too_big():
    async with connect() as ws:
        pad = "x" * (MAX_MESSAGE + 100)
        reply = await request(ws, {"type": "ping", "id": 1, "pad": pad})
        expect_error(reply, "too-big")
        check(str(MAX_MESSAGE) in reply["message"], reply)
        await still_works(ws)
        # Fragmented: a message in pieces is reassembled ...
        text = json.dumps({"type": "ping", "id": 2, "pad": "y" * (MAX_MESSAGE // 2)})
        await ws.send(iter([text[:100], text[100:1000], text[1000:]]))
        check(await recv(ws) == {"type": "pong", "id": 2}, "fragmented message")
        # ... and one over the limit in pieces is dropped as one frame.
        big = "z" * (MAX_MESSAGE // 2 + 10)
        await ws.send(iter([big, big, big]))
        expect_error(await recv(ws), "too-big")
        await still_works(ws)


async def s_rate():
    async with connect() as ws:
        n = MAX_RATE * 2
        for i in range(n):
            await ws.send(json.dumps({"type": "ping", "id": i}))
        pongs, errors = 0, 0
        while True:
            try:
                reply = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
            except asyncio.TimeoutError:
                break
            if reply["type"] == "pong":
                pongs += 1
            else:
                expect_error(reply, "rate-limited")
                errors += 1
        check(MAX_RATE <= pongs < n, f"{pongs} of {n} pings answered at {MAX_RATE}/s")
        check(errors == 1, f"{errors} rate-limited errors, want 1 per second")
        await asyncio.sleep(1.1)
        await still_works(ws)


async def refused(**kw):
    try:
        async with connect(**kw):
            pass
    except websockets.exceptions.InvalidHandshake:
        return True
    except (ConnectionError, asyncio.TimeoutError):
        return True
    return False


async def s_wrong_subprotocol():
    check(await refused(proto="chat"), "subprotocol 'chat' was accepted")
    check(await refused(proto=None), "no subprotocol was accepted")
    check(await refused(url=f"ws://127.0.0.1:{HTTP_PORT}/other"), "path /other was accepted")
    async with connect() as ws:   # the server is still fine
        await still_works(ws)


async def s_two_conns():
    async with connect() as a, connect() as b:
        await login(a, "alice")
        reply = await request(b, {"type": "dtmf", "call": "c1", "digits": "1"})
        expect_error(reply, "not-logged-in", call="c1")
        reply = await request(a, {"type": "dtmf", "call": "c9", "digits": "1"})
        expect_error(reply, "unknown-call", call="c9")
        await login(b, "bob", id=2)
    conns = [await connect().__aenter__() for _ in range(50)]
    for i, ws in enumerate(conns):
        await ws.send(json.dumps({"type": "ping", "id": i}))
    for i, ws in enumerate(conns):
        check(await recv(ws) == {"type": "pong", "id": i}, f"connection {i}")
    for ws in conns:
        await ws.close()


async def s_server_close():
    async with connect() as ws:
        await login(ws)
        await ws.send(json.dumps({"type": "hangup", "call": "close-me"}))
        try:
            await asyncio.wait_for(ws.recv(), 5)
            raise Failure("no close")
        except websockets.exceptions.ConnectionClosed as e:
            check(e.code == 1000 and e.reason == "bye", f"close {e.code} {e.reason!r}")


async def s_held_open():
    """Stay connected until the server shuts down; it must close us."""
    async with connect() as ws:
        await login(ws)
        try:
            await asyncio.wait_for(ws.recv(), 10)
            raise Failure("a message instead of a close")
        except websockets.exceptions.ConnectionClosed:
            pass
        except asyncio.TimeoutError:
            raise Failure("the server did not close the connection when it stopped")


def http_get(path, tls=False, method="GET"):
    if tls:
        ctx = ssl.create_default_context(cafile=CERT)
        c = http.client.HTTPSConnection("127.0.0.1", HTTPS_PORT, context=ctx, timeout=5)
    else:
        c = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=5)
    c.request(method, path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("content-type"), body


def s_static():
    cases = [
        ("/", 200, "text/html; charset=utf-8", b"<title>phone</title>"),
        ("/index.html", 200, "text/html; charset=utf-8", b"<title>phone</title>"),
        ("/app.js", 200, "text/javascript; charset=utf-8", b"console.log"),
        ("/mod.mjs", 200, "text/javascript; charset=utf-8", b"export"),
        ("/style.css", 200, "text/css; charset=utf-8", b"body"),
        ("/img/logo.svg", 200, "image/svg+xml", b"<svg"),
        ("/manifest.json", 200, "application/json", b"{}"),
        ("/missing.html", 404, None, None),
        ("/img/", 404, None, None),
        ("/../secret.txt", 404, None, None),
        ("/%2e%2e/secret.txt", 404, None, None),
        ("/img/../../secret.txt", 404, None, None),
        ("/..%2fsecret.txt", 404, None, None),
        ("/.hidden", 404, None, None),
        ("/escape.txt", 404, None, None),      # symlink out of web_root
    ]
    for path, status, ctype, body in cases:
        got_status, got_ctype, got_body = http_get(path)
        check(got_status == status, f"GET {path}: status {got_status}, want {status}")
        if ctype is not None:
            check(got_ctype == ctype, f"GET {path}: content-type {got_ctype!r}, want {ctype!r}")
            check(body in got_body, f"GET {path}: body {got_body[:80]!r}")
    # Tricks that must not reach outside web_root (issue 9): whatever lws
    # or we answer, never 200 and never the secret.
    for path in ("/%2e%2e/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/..%5csecret.txt",
                 "/%00/../secret.txt", "/index.html%00.js", "/%c0%ae%c0%ae/secret.txt",
                 "/%e0%80%ae%e0%80%ae/secret.txt", "/img/%2e%2e/%2e%2e/secret.txt",
                 "/./../secret.txt", "//../secret.txt", "/escape.txt/", "/linkdir/secret.txt",
                 "/img%2f..%2f..%2fsecret.txt", "/%ff/index.html"):
        try:
            got_status, _, got_body = http_get(path)
        except (http.client.HTTPException, ConnectionError):
            continue                     # hung up on: refused too
        check(got_status in (400, 403, 404),
              f"GET {path}: status {got_status}, want a refusal")
        check(b"top secret" not in got_body, f"GET {path}: served the secret")
    status, ctype, body = http_get("/app.js", method="HEAD")
    check(status == 200 and body == b"", f"HEAD /app.js: {status} {body[:40]!r}")
    status, _, _ = http_get("/app.js", method="POST")
    check(status == 405, f"POST /app.js: status {status}, want 405")


async def s_wss():
    ctx = ssl.create_default_context(cafile=CERT)
    async with connect(url=f"wss://127.0.0.1:{HTTPS_PORT}/ws", ssl=ctx) as ws:
        check(ws.subprotocol == PROTO, f"subprotocol {ws.subprotocol!r}")
        await login(ws)
        await still_works(ws)
    status, ctype, body = http_get("/", tls=True)
    check(status == 200 and b"<title>phone</title>" in body, f"GET / over TLS: {status}")


# --- admission (issue 9): raw upgrades, so the status and reason are visible ---

def upgrade(path="/ws", origin=None, proto=PROTO, tls=False, source="127.0.0.1", host=None):
    """Send a WebSocket upgrade; return (status, headers, body, socket).

    On 101 the socket is left open (the connection counts as open on the
    server until it is closed); otherwise it is closed."""
    port = HTTPS_PORT if tls else HTTP_PORT
    sock = socket.create_connection(("127.0.0.1", port), timeout=5,
                                    source_address=(source, 0))
    if tls:
        sock = ssl.create_default_context(cafile=CERT).wrap_socket(
            sock, server_hostname="127.0.0.1")
    host = host or f"127.0.0.1:{port}"
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
             "Sec-WebSocket-Version: 13"]
    if proto:
        lines.append(f"Sec-WebSocket-Protocol: {proto}")
    if origin:
        lines.append(f"Origin: {origin}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise Failure(f"upgrade {path} from {source}: connection closed without an answer")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ")[1])
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.decode().partition(":")
        headers[k.strip().lower()] = v.strip()
    if status == 101:
        return status, headers, b"", sock
    want = int(headers.get("content-length", "0"))
    while len(body) < want:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    sock.close()
    return status, headers, body, None


def expect_refused(status, body, want_status, reason):
    check(status == want_status, f"status {status}, want {want_status} ({body!r})")
    check(reason.encode() in body, f"reason {reason!r} not in {body!r}")


def s_origin_list():
    """signalling.origins = [https://phone.example.com, http://198.51.100.1:8080]"""
    status, _, body, _ = upgrade(origin="https://evil.example")
    expect_refused(status, body, 403, "Origin 'https://evil.example' is not allowed")
    status, _, body, _ = upgrade(origin="null")
    expect_refused(status, body, 403, "Origin 'null' is not allowed")
    status, _, body, _ = upgrade(origin="https://phone.example.com.evil.example")
    expect_refused(status, body, 403, "is not allowed")
    for ok in ("https://phone.example.com", "https://PHONE.example.com:443",
               "http://198.51.100.1:8080", None):
        status, _, body, sock = upgrade(origin=ok)
        check(status == 101, f"Origin {ok}: status {status} {body!r}")
        sock.close()


def s_origin_default():
    """No list: only pages of this server (same scheme, host and port)."""
    status, _, body, sock = upgrade(origin=f"http://127.0.0.1:{HTTP_PORT}")
    check(status == 101, f"same origin: status {status} {body!r}")
    sock.close()
    status, _, body, sock = upgrade(origin=f"https://127.0.0.1:{HTTPS_PORT}", tls=True)
    check(status == 101, f"same origin over TLS: status {status} {body!r}")
    sock.close()
    status, _, body, _ = upgrade(origin=f"https://127.0.0.1:{HTTP_PORT}")
    expect_refused(status, body, 403, "is not allowed (signalling.origins)")
    status, _, body, _ = upgrade(origin="https://evil.example")
    expect_refused(status, body, 403, "Origin 'https://evil.example' is not allowed")


def s_origin_required():
    """allow_no_origin: false -- a client without Origin is refused."""
    status, _, body, _ = upgrade(origin=None)
    expect_refused(status, body, 403, "an Origin header is required")


def s_require_tls():
    status, _, body, _ = upgrade()
    expect_refused(status, body, 403, f"connect with wss:// to port {HTTPS_PORT}")
    status, _, body, sock = upgrade(tls=True)
    check(status == 101, f"wss://: status {status} {body!r}")
    sock.close()
    c = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=5)
    c.request("GET", "/app.js")
    r = c.getresponse()
    r.read()
    check(r.status == 308 and r.getheader("location") ==
          f"https://127.0.0.1:{HTTPS_PORT}/app.js",
          f"GET http://.../app.js: {r.status} {r.getheader('location')}")
    c.close()


def s_refusals():
    """Path and subprotocol refusals get an answer too, not a closed socket."""
    status, _, body, _ = upgrade(path="/other")
    expect_refused(status, body, 404, "the WebSocket is at /ws")
    status, _, body, _ = upgrade(proto="chat, superchat")
    expect_refused(status, body, 400, "Sec-WebSocket-Protocol must offer trapeze-jsep.v1")
    status, _, body, sock = upgrade(proto="chat, trapeze-jsep.v1")
    check(status == 101, f"offer list: status {status}")
    sock.close()


PER_IP = int(os.environ.get("TZ_WS_PER_IP", "0"))
MAX_CONNS = int(os.environ.get("TZ_WS_MAX_CONNS", "0"))


def s_per_ip():
    held = []
    for i in range(PER_IP):
        status, _, body, sock = upgrade()
        check(status == 101, f"connection {i + 1} of {PER_IP}: status {status} {body!r}")
        held.append(sock)
    status, headers, body, _ = upgrade()
    expect_refused(status, body, 429,
                   f"too many WebSocket connections from 127.0.0.1: {PER_IP}")
    check(headers.get("retry-after") == "10", f"Retry-After: {headers}")
    status, _, body, sock = upgrade(source="127.0.0.2")   # another address still gets in
    check(status == 101, f"from 127.0.0.2: status {status} {body!r}")
    sock.close()
    held.pop().close()
    for _ in range(100):          # the server frees the slot once it saw the close
        status, _, body, sock = upgrade()
        if status == 101:
            sock.close()
            break
        expect_refused(status, body, 429, "too many")
    else:
        raise Failure("a closed connection's slot was never freed")
    for s in held:
        s.close()


def s_server_full():
    held = []
    for i in range(MAX_CONNS):
        status, _, body, sock = upgrade(source=f"127.0.0.{i + 1}")
        check(status == 101, f"connection {i + 1}: status {status} {body!r}")
        held.append(sock)
    status, headers, body, _ = upgrade(source="127.0.0.99")
    expect_refused(status, body, 503, "server full")
    for s in held:
        s.close()


async def s_slow_reader():
    """b asks for a flood and does not read; the server cuts b, a is untouched."""
    async with connect() as a, connect(max_queue=1) as b:
        await login(a, "alice")
        await login(b, "bob", id=2)
        await a.send(json.dumps({"type": "call", "call": "w1", "target": "watch",
                                 "sdp": "v=0"}))
        await b.send(json.dumps({"type": "call", "call": "f1", "target": "flood",
                                 "sdp": "v=0"}))
        # a hears from the manager once b was cut (no reading on b till then).
        reply = json.loads(await asyncio.wait_for(a.recv(), 50))
        check(reply == {"type": "hangup", "call": "w1", "code": 200, "reason": "cut"},
              f"watcher: {reply}")
        n = 0
        try:
            while True:
                await asyncio.wait_for(b.recv(), 10)
                n += 1
        except websockets.exceptions.ConnectionClosed as e:
            check(e.code == 1008 and e.reason == "slow reader: send queue over its share",
                  f"b closed with {e.code} {e.reason!r} after {n} messages")
        await still_works(a)


def s_tls_versions():
    """openssl s_client: TLS 1.0/1.1 and non-forward-secret suites refused."""
    def s_client(*args):
        r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{HTTPS_PORT}",
                            "-servername", "localhost", *args],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
        return r.returncode, r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")
    for v in ("-tls1", "-tls1_1"):
        rc, out = s_client(v, "-cipher", "DEFAULT@SECLEVEL=0")
        # The client itself must have offered it (OPENSSL_CONF of the test allows it).
        check("no protocols available" not in out, f"{v}: the client did not try:\n{out[-600:]}")
        check(rc != 0, f"{v} was accepted:\n{out[-600:]}")
    rc, out = s_client("-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0")
    check(rc != 0, f"TLS 1.2 with AES128-SHA (no forward secrecy) was accepted:\n{out[-600:]}")
    for v, proto in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
        rc, out = s_client(v)
        check(rc == 0 and f"New, {proto}," in out, f"{v} refused:\n{out[-600:]}")


# --- SIP over WebSocket (issue 10, RFC 7118) ---

SIP = "sip"
SIP_URL = f"ws://127.0.0.1:{HTTP_PORT}/sip"


def sip_msg(n, body=""):
    return (f"OPTIONS sip:gw@127.0.0.1 SIP/2.0\r\n"
            f"Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK{n}\r\n"
            f"Max-Forwards: 70\r\nTo: <sip:gw@127.0.0.1>\r\n"
            f"From: <sip:alice@example.com>;tag={n}\r\nCall-ID: call-{n}\r\n"
            f"CSeq: {n} OPTIONS\r\nContent-Length: {len(body)}\r\n\r\n{body}")


async def sip_echo(ws, msg, what, pieces=None):
    """Send msg (str: text, bytes: binary; in pieces when given); expect it back as text."""
    await ws.send(msg if pieces is None else iter(pieces))
    got = await asyncio.wait_for(ws.recv(), 5)
    want = msg if isinstance(msg, str) else msg.decode()
    check(isinstance(got, str), f"{what}: answer is not a text frame: {got[:40]!r}")
    check(got == want, f"{what}: got {got[:80]!r}, want {want[:80]!r}")


def s_sip_handshake():
    """Subprotocol sip on /, /sip, /ws; refusals name the reason."""
    for path, proto in (("/", SIP), ("/sip", SIP), ("/ws", SIP), ("/sip?x=1", SIP),
                        ("/sip", "chat, sip"),
                        ("/ws", "sip, trapeze-jsep.v1")):
        status, headers, body, sock = upgrade(path=path, proto=proto)
        check(status == 101, f"{path} {proto}: status {status} {body!r}")
        check(headers.get("sec-websocket-protocol") == SIP,
              f"{path} {proto}: chose {headers.get('sec-websocket-protocol')!r}")
        sock.close()
    status, headers, body, sock = upgrade(path="/sip", proto=SIP, tls=True)
    check(status == 101 and headers.get("sec-websocket-protocol") == SIP,
          f"wss /sip: status {status} {body!r}")
    sock.close()
    for path in ("/other", "/sip/"):
        status, _, body, _ = upgrade(path=path, proto=SIP)
        expect_refused(status, body, 404, "subprotocol 'sip' is served on /, /ws, /sip")
    status, _, body, _ = upgrade(path="/sip", proto=PROTO)
    expect_refused(status, body, 404, "the WebSocket is at /ws")
    for proto in ("chat", None, "http, sip"):
        status, _, body, _ = upgrade(path="/sip", proto=proto)
        expect_refused(status, body, 400,
                       "Sec-WebSocket-Protocol must offer trapeze-jsep.v1 (on /ws) or sip "
                       "(SIP over WebSocket, RFC 7118, on /, /ws, /sip)")
    status, _, body, _ = upgrade(path="/sip", proto=SIP, origin="https://evil.example")
    expect_refused(status, body, 403, "Origin 'https://evil.example' is not allowed")


async def s_sip_messages():
    """One WebSocket message = one SIP message; keep-alive; limits drop, not close."""
    async with connect(url=SIP_URL, proto=SIP) as ws:
        check(ws.subprotocol == SIP, f"subprotocol {ws.subprotocol!r}")
        await sip_echo(ws, sip_msg(1), "text")
        await sip_echo(ws, sip_msg(2).encode(), "binary")
        m = sip_msg(3, "v=0\r\n" + "a=x\r\n" * (MAX_MESSAGE // 12))
        check(len(m) < MAX_MESSAGE, "test message too long")
        await sip_echo(ws, m, "fragmented text", [m[:10], m[10:100], m[100:]])
        b = sip_msg(4).encode()
        await sip_echo(ws, b, "fragmented binary", [b[:7], b[7:]])
        await ws.send("\r\n\r\n")
        got = await asyncio.wait_for(ws.recv(), 5)
        check(got == "\r\n", f"keep-alive CRLF CRLF answered with {got!r}, want CRLF")
        await ws.send("\r\n")                       # a pong: ignored
        await ws.send("")                           # empty: ignored
        await ws.send("x" * (MAX_MESSAGE + 1))      # too big: dropped
        big = "z" * (MAX_MESSAGE // 2 + 10)
        await ws.send(iter([big, big, big]))        # too big in pieces: dropped
        # Nothing came back for those: the next answer is this message's echo.
        await sip_echo(ws, sip_msg(5), "after the dropped ones")
    ctx = ssl.create_default_context(cafile=CERT)
    async with connect(url=f"wss://127.0.0.1:{HTTPS_PORT}/", proto=SIP, ssl=ctx) as ws:
        await sip_echo(ws, sip_msg(6), "wss")


async def s_sip_rate():
    async with connect(url=SIP_URL, proto=SIP) as ws:
        n = MAX_RATE * 2
        for i in range(n):
            await ws.send(sip_msg(i))
        echoes = 0
        while True:
            try:
                got = await asyncio.wait_for(ws.recv(), 0.5)
            except asyncio.TimeoutError:
                break
            check(got.startswith("OPTIONS "), f"not an echo: {got[:40]!r}")
            echoes += 1
        check(MAX_RATE <= echoes < n, f"{echoes} of {n} messages passed at {MAX_RATE}/s")
        # The connection stays: once the bucket refills a message gets through.
        for i in range(50):
            await ws.send(sip_msg(1000 + i))
            try:
                got = await asyncio.wait_for(ws.recv(), 0.2)
                check(got == sip_msg(1000 + i), f"after the flood: {got[:40]!r}")
                return
            except asyncio.TimeoutError:
                continue
        raise Failure("no message got through after the flood")


async def s_sip_on_jsep():
    async with connect() as ws:
        await login(ws)
        reply = await request(ws, {"type": "call", "call": "s1", "target": "sip-send",
                                   "sdp": "v=0"})
        check(reply == {"type": "hangup", "call": "s1", "code": 200, "reason": "eproto"},
              f"tz_ws_send_sip on a jsep connection: {reply}")


def s_sip_disabled():
    """signalling.sip_paths: [] -- sip refused with a reason, jsep unchanged."""
    status, _, body, _ = upgrade(path="/sip", proto=SIP)
    expect_refused(status, body, 400, "subprotocol 'sip' is not served here "
                   "(signalling.sip_paths is empty)")
    status, headers, body, sock = upgrade(path="/ws", proto="sip, trapeze-jsep.v1")
    check(status == 101 and headers.get("sec-websocket-protocol") == PROTO,
          f"sip, trapeze-jsep.v1 without sip: {status} {headers} {body!r}")
    sock.close()


def s_sip_paths_own():
    """signalling.sip_paths: [/phone/sip]"""
    status, headers, body, sock = upgrade(path="/phone/sip", proto=SIP)
    check(status == 101, f"/phone/sip: status {status} {body!r}")
    sock.close()
    status, _, body, _ = upgrade(path="/sip", proto=SIP)
    expect_refused(status, body, 404, "subprotocol 'sip' is served on /phone/sip")


# --- tenants (issue 11): origins, hosts and paths that select a tenant ---
# test_ws_server.c sets acme (https://www.acme.example, acme.webrtc.example.net,
# /acme) and globex (https://phone.globex.example:8443, globex.example.net,
# /globex); the server counts the tenant tz_ws_conn_tenant() gives each.

ACME = "https://www.acme.example"
GLOBEX = "https://phone.globex.example:8443"


def opened(what, **kw):
    status, headers, body, sock = upgrade(**kw)
    check(status == 101, f"{what}: status {status} {body!r}")
    sock.close()
    return headers


def s_tenant_origins():
    """signalling.origins = [https://phone.example.com]; the tenants' pages may open too."""
    opened("acme's page", origin=ACME)
    opened("globex's page (default port dropped, any case)", origin="https://PHONE.globex.example:8443")
    opened("signalling.origins", origin="https://phone.example.com")
    status, _, body, _ = upgrade(origin="https://www.acme.example.evil.example")
    expect_refused(status, body, 403, "is not allowed (signalling.origins)")
    status, _, body, _ = upgrade(origin="https://phone.globex.example")   # port 443, not 8443
    expect_refused(status, body, 403, "is not allowed (signalling.origins)")


def s_tenant_select():
    """Origin, Host (without port) or path select a tenant; two tenants: 403."""
    opened("origin acme", origin=ACME)                                   # acme
    opened("host acme", host="ACME.webrtc.example.net:8443")               # acme
    opened("host acme, path /acme, origin acme", origin=ACME, path="/acme",
           host="acme.webrtc.example.net")                                # acme
    opened("path /acme with a query", path="/acme?v=2")                   # acme
    opened("path /globex", path="/globex")                                # globex
    opened("origin globex, host globex", origin=GLOBEX, host="globex.example.net")  # globex
    opened("no selector", path="/ws")                                     # none
    status, _, body, _ = upgrade(origin=ACME, path="/globex")
    expect_refused(status, body, 403, "Origin 'https://www.acme.example' is tenant acme's "
                   "but path '/globex' is tenant globex's; a WebSocket belongs to one tenant")
    status, _, body, _ = upgrade(host="globex.example.net", path="/acme")
    expect_refused(status, body, 403, "Host 'globex.example.net' is tenant globex's but "
                   "path '/acme' is tenant acme's")
    status, _, body, _ = upgrade(origin=GLOBEX, host="acme.webrtc.example.net:80")
    expect_refused(status, body, 403, "Origin 'https://phone.globex.example:8443' is tenant "
                   "globex's but Host 'acme.webrtc.example.net' is tenant acme's")


def s_tenant_paths():
    """A tenant's paths serve both subprotocols; other paths are unchanged."""
    for path in ("/acme", "/globex", "/acme?x=1"):
        for proto in (PROTO, SIP):
            headers = opened(f"{path} {proto}", path=path, proto=proto)
            check(headers.get("sec-websocket-protocol") == proto,
                  f"{path} {proto}: chose {headers.get('sec-websocket-protocol')!r}")
    status, _, body, _ = upgrade(path="/acme/", proto=SIP)
    expect_refused(status, body, 404, "subprotocol 'sip' is served on /, /ws, /sip")
    status, _, body, _ = upgrade(path="/sip", proto=PROTO)
    expect_refused(status, body, 404, "the WebSocket is at /ws")


SCENARIOS = {
    "subprotocol": s_subprotocol,
    "login": s_login,
    "bad_json": s_bad_json,
    "too_big": s_too_big,
    "rate": s_rate,
    "wrong_subprotocol": s_wrong_subprotocol,
    "two_conns": s_two_conns,
    "server_close": s_server_close,
    "static": s_static,
    "held_open": s_held_open,
    "wss": s_wss,
    "origin_list": s_origin_list,
    "origin_default": s_origin_default,
    "origin_required": s_origin_required,
    "require_tls": s_require_tls,
    "refusals": s_refusals,
    "per_ip": s_per_ip,
    "server_full": s_server_full,
    "slow_reader": s_slow_reader,
    "tls_versions": s_tls_versions,
    "sip_handshake": s_sip_handshake,
    "sip_messages": s_sip_messages,
    "sip_rate": s_sip_rate,
    "sip_on_jsep": s_sip_on_jsep,
    "sip_disabled": s_sip_disabled,
    "sip_paths_own": s_sip_paths_own,
    "tenant_origins": s_tenant_origins,
    "tenant_select": s_tenant_select,
    "tenant_paths": s_tenant_paths,
}


def main():
    fn = SCENARIOS[sys.argv[1]]
    try:
        if asyncio.iscoroutinefunction(fn):
            asyncio.run(fn())
        else:
            fn()
    except Failure as e:
        print(f"{sys.argv[1]}: FAIL: {e}", file=sys.stderr)
        return 1
    print(f"{sys.argv[1]}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
