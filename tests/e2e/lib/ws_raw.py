#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A bare trapeze-jsep.v1 client for e2e tests: what a script (not a
browser) can send.  Reads a JSON array of steps on stdin, prints a JSON
object {"replies": [...], "closed": code-or-null} on stdout.

A step is {"send": <message object or raw string>} (then the replies that
arrive within "wait" ms, default 1500, or until one carries the message's
id, are collected) or {"wait": ms}.

  ws_raw.py [--url wss://198.51.100.1:8443/ws] [--source IP] [--origin O]

--source binds the client to one of the web namespace's addresses, so a
test that trips per-IP limits does not affect the others.  Needs Debian's
python3-websockets (run with /usr/bin/python3).
"""
import argparse
import asyncio
import json
import ssl
import sys

import websockets


async def run(args, steps):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    kw = {'ssl': ctx} if args.url.startswith('wss:') else {}
    if args.source:
        kw['local_addr'] = (args.source, 0)
    out = {'replies': [], 'closed': None}
    async with websockets.connect(args.url, subprotocols=['trapeze-jsep.v1'], origin=args.origin,
                                  max_size=None, open_timeout=10, **kw) as ws:
        for step in steps:
            if 'send' in step:
                msg = step['send']
                await ws.send(msg if isinstance(msg, str) else json.dumps(msg))
                want = msg.get('id') if isinstance(msg, dict) else None
            else:
                want = None
            deadline = asyncio.get_running_loop().time() + step.get('wait', 1500) / 1000
            while True:
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    break
                try:
                    r = json.loads(await asyncio.wait_for(ws.recv(), left))
                except asyncio.TimeoutError:
                    break
                except websockets.ConnectionClosed as e:
                    out['closed'] = e.code
                    return out
                out['replies'].append(r)
                if want is not None and r.get('id') == want:
                    break
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--url', default='wss://198.51.100.1:8443/ws')
    ap.add_argument('--source')
    ap.add_argument('--origin', default='https://198.51.100.1:8443')
    args = ap.parse_args()
    print(json.dumps(asyncio.run(run(args, json.load(sys.stdin)))))


if __name__ == '__main__':
    main()
