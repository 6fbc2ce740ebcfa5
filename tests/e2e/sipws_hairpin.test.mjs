// E2E: a media hairpin.  Two web users of the same gateway call each other
// through the registrar: alice (JsSIP) calls sip:bob@203.0.113.3; the
// gateway's INVITE goes to Kamailio (trunk lab-kam), which forwards it to
// bob's registration contact -- the gateway again -- so a second call rings
// bob's browser (SIP.js).  Each call's SIP peer is the gateway's own core
// address at the other call's core port: the media turns around in the
// dataplane, browser SRTP to browser SRTP.  Checked: audio both ways at
// both browsers (the fake microphone's beeps from the other side),
// `show calls` pairs the two calls (`hairpin`), `calls_hairpinned` counts
// them, hold by alice reaches bob's browser (recvonly) and resume
// (sendrecv), both calls stay up and the audio comes back, and alice's
// hang-up ends bob's session.  Run by lab_echo.sh.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { startKamailio, KAM_IP } from './lib/kamailio.mjs';
import { openSipPhone, waitAudioBothWays, dumpPhone, probeSipSubprotocol, SIPWS_WSS, SIPWS_WS } from './lib/sipws.mjs';
import { waitUntil } from './lib/wait.mjs';
import { waitCdr } from './lib/cdr.mjs';

const ALICE = `sip:alice@${KAM_IP}`;
const BOB = `sip:bob@${KAM_IP}`;
const CORE_IP = '203.0.113.1';           // the gateway's core address (config/lab.yaml)

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e sipws hairpin: ${skip}`);

describe('e2e: media hairpin between two web phones of this gateway', { skip }, () => {
  let kam;
  let browser;
  let alice;
  let bob;

  before(async () => {
    const p = await probeSipSubprotocol(SIPWS_WS);
    if (!p || !/ 101 /.test(p.status) || p.protocol !== 'sip') {
      throw new Error(`no SIP-over-WebSocket edge at ${SIPWS_WS}: ${JSON.stringify(p)}`);
    }
    kam = await startKamailio();
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
  });

  after(async () => {
    for (const ph of [alice, bob]) if (ph) await ph.stop().catch(() => {});
    if (browser) await browser.close();
    if (kam) {
      if (process.exitCode) console.error(`# Kamailio log (last 40 lines):\n#   ${kam.log().split('\n').slice(-40).join('\n#   ')}`);
      await kam.stop();
    }
  });

  /** Run fn; on failure print both phones' logs and the gateway's calls. */
  const logged = async (fn) => {
    try {
      await fn();
    } catch (e) {
      for (const ph of [alice, bob]) if (ph) await dumpPhone(ph);
      console.error(`# show calls: ${JSON.stringify(await trapezectl(['show', 'calls']).catch((x) => x.message))}`);
      throw e;
    }
  };

  test('alice (JsSIP) calls bob (SIP.js) through Kamailio: media hairpinned in the gateway, audio both ways, her BYE ends his session', async (t) => {
    alice = await openSipPhone(browser, { stack: 'jssip', ws: SIPWS_WSS, uri: ALICE, password: 'secret',
      instanceId: crypto.randomUUID() });
    bob = await openSipPhone(browser, { stack: 'sipjs', ws: SIPWS_WSS, uri: BOB, password: 'secret',
      instanceId: crypto.randomUUID() });
    await logged(async () => {
      await alice.register();
      await bob.register();
      await alice.waitRegistered();
      await bob.waitRegistered();
      await waitUntil(async () => (await kam.contacts('bob')).length > 0, 'bob bound at Kamailio');
      const before = await trapezectl(['show', 'sip', 'stats']);

      const ida = await alice.call(BOB);
      const idb = await bob.waitIncoming();
      assert.match((await bob.callInfo(idb)).from, /alice@203\.0\.113\.3/);
      await bob.answer(idb);
      await alice.waitState(ida, 'confirmed');
      await bob.waitState(idb, 'confirmed');
      // Kamailio asked alice to prove who she calls as (407): the challenge
      // reached her browser and her digest came back through the gateway.
      await kam.waitLog(/INVITE from alice via the gateway: 407/);
      await kam.waitLog(/INVITE from alice via the gateway: digest ok/);
      const mid = await trapezectl(['show', 'sip', 'stats']);
      assert.ok(mid.ws_sip_call_challenges_relayed > before.ws_sip_call_challenges_relayed,
        'the 407 was handed to the phone');

      // Both calls in `show calls`, their SIP media at our own address, paired.
      const pair = await waitUntil(async () => {
        const calls = await trapezectl(['show', 'calls']);
        const a = calls.find((c) => c.hairpin !== undefined && /alice/.test(`${c.user} ${c.target}`)
          && !/^sip:bob|bob@/.test(c.user));
        const b = a && calls.find((c) => c.call === a.hairpin);
        return a && b && b.hairpin === a.call && a.state === 'connected' && b.state === 'connected' && { a, b };
      }, 'show calls: two connected calls, each naming the other as its hairpin');
      t.diagnostic(`show calls: ${JSON.stringify(pair)}`);
      assert.equal(pair.a.sip_media, CORE_IP);
      assert.equal(pair.b.sip_media, CORE_IP);

      const sa = await waitAudioBothWays(alice, ida);
      const sb = await waitAudioBothWays(bob, idb);
      t.diagnostic(`alice: sent ${sa.packetsSent}, received ${sa.packetsReceived}, max audioLevel ${sa.maxAudioLevel}`);
      t.diagnostic(`bob: sent ${sb.packetsSent}, received ${sb.packetsReceived}, max audioLevel ${sb.maxAudioLevel}`);
      const gw = (await trapezectl(['show', 'calls'])).filter((c) => c.call === pair.a.call || c.call === pair.b.call);
      t.diagnostic(`gateway packets per call: ${gw.map((c) => `call ${c.call} (${c.user}): ${c.packets}`).join(', ')}`);
      const after = await trapezectl(['show', 'sip', 'stats']);
      assert.equal(after.calls_hairpinned - before.calls_hairpinned, 2, 'both calls counted');

      // Hold and resume by alice: the re-INVITE comes back to the gateway as
      // bob's call's re-INVITE; both calls stay up and the audio comes back.
      // (Resume only once bob's browser has taken the hold: the gateway's
      // two re-INVITEs to it back to back would cross, and SIP.js refuses
      // the second with 500.)
      const bobDir = async () => (await bob.audioStats(idb)).directions.join(',');
      await alice.hold(ida);
      assert.equal((await alice.callInfo(ida)).held, true);
      await waitUntil(async () => /recvonly|inactive/.test(await bobDir()), 'bob\'s browser put on hold (recvonly)');
      await alice.unhold(ida);
      assert.equal((await alice.callInfo(ida)).held, false);
      await waitUntil(async () => (await bobDir()) === 'sendrecv', 'bob\'s browser resumed (sendrecv)');
      const ra = (await alice.audioStats(ida)).packetsReceived;
      const rb = (await bob.audioStats(idb)).packetsReceived;
      await waitUntil(async () => (await alice.audioStats(ida)).packetsReceived > ra + 50
        && (await bob.audioStats(idb)).packetsReceived > rb + 50, 'audio both ways again after the resume');
      const ra2 = await alice.audioStats(ida);
      const rb2 = await bob.audioStats(idb);
      t.diagnostic(`after hold/resume: alice received ${ra2.packetsReceived} (${ra2.packetsReceived - ra} since the resume), `
        + `bob received ${rb2.packetsReceived} (${rb2.packetsReceived - rb} since the resume)`);
      const calls = await trapezectl(['show', 'calls']);
      assert.equal(calls.find((c) => c.call === pair.a.call)?.hairpin, pair.b.call, 'still paired after the resume');
      t.diagnostic(`gateway packets per call before the hang-up: ${calls.filter((c) => c.hairpin !== undefined)
        .map((c) => `call ${c.call} (${c.user}): ${c.packets}`).join(', ')}`);

      await alice.hangup(ida);
      await alice.waitState(ida, 'ended');
      await bob.waitState(idb, 'ended');
      assert.equal((await bob.endedCause(idb)).originator, 'remote');
      await waitUntil(async () => !(await trapezectl(['show', 'calls']))
        .some((c) => c.call === pair.a.call || c.call === pair.b.call), 'both calls gone from show calls');

      // web to web: one detail record per leg (docs/cdr.md), each with the
      // packets each way, counted also for the leg whose flows the other's
      // hang-up removed
      const ca = await waitCdr((c) => c.call_id === pair.a.call, `alice's leg, call ${pair.a.call}`);
      const cb = await waitCdr((c) => c.call_id === pair.b.call, `bob's leg, call ${pair.b.call}`);
      t.diagnostic(`cdrs: ${JSON.stringify(ca)} ${JSON.stringify(cb)}`);
      assert.deepEqual([ca.direction, cb.direction].sort(), ['sip-to-web', 'web-to-sip']);
      for (const c of [ca, cb]) {
        assert.equal(c.code, 200, JSON.stringify(c));
        assert.ok(c.pkts_from_web > 0 && c.pkts_to_web > 0, JSON.stringify(c));
      }
    });
  });
});
