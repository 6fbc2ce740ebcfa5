#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The media half of the lab's SIP video endpoint (sipp does the signalling).

Runs in namespace `sip`, owns the video port pair of the SDP (RTP PORT,
RTCP PORT+1) and starts two GStreamer pipelines on loopback:

  sender:   videotestsrc ! vp8enc ! rtpvp8pay ssrc=SSRC ! udpsink 127.0.0.1:<in>
  receiver: udpsrc 127.0.0.1:<out> ! rtpvp8depay ! vp8dec ! fakesink (one
            "chain" line per decoded frame on its stdout)

With --codec h264 the same with H.264 (constrained baseline, profile-level-id
42e01f, packetization-mode 1, as the SIP answer of uas_video_h264.xml says):

  sender:   x264enc tune=zerolatency (baseline, a key frame every second)
            ! rtph264pay config-interval=-1 (SPS/PPS before every IDR)
  receiver: rtph264depay ! avdec_h264 (gstreamer1.0-libav)

RTP from the gateway goes to the receiver; the sender's RTP goes to the
gateway from PORT once the gateway's address is known (symmetric RTP: the
source of what it sends us).  RTCP from the gateway is parsed: PLI and FIR
are counted, with whether they name our SSRC.  Until the first frame is
decoded a PLI asks the browser for a key frame every 0.4 s (as a phone
does).  SIGUSR1 sends a PLI for the
browser's video; SIGUSR2 drops the next 40 packets towards the gateway (the
browser's decoder then asks for a key frame).  Counters go to STATUS (JSON)
whenever they change; SIGTERM ends everything.

With --srtp-key (ours) and --srtp-peer-key-file (the gateway's, written by
the sipp scenario from the INVITE's a=crypto) the video is SDES-SRTP both
ways (AES_CM_128_HMAC_SHA1_80, lib/srtp_ctypes.py over libsrtp2): what
arrives is unprotected before GStreamer and the RTCP parser see it
(failures counted in srtp_fail), what leaves is protected.
"""
import argparse
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

CAPS = 'application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96'


def pipelines(codec, pt, ssrc):
    """The receiver's caps + depayloader/decoder and the sender's encoder/payloader."""
    caps = f'application/x-rtp,media=video,encoding-name={codec.upper()},clock-rate=90000,payload={pt}'
    if codec == 'h264':
        dec = ['rtph264depay', '!', 'avdec_h264']
        enc = ['x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'key-int-max=15',
               'bitrate=300', '!', 'video/x-h264,profile=constrained-baseline,stream-format=avc', '!',
               'rtph264pay', 'config-interval=-1', 'aggregate-mode=zero-latency']
    else:
        dec = ['rtpvp8depay', '!', 'vp8dec']
        enc = ['vp8enc', 'deadline=1', 'keyframe-max-dist=15', '!', 'rtpvp8pay']
    return caps, dec, enc + [f'pt={pt}', f'ssrc={ssrc}']


def udp(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ip', required=True)
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--ssrc', type=lambda x: int(x, 0), default=0x1234ABCD)
    ap.add_argument('--pt', type=int, default=96)
    ap.add_argument('--status', required=True)
    ap.add_argument('--srtp-key', help='our SDES key||salt (base64): SRTP towards the gateway')
    ap.add_argument('--srtp-peer-key-file', help='file with the gateway\'s key (base64)')
    ap.add_argument('--codec', choices=('vp8', 'h264'), default='vp8')
    a = ap.parse_args()
    srtp = {'tx': None, 'rx': None}
    if a.srtp_key:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import srtp_ctypes
        srtp['tx'] = srtp_ctypes.Srtp(a.srtp_key, outbound=True)

    def peer_srtp():
        """The gateway's key once sipp wrote it (None: not yet)."""
        if srtp['rx'] is None and a.srtp_peer_key_file and os.path.exists(a.srtp_peer_key_file):
            key = open(a.srtp_peer_key_file).read().strip()
            if key:
                srtp['rx'] = srtp_ctypes.Srtp(key, outbound=False)
        return srtp['rx']

    def inbound(data, rtcp_pkt):
        """What arrived, unprotected (None: drop it)."""
        if srtp['tx'] is None:
            return data
        rx = peer_srtp()
        out = None if rx is None else rx.unprotect_rtcp(data) if rtcp_pkt else rx.unprotect(data)
        if out is None:
            st['srtp_fail'] += 1
        return out

    def outbound(data, rtcp_pkt):
        if srtp['tx'] is None:
            return data
        return srtp['tx'].protect_rtcp(data) if rtcp_pkt else srtp['tx'].protect(data)

    rtp, rtcp = udp(a.ip, a.port), udp(a.ip, a.port + 1)
    from_gst = udp('127.0.0.1', 0)
    to_gst = udp('127.0.0.1', 0)            # only reserves the receiver's port
    rx_port = to_gst.getsockname()[1]
    to_gst.close()
    fwd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    st = {'rtp_in': 0, 'rtp_out': 0, 'rtcp_in': 0, 'pli_in': 0, 'fir_in': 0,
          'fb_for_us': 0, 'pli_sent': 0, 'auto_pli': 0, 'frames_decoded': 0, 'browser_ssrc': 0,
          'gateway': None, 'srtp_fail': 0}
    gw = {'rtp': None, 'rtcp': None}
    drop = [0]
    lock = threading.Lock()

    def dump():
        tmp = a.status + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(st, f)
        os.replace(tmp, a.status)

    caps, dec, enc = pipelines(a.codec, a.pt, a.ssrc)
    recv = subprocess.Popen(
        ['gst-launch-1.0', '-v', 'udpsrc', 'address=127.0.0.1', f'port={rx_port}', f'caps={caps}',
         '!', *dec, '!', 'fakesink', 'silent=false'],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    send = subprocess.Popen(
        ['gst-launch-1.0', '-q', 'videotestsrc', 'is-live=true', 'pattern=ball', '!',
         'video/x-raw,width=320,height=240,framerate=15/1', '!',
         *enc, '!',
         'udpsink', 'host=127.0.0.1', f'port={from_gst.getsockname()[1]}'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def count_frames():
        for line in recv.stdout:
            if 'chain' in line:
                with lock:
                    st['frames_decoded'] += 1

    threading.Thread(target=count_frames, daemon=True).start()

    want_pli = [False]

    def send_pli():
        want_pli[0] = False
        if gw['rtcp'] is None or not st['browser_ssrc']:
            return
        pli = outbound(struct.pack('!BBHII', 0x81, 206, 2, a.ssrc, st['browser_ssrc']), True)
        if pli is not None:
            rtcp.sendto(pli, gw['rtcp'])
        st['pli_sent'] += 1

    def lose(*_):
        drop[0] = 40

    stop = [False]
    # handlers only set flags: the loop acts (it may hold the lock)
    signal.signal(signal.SIGUSR1, lambda *_: want_pli.__setitem__(0, True))
    signal.signal(signal.SIGUSR2, lose)
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))

    def rtcp_packets(data):
        off = 0
        while off + 4 <= len(data):
            fmt, pt = data[off] & 0x1f, data[off + 1]
            plen = 4 * (struct.unpack('!H', data[off + 2:off + 4])[0] + 1)
            if pt == 206 and fmt in (1, 4) and off + 12 <= len(data):
                st['pli_in' if fmt == 1 else 'fir_in'] += 1
                target = struct.unpack('!I', data[off + (8 if fmt == 1 else 12):
                                                  off + (12 if fmt == 1 else 16)])[0]
                st['fb_for_us'] += target == a.ssrc
            off += plen

    last = 0.0
    last_ask = [0.0]
    try:
        while not stop[0]:
            try:
                r, _, _ = select.select([rtp, rtcp, from_gst], [], [], 0.2)
            except InterruptedError:
                continue
            with lock:
                if want_pli[0]:
                    send_pli()
                for s in r:
                    data, src = s.recvfrom(2048)
                    if s is not from_gst:
                        data = inbound(data, s is rtcp)
                        if data is None:
                            continue
                    if s is rtp:
                        st['rtp_in'] += 1
                        gw['rtp'] = src
                        if gw['rtcp'] is None:
                            gw['rtcp'] = (src[0], src[1] + 1)
                        st['gateway'] = f'{src[0]}:{src[1]}'
                        if len(data) >= 12:
                            st['browser_ssrc'] = struct.unpack('!I', data[8:12])[0]
                        fwd.sendto(data, ('127.0.0.1', rx_port))
                    elif s is rtcp:
                        st['rtcp_in'] += 1
                        gw['rtcp'] = src
                        rtcp_packets(data)
                    elif gw['rtp'] is not None:
                        if drop[0] > 0:
                            drop[0] -= 1
                            continue
                        data = outbound(data, False)
                        if data is None:
                            continue
                        rtp.sendto(data, gw['rtp'])
                        st['rtp_out'] += 1
            if time.monotonic() - last > 0.2:
                last = time.monotonic()
                with lock:
                    # as a video phone does: no picture yet (the key frame
                    # went before the gateway had the call's flows), ask
                    # for one (RFC 4585 PLI) every 0.4 s
                    if st['rtp_in'] > 0 and st['frames_decoded'] == 0 and \
                       last - last_ask[0] > 0.4:
                        last_ask[0] = last
                        st['auto_pli'] += 1
                        send_pli()
                        st['pli_sent'] -= 1
                    dump()
    finally:
        for p in (send, recv):
            p.terminate()
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                p.kill()
        dump()


if __name__ == '__main__':
    sys.exit(main())
