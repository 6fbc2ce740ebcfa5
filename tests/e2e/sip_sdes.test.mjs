// E2E: SDES-SRTP (RFC 4568) towards a trunk with `srtp: sdes` (issue 11).
// Chromium (namespace `web`, DTLS-SRTP) <-> the gateway <-> baresip
// (namespace `sip`, 203.0.113.4:5096, `mediaenc=srtp-mand`: RTP/SAVP with
// a=crypto required), the dataplane re-keying SRTP both ways.  Run by
// lab_echo.sh, whose config adds the trunk lab-sdes (203.0.113.4:5096,
// srtp: sdes; numbers +1444...).  203.0.113.4 is added to the PBX host here
// (its own address: inbound INVITEs are attributed to a trunk by source).
// lab-sdes is UDP; lab-sdes-tls (+1445...) is the same baresip over SIP TLS
// (its port 5097), its certificate from a lab CA that lab_echo.sh made in
// $TZ_LAB_STATE/lab-ca and gave the trunk as its own tls_ca.
//  - the browser calls baresip: audio both ways (the browser hears baresip's
//    tone; baresip's recording of what it decoded is not silence), the
//    INVITE's SDP is RTP/SAVP with our a=crypto, `show calls` says srtp-sdes,
//    the flows are srtp>srtp;
//  - the same over SIP TLS: the trunk's certificate chains only to its
//    tls_ca; SDES keys never cross the wire in clear;
//  - baresip calls the web user over SDES: accepted, audio both ways;
//  - the trunk answers plain RTP/AVP (sipp): the browser gets bad-sdp and the
//    SIP dialog is ended (sipp sees our BYE).

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { statsWithMedia, maxAudioLevel, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { usePhone, dialFrom, nextCallEvent } from './lib/phone.mjs';
import { REPO } from './lib/server.mjs';
import { udpBound } from './lib/sipp.mjs';
import { startBaresip, toneStats } from './lib/baresip.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e sip sdes: ${skip}`);

const USER = 'e2e-sdes';
const SDES_IP = '203.0.113.4';
const SDES_PORT = 5096;
const SUITE = 'AES_CM_128_HMAC_SHA1_80';
let page;

const myCall = async () => (await trapezectl(['show', 'calls'])).find((c) => c.user === USER);
const flowsOf = async (call) => (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);
const sipStats = () => trapezectl(['show', 'sip', 'stats']);

/** 203.0.113.4 on the PBX host (namespace sip), once. */
function sdesAddress() {
  const have = execFileSync('ip', ['-n', 'sip', '-o', 'addr', 'show'], { encoding: 'utf8' });
  if (!have.includes(` ${SDES_IP}/`)) execFileSync('ip', ['-n', 'sip', 'addr', 'add', `${SDES_IP}/24`, 'dev', 'sip0']);
}

/** The SIP messages of baresip's -s trace whose first line starts with
 * `first`: each up to the next request or status line. */
function sipMessages(log, first) {
  const start = /^(?:[A-Z]+ sip:\S+ SIP\/2\.0|SIP\/2\.0 \d{3} .*)$/gm;
  const at = [...log.matchAll(start)].map((m) => m.index);
  return at.map((i, k) => log.slice(i, at[k + 1] ?? log.length)).filter((m) => m.startsWith(first));
}

/** Baresip's recording of the audio it decoded, once it holds `seconds`. */
async function decodedAudio(bs, seconds = 1) {
  return waitUntil(async () => {
    const rx = (await bs.recordings()).find((r) => r.dir === 'received');
    if (!rx) return null;
    const s = toneStats(rx.file);
    return s.seconds >= seconds ? s : null;
  }, 'baresip recorded the decoded audio', { timeout: 10000, interval: 100 });
}

/** Media flows of the call: both srtp>srtp with packets; returns them. */
async function rekeyFlows(t, call) {
  const flows = await flowsOf(call);
  t.diagnostic(`flows: ${JSON.stringify(flows)}`);
  const rekey = flows.filter((f) => f.xform === 'srtp>srtp');
  assert.ok(rekey.length >= 2, 'both directions re-keyed in the dataplane');
  const toSip = rekey.find((f) => f.in_port === 'access');
  const toWeb = rekey.find((f) => f.from === toSip?.to);
  assert.ok(toSip?.packets > 50, `browser -> PBX packets: ${toSip?.packets}`);
  assert.ok(toWeb?.packets > 50, `PBX -> browser packets: ${toWeb?.packets}`);
  return { toSip, toWeb };
}

describe('e2e: SDES-SRTP towards a trunk (srtp: sdes)', { skip }, () => {
  const phone = usePhone(USER);
  before(() => { page = phone.page; sdesAddress(); });

  test('the browser calls baresip over the SDES trunk: RTP/SAVP + a=crypto, audio both ways, show calls srtp-sdes', async (t) => {
    const bs = await startBaresip({ netns: 'sip', addr: SDES_IP, port: SDES_PORT, mediaenc: 'srtp-mand', sipTrace: true });
    try {
      await withScreenshot(t, page, async () => {
        assert.deepEqual(await dialFrom(page, '+14440001'), { answered: true });
        const s = await statsWithMedia(page, 51);
        t.diagnostic(`browser inbound: ${JSON.stringify(s.inbound)}`);
        assert.ok(s.inbound.packetsReceived > 50, 'the browser receives baresip\'s SRTP, re-keyed');
        const level = await maxAudioLevel(page, 2000);
        assert.ok(level > 0.01, `the browser hears baresip's tone (audioLevel ${level})`);

        const call = await myCall();
        t.diagnostic(`show calls: ${JSON.stringify(call)}`);
        assert.equal(call.sip_media_security, `srtp-sdes ${SUITE}`);
        assert.doesNotMatch(JSON.stringify(call), /inline:/, 'no key in the CLI');
        const { toSip, toWeb } = await rekeyFlows(t, call);
        t.diagnostic(`packets browser->baresip ${toSip.packets}, baresip->browser ${toWeb.packets}`);

        // our INVITE's offer, as baresip received it
        const invite = sipMessages(bs.log(), 'INVITE sip:').find((m) => m.includes('14440001')) ?? '';
        assert.match(invite, /m=audio \d+ RTP\/SAVP /, `offer: ${invite}`);
        assert.match(invite, new RegExp(`a=crypto:1 ${SUITE} inline:`));

        const rx = await decodedAudio(bs);
        t.diagnostic(`baresip decoded: ${JSON.stringify(rx)}`);
        assert.ok(rx.rms > 50, `baresip decoded the browser's audio, not silence (rms ${rx.rms})`);

        const ended = nextCallEvent(page, ['hangup']);
        await page.click('#hangup');
        assert.equal((await ended).code, 200);
        await bs.waitCalls((c) => c.closed >= 1, 5000);
        assert.equal(bs.calls().established, 1);
      });
    } finally {
      await bs.stop();
    }
  });

  const labCa = process.env.TZ_LAB_STATE ? path.join(process.env.TZ_LAB_STATE, 'lab-ca') : null;
  test('over SIP TLS (trunk lab-sdes-tls, tls_ca = the lab CA): the browser calls baresip, audio both ways', { skip: labCa ? false : 'no lab CA (run by lab_echo.sh)' }, async (t) => {
    const bs = await startBaresip({
      netns: 'sip', addr: SDES_IP, port: SDES_PORT, mediaenc: 'srtp-mand', sipTrace: true,
      tlsCert: path.join(labCa, 'baresip.pem'), tlsCa: path.join(labCa, 'ca.pem'),
    });
    try {
      const before = await sipStats();
      await withScreenshot(t, page, async () => {
        assert.deepEqual(await dialFrom(page, '+14450001'), { answered: true });
        const s = await statsWithMedia(page, 51);
        assert.ok(s.inbound.packetsReceived > 50, 'the browser receives baresip\'s SRTP');
        const level = await maxAudioLevel(page, 2000);
        assert.ok(level > 0.01, `the browser hears baresip's tone (audioLevel ${level})`);
        const call = await myCall();
        t.diagnostic(`show calls: ${JSON.stringify(call)}`);
        assert.equal(call.sip_media_security, `srtp-sdes ${SUITE}`);
        const { toSip, toWeb } = await rekeyFlows(t, call);
        t.diagnostic(`packets browser->baresip ${toSip.packets}, baresip->browser ${toWeb.packets}`);
        const incoming = bs.calls().events.find((e) => e.type === 'incoming');
        t.diagnostic(`baresip: ${JSON.stringify(incoming)}`);
        assert.equal(incoming?.transport, 'TLS', 'the INVITE came over TLS');
        const invite = sipMessages(bs.log(), 'INVITE sip:').find((m) => m.includes('14450001')) ?? '';
        assert.match(invite, new RegExp(`a=crypto:1 ${SUITE} inline:`));
        const ended = nextCallEvent(page, ['hangup']);
        await page.click('#hangup');
        assert.equal((await ended).code, 200);
        await bs.waitCalls((c) => c.closed >= 1, 5000);
      });
      const after = await sipStats();
      assert.equal(after.tls_verify_failed - before.tls_verify_failed, 0, 'certificate accepted');
    } finally {
      await bs.stop();
    }
  });

  test('baresip calls the web user over the SDES trunk: accepted, audio both ways', async (t) => {
    const bs = await startBaresip({
      netns: 'sip', addr: SDES_IP, port: SDES_PORT, mediaenc: 'srtp-mand', sipTrace: true,
      dial: `sip:${USER}@203.0.113.1:5060`,
    });
    try {
      await withScreenshot(t, page, async () => {
        await page.waitForSelector('#incoming:not([hidden])', { timeout: 15000 });
        await page.click('#accept');
        await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'in-call',
          null, { timeout: 15000 });
        const s = await statsWithMedia(page, 51);
        assert.ok(s.inbound.packetsReceived > 50, 'the browser receives baresip\'s SRTP');
        const level = await maxAudioLevel(page, 2000);
        assert.ok(level > 0.01, `the browser hears baresip's tone (audioLevel ${level})`);
        const call = await myCall();
        t.diagnostic(`show calls: ${JSON.stringify(call)}`);
        assert.equal(call.sip_media_security, `srtp-sdes ${SUITE}`);
        const { toSip, toWeb } = await rekeyFlows(t, call);
        t.diagnostic(`packets browser->baresip ${toSip.packets}, baresip->browser ${toWeb.packets}`);
        // our answer: RTP/SAVP with our key under baresip's tag
        const ok = sipMessages(bs.log(), 'SIP/2.0 200 OK').find((m) => /RTP\/SAVP/.test(m)) ?? '';
        assert.match(ok, new RegExp(`a=crypto:1 ${SUITE} inline:`), `answer: ${ok}`);
        const rx = await decodedAudio(bs);
        t.diagnostic(`baresip decoded: ${JSON.stringify(rx)}`);
        assert.ok(rx.rms > 50, `baresip decoded the browser's audio (rms ${rx.rms})`);
        const ended = nextCallEvent(page, ['hangup']);
        await page.click('#hangup');
        await ended;
        await bs.waitCalls((c) => c.closed >= 1, 5000);
      });
    } finally {
      await bs.stop();
    }
  });

  test('the SDES trunk answers plain RTP/AVP: bad-sdp for the browser, the SIP dialog ended (BYE)', async (t) => {
    const args = ['netns', 'exec', 'sip', 'sipp', '-sf', path.join(REPO, 'tests/sip/lab/uas_echo.xml'),
      '-i', SDES_IP, '-p', String(SDES_PORT), '-mi', SDES_IP, '-mp', '6400', '-rtp_echo',
      '-m', '1', '-nostdin', '-timeout', '30s', '-timeout_error'];
    const p = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { if (err.length < 20000) err += d; });
    const done = new Promise((resolve) => p.on('exit', (code) => resolve(code)));
    try {
      await waitUntil(() => {
        if (p.exitCode !== null) throw new Error(`sipp exited: ${err}`);
        return udpBound('sip', SDES_IP, SDES_PORT);
      }, 'sipp on the SDES trunk', { timeout: 10000, interval: 50 });
      const before = await sipStats();
      await withScreenshot(t, page, async () => {
        const r = await dialFrom(page, '+14440002');
        t.diagnostic(`outcome: ${JSON.stringify(r)}`);
        assert.equal(r.answered, false);
        await page.waitForFunction(() => document.querySelector('#error')?.dataset.code === 'bad-sdp',
          null, { timeout: 10000 });
      });
      assert.equal(await done, 0, `sipp saw ACK and our BYE: ${err.slice(0, 500)}`);
      const after = await sipStats();
      assert.equal(after.sdes_refused - before.sdes_refused, 1, 'sdes_refused counted');
      assert.equal(await myCall(), undefined, 'no call left');
    } finally {
      if (p.exitCode === null) p.kill('SIGTERM');
    }
  });
});
