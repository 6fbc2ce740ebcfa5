// Self-check of lib/sipws.mjs (the JsSIP / SIP.js web phones) without the
// gateway: lib/sipws_mock.mjs stands in for the SIP-over-WebSocket edge on
// 127.0.0.1 (registrar with digest, relays requests and responses between
// the browsers' WebSockets).  Two phones of the same stack in one Chromium
// call each other (real ICE/DTLS-SRTP audio over loopback): every harness
// call the lab scenarios use is exercised for both stacks.
//
//   tests/e2e/run.sh sipws_harness.test.mjs

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './lib/browser.mjs';
import { openSipPhone, waitAudioBothWays, dumpPhone } from './lib/sipws.mjs';
import { startSipWsMock } from './lib/sipws_mock.mjs';
import { waitUntil } from './lib/wait.mjs';

for (const stack of ['jssip', 'sipjs']) {
  describe(`sipws harness with ${stack} (mock edge)`, () => {
    let mock;
    let browser;
    let alice;
    let bob;
    const logged = async (fn) => {
      try { await fn(); } catch (e) {
        for (const ph of [alice, bob]) if (ph) await dumpPhone(ph);
        console.error(`# mock log:\n#   ${mock.log.slice(-40).join('\n#   ')}`);
        throw e;
      }
    };
    const open = (user, password = 'secret') => openSipPhone(browser,
      { stack, ws: mock.url, uri: `sip:${user}@203.0.113.3`, password, served: true });

    before(async () => {
      mock = await startSipWsMock();
      browser = await launchBrowser();
    });
    after(async () => {
      if (browser) await browser.close();
      if (mock) await mock.close();
    });

    test('register with digest; a wrong password gets 403', () => logged(async () => {
      alice = await open('alice');
      bob = await open('bob');
      await alice.register();
      await bob.register();
      await alice.waitRegistered();
      await bob.waitRegistered();
      assert.equal(mock.bindings('alice'), 1);
      const bad = await open('alice', 'wrong');
      await bad.register();
      assert.equal(await bad.waitRegistrationFailed(), 403);
      await bad.close();
    }));

    test('call, ring, answer, audio both ways, hold/resume, INFO DTMF, BYE from the callee', () => logged(async () => {
      const id = await alice.call('sip:bob@203.0.113.3');
      const inc = await bob.waitIncoming();
      assert.match((await bob.callInfo(inc)).from, /alice@203\.0\.113\.3/);
      await alice.waitState(id, 'progress');
      await bob.answer(inc);
      await alice.waitState(id, 'confirmed');
      await bob.waitState(inc, 'confirmed');
      const a = await waitAudioBothWays(alice, id);
      const b = await waitAudioBothWays(bob, inc);
      assert.ok(a.maxAudioLevel > 0 && b.maxAudioLevel > 0);
      await alice.hold(id);
      assert.equal((await alice.callInfo(id)).held, true);
      await waitUntil(async () => (await bob.audioStats(inc)).directions.includes('recvonly'),
        'bob\'s side answered the hold recvonly');
      await alice.unhold(id);
      await waitUntil(async () => (await bob.audioStats(inc)).directions.includes('sendrecv'),
        'bob\'s side back to sendrecv');
      assert.equal(await alice.sendDtmf('123', 'info', id), 3);
      const got = await waitUntil(async () => { const r = (await bob.callInfo(inc)).infoReceived; return r.length === 3 && r; },
        'three INFOs at bob');
      assert.deepEqual(got.map((x) => x.body.match(/Signal=(\S)/)[1]), ['1', '2', '3']);
      assert.match(got[0].contentType, /application\/dtmf-relay/);
      await bob.hangup(inc);
      await alice.waitState(id, 'ended');
      const e = await alice.endedCause(id);
      assert.equal(e.originator, 'remote', JSON.stringify(e));
      assert.equal((await bob.endedCause(inc)).originator, 'local');
    }));

    test('a rejected call ends with the callee\'s code; a cancelled one rings off at the callee', () => logged(async () => {
      const id = await alice.call('sip:bob@203.0.113.3');
      const inc = await bob.waitIncoming();
      await bob.reject(486, inc);
      await alice.waitState(id, 'ended');
      assert.equal((await alice.endedCause(id)).code, 486);
      const id2 = await alice.call('sip:bob@203.0.113.3');
      const inc2 = await bob.waitIncoming();
      await alice.waitState(id2, 'progress');
      await alice.hangup(id2);
      await bob.waitState(inc2, 'ended');
      assert.equal((await bob.endedCause(inc2)).cause, 'Canceled');
    }));

    test('MESSAGE both ways', () => logged(async () => {
      assert.equal(await alice.sendMessage('sip:bob@203.0.113.3', 'hi bob'), 200);
      await waitUntil(async () => (await bob.messages()).find((m) => m.body === 'hi bob' && /alice@/.test(m.from)), 'bob got it');
      assert.equal(await bob.sendMessage('sip:alice@203.0.113.3', 'hi alice'), 200);
      await waitUntil(async () => (await alice.messages()).find((m) => m.body === 'hi alice'), 'alice got it');
    }));

    test('un-REGISTER and page close', () => logged(async () => {
      await bob.unregister();
      await bob.waitUnregistered();
      assert.equal(mock.bindings('bob'), 0);
      await alice.close();
      await waitUntil(() => mock.bindings('alice') === 0, 'alice\'s WebSocket gone');
    }));
  });
}
