// Start Debian 12's baresip (1.0.0) as an auto-answering SIP peer for the
// end-to-end tests.  No dependencies beyond Node >= 20.
//
// The config comes from the templates tests/sip/lab/baresip/{config,accounts}.in,
// rendered into a fresh directory and run as `baresip -v -f DIR` (inside
// `ip netns exec NETNS` unless netns is null).  baresip then:
//   - listens on ADDR:PORT (UDP, and TCP) without registering anywhere;
//   - answers every INVITE at once with 200 + SDP, whatever the Request-URI
//     user part (catch-all UA, see config.in), offering G.711 (PCMU/PCMA) and
//     echoing telephone-event when offered;
//   - sends a sine tone (ausine, `freq` Hz, default 1000) for the whole call;
//   - decodes and discards the received audio (no player module), and records
//     both directions to DIR/dump-<date>-enc.wav (sent) and -dec.wav (received)
//     via the sndfile filter, unless record is false;
//   - stays up until the caller sends BYE, and keeps running for more calls.
// stdin is ignored (no UI module is loaded); no HOME, terminal, sound card or
// network access is needed.
//
// Output lines matched (ANSI colour codes stripped first; baresip -v):
//   ready:       "baresip is ready."
//   failure:     (before ready) "ua: init failed (...)", "... Address already in use",
//                "dl: mod: ...", "module ausine.so: No such file or directory",
//                "main: configure failed: ...", or an early exit
//   incoming:    "ua: sipsess connect via UDP 203.0.113.1:5060 --> 203.0.113.2:5070"
//                (only with -v, which the helper always passes)
//   answered:    "call: answering call on line 1 from sip:x@203.0.113.1:5060 with 200"
//   established: "baresip@203.0.113.2: Call established: sip:x@203.0.113.1:5060"
//   rtp:         "stream: incoming rtp for 'audio' established, receiving from 203.0.113.1:40000"
//   reason:      "sip:x@203.0.113.1:5060: session closed: Connection reset by peer"
//                (the reason a BYE from the peer gets; others are printed as is)
//   closed:      "sip:5551234@203.0.113.2:5070: Call with sip:x@203.0.113.1:5060 terminated (duration: 3 secs)"
//   rejected:    "ua: sip:x@...: UA not found: USER" (cannot happen with the catch-all UA)
//   recording:   "sndfile: dumping decode audio to /tmp/.../dump-...-dec.wav"
//
// Usage:
//   const b = await startBaresip({ netns: 'sip', addr: '203.0.113.2', port: 5070 });
//   ... make the call ...
//   await b.waitCalls((c) => c.closed >= 1, 10000);
//   console.log(b.calls());   // { incoming, answered, established, closed, ... }
//   await b.stop();

import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, writeFile, readdir, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const TEMPLATE_DIR = path.join(REPO, 'tests', 'sip', 'lab', 'baresip');
export const BARESIP = process.env.TZ_BARESIP || 'baresip';
export const MODULE_PATH = process.env.TZ_BARESIP_MODULES || '/usr/lib/baresip/modules';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fill @NAME@ placeholders; throws if one is left over. */
function render(text, vars) {
  let out = text;
  for (const [k, v] of Object.entries(vars)) out = out.split(`@${k}@`).join(String(v));
  const left = out.split('\n').filter((l) => !l.startsWith('#')).join('\n').match(/@[A-Z_]+@/);
  if (left) throw new Error(`baresip template: unfilled placeholder ${left[0]}`);
  return out;
}

/**
 * Write config + accounts for baresip into dir (created if missing).
 * @returns {Promise<string>} dir
 */
export async function writeBaresipConfig({ dir, addr, port, freq = 1000, rtpPorts = '10000-20000', record = true, mediaenc = null, menu = false, tlsCert = null, tlsCa = null }) {
  await mkdir(dir, { recursive: true });
  const vars = { ADDR: addr, PORT: port, DIR: dir, MODULE_PATH, FREQ: freq, RTP_PORTS: rtpPorts };
  let config = render(await readFile(path.join(TEMPLATE_DIR, 'config.in'), 'utf8'), vars);
  if (!record) config = config.replace(/^module\s+sndfile\.so$/m, '#module\t\t\tsndfile.so');
  // SDES-SRTP (RFC 4568): srtp.so, and the answering UA's mediaenc (e.g.
  // srtp-mand: RTP/SAVP with a=crypto required both ways)
  if (mediaenc) config = config.replace(/^(module\s+g711\.so)$/m, '$1\nmodule\t\t\tsrtp.so');
  // SIP over TLS: our key + certificate (PEM), the CAs we trust; baresip
  // 1.0 listens for TLS on PORT + 1
  if (tlsCert) config += `\nsip_certificate\t\t${tlsCert}\n`;
  if (tlsCa) config += `\nsip_cafile\t\t${tlsCa}\n`;
  // menu.so: the /dial command (-e) for calls baresip makes itself
  if (menu) config = config.replace(/^(module\s+g711\.so)$/m, '$1\nmodule\t\t\tmenu.so');
  let accounts = render(await readFile(path.join(TEMPLATE_DIR, 'accounts.in'), 'utf8'), vars);
  if (mediaenc) accounts = accounts.replace(/;b2bua=inbound$/m, `;b2bua=inbound;mediaenc=${mediaenc}`);
  await writeFile(path.join(dir, 'config'), config);
  await writeFile(path.join(dir, 'accounts'), accounts);
  return dir;
}

/** Parse baresip -v output (see the header) into call counters and events. */
export function parseBaresipLog(text) {
  const c = {
    ready: false, incoming: 0, answered: 0, established: 0, closed: 0, rejected: 0,
    active: 0, reasons: [], recordings: [], events: [],
  };
  const lastReason = new Map(); // peer uri -> reason of its latest "session closed"
  for (const raw of text.split('\n')) {
    const line = raw.replace(ANSI, '').trim();
    let m;
    if (line === 'baresip is ready.') {
      c.ready = true;
    } else if ((m = line.match(/^ua: sipsess connect via (\S+) (\S+) --> (\S+)/))) {
      c.incoming++;
      c.events.push({ type: 'incoming', transport: m[1], from: m[2], to: m[3] });
    } else if ((m = line.match(/^call: answering call on line (\d+) from (\S+) with (\d+)/))) {
      c.answered++;
      c.events.push({ type: 'answered', line: Number(m[1]), peer: m[2], code: Number(m[3]) });
    } else if ((m = line.match(/^(\S+): Call established: (\S+)/))) {
      c.established++;
      c.events.push({ type: 'established', ua: m[1], peer: m[2] });
    } else if ((m = line.match(/^stream: incoming rtp for '(\w+)' established, receiving from (\S+)/))) {
      c.events.push({ type: 'rtp', media: m[1], from: m[2] });
    } else if ((m = line.match(/^(\S+): session closed: (.*)$/))) {
      lastReason.set(m[1], m[2]);
    } else if ((m = line.match(/^(\S+): Call with (\S+) terminated \(duration: ([^)]*)\)/))) {
      c.closed++;
      const reason = lastReason.get(m[2]) ?? null;
      lastReason.delete(m[2]);
      c.reasons.push(reason);
      c.events.push({ type: 'closed', local: m[1], peer: m[2], duration: m[3], reason });
    } else if ((m = line.match(/UA not found: (.*)$/))) {
      c.rejected++;
      c.events.push({ type: 'rejected', user: m[1] });
    } else if ((m = line.match(/^sndfile: dumping (encode|decode) audio to (\S+)/))) {
      c.recordings.push({ dir: m[1] === 'encode' ? 'sent' : 'received', file: m[2] });
    }
  }
  c.active = c.established - c.closed;
  return c;
}

/**
 * RMS and a zero-crossing frequency estimate of a 16-bit PCM wav (e.g. one of
 * baresip's sndfile recordings).  { rate, channels, seconds, rms, freq }
 */
export function toneStats(file) {
  const b = readFileSync(file);
  let off = 12, fmt = null, data = null;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    let size = b.readUInt32LE(off + 4);
    if (id === 'data' && (size === 0 || off + 8 + size > b.length)) size = b.length - off - 8; // still being written
    if (id === 'fmt ') fmt = { channels: b.readUInt16LE(off + 10), rate: b.readUInt32LE(off + 12) };
    if (id === 'data') data = b.subarray(off + 8, off + 8 + size);
    off += 8 + size + (size & 1);
  }
  if (!fmt || !data) throw new Error(`${file}: not a wav file`);
  const n = Math.floor(data.length / 2 / fmt.channels);
  let sum = 0, zc = 0, prev = 0;
  for (let i = 0; i < n; i++) {
    const s = data.readInt16LE(i * 2 * fmt.channels);
    sum += s * s;
    if (i > 0 && (s < 0) !== (prev < 0)) zc++;
    prev = s;
  }
  const seconds = n / fmt.rate;
  return { rate: fmt.rate, channels: fmt.channels, seconds, rms: n ? Math.sqrt(sum / n) : 0, freq: seconds ? zc / 2 / seconds : 0 };
}

/**
 * Start baresip as an auto-answering SIP peer.
 * @param {object} o
 * @param {string|null} [o.netns='sip'] network namespace (null: run here)
 * @param {string} [o.addr='203.0.113.2'] SIP (and media) address
 * @param {number} [o.port=5070] SIP port
 * @param {string} [o.dir] config dir to use (kept); default a fresh temp dir, removed by stop()
 * @param {number} [o.freq=1000] tone frequency in Hz
 * @param {boolean} [o.record=true] record calls to DIR/dump-*.wav (sndfile)
 * @param {string} [o.rtpPorts='10000-20000'] local RTP port range
 * @param {number} [o.maxSeconds=0] if > 0, baresip quits by itself after that long (-t)
 * @param {number} [o.readyTimeout=10000] ms to wait for "baresip is ready."
 * @param {string|null} [o.mediaenc=null] media encryption of the answering UA
 *        ('srtp-mand': SDES-SRTP required), srtp.so loaded
 * @param {string|null} [o.dial=null] a SIP URI baresip calls once it is up
 *        (`-e "/dial URI"`, menu.so loaded)
 * @param {boolean} [o.sipTrace=false] print every SIP message (-s): SDP in log()
 * @param {string|null} [o.tlsCert=null] PEM key + certificate: SIP over TLS
 *        on port + 1 (sip_certificate)
 * @param {string|null} [o.tlsCa=null] PEM CAs baresip trusts (sip_cafile)
 * @param {(line: string) => void} [o.onLine] called with every output line
 */
export async function startBaresip({
  netns = 'sip', addr = '203.0.113.2', port = 5070, dir, freq = 1000, record = true,
  rtpPorts = '10000-20000', maxSeconds = 0, readyTimeout = 10000, onLine,
  mediaenc = null, dial = null, sipTrace = false, tlsCert = null, tlsCa = null,
} = {}) {
  const ownDir = !dir;
  dir = dir ? path.resolve(dir) : await mkdtemp(path.join(os.tmpdir(), 'tz-baresip-'));
  await writeBaresipConfig({ dir, addr, port, freq, rtpPorts, record, mediaenc, menu: Boolean(dial), tlsCert, tlsCa });

  const args = ['-v', '-f', dir];
  if (maxSeconds > 0) args.push('-t', String(maxSeconds));
  if (sipTrace) args.push('-s');
  if (dial) args.push('-e', `/dial ${dial}`);
  // `ip netns exec` execs the command, so the child PID is baresip's own.
  const [cmd, argv] = netns ? ['ip', ['netns', 'exec', netns, BARESIP, ...args]] : [BARESIP, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });

  let out = '';
  let partial = '';
  const feed = (chunk) => {
    const s = chunk.toString();
    out += s;
    if (onLine) {
      const lines = (partial + s).split('\n');
      partial = lines.pop();
      for (const l of lines) onLine(l.replace(ANSI, ''));
    }
  };
  child.stdout.on('data', feed);
  child.stderr.on('data', feed);

  let exit = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { exit = { code, signal }; resolve(exit); });
    child.on('error', (err) => { out += `\n[spawn error: ${err.message}]\n`; exit = { code: null, signal: null, error: err }; resolve(exit); });
  });
  // Never leave baresip behind if this process exits without calling stop().
  const onExit = () => { if (!exit && child.pid) { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } } };
  process.on('exit', onExit);

  const log = () => out.replace(ANSI, '');
  const calls = () => parseBaresipLog(out);

  let stopped = false;
  const stop = async ({ keepDir = false } = {}) => {
    if (!stopped) {
      stopped = true;
      if (!exit && child.pid) {
        try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
        const t = await Promise.race([exited, sleep(3000).then(() => 'timeout')]);
        if (t === 'timeout' && !exit) {
          try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
          await Promise.race([exited, sleep(2000)]);
        }
      }
      process.removeListener('exit', onExit);
      if (ownDir && !keepDir) await rm(dir, { recursive: true, force: true });
    }
    return exit;
  };

  const fail = async (why) => {
    await stop({ keepDir: true });
    throw new Error(`baresip did not start (${why}); config in ${dir}; output:\n${log()}`);
  };

  // Fatal before "ready": a module that did not load ("dl: mod: ...",
  // "module ausine.so: No such file ..."; baresip carries on without it),
  // a SIP socket that could not be bound, a bad config.
  const FATAL = /^(dl: mod: .*|module \S+: .*|.*init failed.*|.*configure failed.*|.*Address already in use.*)$/m;
  const deadline = Date.now() + readyTimeout;
  for (;;) {
    const text = log();
    const bad = text.match(FATAL);
    if (bad) await fail(bad[0]);
    if (text.includes('baresip is ready.')) break;
    if (exit) await fail(`exited ${JSON.stringify({ code: exit.code, signal: exit.signal })}`);
    if (Date.now() > deadline) await fail(`no ready line within ${readyTimeout} ms`);
    await sleep(50);
  }

  /** Wait until pred(calls()) is true; throws after timeoutMs (with the log). */
  const waitCalls = async (pred, timeoutMs = 10000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const c = calls();
      if (pred(c)) return c;
      if (exit) throw new Error(`baresip exited while waiting; output:\n${log()}`);
      if (Date.now() > end) throw new Error(`baresip: condition not met in ${timeoutMs} ms: ${JSON.stringify({ ...c, events: undefined })}\n${log()}`);
      await sleep(50);
    }
  };

  /** Recordings (absolute paths) made so far: [{ dir: 'sent'|'received', file }] */
  const recordings = async () => {
    const names = (await readdir(dir).catch(() => [])).filter((f) => /^dump-.*\.wav$/.test(f)).sort();
    return names.map((f) => ({ dir: f.endsWith('-enc.wav') ? 'sent' : 'received', file: path.join(dir, f) }));
  };

  return {
    pid: child.pid,
    dir,
    addr,
    port,
    uri: (user = 'baresip') => `sip:${user}@${addr}:${port}`,
    log,
    calls,
    waitCalls,
    recordings,
    running: () => !exit && existsSync(`/proc/${child.pid}`),
    exited,
    stop,
  };
}
