// E2E: `drain cancel` and `drain --timeout` (issue 13, docs/operations.md).
// A browser calls the lab PBX (sipp echoing RTP); a drain is cancelled (SIP
// INVITEs are no longer answered 503), then a drain with a 2 s timeout hangs
// the live call up: the PBX gets a BYE, the browser a hangup, and trapezed
// exits 0.  Run by lab_admin.sh (meson test lab_drain_timeout).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, login, statsWithMedia } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, PHONE_URL } from './lib/gateway.mjs';
import { REPO } from './lib/server.mjs';
import { sipp as pbx, PBX_IP } from './lib/sipp.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e drain_timeout: ${skip}`);

const STATE = process.env.TZ_LAB_STATE || '/run/trapeze/lab';
let browser;
let page;
let sippA;

/** An INVITE without SDP from the PBX host: the final response's status. */
function rawInviteStatus(n) {
  const py = `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((${JSON.stringify(PBX_IP)}, 5097))
s.settimeout(3)
msg = ("INVITE sip:nobody@203.0.113.1:5060 SIP/2.0\\r\\n"
       "Via: SIP/2.0/UDP ${PBX_IP}:5097;branch=z9hG4bK-dt-${n};rport\\r\\n"
       "Max-Forwards: 70\\r\\nFrom: <sip:pbx@${PBX_IP}>;tag=dt${n}\\r\\n"
       "To: <sip:nobody@203.0.113.1>\\r\\nCall-ID: dt-${n}@${PBX_IP}\\r\\n"
       "CSeq: 1 INVITE\\r\\nContact: <sip:pbx@${PBX_IP}:5097>\\r\\nContent-Length: 0\\r\\n\\r\\n")
s.sendto(msg.encode(), ("203.0.113.1", 5060))
while True:
    d, a = s.recvfrom(65535)
    code = int(d.split(b" ")[1])
    if code >= 200:
        print(code)
        break
`;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', 'sip', 'python3', '-c', py], { timeout: 20000 },
      (e, stdout) => (e ? reject(e) : resolve(Number(stdout.trim()))));
  });
}

describe('e2e: drain cancel, drain timeout', { skip }, () => {
  before(async () => {
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    page = await browser.openPhone(PHONE_URL);
    await login(page, 'drain-t');
    sippA = pbx(path.join(REPO, 'tests/sip/lab/uas_echo.xml'),
      ['-mi', '203.0.113.2', '-mp', '6000', '-rtp_echo']);
    await sippA.ready;
    const answered = page.evaluate(() => new Promise((r) => {
      const grab = () => {
        const c = window.phone.call;
        if (!c) { setTimeout(grab, 20); return; }
        c.addEventListener('answered', () => r());
      };
      grab();
    }));
    await page.fill('#target', '+4420794600');
    await page.click('#call');
    await answered;
    await statsWithMedia(page, 51);
  });

  after(async () => {
    if (sippA) sippA.kill();
    if (browser) await browser.close();
  });

  test('drain cancel: new calls are taken again', async () => {
    await trapezectl(['drain']);
    assert.equal(await rawInviteStatus(1), 503);
    const r = await trapezectl(['drain', 'cancel']);
    assert.equal(r.state, 'running');
    assert.equal((await trapezectl(['show', 'status'])).state, 'running');
    const code = await rawInviteStatus(2);
    assert.notEqual(code, 503, 'an INVITE after the cancel is handled (no such user: 404)');
    await assert.rejects(trapezectl(['drain', 'cancel']), /not draining/);
  });

  test('drain --timeout 2: the call left is hung up (BYE to the PBX), trapezed exits 0', async (t) => {
    const ended = page.evaluate(() => new Promise((r) =>
      window.phone.call.addEventListener('hangup', (e) => r({ code: e.code, reason: e.reason }))));
    const r = await trapezectl(['drain', '--timeout', '2']);
    assert.equal(r.timeout_s, 2);
    assert.equal(r.calls, 1);
    const e = await ended;
    t.diagnostic(`browser: hangup ${JSON.stringify(e)}`);
    assert.deepEqual(e, { code: 503, reason: 'gateway shutting down' });
    const s = await sippA.done;
    assert.equal(s.code, 0, `the PBX got its BYE: ${s.err}`);
    const statusFile = path.join(STATE, 'trapezed.status');
    const status = await waitUntil(() => fs.existsSync(statusFile)
      && fs.readFileSync(statusFile, 'utf8').trim(), 'trapezed exited', { timeout: 20000 });
    assert.equal(status, '0');
    assert.match(fs.readFileSync(path.join(STATE, 'trapezed.log'), 'utf8'),
      /drain timeout \(2 s\): hanging up the 1 call left; stopping/);
  });
});
