// A bare trapeze-jsep.v1 client for tests that play an attacker's script:
// no browser, no ICE, no DTLS, only the WebSocket (RFC 6455, client frames
// masked) over plain TCP to signalling.http, optionally from a chosen local
// address.  Node 20 has no WebSocket client of its own.

import net from 'node:net';
import crypto from 'node:crypto';
import { mintToken } from './auth.mjs';

/** ws://198.51.100.1:8080/ws (config/lab.yaml signalling.http). */
export const GATEWAY_WS = { host: '198.51.100.1', port: 8080, path: '/ws' };

/**
 * Open a WebSocket with the subprotocol trapeze-jsep.v1.
 * @param {{localAddress?: string, host?: string, port?: number}} [opts]
 * @returns {Promise<{send: (o: object) => void, next: (pred?: (m: object) => boolean, ms?: number) => Promise<object>,
 *          request: (o: object, ms?: number) => Promise<object>, close: () => void, messages: object[]}>}
 */
export function openRaw(opts = {}) {
  const { host, port, path } = { ...GATEWAY_WS, ...opts };
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port, localAddress: opts.localAddress });
    const key = crypto.randomBytes(16).toString('base64');
    let buf = Buffer.alloc(0);
    let open = false;
    const messages = [];
    const waiters = [];
    let nextId = 1;

    const deliver = (m) => {
      messages.push(m);
      for (const w of [...waiters]) {
        if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); clearTimeout(w.t); w.resolve(m); }
      }
    };
    const frame = (opcode, payload) => {
      const mask = crypto.randomBytes(4);
      const len = payload.length;
      const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
        : len < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 255])
          : (() => { const h = Buffer.alloc(10); h[0] = 0x80 | opcode; h[1] = 0x80 | 127; h.writeBigUInt64BE(BigInt(len), 2); return h; })();
      const body = Buffer.from(payload);
      for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
      sock.write(Buffer.concat([head, mask, body]));
    };
    const parse = () => {
      for (;;) {
        if (buf.length < 2) return;
        const op = buf[0] & 15;
        let len = buf[1] & 127;
        let off = 2;
        if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
        if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (op === 1) deliver(JSON.parse(payload.toString('utf8')));
        else if (op === 9) frame(10, payload);           // ping -> pong
        else if (op === 8) sock.end();
      }
    };
    const api = {
      messages,
      send: (o) => frame(1, Buffer.from(JSON.stringify(o))),
      next: (pred = () => true, ms = 10000) => new Promise((res, rej) => {
        const hit = messages.find(pred);
        if (hit) { messages.splice(messages.indexOf(hit), 1); res(hit); return; }
        const w = { pred, resolve: (m) => { messages.splice(messages.indexOf(m), 1); res(m); } };
        w.t = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); rej(new Error(`no matching message in ${ms} ms; got ${JSON.stringify(messages)}`)); }, ms);
        waiters.push(w);
      }),
      /** Send with a fresh id; resolves with the reply (or error) carrying
       *  it, or for a call message the first answer/error of that call. */
      request: (o, ms = 10000) => {
        const id = nextId++;
        api.send({ ...o, id });
        return api.next((m) => m.id === id ||
          (o.call !== undefined && m.call === o.call && (m.type === 'answer' || m.type === 'error')), ms);
      },
      close: () => { if (!sock.destroyed) { try { frame(8, Buffer.from([3, 232])); } catch { /* gone */ } sock.end(); sock.destroy(); } },
    };
    sock.on('connect', () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        'Sec-WebSocket-Protocol: trapeze-jsep.v1\r\n\r\n');
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        if (!/^HTTP\/1\.1 101/.test(head)) { reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`)); sock.destroy(); return; }
        open = true;
        resolve(api);
      }
      parse();
    });
    sock.on('error', (e) => { if (!open) reject(e); });
  });
}

/**
 * Log a raw connection in as `user`.  The ONE place raw tests log in: when
 * login needs a signed token (lib/auth.mjs), only this changes.
 * @returns {Promise<object>} the login-ok reply
 */
export async function loginRaw(ws, user) {
  const r = await ws.request({ type: 'login', token: mintToken(user) });
  if (r.type !== 'login-ok') throw new Error(`login as ${user} refused: ${JSON.stringify(r)}`);
  return r;
}

/**
 * A WebRTC offer that looks right and is backed by nothing: no ICE agent
 * answers at its candidate, no DTLS endpoint holds its fingerprint's key.
 * @param {{hash?: string}} [opts] the fingerprint's hash function ('sha-256')
 */
export function madeUpOffer(opts = {}) {
  const hash = opts.hash || 'sha-256';
  const bytes = hash === 'sha-1' ? 20 : 32;
  const fp = [...crypto.randomBytes(bytes)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  return ['v=0', `o=- ${Date.now()} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 0', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:fake', 'a=ice-pwd:fakefakefakefakefakefake', `a=fingerprint:${hash} ${fp}`,
    'a=setup:actpass', 'a=mid:0', 'a=sendrecv', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2',
    'a=rtpmap:0 PCMU/8000', 'a=ssrc:12345 cname:fake', ''].join('\r\n');
}
