#!/usr/bin/env python3
"""An example login-token issuer for Trapeze (docs/security.md).

A real deployment issues tokens from the enterprise's own web application,
to users it has already authenticated, with the key it shares with the
gateway (auth.token_secrets).  This is that piece cut down to the minimum,
for the lab and the demo: it gives a token to ANY user name asked for, so
never expose it beyond a lab.

  token-issuer.py mint --secret-file F --user alice [--name "Alice"] \\
        [--targets "+4420*,echo"] [--lifetime 3600] [--issuer I] [--audience A] \\
        [--kid acme-2026]
      print one token
  token-issuer.py serve --secret-file F --listen 198.51.100.1:8444 \\
        [--cert C --key K] [--origin https://198.51.100.1:8443 ...] [--kid K]
      answer GET /token?user=NAME with {"token": ..., "user": ..., "expires": ...}

Tokens are JWTs (RFC 7519) signed HS256 (RFC 7518 3.2) with the claims
sub (the identity), exp, iat, and optionally name, targets, iss, aud.
--kid puts the key's name (the gateway's token_secrets[].name) in the
header: a tenant's key (docs/tenants.md).
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import re
import ssl
import sys
import time
import urllib.parse

USER_RE = re.compile(r'^[A-Za-z0-9._+-]{1,63}$')


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def read_secret(path):
    with open(path, 'rb') as f:
        key = f.readline().rstrip(b'\r\n \t')
    if len(key) < 32:
        sys.exit(f'token-issuer: {path}: the key is {len(key)} bytes; expected at least 32')
    return key


def mint(key, user, lifetime=3600, name=None, targets=None, issuer=None, audience=None, kid=None):
    now = int(time.time())
    claims = {'sub': user, 'iat': now, 'exp': now + lifetime}
    if name:
        claims['name'] = name
    if targets:
        claims['targets'] = targets
    if issuer:
        claims['iss'] = issuer
    if audience:
        claims['aud'] = audience
    header = {'alg': 'HS256', 'typ': 'JWT'}
    if kid:
        header['kid'] = kid
    head = b64url(json.dumps(header, separators=(',', ':')).encode())
    body = b64url(json.dumps(claims, separators=(',', ':')).encode())
    sig = hmac.new(key, f'{head}.{body}'.encode(), hashlib.sha256).digest()
    return f'{head}.{body}.{b64url(sig)}', claims


def serve(args):
    key = read_secret(args.secret_file)
    origins = set(args.origin or [])

    class Handler(http.server.BaseHTTPRequestHandler):
        def reply(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code)
            origin = self.headers.get('Origin')
            if origin and (origin in origins or not origins):
                self.send_header('Access-Control-Allow-Origin', origin)
                self.send_header('Vary', 'Origin')
            self.send_header('Content-Type', 'application/json')
            self.send_header('Cache-Control', 'no-store')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path != '/token':
                return self.reply(404, {'error': 'GET /token?user=NAME'})
            user = urllib.parse.parse_qs(url.query).get('user', [''])[0]
            if not USER_RE.match(user):
                return self.reply(400, {'error': 'user must be 1-63 of A-Z a-z 0-9 . _ + -'})
            token, claims = mint(key, user, args.lifetime, issuer=args.issuer,
                                 audience=args.audience, kid=args.kid)
            self.reply(200, {'token': token, 'user': user, 'expires': claims['exp']})

        def log_message(self, fmt, *a):
            sys.stderr.write('token-issuer: %s %s\n' % (self.client_address[0], fmt % a))

    host, _, port = args.listen.rpartition(':')
    srv = http.server.ThreadingHTTPServer((host.strip('[]'), int(port)), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.cert, args.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(f'token-issuer: {"https" if args.cert else "http"}://{args.listen}/token', flush=True)
    srv.serve_forever()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    for name in ('mint', 'serve'):
        p = sub.add_parser(name)
        p.add_argument('--secret-file', required=True)
        p.add_argument('--lifetime', type=int, default=3600)
        p.add_argument('--issuer')
        p.add_argument('--audience')
        p.add_argument('--kid', help='key name for the token header (a tenant\'s token_secrets name)')
        if name == 'mint':
            p.add_argument('--user', required=True)
            p.add_argument('--name')
            p.add_argument('--targets', help='comma-separated patterns, e.g. "+4420*,echo"')
        else:
            p.add_argument('--listen', required=True, help='ADDR:PORT')
            p.add_argument('--cert')
            p.add_argument('--key')
            p.add_argument('--origin', action='append', help='allowed page origin (repeat)')
    args = ap.parse_args()
    if args.cmd == 'mint':
        if not USER_RE.match(args.user):
            sys.exit('token-issuer: --user must be 1-63 of A-Z a-z 0-9 . _ + -')
        targets = [t for t in (args.targets or '').split(',') if t]
        print(mint(read_secret(args.secret_file), args.user, args.lifetime, args.name, targets,
                   args.issuer, args.audience, args.kid)[0])
    else:
        serve(args)


if __name__ == '__main__':
    main()
