// E2E: text messages of trapeze-jsep.v1 users (issue 15, docs/messaging.md)
// between the demo page's message pane and the lab PBX (sipp in namespace
// `sip`): a message the PBX accepts (sipp checks From, Content-Type and the
// body) reports 200; one it refuses reports 404; a MESSAGE from the PBX for
// the logged-in user shows up in the pane (sipp gets 200); one for a user
// nobody is logged in as gets 480; a message over messaging.max_bytes is
// refused with `too-big` and counted (show messaging, /metrics); a MESSAGE of
// a type the gateway does not carry gets 415 with Accept, a too big one 413;
// a MESSAGE from another tenant's PBX (the tenants sample's globex) for this
// user gets 404 and never reaches the page; a tenant with a lower per-minute
// limit (lab_echo.sh gives the sample's acme `messaging: {per_user_per_minute:
// 2}`) refuses its user's third message while globex's user (the top level's
// 60) sends on, counted per tenant (show messaging tenants[], /metrics
// trapeze_messages_total{tenant, event}).  Run by lab_echo.sh.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, withScreenshot } from './lib/browser.mjs';
import { mintToken } from './lib/auth.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { openSnippetPage, SIPWS_WSS } from './lib/sipws.mjs';
import { DRIVER } from './lib/trapeze_driver.mjs';
import { usePhone } from './lib/phone.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, sendRawSip, GW_SIP, TENANT_PBX } from './lib/sipp.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e messaging: ${skip}`);

const USER = 'e2e-msg';
const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
let page;

/** The lab PBX answering one MESSAGE with `status` (200 or 404). */
const pbx = (status) => sipp(LAB(`uas_message_${status}.xml`));
/** sipp sending one MESSAGE to web user `user`, expecting `code`. */
const pbxSends = (code, user, port) => sipp(LAB(`uac_message_${code}.xml`), ['-s', user, GW_SIP],
  String(port));
const stats = () => trapezectl(['show', 'messaging']);

/** Type `body` to `to` in the pane, send, and wait for the message's report. */
async function sendFromPane(to, body) {
  const n = await page.evaluate(() => window.phone.messages.length);
  await page.fill('#msg-to', to);
  await page.fill('#msg-text', body);
  await page.click('#msg-send');
  return waitUntil(() => page.evaluate((i) => {
    const m = window.phone.messages[i];
    return m && m.status !== 'sending' ? { status: m.status, code: m.code, reason: m.reason } : null;
  }, n), `the delivery report of message ${n}`, { timeout: 45000 });
}

/** The gateway's /metrics (on its namespace's loopback, config/lab.yaml). */
function metrics() {
  const py = 'import urllib.request;print(urllib.request.urlopen("http://127.0.0.1:9469/metrics").read().decode())';
  return new Promise((resolve, reject) => execFile('ip', ['netns', 'exec', 'gw', 'python3', '-c', py],
    { timeout: 10000, maxBuffer: 8 << 20 }, (e, out) => (e ? reject(e) : resolve(out))));
}
/** trapeze_messages_total{tenant, event}: of `tenant`, or summed over the tenants. */
const metric = (text, event, tenant = '[^"]*') => [...text.matchAll(new RegExp(
  `^trapeze_messages_total\\{tenant="${tenant}",event="${event}"\\} (\\d+)$`, 'gm'))]
  .reduce((sum, m) => sum + Number(m[1]), 0);

/** A MESSAGE from the PBX host, raw (for the statuses sipp cannot vary). */
const rawMessage = (user, ctype, body, ip = '203.0.113.2') => `MESSAGE sip:${user}@203.0.113.1 SIP/2.0\r\n`
  + `Via: SIP/2.0/UDP ${ip}:5098;branch=z9hG4bK-msg-${Date.now()}-${Math.random()}\r\n`
  + `From: <sip:agent@${ip}>;tag=m1\r\n`
  + `To: <sip:${user}@203.0.113.1>\r\nCall-ID: msg-${Date.now()}-${Math.random()}\r\n`
  + `CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Type: ${ctype}\r\n`
  + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('e2e: messages between the browser and the PBX', { skip }, () => {
  const phone = usePhone(USER);
  before(() => { page = phone.page; });

  test('a message to the PBX arrives with the user\'s identity and reports 200', async (t) => {
    const uas = pbx(200);
    await uas.ready;
    const before = await stats();
    await withScreenshot(t, page, async () => {
      const r = await sendFromPane('+442079460150', 'hello from the browser e2e ✓');
      assert.deepEqual(r, { status: 'delivered', code: 200, reason: 'OK' });
      const done = await uas.done;
      assert.equal(done.code, 0, `sipp saw From sip:${USER}@, text/plain and the body: ${done.err}`);
      assert.equal(await page.locator('#msg-list li[data-status="delivered"]').count(), 1);
    });
    const after = await stats();
    assert.equal(after.out_sent - before.out_sent, 1);
    assert.equal(after.out_delivered - before.out_delivered, 1);
  });

  test('a message the PBX refuses reports its status (404)', async (t) => {
    const uas = pbx(404);
    await uas.ready;
    await withScreenshot(t, page, async () => {
      const r = await sendFromPane('+442079460404', 'hello from the browser e2e, again');
      assert.deepEqual(r, { status: 'failed', code: 404, reason: 'Not Found' });
      assert.equal((await uas.done).code, 0);
      assert.match(await page.locator('#msg-list li').last().textContent(), /not delivered: 404/);
    });
  });

  test('a MESSAGE from the PBX reaches the logged-in user\'s page; the PBX gets 200', async (t) => {
    const before = await stats();
    await withScreenshot(t, page, async () => {
      const uac = pbxSends(200, USER, 6460);
      const got = await waitUntil(() => page.evaluate(() => window.phone.messages.find((m) => m.dir === 'in')),
        'the incoming message in the pane');
      assert.equal(got.body.trim(), 'hello from the PBX e2e');
      assert.match(got.peer, /"?PBX Agent"? <sip:agent@203\.0\.113\.2/);
      assert.match(got.contentType, /^text\/plain/);
      const r = await uac.done;
      assert.equal(r.code, 0, `sipp got 200: ${r.err}`);
      assert.match(await page.locator('#msg-list li.msg-in').first().textContent(), /hello from the PBX e2e/);
    });
    assert.equal((await stats()).in_delivered - before.in_delivered, 1);
  });

  test('a MESSAGE for a user nobody is logged in as: 480', async () => {
    const before = await stats();
    const r = await pbxSends(480, 'nobody-msg', 6462).done;
    assert.equal(r.code, 0, `sipp expected 480: ${r.err}`);
    assert.equal((await stats()).in_offline - before.in_offline, 1);
  });

  test('a message over messaging.max_bytes: too-big, counted, nothing sent', async () => {
    const before = await stats();
    const m0 = metric(await metrics(), 'out_refused_too_big');
    const code = await page.evaluate(() => window.phone.client
      .sendMessage('+442079460413', 'x'.repeat(5000)).then(() => 'sent', (e) => e.code));
    assert.equal(code, 'too-big');
    const after = await stats();
    assert.equal(after.out_refused_too_big - before.out_refused_too_big, 1);
    assert.equal(after.out_sent, before.out_sent);
    assert.equal(after.max_bytes, 4096);
    await waitUntil(async () => metric(await metrics(), 'out_refused_too_big') === m0 + 1,
      '/metrics trapeze_messages_total{event="out_refused_too_big"} to move');
  });

  test('MESSAGEs the gateway cannot carry: 415 (type), 413 (size)', async () => {
    const before = await stats();
    const replies = await sendRawSip([rawMessage(USER, 'text/html', '<b>hi</b>'),
      rawMessage(USER, 'text/plain', 'y'.repeat(5000))], { full: true });
    assert.match(replies[0] ?? '', /^SIP\/2\.0 415 /);
    assert.match(replies[0], /^Accept: text\/plain, application\/json\r$/m, 'RFC 3428: 415 names what is carried');
    assert.match(replies[1] ?? '', /^SIP\/2\.0 413 /);
    const after = await stats();
    assert.equal(after.in_unsupported_type - before.in_unsupported_type, 1);
    assert.equal(after.in_too_big - before.in_too_big, 1);
    assert.equal(await page.evaluate(() => window.phone.messages.filter((m) => m.dir === 'in').length), 1,
      'neither reached the page');
  });

  test('a MESSAGE from another tenant\'s PBX for this user: 404, never on the page', async () => {
    const before = await stats();
    const [reply] = await sendRawSip([rawMessage(USER, 'text/plain', 'from globex', TENANT_PBX.globex)],
      { ip: TENANT_PBX.globex });
    assert.match(reply ?? '', /^SIP\/2\.0 404 /, 'globex\'s trunk reaches globex\'s users only');
    assert.equal((await stats()).in_unknown_user - before.in_unknown_user, 1);
    assert.equal(await page.evaluate(() => window.phone.messages.some((m) => m.body === 'from globex')), false);
  });

  test('the lab PBX (uas_echo.xml, tools/lab.sh pbx) takes a message and answers it', async (t) => {
    const echo = sipp(LAB('uas_echo.xml'));
    await echo.ready;
    await withScreenshot(t, page, async () => {
      const r = await sendFromPane('+442079460160', 'Can I reschedule? ✓');
      assert.equal(r.code, 200);
      const back = await waitUntil(() => page.evaluate(() => window.phone.messages
        .find((m) => m.dir === 'in' && m.body.startsWith('PBX got:'))), 'the PBX\'s answer in the pane');
      assert.equal(back.body.trim(), 'PBX got: Can I reschedule? ✓');
      assert.match(back.peer, /^Lab PBX <sip:pbx@203\.0\.113\.2/);
      assert.equal((await echo.done).code, 0, 'sipp got 200 for its answer');
    });
  });
});

describe('e2e: per-tenant messaging limits (a tenant\'s messaging: override)', { skip }, () => {
  let browser;
  let drv;
  // each tenant's token key, from the sample lab_echo.sh appends (docs/tenants.md)
  const keys = {};
  for (const m of fs.readFileSync(path.join(REPO, 'docs/tenants.md'), 'utf8')
    .matchAll(/- \{ name: ((acme|globex)-[0-9]+), secret_file: (\S+) \}/g)) keys[m[2]] = { kid: m[1], secretFile: m[3] };
  const run = Date.now().toString(36);
  const users = { acme: `msg-acme-${run}`, globex: `msg-globex-${run}` };
  const tenantOf = (j, t) => j.tenants?.find((x) => x.tenant === t);

  before(async () => {
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    drv = await openSnippetPage(browser, DRIVER);
    await drv.waitForFunction(() => window.tReady, null, { timeout: 10000 });
    for (const t of ['acme', 'globex']) {
      const r = await drv.evaluate(([w, u, tok]) => window.T.open(w, u, tok),
        [t, `${SIPWS_WSS.replace(/\/?$/, '/')}${t}`, mintToken(users[t], keys[t])]);
      assert.equal(r.user, users[t], `${t}'s user logged in: ${JSON.stringify(r)}`);
    }
  });
  after(async () => { if (browser) await browser.close(); });

  test('acme (2 a minute) refuses its user\'s third message; globex\'s user sends on; counted per tenant', async (t) => {
    const before = await stats();
    assert.equal(tenantOf(before, 'acme')?.per_user_per_minute, 2, 'acme\'s own limit in force');
    assert.equal(tenantOf(before, 'globex')?.per_user_per_minute, before.per_user_per_minute,
      'globex: the top level\'s');
    const m0 = metric(await metrics(), 'out_refused_rate_limited', 'acme');
    // To the tenant's own PBX numbers.  What is checked is admission: a
    // refusal comes at once; an admitted message's report (its PBX may not
    // answer) is not waited for, the counters below say it was sent.
    const send = (who, to, i) => drv.evaluate(([w, n, b]) => new Promise((resolve) => {
      window.T.clients[w].sendMessage(n, b)
        .then((r) => resolve({ code: r.code }), (e) => resolve({ error: e.code, message: e.message }));
      setTimeout(() => resolve({ pending: true }), 1000);
    }), [who, to, `message ${i} from ${who}`]);
    const acme = [];
    const globex = [];
    for (let i = 0; i < 3; i++) {
      acme.push(await send('acme', '+12005550100', i));
      globex.push(await send('globex', '+13005550100', i));
    }
    assert.ok(acme.slice(0, 2).every((r) => r.error !== 'rate-limited'), `acme's first two admitted: ${JSON.stringify(acme)}`);
    assert.equal(acme[2].error, 'rate-limited', `acme's third: ${JSON.stringify(acme[2])}`);
    assert.match(acme[2].message, /more than 2 messages a minute \(tenant acme: messaging\.per_user_per_minute\)/);
    assert.ok(globex.every((r) => r.error !== 'rate-limited'), `globex's three admitted: ${JSON.stringify(globex)}`);
    const after = await stats();
    const d = (t, k) => tenantOf(after, t)[k] - (tenantOf(before, t)?.[k] ?? 0);
    assert.equal(d('acme', 'out_refused_rate_limited'), 1);
    assert.equal(d('acme', 'out_sent'), 2);
    assert.equal(d('globex', 'out_refused_rate_limited'), 0);
    assert.equal(d('globex', 'out_sent'), 3);
    assert.equal(after.out_refused_rate_limited - before.out_refused_rate_limited, 1, 'gateway-wide too');
    await waitUntil(async () => metric(await metrics(), 'out_refused_rate_limited', 'acme') === m0 + 1,
      '/metrics trapeze_messages_total{tenant="acme",event="out_refused_rate_limited"} to move');
    assert.equal(metric(await metrics(), 'out_sent', 'globex'), tenantOf(after, 'globex').out_sent);
    // one tenant's every counter
    const one = await trapezectl(['show', 'messaging', 'acme']);
    assert.equal(one.tenant, 'acme');
    assert.equal(one.per_user_per_minute, 2);
    assert.equal(one.out_refused_rate_limited, tenantOf(after, 'acme').out_refused_rate_limited);
    assert.equal(one.out_sent, tenantOf(after, 'acme').out_sent);
    assert.equal(one.out_requests, one.out_sent + tenantOf(after, 'acme').out_refused);
    t.diagnostic(`show messaging: ${JSON.stringify(after)}`);
    t.diagnostic(`show messaging acme: ${JSON.stringify(one)}`);
  });
});
