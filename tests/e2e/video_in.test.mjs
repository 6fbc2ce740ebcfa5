// E2E: a SIP video phone calls a web user (docs/video.md, incoming video).
// sipp (tests/sip/lab/uac_video.xml) calls from the lab PBX's address, whose
// trunks include lab-video (`video: [VP8, H264]`), with audio + VP8 on
// 203.0.113.2:6212, where lib/video_endpoint.py sends and receives the VP8
// with GStreamer (and, in the H.264 case, H.264 on 6216).  Checked: the demo page offers "Accept with video"; the
// browser decodes the phone's frames and the phone decodes the browser's;
// the phone's SIP INFO picture_fast_update reaches the browser as a PLI
// (outbound-rtp pliCount, `video_plis_to_browser`); a web user who accepts
// without video sends the phone a video line at port 0 and the call goes on
// as audio (uac_video_declined.xml).  Run by lab_echo.sh (CI):
// `lab_echo.sh video_in.test.mjs`.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, login, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, PHONE_URL } from './lib/gateway.mjs';
import { REPO } from './lib/server.mjs';
import { sipp as pbx, PBX_IP, GW_SIP } from './lib/sipp.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e video_in: ${skip}`);

const USER = 'e2e-vin';
const VIDEO_PORT = '6212';
const H264_PORT = '6216';
/** uac_video.xml's video line (sipp -key) for the VP8 phone and the H.264 one. */
const VP8 = ['-key', 'vport', VIDEO_PORT, '-key', 'vpt', '96', '-key', 'vname', 'VP8',
  '-key', 'vfmtp', 'max-fr=30'];
const H264 = ['-key', 'vport', H264_PORT, '-key', 'vpt', '97', '-key', 'vname', 'H264',
  '-key', 'vfmtp', 'profile-level-id=42e01f;packetization-mode=1'];

let browser;
let page;
let endpoint;
let statusFile;
let h264;
let h264Status;

/** The phone's media counters (lib/video_endpoint.py), or {} before its first write. */
function ep(file = statusFile) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

/** lib/video_endpoint.py in namespace sip on @p port with @p codec, its status file. */
function startPhone(port, codec, ssrc) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tz-video-in-')), 'endpoint.json');
  const p = spawn('ip', ['netns', 'exec', 'sip', 'python3',
    path.join(REPO, 'tests/e2e/lib/video_endpoint.py'), '--ip', PBX_IP, '--port', port,
    '--ssrc', ssrc, '--codec', codec, '--pt', codec === 'h264' ? '97' : '96', '--status', file],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr.on('data', (d) => process.stderr.write(`# ${codec} phone: ${d}`));
  return { p, file };
}

/** The browser's stats by kind: inbound framesDecoded / packetsReceived, outbound pliCount. */
function stats() {
  return page.evaluate(async () => {
    const c = window.phone.call;
    if (!c || !c.pc) return null;
    const out = {};
    (await c.pc.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp' && s.type !== 'outbound-rtp') return;
      out[`${s.kind}_${s.type === 'inbound-rtp' ? 'in' : 'out'}`] = {
        framesDecoded: s.framesDecoded, packetsReceived: s.packetsReceived,
        packetsSent: s.packetsSent, pliCount: s.pliCount,
      };
    });
    return out;
  });
}

/** The web user's connected call in `show calls`. */
const liveCall = async () => (await trapezectl(['show', 'calls']))
  .find((x) => x.user === USER && x.state === 'connected');

const sipStat = async (name) => (await trapezectl(['show', 'sip', 'stats']))[name] ?? 0;

function call(scenario, extra = []) {
  return pbx(path.join(REPO, 'tests/sip/lab', scenario),
    ['-s', USER, '-mi', PBX_IP, '-mp', '6110', '-rtp_echo', ...extra, GW_SIP], '5108');
}

describe('e2e: a SIP video phone calls a web user', { skip }, () => {
  before(async () => {
    ({ p: endpoint, file: statusFile } = startPhone(VIDEO_PORT, 'vp8', '0x5eed1234'));
    ({ p: h264, file: h264Status } = startPhone(H264_PORT, 'h264', '0x5eed5678'));
    await waitUntil(() => fs.existsSync(statusFile) && fs.existsSync(h264Status),
      'the video endpoints to start', { timeout: 10000 });
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    page = await browser.openPhone(PHONE_URL);
    await login(page, USER);
  });

  after(async () => {
    if (browser) await browser.close();
    if (endpoint && endpoint.exitCode === null) endpoint.kill('SIGTERM');
    if (h264 && h264.exitCode === null) h264.kill('SIGTERM');
  });

  test('accepted with video: pictures both ways, INFO picture_fast_update -> PLI at the browser', async (t) => {
    const plisBefore = await sipStat('video_plis_to_browser');
    const sipp = call('uac_video.xml', ['-d', '3000', ...VP8]);
    await withScreenshot(t, page, async () => {
      await page.waitForSelector('#incoming:not([hidden])', { timeout: 15000 });
      assert.match(await page.textContent('#incoming-text'), /Incoming video call from .*vphone@203\.0\.113\.2/);
      assert.equal(await page.isVisible('#accept-video'), true, 'the Accept with video button');
      await page.click('#accept-video');
      await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'in-call',
        null, { timeout: 15000 });

      // the phone's frames decoded by the browser, shown on the page
      const s1 = await waitUntil(async () => {
        const s = await stats();
        return s?.video_in?.framesDecoded > 30 && s;
      }, 'the browser to decode 30 frames of the phone\'s video', { timeout: 20000 })
        .catch(async (e) => { t.diagnostic(`browser ${JSON.stringify(await stats())} phone ${JSON.stringify(ep())}`); throw e; });
      t.diagnostic(`browser: ${JSON.stringify(s1)}`);
      await page.waitForFunction(() => {
        const v = document.querySelector('#remote-video');
        return !document.querySelector('#videos').hidden && v.videoWidth === 320 && v.currentTime > 0;
      }, null, { timeout: 10000 });
      // the browser's frames decoded by the phone (GStreamer vp8dec)
      const e1 = await waitUntil(() => ep().frames_decoded > 30 && ep(),
        'the phone to decode 30 frames of the browser\'s video', { timeout: 20000 })
        .catch((e) => { t.diagnostic(`phone ${JSON.stringify(ep())}`); throw e; });
      t.diagnostic(`phone: ${JSON.stringify(e1)}`);

      // the dataplane: the call's video flows
      const c = await liveCall();
      assert.equal(c?.state, 'connected');
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === c.call);
      t.diagnostic(`flows: ${JSON.stringify(flows)}`);
      assert.equal(flows.length, 6, 'audio and video flows');
      assert.ok(flows.some((f) => f.in_port === 'bundle' && f.to === `${PBX_IP}:${VIDEO_PORT}` && f.packets > 30),
        'browser video -> phone');
      assert.ok(flows.some((f) => f.from === `${PBX_IP}:${VIDEO_PORT}` && f.packets > 30), 'phone video -> browser');
      // the phone's INFO picture_fast_update (sent once a second after 3 s)
      // arrives at the browser as an RTCP PLI for its video
      const pliBefore = (await stats()).video_out?.pliCount ?? 0;
      const gwBefore = await sipStat('video_plis_to_browser');
      await waitUntil(async () => await sipStat('video_plis_to_browser') > gwBefore &&
        ((await stats()).video_out?.pliCount ?? 0) > pliBefore,
      'a SIP INFO picture_fast_update to reach the browser as a PLI', { timeout: 15000, interval: 300 })
        .catch(async (e) => { t.diagnostic(`sip stats ${JSON.stringify(await trapezectl(['show', 'sip', 'stats']))}`); throw e; });
      t.diagnostic(`PLIs to the browser: ${await sipStat('video_plis_to_browser') - plisBefore}, `
        + `browser pliCount ${(await stats()).video_out?.pliCount} (was ${pliBefore})`);

      // the phone hangs up after its INFOs
      const r = await sipp.done;
      assert.equal(r.code, 0, `sipp: the 200 accepted the video, INFOs answered, BYE: ${r.err.slice(0, 500)}`);
      await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'ended',
        null, { timeout: 10000 });
    });
  });

  test('an H.264 phone: pictures both ways in H.264', async (t) => {
    const sipp = call('uac_video.xml', ['-d', '3000', ...H264]);
    await withScreenshot(t, page, async () => {
      await page.waitForSelector('#incoming:not([hidden])', { timeout: 15000 });
      await page.click('#accept-video');
      await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'in-call',
        null, { timeout: 15000 });
      const codec = await waitUntil(async () => page.evaluate(async () => {
        const st = await window.phone.call.pc.getStats();
        let out = null;
        st.forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 30) {
            out = st.get(s.codecId)?.mimeType ?? '?';
          }
        });
        return out;
      }), 'the browser to decode 30 frames of the H.264 phone\'s video', { timeout: 20000 })
        .catch((e) => { t.diagnostic(`phone ${JSON.stringify(ep(h264Status))}`); throw e; });
      assert.equal(codec, 'video/H264');
      const e1 = await waitUntil(() => ep(h264Status).frames_decoded > 30 && ep(h264Status),
        'the H.264 phone to decode 30 frames of the browser\'s video', { timeout: 20000 })
        .catch((e) => { t.diagnostic(`phone ${JSON.stringify(ep(h264Status))}`); throw e; });
      t.diagnostic(`H.264 phone: ${JSON.stringify(e1)}`);
      const r = await sipp.done;
      assert.equal(r.code, 0, `sipp: ${r.err.slice(0, 500)}`);
      await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'ended',
        null, { timeout: 10000 });
    });
  });

  test('accepted without video: the phone gets video port 0, the call goes on as audio', async (t) => {
    const declinedBefore = await sipStat('video_in_declined');
    const sipp = call('uac_video_declined.xml');
    await withScreenshot(t, page, async () => {
      await page.waitForSelector('#incoming:not([hidden])', { timeout: 15000 });
      await page.click('#accept');
      await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'in-call',
        null, { timeout: 15000 });
      await waitUntil(async () => (await stats())?.audio_in?.packetsReceived > 50,
        'the phone\'s echoed audio at the browser');
      const s = await stats();
      t.diagnostic(`browser: ${JSON.stringify(s)}`);
      assert.equal(s.video_out, undefined, 'the browser sends no video');
      const c = await liveCall();
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === c.call);
      assert.equal(flows.length, 3, 'the audio flows only');
      assert.equal(await sipStat('video_in_declined'), declinedBefore + 1);
      assert.equal(await page.evaluate(() => document.querySelector('#videos').hidden), true);
      await page.click('#hangup');
      const r = await sipp.done;
      assert.equal(r.code, 0, `sipp: the 200 had m=video 0: ${r.err.slice(0, 500)}`);
    });
  });
});
