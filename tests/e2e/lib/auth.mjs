// Login tokens for the e2e tests: signed with the lab's key (made by
// tools/lab.sh up; config/lab.yaml auth.token_secrets) exactly as the
// example issuer (tools/token-issuer.py) and a real web application do.

import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { execFile } from 'node:child_process';

export const SECRET_FILE = process.env.TZ_TOKEN_SECRET_FILE || '/run/trapeze/lab/token.secret';

const b64url = (b) => Buffer.from(b).toString('base64url');

/**
 * An HS256 login token for `user`.
 * @param {string} user the identity (sub)
 * @param {{targets?: string[], name?: string, lifetime?: number, key?: string,
 *          claims?: object}} [o] extra claims; `lifetime` in s (negative:
 *          already expired); `key` signs instead of the lab's key
 * @returns {string}
 */
export function mintToken(user, o = {}) {
  const key = o.key ?? fs.readFileSync(SECRET_FILE, 'utf8').split('\n')[0].trim();
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: user, iat: now, exp: now + (o.lifetime ?? 600), ...o.claims };
  if (o.targets) claims.targets = o.targets;
  if (o.name) claims.name = o.name;
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** A `login` message carrying a fresh token for `user`. */
export const loginMessage = (user, id = 1, o = {}) => ({ type: 'login', id, token: mintToken(user, o) });

/**
 * Run a bare WebSocket client (lib/ws_raw.py) from this namespace.
 * @param {Array<{send?: object|string, wait?: number}>} steps
 * @param {{source?: string, url?: string, origin?: string}} [o]
 * @returns {Promise<{replies: object[], closed: number|null}>}
 */
export function rawClient(steps, o = {}) {
  const args = [new URL('./ws_raw.py', import.meta.url).pathname];
  if (o.source) args.push('--source', o.source);
  if (o.url) args.push('--url', o.url);
  if (o.origin) args.push('--origin', o.origin);
  return new Promise((resolve, reject) => {
    const p = execFile('/usr/bin/python3', args, { timeout: 60000 }, (e, stdout, stderr) =>
      (e ? reject(new Error(`ws_raw.py: ${e.message} ${stderr}`)) : resolve(JSON.parse(stdout))));
    p.stdin.end(JSON.stringify(steps));
  });
}
