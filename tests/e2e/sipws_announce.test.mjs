// E2E: announcements and music on hold for SIP-over-WebSocket phones (issue
// 14, docs/media-services.md).  A real JsSIP phone in Chromium registers at
// Kamailio through the gateway's WebSocket edge and calls numbers the sipp
// PBX refuses: the gateway sends 183 Session Progress with its SDP answer,
// the phone brings up ICE and DTLS as early media, hears the status's
// announcement (a tone made here with `trapeze-media tone`, its frequency
// checked with an AnalyserNode on the received track, lib/announce_audio.mjs)
// and then gets the real SIP status (404, 486) as the final response.  Then
// the PBX holds an answered call: the phone hears music on hold.  SIP.js
// without `earlyMedia` ignores the 183's SDP: the status comes after the
// gateway's bounded wait (4 s), counted sipws_media_timeouts.  At start
// the files are added to the running gateway's config (reload); at the end
// the config is put back.  Run by lab_echo.sh.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl, BUILD } from './lib/gateway.mjs';
import { startKamailio, KAM_IP } from './lib/kamailio.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, PBX_IP } from './lib/sipp.mjs';
import { openSipPhone, dumpPhone, SIPWS_WSS } from './lib/sipws.mjs';
import { listen, heard, isTone, waitForTone } from './lib/announce_audio.mjs';
import { waitUntil } from './lib/wait.mjs';
import { waitCdr } from './lib/cdr.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e sipws announcements: ${skip}`);

const SCEN = (f) => path.join(REPO, 'tests/sip/scenarios', f);
const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
const TOOL = path.join(BUILD, 'tools/media/trapeze-media');
const stage = () => trapezectl(['show', 'media-services']);
const NF_HZ = 700;      // not_found, 2 s at 8 kHz
const BUSY_HZ = 900;    // busy, 2 s at 16 kHz
const MOH_HZ = 500;     // music on hold, 3 s at 16 kHz

for (const stack of ['jssip', 'sipjs']) {
  describe(`e2e: announcements and music on hold for a ${stack} phone (SIP over WebSocket)`, { skip }, () => {
    let kam, browser, ph, dir, cfgPath, original;
    const logged = async (fn) => {
      try { await fn(); } catch (e) { if (ph) await dumpPhone(ph); throw e; }
    };

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tz-sipws-announce-'));
      fs.chmodSync(dir, 0o755);
      execFileSync(TOOL, ['tone', '--freq', String(NF_HZ), '--seconds', '2', '--rate', '8000', path.join(dir, 'nf.wav')]);
      execFileSync(TOOL, ['tone', '--freq', String(BUSY_HZ), '--seconds', '2', '--rate', '16000', path.join(dir, 'busy.wav')]);
      execFileSync(TOOL, ['tone', '--freq', String(MOH_HZ), '--seconds', '3', '--rate', '16000', path.join(dir, 'moh.wav')]);
      cfgPath = (await trapezectl(['show', 'status'])).config;
      original = fs.readFileSync(cfgPath, 'utf8');
      fs.writeFileSync(cfgPath, `${original}\nannouncements:\n  not_found: ${dir}/nf.wav\n`
        + `  busy: ${dir}/busy.wav\nmusic_on_hold: ${dir}/moh.wav\n`);
      const reply = await trapezectl(['reload']);
      assert.match(JSON.stringify(reply), /ok|applied|reload/i, `reload: ${JSON.stringify(reply)}`);
      kam = await startKamailio();
      browser = await launchBrowser({ ignoreHTTPSErrors: true });
      ph = await openSipPhone(browser, { stack, uri: `sip:alice@${KAM_IP}`, password: 'secret', ws: SIPWS_WSS });
      await ph.waitConnected();
      await ph.register();
      await ph.waitRegistered();
      await listen(ph.page);
    });

    after(async () => {
      if (ph) await ph.stop().catch(() => {});
      if (browser) await browser.close();
      if (kam) await kam.stop();
      if (cfgPath && original) {
        fs.writeFileSync(cfgPath, original);
        await trapezectl(['reload']).catch(() => {});
      }
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    // The PBX refuses the call with `code`: 183, the tone, then `code`.
    const refused = (scenario, number, code, hz, what) => async (t) => {
      const pbx = sipp(SCEN(scenario));
      await pbx.ready;
      await logged(async () => {
        const s0 = await stage();
        assert.equal(s0.state, 'on', 'the lab runs the stage (media_services in config/lab.yaml)');
        const t0 = Date.now();
        const id = await ph.call(number, { earlyMedia: true });
        await ph.waitState(id, 'progress');
        const tones = await waitForTone(ph.page, hz, { since: t0, n: 8, what: `the ${hz} Hz ${what} announcement` });
        t.diagnostic(`${hz} Hz heard from ${tones[0].t - t0} ms after dialling (${tones[0].db.toFixed(1)} dB)`);
        const c = await waitUntil(async () => {
          const x = await ph.callInfo(id);
          return x.state === 'ended' && x;
        }, `the ${stack} call to end with ${code}`, { timeout: 15000 });
        const t1 = Date.now();
        assert.equal(c.ended.code, code, `the phone got the PBX's status: ${JSON.stringify(c.ended)}`);
        assert.ok(!c.seen.includes('confirmed'), 'never answered');
        const all = await heard(ph.page, t0);
        const loud = all.filter((s) => isTone(s, hz));
        t.diagnostic(`${loud.length} of ${all.length} samples at ${hz} Hz; ${code} ${t1 - t0} ms after dialling`);
        assert.ok(t1 - tones[0].t >= 1000, 'the status came after the file, not before');
        assert.equal((await pbx.done).code, 0);
        const s1 = await stage();
        t.diagnostic(`show media-services: announcements ${s1.announcements}, `
          + `announcements_sipws ${s1.announcements_sipws}, sipws_media_timeouts ${s1.sipws_media_timeouts}`);
        assert.equal(s1.announcements - s0.announcements, 1);
        assert.equal(s1.announcements_sipws - s0.announcements_sipws, 1);
        assert.equal(s1.sipws_media_timeouts - s0.sipws_media_timeouts, 0);
        const c0 = s0.per_core[0];
        await waitUntil(async () => (await stage()).per_core[0].plays_ended - c0.plays_ended === 1,
          'the play to end');
        // 2 s at 20 ms: 100 packets; the call's end (file + 300 ms) may cut
        // the last few on a loaded host where the stage started late
        const made = (await stage()).per_core[0].play_packets - c0.play_packets;
        t.diagnostic(`${made} packets made`);
        assert.ok(made >= 85 && made <= 101, `${made} packets made (2 s at 20 ms)`);
        await waitUntil(async () => (await stage()).calls === 0, 'the call to leave the stage');
      });
      pbx.kill();
    };

    test('a number the PBX answers 404: 183, the not-found announcement, then 404',
      refused('uas_notfound.xml', '+442079460404', 404, NF_HZ, 'not-found'));

    test('a number the PBX answers 486: 183, the busy announcement, then 486',
      refused('uas_busy.xml', '+442079460486', 486, BUSY_HZ, 'busy'));

    test('the phone hangs up (CANCEL) during the announcement: the play stops at once, the record keeps 404', async (t) => {
      const pbx = sipp(SCEN('uas_notfound.xml'));
      await pbx.ready;
      const number = stack === 'jssip' ? '+442079460407' : '+442079460408';
      await logged(async () => {
        const s0 = await stage();
        const t0 = Date.now();
        const id = await ph.call(number, { earlyMedia: true });
        await waitForTone(ph.page, NF_HZ, { since: t0, n: 2, what: 'the announcement' });
        await ph.hangup(id);
        const c = await ph.waitState(id, 'ended');
        t.diagnostic(`the phone's end: ${JSON.stringify(c.ended)}`);
        // JsSIP reports its own CANCEL; SIP.js the 487 that answers it
        assert.ok(c.ended.originator === 'local' || c.ended.code === 487, JSON.stringify(c.ended));
        const cdr = await waitCdr((r) => r.to === number, `the record of the call to ${number}`);
        assert.equal(cdr.code, 404, 'the detail record keeps the SIP status');
        assert.equal(cdr.leg, 'sip-ws');
        await waitUntil(async () => (await stage()).per_core[0].plays_ended
          - s0.per_core[0].plays_ended === 1, 'the play to stop at the CANCEL');
        const s1 = await stage();
        assert.ok(s1.per_core[0].play_packets - s0.per_core[0].play_packets < 95,
          `the play stopped early (${s1.per_core[0].play_packets - s0.per_core[0].play_packets} packets)`);
        assert.equal(s1.calls, 0);
        assert.equal((await pbx.done).code, 0);
      });
      pbx.kill();
    });

    if (stack === 'sipjs') {
      test('SIP.js without earlyMedia ignores the 183\'s SDP: the 404 comes once the wait is over, counted', async (t) => {
        const pbx = sipp(SCEN('uas_notfound.xml'));
        await pbx.ready;
        await logged(async () => {
          const s0 = await stage();
          const t0 = Date.now();
          const id = await ph.call('+442079460406');
          const c = await waitUntil(async () => {
            const x = await ph.callInfo(id);
            return x.state === 'ended' && x;
          }, 'the call to end with 404', { timeout: 15000 });
          const t1 = Date.now();
          t.diagnostic(`404 ${t1 - t0} ms after dialling (the gateway waits 4 s for the phone's media)`);
          assert.equal(c.ended.code, 404, `the phone got the PBX's status: ${JSON.stringify(c.ended)}`);
          assert.ok(t1 - t0 >= 3500 && t1 - t0 < 8000, `the bounded wait, not longer: ${t1 - t0} ms`);
          assert.equal((await heard(ph.page, t0)).filter((s) => isTone(s, NF_HZ)).length, 0, 'nothing heard');
          const s1 = await stage();
          assert.equal(s1.sipws_media_timeouts - s0.sipws_media_timeouts, 1);
          assert.equal(s1.announcements - s0.announcements, 0);
          assert.equal(s1.play_skipped - s0.play_skipped, 1);
          await waitUntil(async () => (await stage()).calls === 0, 'the call to leave the stage');
          assert.equal((await pbx.done).code, 0);
        });
        pbx.kill();
      });
    }

    test('the PBX holds: the phone hears music on hold until the PBX resumes', async (t) => {
      const pbx = sipp(LAB('uas_hold_long.xml'), ['-mi', PBX_IP, '-mp', '6370', '-rtp_echo']);
      await pbx.ready;
      await logged(async () => {
        const s0 = await stage();
        const id = await ph.call('+442079460002');
        await ph.waitState(id, 'confirmed');
        const th = Date.now();
        const tones = await waitForTone(ph.page, MOH_HZ, { since: th, n: 10, what: `music on hold at ${MOH_HZ} Hz` });
        t.diagnostic(`${MOH_HZ} Hz heard ${tones[0].t - th} ms after the call was confirmed (the PBX holds 2 s after its 200)`);
        const s1 = await stage();
        assert.equal(s1.moh_started - s0.moh_started, 1);
        // the file is 3 s, the hold 5 s: it loops; at the resume the play stops
        await waitUntil(async () => (await stage()).per_core[0].plays_ended
          - s0.per_core[0].plays_ended === 1, 'the play to stop at the resume', { timeout: 15000 });
        const tu = Date.now();
        const during = (await heard(ph.page, th)).filter((s) => s.t < tu && isTone(s, MOH_HZ));
        assert.ok(during.length > 0 && during[during.length - 1].t - during[0].t > 3200,
          `${MOH_HZ} Hz for longer than the 3 s file (looped): `
          + `${during.length ? during[during.length - 1].t - during[0].t : 0} ms`);
        await waitUntil(async () => {
          const later = await heard(ph.page, tu + 500);
          return later.length >= 10 && later.filter((s) => isTone(s, MOH_HZ)).length === 0;
        }, 'the music to stop after the resume');
        await ph.hangup(id);
        await ph.waitState(id, 'ended');
        const r = await pbx.done;
        assert.equal(r.code, 0, `the PBX's hold and resume were answered: ${r.err}`);
      });
      pbx.kill();
    });
  });
}
