// The SIP-over-WebSocket scenarios (RFC 7118, subprotocol `sip`), run once
// per web SIP stack by sipws_jssip.test.mjs and sipws_sipjs.test.mjs: a real
// JsSIP / SIP.js phone in Chromium (namespace web) connects to the gateway's
// WebSocket edge, which relays REGISTER to Kamailio (203.0.113.3, digest
// passed through), sends the browser's calls to the route's trunk (the sipp
// PBX echoing RTP on lab-pbx / lab-info) and Kamailio's INVITEs for a
// registered browser to it; media: browser DTLS-SRTP <-> plain RTP through
// the dataplane.  Each scenario starts its own sipp and finds its own call.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchBrowser } from './browser.mjs';
import { gatewaySkipReason } from './gateway.mjs';
import { startKamailio, KAM_IP } from './kamailio.mjs';
import { REPO } from './server.mjs';
import { sipp } from './sipp.mjs';
import { openSipPhone, waitAudioBothWays, dumpPhone, probeSipSubprotocol, SIPWS_WSS, SIPWS_WS } from './sipws.mjs';
import { waitUntil } from './wait.mjs';

const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
const KAM = (f) => path.join(REPO, 'tests/sip/kamailio', f);
const ALICE = `sip:alice@${KAM_IP}`;
const BOB = `sip:bob@${KAM_IP}`;
/** A contact of the gateway: its SIP address on the trunk side. */
const GW_CONTACT = /^sips?:[^@]*@203\.0\.113\.1([:;>]|$)/;

/**
 * Register every scenario for `stack` ('jssip' | 'sipjs').
 * @param {'jssip'|'sipjs'} stack
 */
export async function sipwsScenarios(stack) {
  const skip = await gatewaySkipReason();
  if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
  if (skip) console.log(`# SKIP e2e sipws ${stack}: ${skip}`);

  let kam;
  let browser;
  let alice;       // alice's first device, wss://, registered in the first test
  let bob;         // bob over plain ws:// on /sip: register and MESSAGE only
  let alice2;      // alice's second device (the forking test)
  const phones = [];
  let aliceUp = false;  // registered by the first test: the others need her
  let bobUp = false;
  /** Fail at once (not after every timeout) when the registrations failed. */
  const needAlice = () => { if (!aliceUp) throw new Error('alice is not registered (see the first test)'); };
  const needBob = () => { if (!bobUp) throw new Error('bob is not registered (see the bob test)'); };

  const open = async (o) => {
    const ph = await openSipPhone(browser, { stack, ws: SIPWS_WSS, password: 'secret', ...o });
    phones.push(ph);
    return ph;
  };
  /** Run fn; on failure print the logs of the phones involved. */
  const logged = async (list, fn) => {
    try {
      await fn();
    } catch (e) {
      for (const ph of list) if (ph) await dumpPhone(ph);
      throw e;
    }
  };
  const contacts = (user) => kam.contacts(user);

  describe(`e2e: SIP over WebSocket with ${stack}`, { skip }, () => {
    before(async () => {
      const p = await probeSipSubprotocol(SIPWS_WS);
      if (!p || !/ 101 /.test(p.status) || p.protocol !== 'sip') {
        throw new Error(`the gateway does not accept a WebSocket with subprotocol sip at ${SIPWS_WS}: `
          + `${JSON.stringify(p)} (the SIP-over-WebSocket edge is not in this build?)`);
      }
      kam = await startKamailio();
      browser = await launchBrowser({ ignoreHTTPSErrors: true });
    });

    after(async () => {
      if (browser) await browser.close();
      if (kam) {
        if (process.exitCode) console.error(`# Kamailio log (last 40 lines):\n#   ${kam.log().split('\n').slice(-40).join('\n#   ')}`);
        await kam.stop();
      }
    });

    test('REGISTER through the gateway, digest answered by the browser: Kamailio binds alice to a gateway contact', async (t) => {
      alice = await open({ uri: ALICE, instanceId: crypto.randomUUID() });
      await logged([alice], async () => {
        await alice.waitConnected();
        const t0 = Date.now();
        await alice.register();
        await alice.waitRegistered();
        t.diagnostic(`REGISTER, 401, REGISTER, 200 took ${Date.now() - t0} ms`);
        const c = await waitUntil(async () => { const x = await contacts('alice'); return x.length > 0 && x; },
          'alice bound at Kamailio');
        t.diagnostic(`Kamailio usrloc: alice -> ${c.join(', ')}`);
        assert.equal(c.length, 1);
        assert.match(c[0], GW_CONTACT, 'the binding points at the gateway, not at the browser');
        await kam.waitLog(/REGISTER sip:alice@203\.0\.113\.3 contact .*saved/);
        aliceUp = true;
      });
    });

    test('a wrong password: the registration fails with Kamailio\'s 403, alice\'s binding stays', async () => {
      needAlice();
      const bad = await open({ uri: ALICE, password: 'wrong' });
      await logged([bad], async () => {
        await bad.register();
        assert.equal(await bad.waitRegistrationFailed(), 403);
        await kam.waitLog(/bad credentials/);
        await bad.close();
        assert.equal((await contacts('alice')).length, 1, 'the good registration is untouched');
      });
    });

    test('bob registers over plain ws:// on path /sip', async () => {
      bob = await open({ uri: BOB, ws: new URL('/sip', SIPWS_WS).href });
      await logged([bob], async () => {
        await bob.register();
        await bob.waitRegistered();
        const c = await waitUntil(async () => { const x = await contacts('bob'); return x.length > 0 && x; },
          'bob bound at Kamailio');
        assert.match(c[0], GW_CONTACT);
        bobUp = true;
      });
    });

    test('alice calls a number: ringing, confirmed, audio both ways through the echo PBX; her BYE reaches the PBX', async (t) => {
      needAlice();
      const pbx = sipp(LAB('uas_echo.xml'), ['-mi', '203.0.113.2', '-mp', '6300', '-rtp_echo']);
      await pbx.ready;
      await logged([alice], async () => {
        const t0 = Date.now();
        const id = await alice.call('+442079460000');
        await alice.waitState(id, 'progress');
        await alice.waitState(id, 'confirmed');
        t.diagnostic(`INVITE -> confirmed: ${Date.now() - t0} ms`);
        const s = await waitAudioBothWays(alice, id);
        t.diagnostic(`stats: ${JSON.stringify(s)}`);
        await alice.hangup(id);
        await alice.waitState(id, 'ended');
        assert.equal((await alice.endedCause(id)).originator, 'local');
        const r = await pbx.done;
        assert.equal(r.code, 0, `the PBX got the BYE: ${r.err.slice(0, 800)}`);
      });
      pbx.kill();
    });

    test('sipp calls alice through Kamailio: incoming, answer, audio both ways, the caller\'s BYE ends the session', async (t) => {
      needAlice();
      const uac = sipp(KAM('uac_call.xml'), ['-s', 'alice', '-mi', '203.0.113.2', '-mp', '6310',
        '-rtp_echo', '-d', '4000', `${KAM_IP}:5060`], '5064');
      await logged([alice], async () => {
        const failed = uac.done.then((r) => { throw new Error(`the call failed before ringing: ${r.err.slice(0, 800)}`); });
        failed.catch(() => {});
        const id = await Promise.race([alice.waitIncoming(), failed]);
        const info = await alice.callInfo(id);
        assert.match(info.from, /sipp@/);
        await kam.waitLog(/INVITE for alice goes to its contact/);
        await alice.answer(id);
        await alice.waitState(id, 'confirmed');
        const s = await waitAudioBothWays(alice, id, { min: 30 });
        t.diagnostic(`stats (sipp echoes the browser's RTP): ${JSON.stringify(s)}`);
        await alice.waitState(id, 'ended', 30000);
        const e = await alice.endedCause(id);
        assert.equal(e.originator, 'remote', JSON.stringify(e));
        const r = await uac.done;
        assert.equal(r.code, 0, `sipp saw 180, 200 and the 200 to its BYE: ${r.err.slice(0, 800)}`);
      });
      uac.kill();
    });

    test('hold and resume: re-INVITE sendonly, then sendrecv, reach the PBX', async () => {
      needAlice();
      const pbx = sipp(LAB('uas_expect_hold.xml'), ['-mi', '203.0.113.2', '-mp', '6320', '-rtp_echo']);
      await pbx.ready;
      await logged([alice], async () => {
        const id = await alice.call('+442079460001');
        await alice.waitState(id, 'confirmed');
        await waitAudioBothWays(alice, id, { min: 20 });
        await alice.hold(id);
        assert.equal((await alice.callInfo(id)).held, true);
        await alice.unhold(id);
        assert.equal((await alice.callInfo(id)).held, false);
        const before = (await alice.audioStats(id)).packetsReceived;
        await waitUntil(async () => (await alice.audioStats(id)).packetsReceived > before + 20,
          'audio received again after the resume');
        await alice.hangup(id);
        await alice.waitState(id, 'ended');
        const r = await pbx.done;
        assert.equal(r.code, 0, `the PBX saw sendonly, then sendrecv, then BYE: ${r.err.slice(0, 800)}`);
      });
      pbx.kill();
    });

    test('the PBX puts alice on hold and resumes: the browser answers recvonly, then sendrecv', async () => {
      needAlice();
      const pbx = sipp(LAB('uas_hold.xml'), ['-mi', '203.0.113.2', '-mp', '6350', '-rtp_echo']);
      await pbx.ready;
      await logged([alice], async () => {
        const id = await alice.call('+442079460002');
        await alice.waitState(id, 'confirmed');
        await waitUntil(async () => (await alice.audioStats(id)).directions.includes('recvonly'),
          'the browser on hold: its transceiver recvonly (re-INVITE sendonly from the PBX)');
        await waitUntil(async () => (await alice.audioStats(id)).directions.includes('sendrecv'),
          'the browser resumed: sendrecv again');
        const before = (await alice.audioStats(id)).packetsReceived;
        await waitUntil(async () => (await alice.audioStats(id)).packetsReceived > before + 20,
          'audio received again after the resume');
        await alice.hangup(id);
        await alice.waitState(id, 'ended');
        const r = await pbx.done;
        assert.equal(r.code, 0, `the PBX got recvonly, then sendrecv, then the BYE: ${r.err.slice(0, 800)}`);
      });
      pbx.kill();
    });

    test('alice rejects a call with 486: the caller through Kamailio gets 486', async () => {
      needAlice();
      const uac = sipp(LAB('uac_expect_486.xml'), ['-s', 'alice', '-mi', '203.0.113.2', '-mp', '6360',
        `${KAM_IP}:5060`], '5064');
      await logged([alice], async () => {
        const failed = uac.done.then((r) => { throw new Error(`the call failed before ringing: ${r.err.slice(0, 800)}`); });
        failed.catch(() => {});
        const id = await Promise.race([alice.waitIncoming(), failed]);
        await alice.reject(486, id);
        await alice.waitState(id, 'ended');
        const r = await uac.done;
        assert.equal(r.code, 0, `sipp got 486 through Kamailio: ${r.err.slice(0, 800)}`);
      });
      uac.kill();
    });

    test('DTMF by SIP INFO reaches the PBX (trunk lab-info)', async () => {
      needAlice();
      const pbx = sipp(LAB('uas_info.xml'), ['-mi', '203.0.113.2', '-mp', '6330', '-rtp_echo'], '5070');
      await pbx.ready;
      await logged([alice], async () => {
        const id = await alice.call('+15550000001');
        await alice.waitState(id, 'confirmed');
        assert.equal(await alice.sendDtmf('123', 'info', id), 3);
        assert.equal((await alice.callInfo(id)).infoSent, 3, 'three INFOs answered');
        await alice.hangup(id);
        await alice.waitState(id, 'ended');
        const r = await pbx.done;
        assert.equal(r.code, 0, `the PBX got INFO Signal=1, 2, 3 and the BYE: ${r.err.slice(0, 800)}`);
      });
      pbx.kill();
    });

    test('MESSAGE alice -> bob (through Kamailio to bob\'s browser) and back', async () => {
      needAlice();
      needBob();
      await logged([alice, bob], async () => {
        const text = `hello bob from ${stack} ${Date.now()}`;
        const st = await alice.sendMessage(BOB, text);
        assert.ok(st === 200 || st === 202, `MESSAGE answered ${st}`);
        const m = await waitUntil(async () => (await bob.messages()).find((x) => x.body === text),
          'bob received alice\'s MESSAGE');
        assert.match(m.from, /alice@203\.0\.113\.3/);
        assert.match(m.contentType, /text\/plain/);
        const back = `hi alice ${Date.now()}`;
        const st2 = await bob.sendMessage(ALICE, back);
        assert.ok(st2 === 200 || st2 === 202, `MESSAGE answered ${st2}`);
        const m2 = await waitUntil(async () => (await alice.messages()).find((x) => x.body === back),
          'alice received bob\'s MESSAGE');
        assert.match(m2.from, /bob@203\.0\.113\.3/);
      });
    });

    test('a second device of alice rings too and is cancelled when the first answers', async (t) => {
      needAlice();
      alice2 = await open({ uri: ALICE, instanceId: crypto.randomUUID() });
      await logged([alice, alice2], async () => {
        await alice2.register();
        await alice2.waitRegistered();
        const c = await waitUntil(async () => { const x = await contacts('alice'); return x.length === 2 && x; },
          'two bindings for alice at Kamailio');
        t.diagnostic(`alice's bindings: ${c.join(', ')}`);
        const uac = sipp(KAM('uac_call.xml'), ['-s', 'alice', '-mi', '203.0.113.2', '-mp', '6340',
          '-rtp_echo', '-d', '2000', `${KAM_IP}:5060`], '5064');
        try {
          const id1 = await alice.waitIncoming();
          const id2 = await alice2.waitIncoming();
          await alice.answer(id1);
          await alice.waitState(id1, 'confirmed');
          await alice2.waitState(id2, 'ended');
          const e = await alice2.endedCause(id2);
          t.diagnostic(`the second device: ${JSON.stringify(e)}`);
          assert.equal(e.cause, 'Canceled', JSON.stringify(e));
          assert.match(e.reason || '', /Call completed elsewhere/, 'the CANCEL says why (RFC 3326 Reason)');
          assert.deepEqual((await alice2.snapshot()).calls.filter((x) => x.seen.includes('confirmed')), []);
          await alice.waitState(id1, 'ended', 30000);
          const r = await uac.done;
          assert.equal(r.code, 0, `sipp: ${r.err.slice(0, 800)}`);
        } finally {
          uac.kill();
        }
        // The second device goes away without un-REGISTER: its binding goes with its WebSocket.
        await alice2.close();
        await waitUntil(async () => (await contacts('alice')).length === 1,
          'the second device\'s binding removed when its WebSocket closed', { timeout: 20000 });
      });
    });

    test('closing the page un-registers: Kamailio\'s location loses alice\'s gateway contact', async () => {
      needAlice();
      if (alice2) await alice2.close();  // still open when the forking test failed
      await alice.close();
      await waitUntil(async () => (await contacts('alice')).length === 0,
        'alice\'s binding removed at Kamailio after her WebSocket closed', { timeout: 20000 });
      needBob();
      await bob.stop();                 // the polite way: un-REGISTER, then close
      await waitUntil(async () => (await contacts('bob')).length === 0,
        'bob\'s binding removed by his un-REGISTER', { timeout: 20000 });
    });
  });
}
