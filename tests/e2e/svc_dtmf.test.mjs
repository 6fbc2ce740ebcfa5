// E2E: generated DTMF (issue 14, docs/media-services.md).  A browser calls
// the lab PBX (sipp, namespace `sip`) with telephone-event negotiated on
// both legs and sends a trapeze-jsep.v1 `dtmf` message — not RTCDTMFSender:
// the gateway's media-services stage makes the RFC 4733 events and the
// call's worker sends them inside the browser's stream to the PBX.  A
// capture at the PBX (tcpdump in `sip`, on the media port `show calls`
// names) must hold the digits in order, each event with one timestamp and
// three end packets, the audio's SSRC, and sequence numbers strictly
// increasing over audio and events together.  Run by lab_echo.sh, whose
// config (config/lab.yaml) runs the stage on lcore 2 (CPU 1, the worker's).

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { statsWithMedia, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { usePhone, nextCallEvent, dialFrom } from './lib/phone.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, capture, PBX_IP } from './lib/sipp.mjs';
import { parsePcap, parseRtp, rfc4733Digits } from './lib/rtp_events.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e generated DTMF: ${skip}`);

const USER = 'e2e-svc';
const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
const DIGITS = '1234#';
const SIP_TE_PT = 101;          // tests/sip/lab/uas_echo.xml: telephone-event/8000

const myCall = async () => (await trapezectl(['show', 'calls'])).find((c) => c.user === USER);
const stage = () => trapezectl(['show', 'media-services']);

/** The RTP packets to the PBX's media port, in capture (= sending) order. */
function rtpTo(pcap, dport) {
  return parsePcap(pcap).filter((p) => p.dport === dport).map((p) => parseRtp(p.payload)).filter(Boolean);
}

/** Events by start (marker): their packets, in order. */
function events(rtps) {
  const evs = [];
  for (const r of rtps) {
    if (r.pt !== SIP_TE_PT) continue;
    if (r.marker || evs.length === 0) evs.push([]);
    evs[evs.length - 1].push({
      ts: r.timestamp, code: r.payload[0], end: (r.payload[1] & 0x80) !== 0,
      duration: r.payload.readUInt16BE(2), ssrc: r.ssrc,
    });
  }
  return evs;
}

describe('e2e: generated DTMF through the media-services stage', { skip }, () => {
  const phone = usePhone(USER);
  let page;
  before(() => { page = phone.page; });

  test('a dtmf message on an RFC 4733 call reaches the PBX as events in the browser\'s stream', async (t) => {
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', PBX_IP, '-mp', '6400', '-rtp_echo']);
    await pbx.ready;
    const cap = await capture(`udp and dst host ${PBX_IP} and not port 5060`);
    let pcap;
    await withScreenshot(t, page, async () => {
      const s0 = await stage();
      assert.equal(s0.state, 'on', 'the lab runs the stage (media_services in config/lab.yaml)');
      assert.deepEqual(await dialFrom(page, '+442079460004'), { answered: true });
      await statsWithMedia(page, 20);
      const call = await myCall();
      const dport = call.sip_media_port;
      t.diagnostic(`the PBX's media port (show calls): ${dport}`);
      assert.ok(dport > 0);
      await page.evaluate(() => {
        window.__svcErrors = [];
        window.phone.call.addEventListener('error', (e) => window.__svcErrors.push(e.code));
      });
      // the protocol message itself, as a client without RTCDTMFSender sends it
      await page.evaluate((d) => window.phone.call._send({ type: 'dtmf', digits: d, duration: 100 }), DIGITS);
      const done = () => {
        const evs = events(rtpTo(cap.peek(), dport));
        return evs.length === DIGITS.length && evs.every((e) => e.filter((p) => p.end).length >= 3);
      };
      await waitUntil(async () => done() || (await page.evaluate(() => window.__svcErrors.length)) > 0,
        `the events of ${DIGITS} with their end packets at the PBX`);
      assert.deepEqual(await page.evaluate(() => window.__svcErrors), [], 'no error answered the dtmf');
      // a little audio after the last event: the numbering goes on past them
      const n0 = rtpTo(cap.peek(), dport).length;
      await waitUntil(() => rtpTo(cap.peek(), dport).length > n0 + 10, 'audio after the events');
      const ended = nextCallEvent(page, ['hangup']);
      await page.click('#hangup');
      assert.equal((await ended).code, 200);
      pcap = (await cap.stop()).buf;
      assert.equal((await pbx.done).code, 0);

      const rtps = rtpTo(pcap, dport);
      const audio = rtps.filter((r) => r.pt === 0);
      assert.ok(audio.length > 50, `PCMU audio reached the PBX (${audio.length} packets)`);
      assert.equal(rfc4733Digits(parsePcap(pcap), { pt: SIP_TE_PT, dport }), DIGITS);
      const evs = events(rtps);
      assert.equal(evs.map((e) => '0123456789*#ABCD'[e[0].code]).join(''), DIGITS);
      for (const e of evs) {
        assert.equal(new Set(e.map((p) => p.ts)).size, 1, 'one timestamp per event');
        assert.equal(new Set(e.map((p) => p.code)).size, 1, 'one digit per event');
        assert.ok(e.filter((p) => p.end).length >= 3, 'three end packets');
        for (let i = 1; i < e.length; i++) assert.ok(e[i].duration >= e[i - 1].duration, 'duration grows');
      }
      for (let i = 1; i < evs.length; i++)
        assert.ok(((evs[i][0].ts - evs[i - 1][0].ts) >>> 0) < 0x80000000 && evs[i][0].ts !== evs[i - 1][0].ts,
          'each event starts after the one before');
      // one stream: the audio's SSRC, sequence numbers strictly increasing, none twice
      assert.deepEqual([...new Set(rtps.map((r) => r.ssrc))], [audio[0].ssrc], 'one SSRC for audio and events');
      const seen = new Set();
      for (let i = 0; i < rtps.length; i++) {
        assert.ok(!seen.has(rtps[i].seq), `sequence number ${rtps[i].seq} used once`);
        seen.add(rtps[i].seq);
        if (i > 0) {
          const step = (rtps[i].seq - rtps[i - 1].seq) & 0xffff;      // RFC 1982 serial order
          assert.ok(step > 0 && step < 0x8000,
            `sequence ${rtps[i - 1].seq} then ${rtps[i].seq} (pt ${rtps[i - 1].pt} then ${rtps[i].pt})`);
        }
      }
      // the stage counted it: one dtmf, five digits, every packet sent through the worker
      const s1 = await stage();
      t.diagnostic(`show media-services: ${JSON.stringify(s1)}`);
      assert.equal(s1.dtmf_generated - s0.dtmf_generated, 1);
      const c0 = s0.per_core[0], c1 = s1.per_core[0];
      assert.equal(c1.dtmf_digits - c0.dtmf_digits, DIGITS.length);
      assert.equal(c1.inject_sent - c0.inject_sent, c1.dtmf_packets - c0.dtmf_packets);
      assert.equal(c1.dtmf_packets - c0.dtmf_packets, evs.reduce((n, e) => n + e.length, 0));
      assert.equal(c1.inject_full + c1.inject_no_flow + c1.no_mbuf, c0.inject_full + c0.inject_no_flow + c0.no_mbuf);
      assert.equal(s1.calls, 0, 'the call left the stage at its end');
    });
    if (!pcap) await cap.stop();
    pbx.kill();
  });
});
