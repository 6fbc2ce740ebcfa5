// E2E: calls from the demo web phone to the SIP side of the lab.  A real
// sipp in namespace `sip` (203.0.113.2:5060, the lab's trunk `lab-pbx`)
// plays the PBX: it answers and echoes RTP, or answers 486.  Chromium runs in
// namespace `web`; media crosses the DPDK dataplane: browser SRTP -> RTP to
// sipp, sipp's RTP -> SRTP to the browser.  Run by lab_echo.sh (CI).

import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchBrowser, login, statsSummary, statsWithMedia, maxAudioLevel, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, PHONE_URL } from './lib/gateway.mjs';
import { REPO } from './lib/server.mjs';
import { sipp as pbx } from './lib/sipp.mjs';
import { waitUntil } from './lib/wait.mjs';
import { waitCdr } from './lib/cdr.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e sip: ${skip}`);

let browser;
let page;

const waitStatus = (state, timeout = 15000) =>
  page.waitForFunction((s) => document.querySelector('#status').dataset.state === s, state, { timeout });

describe('e2e: calls to the SIP side', { skip }, () => {
  before(async () => {
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    page = await browser.openPhone(PHONE_URL);
    await login(page, 'e2e-sip');
  });

  after(async () => {
    if (browser) await browser.close();
  });

  afterEach(async () => {
    await page.evaluate(() => window.phone.call && window.phone.call.state !== 'ended'
      && window.phone.call.hangup().catch(() => {}));
  });

  test('browser calls a number: INVITE to the trunk, ringing, answered, audio both ways, BYE', async (t) => {
    const sipp = pbx(path.join(REPO, 'tests/sip/lab/uas_echo.xml'),
      ['-mi', '203.0.113.2', '-mp', '6000', '-rtp_echo']);
    await sipp.ready;
    await withScreenshot(t, page, async () => {
      const events = page.evaluate(() => new Promise((r) => {
        const seen = [];
        const grab = () => {
          const c = window.phone.call;
          if (!c) { setTimeout(grab, 20); return; }
          c.addEventListener('ringing', () => seen.push('ringing'));
          c.addEventListener('answered', () => { seen.push('answered'); r(seen); });
        };
        grab();
      }));
      await page.fill('#target', '+4420794600');
      await page.click('#call');
      assert.deepEqual(await events, ['ringing', 'answered']);
      const s = await statsWithMedia(page, 51);
      t.diagnostic(`stats: ${JSON.stringify(s)}`);
      assert.equal(s.transport?.dtlsState, 'connected');
      assert.ok(s.outbound.packetsSent > 50, `packetsSent ${s.outbound.packetsSent}`);
      assert.ok(s.inbound.packetsReceived > 50, `packetsReceived ${s.inbound.packetsReceived} (sipp echo)`);
      assert.ok(await maxAudioLevel(page, 2000) > 0, 'the browser hears its audio back from the PBX');

      // Three flows in the dataplane: browser SRTP -> RTP to the PBX, PBX RTP
      // and RTCP -> SRTP to the browser; both directions carried packets.
      const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === 'e2e-sip');
      assert.equal(call?.state, 'connected');
      const bothWays = (fl) => fl.find((f) => f.xform === 'srtp>rtp')?.packets > 50
        && fl.find((f) => f.xform === 'rtp>srtp' && f.from.startsWith('203.0.113.2:6000'))?.packets > 50 && fl;
      const flows = await waitUntil(async () => bothWays((await trapezectl(['show', 'sessions']))
        .filter((f) => f.session === call.call)), 'more than 50 packets each way in the call\'s flows')
        .catch(async (e) => { t.diagnostic(`flows: ${JSON.stringify(await trapezectl(['show', 'sessions']))}`); throw e; });
      t.diagnostic(`flows: ${JSON.stringify(flows)}`);
      const toSip = flows.find((f) => f.xform === 'srtp>rtp');
      const fromSip = flows.find((f) => f.xform === 'rtp>srtp' && f.from.startsWith('203.0.113.2:6000'));
      assert.ok(toSip && toSip.in_port === 'access' && toSip.to === '203.0.113.2:6000', 'browser -> PBX flow');
      assert.ok(fromSip && fromSip.in_port === 'core', 'PBX -> browser flow');
      assert.ok(toSip.packets > 50 && fromSip.packets > 50, `${toSip.packets} / ${fromSip.packets} packets`);
      assert.equal(toSip.drops + fromSip.drops, 0);

      const ended = page.evaluate(() => new Promise((r) =>
        window.phone.call.addEventListener('hangup', (e) => r(e.code))));
      await page.click('#hangup');
      assert.equal(await ended, 200);
      const r = await sipp.done;
      assert.equal(r.code, 0, `sipp saw the whole call incl. our BYE: ${r.err}`);
      assert.deepEqual((await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call), []);

      // Its call detail record (docs/cdr.md): who, where, 200, packets both ways.
      const cdr = await waitCdr((c) => c.call_id === call.call, `call ${call.call}`);
      t.diagnostic(`cdr: ${JSON.stringify(cdr)}`);
      assert.equal(cdr.tenant, 'default');
      assert.equal(cdr.user, 'e2e-sip');
      assert.equal(cdr.to, '+4420794600');
      assert.equal(cdr.direction, 'web-to-sip');
      assert.equal(cdr.trunk, 'lab-pbx');
      assert.equal(cdr.code, 200);
      assert.equal(cdr.ended_by, 'web');
      assert.ok(cdr.pkts_from_web > 50 && cdr.pkts_to_web > 50,
        `packets ${cdr.pkts_from_web} from / ${cdr.pkts_to_web} to the browser`);
      // a clean lab call: no RTP lost on the way to the gateway, either way
      assert.equal(cdr.lost_from_web, 0);
      assert.equal(cdr.lost_from_sip, 0);
      assert.equal(cdr.loss_pct_from_web, 0);
      assert.equal(cdr.loss_pct_from_sip, 0);
      assert.ok(cdr.setup_ms >= 0 && cdr.media_setup_ms >= 0 && cdr.duration_ms > 0);
      assert.ok(Date.parse(cdr.offer_time) <= Date.parse(cdr.answer_time)
        && Date.parse(cdr.answer_time) <= Date.parse(cdr.end_time));
      assert.match(cdr.end_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(cdr.srtp && cdr.codec, `srtp ${cdr.srtp}, codec ${cdr.codec}`);
    });
    sipp.kill();
  });

  test('the PBX answers 486: the browser gets hangup 486 and no media is left', async (t) => {
    const sipp = pbx(path.join(REPO, 'tests/sip/scenarios/uas_busy.xml'));
    await sipp.ready;
    await withScreenshot(t, page, async () => {
      await page.waitForFunction(() => !document.querySelector('#call').disabled, null, { timeout: 10000 });
      const ended = page.evaluate(() => new Promise((r) => {
        const grab = () => {
          const c = window.phone.call;
          if (!c || c.state === 'ended') { setTimeout(grab, 20); return; }
          c.addEventListener('hangup', (e) => r({ code: e.code, reason: e.reason }));
        };
        grab();
      }));
      await page.fill('#target', '1001');
      await page.click('#call');
      const e = await ended;
      t.diagnostic(`hangup: ${JSON.stringify(e)}`);
      assert.equal(e.code, 486);
      assert.equal((await sipp.done).code, 0);
      assert.deepEqual((await trapezectl(['show', 'calls'])).filter((c) => c.user === 'e2e-sip'), []);
      const cdr = await waitCdr((c) => c.user === 'e2e-sip' && c.to === '1001', 'the busy call');
      assert.equal(cdr.code, 486);
      assert.equal(cdr.ended_by, 'sip');
      assert.equal(cdr.answer_time, null);
      assert.equal(cdr.duration_ms, 0);
    });
    sipp.kill();
  });
  test('the PBX calls the web user: incoming, accept, audio both ways, the PBX hangs up', async (t) => {
    const sipp = pbx(path.join(REPO, 'tests/sip/lab/uac_call.xml'),
      ['-s', 'e2e-sip', '-mi', '203.0.113.2', '-mp', '6100', '-rtp_echo', '-d', '5000', '203.0.113.1:5060'], '5062');
    await withScreenshot(t, page, async () => {
      await page.waitForSelector('#incoming:not([hidden])', { timeout: 15000 });
      assert.match(await page.textContent('#incoming-text'), /sipp@203\.0\.113\.2/);
      const ended = page.evaluate(() => new Promise((r) =>
        window.phone.call.addEventListener('hangup', (e) => r(e.code))));
      await page.click('#accept');
      await waitStatus('in-call');
      const s = await statsWithMedia(page, 51);
      t.diagnostic(`stats: ${JSON.stringify(s)}`);
      assert.ok(s.inbound.packetsReceived > 50, `packetsReceived ${s.inbound.packetsReceived}`);
      const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === 'e2e-sip');
      assert.equal(call?.state, 'connected');
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);
      t.diagnostic(`flows: ${JSON.stringify(flows)}`);
      assert.ok(flows.some((f) => f.xform === 'srtp>rtp' && f.to === '203.0.113.2:6100' && f.packets > 0));
      assert.ok(flows.some((f) => f.xform === 'rtp>srtp' && f.in_port === 'core' && f.packets > 0));
      assert.equal(await ended, 200, 'the PBX hung up: BYE -> hangup 200');
      const r = await sipp.done;
      assert.equal(r.code, 0, `sipp: ${r.err}`);
      const cdr = await waitCdr((c) => c.call_id === call.call, `incoming call ${call.call}`);
      t.diagnostic(`cdr: ${JSON.stringify(cdr)}`);
      assert.equal(cdr.direction, 'sip-to-web');
      assert.equal(cdr.user, 'e2e-sip');
      assert.equal(cdr.to, 'e2e-sip');
      assert.match(cdr.from, /sipp@203\.0\.113\.2/);
      assert.equal(cdr.code, 200);
      assert.equal(cdr.ended_by, 'sip');
      assert.ok(cdr.pkts_from_web > 0 && cdr.pkts_to_web > 0,
        `packets ${cdr.pkts_from_web} from / ${cdr.pkts_to_web} to the browser`);
    });
    sipp.kill();
  });
  // Registration on behalf of a web user: login with SIP credentials sends
  // REGISTER with digest auth to the trunk that registers web users (the lab
  // e2e config sets register_users on lab-pbx); login-ok only after the
  // registrar's 200; logout un-REGISTERs.  A wrong password is auth-failed.
  async function rawLogin(user, sip, logout) {
    return page.evaluate(async ({ user, sip, logout }) => {
      const ws = new WebSocket(`wss://${location.host}/ws`, 'trapeze-jsep.v1');
      await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
      const reply = await new Promise((res) => {
        ws.onmessage = (e) => res(JSON.parse(e.data));
        ws.send(JSON.stringify({ type: 'login', id: 1, user, sip }));
        setTimeout(() => res(null), 10000);
      });
      if (logout && reply?.type === 'login-ok') {
        // logout has no reply: a ping after it is answered once it was handled
        const pong = new Promise((res) => { ws.onmessage = (e) => res(JSON.parse(e.data)); });
        ws.send(JSON.stringify({ type: 'logout', id: 2 }));
        ws.send(JSON.stringify({ type: 'ping', id: 3 }));
        await pong;
      }
      ws.close();
      return reply;
    }, { user, sip, logout });
  }

  test('login with SIP credentials REGISTERs at the registrar; logout un-REGISTERs', async (t) => {
    const sipp = pbx(path.join(REPO, 'tests/sip/scenarios/reg_auth.xml'));
    await sipp.ready;
    const reply = await rawLogin('e2e-reg', { username: 'alice', password: 'secret' }, true);
    t.diagnostic(`reply: ${JSON.stringify(reply)}`);
    assert.equal(reply?.type, 'login-ok');
    const r = await sipp.done;
    assert.equal(r.code, 0, `the registrar saw REGISTER, the authenticated REGISTER and the un-REGISTER: ${r.err}`);
  });

  test('a wrong SIP password: auth-failed reaches the client', async (t) => {
    const sipp = pbx(path.join(REPO, 'tests/sip/scenarios/reg_auth.xml'));
    await sipp.ready;
    const reply = await rawLogin('e2e-reg2', { username: 'alice', password: 'wrong' }, false);
    t.diagnostic(`reply: ${JSON.stringify(reply)}`);
    assert.equal(reply?.type, 'error');
    assert.equal(reply.code, 'auth-failed');
    assert.match(reply.message, /403/);
    await sipp.done;
  });
});
