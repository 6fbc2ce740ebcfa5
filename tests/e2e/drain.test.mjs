// E2E: `trapezectl drain` for a maintenance window (issue 13,
// docs/operations.md).  A browser calls the lab PBX (sipp echoing RTP); the
// gateway is drained: a new web call is refused with `draining`, a SIP
// INVITE from the PBX host gets 503 with Retry-After, `show status` says
// draining with one call left, the live call's audio keeps flowing both
// ways; when it ends trapezed stops by itself with exit status 0.
// Run by lab_admin.sh (meson test lab_drain): it stops the gateway.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, login, statsSummary, statsWithMedia } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, PHONE_URL } from './lib/gateway.mjs';
import { REPO } from './lib/server.mjs';
import { sipp as pbx, PBX_IP } from './lib/sipp.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e drain: ${skip}`);

const STATE = process.env.TZ_LAB_STATE || '/run/trapeze/lab';
let browser;
let pageA;
let sippA;

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

/** One INVITE from the PBX host; the final response's status line and headers. */
function rawInvite() {
  const py = `
import socket, json
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((${JSON.stringify(PBX_IP)}, 5097))
s.settimeout(3)
msg = ("INVITE sip:web-user@203.0.113.1:5060 SIP/2.0\\r\\n"
       "Via: SIP/2.0/UDP ${PBX_IP}:5097;branch=z9hG4bK-drain-1;rport\\r\\n"
       "Max-Forwards: 70\\r\\nFrom: <sip:pbx@${PBX_IP}>;tag=d1\\r\\n"
       "To: <sip:web-user@203.0.113.1>\\r\\nCall-ID: drain-1@${PBX_IP}\\r\\n"
       "CSeq: 1 INVITE\\r\\nContact: <sip:pbx@${PBX_IP}:5097>\\r\\nContent-Length: 0\\r\\n\\r\\n")
s.sendto(msg.encode(), ("203.0.113.1", 5060))
while True:
    d, a = s.recvfrom(65535)
    lines = d.decode(errors="replace").split("\\r\\n")
    if int(lines[0].split()[1]) >= 200:
        print(json.dumps(lines))
        break
`;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', 'sip', 'python3', '-c', py], { timeout: 20000 },
      (e, stdout) => (e ? reject(e) : resolve(JSON.parse(stdout))));
  });
}

async function flowPackets(user) {
  const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === user);
  const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call?.call);
  return {
    toSip: flows.find((f) => f.xform === 'srtp>rtp')?.packets ?? 0,
    // the PBX's RTP flow (its RTCP flow from the next port carries few packets)
    fromSip: Math.max(0, ...flows.filter((f) => f.xform === 'rtp>srtp' && f.in_port === 'core')
      .map((f) => f.packets)),
  };
}

describe('e2e: drain', { skip }, () => {
  before(async () => {
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    pageA = await browser.openPhone(PHONE_URL);
    await login(pageA, 'drain-a');
    sippA = pbx(path.join(REPO, 'tests/sip/lab/uas_echo.xml'),
      ['-mi', '203.0.113.2', '-mp', '6000', '-rtp_echo']);
    await sippA.ready;
    const answered = pageA.evaluate(() => new Promise((r) => {
      const grab = () => {
        const c = window.phone.call;
        if (!c) { setTimeout(grab, 20); return; }
        c.addEventListener('answered', () => r());
      };
      grab();
    }));
    await pageA.fill('#target', '+4420794600');
    await pageA.click('#call');
    await answered;
    await statsWithMedia(pageA, 51);
  });

  after(async () => {
    if (sippA) sippA.kill();
    if (browser) await browser.close();
  });

  test('drain: new calls refused (web: draining; SIP: 503 + Retry-After), the live call goes on', async (t) => {
    const r = await trapezectl(['drain', '--timeout', '120']);
    assert.equal(r.state, 'draining');
    assert.equal(r.calls, 1);

    const s = await trapezectl(['show', 'status']);
    assert.equal(s.state, 'draining');
    assert.equal(s.calls, 1);
    assert.ok(s.drain_timeout_left_s > 100 && s.drain_timeout_left_s <= 120, `left ${s.drain_timeout_left_s}`);

    // A second web user's call: refused with the code `draining`.
    const pageB = await browser.openPhone(PHONE_URL);
    await login(pageB, 'drain-b');
    const refused = hangupOf(pageB);
    await pageB.fill('#target', '+4420794601');
    await pageB.click('#call');
    const e = await refused;
    t.diagnostic(`new web call: ${JSON.stringify(e)}`);
    assert.equal(e.reason, 'draining');
    await pageB.close();
    await pageA.bringToFront();

    // An INVITE from the trunk's host: 503 with Retry-After.
    const resp = await rawInvite();
    t.diagnostic(`SIP: ${resp.slice(0, 2).join(' | ')}`);
    assert.match(resp[0], /^SIP\/2\.0 503 /);
    assert.ok(resp.some((l) => /^Retry-After: *60\b/i.test(l)), `Retry-After in ${JSON.stringify(resp)}`);
    assert.equal((await trapezectl(['show', 'sip', 'stats'])).invite_refused_draining, 1);

    // The live call: both directions keep moving, the browser hears the echo.
    const before = await flowPackets('drain-a');
    const b = await statsSummary(pageA);
    await waitUntil(async () => {
      const now = await flowPackets('drain-a');
      return now.toSip > before.toSip + 25 && now.fromSip > before.fromSip + 25;
    }, 'the live call carries 25 more packets each way while draining');
    await waitUntil(async () => (await statsSummary(pageA)).inbound.packetsReceived
      > b.inbound.packetsReceived + 25, 'the browser still receives the echo');
    const st = await trapezectl(['show', 'status']);
    assert.equal(st.calls_refused_draining, 1);
  });

  test('the last call ends: trapezed stops by itself, exit status 0', async () => {
    const ended = hangupOf(pageA);
    await pageA.click('#hangup');
    assert.equal((await ended).code, 200);
    assert.equal((await sippA.done).code, 0, 'sipp saw the whole call incl. our BYE');
    const statusFile = path.join(STATE, 'trapezed.status');
    const status = await waitUntil(() => fs.existsSync(statusFile)
      && fs.readFileSync(statusFile, 'utf8').trim(), 'trapezed exited', { timeout: 20000 });
    assert.equal(status, '0');
    const log = fs.readFileSync(path.join(STATE, 'trapezed.log'), 'utf8');
    assert.match(log, /drain complete: no calls left/);
  });
});
