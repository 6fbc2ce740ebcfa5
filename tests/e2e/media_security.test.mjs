// E2E: the media side's defences (issue 9, items 4, 6, 9, 10).
//  - a script with a made-up SDP and no ICE/DTLS gets an answer but never
//    makes the trunk ring (the INVITE leaves only after ICE + DTLS), while a
//    real Chromium call at the same time does;
//  - an offer with only a SHA-1 fingerprint is refused (bad-sdp);
//  - limits.max_calls_per_ip and limits.max_calls refuse with too-many-calls;
//  - RTP from a foreign address does not capture a call's media (RTP bleed);
//  - a browser whose ICE consent checks stop is hung up with ice-failed;
//  - a PBX that stops sending RTP is hung up with media-timeout and a BYE.
// Run by lab_echo.sh, whose config sets limits.max_calls 6,
// max_calls_per_ip 4, consent_timeout_s 8 and sip_media_timeout_s 6.
// Chromium and the raw clients run in namespace `web`, sipp in `sip`.

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { statsWithMedia, statsSummary, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { waitUntil } from './lib/wait.mjs';
import { usePhone, nextCallEvent, dialFrom } from './lib/phone.mjs';
import { REPO } from './lib/server.mjs';
import { sipp } from './lib/sipp.mjs';
import { openRaw, loginRaw, madeUpOffer } from './lib/raw_ws.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e media security: ${skip}`);

const USER = 'e2e-sec';
const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
const CONSENT_TIMEOUT_S = 8;      // lab_echo.sh
const SIP_MEDIA_TIMEOUT_S = 6;    // lab_echo.sh
let page;

/** Dial `target` from the demo page; resolves at answer (or the hangup). */
const dial = (target) => dialFrom(page, target);

async function hangup() {
  const ended = nextCallEvent(page, ['hangup'], 15000);
  await page.click('#hangup');
  return (await ended).code;
}

const stats = () => trapezectl(['show', 'sip', 'stats']);
const myCall = async () => (await trapezectl(['show', 'calls'])).find((c) => c.user === USER);
/** Consent checks the dataplane workers answered (media.consent_in_dataplane). */
const stunCounters = async () => (await trapezectl(['show', 'port', 'counters']))
  .map((p) => `${p.port}: ${['punt_stun', 'stun_answered', 'stun_bad_auth', 'stun_other_user', 'stun_malformed']
    .map((k) => `${k} ${p[k]}`).join(', ')}`).join('; ');
const stunAnswered = async () => (await trapezectl(['show', 'port', 'counters']))
  .reduce((n, p) => n + (p.stun_answered ?? 0), 0);
const flowsOf = async (call) => (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);

/** lib/wait.mjs's waitUntil, with the description first as this file reads. */
const until = (what, fn, ms = 15000) => waitUntil(fn, what, { timeout: ms, interval: 200 });

const sh = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });

describe('e2e: media security', { skip }, () => {
  const phone = usePhone(USER);
  before(() => { page = phone.page; });

  test('a made-up SDP without ICE/DTLS is answered but no INVITE leaves; a real call at the same time rings the PBX', async (t) => {
    const ws = await openRaw();
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', '203.0.113.2', '-mp', '6400', '-rtp_echo']);
    try {
      await loginRaw(ws, 'e2e-script');
      const before = await stats();
      const r = await ws.request({ type: 'call', call: 'fake1', target: '+442079460010', sdp: madeUpOffer() });
      assert.equal(r.type, 'answer', `the script gets an SDP answer: ${JSON.stringify(r)}`);
      await withScreenshot(t, page, async () => {
        // The real call's INVITE leaves after its ICE + DTLS; once it is
        // answered, exactly one INVITE went out: not the script's.
        assert.deepEqual(await dial('+442079460011'), { answered: true });
        const s = await stats();
        assert.equal(s.invite_out - before.invite_out, 1, 'one INVITE: the real call\'s');
        assert.equal(s.invites_after_dtls - before.invites_after_dtls, 1);
        const calls = await trapezectl(['show', 'calls']);
        const fake = calls.find((c) => c.user === 'e2e-script');
        assert.equal(fake?.state, 'negotiating', 'the script\'s call waits for ICE that never comes');
        const real = calls.find((c) => c.user === USER);
        t.diagnostic(`real call: offer -> DTLS connected (INVITE sent) in ${real.setup_ms} ms`);
        assert.ok((await statsWithMedia(page, 20)).inbound.packetsReceived >= 20, 'the real call has audio');
        assert.equal(await hangup(), 200);
        assert.equal((await pbx.done).code, 0, 'the PBX saw exactly one call, answered and ended');
      });
      const gone = ws.next((m) => m.type === 'hangup' && m.call === 'fake1');
      ws.send({ type: 'hangup', call: 'fake1' });
      assert.equal((await gone).code, 200);
      assert.equal((await stats()).invite_out - before.invite_out, 1, 'still no INVITE for the script');
    } finally {
      ws.close();
      pbx.kill();
    }
  });

  test('an offer with only a SHA-1 fingerprint is refused with bad-sdp and counted', async () => {
    const ws = await openRaw();
    try {
      await loginRaw(ws, 'e2e-sha1');
      const before = await stats();
      const r = await ws.request({ type: 'call', call: 's1', target: 'echo', sdp: madeUpOffer({ hash: 'sha-1' }) });
      assert.equal(r.type, 'error');
      assert.equal(r.code, 'bad-sdp');
      assert.match(r.message, /sha-1/);
      assert.equal((await stats()).dtls_fingerprint_refused - before.dtls_fingerprint_refused, 1);
      const ok = await ws.request({ type: 'call', call: 's2', target: 'echo', sdp: madeUpOffer() });
      assert.equal(ok.type, 'answer', 'sha-256 is accepted');
    } finally {
      ws.close();
    }
  });

  test('limits.max_calls_per_ip then limits.max_calls: too-many-calls, counted', async (t) => {
    const OTHER_IP = '198.51.100.67';
    const socks = [];
    sh('ip', ['addr', 'add', `${OTHER_IP}/24`, 'dev', 'web0']);
    try {
      const open = async (user, localAddress) => {
        const ws = await openRaw({ localAddress });
        socks.push(ws);
        await loginRaw(ws, user);
        return ws;
      };
      const call = (ws, name) => ws.request({ type: 'call', call: name, target: 'echo', sdp: madeUpOffer() });
      await until('no call left over from another test', async () =>
        (await trapezectl(['show', 'calls'])).length === 0);
      const before = await stats();
      // Four calls from this address (two users, under max_calls_per_user)
      const a1 = await open('e2e-lim-a1');
      const a2 = await open('e2e-lim-a2');
      for (const [ws, n] of [[a1, 'a'], [a1, 'b'], [a2, 'c'], [a2, 'd']]) {
        assert.equal((await call(ws, n)).type, 'answer', `call ${n} admitted`);
      }
      const perIp = await call(a2, 'e');
      assert.equal(perIp.type, 'error');
      assert.equal(perIp.code, 'too-many-calls');
      assert.match(perIp.message, /max_calls_per_ip/);
      // Another address: two more fit (6 = max_calls), the next does not.
      const b = await open('e2e-lim-b', OTHER_IP);
      assert.equal((await call(b, 'f')).type, 'answer');
      assert.equal((await call(b, 'g')).type, 'answer');
      const full = await call(b, 'h');
      assert.equal(full.type, 'error');
      assert.equal(full.code, 'too-many-calls');
      assert.match(full.message, /max_calls/);
      const s = await stats();
      assert.equal(s.calls_refused_per_ip - before.calls_refused_per_ip, 1);
      assert.equal(s.calls_refused_max_calls - before.calls_refused_max_calls, 1);
    } finally {
      for (const ws of socks) ws.close();
      try { sh('ip', ['addr', 'del', `${OTHER_IP}/24`, 'dev', 'web0']); } catch { /* gone */ }
    }
    await until('the limit test\'s calls to end', async () =>
      !(await trapezectl(['show', 'calls'])).some((c) => c.user.startsWith('e2e-lim')));
  });

  test('RTP from a foreign address does not capture the call\'s media: refused, counted, the PBX\'s audio still reaches the browser', async (t) => {
    const FOREIGN = '203.0.113.66';
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', '203.0.113.2', '-mp', '6400', '-rtp_echo']);
    let sender;
    sh('ip', ['netns', 'exec', 'sip', 'ip', 'addr', 'add', `${FOREIGN}/24`, 'dev', 'sip0']);
    try {
      await withScreenshot(t, page, async () => {
        assert.deepEqual(await dial('+442079460012'), { answered: true });
        await statsWithMedia(page, 20);
        const call = await until('the call and its flows', async () => {
          const c = await myCall();
          return c && (await flowsOf(c)).some((f) => f.from === '203.0.113.2:6400') ? c : null;
        });
        const core = (await flowsOf(call)).find((f) => f.from === '203.0.113.2:6400');
        const before = await stats();
        // An attacker's stream, one SSRC, 50 packets: what latching used to take.
        const py = `
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("${FOREIGN}", 6400))
for i in range(50):
    s.sendto(struct.pack("!BBHII", 0x80, 0, i, i * 160, 0xBAD0BAD0) + bytes(160), ("203.0.113.1", ${core.local_port}))
    time.sleep(0.02)
`;
        sender = spawn('ip', ['netns', 'exec', 'sip', 'python3', '-c', py], { stdio: 'ignore' });
        // Until the gateway has dealt with 10 of them: latched, or refused.
        await until('the foreign packets to be latched or refused', async () =>
          (await myCall())?.latched ||
          (await stats()).latch_refused_address - before.latch_refused_address >= 10);
        const after = await myCall();
        t.diagnostic(`call: ${JSON.stringify(after)}`);
        assert.equal(after.latched, false, 'not latched to the foreign source');
        assert.ok((await stats()).latch_refused_address - before.latch_refused_address >= 10, 'refused, counted');
        assert.equal(after.sip_media, '203.0.113.2');
        assert.equal(after.sip_media_port, 6400);
        assert.equal((await stats()).media_latched - before.media_latched, 0);
        const toSip = (await flowsOf(after)).find((f) => f.xform === 'srtp>rtp');
        assert.equal(toSip?.to, '203.0.113.2:6400', 'the browser\'s audio still goes to the PBX');
        const p0 = (await statsSummary(page)).inbound.packetsReceived;
        await statsWithMedia(page, p0 + 25);
        assert.ok((await statsSummary(page)).inbound.packetsReceived >= p0 + 25,
          'the PBX\'s (echoed) audio keeps reaching the browser');
        assert.equal(await hangup(), 200);
        assert.equal((await pbx.done).code, 0);
      });
    } finally {
      if (sender && sender.exitCode === null) sender.kill('SIGTERM');
      try { sh('ip', ['netns', 'exec', 'sip', 'ip', 'addr', 'del', `${FOREIGN}/24`, 'dev', 'sip0']); } catch { /* gone */ }
      pbx.kill();
    }
  });

  test('the browser\'s ICE consent checks stop (STUN dropped by iptables in namespace web): ice-failed within consent_timeout_s', async (t) => {
    let filtered = false;
    let rule;
    try {
      await withScreenshot(t, page, async () => {
        const answered0 = await stunAnswered();
        assert.deepEqual(await dial('echo'), { answered: true });
        await statsWithMedia(page, 20);
        // First the browser's own checks keep the call alive past the
        // timeout: consent is seen, not just assumed at the nomination.
        const call = await until(`the call to pass ${CONSENT_TIMEOUT_S + 3} s`, async () => {
          const c = await myCall();
          assert.equal(c?.state, 'connected', 'the call lives on its consent checks');
          return c.age_s >= CONSENT_TIMEOUT_S + 3 ? c : null;
        }, (CONSENT_TIMEOUT_S + 10) * 1000);
        // ... answered by the dataplane worker, not libnice (lab default:
        // media.consent_in_dataplane true)
        const answered = await stunAnswered() - answered0;
        t.diagnostic(`consent checks answered by the worker: ${answered} (${await stunCounters()})`);
        assert.ok(answered >= 1, 'the worker answers the browser\'s consent checks');
        const before = await stats();
        rule = ['-p', 'udp', '-d', '198.51.100.1', '--dport', String(call.local_port),
          '-m', 'u32', '--u32', '0>>22&0x3C@8>>30=0', '-j', 'DROP'];
        // Drop what the browser sends to the call's port whose first byte
        // is below 64 (RFC 7983: STUN, and DTLS which is done); RTP passes.
        // (iptables u32: the IP header length, then the UDP payload's top bits)
        sh('iptables-legacy', ['-I', 'OUTPUT', ...rule]);
        filtered = true;
        const t0 = Date.now();
        const ended = await nextCallEvent(page, ['hangup'], (CONSENT_TIMEOUT_S + 15) * 1000);
        const s = (Date.now() - t0) / 1000;
        t.diagnostic(`hung up after ${s.toFixed(1)} s: ${JSON.stringify(ended)}`);
        assert.equal(ended.reason, 'ice-failed');
        assert.ok(s >= CONSENT_TIMEOUT_S - 4 && s <= CONSENT_TIMEOUT_S + 4, `${s} s`);
        assert.equal((await stats()).consent_lost - before.consent_lost, 1);
      });
    } finally {
      if (filtered) sh('iptables-legacy', ['-D', 'OUTPUT', ...rule]);
    }
  });

  test('the PBX stops sending RTP (the browser still sends): media-timeout, and the PBX gets a BYE', async (t) => {
    // No -rtp_echo: this PBX answers and then sends no media at all.
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', '203.0.113.2', '-mp', '6400']);
    try {
      await withScreenshot(t, page, async () => {
        const before = await stats();
        const ended = dial('+442079460013').then(() => nextCallEvent(page, ['hangup'], (SIP_MEDIA_TIMEOUT_S + 15) * 1000));
        const e = await ended;
        t.diagnostic(`ended: ${JSON.stringify(e)}`);
        assert.equal(e.reason, 'media-timeout');
        assert.equal((await stats()).media_timeout_sip - before.media_timeout_sip, 1);
        const r = await pbx.done;
        assert.equal(r.code, 0, `the PBX got our BYE: ${r.err}`);
      });
    } finally {
      pbx.kill();
    }
  });
});
