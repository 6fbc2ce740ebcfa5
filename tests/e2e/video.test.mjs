// E2E: a video call from the demo web phone (Chromium's fake camera) to the
// lab's SIP video endpoint: sipp (tests/sip/lab/uas_video.xml, trunk
// lab-video on 203.0.113.2:5100) answers audio + VP8, and
// lib/video_endpoint.py sends and receives the VP8 with GStreamer on
// 203.0.113.2:6202/6203.  Checked: the browser decodes the endpoint's
// frames, the endpoint decodes the browser's, a PLI from the endpoint
// reaches the browser (outbound-rtp pliCount), and the browser's key frame
// request reaches the endpoint about the endpoint's own SSRC; an endpoint
// without RTCP feedback (uas_video_info.xml, trunk lab-video-info) gets
// them as SIP INFO picture_fast_update.  Run by
// lab_echo.sh (CI): `lab_echo.sh video.test.mjs`.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, login, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, PHONE_URL } from './lib/gateway.mjs';
import { REPO } from './lib/server.mjs';
import { sipp as pbx, PBX_IP } from './lib/sipp.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e video: ${skip}`);

const ENDPOINT_SSRC = 0x1234abcd;

let browser;
let page;
let endpoint;
let statusFile;

/** The endpoint's counters (lib/video_endpoint.py), or {} before its first write. */
function ep() {
  try {
    return JSON.parse(fs.readFileSync(statusFile, 'utf8'));
  } catch {
    return {};
  }
}

/** The browser's video stats: inbound framesDecoded, outbound pliCount ... */
function videoStats() {
  return page.evaluate(async () => {
    const c = window.phone.call;
    if (!c || !c.pc) return null;
    const out = { inbound: null, outbound: null };
    (await c.pc.getStats()).forEach((s) => {
      if (s.kind !== 'video') return;
      if (s.type === 'inbound-rtp') {
        out.inbound = { framesDecoded: s.framesDecoded, packetsReceived: s.packetsReceived,
          pliCount: s.pliCount, firCount: s.firCount, nackCount: s.nackCount };
      } else if (s.type === 'outbound-rtp') {
        out.outbound = { framesEncoded: s.framesEncoded, packetsSent: s.packetsSent,
          pliCount: s.pliCount, firCount: s.firCount };
      }
    });
    return out;
  });
}

describe('e2e: video call to a SIP video endpoint', { skip }, () => {
  before(async () => {
    statusFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tz-video-')), 'endpoint.json');
    endpoint = spawn('ip', ['netns', 'exec', 'sip', 'python3',
      path.join(REPO, 'tests/e2e/lib/video_endpoint.py'), '--ip', PBX_IP, '--port', '6202',
      '--ssrc', String(ENDPOINT_SSRC), '--status', statusFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    endpoint.stderr.on('data', (d) => process.stderr.write(`# endpoint: ${d}`));
    await waitUntil(() => fs.existsSync(statusFile), 'the video endpoint to start', { timeout: 10000 });
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    page = await browser.openPhone(PHONE_URL);
    await login(page, 'e2e-video');
  });

  after(async () => {
    if (browser) await browser.close();
    if (endpoint && endpoint.exitCode === null) endpoint.kill('SIGTERM');
  });

  test('video both ways, key frame requests both ways', async (t) => {
    const sipp = pbx(path.join(REPO, 'tests/sip/lab/uas_video.xml'),
      ['-mi', PBX_IP, '-mp', '6100', '-rtp_echo'], '5100');
    await sipp.ready;
    await withScreenshot(t, page, async () => {
      await page.fill('#target', '+1321000');
      await page.click('#video-call');
      await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'in-call',
        null, { timeout: 15000 });

      // the endpoint's frames decoded by the browser
      const s1 = await waitUntil(async () => {
        const s = await videoStats();
        return s?.inbound?.framesDecoded > 30 && s;
      }, 'the browser to decode 30 frames of the endpoint\'s video', { timeout: 20000 })
        .catch(async (e) => { t.diagnostic(`browser ${JSON.stringify(await videoStats())} endpoint ${JSON.stringify(ep())}`); throw e; });
      t.diagnostic(`browser video: ${JSON.stringify(s1)}`);
      // what the user sees: the far end's picture in the demo page's <video>
      await page.waitForFunction(() => {
        const v = document.querySelector('#remote-video');
        return !document.querySelector('#videos').hidden && v.videoWidth > 0 && v.currentTime > 0;
      }, null, { timeout: 10000 });
      const seen = await page.evaluate(() => {
        const r = document.querySelector('#remote-video'), l = document.querySelector('#local-video');
        return { remote: `${r.videoWidth}x${r.videoHeight}`, local: `${l.videoWidth}x${l.videoHeight}` };
      });
      t.diagnostic(`demo page video: ${JSON.stringify(seen)}`);
      assert.equal(seen.remote, '320x240', 'the endpoint\'s picture (videotestsrc 320x240)');
      // the browser's frames decoded by the endpoint (GStreamer vp8dec)
      const e1 = await waitUntil(() => ep().frames_decoded > 30 && ep(),
        'the endpoint to decode 30 frames of the browser\'s video', { timeout: 20000 })
        .catch((e) => { t.diagnostic(`endpoint ${JSON.stringify(ep())}`); throw e; });
      t.diagnostic(`endpoint: ${JSON.stringify(e1)}`);

      // a key frame request from the endpoint reaches the browser
      const pliBefore = s1.outbound?.pliCount ?? 0;
      await waitUntil(async () => {
        endpoint.kill('SIGUSR1');
        const s = await videoStats();
        return (s?.outbound?.pliCount ?? 0) > pliBefore;
      }, 'the endpoint\'s PLI to reach the browser (outbound-rtp pliCount)', { timeout: 10000, interval: 500 });

      // the browser's key frame request (after lost packets) reaches the
      // endpoint about the endpoint's own SSRC
      const fbBefore = ep().fb_for_us ?? 0;
      await waitUntil(() => {
        endpoint.kill('SIGUSR2');       // the next 40 packets lost
        return (ep().fb_for_us ?? 0) > fbBefore;
      }, 'a PLI or FIR from the browser at the endpoint, for its SSRC', { timeout: 15000, interval: 1500 })
        .catch((e) => { t.diagnostic(`endpoint ${JSON.stringify(ep())}`); throw e; });

      // the dataplane: the call's flows include the video ones
      const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === 'e2e-video');
      assert.equal(call?.state, 'connected');
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);
      t.diagnostic(`flows: ${JSON.stringify(flows)}`);
      assert.ok(flows.some((f) => f.to === `${PBX_IP}:6202` && f.packets > 30), 'browser video -> endpoint flow');
      assert.ok(flows.some((f) => f.from === `${PBX_IP}:6202` && f.packets > 30), 'endpoint video -> browser flow');

      // Chromium's send-side estimate without transport-cc / REMB (loss-based)
      const bwe = await page.evaluate(async () => {
        let out = null;
        (await window.phone.call.pc.getStats()).forEach((s) => {
          if (s.type === 'candidate-pair' && s.nominated) out = s.availableOutgoingBitrate ?? null;
        });
        return out;
      });
      t.diagnostic(`availableOutgoingBitrate: ${bwe}`);
      await page.click('#hangup');
      assert.equal((await sipp.done).code, 0, 'sipp saw the BYE');
    });
  });

  test('a SIP side that answers without video: the audio goes on, the page stops its video', async (t) => {
    const sipp = pbx(path.join(REPO, 'tests/sip/lab/uas_echo.xml'),
      ['-mi', PBX_IP, '-mp', '6100', '-rtp_echo'], '5100');
    await sipp.ready;
    await withScreenshot(t, page, async () => {
      await page.waitForFunction(() => !document.querySelector('#video-call').disabled, null,
        { timeout: 10000 });
      await page.fill('#target', '+1321001');
      await page.click('#video-call');
      await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'in-call',
        null, { timeout: 15000 });
      const audioBack = () => page.evaluate(async () => {
        let n = 0;
        (await window.phone.call.pc.getStats()).forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'audio') n = s.packetsReceived;
        });
        return n;
      });
      await waitUntil(async () => await audioBack() > 50, 'the PBX\'s echoed audio at the browser');
      const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === 'e2e-video');
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);
      t.diagnostic(`flows: ${JSON.stringify(flows)}`);
      assert.equal(flows.length, 3, 'the audio flows only');
      assert.ok(!flows.some((f) => f.in_port === 'bundle' || f.to.endsWith(':6202')), 'no video flow');
      // the browser's video reached the gateway and went nowhere: what left
      // for the PBX's audio port is the browser's audio alone
      const sent = await page.evaluate(async () => {
        const o = {};
        (await window.phone.call.pc.getStats()).forEach((s) => {
          if (s.type === 'outbound-rtp') o[s.kind] = s.packetsSent;
        });
        return o;
      });
      const toPbx = (await trapezectl(['show', 'sessions']))
        .find((f) => f.session === call.call && f.xform === 'srtp>rtp');
      t.diagnostic(`browser sent ${JSON.stringify(sent)}, to the PBX ${toPbx.packets}`);
      assert.ok(toPbx.packets <= sent.audio + 5, 'only audio went to the PBX\'s audio port');
      // the page was told (answered: video "rejected"): camera off, no video pane
      assert.equal(await page.evaluate(() => window.phone.call.videoRejected), true);
      assert.equal(await page.evaluate(() => document.querySelector('#videos').hidden), true);
      assert.match(await page.textContent('#status'), /audio only/);
      await page.click('#hangup');
      assert.equal((await sipp.done).code, 0, 'sipp saw the BYE');
    });
  });

  test('an endpoint without RTCP feedback gets key frame requests as SIP INFO picture_fast_update', async (t) => {
    const sipp = pbx(path.join(REPO, 'tests/sip/lab/uas_video_info.xml'),
      ['-mi', PBX_IP, '-mp', '6100', '-rtp_echo'], '5102');
    await sipp.ready;
    await withScreenshot(t, page, async () => {
      await page.waitForFunction(() => !document.querySelector('#video-call').disabled, null,
        { timeout: 10000 });
      await page.fill('#target', '+1322000');
      await page.click('#video-call');
      await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'in-call',
        null, { timeout: 15000 });
      await waitUntil(async () => (await videoStats())?.inbound?.framesDecoded > 10,
        'the browser to decode the endpoint\'s video', { timeout: 20000 });
      // lost packets make the browser ask for a key frame; sipp (the
      // scenario) passes the INFO only with a picture_fast_update body
      const sipStats = async () => (await trapezectl(['show', 'sip', 'stats'])).video_fast_updates_out ?? 0;
      await waitUntil(async () => {
        endpoint.kill('SIGUSR2');
        return await sipStats() > 0;
      }, 'a SIP INFO picture_fast_update to the endpoint', { timeout: 20000, interval: 1500 });
      await page.click('#hangup');
      const r = await sipp.done;
      assert.equal(r.code, 0, `sipp saw the INFO and the BYE: ${r.err.slice(0, 500)}`);
    });
  });
});
