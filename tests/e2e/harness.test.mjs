// Self-test of the e2e harness, without the gateway: ctrlplane/web/ served on
// 127.0.0.1 by a tiny node server whose /ws is a scripted mock of the gateway.
// The mock answers calls with a second RTCPeerConnection in another page of
// the same Chromium ("the peer"), so real ICE/DTLS-SRTP audio flows over
// loopback and the client library, the demo page and the stats helpers are
// all exercised.
//
//   tests/e2e/run.sh harness.test.mjs

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { startServer } from './lib/server.mjs';
import { waitUntil } from './lib/wait.mjs';
import { launchBrowser, login, statsSummary, maxAudioLevel, withScreenshot, CHROMIUM_FLAGS } from './lib/browser.mjs';

const SCREENSHOT = process.env.TZ_SCREENSHOT || '/tmp/trapeze-demo.png';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {Awaited<ReturnType<typeof launchBrowser>>} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {import('playwright-core').Page} */
let peer;
/** What the mock does with the next `call`: 'answer' (via the peer) or an error code. */
let callMode = 'answer';

/** The peer: answers an offer with its own fake-microphone audio. */
async function peerAnswer(offer) {
  return peer.evaluate(async (sdp) => {
    if (window.peerPc) window.peerPc.close();
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    window.peerPc = pc;
    for (const t of stream.getTracks()) pc.addTrack(t, stream);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc.iceGatheringState !== 'complete') {
      await new Promise((r) => {
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
        setTimeout(r, 5000);
      });
    }
    return pc.localDescription.sdp;
  }, offer);
}

/** Wait (in node) for the peer's connection to reach one of `states`. */
async function peerState(states, timeoutMs = 10000) {
  return peer.evaluate(([want, ms]) => new Promise((resolve) => {
    const pc = window.peerPc;
    const check = () => {
      if (!want.includes(pc.connectionState)) return;
      clearTimeout(timer);
      resolve(pc.connectionState);
    };
    const timer = setTimeout(() => resolve(pc.connectionState), ms);
    pc.addEventListener('connectionstatechange', check);
    check();
  }), [states, timeoutMs]);
}

/** The mock gateway: just enough of trapeze-jsep.v1. */
function mockGateway(msg, ws) {
  switch (msg.type) {
    case 'login':
      if (msg.token === 'mock-token-for-alice') ws.send({ type: 'login-ok', id: msg.id, user: 'alice' });
      else ws.send({ type: 'error', id: msg.id, code: 'auth-failed', message: 'mock: bad token' });
      break;
    case 'ping':
      ws.send({ type: 'pong', id: msg.id });
      break;
    case 'call':
      if (callMode !== 'answer') {
        ws.send({ type: 'error', id: msg.id, call: msg.call, code: callMode, message: `mock: ${callMode}` });
        break;
      }
      peerAnswer(msg.sdp).then(async (sdp) => {
        ws.send({ type: 'answer', call: msg.call, sdp });
        ws.send({ type: 'ringing', call: msg.call });
        const st = await peerState(['connected', 'failed']);
        if (st === 'connected') {
          ws.send({ type: 'answered', call: msg.call });
        } else {
          // What the gateway does when the browser's DTLS certificate does
          // not match the offer's fingerprint.
          ws.send({ type: 'error', call: msg.call, code: 'dtls-failed', message: 'mock: fingerprint mismatch' });
          ws.send({ type: 'hangup', call: msg.call, code: 0, reason: 'dtls-failed' });
        }
      }).catch((e) => {
        ws.send({ type: 'error', id: msg.id, call: msg.call, code: 'bad-sdp', message: e.message });
      });
      break;
    case 'hold':
    case 'unhold':
      ws.send({ type: msg.type === 'hold' ? 'held' : 'unheld', call: msg.call, by: 'local' });
      break;
    case 'hangup':
      peer.evaluate(() => window.peerPc && window.peerPc.close()).catch(() => {});
      ws.send({ type: 'hangup', call: msg.call, code: 200, reason: 'normal' });
      break;
    default:
      break;
  }
}

/** Every message the page sent to the mock, of one type. */
const sent = (type) => server.sockets.flatMap((s) => s.received).filter((m) => m.type === type);
const status = () => page.textContent('#status');
const waitStatus = (state, timeout = 15000) =>
  page.waitForFunction((s) => document.querySelector('#status').dataset.state === s, state, { timeout });

describe('e2e harness self-test (no gateway)', () => {
  before(async () => {
    server = await startServer({ onMessage: mockGateway });
    browser = await launchBrowser();
    peer = await browser.context.newPage();
    await peer.goto(`${server.url}__blank`);
    page = await browser.openPhone(`${server.url}?issuer=/token`);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.close();
  });

  test('Chromium runs with exactly the mandated flags and a fresh profile', async () => {
    // Find the browser process by its profile directory: /proc/PID/cmdline.
    let cmd = null;
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let argv;
      try {
        argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      } catch {
        continue;
      }
      if (argv.includes(`--user-data-dir=${browser.userDataDir}`) && !argv.some((a) => a.startsWith('--type='))) {
        cmd = argv;
        break;
      }
    }
    assert.ok(cmd, 'the Chromium browser process was found');
    for (const f of CHROMIUM_FLAGS) assert.ok(cmd.includes(f), `flag ${f} present`);
    assert.match(browser.userDataDir, /trapeze-chromium-/);
    assert.ok(!cmd.includes('--mute-audio'), 'no --mute-audio');
  });

  test('the demo page renders', async (t) => {
    await withScreenshot(t, page, async () => {
      assert.equal(await page.title(), 'Trapeze web phone');
      const keys = await page.$$eval('#dialpad button[data-key]', (bs) => bs.map((b) => b.dataset.key));
      assert.deepEqual(keys.sort(), ['#', '*', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      assert.equal(await status(), 'idle');
      for (const id of ['call', 'hangup', 'mute', 'hold', 'login']) {
        assert.ok(await page.isVisible(`#${id}`), `#${id} visible`);
      }
      // Every input has a label.
      const unlabelled = await page.$$eval('input', (is) => is.filter((i) => !i.labels.length).map((i) => i.id));
      assert.deepEqual(unlabelled, []);
      assert.ok(await page.isHidden('#error'), 'no error shown');
      assert.equal(await page.textContent('#conn'), 'online');
      assert.ok(await page.isDisabled('#call'), 'Call is disabled before login');
      const errors = page.tzLog.filter((l) => l.startsWith('pageerror'));
      assert.deepEqual(errors, []);
    });
  });

  test('getUserMedia (fake device) and an offer with an audio m-line and host candidates', async (t) => {
    await withScreenshot(t, page, async () => {
      const r = await page.evaluate(async () => {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        const track = stream.getAudioTracks()[0];
        const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
        pc.addTrack(track, stream);
        await pc.setLocalDescription(await pc.createOffer());
        await new Promise((res) => {
          if (pc.iceGatheringState === 'complete') res();
          pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && res();
          setTimeout(res, 5000);
        });
        const sdp = pc.localDescription.sdp;
        pc.close();
        track.stop();
        return { label: track.label, state: track.readyState, sdp };
      });
      assert.ok(r.label, 'the fake microphone has a label');
      assert.match(r.sdp, /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m);
      assert.doesNotMatch(r.sdp, /^m=video/m);
      const hosts = r.sdp.split(/\r\n/).filter((l) => / typ host/.test(l));
      assert.ok(hosts.length > 0, 'host candidates present');
      assert.ok(hosts.some((l) => !/\.local /.test(l)), 'host candidates show addresses, not mDNS names');
    });
  });

  test('login and an answered call with audio both ways (mock gateway + peer)', async (t) => {
    await withScreenshot(t, page, async () => {
      await login(page, 'alice');
      assert.equal(await page.textContent('#conn'), 'online as alice');
      assert.equal(await page.textContent('#login'), 'Log out');
      assert.deepEqual(sent('login').at(-1),
        { type: 'login', id: sent('login').at(-1).id, token: 'mock-token-for-alice' },
        'the page logs in with the token it got from the issuer');

      await page.fill('#target', 'echo');
      await page.click('#call');
      await waitStatus('in-call');

      const call = sent('call').at(-1);
      assert.equal(call.target, 'echo');
      assert.ok(Number.isInteger(call.id));
      assert.match(call.call, /^[A-Za-z0-9._-]{1,64}$/);
      assert.match(call.sdp, /^m=audio /m);
      assert.match(call.sdp, /^a=group:BUNDLE /m);
      assert.match(call.sdp, /^a=rtcp-mux/m);
      assert.match(call.sdp, /^a=fingerprint:sha-256 /m);
      assert.match(call.sdp, /^a=setup:actpass/m);
      assert.match(call.sdp, /^a=candidate:.* typ host/m, 'candidates inside the offer (non-trickle)');
      assert.equal(sent('candidate').length, 0, 'no trickle by default');

      // media flowing both ways, whatever time the set-up took
      const s = await waitUntil(async () => {
        const st = await statsSummary(page);
        return st.outbound?.packetsSent > 50 && st.inbound?.packetsReceived > 50 && st;
      }, 'more than 50 packets each way').catch(async (e) => {
        t.diagnostic(`stats: ${JSON.stringify(await statsSummary(page))}`);
        throw e;
      });
      t.diagnostic(`stats: ${JSON.stringify(s)}`);
      assert.equal(s.pc.connectionState, 'connected');
      assert.ok(['connected', 'completed'].includes(s.pc.iceConnectionState));
      assert.equal(s.transport.dtlsState, 'connected');
      assert.equal(s.candidatePair.state, 'succeeded');
      assert.ok(s.outbound.packetsSent > 50, `packetsSent ${s.outbound.packetsSent} > 50`);
      assert.ok(s.inbound.packetsReceived > 50, `packetsReceived ${s.inbound.packetsReceived} > 50`);
      assert.ok(s.inbound.totalAudioEnergy > 0, `totalAudioEnergy ${s.inbound.totalAudioEnergy} > 0`);
      assert.ok(await maxAudioLevel(page, 2000) > 0, 'received audio level > 0');
      const level = Number(await page.getAttribute('#remote-meter', 'data-peak'));
      assert.ok(level > 0, `the remote level meter moves (${level})`);
      const mic = Number(await page.getAttribute('#mic-meter', 'data-peak'));
      assert.ok(mic > 0, `the mic level meter moves (${mic})`);

      // DTMF from the dial pad: telephone-event was negotiated, so the
      // digits go in the media (RTCDTMFSender), not as dtmf messages; mute, hold.
      await page.click('#dialpad button[data-key="5"]');
      await page.click('#dialpad button[data-key="#"]');
      await page.waitForFunction(() => /DTMF # \(/.test(document.querySelector('#log').textContent),
        null, { timeout: 5000 });
      assert.deepEqual(sent('dtmf'), []);
      assert.match(await page.textContent('#log'), /DTMF 5 \(in the media, RFC 4733\)/);
      assert.match(await page.textContent('#log'), /DTMF # \(in the media, RFC 4733\)/);
      await page.click('#mute');
      assert.equal(await page.evaluate(() => window.phone.call.localStream.getAudioTracks()[0].enabled), false);
      assert.equal(await page.getAttribute('#mute', 'aria-pressed'), 'true');
      await page.click('#mute');
      assert.equal(await page.evaluate(() => window.phone.call.localStream.getAudioTracks()[0].enabled), true);
      await page.click('#hold');
      await waitStatus('held');
      await page.click('#hold');
      await waitStatus('in-call');

      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      t.diagnostic(`screenshot: ${SCREENSHOT}`);

      // Hang up: the page's hangup event carries the gateway's code.
      const ended = page.evaluate(() => new Promise((r) =>
        window.phone.call.addEventListener('hangup', (e) => r({ code: e.code, reason: e.reason }))));
      await page.click('#hangup');
      assert.deepEqual(await ended, { code: 200, reason: 'normal' });
      await waitStatus('ended');
      assert.match(await status(), /ended: call ended/);
      assert.equal(sent('hangup').at(-1).call, call.call);
    });
  });

  test('a gateway error on a call is shown in plain words', async (t) => {
    await withScreenshot(t, page, async () => {
      callMode = 'no-route';
      try {
        await page.fill('#target', '+4412345');
        await page.click('#call');
        await waitStatus('ended');
        assert.equal(await page.getAttribute('#error', 'data-code'), 'no-route');
        assert.equal(await page.textContent('#error'), 'There is no route to that number.');
        assert.match(await status(), /no route/);
      } finally {
        callMode = 'answer';
      }
    });
  });

  test('a connection-level error event (bad-json) is shown and the connection stays up', async (t) => {
    await withScreenshot(t, page, async () => {
      const ws = server.sockets.filter((s) => s.open).at(-1);
      ws.send({ type: 'error', code: 'bad-json', message: 'mock: the frame is not a JSON object' });
      await page.waitForSelector('#error[data-code="bad-json"]');
      const rtt = await page.evaluate(() => window.phone.client.ping());
      assert.ok(rtt >= 0);
    });
  });

  test('a wrong DTLS fingerprint ends the call with dtls-failed, shown on the page', async (t) => {
    await withScreenshot(t, page, async () => {
      await page.evaluate(() => {
        // Flip the first hex byte of the fingerprint in the SDP sent.
        window.phone.sdpTransform = (sdp) => sdp.replace(/^(a=fingerprint:\S+ )([0-9A-F]{2})/m,
          (_, p, b) => p + (b === '00' ? '11' : '00'));
      });
      try {
        await page.fill('#target', 'echo');
        await page.click('#call');
        await waitStatus('ended', 30000);
        const call = sent('call').at(-1);
        assert.ok(call.sdp.includes('a=fingerprint:'));
        assert.equal(await page.getAttribute('#error', 'data-code'), 'dtls-failed');
        assert.match(await page.textContent('#error'), /secure media connection \(DTLS\)/);
        assert.match(await status(), /DTLS/);
      } finally {
        await page.evaluate(() => { window.phone.sdpTransform = null; });
      }
    });
  });

  test('trickle mode sends candidate and end-of-candidates messages', async (t) => {
    await withScreenshot(t, page, async () => {
      await page.evaluate(() => { window.phone.trickle = true; });
      try {
        const before = sent('candidate').length;
        await page.click('#call');
        await waitStatus('in-call');
        const call = sent('call').at(-1);
        await waitUntil(() => sent('end-of-candidates').some((m) => m.call === call.call),
          'end-of-candidates sent');
        const cands = sent('candidate').slice(before).filter((m) => m.call === call.call);
        const offerHasCandidates = /^a=candidate:/m.test(call.sdp);
        assert.ok(cands.length > 0 || offerHasCandidates, 'candidates sent');
        for (const c of cands) {
          assert.match(c.candidate, /^candidate:/);
          assert.equal(typeof c.sdpMLineIndex, 'number');
        }
        assert.equal(sent('end-of-candidates').filter((m) => m.call === call.call).length, 1);
        await page.click('#hangup');
        await waitStatus('ended');
      } finally {
        await page.evaluate(() => { window.phone.trickle = undefined; });
      }
    });
  });
});
