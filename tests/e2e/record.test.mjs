// E2E: call recording (issue 14, docs/recording.md).  Chromium in namespace
// `web` speaks a 440 Hz tone (a WAV made here, as its fake microphone); sipp,
// the PBX in namespace `sip`, answers PCMU and plays a 1000 Hz tone (a PCMU
// capture made here).  The call goes through the route `+1333…` with
// `record: true` (lab_record.sh: recording.mode on-demand).  Checked: the
// stereo WAV has the browser's 440 Hz on channel 0 and the PBX's 1000 Hz on
// channel 1; the pcap's packets each way equal the RTP packets the call's
// flows forwarded; the JSON is valid and names both files.  Then `record
// start|stop` on a call whose route does not record.  Run by lab_record.sh.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, login, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, PHONE_URL } from './lib/gateway.mjs';
import { REPO } from './lib/server.mjs';
import { sipp as pbx } from './lib/sipp.mjs';
import { waitUntil } from './lib/wait.mjs';

const skip = await gatewaySkipReason()
  || (process.env.TZ_REC_DIR ? undefined : 'TZ_REC_DIR is not set (lab_record.sh)');
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e record: ${skip}`);

const REC_DIR = path.join(process.env.TZ_REC_DIR || '/nonexistent', 'default');
const TONE_PACKETS = 300;                    // the PBX's capture: 6 s of 20 ms PCMU
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tz-rec-e2e-'));

/** A 48 kHz mono PCM16 WAV of `hz` for `seconds`. */
function toneWav(file, hz, seconds) {
  const n = 48000 * seconds;
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFF', 0); b.writeUInt32LE(36 + 2 * n, 4); b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(48000, 24); b.writeUInt32LE(96000, 28); b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * hz * i / 48000)), 44 + 2 * i);
  fs.writeFileSync(file, b);
}

/** G.711 mu-law of one sample. */
function ulaw(s) {
  const sign = s < 0 ? 0x80 : 0;
  let v = Math.min(Math.abs(s), 32635) + 0x84;
  let e = 7;
  while (e > 0 && !(v & (0x4000 >> (7 - e)))) e--;
  return ~(sign | (e << 4) | ((v >> (e + 3)) & 0x0f)) & 0xff;
}

/** A pcap (Ethernet/IPv4/UDP/RTP PCMU, 20 ms apart) of `hz` for `packets` packets:
 *  what sipp's play_pcap_audio sends. */
function tonePcap(file, hz, packets) {
  const recs = [Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0])];
  for (let p = 0; p < packets; p++) {
    const rtp = Buffer.alloc(172);
    rtp[0] = 0x80; rtp[1] = 0; rtp.writeUInt16BE(p + 1, 2); rtp.writeUInt32BE(160 * p, 4);
    rtp.writeUInt32BE(0x10000001, 8);
    for (let k = 0; k < 160; k++) rtp[12 + k] = ulaw(Math.round(8000 * Math.sin(2 * Math.PI * hz * (160 * p + k) / 8000)));
    const frame = Buffer.alloc(14 + 20 + 8 + rtp.length);
    frame.writeUInt16BE(0x0800, 12);
    frame[14] = 0x45; frame.writeUInt16BE(20 + 8 + rtp.length, 16); frame[22] = 64; frame[23] = 17;
    Buffer.from([203, 0, 113, 2, 203, 0, 113, 1]).copy(frame, 26);
    frame.writeUInt16BE(6000, 34); frame.writeUInt16BE(30000, 36); frame.writeUInt16BE(8 + rtp.length, 38);
    rtp.copy(frame, 42);
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1000 + Math.floor(p / 50), 0); h.writeUInt32LE((p % 50) * 20000, 4);
    h.writeUInt32LE(frame.length, 8); h.writeUInt32LE(frame.length, 12);
    recs.push(h, frame);
  }
  fs.writeFileSync(file, Buffer.concat(recs));
}

/** RTP packets each way in a recording's pcap (ns magic, LINKTYPE_RAW):
 *  [0] from the gateway's port `gwPort` (the browser's voice), [1] to it. */
function pcapCounts(file, gwPort) {
  const b = fs.readFileSync(file);
  assert.equal(b.readUInt32LE(0), 0xa1b23c4d, 'nanosecond pcap');
  assert.equal(b.readUInt32LE(20), 101, 'LINKTYPE_RAW');
  const n = [0, 0];
  for (let off = 24; off < b.length;) {
    const len = b.readUInt32LE(off + 8);
    const ip = off + 16;
    assert.equal(b[ip] >> 4, 4);
    assert.equal(b[ip + 20 + 8] >> 6, 2, 'RTP version 2 behind IP/UDP');
    n[b.readUInt16BE(ip + 20) === gwPort ? 0 : 1]++;
    off += 16 + len;
  }
  return n;
}

/** Goertzel power share of `hz` in channel `ch` of frames [from, from+n) of an 8 kHz stereo WAV. */
function toneShare(wav, ch, hz, from, n) {
  const k = 2 * Math.cos(2 * Math.PI * hz / 8000);
  let a = 0, b = 0, e = 0;
  for (let i = from; i < from + n; i++) {
    const x = wav.readInt16LE(44 + 4 * i + 2 * ch);
    const y = x + k * a - b;
    b = a; a = y; e += x * x;
  }
  return e > 0 ? (a * a + b * b - k * a * b) / (e * n / 2) : 0;
}

/** RTP packets the call's flows forwarded: [browser -> SIP, SIP -> browser]. */
async function flowRtp(callId) {
  const flows = await trapezectl(['show', 'session', String(callId)]);
  const rtp = (x) => flows.filter((f) => f.xform === x).reduce((s, f) => s + f.packets - f.rtcp, 0);
  return [rtp('srtp>rtp'), rtp('rtp>srtp')];
}

async function recordingOf(callId) {
  return (await trapezectl(['show', 'recordings'])).find((r) => r.call === callId);
}

let browser;
let page;

describe('e2e: call recording', { skip }, () => {
  before(async () => {
    const wav = path.join(work, 'a440.wav');
    toneWav(wav, 440, 20);
    tonePcap(path.join(work, 'b1000.pcap'), 1000, TONE_PACKETS);
    fs.writeFileSync(path.join(work, 'uas_play.xml'),
      fs.readFileSync(path.join(REPO, 'tests/sip/lab/uas_play.xml'), 'utf8')
        .replace('[pcap]', path.join(work, 'b1000.pcap')));
    browser = await launchBrowser({ ignoreHTTPSErrors: true, args: [`--use-file-for-fake-audio-capture=${wav}`] });
    // a fresh lab's addresses may still settle (IPv6 DAD) while Chromium loads: once more then
    page = await browser.openPhone(PHONE_URL).catch((e) => {
      if (!/ERR_NETWORK_CHANGED/.test(e.message)) throw e;
      return browser.openPhone(PHONE_URL);
    });
    await login(page, 'e2e-rec');
  });

  after(async () => {
    if (browser) await browser.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const answered = () => page.evaluate(() => new Promise((r) => {
    const grab = () => {
      const c = window.phone.call;
      if (!c) { setTimeout(grab, 20); return; }
      c.addEventListener('answered', () => r(true));
    };
    grab();
  }));

  const hangup = async () => {
    const ended = page.evaluate(() => new Promise((r) =>
      window.phone.call.addEventListener('hangup', (e) => r(e.code))));
    await page.click('#hangup');
    assert.equal(await ended, 200);
  };

  test('a route with record: true: stereo WAV with each side\'s tone, pcap counts = the flows\', JSON', async (t) => {
    const sipp = pbx(path.join(work, 'uas_play.xml'), ['-mi', '203.0.113.2', '-mp', '6000']);
    await sipp.ready;
    await withScreenshot(t, page, async () => {
      const up = answered();
      await page.fill('#target', '+13330001');
      await page.click('#call');
      await up;
      const call = await waitUntil(async () => (await trapezectl(['show', 'calls']))
        .find((c) => c.user === 'e2e-rec' && c.state === 'connected'), 'the call connected');
      // the PBX's whole tone recorded, and some seconds of the browser's
      const rec = await waitUntil(async () => {
        const r = await recordingOf(call.call);
        // (its first packet or two may beat the flows' publication: punted, not forwarded)
        return r && r.to_web >= TONE_PACKETS - 10 && r.from_web >= 250 && r;
      }, 'the recording to hold the PBX\'s tone and 5 s of the browser\'s', { timeout: 30000 });
      t.diagnostic(`show recordings: ${JSON.stringify(rec)}`);
      assert.equal(rec.tenant, 'default');
      assert.equal(rec.dropped, 0);
      // the browser stops sending RTP (RTCP goes on: not recorded); then the
      // recording and the flows agree, packet for packet, each way
      await page.evaluate(() => Promise.all(window.phone.call.pc.getSenders().map((s) => s.replaceTrack(null))));
      let last = '';
      const counts = await waitUntil(async () => {
        const f = await flowRtp(call.call);
        const r = await recordingOf(call.call);
        const now = JSON.stringify([f, r.from_web, r.to_web]);
        const same = f[0] === r.from_web && f[1] === r.to_web && now === last;
        last = now;
        return same && f;
      }, 'the recording\'s packets = the flows\' RTP packets, twice in a row', { timeout: 20000, interval: 300 });
      t.diagnostic(`RTP forwarded / recorded: ${counts}`);
      assert.ok(counts[1] >= TONE_PACKETS - 10 && counts[1] <= TONE_PACKETS, `${counts[1]} of the PBX's packets`);
      await hangup();
      await sipp.done;

      const meta = await waitUntil(() => fs.existsSync(REC_DIR) && fs.readdirSync(REC_DIR)
        .filter((f) => f.endsWith(`-${call.call}.json`))
        .map((f) => JSON.parse(fs.readFileSync(path.join(REC_DIR, f), 'utf8')))[0],
      `the recording's JSON in ${REC_DIR}`);
      t.diagnostic(`metadata: ${JSON.stringify(meta)}`);
      assert.equal(meta.call_id, call.call);
      assert.equal(meta.user, 'e2e-rec');
      assert.equal(meta.target, '+13330001');
      assert.equal(meta.from_web.packets, counts[0]);
      assert.equal(meta.to_web.packets, counts[1]);
      assert.equal(meta.from_web.dropped + meta.to_web.dropped, 0);
      assert.ok(Date.parse(meta.start_time) < Date.parse(meta.end_time));
      assert.deepEqual(meta.codecs.map((c) => c.name), ['PCMU']);
      const wavFile = path.join(REC_DIR, meta.files.wav);
      const pcapFile = path.join(REC_DIR, meta.files.pcap);
      for (const f of [wavFile, pcapFile]) assert.equal(fs.statSync(f).mode & 0o777, 0o640, f);

      const gwPort = Number(meta.gateway.split(':').pop());
      assert.deepEqual(pcapCounts(pcapFile, gwPort), counts, 'pcap packets each way = the flows\'');

      const wav = fs.readFileSync(wavFile);
      assert.equal(wav.toString('latin1', 0, 4), 'RIFF');
      assert.equal(wav.readUInt16LE(22), 2, 'stereo');
      assert.equal(wav.readUInt32LE(24), 8000);
      const frames = (wav.length - 44) / 4;
      assert.ok(frames > 5 * 8000, `${frames} frames`);
      // find a second where both sides speak: the PBX's tone starts after the answer
      let best = null;
      for (let from = 0; from + 8000 <= frames; from += 4000) {
        const s = [toneShare(wav, 0, 440, from, 8000), toneShare(wav, 1, 1000, from, 8000)];
        if (!best || Math.min(...s) > Math.min(...best.s)) best = { from, s };
      }
      t.diagnostic(`best second at frame ${best.from}: 440 Hz share ch0 ${best.s[0].toFixed(2)}, 1000 Hz share ch1 ${best.s[1].toFixed(2)}`);
      assert.ok(best.s[0] > 0.5, 'channel 0 (the browser) is ~440 Hz');
      assert.ok(best.s[1] > 0.5, 'channel 1 (the PBX) is ~1000 Hz');
      assert.ok(toneShare(wav, 0, 1000, best.from, 8000) < 0.1, 'no PBX tone on channel 0');
      assert.ok(toneShare(wav, 1, 440, best.from, 8000) < 0.1, 'no browser tone on channel 1');
      try {
        const info = execFileSync('sox', ['--i', '-c', wavFile], { encoding: 'utf8' });
        assert.equal(info.trim(), '2', 'sox reads a two-channel WAV');
      } catch (e) {
        if (e.code !== 'ENOENT') throw e;
        t.diagnostic('sox not installed: WAV checked by this test only');
      }
    });
    sipp.kill();
  });

  test('record start / record stop on a call whose route does not record', async (t) => {
    const sipp = pbx(path.join(work, 'uas_play.xml'), ['-mi', '203.0.113.2', '-mp', '6000']);
    await sipp.ready;
    await withScreenshot(t, page, async () => {
      await page.waitForFunction(() => !document.querySelector('#call').disabled, null, { timeout: 10000 });
      const up = answered();
      await page.fill('#target', '+4420794600');
      await page.click('#call');
      await up;
      const call = await waitUntil(async () => (await trapezectl(['show', 'calls']))
        .find((c) => c.user === 'e2e-rec' && c.state === 'connected'), 'the call connected');
      assert.equal(await recordingOf(call.call), undefined, 'not recorded by its route');
      const started = await trapezectl(['record', 'start', String(call.call)]);
      assert.deepEqual(started, { call: call.call, recording: true });
      await waitUntil(async () => (await recordingOf(call.call))?.to_web > 50, 'packets recorded after record start');
      const stopped = await trapezectl(['record', 'stop', String(call.call)]);
      assert.deepEqual(stopped, { call: call.call, recording: false });
      const meta = await waitUntil(() => fs.readdirSync(REC_DIR)
        .filter((f) => f.endsWith(`-${call.call}.json`))
        .map((f) => JSON.parse(fs.readFileSync(path.join(REC_DIR, f), 'utf8')))[0],
      'the JSON once record stop closed the files (the call goes on)');
      assert.ok(meta.to_web.packets > 50 && meta.from_web.packets > 0);
      assert.equal((await trapezectl(['show', 'calls'])).find((c) => c.call === call.call)?.state, 'connected');
      assert.equal(await recordingOf(call.call), undefined);
      await hangup();
    });
    sipp.kill();
  });
});
