// E2E: `trapezectl reload` and SIGHUP under a live call (issue 13,
// docs/operations.md).  A browser calls the lab PBX (sipp echoing RTP);
// while the call runs the config file trapezed was started with is edited:
// a trunk added (lab-pbx2, sipp on port 5070) and a route changed (+1555 now
// goes to it).  The reload reports what changed, the live call's audio keeps
// flowing both ways, a new call takes the new route; a broken file is refused
// with FILE:LINE:COL and the call still flows; SIGHUP reloads too.
// Run by lab_admin.sh (meson test lab_reload).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import tls from 'node:tls';
import path from 'node:path';
import { launchBrowser, login, statsSummary, statsWithMedia } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, PHONE_URL } from './lib/gateway.mjs';
import { REPO } from './lib/server.mjs';
import { sipp as pbx } from './lib/sipp.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e reload: ${skip}`);

const UAS = path.join(REPO, 'tests/sip/lab/uas_echo.xml');
let browser;
let pageA;
let pageB;
let cfgPath;
let original;
let sippA;

/** Packets of the live call's flows, per direction. */
async function flowPackets(user) {
  const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === user);
  assert.ok(call, `${user} has a call`);
  const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);
  return {
    toSip: flows.find((f) => f.xform === 'srtp>rtp')?.packets ?? 0,
    // the PBX's RTP flow (its RTCP flow from the next port carries few packets)
    fromSip: Math.max(0, ...flows.filter((f) => f.xform === 'rtp>srtp' && f.in_port === 'core')
      .map((f) => f.packets)),
  };
}

/** Both directions of the call moved on past `before` (and the browser hears). */
async function keepsFlowing(page, user, before, what) {
  const b = await statsSummary(page);
  let last;
  await waitUntil(async () => {
    last = await flowPackets(user);
    return last.toSip > before.toSip + 25 && last.fromSip > before.fromSip + 25;
  }, `${what}: the call's flows carry 25 more packets each way`).catch((e) => {
    throw new Error(`${e.message}; before ${JSON.stringify(before)}, now ${JSON.stringify(last)}`);
  });
  await waitUntil(async () => (await statsSummary(page)).inbound.packetsReceived
    > b.inbound.packetsReceived + 25, `${what}: the browser receives the PBX's echo`);
}

/* The hangup of the page's next (or current) call, also when it ended between
 * two looks: a refusal can come back within one 20 ms poll, and a call that was
 * not there when we started and is already over gives its endReason. */
function hangupOf(page) {
  return page.evaluate(() => new Promise((r) => {
    const old = window.phone.call;
    const grab = () => {
      const c = window.phone.call;
      if (!c || (c === old && c.state === 'ended')) { setTimeout(grab, 20); return; }
      if (c.state === 'ended') { r({ code: c.endReason.code, reason: c.endReason.reason }); return; }
      c.addEventListener('hangup', (e) => r({ code: e.code, reason: e.reason }));
    };
    grab();
  }));
}

async function callAndAnswer(page, target) {
  const answered = page.evaluate(() => new Promise((r, j) => {
    const grab = () => {
      const c = window.phone.call;
      if (!c) { setTimeout(grab, 20); return; }
      c.addEventListener('answered', () => r());
      c.addEventListener('hangup', (e) => j(new Error(`hangup ${e.code} ${e.reason}`)));
    };
    grab();
  }));
  await page.waitForFunction(() => !document.querySelector('#call').disabled, null, { timeout: 10000 });
  await page.fill('#target', target);
  await page.click('#call');
  await answered;
  await statsWithMedia(page, 51);
}

/** The SHA-256 fingerprint of the certificate a new TLS connection to the https listener gets. */
function httpsFingerprint() {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '198.51.100.1', port: 8443, rejectUnauthorized: false,
      servername: '198.51.100.1' }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

/** A new self-signed EC certificate and key for 198.51.100.1 (PEM files in a temp dir). */
function newCert() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tz-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-days', '2', '-subj', '/CN=198.51.100.1', '-addext', 'subjectAltName=IP:198.51.100.1',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  const fp = execFileSync('openssl', ['x509', '-in', path.join(dir, 'cert.pem'), '-noout',
    '-fingerprint', '-sha256'], { encoding: 'utf8' }).trim().split('=')[1];
  const out = { cert: fs.readFileSync(path.join(dir, 'cert.pem')), key: fs.readFileSync(path.join(dir, 'key.pem')), fp };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

describe('e2e: reload under a live call', { skip }, () => {
  before(async () => {
    cfgPath = (await trapezectl(['show', 'status'])).config;
    original = fs.readFileSync(cfgPath, 'utf8');
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    pageA = await browser.openPhone(PHONE_URL);
    await login(pageA, 'reload-a');
    sippA = pbx(UAS, ['-mi', '203.0.113.2', '-mp', '6000', '-rtp_echo']);
    await sippA.ready;
    await callAndAnswer(pageA, '+4420794600');
  });

  after(async () => {
    if (cfgPath && original) fs.writeFileSync(cfgPath, original);
    if (sippA) sippA.kill();
    if (browser) await browser.close();
  });

  test('show status: the config file, generation 1, no reload yet', async () => {
    const s = await trapezectl(['show', 'status']);
    assert.equal(s.state, 'running');
    assert.equal(s.generation, 1);
    assert.equal(s.last_reload, 'none');
    assert.equal(s.calls, 1);
    assert.match(s.loaded_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('reload adds a trunk and changes a route: the reply says so, the live call keeps its audio', async (t) => {
    const before = await flowPackets('reload-a');
    const edited = original
      .replace(/^( {2}trunks:\n)/m, '$1    - { name: lab-pbx2, address: "203.0.113.2:5070" }\n')
      .replace(/^( {2}routes:\n)/m, '$1    - { prefix: "+1555", trunk: lab-pbx2 }\n');
    assert.notEqual(edited, original, 'the lab config has sip.trunks and sip.routes');
    fs.writeFileSync(cfgPath, edited);
    const reply = await trapezectl(['reload']);
    t.diagnostic(`reload: ${reply}`);
    assert.match(reply, /generation 2: routes: 1 added, 1 changed; trunks: 1 added$/);
    const s = await trapezectl(['show', 'status']);
    assert.equal(s.generation, 2);
    assert.match(s.last_reload, /^ok: routes: 1 added, 1 changed; trunks: 1 added/);
    assert.equal(s.restart_pending, 'none');
    await keepsFlowing(pageA, 'reload-a', before, 'after the reload');
    const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === 'reload-a');
    assert.equal(call.trunk, 'lab-pbx', 'the live call stays on the trunk it was placed on');
  });

  test('a new call takes the new route (+1555 -> lab-pbx2, sipp on port 5070, media 6010)', async (t) => {
    const sippB = pbx(UAS, ['-mi', '203.0.113.2', '-mp', '6010', '-rtp_echo'], '5070');
    await sippB.ready;
    pageB = await browser.openPhone(PHONE_URL);
    await login(pageB, 'reload-b');
    await callAndAnswer(pageB, '+15551234');
    const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === 'reload-b');
    assert.equal(call.trunk, 'lab-pbx2');
    assert.equal(call.sip_media_port, 6010);
    const ended = hangupOf(pageB);
    await pageB.click('#hangup');
    assert.equal((await ended).code, 200);
    const r = await sippB.done;
    assert.equal(r.code, 0, `the PBX on 5070 saw the whole call: ${r.err}`);
    await pageB.close();
    await pageA.bringToFront();
  });

  test('a broken file is refused with FILE:LINE:COL; the old config and the call go on', async (t) => {
    const before = await flowPackets('reload-a');
    const good = fs.readFileSync(cfgPath, 'utf8');
    const broken = good.replace(/^( *max_calls_per_user:) *\d+/m, '$1 lots');
    assert.notEqual(broken, good);
    fs.writeFileSync(cfgPath, broken);
    t.after(() => fs.writeFileSync(cfgPath, good));
    await assert.rejects(trapezectl(['reload']), (e) => {
      assert.match(e.message, /reload refused: .* has 1 error; the running config \(generation 2\) stays in force/);
      assert.match(e.message, new RegExp(`${cfgPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: limits\\.max_calls_per_user: `));
      return true;
    });
    const s = await trapezectl(['show', 'status']);
    assert.equal(s.generation, 2);
    assert.equal(s.last_reload, 'refused: 1 error');
    assert.equal(s.reloads_refused, 1);
    await keepsFlowing(pageA, 'reload-a', before, 'after the refused reload');
  });

  test('SIGHUP reloads too (systemd ExecReload); a restart-only change is listed, not applied', async () => {
    const before = await flowPackets('reload-a');
    const pid = (await trapezectl(['show', 'version'])).pid;
    const good = fs.readFileSync(cfgPath, 'utf8');
    fs.writeFileSync(cfgPath, good.replace(/^( *max_sessions:) *\d+/m, '$1 2048'));
    process.kill(pid, 'SIGHUP');
    const s = await waitUntil(async () => {
      const st = await trapezectl(['show', 'status']);
      return st.generation === 3 && st;
    }, 'generation 3 after SIGHUP');
    assert.equal(s.restart_pending, 'limits.max_sessions');
    assert.match(s.last_reload, /^ok: no changes \(some keys need a restart\)/);
    assert.match(await trapezectl(['show', 'config']), /max_sessions: 4096/);
    await keepsFlowing(pageA, 'reload-a', before, 'after SIGHUP');
  });

  test('a renewed HTTPS certificate (same paths): new connections get it, a bad key is refused', async (t) => {
    const before = await flowPackets('reload-a');
    const text = fs.readFileSync(cfgPath, 'utf8');
    const certPath = text.match(/^ *tls_cert: *(\S+)/m)[1];
    const keyPath = text.match(/^ *tls_key: *(\S+)/m)[1];
    const oldFp = await httpsFingerprint();
    const oldCert = fs.readFileSync(certPath);
    const oldKey = fs.readFileSync(keyPath);
    const a = newCert();
    const b = newCert();
    // a certificate with a key that is not its own: refused, nothing changes
    fs.writeFileSync(certPath, a.cert);
    fs.writeFileSync(keyPath, b.key);
    await assert.rejects(trapezectl(['reload']), /reload refused: signalling\.tls_cert .* stays in force/);
    assert.equal(await httpsFingerprint(), oldFp);
    // the pair: renewed, for new connections
    fs.writeFileSync(keyPath, a.key);
    const reply = await trapezectl(['reload']);
    t.diagnostic(`reload: ${reply}`);
    assert.match(reply, /https certificate renewed/);
    assert.equal(await httpsFingerprint(), a.fp);
    assert.notEqual(a.fp, oldFp);
    // the browser's wss:// connection, opened with the old certificate, carries on
    await keepsFlowing(pageA, 'reload-a', before, 'after the certificate renewal');
    fs.writeFileSync(certPath, oldCert);
    fs.writeFileSync(keyPath, oldKey);
    assert.match(await trapezectl(['reload']), /https certificate renewed/);
    assert.equal(await httpsFingerprint(), oldFp);
  });

  test('the call placed before the reloads ends normally', async () => {
    const ended = hangupOf(pageA);
    await pageA.click('#hangup');
    assert.equal((await ended).code, 200);
    const r = await sippA.done;
    assert.equal(r.code, 0, `sipp saw the whole call incl. our BYE: ${r.err}`);
  });
});
