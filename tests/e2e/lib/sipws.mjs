// Real SIP-over-WebSocket web phones (RFC 7118) for the e2e tests: JsSIP
// 3.13 or SIP.js 0.21 in Chromium, behind one API, talking to the gateway's
// WebSocket edge (subprotocol `sip`).
//
//   const b = await launchBrowser({ ignoreHTTPSErrors: true });
//   const ph = await openSipPhone(b, { stack: 'jssip', uri: 'sip:alice@203.0.113.3', password: 'secret' });
//   await ph.register(); await ph.waitRegistered();
//   const id = await ph.call('+442079460000');
//   await ph.waitState(id, 'confirmed');
//   ...
//   await ph.close();
//
// The harness page is not on the gateway: it is served by Playwright
// (context.route) under <origin>/__tz_sipws/, where <origin> is the one of
// the WebSocket URL (wss://198.51.100.1:8443/ -> https://198.51.100.1:8443,
// which signalling.origins allows; https so getUserMedia works, ws:// pages
// are http:// and cannot open the microphone: register/MESSAGE only).
// JsSIP's npm package ships CommonJS only (lib/, no dist/): a small bundler
// below wraps its modules and those of its dependencies (debug's browser
// build, events, sdp-transform) into one script setting window.JsSIP.
// SIP.js ships ES modules with relative imports (lib/): they are served as
// they are and imported by the page.

import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './wait.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MODULES = path.join(HERE, '..', 'node_modules');
const PREFIX = '/__tz_sipws/';

/** The lab's WebSocket edge: wss on the https listener (the default), ws on http. */
export const SIPWS_WSS = process.env.TZ_SIPWS_WSS || 'wss://198.51.100.1:8443/';
export const SIPWS_WS = process.env.TZ_SIPWS_WS || 'ws://198.51.100.1:8080/';
/** Kamailio's domain in the lab and its users (tests/sip/kamailio/kamailio.cfg). */
export const SIP_DOMAIN = '203.0.113.3';

// ------------------------------------------------------------ JsSIP bundle

function resolveFile(p) {
  for (const c of [p, `${p}.js`, `${p}.json`, path.join(p, 'index.js')]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

function resolveRequire(from, spec) {
  if (spec.startsWith('.')) return resolveFile(path.resolve(path.dirname(from), spec));
  const dir = path.join(MODULES, spec);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const main = (typeof pkg.browser === 'string' && pkg.browser) || pkg.main || 'index.js';
  return resolveFile(path.resolve(dir, main));
}

/**
 * One browser script from a CommonJS entry file: every file reachable
 * through require('…') with a literal argument becomes a function in a
 * table; `require` inside maps the literal to the table index.  Enough for
 * JsSIP and its three dependencies (no dynamic requires, no node built-ins
 * on their browser paths).
 * @param {string} entry
 * @param {string} global the window property that gets module.exports
 * @returns {string}
 */
export function bundleCjs(entry, global) {
  const ids = new Map();
  const defs = [];
  const add = (file) => {
    if (ids.has(file)) return ids.get(file);
    const id = defs.length;
    ids.set(file, id);
    defs.push(null);
    const src = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.json')) {
      defs[id] = `function(require, module) { module.exports = ${src.trim()}; }`;
      return id;
    }
    const map = {};
    for (const m of src.matchAll(/\brequire\(\s*(['"])([^'"]+)\1\s*\)/g)) {
      const target = resolveRequire(file, m[2]);
      if (!target) throw new Error(`bundleCjs: cannot resolve require('${m[2]}') in ${file}`);
      map[m[2]] = add(target);
    }
    defs[id] = `function(require, module, exports) { // ${path.relative(MODULES, file)}\n${src}\n}`
      + `/*map*/${JSON.stringify(map)}`;
    return id;
  };
  add(entry);
  const table = defs.map((d) => {
    const i = d.lastIndexOf('/*map*/');
    return i < 0 ? `[${d}, {}]` : `[${d.slice(0, i)}, ${d.slice(i + 7)}]`;
  });
  return `(function () {
var defs = [\n${table.join(',\n')}\n];
var cache = {};
function load(id) {
  if (cache[id]) return cache[id].exports;
  var module = cache[id] = { exports: {} };
  var map = defs[id][1];
  defs[id][0].call(module.exports, function (spec) {
    if (!(spec in map)) throw new Error('bundle: no module ' + spec);
    return load(map[spec]);
  }, module, module.exports);
  return module.exports;
}
window[${JSON.stringify(global)}] = load(0);
})();\n`;
}

let jssipBundle = null;
const jssipJs = () => (jssipBundle ??= bundleCjs(path.join(MODULES, 'jssip', 'lib', 'JsSIP.js'), 'JsSIP'));

// ------------------------------------------------------------ serving

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>trapeze e2e sip phone</title></head>
<body>
<script src="jssip.js"></script>
<script type="module" src="page.js"></script>
</body></html>
`;

/**
 * A file of the harness page by its path under /__tz_sipws/:
 * {contentType, body} or null.
 * @param {string} rel
 */
export function harnessFile(rel) {
  const js = (body) => ({ contentType: 'text/javascript; charset=utf-8', body });
  if (rel === '' || rel === 'phone.html') return { contentType: 'text/html; charset=utf-8', body: PAGE };
  if (rel === 'jssip.js') return js(jssipJs());
  if (rel === 'page.js') return js(fs.readFileSync(path.join(HERE, 'sipws_page.js'), 'utf8'));
  if (rel.startsWith('sipjs/')) {
    const root = path.join(MODULES, 'sip.js', 'lib');
    const file = path.resolve(root, rel.slice('sipjs/'.length));
    if (file.startsWith(root + path.sep) && file.endsWith('.js') && fs.existsSync(file)) {
      return js(fs.readFileSync(file, 'utf8'));
    }
  }
  return null;
}
export const HARNESS_PREFIX = PREFIX;

const routed = new WeakMap();

/** Serve the harness under `origin`/__tz_sipws/ in `context` (once). */
async function serve(context, origin) {
  let set = routed.get(context);
  if (!set) routed.set(context, (set = new Set()));
  if (set.has(origin)) return;
  set.add(origin);
  await context.route(`${origin}${PREFIX}**`, async (route) => {
    const rel = decodeURIComponent(new URL(route.request().url()).pathname.slice(PREFIX.length));
    try {
      const f = harnessFile(rel);
      await route.fulfill(f ? { status: 200, ...f } : { status: 404, body: 'not found' });
    } catch (e) {
      await route.fulfill({ status: 500, body: String(e && e.stack) });
    }
  });
}

// ------------------------------------------------------------ the phone

/**
 * Open a web phone page with JsSIP or SIP.js, its microphone open (the fake
 * device) and its UA started (the WebSocket connecting; no REGISTER yet).
 * @param {{context: import('playwright-core').BrowserContext}|import('playwright-core').BrowserContext} target
 *        the object of launchBrowser() or a BrowserContext
 * @param {object} o
 * @param {'jssip'|'sipjs'} o.stack
 * @param {string} o.uri          e.g. sip:alice@203.0.113.3
 * @param {string} [o.password]
 * @param {string} [o.ws]         default SIPWS_WSS
 * @param {string} [o.instanceId] a UUID (+sip.instance, RFC 5626)
 * @param {number} [o.registerExpires]
 * @param {boolean} [o.debug]     the stack's own SIP trace in the page log
 * @param {boolean} [o.served]    the ws URL's origin serves the page itself
 */
export async function openSipPhone(target, o) {
  const context = typeof target.newPage === 'function' ? target : target.context;
  if (o.stack !== 'jssip' && o.stack !== 'sipjs') throw new Error(`openSipPhone: stack ${o.stack}?`);
  const ws = o.ws || SIPWS_WSS;
  const u = new URL(ws);
  const origin = `${u.protocol === 'wss:' ? 'https' : 'http'}://${u.host}`;
  // o.served: the page's origin serves /__tz_sipws/ itself (lib/sipws_mock.mjs
  // on 127.0.0.1: Chromium lets only a page really loaded from loopback open
  // a WebSocket to loopback).
  if (!o.served) await serve(context, origin);
  const blank = context.pages().find((p) => p.url() === 'about:blank' && !p.tzSipPhone);
  const page = blank || await context.newPage();
  page.tzSipPhone = true;
  page.tzLog = [];
  page.on('console', (m) => { if (page.tzLog.length < 3000) page.tzLog.push(`console.${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => page.tzLog.push(`pageerror: ${e.message}`));
  await page.goto(`${origin}${PREFIX}phone.html`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.tz && window.tz.ready === 'loaded', null, { timeout: 15000 });
  await page.evaluate((opts) => window.tz.init(opts), {
    stack: o.stack, ws, uri: o.uri, password: o.password ?? null, instanceId: o.instanceId ?? null,
    registerExpires: o.registerExpires ?? null, debug: !!o.debug,
  });

  const snap = () => page.evaluate(() => window.tz.snapshot());
  const ev = (fn, ...args) => page.evaluate(fn, args);
  let incomingTaken = 0;
  const ph = {
    page,
    stack: o.stack,
    uri: o.uri,
    snapshot: snap,
    /** The page's own log (state changes, errors) and console. */
    log: async () => [...(await page.evaluate(() => window.tz.log()).catch(() => [])), ...page.tzLog],
    /** Connected WebSocket, per the stack. */
    waitConnected: (timeout = 15000) => waitUntil(async () => (await snap()).transport.state === 'connected',
      `${o.stack} ${o.uri}: WebSocket connected to ${ws}`, { timeout }),
    async register() { await ev(() => window.tz.register()); },
    async unregister() { await ev(() => window.tz.unregister()); },
    waitRegistered: (timeout = 15000) => waitUntil(async () => {
      const s = await snap();
      if (s.reg.state === 'failed') throw new Error(`registration failed: ${JSON.stringify(s.reg.failures)}`);
      return s.reg.state === 'registered';
    }, `${o.stack} ${o.uri} registered`, { timeout }),
    waitUnregistered: (timeout = 15000) => waitUntil(async () => (await snap()).reg.state === 'unregistered',
      `${o.stack} ${o.uri} unregistered`, { timeout }),
    /** The status code of the first failed registration (null: no response). */
    async waitRegistrationFailed(timeout = 15000) {
      const f = await waitUntil(async () => {
        const s = await snap();
        if (s.reg.state === 'registered') throw new Error('registered, expected a failure');
        return s.reg.failures[0];
      }, `${o.stack} ${o.uri} registration failure`, { timeout });
      return f.code;
    },
    /** Start a call (a number or a SIP URI); its id.  `opts.earlyMedia`:
     *  SIP.js plays the media of a 18x with SDP (JsSIP always does). */
    call: (t, opts) => ev(([x, y]) => window.tz.call(x, y), t, opts ?? null),
    /** The id of the next incoming call (in arrival order). */
    async waitIncoming(timeout = 15000) {
      const c = await waitUntil(async () => (await snap()).calls.filter((x) => x.dir === 'in')[incomingTaken],
        `${o.stack} ${o.uri}: an incoming call`, { timeout });
      incomingTaken++;
      return c.id;
    },
    /** The call's public state: {id, dir, from, state, seen, ended, held}. */
    callInfo: async (id) => (await snap()).calls.find((c) => c.id === id),
    /**
     * Wait until the call reached `state` ('progress'|'confirmed'|'ended');
     * fails at once when it ended before reaching it.
     */
    waitState(id, state, timeout = 20000) {
      return waitUntil(async () => {
        const c = (await snap()).calls.find((x) => x.id === id);
        if (!c) throw new Error(`no call ${id}`);
        if (c.seen.includes(state)) return c;
        if (c.state === 'ended') throw new Error(`call ${id} ended before ${state}: ${JSON.stringify(c.ended)}`);
        return null;
      }, `${o.stack} ${o.uri}: call ${id} ${state}`, { timeout });
    },
    answer: (id) => ev(([x]) => window.tz.answer(x), id ?? null),
    reject: (code, id) => ev(([c, x]) => window.tz.reject(x, c), code, id ?? null),
    hangup: (id) => ev(([x]) => window.tz.hangup(x), id ?? null),
    /** re-INVITE with a=sendonly; resolves once the far end accepted it. */
    hold: (id) => ev(([x]) => window.tz.hold(x), id ?? null),
    unhold: (id) => ev(([x]) => window.tz.unhold(x), id ?? null),
    /** DTMF: 'info' (one INFO application/dtmf-relay per digit, each answered) or 'rfc4733'. */
    sendDtmf: (digits, mode = 'info', id) => ev(([d, m, x]) => window.tz.dtmf(x, d, m), digits, mode, id ?? null),
    /** MESSAGE text/plain; the final status code. */
    sendMessage: (to, text) => ev(([t, x]) => window.tz.message(t, x), to, text),
    /** The MESSAGEs received: [{from, body, contentType}]. */
    messages: async () => (await snap()).messages,
    /** Audio counters of the call's RTCPeerConnection (getStats). */
    audioStats: (id) => ev(([x]) => window.tz.stats(x), id ?? null),
    /** How the call ended: {originator, cause, code, method?, reason?} or null. */
    endedCause: async (id) => (await ph.callInfo(id))?.ended ?? null,
    /** Close the page: the WebSocket goes away without an un-REGISTER. */
    async close() {
      if (!page.isClosed()) await page.close();
    },
    /** Stop the UA the polite way (un-REGISTER, BYE, close the WebSocket). */
    stop: () => ev(() => window.tz.close()),
  };
  return ph;
}

/**
 * Wait until the received audio of call `id` shows both directions flowing:
 * packetsSent and packetsReceived above `min`, and a non-zero audioLevel
 * (the echo of the fake microphone's beeps).  Returns the last stats.
 */
export async function waitAudioBothWays(ph, id, { min = 50, timeout = 20000 } = {}) {
  let maxLevel = 0;
  let last = null;
  await waitUntil(async () => {
    last = await ph.audioStats(id);
    if (!last) return false;
    maxLevel = Math.max(maxLevel, last.audioLevel);
    return last.packetsSent > min && last.packetsReceived > min && maxLevel > 0;
  }, `audio both ways in ${ph.stack} call ${id} (> ${min} packets, audioLevel > 0)`, { timeout })
    .catch((e) => { throw new Error(`${e.message}; stats ${JSON.stringify(last)}`); });
  return { ...last, maxAudioLevel: maxLevel };
}

/** On failure: the phone's page log, for the report. */
export async function dumpPhone(ph) {
  try {
    const l = await ph.log();
    console.error(`# ${ph.stack} ${ph.uri} log:\n#   ${l.slice(-80).join('\n#   ')}`);
  } catch { /* page gone */ }
}

/**
 * Ask the gateway for a WebSocket with subprotocol `sip` (RFC 7118) over
 * plain TCP: resolves with the status line and the Sec-WebSocket-Protocol it
 * chose ('' when none), or null when nothing answered within 3 s.
 * @param {string} [url] a ws:// URL, default SIPWS_WS
 */
export function probeSipSubprotocol(url = SIPWS_WS) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect({ host: u.hostname, port: Number(u.port || 80) });
    let buf = '';
    const done = (v) => { clearTimeout(t); sock.destroy(); resolve(v); };
    const t = setTimeout(() => done(null), 3000);
    sock.on('error', () => done(null));
    sock.on('connect', () => sock.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\n`
      + 'Upgrade: websocket\r\nConnection: Upgrade\r\n'
      + `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n`
      + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n'
      + `Origin: http://${u.host}\r\n\r\n`));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end).split('\r\n');
      const proto = head.find((l) => /^sec-websocket-protocol:/i.test(l));
      done({ status: head[0], protocol: proto ? proto.replace(/^[^:]*:\s*/, '').trim() : '' });
    });
  });
}

// ------------------------------------------------------------ the docs' snippets

/**
 * The ```html block of docs/sip-websocket.md under the heading `### <title>`
 * (e.g. 'JsSIP 3.13'), as written there.
 * @param {string} title
 * @param {string} [doc] the file, default docs/sip-websocket.md of this checkout
 * @returns {string}
 */
export function docsSnippet(title, doc = path.join(HERE, '..', '..', '..', 'docs', 'sip-websocket.md')) {
  const text = fs.readFileSync(doc, 'utf8');
  const at = text.indexOf(`\n### ${title}\n`);
  if (at < 0) throw new Error(`docsSnippet: no section "### ${title}" in ${doc}`);
  const next = text.indexOf('\n### ', at + 5);
  const section = text.slice(at, next < 0 ? undefined : next);
  const m = /\n```html\n([\s\S]*?)\n```\n/.exec(section);
  if (!m) throw new Error(`docsSnippet: no \`\`\`html block in "### ${title}"`);
  return m[1];
}

const DOCS_PREFIX = '/__tz_docs/';

/**
 * Open `html` (a docs snippet: a body fragment) as the page
 * <origin of ws>/__tz_docs/index.html, served by Playwright next to the
 * files it loads: jssip.min.js (the bundle of window.JsSIP) and
 * sip.js/lib/… (SIP.js's ES modules).  The page's console messages are kept
 * in page.tzConsole (text of each), page errors in page.tzLog.
 * @param {{context: import('playwright-core').BrowserContext}|import('playwright-core').BrowserContext} target
 * @param {string} html
 * With o.probePc, every RTCPeerConnection the page creates is also kept in
 * window.tzPcs (in creation order), for a snippet that keeps its sessions to
 * itself.
 * @param {{ws?: string, probePc?: boolean}} [o] ws: default SIPWS_WSS
 * @returns {Promise<import('playwright-core').Page>}
 */
export async function openSnippetPage(target, html, o = {}) {
  const context = typeof target.newPage === 'function' ? target : target.context;
  const u = new URL(o.ws || SIPWS_WSS);
  const origin = `${u.protocol === 'wss:' ? 'https' : 'http'}://${u.host}`;
  const page = await context.newPage();
  if (o.probePc) {
    await page.addInitScript(() => {
      const Orig = window.RTCPeerConnection;
      window.tzPcs = [];
      window.RTCPeerConnection = class extends Orig {
        constructor(...args) { super(...args); window.tzPcs.push(this); }
      };
    });
  }
  const doc = `<!doctype html>\n<html><head><meta charset="utf-8"><title>docs snippet</title></head>\n<body>\n${html}\n</body></html>\n`;
  await page.route(`${origin}${DOCS_PREFIX}**`, async (route) => {
    const rel = decodeURIComponent(new URL(route.request().url()).pathname.slice(DOCS_PREFIX.length));
    const js = (body) => route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body });
    try {
      if (rel === 'index.html') return await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: doc });
      if (rel === 'jssip.min.js') return await js(jssipJs());
      if (rel.startsWith('sip.js/lib/')) {
        const f = harnessFile(`sipjs/${rel.slice('sip.js/lib/'.length)}`);
        if (f) return await route.fulfill({ status: 200, ...f });
      }
      return await route.fulfill({ status: 404, body: 'not found' });
    } catch (e) {
      return route.fulfill({ status: 500, body: String(e && e.stack) }).catch(() => {});
    }
  });
  page.tzConsole = [];
  page.tzLog = [];
  page.on('console', (m) => { if (page.tzConsole.length < 3000) page.tzConsole.push(m.text()); });
  page.on('pageerror', (e) => page.tzLog.push(`pageerror: ${e.message}`));
  await page.goto(`${origin}${DOCS_PREFIX}index.html`, { waitUntil: 'load' });
  return page;
}

/**
 * Audio counters of an RTCPeerConnection the page holds: `expr` is a global
 * expression evaluating to it (e.g. 'window.__out.connection').  Same fields
 * as window.tz.stats(): packetsSent, packetsReceived, audioLevel, …
 * @param {import('playwright-core').Page} page
 * @param {string} expr
 */
export function pcAudioStats(page, expr) {
  return page.evaluate(async (x) => {
    // eslint-disable-next-line no-eval
    const pc = (0, eval)(x);
    if (!pc) return null;
    const out = { packetsSent: 0, packetsReceived: 0, audioLevel: 0, connectionState: pc.connectionState };
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'audio') out.packetsSent += s.packetsSent || 0;
      else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.packetsReceived += s.packetsReceived || 0;
        out.audioLevel = Math.max(out.audioLevel, s.audioLevel || 0);
      }
    });
    return out;
  }, expr);
}

/**
 * Wait until the RTCPeerConnection at `expr` in `page` sends and receives
 * more than `min` audio packets and heard a non-zero audioLevel.
 */
export async function waitPcAudioBothWays(page, expr, { min = 50, timeout = 20000 } = {}) {
  let maxLevel = 0;
  let last = null;
  await waitUntil(async () => {
    last = await pcAudioStats(page, expr);
    if (!last) return false;
    maxLevel = Math.max(maxLevel, last.audioLevel);
    return last.packetsSent > min && last.packetsReceived > min && maxLevel > 0;
  }, `audio both ways on ${expr} (> ${min} packets, audioLevel > 0)`, { timeout })
    .catch((e) => { throw new Error(`${e.message}; stats ${JSON.stringify(last)}`); });
  return { ...last, maxAudioLevel: maxLevel };
}

// ------------------------------------------------------------ more phone actions

/**
 * The DTMF digits the far end sent to call `id` by SIP INFO, as the stack
 * reported them (JsSIP: newDTMF, originator remote; SIP.js: INFO bodies
 * Signal=…), in arrival order.
 */
export async function remoteDtmf(ph, id) {
  const c = await ph.callInfo(id);
  if (!c) throw new Error(`no call ${id}`);
  return c.infoReceived.map((i) => /Signal\s*=\s*([0-9A-D*#])/i.exec(i.body || '')?.[1] ?? '').join('');
}

/**
 * Blind transfer (REFER) of call `id` to `target` (JsSIP only): resolves at
 * once; referState(ph, id) reports the subscription's events.
 */
export function referCall(ph, id, target) {
  return ph.page.evaluate(([x, t]) => window.tz.refer(x, t), [id, target]);
}

/**
 * What JsSIP's refer() reported for call `id`: {events: ['requestSucceeded',
 * 'trying', 'accepted', …], codes: [status codes of the REFER's responses],
 * notify: [sipfrag status lines]}.
 */
export function referState(ph, id) {
  return ph.page.evaluate((x) => window.tz.referState(x), id);
}

// ------------------------------------------------------------ raw SIP over WebSocket

/**
 * A bare SIP-over-WebSocket client (RFC 7118, subprotocol `sip`) over plain
 * TCP: text frames out (masked), every text/binary message in kept as a
 * string.  For tests that send what no SIP stack would.
 * @param {string} [url] a ws:// URL, default SIPWS_WS + 'sip'
 * @param {{localAddress?: string}} [o] the source address (one of web0's)
 * @returns {Promise<{send: (s: string) => void, next: (pred?: (m: string) => boolean, ms?: number) => Promise<string>,
 *          received: string[], closed: () => boolean, close: () => void}>}
 */
export function openRawSipWs(url = new URL('/sip', SIPWS_WS).href, o = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: u.hostname, port: Number(u.port || 80), localAddress: o.localAddress });
    let buf = Buffer.alloc(0);
    let open = false;
    let closed = false;
    const received = [];
    const waiters = [];
    const deliver = (m) => {
      received.push(m);
      for (const w of [...waiters]) {
        if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); clearTimeout(w.t); w.resolve(m); }
      }
    };
    const frame = (opcode, payload) => {
      const mask = crypto.randomBytes(4);
      const body = Buffer.from(payload);
      const len = body.length;
      const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
        : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 255]);
      for (let i = 0; i < len; i++) body[i] ^= mask[i & 3];
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
        if (op === 1 || op === 2) deliver(payload.toString('utf8'));
        else if (op === 9) frame(10, payload);
        else if (op === 8) { closed = true; sock.end(); }
      }
    };
    const api = {
      received,
      send: (s) => frame(1, s),
      closed: () => closed || sock.destroyed,
      /** The first message (already received or coming) matching pred; taken out of `received`. */
      next: (pred = () => true, ms = 5000) => new Promise((res, rej) => {
        const hit = received.find(pred);
        if (hit !== undefined) { received.splice(received.indexOf(hit), 1); res(hit); return; }
        const w = { pred, resolve: (m) => { received.splice(received.indexOf(m), 1); res(m); } };
        w.t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          rej(new Error(`no matching SIP message in ${ms} ms; got ${JSON.stringify(received)}`));
        }, ms);
        waiters.push(w);
      }),
      close: () => {
        if (!sock.destroyed) { try { frame(8, Buffer.from([3, 232])); } catch { /* gone */ } sock.end(); sock.destroy(); }
      },
    };
    sock.on('error', (e) => { closed = true; if (!open) reject(e); });
    sock.on('close', () => { closed = true; });
    sock.on('connect', () => sock.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\n`
      + 'Upgrade: websocket\r\nConnection: Upgrade\r\n'
      + `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n`
      + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n'
      + `Origin: http://${u.host}\r\n\r\n`));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        if (!/^HTTP\/1\.1 101 /.test(head) || !/^sec-websocket-protocol:\s*sip\s*$/im.test(head)) {
          sock.destroy();
          reject(new Error(`WebSocket upgrade refused: ${head.split('\r\n')[0]}`));
          return;
        }
        open = true;
        resolve(api);
      }
      parse();
    });
  });
}
