#!/usr/bin/env python3
"""A PBX's media whose RTP sequence number wraps a few seconds into the call,
for the test that a hold/resume after the wrap keeps the browser's audio
(the gateway must keep the SRTP rollover counter across the re-publish).

  rtp_wrap_peer.py GATEWAY_IP GATEWAY_PORT SECONDS FIRST_SEQ

Sends a 400 Hz tone as PCMU (payload type 0, 20 ms packets) from
203.0.113.2:6400 (the port uas_hold_wrap.xml announces) to the gateway's
media port, sequence numbers from FIRST_SEQ (mod 2^16), and reads (drops)
what the gateway sends.  Ends by itself after SECONDS, or 3 s after the last
packet it received (the call is over).  Started by the test inside namespace
sip, ended by its PID.
"""
import warnings
warnings.simplefilter("ignore", DeprecationWarning)
import audioop  # noqa: E402  (Python 3.11: deprecated, present)
import math
import socket
import struct
import sys
import time

gw = (sys.argv[1], int(sys.argv[2]))
end = time.monotonic() + float(sys.argv[3])
seq = int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.2", 6400))
s.setblocking(False)
pcm = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 400 * i / 8000))) for i in range(160))
payload = audioop.lin2ulaw(pcm, 2)
ts, ssrc = 0, 0x57524150
next_send, last_rx = time.monotonic(), None
while time.monotonic() < end:
    now = time.monotonic()
    if now >= next_send:
        s.sendto(struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload, gw)
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
