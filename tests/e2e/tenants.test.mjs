// E2E: two tenants on one gateway (issue 11, docs/tenants.md).  The gateway
// runs docs/tenants.md's two-tenant sample verbatim (tests/e2e/lab_echo.sh
// appends it to the lab config): acme (WebSocket path /acme, key acme-2026,
// trunk acme-pbx = a sipp PBX at 203.0.113.21, numbers +1200…) and globex
// (/globex, globex-2026, globex-pbx = sipp at 203.0.113.22, +1300…); the lab's
// own users are the default tenant's.  Chromium in namespace `web` logs in
// with tokens signed by each tenant's key (lib/auth.mjs mintToken with the
// tenant's secret file and kid, or the docs' Python snippet) and checks:
//   a) each tenant's user calls its own PBX: audio both ways (the docs' page
//      snippet verbatim for acme);
//   b) an acme user dialling globex's number gets no-route, globex's PBX
//      receives nothing;
//   c) a token of the other tenant on a tenant's path is refused, counted;
//      so is the REGISTER of the other tenant's SIP-over-WebSocket phone;
//   d) acme's PBX calls the acme user (the docs' snippet answers, audio);
//      globex's PBX calling the same user name gets 404, the page sees nothing;
//   e) the sample's limits hit and counted: forbidden, too-many-calls,
//      rate-limited (user and tenant);
//   f) `show tenants` lists default, acme and globex with their live calls;
//   g) a JsSIP phone of acme (sip:sam@acme.example) on /acme registers at
//      acme's PBX (its registrar: register_users) and calls it, audio both ways.
// Counters come from `trapezectl --json show tenant NAME`.

import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser } from './lib/browser.mjs';
import { waitCdr } from './lib/cdr.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { mintToken } from './lib/auth.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, capture, TENANT_PBX } from './lib/sipp.mjs';
import {
  docsSnippet, openSipPhone, openSnippetPage, openRawSipWs, waitAudioBothWays, waitPcAudioBothWays, SIPWS_WS, SIPWS_WSS,
} from './lib/sipws.mjs';
import { waitUntil } from './lib/wait.mjs';
import { openRaw } from './lib/raw_ws.mjs';
import { DRIVER } from './lib/trapeze_driver.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e tenants: ${skip}`);

const DOC = path.join(REPO, 'docs', 'tenants.md');
const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
/** The gateway's https origin and wss base as the browser reaches them. */
const WSS = SIPWS_WSS.replace(/\/?$/, '/');               // wss://198.51.100.1:8443/
const HTTPS = WSS.replace(/^wss:/, 'https:');

// ------------------------------------------------------------ the sample

/** The ```yaml block after the tenants-sample marker (what lab_echo.sh appends). */
function sampleYaml() {
  const text = fs.readFileSync(DOC, 'utf8');
  const m = /<!-- tenants-sample[^\n]*\n```yaml\n([\s\S]*?)\n```\n/.exec(text);
  if (!m) throw new Error(`no tenants-sample yaml block in ${DOC}`);
  return m[1];
}

/** Each tenant's key name and secret file, from the sample. */
function sampleKeys() {
  const keys = {};
  for (const m of sampleYaml().matchAll(/- \{ name: ([a-z0-9-]+), secret_file: (\S+) \}/g)) {
    keys[m[1].split('-')[0]] = { kid: m[1], secretFile: m[2] };
  }
  return keys;
}
const KEYS = sampleKeys();

/** A login token of `tenant` for `user`, signed with the tenant's key. */
const token = (tenant, user, o = {}) => mintToken(user, { ...KEYS[tenant], ...o });

// ------------------------------------------------------------ the CLI

/** `show tenants`: [{tenant, users, registrations, calls (live), max_calls, …}]. */
async function tenantRows() {
  const rows = await trapezectl(['show', 'tenants']);
  if (!Array.isArray(rows)) throw new Error(`show tenants: ${JSON.stringify(rows)}`);
  return rows;
}
const rowName = (r) => r.tenant;
const liveCalls = (r) => r?.calls;
const liveOf = (rows, t) => liveCalls(rows.find((r) => rowName(r) === t));

/** `show tenant t`: {tenant, selectors, limits, live, budget, counters, trunks}. */
const showTenant = (t) => trapezectl(['show', 'tenant', t]);

/** Counter `name` of tenant `t`; fails when it is not shown. */
async function counter(t, name) {
  const j = await showTenant(t);
  const v = j?.counters?.[name];
  if (typeof v !== 'number') throw new Error(`show tenant ${t}: no counter ${name} in ${JSON.stringify(j)}`);
  return v;
}

/** Wait until counter `name` of `t` is above `before`. */
const counterAbove = (t, name, before) => waitUntil(async () => {
  const v = await counter(t, name);
  return v > before && v;
}, `${t}'s ${name} above ${before}`, { timeout: 10000 });

// ------------------------------------------------------------ the browser

let browser;
/** A page at the gateway's origin holding any number of TrapezeClients. */
let drv;


/** Log `who` in on `tenantPath` (e.g. 'acme') with `tok`: {user} or {error, message}. */
const open = (who, tenantPath, tok) => drv.evaluate(([w, u, t]) => window.T.open(w, u, t),
  [who, `${WSS}${tenantPath}`, tok]);
const dial = (who, name, number) => drv.evaluate(([w, n, x]) => window.T.call(w, n, x), [who, name, number]);
/** The first answered/hangup event of call `name`. */
const outcome = (name, timeout = 30000) => waitUntil(() => drv.evaluate((n) =>
  (window.T.ev[n] || []).find((e) => e.type === 'answered' || e.type === 'hangup'), name),
`call ${name} answered or ended`, { timeout, interval: 50 });

/** Extra addresses of web0 for the deliberate failed logins (auth.test.mjs uses .11-.13, flood.test.mjs .14). */
const EXTRA = ['198.51.100.17', '198.51.100.18', '198.51.100.19'];

describe('e2e: two tenants (docs/tenants.md)', { skip }, () => {
  before(async () => {
    for (const a of EXTRA) execFileSync('ip', ['addr', 'replace', `${a}/24`, 'dev', 'web0']);
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    drv = await openSnippetPage(browser, DRIVER);
    await drv.waitForFunction(() => window.tReady, null, { timeout: 10000 });
    const names = (await tenantRows().catch((e) => {
      throw new Error(`the gateway does not run the tenants sample (lab_echo.sh falls back to the config without it when this build cannot load it): ${e.message}`);
    })).map(rowName);
    assert.ok(names.includes('acme') && names.includes('globex'),
      `the gateway runs docs/tenants.md's sample: show tenants lists ${JSON.stringify(names)}`);
  });

  after(async () => {
    if (browser) await browser.close();
    for (const a of EXTRA) {
      try { execFileSync('ip', ['addr', 'del', `${a}/24`, 'dev', 'web0']); } catch { /* gone */ }
    }
  });

  // Every test leaves no call behind: a tenant's max_calls is 2.
  afterEach(async () => {
    await drv.evaluate(() => window.T.hangupAll()).catch(() => {});
    await waitUntil(async () => (await tenantRows()).every((r) => !liveCalls(r)),
      'no live calls in any tenant', { timeout: 15000 }).catch((e) => console.error(`# ${e.message}`));
  });

  // ---------------------------------------------------------- a) + f)

  test('a) the docs\' page snippet, verbatim: an acme user calls acme\'s PBX, audio both ways; show tenants counts the call', async (t) => {
    const snippet = docsSnippet('The page (trapeze.js)', DOC);
    for (const s of ['https://webrtc.carrier.example/trapeze.js', 'wss://webrtc.carrier.example/acme',
      "fetch('/trapeze-token')", "client.call('+12005550100')"]) {
      assert.ok(snippet.includes(s), `the snippet has ${s}`);
    }
    const html = snippet.replaceAll('https://webrtc.carrier.example/', HTTPS)
      .replaceAll('wss://webrtc.carrier.example/', WSS);
    // The enterprise's web server: its token endpoint, with the docs' Python
    // snippet (the lab's key file instead of /etc/trapeze/tenants/acme.key).
    const py = docsSnippetLang('Issuing a token (Python)', 'python');
    assert.ok(py.includes('/etc/trapeze/tenants/acme.key') && py.includes(`KID = "${KEYS.acme.kid}"`),
      'the Python snippet reads acme\'s key and names its kid');
    const minted = execFileSync('python3', ['-c',
      `${py.replace('/etc/trapeze/tenants/acme.key', KEYS.acme.secretFile)}\nprint(trapeze_token("alice"))`],
    { encoding: 'utf8' }).trim();
    let served = 0;
    await browser.context.route(`${HTTPS}trapeze-token`, (route) => {
      served++;
      return route.fulfill({ status: 200, contentType: 'text/plain', headers: { 'cache-control': 'no-store' }, body: minted });
    });
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', TENANT_PBX.acme, '-mp', '6810', '-rtp_echo'], '5060', TENANT_PBX.acme);
    await pbx.ready;
    const page = await openSnippetPage(browser, html, { probePc: true });
    const dump = () => console.error(`# snippet page console:\n#   ${[...page.tzConsole, ...page.tzLog].slice(-40).join('\n#   ')}`);
    try {
      await page.waitForSelector('#call:not([disabled])', { timeout: 15000 });
      assert.equal(served, 1, 'the page fetched its token from its web server');
      await page.click('#call');
      await waitUntil(() => page.tzConsole.includes('answered') || page.tzConsole.find((l) => l.startsWith('ended')),
        'the snippet logged answered', { timeout: 30000 });
      assert.ok(page.tzConsole.includes('answered'), `the call was answered: ${page.tzConsole.slice(-5)}`);
      const s = await waitPcAudioBothWays(page, 'window.tzPcs[0]');
      t.diagnostic(`acme's user: ${JSON.stringify(s)}`);

      // The call is acme's, through acme-pbx, and counted live for acme only (f).
      const rows = await waitUntil(async () => {
        const r = await tenantRows();
        return liveOf(r, 'acme') === 1 && r;
      }, 'show tenants: acme has 1 live call');
      t.diagnostic(`show tenants: ${JSON.stringify(rows)}`);
      assert.deepEqual(rows.map(rowName), ['default', 'acme', 'globex']);
      assert.equal(liveOf(rows, 'globex'), 0);
      assert.equal(liveOf(rows, 'default'), 0);
      const acme = await showTenant('acme');
      t.diagnostic(`show tenant acme: ${JSON.stringify(acme)}`);
      assert.deepEqual(acme.selectors.paths, ['/acme']);
      assert.equal(acme.live.calls, 1);
      assert.deepEqual(acme.trunks.map((x) => [x.trunk, x.address, x.calls]), [['acme-pbx', `${TENANT_PBX.acme}:5060`, 1]]);
      const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === 'alice');
      assert.equal(call?.tenant, 'acme', `show calls: ${JSON.stringify(call)}`);
      assert.equal(call?.trunk, 'acme-pbx');
      const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call?.call);
      t.diagnostic(`flows: ${JSON.stringify(flows)}`);
      assert.ok(flows.some((f) => f.xform === 'srtp>rtp' && f.to === `${TENANT_PBX.acme}:6810` && f.packets > 50),
        'browser -> acme\'s PBX');
      assert.ok(flows.some((f) => f.xform === 'rtp>srtp' && f.from.startsWith(`${TENANT_PBX.acme}:6810`) && f.packets > 50),
        'acme\'s PBX -> browser');
    } catch (e) {
      dump();
      throw e;
    } finally {
      await page.close();        // the WebSocket closes: the gateway hangs up (BYE)
      await browser.context.unroute(`${HTTPS}trapeze-token`);
    }
    const r = await pbx.done;
    assert.equal(r.code, 0, `acme's PBX saw the whole call incl. the BYE: ${r.err.slice(0, 800)}`);
  });

  test('a) a globex user calls globex\'s PBX: audio both ways', async (t) => {
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', TENANT_PBX.globex, '-mp', '6820', '-rtp_echo'], '5060', TENANT_PBX.globex);
    await pbx.ready;
    assert.deepEqual(await open('gina', 'globex', token('globex', 'gina')), { user: 'gina' });
    await dial('gina', 'g1', '+13005550100');
    const e = await outcome('g1');
    assert.equal(e.type, 'answered', `globex's call: ${JSON.stringify(e)}`);
    const s = await waitPcAudioBothWays(drv, "window.T.calls['g1'].pc");
    t.diagnostic(`globex's user: ${JSON.stringify(s)}`);
    const rows = await tenantRows();
    assert.equal(liveOf(rows, 'globex'), 1, JSON.stringify(rows));
    assert.equal(liveOf(rows, 'acme'), 0, JSON.stringify(rows));
    const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === 'gina');
    assert.deepEqual([call?.tenant, call?.trunk], ['globex', 'globex-pbx'], `show calls: ${JSON.stringify(call)}`);
    await drv.evaluate(() => window.T.calls.g1.hangup());
    const r = await pbx.done;
    assert.equal(r.code, 0, `globex's PBX saw the whole call incl. the BYE: ${r.err.slice(0, 800)}`);
    // its call detail record carries its tenant and trunk (docs/cdr.md)
    const cdr = await waitCdr((c) => c.call_id === call.call, `globex's call ${call.call}`);
    t.diagnostic(`cdr: ${JSON.stringify(cdr)}`);
    assert.deepEqual([cdr.tenant, cdr.user, cdr.to, cdr.trunk, cdr.code],
      ['globex', 'gina', '+13005550100', 'globex-pbx', 200]);
    assert.ok(cdr.pkts_from_web > 0 && cdr.pkts_to_web > 0, JSON.stringify(cdr));
  });

  // ---------------------------------------------------------- b)

  test('b) an acme user dialling globex\'s number: no-route, nothing reaches globex\'s PBX', async (t) => {
    const cap = await capture(`udp and host ${TENANT_PBX.globex}`);
    // bob's token from the docs' Node snippet (acme's key file: the lab's).
    const js = docsSnippetLang('Issuing a token (Node)', 'js');
    assert.ok(js.includes('/etc/trapeze/tenants/acme.key') && js.includes(`kid: '${KEYS.acme.kid}'`));
    const mod = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tz-tenants-')), 'token.mjs');
    fs.writeFileSync(mod, js.replace('/etc/trapeze/tenants/acme.key', KEYS.acme.secretFile));
    const { trapezeToken } = await import(mod);
    fs.rmSync(path.dirname(mod), { recursive: true, force: true });
    assert.deepEqual(await open('bob', 'acme', trapezeToken('bob')), { user: 'bob' });
    const before = await counter('acme', 'cross_tenant_refused');
    await dial('bob', 'b1', '+13005550100');
    const e = await outcome('b1');
    t.diagnostic(`acme -> globex's number: ${JSON.stringify(e)}`);
    assert.deepEqual([e.type, e.code, e.reason], ['hangup', 0, 'no-route']);
    assert.ok(await counterAbove('acme', 'cross_tenant_refused', before));
    // Anything sent to globex's PBX would have been captured by now: the
    // refusal came after routing, and the gateway sends no INVITE later.
    const { buf } = await cap.stop();
    assert.equal(buf.length, 24, `no packet to or from ${TENANT_PBX.globex} (pcap of ${buf.length} bytes)`);
  });

  // ---------------------------------------------------------- c)

  test('c) a globex token on acme\'s path (and the other way round) and a globex SIP phone there are refused and counted', async (t) => {
    // The deliberate failures come from extra addresses of web0: a failed
    // login backs its source IP off (auth.fail_limit), and the earlier
    // scenarios' failures from 198.51.100.10 must not throttle these.
    const login = async (tenantPath, tok, source) => {
      const ws = await openRaw({ path: `/${tenantPath}`, localAddress: source });
      try {
        return await ws.request({ type: 'login', token: tok });
      } finally {
        ws.close();
      }
    };
    const acme0 = await counter('acme', 'logins_wrong_tenant');
    const globex0 = await counter('globex', 'logins_wrong_tenant');
    const r1 = await login('acme', token('globex', 'gina'), EXTRA[0]);
    t.diagnostic(`globex token on /acme: ${JSON.stringify(r1)}`);
    assert.deepEqual([r1.type, r1.code], ['error', 'auth-failed']);
    assert.match(r1.message, /another tenant/);
    assert.equal(await counterAbove('acme', 'logins_wrong_tenant', acme0), acme0 + 1);
    const r2 = await login('globex', token('acme', 'alice'), EXTRA[1]);
    t.diagnostic(`acme token on /globex: ${JSON.stringify(r2)}`);
    assert.deepEqual([r2.type, r2.code], ['error', 'auth-failed']);
    assert.equal(await counterAbove('globex', 'logins_wrong_tenant', globex0), globex0 + 1);
    // The right token on the right path still logs in; on the gateway's own
    // /ws (no tenant's selector) the token alone decides (docs/tenants.md).
    assert.deepEqual(await open('gina2', 'globex', token('globex', 'gina')), { user: 'gina' });
    const logins = await counter('acme', 'logins');
    assert.deepEqual(await open('walt', 'ws', token('acme', 'walt')), { user: 'walt' });
    assert.equal(await counterAbove('acme', 'logins', logins), logins + 1, 'walt logged in to acme');

    // A SIP-over-WebSocket phone of globex (its AOR in globex.example) on
    // acme's path: its REGISTER is refused, counted for acme too.
    const acme1 = await counter('acme', 'logins_wrong_tenant');
    const ws = await openRawSipWs(new URL('/acme', SIPWS_WS).href, { localAddress: EXTRA[2] });
    try {
      ws.send('REGISTER sip:globex.example SIP/2.0\r\n'
        + 'Via: SIP/2.0/WS e2e.invalid;branch=z9hG4bKtenants1\r\n'
        + 'Max-Forwards: 70\r\n'
        + 'From: <sip:alice@globex.example>;tag=tn1\r\n'
        + 'To: <sip:alice@globex.example>\r\n'
        + 'Call-ID: tenants-register-1\r\n'
        + 'CSeq: 1 REGISTER\r\n'
        + 'Contact: <sip:alice@e2e.invalid;transport=ws>\r\n'
        + 'Expires: 300\r\n'
        + 'Content-Length: 0\r\n\r\n');
      const reply = await ws.next((m) => m.startsWith('SIP/2.0 '), 5000);
      t.diagnostic(`globex AOR on /acme: ${reply.split('\r\n')[0]}`);
      assert.match(reply, /^SIP\/2\.0 403 .*not served here/);
    } finally {
      ws.close();
    }
    assert.equal(await counterAbove('acme', 'logins_wrong_tenant', acme1), acme1 + 1);
  });

  test('g) a JsSIP phone of acme (sip:sam@acme.example) on /acme registers at acme\'s PBX and calls it, audio both ways', async (t) => {
    const pbx = sipp(LAB('uas_reg_echo.xml'), ['-mi', TENANT_PBX.acme, '-mp', '6880', '-rtp_echo', '-m', '2'],
      '5060', TENANT_PBX.acme);
    await pbx.ready;
    const ph = await openSipPhone(browser, { stack: 'jssip', uri: 'sip:sam@acme.example', password: 'secret', ws: `${WSS}acme` });
    try {
      await ph.register();
      await ph.waitRegistered();
      const reg = (await trapezectl(['show', 'registrations'])).find((r) => /sam@acme\.example/.test(JSON.stringify(r)));
      t.diagnostic(`registration: ${JSON.stringify(reg)}`);
      assert.equal(reg?.tenant, 'acme');
      const id = await ph.call('+12005550100');
      await ph.waitState(id, 'confirmed');
      const s = await waitAudioBothWays(ph, id);
      t.diagnostic(`sam (JsSIP, acme): ${JSON.stringify(s)}`);
      const call = (await trapezectl(['show', 'calls'])).find((c) => c.leg === 'sip-ws' && c.tenant === 'acme');
      assert.equal(call?.trunk, 'acme-pbx', `show calls: ${JSON.stringify(call)}`);
      await ph.hangup(id);
      await ph.waitState(id, 'ended');
      await ph.stop();          // un-REGISTER
      const r = await pbx.done;
      assert.equal(r.code, 0, `acme's PBX: REGISTER, the call, BYE, un-REGISTER: ${r.err.slice(0, 800)}`);
    } finally {
      await ph.close();
    }
  });

  // ---------------------------------------------------------- d)

  test('d) acme\'s PBX calls acme\'s alice (the docs\' snippet answers, audio); globex\'s PBX calling alice gets 404', async (t) => {
    const snippet = docsSnippet('The page (trapeze.js)', DOC);
    const html = snippet.replaceAll('https://webrtc.carrier.example/', HTTPS)
      .replaceAll('wss://webrtc.carrier.example/', WSS);
    await browser.context.route(`${HTTPS}trapeze-token`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: token('acme', 'alice') }));
    const page = await openSnippetPage(browser, html, { probePc: true });
    const incoming = () => page.tzConsole.filter((l) => l.startsWith('incoming from')).length;
    try {
      await page.waitForSelector('#call:not([disabled])', { timeout: 15000 });
      const in0 = await counter('acme', 'calls_in');
      const acmePbx = sipp(LAB('uac_call.xml'), ['-s', 'alice', '-mi', TENANT_PBX.acme, '-mp', '6830', '-rtp_echo',
        '-d', '8000', '203.0.113.1:5060'], '5062', TENANT_PBX.acme);
      await waitUntil(() => page.tzConsole.includes('answered'), 'the snippet answered acme\'s PBX', { timeout: 30000 });
      const s = await waitPcAudioBothWays(page, 'window.tzPcs[0]');
      t.diagnostic(`alice called by acme's PBX: ${JSON.stringify(s)}`);
      assert.ok(await counterAbove('acme', 'calls_in', in0));
      const r = await acmePbx.done;
      assert.equal(r.code, 0, `acme's PBX: ring, answer, media, its BYE: ${r.err.slice(0, 800)}`);
      assert.equal(incoming(), 1);

      const cross0 = await counter('globex', 'cross_tenant_refused');
      const globexPbx = sipp(LAB('uac_expect_404.xml'), ['-s', 'alice', '-mi', TENANT_PBX.globex, '-mp', '6840',
        '203.0.113.1:5060'], '5062', TENANT_PBX.globex);
      const r2 = await globexPbx.done;
      assert.equal(r2.code, 0, `globex's PBX calling alice got 404: ${r2.err.slice(0, 800)}`);
      // The snippet accepts every incoming call: had globex's INVITE reached
      // alice's page, sipp would have got a 200, not the 404.
      assert.equal(incoming(), 1, 'alice\'s page saw no call from globex\'s PBX');
      assert.equal(await page.evaluate(() => window.tzPcs.length), 1, 'no second peer connection on alice\'s page');
      assert.equal(await counterAbove('globex', 'cross_tenant_refused', cross0), cross0 + 1,
        'globex\'s trunk asking for another tenant\'s user is counted');
    } catch (e) {
      console.error(`# snippet page console:\n#   ${[...page.tzConsole, ...page.tzLog].slice(-40).join('\n#   ')}`);
      throw e;
    } finally {
      await page.close();
      await browser.context.unroute(`${HTTPS}trapeze-token`);
    }
  });

  // ---------------------------------------------------------- e)

  test('e) a denied number: forbidden, counted', async () => {
    assert.deepEqual(await open('carol', 'acme', token('acme', 'carol')), { user: 'carol' });
    const before = await counter('acme', 'limit_target_denied');
    await dial('carol', 'e1', '+12009001234');
    const e = await outcome('e1');
    assert.deepEqual([e.type, e.code, e.reason], ['hangup', 0, 'forbidden']);
    assert.equal(await counterAbove('acme', 'limit_target_denied', before), before + 1);
  });

  test('e) over acme\'s max_calls (2): too-many-calls, counted', async (t) => {
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', TENANT_PBX.acme, '-mp', '6850', '-rtp_echo', '-m', '2'],
      '5060', TENANT_PBX.acme);
    await pbx.ready;
    for (const u of ['dave', 'erin', 'fred']) {
      assert.deepEqual(await open(u, 'acme', token('acme', u)), { user: u });
    }
    const before = await counter('acme', 'limit_max_calls');
    await dial('dave', 'm1', '+12005550101');
    await dial('erin', 'm2', '+12005550102');
    assert.equal((await outcome('m1')).type, 'answered');
    assert.equal((await outcome('m2')).type, 'answered');
    const rows = await tenantRows();
    t.diagnostic(`show tenants with two acme calls: ${JSON.stringify(rows)}`);
    assert.equal(liveOf(rows, 'acme'), 2);
    await dial('fred', 'm3', '+12005550103');
    const e = await outcome('m3');
    assert.deepEqual([e.type, e.code, e.reason], ['hangup', 0, 'too-many-calls']);
    assert.equal(await counterAbove('acme', 'limit_max_calls', before), before + 1);
    await drv.evaluate(() => window.T.hangupAll());
    const r = await pbx.done;
    assert.equal(r.code, 0, `acme's PBX had exactly the two calls: ${r.err.slice(0, 800)}`);
  });

  test('e) two attempts of one acme user within a second (user_calls_per_s 1): rate-limited, counted', async (t) => {
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', TENANT_PBX.acme, '-mp', '6860', '-rtp_echo'], '5060', TENANT_PBX.acme);
    await pbx.ready;
    assert.deepEqual(await open('gus', 'acme', token('acme', 'gus')), { user: 'gus' });
    const before = await counter('acme', 'limit_user_calls_per_s');
    // Both in one task: the two `call` messages leave within milliseconds.
    await drv.evaluate(() => { window.T.call('gus', 'r1', '+12005550104'); window.T.call('gus', 'r2', '+12005550105'); });
    const [a, b] = [await outcome('r1'), await outcome('r2')];
    t.diagnostic(`r1 ${JSON.stringify(a)} r2 ${JSON.stringify(b)}`);
    const kinds = [a, b].map((e) => (e.type === 'answered' ? 'answered' : e.reason)).sort();
    assert.deepEqual(kinds, ['answered', 'rate-limited']);
    assert.equal(await counterAbove('acme', 'limit_user_calls_per_s', before), before + 1);
    await drv.evaluate(() => window.T.hangupAll());
    assert.equal((await pbx.done).code, 0, 'acme\'s PBX had the one call');
  });

  test('e) two globex users within a second (calls_per_s 1): rate-limited, counted', async (t) => {
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', TENANT_PBX.globex, '-mp', '6870', '-rtp_echo'], '5060', TENANT_PBX.globex);
    await pbx.ready;
    for (const u of ['hal', 'ivy']) assert.deepEqual(await open(u, 'globex', token('globex', u)), { user: u });
    const before = await counter('globex', 'limit_calls_per_s');
    await drv.evaluate(() => { window.T.call('hal', 'q1', '+13005550101'); window.T.call('ivy', 'q2', '+13005550102'); });
    const [a, b] = [await outcome('q1'), await outcome('q2')];
    t.diagnostic(`q1 ${JSON.stringify(a)} q2 ${JSON.stringify(b)}`);
    const kinds = [a, b].map((e) => (e.type === 'answered' ? 'answered' : e.reason)).sort();
    assert.deepEqual(kinds, ['answered', 'rate-limited']);
    assert.equal(await counterAbove('globex', 'limit_calls_per_s', before), before + 1);
    await drv.evaluate(() => window.T.hangupAll());
    assert.equal((await pbx.done).code, 0, 'globex\'s PBX had the one call');
  });
});

/** The first ```LANG block of section `### title` in docs/tenants.md. */
function docsSnippetLang(title, lang) {
  const text = fs.readFileSync(DOC, 'utf8');
  const at = text.indexOf(`\n### ${title}\n`);
  if (at < 0) throw new Error(`no section "### ${title}" in ${DOC}`);
  const next = text.indexOf('\n### ', at + 5);
  const m = new RegExp(`\\n\`\`\`${lang}\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(text.slice(at, next < 0 ? undefined : next));
  if (!m) throw new Error(`no \`\`\`${lang} block in "### ${title}"`);
  return m[1];
}
