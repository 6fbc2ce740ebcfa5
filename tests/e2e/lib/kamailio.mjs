// Kamailio (Debian's `kamailio` package) as the lab's registrar and proxy:
// tests/sip/kamailio/kamailio.cfg in namespace `sip` on an extra address,
// 203.0.113.3:5060.  Everything it writes (PID file, runtime dir, the ctl
// socket kamcmd talks to) goes to a temporary directory removed by stop();
// the extra address is removed too.  The process is ended by its PID.
//
//   const kam = await startKamailio();
//   await kam.waitLog(/REGISTER sip:alice@/);
//   const contacts = await kam.contacts('alice');
//   await kam.stop();

import { spawn, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { REPO } from './server.mjs';
import { udpBound } from './sipp.mjs';
import { waitUntil } from './wait.mjs';

/** Kamailio's address (the lab trunk `lab-kam`) and the users of its config. */
export const KAM_IP = '203.0.113.3';
export const KAM_PORT = 5060;
export const KAM_CFG = path.join(REPO, 'tests/sip/kamailio/kamailio.cfg');
export const KAM_USERS = Object.freeze({ alice: 'secret', bob: 'secret' });

const running = new Set();
after(async () => { for (const k of running) await k.stop(); });

function ip(args) {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Whether `addr` is on an interface of namespace `ns`. */
function hasAddr(ns, addr) {
  return ip(['-n', ns, '-o', 'addr', 'show']).split('\n').some((l) => l.includes(` ${addr}/`));
}

/**
 * Start Kamailio and wait until its SIP socket is bound and kamcmd answers.
 * @param {{cfg?: string, dev?: string}} [o] another config; the interface in
 *        namespace sip that gets 203.0.113.3 (default sip0)
 * @returns {Promise<{pid: number, dir: string, log: () => string,
 *   waitLog: (re: RegExp, timeout?: number) => Promise<string>,
 *   kamcmd: (...args: string[]) => Promise<string>,
 *   contacts: (user: string) => Promise<string[]>, stop: () => Promise<void>}>}
 */
export async function startKamailio(o = {}) {
  const dev = o.dev || 'sip0';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tz-kamailio-'));
  const ctl = `unix:${dir}/ctl`;
  const addedAddr = !hasAddr('sip', KAM_IP);
  if (addedAddr) ip(['-n', 'sip', 'addr', 'add', `${KAM_IP}/24`, 'dev', dev]);
  // -DD: the creator stays in the foreground (its PID is the one we end);
  // -E: log to stderr; -Y/-P: runtime dir and PID file in our directory.
  const args = ['netns', 'exec', 'sip', 'kamailio', '-f', o.cfg || KAM_CFG, '-DD', '-E',
    '-Y', dir, '-P', path.join(dir, 'kamailio.pid'), '-m', '32', '-M', '4', '-w', dir,
    '-A', `CTL_SOCKET="${ctl}"`];
  const p = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  p.stderr.on('data', (d) => { log += d; if (log.length > 2e6) log = log.slice(-1e6); });
  const exited = new Promise((r) => p.on('exit', r));

  const k = {
    pid: p.pid,
    dir,
    log: () => log,
    /** The first log line matching `re`, waiting for it. */
    waitLog: (re, timeout = 15000) => waitUntil(() => log.split('\n').find((l) => re.test(l)),
      `Kamailio log line ${re}`, { timeout, interval: 50 }),
    /** Run kamcmd against this Kamailio's ctl socket; its stdout. */
    kamcmd: (...cmd) => new Promise((resolve, reject) => {
      execFile('kamcmd', ['-s', ctl, ...cmd], { timeout: 5000 }, (e, stdout, stderr) =>
        (e ? reject(new Error(`kamcmd ${cmd.join(' ')}: ${e.message} ${stderr}`)) : resolve(stdout)));
    }),
    /** The contact URIs registered for AOR `user` (usrloc, `ul.dump`). */
    async contacts(user) {
      const dump = await k.kamcmd('ul.dump');
      const out = [];
      let aor = null;
      for (const line of dump.split('\n')) {
        const a = line.match(/^\s*AoR:\s*(\S+)/);
        if (a) aor = a[1];
        const c = line.match(/^\s*Address:\s*(\S+)/);
        if (c && aor && aor.split('@')[0] === user) out.push(c[1]);
      }
      return out;
    },
    async stop() {
      if (!running.delete(k)) return;
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGTERM');
        const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, 5000, false))]);
        if (!gone) { p.kill('SIGKILL'); await exited; }
      }
      if (addedAddr) {
        try { ip(['-n', 'sip', 'addr', 'del', `${KAM_IP}/24`, 'dev', dev]); } catch { /* lab gone */ }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(k);
  try {
    await waitUntil(async () => {
      if (p.exitCode !== null) throw new Error(`kamailio exited (${p.exitCode}): ${log.slice(-1500)}`);
      return udpBound('sip', KAM_IP, KAM_PORT) && fs.existsSync(path.join(dir, 'ctl'))
        && (await k.kamcmd('core.version').catch(() => ''));
    }, `Kamailio bound on ${KAM_IP}:${KAM_PORT} with its ctl socket`, { timeout: 20000, interval: 50 });
  } catch (e) {
    await k.stop();
    throw e;
  }
  return k;
}
