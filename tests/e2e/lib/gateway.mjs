// The gateway side of the e2e tests: is it reachable, and trapezectl.

import http from 'node:http';
import https from 'node:https';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './server.mjs';

/** The demo page over plain HTTP (signalling.http in config/lab.yaml). */
export const GATEWAY_HTTP = process.env.TZ_GATEWAY_HTTP || 'http://198.51.100.1:8080/';
/** The demo page over HTTPS (signalling.https; self-signed lab certificate). */
export const GATEWAY_HTTPS = process.env.TZ_GATEWAY_HTTPS || 'https://198.51.100.1:8443/';

/**
 * The URL the tests open the phone at.  Browsers expose getUserMedia only in
 * a secure context (https, or http on localhost), so http://198.51.100.1:8080/
 * can show the page but cannot open the microphone: the calls use the https
 * listener with the lab certificate accepted (TZ_PHONE_URL overrides).
 */
export const PHONE_URL = process.env.TZ_PHONE_URL || GATEWAY_HTTPS;

/**
 * GET `url`; resolves with {status, body} or null when there is no answer
 * within `timeoutMs`.  The lab's certificate is self-signed: not checked.
 * @param {string} url
 * @param {number} [timeoutMs=2000]
 * @returns {Promise<{status: number, body: string}|null>}
 */
export function fetchPage(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { if (body.length < 65536) body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => { req.destroy(); resolve(null); });
    req.on('error', () => resolve(null));
  });
}

/**
 * The network namespace this process runs in (`ip netns identify`), or ''.
 * @returns {string}
 */
export function currentNetns() {
  try {
    return execFileSync('ip', ['netns', 'identify', String(process.pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** The demo page served by the gateway?  (status 200, loads trapeze.js) */
const isPhone = (r) => !!r && r.status === 200 && /demo\.js|trapeze\.js/.test(r.body);

/**
 * The skip reason for gateway scenarios, or false when they can run: they
 * run only inside the lab's `web` namespace (TZ_E2E_NETNS overrides the
 * name) and only when the gateway serves the demo page.
 * @returns {Promise<string|false>}
 */
export async function gatewaySkipReason() {
  const want = process.env.TZ_E2E_NETNS ?? 'web';
  const ns = currentNetns();
  if (want && ns !== want) {
    return `not running in network namespace \`${want}\` (here: ${ns || 'the host'}) — ` +
      'start the lab (tools/lab.sh start) and run tests/e2e/run.sh --netns web …';
  }
  const r = await fetchPage(GATEWAY_HTTP);
  if (!r) {
    return `the gateway is not reachable at ${GATEWAY_HTTP} — start it: tools/lab.sh start`;
  }
  if (!isPhone(r)) {
    return `${GATEWAY_HTTP} answers (HTTP ${r.status}) but does not serve the demo phone ` +
      '(signalling.web_root = ctrlplane/web in the config?)';
  }
  if (PHONE_URL !== GATEWAY_HTTP && !isPhone(await fetchPage(PHONE_URL))) {
    return `the demo page at ${PHONE_URL} is not served (https listener down?)`;
  }
  return false;
}

/** The build directory: $TZ_BUILD, default ./build of the repository. */
export const BUILD = path.resolve(REPO, process.env.TZ_BUILD || 'build');

/**
 * Run `trapezectl --json ARGS…` and return its parsed JSON output.
 * @param {string[]|string} args e.g. ['show', 'sessions'] or 'show sessions'
 * @param {object} [opts]
 * @param {string} [opts.socket] control socket (default: trapezectl's own)
 * @param {number} [opts.timeoutMs=10000]
 * @returns {Promise<any>} parsed JSON (or the raw text when it is not JSON)
 */
export function trapezectl(args, opts = {}) {
  const argv = ['--json'];
  if (opts.socket || process.env.TZ_SOCKET) argv.push('--socket', opts.socket || process.env.TZ_SOCKET);
  argv.push(...(Array.isArray(args) ? args : args.split(/\s+/).filter(Boolean)));
  const exe = path.join(BUILD, 'ctrlplane', 'cli', 'trapezectl');
  return new Promise((resolve, reject) => {
    execFile(exe, argv, { timeout: opts.timeoutMs ?? 10000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`trapezectl ${argv.join(' ')}: ${err.message}${stderr ? `\n${stderr}` : ''}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch {
        resolve(stdout);
      }
    });
  });
}
