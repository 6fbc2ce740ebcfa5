// E2E: an H.264 video call from the demo web phone (Chromium's fake camera)
// to the lab's SIP H.264 endpoint: sipp (tests/sip/lab/uas_video_h264.xml,
// trunk lab-video-h264 on 203.0.113.2:5104, `video: [H264]`) checks that the
// INVITE offers H.264 with profile-level-id 42e01f and packetization-mode 1
// (else sipp fails) and answers audio + H.264 (PT 97), and
// lib/video_endpoint.py --codec h264 sends x264enc's picture and decodes
// what it gets with avdec_h264 on 203.0.113.2:6206/6207.  Checked: the
// browser decodes the endpoint's frames with codec H264 (inbound-rtp and its
// codec stats), the gateway's answer to the browser says the same profile
// and mode, the endpoint decodes the browser's H.264 frames, a PLI from the
// endpoint reaches the browser and the browser's key frame request reaches
// the endpoint about the endpoint's own SSRC.  Run by lab_echo.sh (CI):
// `lab_echo.sh video_h264.test.mjs`.

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
if (skip) console.log(`# SKIP e2e video_h264: ${skip}`);

const ENDPOINT_SSRC = 0x2345bcde;
const VIDEO_PORT = 6206;

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

/** The browser's video stats, with each direction's codec (mimeType, fmtp). */
function videoStats() {
  return page.evaluate(async () => {
    const c = window.phone.call;
    if (!c || !c.pc) return null;
    const all = new Map();
    const out = { inbound: null, outbound: null };
    const stats = await c.pc.getStats();
    stats.forEach((s) => all.set(s.id, s));
    const codec = (s) => {
      const k = all.get(s.codecId);
      return k ? { mimeType: k.mimeType, payloadType: k.payloadType, fmtp: k.sdpFmtpLine } : null;
    };
    stats.forEach((s) => {
      if (s.kind !== 'video') return;
      if (s.type === 'inbound-rtp') {
        out.inbound = { framesDecoded: s.framesDecoded, packetsReceived: s.packetsReceived,
          pliCount: s.pliCount, firCount: s.firCount, codec: codec(s),
          decoder: s.decoderImplementation };
      } else if (s.type === 'outbound-rtp') {
        out.outbound = { framesEncoded: s.framesEncoded, packetsSent: s.packetsSent,
          pliCount: s.pliCount, firCount: s.firCount, codec: codec(s),
          encoder: s.encoderImplementation };
      }
    });
    return out;
  });
}

describe('e2e: H.264 video call to a SIP H.264 endpoint', { skip }, () => {
  before(async () => {
    statusFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tz-h264-')), 'endpoint.json');
    endpoint = spawn('ip', ['netns', 'exec', 'sip', 'python3',
      path.join(REPO, 'tests/e2e/lib/video_endpoint.py'), '--ip', PBX_IP, '--port', String(VIDEO_PORT),
      '--codec', 'h264', '--pt', '97', '--ssrc', String(ENDPOINT_SSRC), '--status', statusFile],
    { stdio: ['ignore', 'ignore', 'pipe'] });
    endpoint.stderr.on('data', (d) => process.stderr.write(`# endpoint: ${d}`));
    await waitUntil(() => fs.existsSync(statusFile), 'the H.264 video endpoint to start', { timeout: 10000 });
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    page = await browser.openPhone(PHONE_URL);
    await login(page, 'e2e-h264');
  });

  after(async () => {
    if (browser) await browser.close();
    if (endpoint && endpoint.exitCode === null) endpoint.kill('SIGTERM');
  });

  test('H.264 both ways (42e01f, packetization-mode 1), key frame requests both ways', async (t) => {
    // sipp exits non-zero when the INVITE's video offer is not H.264
    // 42e01f / packetization-mode=1 (its ereg checks)
    const sipp = pbx(path.join(REPO, 'tests/sip/lab/uas_video_h264.xml'),
      ['-mi', PBX_IP, '-mp', '6110', '-rtp_echo'], '5104');
    await sipp.ready;
    await withScreenshot(t, page, async () => {
      await page.fill('#target', '+1323000');
      await page.click('#video-call');
      await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'in-call',
        null, { timeout: 15000 });

      // the gateway's answer to the browser: H.264 only, the same profile
      // and packetization-mode as the SIP answer
      const sdp = await page.evaluate(() => window.phone.call.pc.remoteDescription.sdp);
      const video = sdp.split(/\r?\n(?=m=)/).find((m) => m.startsWith('m=video'));
      assert.ok(video, 'a video section in the answer');
      const pts = video.split('\r\n')[0].split(' ').slice(3);
      t.diagnostic(`answer video: ${video.split('\r\n').filter((l) => /^(m=|a=rtpmap|a=fmtp)/.test(l)).join(' | ')}`);
      assert.equal(pts.length, 1, 'one video codec');
      assert.match(video, new RegExp(`a=rtpmap:${pts[0]} H264/90000`));
      const fmtp = video.split('\r\n').find((l) => l.startsWith(`a=fmtp:${pts[0]} `)) ?? '';
      assert.match(fmtp, /profile-level-id=42e01f/i);
      assert.match(fmtp, /packetization-mode=1/);

      // the endpoint's frames decoded by the browser, as H.264
      const s1 = await waitUntil(async () => {
        const s = await videoStats();
        return s?.inbound?.framesDecoded > 30 && s;
      }, 'the browser to decode 30 frames of the endpoint\'s H.264', { timeout: 20000 })
        .catch(async (e) => { t.diagnostic(`browser ${JSON.stringify(await videoStats())} endpoint ${JSON.stringify(ep())}`); throw e; });
      t.diagnostic(`browser video: ${JSON.stringify(s1)}`);
      assert.equal(s1.inbound.codec?.mimeType, 'video/H264', 'inbound-rtp codec');
      assert.equal(s1.outbound?.codec?.mimeType, 'video/H264', 'outbound-rtp codec');
      await page.waitForFunction(() => {
        const v = document.querySelector('#remote-video');
        return !document.querySelector('#videos').hidden && v.videoWidth > 0 && v.currentTime > 0;
      }, null, { timeout: 10000 });
      assert.equal(await page.evaluate(() => {
        const r = document.querySelector('#remote-video');
        return `${r.videoWidth}x${r.videoHeight}`;
      }), '320x240', 'the endpoint\'s picture (videotestsrc 320x240)');

      // the browser's H.264 frames decoded by the endpoint (avdec_h264)
      const e1 = await waitUntil(() => ep().frames_decoded > 30 && ep(),
        'the endpoint to decode 30 frames of the browser\'s H.264', { timeout: 20000 })
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
      // and the picture comes back after the loss
      const framesAfterLoss = (await videoStats()).inbound.framesDecoded;
      await waitUntil(async () => (await videoStats())?.inbound?.framesDecoded > framesAfterLoss + 15,
        'the browser to decode the endpoint\'s H.264 again after the loss', { timeout: 10000 });

      const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === 'e2e-h264');
      assert.equal(call?.state, 'connected');
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);
      assert.ok(flows.some((f) => f.to === `${PBX_IP}:${VIDEO_PORT}` && f.packets > 30), 'browser video -> endpoint flow');
      assert.ok(flows.some((f) => f.from === `${PBX_IP}:${VIDEO_PORT}` && f.packets > 30), 'endpoint video -> browser flow');
      await page.click('#hangup');
      const r = await sipp.done;
      assert.equal(r.code, 0, `sipp saw an H.264 42e01f mode 1 offer and the BYE: ${r.err.slice(0, 500)}`);
    });
  });
});
