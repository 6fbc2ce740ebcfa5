// E2E: Kamailio (Debian's package) as registrar and proxy in front of the
// gateway, as a carrier's SIP core would be.  A web user logs in on the demo
// page with SIP credentials (alice/secret, domain 203.0.113.3 = the trunk
// lab-kam): the gateway REGISTERs her at Kamailio with digest auth and her own
// Contact <sip:alice@203.0.113.1;tz=TOKEN>.  A sipp caller in namespace sip
// calls alice THROUGH Kamailio, which forwards the INVITE to that contact: the
// browser rings, accepts, audio flows both ways through the dataplane, BYE.
// A forged contact token gets 404; logout un-REGISTERs (the binding is gone);
// a wrong password is auth-failed with Kamailio's 403.  Run by lab_echo.sh.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchBrowser, login, statsWithMedia, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, PHONE_URL } from './lib/gateway.mjs';
import { startKamailio, KAM_IP } from './lib/kamailio.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, GW_SIP } from './lib/sipp.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e kamailio: ${skip}`);

const SCEN = (f) => path.join(REPO, 'tests/sip/kamailio', f);
const CONTACT = /^sip:alice@203\.0\.113\.1(:5060)?;(.*;)?tz=[0-9a-f]{32}(;|$)/;

let kam;
let browser;
let page;

/** Log in on the demo page's SIP fields (under "Token or SIP account");
 *  resolves with the time the Log in button was clicked. */
async function sipLogin(user, password) {
  if (!(await page.evaluate(() => document.querySelector('#login-form details').open))) {
    await page.click('#login-form details summary');
  }
  await page.fill('#user', user);           // the form requires a name
  await page.fill('#sip-user', user);
  await page.fill('#sip-password', password);
  await page.fill('#sip-domain', KAM_IP);
  const t0 = Date.now();
  await page.click('#login');
  return t0;
}

const waitStatus = (state, timeout = 15000) =>
  page.waitForFunction((s) => document.querySelector('#status').dataset.state === s, state, { timeout });

describe('e2e: Kamailio as registrar and proxy', { skip }, () => {
  before(async () => {
    kam = await startKamailio();
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    page = await browser.openPhone(PHONE_URL);
  });

  after(async () => {
    if (browser) await browser.close();
    if (kam) {
      if (process.exitCode) console.error(`# Kamailio log (last 40 lines):\n#   ${kam.log().split('\n').slice(-40).join('\n#   ')}`);
      await kam.stop();
    }
  });

  test('login with SIP credentials: REGISTER with digest at Kamailio, a contact of her own', async (t) => {
    await withScreenshot(t, page, async () => {
      const t0 = await sipLogin('alice', 'secret');
      await page.waitForFunction(() => !document.querySelector('#call').disabled, null, { timeout: 15000 });
      t.diagnostic(`login with SIP credentials (REGISTER, 401, REGISTER, 200) took ${Date.now() - t0} ms`);
      const contacts = await waitUntil(async () => {
        const c = await kam.contacts('alice');
        return c.length > 0 && c;
      }, 'alice bound at Kamailio');
      t.diagnostic(`Kamailio usrloc: alice -> ${contacts.join(', ')}`);
      assert.equal(contacts.length, 1);
      assert.match(contacts[0], CONTACT, 'the contact names alice and this registration');
      await kam.waitLog(/REGISTER sip:alice@203\.0\.113\.3 contact .*saved/);
    });
  });

  test('sipp calls alice through Kamailio: incoming, accept, audio both ways, BYE', async (t) => {
    const t0 = Date.now();
    const uac = sipp(SCEN('uac_call.xml'), ['-s', 'alice', '-mi', '203.0.113.2', '-mp', '6200',
      '-rtp_echo', '-d', '5000', `${KAM_IP}:5060`], '5064');
    await withScreenshot(t, page, async () => {
      // The caller gives up first when the call fails on the way (e.g. the
      // gateway answered the forwarded INVITE 404): say so, with sipp's words.
      const rang = page.waitForSelector('#incoming:not([hidden])', { timeout: 15000 });
      const failed = uac.done.then((r) => { throw new Error(`the call failed before ringing: ${r.err.slice(0, 800)}`); });
      failed.catch(() => {});
      await Promise.race([rang, failed]);
      const tRing = Date.now();
      assert.match(await page.textContent('#incoming-text'), /sipp@203\.0\.113\.2/);
      const line = await kam.waitLog(/INVITE for alice goes to its contact/);
      assert.match(line.replace(/.*its contact /, ''), CONTACT);
      const ended = page.evaluate(() => new Promise((r) =>
        window.phone.call.addEventListener('hangup', (e) => r(e.code))));
      const tAccept = Date.now();
      await page.click('#accept');
      await waitStatus('in-call');
      t.diagnostic(`INVITE via Kamailio -> ringing in the browser: ${tRing - t0} ms (incl. sipp start); `
        + `accept -> in-call (200, ACK, DTLS): ${Date.now() - tAccept} ms`);
      const s = await statsWithMedia(page, 51);
      t.diagnostic(`stats: ${JSON.stringify(s)}`);
      assert.ok(s.inbound.packetsReceived > 50, `packetsReceived ${s.inbound.packetsReceived}`);
      assert.ok(s.outbound.packetsSent > 50, `packetsSent ${s.outbound.packetsSent}`);
      const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === 'alice');
      assert.equal(call?.state, 'connected');
      const bothWays = (fl) => fl.find((f) => f.xform === 'srtp>rtp' && f.to === '203.0.113.2:6200')?.packets > 50
        && fl.find((f) => f.xform === 'rtp>srtp' && f.from === '203.0.113.2:6200')?.packets > 50 && fl;
      const flows = await waitUntil(async () => bothWays((await trapezectl(['show', 'sessions']))
        .filter((f) => f.session === call.call)), 'more than 50 packets each way in the call\'s flows')
        .catch(async (e) => { t.diagnostic(`flows: ${JSON.stringify(await trapezectl(['show', 'sessions']))}`); throw e; });
      t.diagnostic(`flows: ${JSON.stringify(flows)}`);
      assert.equal(await ended, 200, 'the caller hung up: BYE through Kamailio -> hangup 200');
      const r = await uac.done;
      assert.equal(r.code, 0, `sipp saw 180, 200 and the 200 to its BYE via Kamailio: ${r.err}`);
      assert.deepEqual((await trapezectl(['show', 'calls'])).filter((c) => c.user === 'alice'), []);
    });
    uac.kill();
  });

  test('another web user\'s INVITE and 180 do not carry alice\'s registration contact', async (t) => {
    const other = await browser.context.newPage();
    const pbx = sipp(SCEN('uas_busy_contact.xml'));
    try {
      await pbx.ready;
      await other.goto(PHONE_URL, { waitUntil: 'load' });
      await other.waitForFunction(() => window.phone && window.phone.ready, null, { timeout: 10000 });
      await login(other, 'e2e-kam-other');
      const ended = other.evaluate(() => new Promise((r) => {
        const grab = () => {
          const c = window.phone.call;
          if (!c || c.state === 'ended') { setTimeout(grab, 20); return; }
          c.addEventListener('hangup', (e) => r(e.code));
        };
        grab();
      }));
      await other.fill('#target', '+442079460486');
      await other.click('#call');
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX saw no tz= in the INVITE's Contact: ${r.err.slice(0, 800)}`);
      assert.equal(await ended, 486);

      // And the other way: the 180 to a caller of e2e-kam-other.
      const uac = sipp(SCEN('uac_ring_cancel_contact.xml'), ['-s', 'e2e-kam-other', '-mi', '203.0.113.2',
        '-mp', '6220', GW_SIP], '5068');
      const r2 = await uac.done;
      assert.equal(r2.code, 0, `the caller saw no tz= in the 180's Contact: ${r2.err.slice(0, 800)}`);
    } finally {
      pbx.kill();
      await other.close();
      await page.bringToFront();
    }
  });

  test('a Request-URI with a contact token no login holds: 404, counted, no ringing', async (t) => {
    const before = await trapezectl(['show', 'sip', 'stats']);
    const r = await sipp(SCEN('uac_stale_contact.xml'), ['-s', 'alice', '-mi', '203.0.113.2',
      '-mp', '6210', GW_SIP], '5066').done;
    assert.equal(r.code, 0, `sipp expected 404: ${r.err}`);
    const after = await trapezectl(['show', 'sip', 'stats']);
    assert.equal(after.incoming_stale_contact - before.incoming_stale_contact, 1);
    assert.equal(await page.evaluate(() => document.querySelector('#incoming').hidden), true);
  });

  test('logout un-REGISTERs: the binding is gone at Kamailio', async (t) => {
    await withScreenshot(t, page, async () => {
      await page.click('#login');                      // "Log out"
      await page.waitForFunction(() => document.querySelector('#call').disabled, null, { timeout: 10000 });
      await waitUntil(async () => (await kam.contacts('alice')).length === 0,
        'alice\'s binding removed at Kamailio');
    });
  });

  test('a wrong SIP password: auth-failed naming Kamailio\'s 403', async (t) => {
    await withScreenshot(t, page, async () => {
      const n = await page.evaluate(() => window.phone.errors.length);
      await sipLogin('alice', 'wrong');
      const err = await waitUntil(() => page.evaluate((n) => window.phone.errors[n], n),
        'an error on the page');
      t.diagnostic(`error: ${JSON.stringify(err)}`);
      assert.equal(err.code, 'auth-failed');
      assert.match(err.text, /403/);
      assert.equal(await page.evaluate(() => document.querySelector('#call').disabled), true);
      assert.deepEqual(await kam.contacts('alice'), []);
    });
  });
});
