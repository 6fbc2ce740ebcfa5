// E2E: the SRTP rollover counter survives a re-publish.  The PBX's RTP
// sequence number wraps (65450 -> 0) within 2 s of the answer; then the PBX
// holds and resumes (two re-INVITEs, each re-publishing the call's flows with
// the same SRTP keys).  The browser must keep receiving and decrypting the
// PBX's audio after the resume.  Before tz_dp_flow_replace, the re-publish
// started the flow's stream state afresh (ROC 0) while the browser's was 1:
// every packet after the hold failed authentication in the browser and
// packetsReceived stood still.  Run by lab_echo.sh (Chromium in namespace
// `web`, sipp and the RTP sender in namespace `sip`).

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { statsSummary, statsWithMedia, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { waitUntil } from './lib/wait.mjs';
import { usePhone, nextCallEvent, dialFrom } from './lib/phone.mjs';
import { REPO } from './lib/server.mjs';
import { sipp } from './lib/sipp.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e SRTP wrap: ${skip}`);

const USER = 'e2e-wrap';
const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
const FIRST_SEQ = 65450;        // 86 packets (1.7 s) before the wrap
let page;

/** Dial `target` from the demo page; resolves at answer (or the hangup). */
const dial = (target) => dialFrom(page, target);

const nextEvent = (type, timeout = 15000) => nextCallEvent(page, [type], timeout);
const myCall = async () => (await trapezectl(['show', 'calls'])).find((c) => c.user === USER);
const received = async () => (await statsSummary(page))?.inbound?.packetsReceived ?? 0;

/** The call's flow from the PBX's media address, once published (bounded wait). */
function pbxFlow(from, timeoutMs = 5000) {
  return waitUntil(async () => {
    const call = await myCall();
    const flows = call ? (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call) : [];
    return flows.find((x) => x.from === from && x.xform === 'rtp>srtp');
  }, `the flow from ${from}`, { timeout: timeoutMs }).catch(() => undefined);
}

describe('e2e: SRTP state across hold/resume after a sequence wrap', { skip }, () => {
  const phone = usePhone(USER);
  before(() => { page = phone.page; });

  test('the PBX\'s sequence wraps, then it holds and resumes: the browser keeps decrypting its audio', async (t) => {
    const pbx = sipp(LAB('uas_hold_wrap.xml'), ['-mi', '203.0.113.2', '-mp', '6600']);
    let media;
    await withScreenshot(t, page, async () => {
      const held = nextEvent('held', 20000);
      assert.deepEqual(await dial('+442079460077'), { answered: true });
      const flow = await pbxFlow('203.0.113.2:6400');
      assert.ok(flow, 'a flow from the PBX\'s media address 203.0.113.2:6400');
      media = spawn('ip', ['netns', 'exec', 'sip', 'python3', LAB('rtp_peer.py'), '203.0.113.1',
        String(flow.local_port), '25', '--src-port', '6400', '--codec', 'pcmu',
        '--first-seq', String(FIRST_SEQ), '--ssrc', '0x57524150'], { stdio: 'ignore' });
      assert.equal((await held).by, 'remote');
      const atHold = await received();
      t.diagnostic(`packets the browser decrypted before the hold: ${atHold}`);
      assert.ok(atHold > 65536 - FIRST_SEQ + 10, 'the sequence number wrapped before the hold');
      assert.equal((await nextEvent('unheld')).by, 'remote');
      const p0 = await received();
      await page.waitForTimeout(1500);
      const p1 = await received();
      t.diagnostic(`after the resume: ${p0} -> ${p1} packets`);
      assert.ok(p1 - p0 > 40, `the browser keeps decrypting the PBX's audio after the resume (${p0} -> ${p1})`);
      assert.ok(p0 > atHold + 20, 'and did during the hold');
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.from === '203.0.113.2:6400');
      assert.equal(flows.reduce((n, f) => n + f.drops, 0), 0, 'no SRTP drops at the gateway');
      assert.ok((await statsWithMedia(page, 1)).inbound.packetsReceived > 65536 - FIRST_SEQ + 100);
      const call = await myCall();
      const hang = nextEvent('hangup');
      await page.click('#hangup');
      assert.equal((await hang).code, 200);
      assert.ok(call, 'show calls had the call');
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX got recvonly to its hold and sendrecv to its resume: ${r.err}`);
    });
    if (media && media.exitCode === null) media.kill('SIGTERM');
    pbx.kill();
  });
});
