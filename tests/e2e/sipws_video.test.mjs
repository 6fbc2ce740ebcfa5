// E2E: a video call from a JsSIP web phone (SIP over WebSocket, RFC 7118;
// SIP.js too, once;
// Chromium's fake camera) to the lab's SIP video endpoint, the same path
// as a trapeze-jsep.v1 browser's (docs/video.md): JsSIP's INVITE carries
// Chromium's audio + video BUNDLE offer, the gateway answers it in the 18x
// and 200, offers VP8 to the trunk lab-video (sipp uas_video.xml on
// 203.0.113.2:5100) and bridges the video to lib/video_endpoint.py
// (GStreamer VP8 on 203.0.113.2:6202).  Checked: the JsSIP page decodes the
// endpoint's frames and plays its 320x240 picture, the endpoint decodes
// the browser's frames, and a PBX that answers without video gets an audio
// call with the video rejected in the 200's SDP (m=video 0).  On the SDES
// trunk lab-video-sdes (uas_video_sdes.xml, 5106) the endpoint speaks
// SDES-SRTP (libsrtp2 through ctypes): frames and key frame requests both
// ways with the video's own keys.  Registration
// goes through the lab's Kamailio as in sipws_jssip.test.mjs.  Run by
// lab_echo.sh: `lab_echo.sh sipws_video.test.mjs`.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { startKamailio, KAM_IP } from './lib/kamailio.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, PBX_IP } from './lib/sipp.mjs';
import { openSipPhone, dumpPhone, SIPWS_WSS } from './lib/sipws.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e sipws video: ${skip}`);

const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
const ENDPOINT_SSRC = 0x2345bcde;

describe('e2e: video calls of a JsSIP web phone', { skip }, () => {
  let kam;
  let browser;
  let alice;
  let endpoint;
  let statusFile;
  const ep = () => {
    try {
      return JSON.parse(fs.readFileSync(statusFile, 'utf8'));
    } catch {
      return {};
    }
  };
  const stats = (id) => alice.page.evaluate((x) => window.tz.videoStats(x), id);
  const logged = async (fn) => {
    try {
      await fn();
    } catch (e) {
      if (alice) await dumpPhone(alice);
      throw e;
    }
  };

  before(async () => {
    statusFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tz-sipws-video-')), 'endpoint.json');
    endpoint = spawn('ip', ['netns', 'exec', 'sip', 'python3',
      path.join(REPO, 'tests/e2e/lib/video_endpoint.py'), '--ip', PBX_IP, '--port', '6202',
      '--ssrc', String(ENDPOINT_SSRC), '--status', statusFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    endpoint.stderr.on('data', (d) => process.stderr.write(`# endpoint: ${d}`));
    await waitUntil(() => fs.existsSync(statusFile), 'the video endpoint to start', { timeout: 10000 });
    kam = await startKamailio();
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    alice = await openSipPhone(browser, { stack: 'jssip', ws: SIPWS_WSS, uri: `sip:alice@${KAM_IP}`,
      password: 'secret', instanceId: crypto.randomUUID() });
    await alice.waitConnected();
    await alice.register();
    await alice.waitRegistered();
  });

  after(async () => {
    if (browser) await browser.close();
    if (kam) await kam.stop();
    if (endpoint && endpoint.exitCode === null) endpoint.kill('SIGTERM');
  });

  test('JsSIP audio + video call: video both ways through the gateway', async (t) => {
    const pbx = sipp(LAB('uas_video.xml'), ['-mi', PBX_IP, '-mp', '6100', '-rtp_echo'], '5100');
    await pbx.ready;
    await logged(async () => {
      const t0 = Date.now();
      const id = await alice.page.evaluate((x) => window.tz.videoCall(x), '+1321000');
      await alice.waitState(id, 'confirmed');
      t.diagnostic(`INVITE -> confirmed: ${Date.now() - t0} ms`);
      // the endpoint's frames decoded and shown by the JsSIP page
      const s = await waitUntil(async () => {
        const x = await stats(id);
        return x?.inbound?.framesDecoded > 30 && x.remoteVideo === '320x240' && x;
      }, 'the JsSIP page to decode 30 frames of the endpoint\'s 320x240 video', { timeout: 20000 })
        .catch(async (e) => { t.diagnostic(`page ${JSON.stringify(await stats(id))} endpoint ${JSON.stringify(ep())}`); throw e; });
      t.diagnostic(`JsSIP page video: ${JSON.stringify(s)}`);
      assert.match(s.remoteMvideo, /^m=video [1-9]\d* UDP\/TLS\/RTP\/SAVPF 96/, 'video accepted (VP8)');
      // the browser's frames decoded by the endpoint (GStreamer vp8dec)
      const e1 = await waitUntil(() => ep().frames_decoded > 30 && ep(),
        'the endpoint to decode 30 frames of the JsSIP page\'s video', { timeout: 20000 })
        .catch((e) => { t.diagnostic(`endpoint ${JSON.stringify(ep())}`); throw e; });
      t.diagnostic(`endpoint: ${JSON.stringify(e1)}`);
      // the dataplane: the same flows as a trapeze-jsep.v1 video call
      const call = (await trapezectl(['show', 'calls'])).find((c) => c.leg === 'sip-ws' && c.state === 'connected');
      assert.ok(call, 'the SIP-WS call is connected');
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);
      t.diagnostic(`flows: ${JSON.stringify(flows)}`);
      assert.ok(flows.some((f) => f.in_port === 'bundle'), 'the browser\'s video is a BUNDLE sub-flow');
      assert.ok(flows.some((f) => f.to === `${PBX_IP}:6202` && f.packets > 30), 'browser video -> endpoint flow');
      assert.ok(flows.some((f) => f.from === `${PBX_IP}:6202` && f.packets > 30), 'endpoint video -> browser flow');
      await alice.hangup(id);
      await alice.waitState(id, 'ended');
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX got the BYE: ${r.err.slice(0, 800)}`);
    });
    pbx.kill();
  });

  test('a PBX that answers without video: audio call, the 200 rejects the video (m=video 0)', async (t) => {
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', PBX_IP, '-mp', '6100', '-rtp_echo'], '5100');
    await pbx.ready;
    await logged(async () => {
      const id = await alice.page.evaluate((x) => window.tz.videoCall(x), '+1321001');
      await alice.waitState(id, 'confirmed');
      const s = await waitUntil(async () => {
        const x = await stats(id);
        return x?.audioIn > 50 && x.audioOut > 50 && x;
      }, 'audio both ways through the echo PBX', { timeout: 20000 });
      t.diagnostic(`JsSIP page: ${JSON.stringify(s)}`);
      assert.match(s.remoteMvideo, /^m=video 0 /, 'the 200\'s SDP rejects the video');
      // rejected in the final answer: Chromium stops the video transceiver
      // (and drops a stopped one from getTransceivers())
      const v = s.transceivers.find((x) => x.kind === 'video');
      assert.ok(!v || v.stopped || v.currentDirection === 'stopped' || v.currentDirection === 'inactive',
        `the video transceiver is off: ${JSON.stringify(s.transceivers)}`);
      assert.equal(s.inbound, null, 'no video received');
      const call = (await trapezectl(['show', 'calls'])).find((c) => c.leg === 'sip-ws' && c.state === 'connected');
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);
      assert.equal(flows.length, 3, `the audio flows only: ${JSON.stringify(flows)}`);
      await alice.hangup(id);
      await alice.waitState(id, 'ended');
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX got the BYE: ${r.err.slice(0, 800)}`);
    });
    pbx.kill();
  });

  test('SIP.js audio + video call (answer in the 200): video both ways', async (t) => {
    const bob = await openSipPhone(browser, { stack: 'sipjs', ws: SIPWS_WSS, uri: `sip:bob@${KAM_IP}`,
      password: 'secret' });
    const pbx = sipp(LAB('uas_video.xml'), ['-mi', PBX_IP, '-mp', '6100', '-rtp_echo'], '5100');
    await pbx.ready;
    const before = ep().frames_decoded ?? 0;
    try {
      await bob.waitConnected();
      await bob.register();
      await bob.waitRegistered();
      const id = await bob.page.evaluate((x) => window.tz.videoCall(x), '+1321002');
      await bob.waitState(id, 'confirmed');
      const s = await waitUntil(async () => {
        const x = await bob.page.evaluate((i) => window.tz.videoStats(i), id);
        return x?.inbound?.framesDecoded > 30 && x.remoteVideo === '320x240' && x;
      }, 'the SIP.js page to decode 30 frames of the endpoint\'s video', { timeout: 20000 });
      t.diagnostic(`SIP.js page video: ${JSON.stringify(s)}`);
      const e1 = await waitUntil(() => (ep().frames_decoded ?? 0) > before + 30 && ep(),
        'the endpoint to decode 30 frames of the SIP.js page\'s video', { timeout: 20000 });
      t.diagnostic(`endpoint: ${JSON.stringify(e1)}`);
      await bob.hangup(id);
      await bob.waitState(id, 'ended');
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX got the BYE: ${r.err.slice(0, 800)}`);
    } catch (e) {
      await dumpPhone(bob);
      throw e;
    } finally {
      pbx.kill();
      await bob.close();
    }
  });

  test('an SDES-SRTP trunk: the video is SRTP with keys of its own on the SIP side, both ways', async (t) => {
    // the endpoint again, now SDES-SRTP: our key out, the gateway's in (from
    // the INVITE's video a=crypto, written to keyFile by the sipp scenario)
    endpoint.kill('SIGTERM');
    await waitUntil(() => endpoint.exitCode !== null || endpoint.signalCode !== null, 'the plain endpoint to stop');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tz-sipws-vsdes-'));
    const keyFile = path.join(dir, 'gw-video-key');
    const ourKey = randomBytes(30).toString('base64');
    statusFile = path.join(dir, 'endpoint.json');
    endpoint = spawn('ip', ['netns', 'exec', 'sip', 'python3',
      path.join(REPO, 'tests/e2e/lib/video_endpoint.py'), '--ip', PBX_IP, '--port', '6202',
      '--ssrc', String(ENDPOINT_SSRC), '--status', statusFile, '--srtp-key', ourKey,
      '--srtp-peer-key-file', keyFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    endpoint.stderr.on('data', (d) => process.stderr.write(`# endpoint: ${d}`));
    await waitUntil(() => fs.existsSync(statusFile), 'the SRTP video endpoint to start', { timeout: 10000 });
    const pbx = sipp(LAB('uas_video_sdes.xml'), ['-mi', PBX_IP, '-mp', '6100', '-rtp_echo',
      '-set', 'keyfile', keyFile, '-set', 'vkey_ours', ourKey], '5106');
    await pbx.ready;
    await logged(async () => {
      const id = await alice.page.evaluate((x) => window.tz.videoCall(x), '+1324000');
      await alice.waitState(id, 'confirmed');
      const s = await waitUntil(async () => {
        const x = await stats(id);
        return x?.inbound?.framesDecoded > 30 && x;
      }, 'the JsSIP page to decode 30 frames of the SRTP endpoint\'s video', { timeout: 20000 })
        .catch(async (e) => { t.diagnostic(`page ${JSON.stringify(await stats(id))} endpoint ${JSON.stringify(ep())}`); throw e; });
      t.diagnostic(`JsSIP page video: ${JSON.stringify(s)}`);
      const e1 = await waitUntil(() => ep().frames_decoded > 30 && ep(),
        'the SRTP endpoint to decode 30 frames of the page\'s video', { timeout: 20000 })
        .catch((e) => { t.diagnostic(`endpoint ${JSON.stringify(ep())}`); throw e; });
      t.diagnostic(`endpoint: ${JSON.stringify(e1)}`);
      // a key frame request from the endpoint (SRTCP) reaches the browser
      const pliBefore = s.outbound?.pliCount ?? 0;
      await waitUntil(async () => {
        endpoint.kill('SIGUSR1');
        return ((await stats(id))?.outbound?.pliCount ?? 0) > pliBefore;
      }, 'the endpoint\'s SRTCP PLI to reach the browser', { timeout: 10000, interval: 500 });
      // and the browser's (after lost packets), about the endpoint's SSRC
      const fbBefore = ep().fb_for_us ?? 0;
      await waitUntil(() => {
        endpoint.kill('SIGUSR2');
        return (ep().fb_for_us ?? 0) > fbBefore;
      }, 'the browser\'s PLI/FIR at the endpoint over SRTCP', { timeout: 15000, interval: 1500 })
        .catch((e) => { t.diagnostic(`endpoint ${JSON.stringify(ep())}`); throw e; });
      const call = (await trapezectl(['show', 'calls'])).find((c) => c.leg === 'sip-ws' && c.state === 'connected');
      t.diagnostic(`call: ${JSON.stringify(call)}`);
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);
      t.diagnostic(`flows: ${JSON.stringify(flows)}`);
      assert.ok(flows.some((f) => f.to === `${PBX_IP}:6202` && f.packets > 30), 'browser video -> endpoint flow');
      assert.ok(flows.some((f) => f.from === `${PBX_IP}:6202` && f.packets > 30), 'endpoint video -> browser flow');
      assert.ok(ep().srtp_fail <= 2, `the endpoint authenticates the gateway's SRTP: ${JSON.stringify(ep())}`);
      await alice.hangup(id);
      await alice.waitState(id, 'ended');
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX got the BYE: ${r.err.slice(0, 800)}`);
    });
    pbx.kill();
  });
});
