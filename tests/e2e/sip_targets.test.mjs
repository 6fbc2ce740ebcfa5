// E2E (issue 9 item 2): targets a new user might type that must never reach
// the trunk.  Each is refused on the page (`bad-target`, counted in
// `targets_refused`; a control character already `bad-message` from the
// message layer), and no INVITE leaves meanwhile; a number with separators
// still calls out afterwards.  Run by lab_echo.sh (CI).

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { usePhone, nextCallEvent } from './lib/phone.mjs';
import { REPO } from './lib/server.mjs';
import { sipp } from './lib/sipp.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e sip targets: ${skip}`);

const USER = 'e2e-targets';
const SCEN = (f) => path.join(REPO, 'tests/sip/scenarios', f);
const refusedCount = async () => (await trapezectl(['show', 'sip', 'stats'])).targets_refused;
const invitesOut = async () => (await trapezectl(['show', 'sip', 'stats'])).invite_out;

// [target, code]: control characters are refused by the message layer
// already (bad-message, docs/protocol.md), the rest by the target check.
const BAD = [
  ['sip:', 'bad-target'],
  ['sip:@', 'bad-target'],
  ['sip:sip:203.0.113.66@x', 'bad-target'],
  ['tel:+1', 'bad-target'],
  ['\u202e+442079460000', 'bad-target'],
  ['sip:1001@203.0.113.2;maddr=203.0.113.66', 'bad-target'],
  ['+44 2079\t460000', 'bad-message'],
];

describe('e2e: call targets', { skip }, () => {
  const phone = usePhone(USER);
  let page;
  before(() => { page = phone.page; });

  for (const [target, code] of BAD) {
    test(`${JSON.stringify(target)} is refused with ${code} and never reaches the trunk`, async (t) => {
      await withScreenshot(t, page, async () => {
        const before = await refusedCount();
        const invites = await invitesOut();
        const shown = await page.evaluate(() => window.phone.errors.length);
        await page.fill('#target', target);
        await page.click('#call');
        await page.waitForFunction((n) => window.phone.errors.length > n, shown, { timeout: 10000 });
        const err = await page.evaluate((n) => window.phone.errors[n], shown);
        assert.equal(err.code, code, JSON.stringify(err));
        assert.equal(await refusedCount(), before + (code === 'bad-target' ? 1 : 0));
        assert.equal(await invitesOut(), invites);
      });
    });
  }

  test('a number still calls the trunk afterwards', async (t) => {
    const pbx = sipp(SCEN('uas_answer.xml'));
    await withScreenshot(t, page, async () => {
      const answered = nextCallEvent(page, ['answered', 'hangup']);
      await page.fill('#target', '+44 (20) 7946-0000');
      await page.click('#call');
      assert.equal((await answered).type, 'answered');
    });
    pbx.kill();
  });
});
