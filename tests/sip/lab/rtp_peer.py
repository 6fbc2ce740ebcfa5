#!/usr/bin/env python3
"""A PBX's media stream for the lab's e2e tests: one RTP stream of a 400 Hz
tone (20 ms packets) from 203.0.113.2:SRC_PORT to the gateway's media port;
what the gateway sends back is read and dropped (an echo would be a second
stream under the gateway's one SSRC towards the browser).

  rtp_peer.py GATEWAY_IP GATEWAY_PORT SECONDS [--src-port P] [--codec pcmu|pcma]
              [--first-seq N] [--ssrc X]

Uses: a PBX behind NAT (sip_midcall.test.mjs: from port 6330 although its
SDP announced another, PCMA), and a sequence number that wraps a few seconds
into the call (sip_srtp_wrap.test.mjs: --first-seq 65450, from 6400, the port
uas_hold_wrap.xml announces).  Ends by itself after SECONDS, or 3 s after the
last packet it received (the call is over), so nothing is left behind.
Started by the tests inside namespace sip, ended by its PID.
"""
import argparse
import warnings
warnings.simplefilter("ignore", DeprecationWarning)
import audioop  # noqa: E402  (Python 3.11: deprecated, present)
import math
import socket
import struct
import time

CODECS = {'pcmu': (0, audioop.lin2ulaw), 'pcma': (8, audioop.lin2alaw)}

ap = argparse.ArgumentParser()
ap.add_argument('gateway')
ap.add_argument('port', type=int)
ap.add_argument('seconds', type=float)
ap.add_argument('--src-port', type=int, default=6330)
ap.add_argument('--codec', choices=sorted(CODECS), default='pcma')
ap.add_argument('--first-seq', type=int, default=1)
ap.add_argument('--ssrc', type=lambda x: int(x, 0), default=0x4E415431)
args = ap.parse_args()

pt, encode = CODECS[args.codec]
gw = (args.gateway, args.port)
end = time.monotonic() + args.seconds
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.2", args.src_port))
s.setblocking(False)
pcm = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 400 * i / 8000))) for i in range(160))
payload = encode(pcm, 2)
seq, ts = args.first_seq, 0
next_send, last_rx = time.monotonic(), None
while time.monotonic() < end:
    now = time.monotonic()
    if now >= next_send:
        s.sendto(struct.pack("!BBHII", 0x80, pt, seq & 0xFFFF, ts & 0xFFFFFFFF, args.ssrc) + payload, gw)
        seq, ts, next_send = seq + 1, ts + 160, next_send + 0.02
    try:
        while True:
            s.recvfrom(2048)
            last_rx = now
    except BlockingIOError:
        pass
    if last_rx is not None and now - last_rx > 3:
        break
    time.sleep(0.002)
