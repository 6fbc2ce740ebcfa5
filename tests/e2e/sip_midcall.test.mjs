// E2E: mid-call features between a browser and the SIP side of the lab —
// hold/resume either way, DTMF in the media (RFC 4733, payload type mapped
// by the dataplane) and as SIP INFO, latching to a NATed PBX's real media
// source, and a call answered by baresip.  Chromium runs in namespace `web`,
// sipp/baresip/tcpdump in namespace `sip`.  Run by lab_echo.sh (CI), whose
// config adds trunks lab-info (+1555…, DTMF as SIP INFO, port 5070),
// lab-nat (+1666…, PCMA, port 5080) and lab-baresip (+1777…, port 5090).

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { statsWithMedia, maxAudioLevel, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { usePhone, nextCallEvent, dialFrom } from './lib/phone.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, capture } from './lib/sipp.mjs';
import { parsePcap, rfc4733Digits, rtpPayloadTypes } from './lib/rtp_events.mjs';
import { startBaresip } from './lib/baresip.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e sip mid-call: ${skip}`);

const USER = 'e2e-mid';
const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
let page;

/** Dial `target` from the demo page; resolves at answer (or the hangup). */
const dial = (target) => dialFrom(page, target);

/** Resolves with the detail of the next `type` event of the current call. */
const nextEvent = (type, timeout = 15000) => nextCallEvent(page, [type], timeout);

async function hangup() {
  const ended = nextEvent('hangup');
  await page.click('#hangup');
  return (await ended).code;
}

const myCall = async () => (await trapezectl(['show', 'calls'])).find((c) => c.user === USER);
const flowsOf = async (call) => (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);
const sipStats = () => trapezectl(['show', 'sip', 'stats']);

describe('e2e: mid-call features with the SIP side', { skip }, () => {
  const phone = usePhone(USER);
  before(() => { page = phone.page; });

  test('the web user holds and resumes: re-INVITE a=sendonly then a=sendrecv, with session timers', async (t) => {
    const pbx = sipp(LAB('uas_expect_hold.xml'), ['-mi', '203.0.113.2', '-mp', '6000', '-rtp_echo']);
    await pbx.ready;
    await withScreenshot(t, page, async () => {
      assert.deepEqual(await dial('+442079460001'), { answered: true });
      await statsWithMedia(page, 20);
      const before = await sipStats();

      const held = nextEvent('held');
      await page.click('#hold');
      assert.equal((await held).by, 'local');
      assert.equal((await myCall())?.hold, 'local', 'show calls: hold local');
      assert.equal(await page.textContent('#hold'), 'Resume');

      const unheld = nextEvent('unheld');
      await page.click('#hold');
      assert.equal((await unheld).by, 'local');
      assert.equal((await myCall())?.hold, 'none');
      const s = await sipStats();
      assert.equal(s.reinvites_out - before.reinvites_out, 2);
      assert.equal(s.holds_by_web - before.holds_by_web, 1);

      assert.equal(await hangup(), 200);
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX saw Session-Expires, a=sendonly, a=sendrecv and our BYE: ${r.err}`);
    });
    pbx.kill();
  });

  for (const [how, scenario] of [['re-INVITE', 'uas_hold.xml'], ['UPDATE', 'uas_hold_update.xml']]) test(`the PBX holds and resumes by ${how}: the browser hears held/unheld by remote; media keeps flowing after`, async (t) => {
    const pbx = sipp(LAB(scenario), ['-mi', '203.0.113.2', '-mp', '6000', '-rtp_echo']);
    await pbx.ready;
    await withScreenshot(t, page, async () => {
      const held = dial('+442079460002').then(() => nextEvent('held'));
      assert.equal((await held).by, 'remote');
      assert.equal((await myCall())?.hold, 'remote');
      assert.match(await page.textContent('#status'), /hold/);
      assert.equal((await nextEvent('unheld')).by, 'remote');
      const call = await myCall();
      assert.equal(call?.hold, 'none');
      const p0 = call.packets;
      await waitUntil(async () => (await myCall()).packets > p0 + 40, 'media flowing after the resume');
      assert.equal(await hangup(), 200);
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX got a=recvonly to its hold and a=sendrecv to its resume: ${r.err}`);
    });
    pbx.kill();
  });

  test('DTMF from the browser arrives at the PBX as RFC 4733 events in the trunk\'s payload type', async (t) => {
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', '203.0.113.2', '-mp', '6000', '-rtp_echo']);
    await pbx.ready;
    const cap = await capture('udp and dst host 203.0.113.2 and dst port 6000');
    let pcap;
    await withScreenshot(t, page, async () => {
      assert.deepEqual(await dial('+442079460003'), { answered: true });
      await statsWithMedia(page, 20);
      const browserTe = await page.evaluate(() => {
        const m = /a=rtpmap:(\d+) telephone-event\/8000/.exec(window.phone.call.pc.remoteDescription.sdp);
        return m ? Number(m[1]) : -1;
      });
      t.diagnostic(`browser telephone-event/8000 payload type: ${browserTe}; the trunk's: 101`);
      assert.ok(browserTe > 0, 'telephone-event was negotiated with the browser');
      const how = await page.evaluate(() => window.phone.call.dtmf('1#9', 120));
      assert.equal(how, 'rfc4733');
      // the last digit's end packets (sent 3 times) seen at the PBX
      await waitUntil(() => rfc4733Digits(parsePcap(cap.peek()), { pt: 101, dport: 6000 }) === '1#9',
        'the digits 1#9 at the PBX');
      assert.equal(await hangup(), 200);
      pcap = (await cap.stop()).buf;
      assert.equal((await pbx.done).code, 0);
      const pkts = parsePcap(pcap);
      const pts = rtpPayloadTypes(pkts, { dport: 6000 });
      t.diagnostic(`payload types at the PBX: ${JSON.stringify([...pts])}`);
      assert.equal(rfc4733Digits(pkts, { pt: 101, dport: 6000 }), '1#9');
      if (browserTe !== 101) assert.ok(!pts.has(browserTe), 'no packet kept the browser\'s payload type');
      assert.ok((pts.get(0) ?? 0) > 20, 'PCMU audio reached the PBX');
    });
    if (!pcap) await cap.stop();
    pbx.kill();
  });

  test('DTMF to a trunk with dtmf: info goes as SIP INFO, one per digit, in order', async (t) => {
    const pbx = sipp(LAB('uas_info.xml'), ['-mi', '203.0.113.2', '-mp', '6200', '-rtp_echo'], '5070');
    await pbx.ready;
    await withScreenshot(t, page, async () => {
      assert.deepEqual(await dial('+15550001'), { answered: true });
      const hasTe = await page.evaluate(() => /telephone-event/.test(window.phone.call.pc.remoteDescription.sdp));
      assert.equal(hasTe, false, 'no telephone-event offered to the browser for an INFO trunk');
      const before = await sipStats();
      assert.equal(await page.evaluate(() => window.phone.call.dtmf('123', 100)), 'info');
      await waitUntil(async () => (await sipStats()).dtmf_info_out - before.dtmf_info_out >= 3,
        'three SIP INFO sent');
      assert.equal((await sipStats()).dtmf_info_out - before.dtmf_info_out, 3);
      assert.equal(await hangup(), 200);
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX got INFO Signal=1, 2, 3: ${r.err}`);
    });
    pbx.kill();
  });

  test('a PBX behind NAT: the gateway latches to where its RTP really comes from', async (t) => {
    const pbx = sipp(LAB('uas_nat.xml'), ['-mi', '203.0.113.2', '-mp', '6300'], '5080');
    await pbx.ready;
    let media;
    await withScreenshot(t, page, async () => {
      const before = await sipStats();
      assert.deepEqual(await dial('+16660001'), { answered: true });
      // The PBX's media, from port 6330 to our core port (SDP said 6310).
      // `answered` may reach the page before the flows are published.
      const core = await waitUntil(async () => (await flowsOf(await myCall()))
        .find((f) => f.from === '203.0.113.2:6310'), 'the flow from the SDP address 203.0.113.2:6310');
      media = spawn('ip', ['netns', 'exec', 'sip', 'python3', LAB('rtp_peer.py'), '203.0.113.1',
        String(core.local_port), '30', '--src-port', '6330', '--codec', 'pcma'], { stdio: 'ignore' });
      const s = await statsWithMedia(page, 51);
      t.diagnostic(`stats: ${JSON.stringify(s.inbound)}`);
      const call = await myCall();
      t.diagnostic(`call: ${JSON.stringify(call)}`);
      assert.equal(call.latched, true, 'show calls: latched');
      assert.equal(call.sip_media_port, 6330, 'the real source port, not the SDP\'s 6310');
      assert.equal((await sipStats()).media_latched - before.media_latched, 1);
      const through = (fl) => {
        const to = fl.find((f) => f.xform === 'srtp>rtp');
        const from = fl.find((f) => f.xform === 'rtp>srtp' && f.from === '203.0.113.2:6330');
        return to?.packets > 20 && from?.packets > 20 ? fl : null;
      };
      const flows = await waitUntil(async () => through(await flowsOf(call)),
        'more than 20 packets each way through the latched flows').catch(async (e) => {
        t.diagnostic(`flows: ${JSON.stringify(await flowsOf(call))}`);
        throw e;
      });
      t.diagnostic(`flows: ${JSON.stringify(flows)}`);
      const toSip = flows.find((f) => f.xform === 'srtp>rtp');
      const fromSip = flows.find((f) => f.xform === 'rtp>srtp' && f.from === '203.0.113.2:6330');
      assert.equal(toSip?.to, '203.0.113.2:6330', 'browser audio goes to the latched address');
      assert.ok(toSip.packets > 20 && fromSip?.packets > 20, 'both directions through the fast path');
      assert.equal(toSip.drops + fromSip.drops, 0, 'nothing dropped');
      assert.ok(await maxAudioLevel(page, 2000) > 0, 'the browser hears the PBX');
      assert.equal(await hangup(), 200);
      assert.equal((await pbx.done).code, 0);
    });
    if (media && media.exitCode === null) media.kill('SIGTERM');
    pbx.kill();
  });

  test('baresip answers a call from the browser: tone heard, audio both ways, BYE', async (t) => {
    const bs = await startBaresip({ netns: 'sip', addr: '203.0.113.2', port: 5090 });
    try {
      await withScreenshot(t, page, async () => {
        assert.deepEqual(await dial('+17770001'), { answered: true });
        const s = await statsWithMedia(page, 51);
        t.diagnostic(`stats: ${JSON.stringify(s.inbound)}`);
        assert.ok(s.inbound.packetsReceived > 50);
        assert.ok(await maxAudioLevel(page, 2000) > 0.01, 'the browser hears baresip\'s tone');
        const call = await myCall();
        const flows = await flowsOf(call);
        t.diagnostic(`flows: ${JSON.stringify(flows)}`);
        const toSip = flows.find((f) => f.xform === 'srtp>rtp');
        assert.ok(toSip?.packets > 50, 'browser -> baresip');
        // baresip's RTP comes from where we send (its RTCP flow is the other one)
        assert.ok(flows.find((f) => f.xform === 'rtp>srtp' && f.from === toSip.to)?.packets > 50,
          'baresip -> browser');
        assert.equal(await hangup(), 200);
        await bs.waitCalls((c) => c.closed >= 1, 5000);
        const c = bs.calls();
        t.diagnostic(`baresip: ${JSON.stringify({ ...c, events: undefined })}`);
        assert.equal(c.established, 1, 'baresip established the call');
        assert.equal(c.closed, 1, 'and saw it end');
      });
    } finally {
      await bs.stop();
    }
  });
});
