#!/usr/bin/env python3
"""A PBX's media behind NAT, for the latching test: RTP arrives at the
gateway from 203.0.113.2:6330 although the PBX's SDP announced another port.

  nat_peer.py GATEWAY_IP GATEWAY_PORT SECONDS

Sends a 400 Hz tone as PCMA (payload type 8, 20 ms packets) from port 6330
to the gateway's media port and reads (drops) what the gateway sends; one
RTP stream, as a PBX sends (an echo would be a second stream under the
gateway's one SSRC towards the browser).  Ends by itself after SECONDS, or 3 s after the last packet it
received (the call is over), so nothing is left behind.  Started by sipp
(uas_nat.xml) inside namespace sip.
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
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.2", 6330))
s.setblocking(False)
pcm = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 400 * i / 8000))) for i in range(160))
payload = audioop.lin2alaw(pcm, 2)
seq, ts, ssrc = 1, 0, 0x4E415431
next_send, last_rx = time.monotonic(), None
while time.monotonic() < end:
    now = time.monotonic()
    if now >= next_send:
        s.sendto(struct.pack("!BBHII", 0x80, 8, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload, gw)
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
