// Login tokens for the e2e tests: signed with the lab's key (made by
// tools/lab.sh up; config/lab.yaml auth.token_secrets) exactly as the
// example issuer (tools/token-issuer.py) and a real web application do.

import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { openRaw } from './raw_ws.mjs';

export const SECRET_FILE = process.env.TZ_TOKEN_SECRET_FILE || '/run/trapeze/lab/token.secret';

const b64url = (b) => Buffer.from(b).toString('base64url');

/**
 * An HS256 login token for `user`.
 * @param {string} user the identity (sub)
 * @param {{targets?: string[], name?: string, lifetime?: number, key?: string,
 *          secretFile?: string, kid?: string, claims?: object}} [o] extra
 *          claims; `lifetime` in s (negative: already expired); `key` signs
 *          instead of the lab's key, or the first line of `secretFile` (a
 *          tenant's key, e.g. /run/trapeze/lab/acme.secret); `kid` names the
 *          key in the header (the tenant's token_secrets[].name)
 * @returns {string}
 */
export function mintToken(user, o = {}) {
  const key = o.key ?? fs.readFileSync(o.secretFile ?? SECRET_FILE, 'utf8').split('\n')[0].trim();
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: user, iat: now, exp: now + (o.lifetime ?? 600), ...o.claims };
  if (o.targets) claims.targets = o.targets;
  if (o.name) claims.name = o.name;
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', ...(o.kid ? { kid: o.kid } : {}) }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** A `login` message carrying a fresh token for `user`. */
export const loginMessage = (user, id = 1, o = {}) => ({ type: 'login', id, token: mintToken(user, o) });

/**
 * A script's session (lib/raw_ws.mjs: no browser, plain ws://): each step
 * sends a message and collects the replies that arrive within `wait` ms
 * (default 1500) or until one carries the message's id.
 * @param {Array<{send?: object, wait?: number}>} steps
 * @param {{source?: string}} [o] source address (one of web0's)
 * @returns {Promise<{replies: object[]}>}
 */
export async function rawClient(steps, o = {}) {
  const ws = await openRaw({ localAddress: o.source });
  const replies = [];
  try {
    for (const step of steps) {
      if (step.send) ws.send(step.send);
      const want = step.send?.id;
      const deadline = Date.now() + (step.wait ?? 1500);
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const m = await ws.next(() => true, left).catch(() => null);
        if (!m) break;
        replies.push(m);
        if (want !== undefined && m.id === want) break;
      }
    }
  } finally {
    ws.close();
  }
  return { replies };
}
