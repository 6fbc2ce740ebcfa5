// E2E: announcements and music on hold (issue 14, docs/media-services.md).
// At start the test makes two WAV files with `trapeze-media tone` (700 Hz,
// 2 s, 8 kHz: the not-found announcement; 500 Hz, 3 s, 16 kHz: music on
// hold), adds them to the running gateway's config (announcements.not_found,
// music_on_hold) and reloads; at the end the config is put back.
//  - a call to a number the PBX answers 404: the browser gets `progress`,
//    hears ~700 Hz (an AnalyserNode on the remote track, lib/announce_audio.mjs)
//    while the call is still up, then `hangup` 404; the stage counted it;
//  - the PBX holds (re-INVITE a=sendonly for 5 s, uas_hold_long.xml): the
//    browser hears ~500 Hz, looped; at the resume the play stops (counted)
//    and the tone goes away.
// Run by lab_echo.sh, whose config runs the stage (config/lab.yaml).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withScreenshot } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, BUILD } from './lib/gateway.mjs';
import { usePhone, nextCallEvent, dialFrom } from './lib/phone.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, PBX_IP } from './lib/sipp.mjs';
import { listen, heard, isTone, waitForTone } from './lib/announce_audio.mjs';
import { waitUntil } from './lib/wait.mjs';
import { waitCdr } from './lib/cdr.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e announcements: ${skip}`);

const USER = 'e2e-announce';
const SCEN = (f) => path.join(REPO, 'tests/sip/scenarios', f);
const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
const TOOL = path.join(BUILD, 'tools/media/trapeze-media');
const stage = () => trapezectl(['show', 'media-services']);

describe('e2e: announcements and music on hold', { skip }, () => {
  const phone = usePhone(USER);
  let page, dir, cfgPath, original;

  before(async () => {
    page = phone.page;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tz-announce-'));
    fs.chmodSync(dir, 0o755);
    execFileSync(TOOL, ['tone', '--freq', '700', '--seconds', '2', '--rate', '8000', path.join(dir, 'nf.wav')]);
    execFileSync(TOOL, ['tone', '--freq', '500', '--seconds', '3', '--rate', '16000', path.join(dir, 'moh.wav')]);
    cfgPath = (await trapezectl(['show', 'status'])).config;
    original = fs.readFileSync(cfgPath, 'utf8');
    fs.writeFileSync(cfgPath, `${original}\nannouncements:\n  not_found: ${dir}/nf.wav\n`
      + `music_on_hold: ${dir}/moh.wav\n`);
    const reply = await trapezectl(['reload']);
    assert.match(JSON.stringify(reply), /ok|applied|reload/i, `reload: ${JSON.stringify(reply)}`);
    // both files encoded once to the four codecs in the background (clips)
    await waitUntil(async () => (await stage()).pre_encoded_clips >= 8,
      'the two files encoded once per codec');
    await listen(page);
  });

  after(async () => {
    if (cfgPath && original) {
      fs.writeFileSync(cfgPath, original);
      await trapezectl(['reload']).catch(() => {});
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the PBX answers 404: the browser hears the not-found announcement, then hangup 404', async (t) => {
    const pbx = sipp(SCEN('uas_notfound.xml'));
    await pbx.ready;
    await withScreenshot(t, page, async () => {
      const s0 = await stage();
      assert.equal(s0.state, 'on', 'the lab runs the stage (media_services in config/lab.yaml)');
      const t0 = Date.now();
      const progress = nextCallEvent(page, ['progress', 'hangup']);
      const outcome = dialFrom(page, '+442079460404');
      assert.equal((await progress).type, 'progress', 'early media announced before the end');
      const tones = await waitForTone(page, 700, { since: t0, n: 8, what: 'the 700 Hz announcement' });
      t.diagnostic(`700 Hz heard from ${tones[0].t - t0} ms after dialling (${tones[0].db.toFixed(1)} dB)`);
      const end = await outcome;
      assert.deepEqual({ answered: end.answered, code: end.code }, { answered: false, code: 404 });
      const t1 = Date.now();
      const all = await heard(page, t0);
      const loud = all.filter((s) => isTone(s, 700));
      t.diagnostic(`${loud.length} of ${all.length} samples at 700 Hz; call ended ${t1 - t0} ms after dialling`);
      assert.ok(t1 - tones[0].t >= 1000, 'the call lasted about as long as the file');
      assert.equal((await pbx.done).code, 0);
      const cdr = await waitCdr((c) => c.user === USER && c.to === '+442079460404', 'the 404 call');
      assert.equal(cdr.code, 404, 'the detail record keeps the SIP status');
      const s1 = await stage();
      t.diagnostic(`show media-services: ${JSON.stringify(s1)}`);
      assert.equal(s1.announcements - s0.announcements, 1);
      assert.equal(s1.plays_pre_encoded - s0.plays_pre_encoded, 1, 'played from the clip');
      assert.equal(s1.plays_live - s0.plays_live, 0, 'nothing encoded live');
      const c0 = s0.per_core[0], c1 = s1.per_core[0];
      assert.equal(c1.plays_started - c0.plays_started, 1);
      // 2 s at 20 ms a packet, all through the worker
      assert.ok(c1.play_packets - c0.play_packets >= 95, `${c1.play_packets - c0.play_packets} packets made`);
      await waitUntil(async () => (await stage()).per_core[0].plays_ended - c0.plays_ended === 1,
        'the play to end');
      assert.equal(s1.calls, 0, 'the call left the stage at its end');
    });
    pbx.kill();
  });

  test('the browser hangs up during the announcement: the play stops, the record says 404', async (t) => {
    const pbx = sipp(SCEN('uas_notfound.xml'));
    await pbx.ready;
    await withScreenshot(t, page, async () => {
      const s0 = await stage();
      const t0 = Date.now();
      const progress = nextCallEvent(page, ['progress', 'hangup']);
      const outcome = dialFrom(page, '+442079460405');
      assert.equal((await progress).type, 'progress');
      await waitForTone(page, 700, { since: t0, n: 2, what: 'the announcement' });
      await page.click('#hangup');
      await outcome;
      const cdr = await waitCdr((c) => c.user === USER && c.to === '+442079460405', 'the hung-up call');
      assert.equal(cdr.code, 404, 'the detail record keeps the SIP status');
      // stopped by the call's end, long before the 2 s file would have ended it
      await waitUntil(async () => (await stage()).per_core[0].plays_ended
        - s0.per_core[0].plays_ended === 1, 'the play to stop at the hangup');
      const s1 = await stage();
      assert.ok(s1.per_core[0].play_packets - s0.per_core[0].play_packets < 95,
        `the play stopped early (${s1.per_core[0].play_packets - s0.per_core[0].play_packets} packets)`);
      assert.equal(s1.calls, 0);
      assert.equal((await pbx.done).code, 0);
    });
    pbx.kill();
  });

  test('the PBX holds: the browser hears music on hold until the PBX resumes', async (t) => {
    const pbx = sipp(LAB('uas_hold_long.xml'), ['-mi', PBX_IP, '-mp', '6000', '-rtp_echo']);
    await pbx.ready;
    await withScreenshot(t, page, async () => {
      const s0 = await stage();
      const held = nextCallEvent(page, ['held']);
      assert.deepEqual(await dialFrom(page, '+442079460002'), { answered: true });
      assert.equal((await held).by, 'remote');
      const th = Date.now();
      const unheld = nextCallEvent(page, ['unheld']);
      const tones = await waitForTone(page, 500, { since: th, n: 10, what: 'music on hold at 500 Hz' });
      t.diagnostic(`500 Hz heard ${tones[0].t - th} ms after the hold`);
      const s1 = await stage();
      assert.equal(s1.moh_started - s0.moh_started, 1);
      assert.equal(s1.plays_pre_encoded - s0.plays_pre_encoded, 1, 'music on hold from the clip');
      assert.equal((await unheld).by, 'remote');
      const tu = Date.now();
      // the file is 3 s and the hold 5 s: it looped
      const during = (await heard(page, th)).filter((s) => s.t < tu && isTone(s, 500));
      assert.ok(during.length > 0 && during[during.length - 1].t - during[0].t > 3200,
        `500 Hz for longer than the 3 s file (looped): ${during.length ? during[during.length - 1].t - during[0].t : 0} ms`);
      await waitUntil(async () => (await stage()).per_core[0].plays_ended
        - s0.per_core[0].plays_ended === 1, 'the play to stop at the resume');
      // a second after the resume, no more music
      await waitUntil(async () => {
        const after = await heard(page, tu + 500);
        return after.length >= 10 && after.filter((s) => isTone(s, 500)).length === 0;
      }, 'the 500 Hz tone to stop after the resume');
      const ended = nextCallEvent(page, ['hangup']);
      await page.click('#hangup');
      assert.equal((await ended).code, 200);
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX's hold and resume were answered: ${r.err}`);
    });
    pbx.kill();
  });
});
