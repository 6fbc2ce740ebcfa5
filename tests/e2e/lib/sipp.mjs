// The SIP side of the lab for e2e tests: sipp as a PBX (UAS) or caller
// (UAC) in namespace `sip`, a packet capture there, raw datagrams to the
// gateway.  Every process is ended by its PID.

import { spawn, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { waitUntil } from './wait.mjs';

// Every process started here is ended when the test file is done, also
// after a failed test skipped its own clean-up: a leftover sipp or tcpdump
// would keep the file's process (and the whole run) waiting.
const live = new Set();
after(() => {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});
function track(p) {
  live.add(p);
  p.on('exit', () => live.delete(p));
  return p;
}

/** The lab's PBX host and the gateway's SIP address (config/lab.yaml). */
export const PBX_IP = '203.0.113.2';
export const GW_SIP = '203.0.113.1:5060';
/** The PBXs of the tenants sample (docs/tenants.md, tools/lab.sh up). */
export const TENANT_PBX = Object.freeze({ acme: '203.0.113.21', globex: '203.0.113.22' });

/**
 * Start sipp in namespace sip with `scenario` on SIP port `port`; extra args
 * are appended (media: -mi/-mp/-rtp_echo; UAC: -s USER and the remote).
 * `ready` resolves once sipp's SIP socket is bound (a UAS can take calls).
 * `ip`: the address sipp binds (default the lab PBX's; the tenants' PBXs
 * are TENANT_PBX.acme / .globex).
 * @returns {{done: Promise<{code: number, err: string}>, ready: Promise<void>, kill: () => void}}
 */
export function sipp(scenario, extra = [], port = '5060', ip = PBX_IP) {
  const args = ['netns', 'exec', 'sip', 'sipp', '-sf', scenario, '-i', ip, '-p', String(port),
    '-m', '1', '-nostdin', '-timeout', '60s', '-timeout_error', ...extra];
  const p = track(spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  p.stderr.on('data', (d) => { if (err.length < 20000) err += d; });
  const done = new Promise((resolve) => p.on('exit', (code) => resolve({ code, err })));
  const ready = waitUntil(() => {
    if (p.exitCode !== null) throw new Error(`sipp exited (${p.exitCode}): ${err.slice(0, 500)}`);
    return udpBound('sip', ip, port);
  }, `sipp listening on ${ip}:${port}`, { timeout: 10000, interval: 50 });
  ready.catch(() => {});
  return { done, ready, kill: () => { if (p.exitCode === null) p.kill('SIGTERM'); } };
}

/** Whether a UDP socket is bound to addr:port in namespace `ns` (ss). */
export function udpBound(ns, addr, port) {
  const out = execFileSync('ip', ['netns', 'exec', ns, 'ss', '-Hlun', `sport = :${port}`],
    { encoding: 'utf8' });
  return out.split('\n').some((l) => l.includes(`${addr}:${port}`));
}

/**
 * Capture UDP packets in namespace sip (tcpdump on every interface) into a
 * temporary pcap file until stop() resolves with the file's bytes.
 * @param {string} filter a pcap filter, e.g. 'udp and dst port 6000'
 */
export async function capture(filter) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tz-cap-')), 'cap.pcap');
  const p = track(spawn('ip', ['netns', 'exec', 'sip', 'tcpdump', '-i', 'any', '-n', '-U', '--immediate-mode', '-w', file, filter],
    { stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  await new Promise((resolve) => {
    const t = setTimeout(resolve, 3000);
    p.stderr.on('data', (d) => { err += d; if (/listening on/.test(err)) { clearTimeout(t); resolve(); } });
    p.on('exit', () => { clearTimeout(t); resolve(); });
  });
  return {
    /** The bytes captured so far (tcpdump -U writes each packet at once). */
    peek() {
      return fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
    },
    async stop() {
      if (p.exitCode === null) {
        const exited = new Promise((r) => p.on('exit', r));
        p.kill('SIGINT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      }
      const buf = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      return { buf, err };
    },
  };
}

/**
 * Send raw datagrams from the PBX host to the gateway's SIP port and collect
 * the first line of each reply (or null when none came within 1.5 s).
 * @param {string[]} messages
 * @param {{full?: boolean, ip?: string}} [o] `full`: the whole reply instead
 *        of its first line; `ip`: send from this address of namespace sip
 *        (default the lab PBX's; TENANT_PBX.acme / .globex)
 * @returns {Promise<(string|null)[]>}
 */
export function sendRawSip(messages, { full = false, ip = PBX_IP } = {}) {
  const py = `
import socket, sys, json
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((${JSON.stringify(ip)}, 5098))
s.settimeout(1.5)
out = []
for m in json.load(sys.stdin):
    s.sendto(m.encode(), ("203.0.113.1", 5060))
    try:
        d, a = s.recvfrom(65535)
        out.append(d.decode(errors="replace") if ${full ? 'True' : 'False'} else d.split(b"\\r\\n")[0].decode(errors="replace"))
    except socket.timeout:
        out.append(None)
print(json.dumps(out))
`;
  return new Promise((resolve, reject) => {
    const p = execFile('ip', ['netns', 'exec', 'sip', 'python3', '-c', py], { timeout: 20000 },
      (e, stdout) => (e ? reject(e) : resolve(JSON.parse(stdout))));
    p.stdin.end(JSON.stringify(messages));
  });
}
