// E2E: who may log in.  Nothing but a signed token (from the enterprise's
// web application; here the lab's example issuer or a token minted with the
// lab's key) or SIP credentials logs in; the identity the far end sees comes
// from the token; failed logins back off per source IP; a token's targets
// restrict what it may call.  Run by lab_echo.sh inside namespace `web`:
// the deliberate failures come from extra addresses of web0 (198.51.100.11…)
// so the back-off they cause never touches the other scenarios.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, fetchPage } from './lib/gateway.mjs';
import { usePhone, nextCallEvent } from './lib/phone.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, capture } from './lib/sipp.mjs';
import { parsePcap } from './lib/rtp_events.mjs';
import { mintToken, loginMessage, rawClient } from './lib/auth.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e auth: ${skip}`);

const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
const EXTRA = ['198.51.100.11', '198.51.100.12', '198.51.100.13'];
const authStats = () => trapezectl(['show', 'auth']);
const delta = (a, b, k) => b[k] - a[k];
const SDP = 'v=0\r\no=- 1 1 IN IP4 198.51.100.10\r\ns=-\r\nt=0 0\r\n';

describe('e2e: login and identity', { skip }, () => {
  const phone = usePhone('e2e-auth');

  before(() => {
    for (const a of EXTRA) execFileSync('ip', ['addr', 'replace', `${a}/24`, 'dev', 'web0']);
  });
  after(() => {
    for (const a of EXTRA) {
      try { execFileSync('ip', ['addr', 'del', `${a}/24`, 'dev', 'web0']); } catch { /* gone */ }
    }
  });

  test('a bare login with a user name is refused, and nothing can be called', async () => {
    const before = await authStats();
    const r = await rawClient([
      { send: { type: 'login', id: 1, user: 'mallory' } },
      { send: { type: 'call', id: 2, call: 'c1', target: '+442079460000', sdp: SDP } },
    ], { source: EXTRA[0] });
    assert.equal(r.replies[0]?.code, 'auth-failed', JSON.stringify(r.replies));
    assert.match(r.replies[0].message, /token|SIP credentials/);
    assert.equal(r.replies[1]?.code, 'not-logged-in');
    assert.equal(delta(before, await authStats(), 'login_no_credentials'), 1);
  });

  test('the demo page logs in with a token from the example issuer', async () => {
    // usePhone logged the page in through its form: issuer, then token.
    assert.equal(await phone.page.textContent('#conn'), 'online as e2e-auth');
    const res = await fetchPage('https://198.51.100.1:8444/token?user=e2e-issued');
    assert.equal(res?.status, 200, 'the example issuer answers');
    const body = JSON.parse(res.body);
    const r = await rawClient([{ send: { type: 'login', id: 1, token: body.token } }]);
    assert.deepEqual(r.replies[0], { type: 'login-ok', id: 1, user: 'e2e-issued' });
  });

  test('bad tokens are refused with the reason, and counted', async () => {
    const before = await authStats();
    const good = mintToken('e2e-x');
    const cases = [
      [mintToken('e2e-x', { key: 'not-the-lab-key-0123456789abcdef0123' }), 'login_bad_signature'],
      [mintToken('e2e-x', { lifetime: -600 }), 'login_expired'],
      [`${good.split('.').slice(0, 2).join('.')}.`, 'login_bad_signature'],     // signature cut
      ['eyJhbGciOiJub25lIn0.eyJzdWIiOiJlMmUteCIsImV4cCI6NDEwMjQ0NDgwMH0.', 'login_bad_signature'],
      ['not a token', 'login_bad_token'],
    ];
    const r = await rawClient(cases.map(([token], i) => ({ send: { type: 'login', id: i + 1, token } })),
      { source: EXTRA[0] });
    const after = await authStats();
    cases.forEach((c, i) => assert.equal(r.replies[i]?.code, 'auth-failed', `case ${i}: ${JSON.stringify(r.replies[i])}`));
    assert.match(r.replies[1].message, /expired/);
    assert.equal(delta(before, after, 'login_bad_signature'), 3);
    assert.equal(delta(before, after, 'login_expired'), 1);
    assert.equal(delta(before, after, 'login_bad_token'), 1);
  });

  test('failed logins back off per source IP; another IP still logs in', async () => {
    const bad = mintToken('e2e-y', { key: 'wrong-key-wrong-key-wrong-key-wrong-key' });
    const before = await authStats();
    const r = await rawClient([
      ...[1, 2, 3, 4, 5].map((id) => ({ send: { type: 'login', id, token: bad } })),
      { send: loginMessage('e2e-y', 6) },
    ], { source: EXTRA[1] });
    assert.equal(r.replies[5]?.code, 'auth-failed', JSON.stringify(r.replies[5]));
    assert.match(r.replies[5].message, /too many failed logins; try again in \d+ s/);
    assert.equal(delta(before, await authStats(), 'login_throttled'), 1);
    const other = await rawClient([{ send: loginMessage('e2e-y') }], { source: EXTRA[2] });
    assert.equal(other.replies[0]?.type, 'login-ok', 'another address is not affected');
    // the back-off ends by itself
    await waitUntil(async () => (await rawClient([{ send: loginMessage('e2e-y') }],
      { source: EXTRA[1] })).replies[0]?.type === 'login-ok', 'a login from the backed-off IP',
    { timeout: 10000, interval: 500 });
  });

  test('a token limited to targets: other targets are forbidden', async () => {
    const before = await authStats();
    const r = await rawClient([
      { send: loginMessage('e2e-c2c', 1, { targets: ['echo', '+1800555*'] }) },
      { send: { type: 'call', id: 2, call: 'c1', target: '+442079460000', sdp: SDP } },
      { send: { type: 'call', id: 3, call: 'c2', target: 'echo', sdp: 'v=0\r\nnot sdp\r\n' } },
    ]);
    assert.equal(r.replies[0]?.type, 'login-ok');
    const byId = (id) => r.replies.find((m) => m.id === id);
    assert.equal(byId(2)?.code, 'forbidden', JSON.stringify(r.replies));
    assert.equal(byId(3)?.code, 'bad-sdp', 'an allowed target passes the check');
    assert.equal(delta(before, await authStats(), 'call_target_denied'), 1);
  });

  test('the far end sees the identity and name from the token, not what the page typed', async (t) => {
    const { page } = phone;
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', '203.0.113.2', '-mp', '6000', '-rtp_echo']);
    await pbx.ready;
    const cap = await capture('udp and dst host 203.0.113.2 and dst port 5060');
    let pcap;
    try {
      await withScreenshot(t, page, async () => {
        const token = mintToken('e2e-caller', { name: 'E2E Caller' });
        await page.evaluate(async (tk) => {
          await window.phone.client.logout();
          await window.phone.client.login({ token: tk, user: 'e2e-caller' });
        }, token);
        await page.waitForFunction(() => !document.querySelector('#call').disabled, null, { timeout: 10000 });
        const outcome = nextCallEvent(page, ['answered', 'hangup']);
        await page.fill('#target', '+442079460000');
        await page.click('#call');
        assert.equal((await outcome).type, 'answered');
        const ended = nextCallEvent(page, ['hangup']);
        await page.click('#hangup');
        assert.equal((await ended).code, 200);
        pcap = (await cap.stop()).buf;
        assert.equal((await pbx.done).code, 0);
        const msgs = parsePcap(pcap).map((p) => p.payload.toString('latin1'));
        const invite = msgs.find((m) => m.startsWith('INVITE '));
        assert.ok(invite, `the PBX got an INVITE (captured: ${JSON.stringify(msgs.map((m) => m.split('\r\n')[0]))}, ${pcap.length} bytes)`);
        const from = /^From: *(.*)$/mi.exec(invite)?.[1];
        t.diagnostic(`From: ${from}`);
        assert.match(from, /^"E2E Caller" <sip:e2e-caller@203\.0\.113\.1>/);
      });
    } finally {
      if (!pcap) await cap.stop();
      pbx.kill();
    }
  });
});
