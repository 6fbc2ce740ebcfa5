// E2E: a flood from one source leaves another user's call untouched.  While
// a Chromium user is in a call, a script on another address of the `web`
// namespace sends a bounded burst of STUN- and DTLS-looking datagrams at the
// gateway's media ports (what an attacker can do without any login); the
// workers' punt policer drops it per source (counted), the call keeps its
// media both ways, and a second call can still set up ICE and DTLS during
// the flood.  Run by lab_echo.sh inside namespace `web`.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { statsSummary, statsWithMedia, withScreenshot, launchBrowser, login } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, PHONE_URL } from './lib/gateway.mjs';
import { usePhone, dialFrom } from './lib/phone.mjs';
import { REPO } from './lib/server.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e flood: ${skip}`);

const FLOODER = '198.51.100.14';
const FLOOD = path.join(REPO, 'tests/sip/lab/udp_flood.py');
const dropped = (d) => ['punt_drop_stun', 'punt_drop_dtls', 'punt_drop_other', 'punt_drop_worker']
  .reduce((n, k) => n + (d[k] ?? 0), 0);

/** Flood from FLOODER: at most `count` packets within `seconds`; resolves with the number sent. */
function flood(count, seconds) {
  return new Promise((resolve, reject) => {
    execFile('python3', [FLOOD, FLOODER, '198.51.100.1', '20000', '20999', String(count), String(seconds)],
      { timeout: (seconds + 10) * 1000 }, (e, out) => (e ? reject(e) : resolve(Number(out.trim()))));
  });
}

describe('e2e: a flood from one source', { skip }, () => {
  const phone = usePhone('e2e-flooded');

  before(() => execFileSync('ip', ['addr', 'replace', `${FLOODER}/24`, 'dev', 'web0']));
  after(() => {
    try { execFileSync('ip', ['addr', 'del', `${FLOODER}/24`, 'dev', 'web0']); } catch { /* gone */ }
  });

  test('leaves another user\'s call untouched, and a new call still connects', async (t) => {
    const { page } = phone;
    await withScreenshot(t, page, async () => {
      assert.deepEqual(await dialFrom(page, 'echo'), { answered: true });
      await statsWithMedia(page, 20);
      const before = await trapezectl(['show', 'dataplane', 'stats']);
      const rx0 = (await statsSummary(page)).inbound.packetsReceived;

      const flooding = flood(200000, 6);
      // During the flood: media keeps flowing both ways on the live call ...
      await waitUntil(async () => (await statsSummary(page)).inbound.packetsReceived > rx0 + 100,
        'more than 100 packets (2 s of audio) on the live call during the flood', { timeout: 8000 });
      // ... and another user sets up a call (ICE checks and DTLS go through the punt path).
      const other = await launchBrowser({ ignoreHTTPSErrors: true });
      try {
        const p2 = await other.openPhone(PHONE_URL);
        await login(p2, 'e2e-during-flood');
        assert.deepEqual(await dialFrom(p2, 'echo'), { answered: true }, 'a call set up during the flood');
        const s2 = await statsWithMedia(p2, 20);
        assert.equal(s2.transport?.dtlsState, 'connected');
      } finally {
        await other.close();
      }
      const sent = await flooding;
      const after = await trapezectl(['show', 'dataplane', 'stats']);
      t.diagnostic(`flood: ${sent} packets sent; policer dropped ${dropped(after) - dropped(before)}`);
      assert.ok(sent > 10000, `the flood ran (${sent} packets)`);
      assert.ok(dropped(after) - dropped(before) > 1000, 'the policer dropped the flood, counted by reason');
      const s = await statsSummary(page);
      assert.equal(s.pc.connectionState, 'connected', 'the live call is still connected');
      const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === 'e2e-flooded');
      assert.equal(call?.state, 'connected');
    });
  });
});
