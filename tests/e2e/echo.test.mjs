// E2E scenario: the demo web phone calls the gateway's built-in `echo`
// service, plus protocol-error cases, with real Chromium in the lab.
//
// Needs the whole gateway: tools/lab.sh start, then from the host
//   tests/e2e/run.sh --netns web echo.test.mjs
// (Chromium's traffic must go through the lab: namespace `web`, towards
// 198.51.100.1).  Skips with a message when the gateway is not reachable.
//
// Note: the reachability probe is http://198.51.100.1:8080/, but the phone is
// opened at https://198.51.100.1:8443/ (lib/gateway.mjs PHONE_URL): browsers
// allow getUserMedia only in secure contexts, and http://198.51.100.1 is not.

import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { loginMessage } from './lib/auth.mjs';
import { launchBrowser, login, statsSummary, statsWithMedia, maxAudioLevel, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, PHONE_URL } from './lib/gateway.mjs';
import { waitCdr } from './lib/cdr.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
// Under lab_echo.sh (CI) the gateway was started for these tests: not
// reaching it is a failure, never a skip.
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e echo: ${skip}`);

/** @type {Awaited<ReturnType<typeof launchBrowser>>} */
let browser;
/** @type {import('playwright-core').Page} */
let page;

const waitStatus = (state, timeout = 15000) =>
  page.waitForFunction((s) => document.querySelector('#status').dataset.state === s, state, { timeout });

/** Call `target` from the demo page and wait until it is answered. */
async function dialAndWait(target = 'echo') {
  await page.fill('#target', target);
  await page.click('#call');
  await waitStatus('in-call');
}

/** A failed test must not leave a call up for the next one. */
async function resetPhone() {
  const live = await page.evaluate(() => !!window.phone.call && !['ended', 'failed'].includes(window.phone.call.state));
  if (live) await page.evaluate(() => window.phone.call.hangup().catch(() => {}));
  await page.waitForFunction(() => !document.querySelector('#call').disabled, null, { timeout: 10000 })
    .catch(() => {});
}

/** Hang up from the page; resolves with the hangup event's {code, reason}. */
async function hangupFromPage() {
  const ended = page.evaluate(() => new Promise((r) =>
    window.phone.call.addEventListener('hangup', (e) => r({ code: e.code, reason: e.reason }))));
  await page.click('#hangup');
  const e = await ended;
  await waitStatus('ended');
  return e;
}

/**
 * Open a second WebSocket from the page (same origin, `/ws`) and send raw
 * frames; each step waits for the next message (up to `wait` ms).
 * @param {Array<{send: string, wait?: number}>} steps
 * @returns {Promise<{replies: Array<object|null>, open: boolean}>}
 */
function rawSession(steps) {
  return page.evaluate(async (steps) => {
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
    const ws = new WebSocket(url, 'trapeze-jsep.v1');
    await new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error('raw ws failed')); });
    const queue = [];
    let waiter = null;
    ws.onmessage = (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch { m = { unparsable: e.data }; }
      if (waiter) { const w = waiter; waiter = null; w(m); } else queue.push(m);
    };
    const next = (ms) => (queue.length ? Promise.resolve(queue.shift())
      : new Promise((r) => { waiter = r; setTimeout(() => { if (waiter === r) { waiter = null; r(null); } }, ms); }));
    const replies = [];
    for (const s of steps) {
      ws.send(s.send);
      replies.push(await next(s.wait ?? 3000));
    }
    const open = ws.readyState === WebSocket.OPEN;
    ws.close();
    return { replies, open };
  }, steps);
}

describe('e2e: echo call through the gateway', { skip }, () => {
  before(async () => {
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    page = await browser.openPhone(PHONE_URL);
    await login(page, 'e2e-echo');
  });

  after(async () => {
    if (browser) await browser.close();
  });

  afterEach(async () => {
    if (page) await resetPhone();
  });

  test('echo: ICE + DTLS connected, audio both ways, clean hangup', async (t) => {
    await withScreenshot(t, page, async () => {
      await dialAndWait('echo');
      const s = await statsWithMedia(page, 51);
      t.diagnostic(`stats: ${JSON.stringify(s)}`);
      assert.equal(s.pc.connectionState, 'connected');
      assert.ok(['connected', 'completed'].includes(s.pc.iceConnectionState), `ICE ${s.pc.iceConnectionState}`);
      assert.equal(s.transport?.dtlsState, 'connected');
      assert.equal(s.candidatePair?.state, 'succeeded');
      assert.match(s.candidatePair.remote, /^198\.51\.100\.1:/, 'media to the gateway\'s access address');
      assert.ok(s.outbound.packetsSent > 50, `packetsSent ${s.outbound.packetsSent} > 50`);
      assert.ok(s.inbound.packetsReceived > 50, `packetsReceived ${s.inbound.packetsReceived} > 50`);
      // The fake microphone beeps; the echo sends it back.
      assert.ok(s.inbound.totalAudioEnergy > 0, `totalAudioEnergy ${s.inbound.totalAudioEnergy} > 0`);
      assert.ok(await maxAudioLevel(page, 2000) > 0, 'received audio level > 0');

      // The media crossed the DPDK dataplane: the echo flow of this call is
      // in the session table and its SRTP was decrypted and re-encrypted by
      // the fast path (packets counted, nothing dropped).
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.xform === 'echo');
      t.diagnostic(`show sessions: ${JSON.stringify(flows)}`);
      assert.equal(flows.length, 1, 'one echo flow in the dataplane');
      assert.equal(flows[0].in_port, 'access');
      assert.match(flows[0].from, new RegExp(`^${s.candidatePair.local.split('/')[0].replace(/\./g, '\\.')}$`),
        'the flow is keyed on the browser\'s address');
      assert.ok(flows[0].packets > 50, `dataplane echoed ${flows[0].packets} packets > 50`);
      assert.equal(flows[0].drops, 0, 'no SRTP drops');
      const stats = await trapezectl(['show', 'dataplane', 'stats']);
      assert.ok(stats.media_rx > 50 && stats.media_tx > 50, `media_rx ${stats.media_rx}, media_tx ${stats.media_tx}`);
      const calls = await trapezectl(['show', 'calls']);
      assert.equal(calls.length, 1);
      assert.equal(calls[0].state, 'connected');
      t.diagnostic(`set-up (offer -> DTLS connected): ${calls[0].setup_ms} ms`);

      const e = await hangupFromPage();
      assert.equal(e.code, 200);
      assert.match(await page.textContent('#status'), /^ended/);
      // Hang-up removed the session from the dataplane.
      assert.deepEqual((await trapezectl(['show', 'sessions'])).filter((f) => f.xform === 'echo'), []);
      assert.deepEqual(await trapezectl(['show', 'calls']), []);

      // Its call detail record (docs/cdr.md): echo, no trunk, the echoed packets.
      const cdr = await waitCdr((c) => c.call_id === calls[0].call, `echo call ${calls[0].call}`);
      t.diagnostic(`cdr: ${JSON.stringify(cdr)}`);
      assert.equal(cdr.direction, 'echo');
      assert.equal(cdr.to, 'echo');
      assert.equal(cdr.user, calls[0].user);
      assert.equal(cdr.trunk, null);
      assert.equal(cdr.sip_media, null);
      assert.equal(cdr.code, 200);
      assert.equal(cdr.ended_by, 'web');
      assert.ok(cdr.pkts_from_web > 50 && cdr.pkts_to_web > 50, `${cdr.pkts_from_web} packets echoed`);
      assert.equal(cdr.drops_from_web, 0);
      assert.equal(cdr.lost_from_web, 0);          // a clean lab call
      assert.equal(cdr.loss_pct_from_web, 0);
      assert.equal(cdr.lost_from_sip, null);       // echo: no SIP side
      assert.ok(cdr.setup_ms >= 0 && cdr.srtp, `setup ${cdr.setup_ms} ms, ${cdr.srtp}`);
    });
  });

  test('malformed JSON and an oversized frame: protocol errors, connection and a parallel call survive', async (t) => {
    await withScreenshot(t, page, async () => {
      await dialAndWait('echo');
      const before = await statsWithMedia(page, 1);

      const big = JSON.stringify({ type: 'ping', id: 7, pad: 'x'.repeat(70 * 1024) }); // > ws_max_message 64k
      const r = await rawSession([
        { send: '{"type": "ping", "id": ' },            // not JSON
        { send: '[1, 2, 3]' },                           // JSON, not an object
        { send: big },                                   // too big
        { send: '{"type":"ping","id":42}' },             // still alive?
      ]);
      t.diagnostic(`raw replies: ${JSON.stringify(r.replies)}`);
      assert.equal(r.replies[0]?.type, 'error');
      assert.equal(r.replies[0].code, 'bad-json');
      assert.equal(r.replies[1]?.type, 'error');
      assert.equal(r.replies[1].code, 'bad-json');
      assert.equal(r.replies[2]?.type, 'error');
      assert.equal(r.replies[2].code, 'too-big');
      assert.deepEqual(r.replies[3], { type: 'pong', id: 42 });
      assert.ok(r.open, 'the raw connection is still open');

      // Garbage on the phone's own connection: an error event, nothing breaks.
      const err = page.evaluate(() => new Promise((res) =>
        window.phone.client.addEventListener('error', (e) => res(e.code), { once: true })));
      await page.evaluate(() => window.phone.client.ws.send('this is not json'));
      assert.equal(await err, 'bad-json');
      assert.ok(await page.evaluate(() => window.phone.client.ping()) >= 0, 'ping still answered');

      const after = await waitUntil(async () => {
        const st = await statsSummary(page);
        return st.inbound.packetsReceived > before.inbound.packetsReceived + 25 && st;
      }, 'more packets on the call').catch(() => statsSummary(page));
      assert.equal(after.pc.connectionState, 'connected');
      assert.ok(after.inbound.packetsReceived > before.inbound.packetsReceived + 25,
        `the call keeps receiving (${before.inbound.packetsReceived} -> ${after.inbound.packetsReceived})`);
      assert.equal(await page.evaluate(() => window.phone.call?.state), 'answered');
      assert.equal((await hangupFromPage()).code, 200);
    });
  });

  test('bad SDP: bad-sdp error', async (t) => {
    await withScreenshot(t, page, async () => {
      // Raw, on a second connection.
      const r = await rawSession([
        { send: JSON.stringify(loginMessage('e2e-raw')) },
        { send: JSON.stringify({ type: 'call', id: 2, call: 'bad1', target: 'echo', sdp: 'v=0\r\nthis is not SDP\r\n' }) },
        { send: JSON.stringify({ type: 'ping', id: 3 }) },
      ]);
      t.diagnostic(`raw replies: ${JSON.stringify(r.replies)}`);
      assert.equal(r.replies[0]?.type, 'login-ok');
      assert.equal(r.replies[1]?.type, 'error');
      assert.equal(r.replies[1].code, 'bad-sdp');
      assert.equal(r.replies[1].id, 2);
      assert.deepEqual(r.replies[2], { type: 'pong', id: 3 });

      // Through the page: the user sees it in plain words.
      await page.evaluate(() => { window.phone.sdpTransform = () => 'v=0\r\nthis is not SDP\r\n'; });
      try {
        await page.fill('#target', 'echo');
        await page.click('#call');
        await waitStatus('ended');
        assert.equal(await page.getAttribute('#error', 'data-code'), 'bad-sdp');
        assert.ok(await page.isVisible('#error'));
      } finally {
        await page.evaluate(() => { window.phone.sdpTransform = null; });
      }
    });
  });

  test('wrong DTLS fingerprint: the call fails cleanly with dtls-failed, shown on the page', async (t) => {
    await withScreenshot(t, page, async () => {
      await page.evaluate(() => {
        window.phone.errors.length = 0;
        // Flip the first byte of the offer's fingerprint (the local
        // description keeps the real one: only the gateway sees the lie).
        window.phone.sdpTransform = (sdp) => sdp.replace(/^(a=fingerprint:\S+ )([0-9A-F]{2})/m,
          (_, p, b) => p + (b === '00' ? '11' : '00'));
      });
      try {
        const ended = page.evaluate(() => new Promise((res) => {
          const watch = () => {
            const c = window.phone.call;
            if (!c) { setTimeout(watch, 20); return; }
            c.addEventListener('hangup', (e) => res({ code: e.code, reason: e.reason }));
          };
          watch();
        }));
        await page.fill('#target', 'echo');
        await page.click('#call');
        const e = await ended;
        t.diagnostic(`hangup: ${JSON.stringify(e)}`);
        assert.deepEqual(e, { code: 0, reason: 'dtls-failed' });
        await waitStatus('ended');
        const codes = await page.evaluate(() => window.phone.errors.map((x) => x.code));
        assert.ok(codes.includes('dtls-failed'), `errors shown: ${codes}`);
        assert.match(await page.textContent('#error'), /DTLS/);
        assert.ok(await page.isVisible('#error'));
        // The connection is fine afterwards.
        assert.ok(await page.evaluate(() => window.phone.client.ping()) >= 0);
      } finally {
        await page.evaluate(() => { window.phone.sdpTransform = null; });
      }
    });
  });
  // The browser disappears mid-call (tab killed, network gone): no hangup
  // arrives, media and consent checks stop.  The gateway notices the silence
  // and removes the session after limits.media_timeout_s (the lab runs the
  // e2e suite with 5 s).
  test('browser vanishing mid-call: session removed after the media timeout', async (t) => {
    const other = await browser.openPhone(PHONE_URL);
    await login(other, 'e2e-vanish');
    await other.fill('#target', 'echo');
    await other.click('#call');
    await other.waitForFunction(() => document.querySelector('#status').dataset.state === 'in-call',
      null, { timeout: 15000 });
    await waitUntil(async () => (await trapezectl(['show', 'calls']))
      .some((c) => c.user === 'e2e-vanish' && c.state === 'connected'), 'the call connected in show calls');
    // Freeze the page's media without telling the gateway: stop the peer
    // connection's transport from JS would send nothing either, but a
    // closed WebSocket would end the call at once, so keep the socket and
    // silence the media.
    await other.evaluate(() => window.phone.call.pc.getSenders().forEach((s) => s.track && s.track.stop()));
    await other.evaluate(() => window.phone.call.pc.close());
    const gone = await waitUntil(async () => !(await trapezectl(['show', 'calls']))
      .some((c) => c.user === 'e2e-vanish'), 'the call to end', { timeout: 20000, interval: 500 })
      .catch(() => false);
    assert.ok(gone, 'the call ended by itself');
    assert.deepEqual((await trapezectl(['show', 'sessions'])).filter((f) => f.xform === 'echo'), []);
    await other.close();
  });
});
