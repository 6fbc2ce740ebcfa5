#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A bounded UDP flood for the lab's flood scenario: COUNT datagrams that
look like STUN Binding requests (or DTLS records, alternately) from one
source address to a range of the gateway's media ports, as fast as the
socket allows, stopping after COUNT packets or SECONDS, whichever comes
first.  Prints the number sent.  Only for addresses in the lab namespaces.

  udp_flood.py SRC DST FIRST_PORT LAST_PORT COUNT SECONDS
"""
import os
import socket
import sys
import time


def main():
    src, dst, first, last, count, seconds = sys.argv[1:7]
    first, last, count, seconds = int(first), int(last), int(count), float(seconds)
    if not (dst.startswith('198.51.100.') or dst.startswith('203.0.113.')):
        sys.exit('udp_flood: only lab addresses (198.51.100.0/24, 203.0.113.0/24)')
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    stun = bytes([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]) + os.urandom(12)
    dtls = bytes([0x16, 0xfe, 0xfd]) + os.urandom(40)
    end = time.monotonic() + seconds
    sent = 0
    port = first
    while sent < count and time.monotonic() < end:
        try:
            s.sendto(stun if sent % 2 == 0 else dtls, (dst, port))
            sent += 1
        except (BlockingIOError, OSError):
            time.sleep(0.0005)
        port = first if port >= last else port + 1
    print(sent)


if __name__ == '__main__':
    main()
