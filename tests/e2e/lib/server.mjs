// A tiny static HTTP server for ctrlplane/web/ plus a scripted mock of the
// gateway's WebSocket (`trapeze-jsep.v1`) — for the harness self-test, which
// runs without the gateway.  Listens on 127.0.0.1 only.  No dependencies.

import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WEB_ROOT = path.join(REPO, 'ctrlplane', 'web');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** One WebSocket connection of the mock (server side, RFC 6455). */
class MockSocket {
  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.open = true;
    /** @type {object[]} every JSON message received */
    this.received = [];
  }

  /** @param {object|string} msg an object (sent as JSON) or a raw string */
  send(msg) {
    if (!this.open) return;
    const data = Buffer.from(typeof msg === 'string' ? msg : JSON.stringify(msg));
    let head;
    if (data.length < 126) {
      head = Buffer.from([0x81, data.length]);
    } else if (data.length < 65536) {
      head = Buffer.alloc(4);
      head[0] = 0x81; head[1] = 126; head.writeUInt16BE(data.length, 2);
    } else {
      head = Buffer.alloc(10);
      head[0] = 0x81; head[1] = 127; head.writeBigUInt64BE(BigInt(data.length), 2);
    }
    this.socket.write(Buffer.concat([head, data]));
  }

  close() {
    if (!this.open) return;
    this.open = false;
    this.socket.end(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
  }

  /** Parse complete frames from the buffer; yields [opcode, payload]. */
  *frames() {
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      const opcode = b[0] & 0x0f;
      const masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2); off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2)); off = 10;
      }
      const maskOff = off;
      if (masked) off += 4;
      if (b.length < off + len) return;
      const payload = Buffer.from(b.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] ^= b[maskOff + (i & 3)];
      this.buf = b.subarray(off + len);
      yield [opcode, payload];
    }
  }
}

/**
 * Start the server.
 * @param {object} [opts]
 * @param {string} [opts.root] directory served (default ctrlplane/web)
 * @param {(msg: object, ws: MockSocket) => void} [opts.onMessage] the mock
 *        gateway: called for every JSON message received on /ws
 * @returns {Promise<{url: string, wsUrl: string, sockets: MockSocket[], close: () => Promise<void>}>}
 */
export async function startServer(opts = {}) {
  const root = opts.root || WEB_ROOT;
  const sockets = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/__blank') {
      // An empty page of this origin (a secure context: 127.0.0.1), for a
      // test peer that needs WebRTC but not the phone.
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>blank</title>');
      return;
    }
    if (url.pathname === '/token') {
      // A stand-in for a token issuer (tools/token-issuer.py in the lab).
      const user = url.searchParams.get('user') || '';
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ token: `mock-token-for-${user}`, user }));
      return;
    }
    let p = decodeURIComponent(url.pathname);
    if (p.endsWith('/')) p += 'index.html';
    const file = path.join(root, path.normalize(p));
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
        'Cache-Control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  });

  server.on('upgrade', (req, socket) => {
    const protocols = String(req.headers['sec-websocket-protocol'] || '').split(/\s*,\s*/);
    if (req.url !== '/ws' || !protocols.includes('trapeze-jsep.v1')) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
      .digest('base64');
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: trapeze-jsep.v1\r\n\r\n`);
    const ws = new MockSocket(socket);
    sockets.push(ws);
    socket.on('data', (chunk) => {
      ws.buf = Buffer.concat([ws.buf, chunk]);
      for (const [opcode, payload] of ws.frames()) {
        if (opcode === 0x8) { ws.close(); return; }
        if (opcode === 0x9) { socket.write(Buffer.concat([Buffer.from([0x8a, payload.length]), payload])); continue; }
        if (opcode !== 0x1) continue;
        let msg;
        try {
          msg = JSON.parse(payload.toString('utf8'));
        } catch {
          ws.send({ type: 'error', code: 'bad-json', message: 'not JSON' });
          continue;
        }
        ws.received.push(msg);
        if (opts.onMessage) opts.onMessage(msg, ws);
      }
    });
    socket.on('close', () => { ws.open = false; });
    socket.on('error', () => { ws.open = false; });
  });

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    sockets,
    close: () => new Promise((resolve) => {
      for (const ws of sockets) ws.socket.destroy();
      server.close(() => resolve());
    }),
  };
}
