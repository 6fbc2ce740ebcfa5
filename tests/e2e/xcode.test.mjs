// E2E: transcoding (issue 14 item 2, docs/media-services.md "Transcoding").
// Chromium in namespace `web`, its offer cut to Opus + telephone-event by
// the demo page's "Force Opus" box, speaks a 440 Hz tone (a WAV made with
// trapeze-media, as its fake microphone) to +1444…, whose trunk `lab-g711`
// takes PCMU only; sipp, the PBX in namespace `sip`, answers PCMU and plays
// a 1000 Hz tone (a PCMU capture made with trapeze-media).  The legs share
// no codec: the media-services stage transcodes both ways.  Checked at the
// PBX: a capture of what reaches it is PCMU (PT 0) and decodes
// (trapeze-media pcap2wav, freq) to ≈ 440 Hz; in the browser: the answer
// keeps Opus, inbound-rtp audio grows with codec audio/opus, and the remote
// audio's dominant frequency (WebAudio) is ≈ 1000 Hz.  Then, with the one
// place of the stage taken (max_calls 1), a second transcoded call is
// refused (media-services-unavailable, counted); and a trunk with
// `transcode: off` refuses an Opus-only browser (bad-sdp).  The call is
// recorded (`record start`): the stereo WAV has 440 Hz on channel 0 and
// 1000 Hz on channel 1.  Run by lab_xcode.sh.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, login, withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, PHONE_URL, BUILD } from './lib/gateway.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, capture, PBX_IP } from './lib/sipp.mjs';
import { dialFrom, nextCallEvent } from './lib/phone.mjs';
import { parsePcap, parseRtp } from './lib/rtp_events.mjs';
import { remoteDominantFreq } from './lib/audio_freq.mjs';
import { waitUntil } from './lib/wait.mjs';
import { listen, heard, isTone, waitForTone } from './lib/announce_audio.mjs';

const skip = await gatewaySkipReason()
  || (process.env.TZ_XCODE_LAB ? undefined : 'not started by lab_xcode.sh (TZ_XCODE_LAB)');
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e transcoding: ${skip}`);

const USER = 'e2e-xcode';
const PBX_PORT = 6000;
const MEDIA = path.join(BUILD, 'tools/media/trapeze-media');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tz-xcode-e2e-'));
const tm = (...args) => execFileSync(MEDIA, args, { encoding: 'utf8' }).trim();
const stage = () => trapezectl(['show', 'media-services']);

/** RTP to the PBX's media port in a capture. */
const rtpTo = (pcap, port = PBX_PORT) => parsePcap(pcap).filter((p) => p.dport === port).map((p) => parseRtp(p.payload)).filter(Boolean);

/** The inbound audio of the page's call: packets and codec. */
const inbound = (page) => page.evaluate(async () => {
  const stats = await window.phone.call.pc.getStats();
  let rtp = null;
  stats.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'audio') rtp = s; });
  const codec = rtp && rtp.codecId ? stats.get(rtp.codecId) : null;
  return { packets: rtp ? rtp.packetsReceived : 0, codec: codec ? codec.mimeType : '' };
});

let browser;
let page;

describe('e2e: transcoding Opus <-> PCMU on the media-services stage', { skip }, () => {
  before(async () => {
    const wav = path.join(work, 'a440.wav');
    tm('tone', '--freq', '440', '--seconds', '40', '--rate', '48000', wav);
    tm('tone', '--freq', '1000', '--seconds', '30', '--rate', '8000', path.join(work, 'b1000.wav'));
    tm('wav2pcap', '--codec', 'pcmu', '--src', `${PBX_IP}:${PBX_PORT}`, '--dst', '203.0.113.1:30000',
      path.join(work, 'b1000.wav'), path.join(work, 'b1000.pcap'));
    fs.writeFileSync(path.join(work, 'uac_play.xml'),
      fs.readFileSync(path.join(REPO, 'tests/sip/lab/uac_play.xml'), 'utf8')
        .replace('[pcap]', path.join(work, 'b1000.pcap')));
    fs.writeFileSync(path.join(work, 'uas_play.xml'),
      fs.readFileSync(path.join(REPO, 'tests/sip/lab/uas_play.xml'), 'utf8')
        .replace('[pcap]', path.join(work, 'b1000.pcap')));
    browser = await launchBrowser({ ignoreHTTPSErrors: true, args: [`--use-file-for-fake-audio-capture=${wav}`] });
    page = await browser.openPhone(PHONE_URL).catch((e) => {
      if (!/ERR_NETWORK_CHANGED/.test(e.message)) throw e;
      return browser.openPhone(PHONE_URL);
    });
    await login(page, USER);
    await page.check('#force-opus');
  });

  after(async () => {
    if (browser) await browser.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('Opus-only browser <-> PCMU-only PBX: each hears the other\'s tone; a second call is refused when the stage is full', async (t) => {
    const pbx = sipp(path.join(work, 'uas_play.xml'), ['-mi', PBX_IP, '-mp', String(PBX_PORT)]);
    await pbx.ready;
    const cap = await capture(`udp and dst host ${PBX_IP} and dst port ${PBX_PORT}`);
    let pcap;
    await withScreenshot(t, page, async () => {
      const s0 = await stage();
      assert.equal(s0.state, 'on');
      assert.equal(s0.max_calls, 1, 'lab_xcode.sh runs the stage with max_calls 1');
      assert.deepEqual(await dialFrom(page, '+14440001'), { answered: true });
      const answer = await page.evaluate(() => window.phone.call.pc.remoteDescription.sdp);
      assert.match(answer, /a=rtpmap:\d+ opus\/48000/, 'the browser\'s answer keeps Opus');
      assert.doesNotMatch(answer, /PCMU|PCMA|G722/, 'and nothing else');
      assert.match(answer, /telephone-event\/48000/, 'with its telephone-event');

      // the browser receives Opus, made from the PBX's PCMU
      const rx = await waitUntil(async () => { const r = await inbound(page); return r.packets > 100 && r; },
        'Opus packets at the browser', { timeout: 20000 });
      assert.equal(rx.codec, 'audio/opus');
      const heard = await remoteDominantFreq(page);
      t.diagnostic(`the browser hears ${JSON.stringify(heard)}`);
      assert.ok(Math.abs(heard.hz - 1000) <= 30, `the browser hears ${heard.hz} Hz, not the PBX's 1000 Hz`);
      const rx2 = await inbound(page);
      assert.ok(rx2.packets > rx.packets, 'inbound audio keeps coming');

      // recorded from here: both channels in the trunk's codec
      const call = await waitUntil(async () => (await trapezectl(['show', 'calls']))
        .find((c) => c.user === USER && c.state === 'connected'), 'the call in show calls');
      await trapezectl(['record', 'start', String(call.call)]);

      // the PBX receives PCMU: 5 s of it
      await waitUntil(() => rtpTo(cap.peek()).length >= 250, '5 s of RTP at the PBX', { timeout: 20000 });
      const s1 = await stage();
      t.diagnostic(`show media-services: ${JSON.stringify(s1)}`);
      assert.equal(s1.calls_transcoded - s0.calls_transcoded, 1);
      assert.equal(s1.per_core[0].xcode_calls, 1);
      assert.ok(s1.per_core[0].xcode_frames - s0.per_core[0].xcode_frames >= 400, 'frames transcoded both ways');

      // the stage is full (max_calls 1): a second transcoded call is refused, counted
      const refused = await page.evaluate(() => new Promise((resolve) => {
        const c = window.phone.client.call('+14440002', { sdpTransform: window.phone.opusOnly });
        c.addEventListener('error', (e) => resolve(e.code), { once: true });
        c.addEventListener('answered', () => resolve('answered'), { once: true });
      }));
      assert.equal(refused, 'media-services-unavailable');
      const s2 = await waitUntil(async () => { const s = await stage(); return s.transcode_refused_full > s1.transcode_refused_full && s; },
        'the refusal counted');
      assert.equal(s2.calls_refused_full - s1.calls_refused_full, 1);
      assert.equal(s2.calls_transcoded, s1.calls_transcoded, 'the refused call was not transcoded');
      // ... and the first call did not notice
      const before2 = await inbound(page);
      await waitUntil(async () => (await inbound(page)).packets > before2.packets + 25, 'the first call\'s audio goes on');

      const ended = nextCallEvent(page, ['hangup']);
      await page.click('#hangup');
      assert.equal((await ended).code, 200);
      pcap = (await cap.stop()).buf;
      assert.equal((await pbx.done).code, 0);
      const s3 = await waitUntil(async () => { const s = await stage(); return s.per_core[0].xcode_calls === 0 && s; },
        'the transcoders freed at the call\'s end');
      assert.equal(s3.calls, 0, 'the call left the stage');
      assert.equal(s3.per_core[0].xcode_destroyed - s0.per_core[0].xcode_destroyed, 1);

      // the recording: channel 0 the browser's voice as the PBX got it, channel 1 the PBX's
      const recDir = path.join(process.env.TZ_REC_DIR, 'default');
      const meta = await waitUntil(() => fs.existsSync(recDir) && fs.readdirSync(recDir)
        .filter((f) => f.endsWith(`-${call.call}.json`))
        .map((f) => JSON.parse(fs.readFileSync(path.join(recDir, f), 'utf8')))[0],
      `the recording's JSON in ${recDir}`);
      const rf = tm('freq', '--from', '1', path.join(recDir, meta.files.wav));
      t.diagnostic(`recording: ${rf}; ${JSON.stringify(meta.from_web)} ${JSON.stringify(meta.to_web)}`);
      assert.match(rf, /ch0 4[34]\d Hz ch1 (99\d|100\d) Hz/, 'each side\'s tone on its channel');
    });
    if (!pcap) { await cap.stop(); pbx.kill(); return; }

    // at the PBX: PCMU only, one SSRC, and the browser's 440 Hz in it
    const rtps = rtpTo(pcap);
    assert.ok(rtps.length >= 250, `${rtps.length} RTP packets reached the PBX`);
    assert.deepEqual([...new Set(rtps.map((r) => r.pt))], [0], 'PCMU (PT 0) only');
    assert.equal(new Set(rtps.map((r) => r.ssrc)).size, 1, 'one SSRC');
    for (let i = 1; i < rtps.length; i++)
      assert.equal((rtps[i].seq - rtps[i - 1].seq) & 0xffff, 1, 'sequence numbers continuous');
    const capFile = path.join(work, 'at_pbx.pcap');
    fs.writeFileSync(capFile, pcap);
    tm('pcap2wav', '--port', String(PBX_PORT), capFile, path.join(work, 'at_pbx.wav'));
    const f = tm('freq', '--from', '1', path.join(work, 'at_pbx.wav'));
    t.diagnostic(`at the PBX: ${f}`);
    const hz = Number(/ch0 (\d+) Hz/.exec(f)?.[1]);
    assert.ok(Math.abs(hz - 440) <= 15, `the PBX hears ${f}, not the browser's 440 Hz`);
  });

  test('a trunk with transcode: off refuses an Opus-only browser (bad-sdp)', async () => {
    const r = await dialFrom(page, '+14450001');
    assert.equal(r.answered, false);
    const errs = await page.evaluate(() => window.phone.errors.map((e) => e.code));
    assert.ok(errs.includes('bad-sdp'), `errors shown: ${errs}`);
  });
  // ---- inbound: the G.711 PBX calls the web user (xcode_in.c)

  /**
   * The PBX (sipp uac_play.xml: PCMU only, plays 1000 Hz) calls USER; the
   * page accepts (the "Force Opus" box as `forceOpus` says); the browser's
   * received codec and heard frequency, the stage's counters, then `during`
   * (a callback, mid-call), hang-up from the page; the PBX's capture.
   */
  async function inboundCall(t, { forceOpus, during }) {
    const port = 6100;
    await page.setChecked('#force-opus', forceOpus);
    const s0 = await stage();
    const cap = await capture(`udp and dst host ${PBX_IP} and dst port ${port}`);
    const uac = sipp(path.join(work, 'uac_play.xml'), ['-s', USER, '-mi', PBX_IP, '-mp', String(port),
      '203.0.113.1:5060'], '5062');
    const out = { s0 };
    try {
      await page.waitForSelector('#incoming:not([hidden])', { timeout: 15000 });
      const offer = await page.evaluate(() => window.phone.call._remoteSdp);
      out.offer = offer;
      await page.click('#accept');
      await page.waitForFunction(() => window.phone.call && window.phone.call.state === 'answered',
        null, { timeout: 15000 });
      out.answer = await page.evaluate(() => window.phone.call.pc.localDescription.sdp);
      const rx = await waitUntil(async () => { const r = await inbound(page); return r.packets > 100 && r; },
        'audio at the browser', { timeout: 20000 });
      out.codec = rx.codec;
      out.heard = await remoteDominantFreq(page);
      out.s1 = await stage();
      if (during) await during(out);
      await waitUntil(() => rtpTo(cap.peek(), port).length >= 250, '5 s of RTP at the PBX', { timeout: 20000 })
        .catch(async (e) => {
          const call = (await trapezectl(['show', 'calls'])).find((c) => c.user === USER);
          const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call?.call);
          t.diagnostic(`call ${JSON.stringify(call)} flows ${JSON.stringify(flows)} stage ${JSON.stringify(await stage())}`);
          const st = await page.evaluate(async () => {
            const r = []; (await window.phone.call.pc.getStats()).forEach((x) => {
              if (/(in|out)bound-rtp|codec/.test(x.type)) r.push(x);
            }); return r;
          });
          t.diagnostic(`browser stats ${JSON.stringify(st)}`);
          t.diagnostic(`answer ${out.answer}`);
          t.diagnostic(`captured ${JSON.stringify(parsePcap(cap.peek()).slice(0, 5).map((p) => [p.dport, p.payload.length]))}`);
          throw e;
        });
      const ended = nextCallEvent(page, ['hangup']);
      await page.click('#hangup');
      assert.equal((await ended).code, 200);
      const r = await uac.done;
      assert.equal(r.code, 0, `sipp (PBX calling): ${r.err.slice(0, 800)}`);
      out.pcap = (await cap.stop()).buf;
    } finally {
      await page.evaluate(() => window.phone.call && !window.phone.call.ended && window.phone.call.hangup());
      uac.kill();
      await cap.stop().catch(() => {});
      await page.setChecked('#force-opus', true);
    }
    out.s2 = await waitUntil(async () => { const s = await stage(); return s.per_core[0].xcode_calls === 0 && s; },
      'the transcoders freed at the call\'s end');
    out.rtps = rtpTo(out.pcap, port);
    const capFile = path.join(work, `in_${port}.pcap`);
    fs.writeFileSync(capFile, out.pcap);
    tm('pcap2wav', '--port', String(port), capFile, path.join(work, 'in_pbx.wav'));
    out.pbxHears = tm('freq', '--from', '1', path.join(work, 'in_pbx.wav'));
    t.diagnostic(`codec ${out.codec}, browser hears ${JSON.stringify(out.heard)}, PBX hears ${out.pbxHears}, `
      + `stage ${JSON.stringify(out.s1)}`);
    return out;
  }

  /** The PBX's side: PCMU only, one SSRC, the browser's 440 Hz. */
  function pbxGotPcmu440(out) {
    assert.ok(out.rtps.length >= 250, `${out.rtps.length} RTP packets reached the PBX`);
    assert.deepEqual([...new Set(out.rtps.map((r) => r.pt))], [0], 'PCMU (PT 0) only');
    assert.equal(new Set(out.rtps.map((r) => r.ssrc)).size, 1, 'one SSRC');
    const hz = Number(/ch0 (\d+) Hz/.exec(out.pbxHears)?.[1]);
    assert.ok(Math.abs(hz - 440) <= 15, `the PBX hears ${out.pbxHears}, not the browser's 440 Hz`);
  }

  test('a PCMU-only PBX calls an Opus-only browser: transcoded both ways', async (t) => {
    await withScreenshot(t, page, async () => {
      const out = await inboundCall(t, { forceOpus: true });
      assert.match(out.offer, /a=rtpmap:0 PCMU\/8000/, 'the browser is offered the caller\'s PCMU');
      assert.match(out.offer, /a=rtpmap:\d+ opus\/48000/, 'and Opus, which the stage can make');
      assert.match(out.answer, /a=rtpmap:\d+ opus\/48000/, 'the browser answers Opus');
      assert.doesNotMatch(out.answer, /PCMU|PCMA|G722/, 'and nothing else ("Force Opus")');
      assert.equal(out.codec, 'audio/opus');
      assert.ok(Math.abs(out.heard.hz - 1000) <= 30, `the browser hears ${out.heard.hz} Hz, not the PBX's 1000 Hz`);
      assert.equal(out.s1.calls_transcoded - out.s0.calls_transcoded, 1, 'counted as transcoded');
      assert.equal(out.s1.per_core[0].xcode_calls, 1);
      assert.equal(out.s2.calls, 0, 'the call left the stage');
      pbxGotPcmu440(out);
    });
  });

  test('the same call to a browser that takes PCMU is not transcoded (when-needed)', async (t) => {
    await withScreenshot(t, page, async () => {
      const out = await inboundCall(t, { forceOpus: false });
      assert.equal(out.codec, 'audio/PCMU', 'the browser takes the caller\'s codec');
      assert.equal(out.s1.calls_transcoded, out.s0.calls_transcoded, 'not transcoded');
      assert.equal(out.s1.per_core[0].xcode_calls, 0);
      assert.ok(Math.abs(out.heard.hz - 1000) <= 30, `the browser hears ${out.heard.hz} Hz`);
      pbxGotPcmu440(out);
    });
  });

  test('transcode: prefer (the default tenant\'s, media_services.transcode) transcodes although both have PCMU; a reload mid-call leaves the call as it started', async (t) => {
    const cfgPath = (await trapezectl(['show', 'status'])).config;
    const original = fs.readFileSync(cfgPath, 'utf8');
    const prefer = original.replace(/^(media_services:\n)/m, '$1  transcode: prefer\n');
    assert.notEqual(prefer, original, 'the lab config has a media_services section');
    fs.writeFileSync(cfgPath, prefer);
    try {
      const reply = await trapezectl(['reload']);
      t.diagnostic(`reload: ${JSON.stringify(reply)}`);
      await withScreenshot(t, page, async () => {
        const out = await inboundCall(t, {
          forceOpus: false,
          during: async () => {
            // back to when-needed: the live call keeps its transcoders
            fs.writeFileSync(cfgPath, original);
            await trapezectl(['reload']);
            const before = await inbound(page);
            await waitUntil(async () => (await inbound(page)).packets > before.packets + 50,
              'audio goes on after the reload');
            const s = await stage();
            assert.equal(s.per_core[0].xcode_calls, 1, 'still transcoded after the reload');
          },
        });
        assert.match(out.offer, /m=audio \d+ \S+ 111 /, 'the browser is offered Opus first');
        assert.equal(out.codec, 'audio/opus', 'the browser keeps Opus');
        assert.equal(out.s1.calls_transcoded - out.s0.calls_transcoded, 1, 'transcoded');
        assert.ok(Math.abs(out.heard.hz - 1000) <= 30, `the browser hears ${out.heard.hz} Hz`);
        pbxGotPcmu440(out);
      });
    } finally {
      fs.writeFileSync(cfgPath, original);
      await trapezectl(['reload']).catch(() => {});
    }
  });

  // ---- music on hold on a transcoded call (announce.c's player, xcode's flows)

  test('the G.711 PBX holds a transcoded call: the browser hears the music on hold, then the PBX again', async (t) => {
    const cfgPath = (await trapezectl(['show', 'status'])).config;
    const original = fs.readFileSync(cfgPath, 'utf8');
    const moh = path.join(work, 'moh.wav');
    tm('tone', '--freq', '500', '--seconds', '3', '--rate', '16000', moh);
    fs.chmodSync(work, 0o755);
    fs.writeFileSync(cfgPath, `${original}\nmusic_on_hold: ${moh}\n`);
    const pbx = sipp(path.join(REPO, 'tests/sip/lab/uas_hold_long.xml'), ['-mi', PBX_IP, '-mp', String(PBX_PORT), '-rtp_echo']);
    try {
      t.diagnostic(`reload: ${JSON.stringify(await trapezectl(['reload']))}`);
      await pbx.ready;
      await listen(page);
      await withScreenshot(t, page, async () => {
        const s0 = await stage();
        const held = nextCallEvent(page, ['held']);
        assert.deepEqual(await dialFrom(page, '+14440003'), { answered: true });
        const s1 = await stage();
        assert.equal(s1.calls_transcoded - s0.calls_transcoded, 1, 'the call is transcoded');
        assert.equal((await held).by, 'remote');
        const th = Date.now();
        const unheld = nextCallEvent(page, ['unheld']);
        const tones = await waitForTone(page, 500, { since: th, n: 10, what: 'music on hold at 500 Hz' });
        t.diagnostic(`500 Hz heard ${tones[0].t - th} ms after the hold`);
        const s2 = await stage();
        assert.equal(s2.moh_started - s0.moh_started, 1, 'music on hold started');
        assert.equal(s2.per_core[0].xcode_calls, 1, 'still transcoded during the hold');
        const during = (await heard(page, th + 1000)).filter((x) => x.t < Date.now());
        assert.ok(during.filter((x) => isTone(x, 440)).length <= 2,
          'the PBX\'s own audio (the echo of the browser\'s 440 Hz) waits during the hold');
        assert.equal((await unheld).by, 'remote');
        const tu = Date.now();
        // after the resume the PBX is heard again (its echo of our 440 Hz), the music stops
        const back = await waitForTone(page, 440, { since: tu + 500, n: 10, what: 'the PBX again (440 Hz echo)' });
        t.diagnostic(`440 Hz back ${back[0].t - tu} ms after the resume`);
        const after = (await heard(page, tu + 1000)).filter((x) => isTone(x, 500));
        assert.ok(after.length <= 1, `no music after the resume (${after.length} samples at 500 Hz)`);
        const ended = nextCallEvent(page, ['hangup']);
        await page.click('#hangup');
        assert.equal((await ended).code, 200);
        assert.equal((await pbx.done).code, 0, 'the PBX\'s hold and resume were answered');
      });
    } finally {
      pbx.kill();
      fs.writeFileSync(cfgPath, original);
      await trapezectl(['reload']).catch(() => {});
    }
  });
});
