// E2E: the ways a call between a browser and the SIP side does not happen
// or ends early, each with the SIP code both sides expect: 404 from the
// PBX, the web user giving up while it rings (CANCEL), the trunk not
// answering in time (CANCEL, 408 to the browser), the PBX calling a
// user who is not logged in (404), busy (486), does not answer (480), or
// who hears the PBX give up (CANCEL -> 487); bad SDP (488) and malformed
// SIP (400) from the SIP side, counted, and the gateway still working
// after.  Run by lab_echo.sh (CI): ring_timeout_s is 6 there.

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { usePhone, nextCallEvent } from './lib/phone.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, sendRawSip, GW_SIP } from './lib/sipp.mjs';
import { waitCdr } from './lib/cdr.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e sip errors: ${skip}`);

const USER = 'e2e-err';
const SCEN = (f) => path.join(REPO, 'tests/sip/scenarios', f);
const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
let page;

/** sipp calling web user `user` through the gateway. */
const caller = (scenario, user, mp) => sipp(LAB(scenario),
  ['-s', user, '-mi', '203.0.113.2', '-mp', String(mp), GW_SIP], '5062');

/** The hangup of the current (or next) call on the page. */
const hangupOfCall = () => nextCallEvent(page, ['hangup'])
  .then((e) => ({ code: e.code, reason: e.reason }));

const myCalls = async () => (await trapezectl(['show', 'calls'])).filter((c) => c.user === USER);
const sipStats = () => trapezectl(['show', 'sip', 'stats']);

describe('e2e: SIP failures and early ends', { skip }, () => {
  const phone = usePhone(USER);
  before(() => { page = phone.page; });

  test('the PBX answers 404: the browser gets hangup 404 and nothing is left', async (t) => {
    const pbx = sipp(SCEN('uas_notfound.xml'));
    await pbx.ready;
    await withScreenshot(t, page, async () => {
      const ended = hangupOfCall();
      await page.fill('#target', '+442079460404');
      await page.click('#call');
      assert.equal((await ended).code, 404);
      assert.equal((await pbx.done).code, 0);
      assert.deepEqual(await myCalls(), []);
      const cdr = await waitCdr((c) => c.user === USER && c.to === '+442079460404', 'the 404 call');
      assert.equal(cdr.code, 404);
      assert.equal(cdr.ended_by, 'sip');
      assert.equal(cdr.setup_ms, null);
    });
    pbx.kill();
  });

  test('the web user hangs up while the PBX rings: CANCEL, 487, nothing is left', async (t) => {
    const pbx = sipp(SCEN('uas_noanswer.xml'));
    await pbx.ready;
    await withScreenshot(t, page, async () => {
      const ringing = nextCallEvent(page, ['ringing']);
      await page.fill('#target', '+442079460487');
      await page.click('#call');
      await ringing;
      const ended = hangupOfCall();
      await page.click('#hangup');
      await ended;
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX saw CANCEL and our ACK to its 487: ${r.err}`);
      assert.deepEqual(await myCalls(), []);
      const cdr = await waitCdr((c) => c.user === USER && c.to === '+442079460487', 'the cancelled call');
      assert.deepEqual([cdr.code, cdr.ended_by, cdr.answer_time, cdr.duration_ms], [487, 'web', null, 0]);
    });
    pbx.kill();
  });

  test('the trunk does not answer in answer_timeout_s: CANCEL, the browser hears 408', async (t) => {
    const pbx = sipp(SCEN('uas_noanswer.xml'));
    await pbx.ready;
    await withScreenshot(t, page, async () => {
      const ended = hangupOfCall();
      const t0 = Date.now();
      await page.fill('#target', '+18880001');
      await page.click('#call');
      const e = await ended;
      const waited = Date.now() - t0;
      t.diagnostic(`hangup ${JSON.stringify(e)} after ${waited} ms`);
      assert.equal(e.code, 408);
      assert.ok(waited > 2500, 'after the trunk\'s answer_timeout_s (3 s)');
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX saw our CANCEL: ${r.err}`);
      assert.deepEqual(await myCalls(), []);
    });
    pbx.kill();
  });

  test('the PBX calls a user nobody is logged in as: 404', async () => {
    const r = await caller('uac_expect_404.xml', 'nobody-here', 6400).done;
    assert.equal(r.code, 0, `sipp expected 404: ${r.err}`);
  });

  test('the PBX calls a user who is in a call: 486', async (t) => {
    await withScreenshot(t, page, async () => {
      await page.fill('#target', 'echo');
      await page.click('#call');
      await page.waitForFunction(() => window.phone.call?.state === 'answered', null, { timeout: 15000 });
      const r = await caller('uac_expect_486.xml', USER, 6410).done;
      assert.equal(r.code, 0, `sipp expected 486: ${r.err}`);
      assert.equal(await page.evaluate(() => window.phone.call.state), 'answered', 'the echo call is untouched');
    });
  });

  test('the web user does not answer: 480 after sip.ring_timeout_s, the browser hears the end', async (t) => {
    await withScreenshot(t, page, async () => {
      const pbx = caller('uac_expect_480.xml', USER, 6420);
      await page.waitForSelector('#incoming:not([hidden])', { timeout: 15000 });
      const t0 = Date.now();
      const ended = hangupOfCall();
      const e = await ended;
      const waited = Date.now() - t0;
      t.diagnostic(`hangup ${JSON.stringify(e)} after ${waited} ms`);
      assert.equal(e.code, 480);
      assert.ok(waited > 4000, 'the gateway let it ring for the configured time');
      assert.equal((await pbx.done).code, 0, 'sipp got 480');
    });
  });

  test('the PBX gives up while the browser rings: CANCEL, the browser hears 487', async (t) => {
    await withScreenshot(t, page, async () => {
      const pbx = caller('uac_ring_cancel.xml', USER, 6430);
      await page.waitForSelector('#incoming:not([hidden])', { timeout: 15000 });
      const e = await hangupOfCall();
      assert.equal(e.code, 487);
      const r = await pbx.done;
      assert.equal(r.code, 0, `sipp got 200 to its CANCEL and 487: ${r.err}`);
      assert.deepEqual(await myCalls(), []);
    });
  });

  test('an INVITE with broken SDP: 488 and a counter; nothing reaches the browser', async () => {
    const before = await sipStats();
    const r = await caller('uac_bad_sdp.xml', USER, 6440).done;
    assert.equal(r.code, 0, `sipp expected 488: ${r.err}`);
    assert.equal((await sipStats()).sdp_refused - before.sdp_refused, 1);
    assert.equal(await page.evaluate(() => document.querySelector('#incoming').hidden), true);
  });

  test('malformed SIP: 400 for a broken request, garbage dropped, both counted; the gateway carries on', async () => {
    const before = await sipStats();
    const head = (cseq, extra = '') => `INVITE sip:${USER}@203.0.113.1 SIP/2.0\r\n`
      + 'Via: SIP/2.0/UDP 203.0.113.2:5098;branch=z9hG4bK-tz-bad\r\n'
      + 'From: <sip:fuzz@203.0.113.2>;tag=bad\r\nTo: <sip:x@203.0.113.1>\r\n'
      + `Call-ID: bad-${Date.now()}\r\nCSeq: ${cseq}\r\nMax-Forwards: 70\r\n${extra}Content-Length: 0\r\n\r\n`;
    const replies = await sendRawSip([head('notanumber INVITE'), 'this is not SIP\r\n\r\n',
      `OPTIONS sip:${USER}@203.0.113.1 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.2:5098;branch=z9hG4bK-ok\r\n`
      + 'From: <sip:probe@203.0.113.2>;tag=ok\r\nTo: <sip:x@203.0.113.1>\r\nCall-ID: ok-1\r\n'
      + 'CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n']);
    assert.match(replies[0] ?? '', /^SIP\/2\.0 400 /, 'a request with a broken CSeq gets 400');
    assert.equal(replies[1], null, 'garbage gets no reply');
    assert.match(replies[2] ?? '', /^SIP\/2\.0 200 /, 'the next good request is served');
    const after = await sipStats();
    assert.equal(after.malformed_dropped - before.malformed_dropped, 2);
    assert.equal(await page.evaluate(() => document.querySelector('#incoming').hidden), true);
  });
});
