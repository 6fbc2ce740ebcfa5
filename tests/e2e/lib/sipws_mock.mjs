// A stand-in for the gateway's SIP-over-WebSocket edge, for the self-check
// of lib/sipws.mjs without the lab (sipws_harness.test.mjs): a WebSocket
// server (RFC 6455, subprotocol `sip`) on 127.0.0.1 that is a registrar with
// digest (MD5, qop=auth; users alice/secret and bob/secret, a wrong password
// gets 403) and relays every other request to the connection of the
// Request-URI's user (an AOR registered here, or the user part of a Contact
// seen on that connection), responses back along the transaction (top Via
// branch + CSeq method).  Nothing is rewritten: browsers talk to browsers.
// No forking, no Record-Route, no retransmissions (reliable transport).

import { createServer } from 'node:http';
import crypto from 'node:crypto';
import { harnessFile, HARNESS_PREFIX } from './sipws.mjs';

const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');

/** Split a SIP message into its start line, headers ([name, value]) and body. */
function parse(text) {
  const end = text.indexOf('\r\n\r\n');
  const head = (end < 0 ? text : text.slice(0, end)).split('\r\n');
  const body = end < 0 ? '' : text.slice(end + 4);
  const headers = head.slice(1).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()];
  });
  const get = (n, short) => headers.find(([k]) => k === n || k === short)?.[1];
  return { start: head[0], headers, body, get };
}
const userOf = (uri) => (uri.match(/sips?:([^@;>]+)@/) || [])[1];

/**
 * Start the stand-in; resolves with {url, port, log, close()}.
 * @param {{users?: Record<string, string>, realm?: string}} [o]
 */
export async function startSipWsMock(o = {}) {
  const users = o.users || { alice: 'secret', bob: 'secret' };
  const realm = o.realm || '203.0.113.3';
  const bindings = new Map();        // AOR user -> [conn]
  const contacts = new Map();        // contact user -> conn
  const txns = new Map();            // branch|METHOD -> conn that sent the request
  const conns = new Set();
  const log = [];

  // The harness page too (lib/sipws.mjs openSipPhone with served: true).
  const server = createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    const f = p.startsWith(HARNESS_PREFIX) && harnessFile(decodeURIComponent(p.slice(HARNESS_PREFIX.length)));
    if (!f) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': f.contentType });
    res.end(f.body);
  });
  server.on('upgrade', (req, sock) => {
    const protos = (req.headers['sec-websocket-protocol'] || '').split(',').map((s) => s.trim());
    if (!protos.includes('sip')) { sock.end('HTTP/1.1 400 Bad Request\r\n\r\n'); return; }
    const accept = crypto.createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
      + `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: sip\r\n\r\n`);
    const conn = { sock, buf: Buffer.alloc(0), id: conns.size + 1 };
    conns.add(conn);
    conn.send = (text, opcode = 1) => {
      const body = Buffer.from(text);
      const len = body.length;
      const head = len < 126 ? Buffer.from([0x80 | opcode, len])
        : Buffer.from([0x80 | opcode, 126, len >> 8, len & 255]);
      if (!sock.destroyed) sock.write(Buffer.concat([head, body]));
    };
    sock.on('data', (d) => {
      conn.buf = Buffer.concat([conn.buf, d]);
      for (;;) {
        const b = conn.buf;
        if (b.length < 2) return;
        const op = b[0] & 15;
        let len = b[1] & 127;
        let off = 2;
        if (len === 126) { if (b.length < 4) return; len = b.readUInt16BE(2); off = 4; }
        if (len === 127) { if (b.length < 10) return; len = Number(b.readBigUInt64BE(2)); off = 10; }
        const masked = b[1] & 0x80;
        if (b.length < off + (masked ? 4 : 0) + len) return;
        const mask = masked ? b.subarray(off, off + 4) : null;
        off += masked ? 4 : 0;
        const payload = Buffer.from(b.subarray(off, off + len));
        if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
        conn.buf = b.subarray(off + len);
        if (op === 1) handle(conn, payload.toString('utf8'));
        else if (op === 9) conn.send(payload, 10);
        else if (op === 8) { conn.send(Buffer.from([3, 232]), 8); sock.end(); }
      }
    });
    const gone = () => {
      conns.delete(conn);
      for (const [u, l] of bindings) bindings.set(u, l.filter((c) => c !== conn));
      for (const [u, c] of contacts) if (c === conn) contacts.delete(u);
    };
    sock.on('close', gone);
    sock.on('error', gone);
  });

  function reply(conn, m, code, reason, extra = [], toTag = true) {
    const lines = [`SIP/2.0 ${code} ${reason}`];
    for (const [k, v] of m.headers) {
      if (k === 'via' || k === 'v') lines.push(`Via: ${v}`);
    }
    lines.push(`From: ${m.get('from', 'f')}`);
    const to = m.get('to', 't');
    lines.push(`To: ${to}${toTag && !/;tag=/.test(to) ? ';tag=mock' : ''}`);
    lines.push(`Call-ID: ${m.get('call-id', 'i')}`, `CSeq: ${m.get('cseq')}`, ...extra, 'Content-Length: 0', '', '');
    conn.send(lines.join('\r\n'));
  }

  function register(conn, m) {
    const auth = m.get('authorization');
    const user = userOf(m.get('to', 't'));
    if (!auth) {
      const nonce = crypto.randomBytes(8).toString('hex');
      reply(conn, m, 401, 'Unauthorized', [`WWW-Authenticate: Digest realm="${realm}", nonce="${nonce}", qop="auth", algorithm=MD5`]);
      return;
    }
    const p = Object.fromEntries([...auth.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((x) => [x[1], x[2] ?? x[3]]));
    const ha1 = md5(`${p.username}:${p.realm}:${users[p.username] ?? ''}`);
    const ha2 = md5(`REGISTER:${p.uri}`);
    const want = p.qop ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
    if (!(p.username in users) || p.response !== want || p.username !== user) {
      log.push(`REGISTER ${user}: 403`);
      reply(conn, m, 403, 'Forbidden');
      return;
    }
    const contact = m.get('contact', 'm') || '';
    const expires = Number((contact.match(/;expires=(\d+)/) || [])[1] ?? m.get('expires') ?? 600);
    let l = (bindings.get(user) || []).filter((c) => c !== conn);
    if (expires > 0) l = [...l, conn];
    bindings.set(user, l);
    log.push(`REGISTER ${user}: 200 expires ${expires} (${l.length} bindings)`);
    reply(conn, m, 200, 'OK', expires > 0 ? [`Contact: ${contact.replace(/;expires=\d+/, '')};expires=${expires}`] : []);
  }

  function handle(conn, text) {
    if (/^\s*$/.test(text)) return;  // keep-alive
    const m = parse(text);
    const cseqMethod = (m.get('cseq') || '').split(/\s+/)[1];
    const branch = ((m.get('via', 'v') || '').match(/branch=([^;,\s]+)/) || [])[1];
    if (m.start.startsWith('SIP/2.0')) {
      const to = txns.get(`${branch}|${cseqMethod}`);
      log.push(`${m.start} (${cseqMethod}) -> ${to ? `conn ${to.id}` : 'nowhere'}`);
      if (to) to.send(text);
      return;
    }
    const [method, ruri] = m.start.split(' ');
    const cu = userOf(m.get('contact', 'm') || '');
    if (cu) contacts.set(cu, conn);
    if (method === 'REGISTER') { register(conn, m); return; }
    const u = userOf(ruri);
    const l = bindings.get(u);
    const to = (l && l[l.length - 1]) || contacts.get(u);
    log.push(`${method} ${ruri} from conn ${conn.id} -> ${to ? `conn ${to.id}` : '404'}`);
    if (!to) { if (method !== 'ACK') reply(conn, m, 404, 'Not Found'); return; }
    if (method !== 'ACK') txns.set(`${branch}|${method}`, conn);
    to.send(text);
  }

  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    port,
    url: `ws://127.0.0.1:${port}/`,
    log,
    bindings: (user) => (bindings.get(user) || []).length,
    async close() {
      for (const c of conns) c.sock.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
