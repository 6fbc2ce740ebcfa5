// E2E: more of the SIP-over-WebSocket edge (RFC 7118) with real JsSIP in
// Chromium (namespace web) and Kamailio as registrar: the JsSIP and SIP.js
// snippets of docs/sip-websocket.md, verbatim (only the server URL and the
// AOR put in), register, call the lab PBX and are called back through
// Kamailio, audio both ways; a call to the built-in echo service; RFC 4733 DTMF from the
// phone seen in a capture at the PBX; DTMF by SIP INFO from the PBX reaching
// JsSIP (newDTMF); a blind transfer (REFER) towards the PBX; malformed SIP,
// keep-alives and OPTIONS on a raw WebSocket.  Each scenario starts its own
// sipp/tcpdump and finds its own call.  Run by lab_echo.sh.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchBrowser } from './lib/browser.mjs';
import { gatewaySkipReason, trapezectl } from './lib/gateway.mjs';
import { startKamailio, KAM_IP } from './lib/kamailio.mjs';
import { REPO } from './lib/server.mjs';
import { sipp, capture } from './lib/sipp.mjs';
import { parsePcap, rfc4733Digits, rtpPayloadTypes } from './lib/rtp_events.mjs';
import {
  openSipPhone, waitAudioBothWays, dumpPhone, probeSipSubprotocol, SIPWS_WSS, SIPWS_WS,
  docsSnippet, openSnippetPage, waitPcAudioBothWays, remoteDtmf, referCall, referState, openRawSipWs,
} from './lib/sipws.mjs';
import { waitUntil } from './lib/wait.mjs';

const LAB = (f) => path.join(REPO, 'tests/sip/lab', f);
const KAM = (f) => path.join(REPO, 'tests/sip/kamailio', f);
const ALICE = `sip:alice@${KAM_IP}`;
const BOB = `sip:bob@${KAM_IP}`;

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e sipws_more: ${skip}`);

describe('e2e: SIP over WebSocket, more (JsSIP)', { skip }, () => {
  let kam;
  let browser;
  let bob;          // a harness phone (wss), registered by the echo test, used by the call tests
  let bobUp = false;
  const needBob = () => { if (!bobUp) throw new Error('bob is not registered (see the echo test)'); };
  const sipStats = () => trapezectl(['show', 'sip', 'stats']);

  const logged = async (list, fn) => {
    try {
      await fn();
    } catch (e) {
      for (const ph of list) if (ph) await dumpPhone(ph);
      throw e;
    }
  };

  before(async () => {
    const p = await probeSipSubprotocol(SIPWS_WS);
    if (!p || !/ 101 /.test(p.status) || p.protocol !== 'sip') {
      throw new Error(`no WebSocket with subprotocol sip at ${SIPWS_WS}: ${JSON.stringify(p)}`);
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

  test('the docs\' JsSIP snippet, verbatim: registers, calls a lab number and is called back, audio both ways', async (t) => {
    const snippet = docsSnippet('JsSIP 3.13');
    for (const s of ['wss://gw.example.net/', "uri: 'sip:alice@example.net'", "password: 'secret'", '<script src="jssip.min.js">']) {
      assert.ok(snippet.includes(s), `the snippet has ${s}`);
    }
    const html = snippet.replace('wss://gw.example.net/', SIPWS_WSS)
      .replace("uri: 'sip:alice@example.net'", `uri: '${ALICE}'`);
    const page = await openSnippetPage(browser, html);
    const consoleHas = (re) => page.tzConsole.some((l) => re.test(l));
    const dump = () => console.error(`# snippet page console:\n#   ${[...page.tzConsole, ...page.tzLog].slice(-60).join('\n#   ')}`);
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', '203.0.113.2', '-mp', '6400', '-rtp_echo']);
    let uac;
    try {
      // 1. REGISTER (register: true): the snippet logs 'registered'.
      const t0 = Date.now();
      await waitUntil(() => {
        const bad = page.tzConsole.find((l) => /registration failed/.test(l)) || page.tzLog[0];
        if (bad) throw new Error(`the snippet: ${bad}`);
        return consoleHas(/^registered$/);
      }, 'the snippet logged "registered"');
      t.diagnostic(`page load -> registered: ${Date.now() - t0} ms`);
      await waitUntil(async () => (await kam.contacts('alice')).length === 1, 'alice bound at Kamailio');

      // 2. The snippet's call(): a lab number, the echo PBX.
      await pbx.ready;
      await page.evaluate(async () => { window.tzOut = await call('+442079460010'); }); // eslint-disable-line no-undef
      await waitUntil(() => consoleHas(/^in call$/), 'the snippet logged "in call" (confirmed)');
      const out = await waitPcAudioBothWays(page, 'window.tzOut.connection');
      t.diagnostic(`outgoing call stats: ${JSON.stringify(out)}`);
      const heard = await page.evaluate(() => !!document.getElementById('remote').srcObject);
      assert.ok(heard, 'the snippet put the far end\'s stream on its <audio>');
      await page.evaluate(() => window.tzOut.terminate());
      await waitUntil(() => consoleHas(/^ended local/), 'the snippet logged "ended local …"');
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX got the snippet's BYE: ${r.err.slice(0, 800)}`);

      // 3. Called back by sipp through Kamailio: the snippet's newRTCSession
      // handler answers; a probe (a second listener) keeps the session.
      await page.evaluate(() => {
        window.tzIn = [];
        ua.on('newRTCSession', (e) => { if (e.originator === 'remote') window.tzIn.push(e.session); }); // eslint-disable-line no-undef
      });
      uac = sipp(KAM('uac_call.xml'), ['-s', 'alice', '-mi', '203.0.113.2', '-mp', '6405',
        '-rtp_echo', '-d', '4000', `${KAM_IP}:5060`], '5064');
      const failed = uac.done.then((x) => { throw new Error(`the call back failed: ${x.err.slice(0, 800)}`); });
      failed.catch(() => {});
      await Promise.race([waitUntil(() => page.evaluate(() => window.tzIn.length > 0 && window.tzIn[0].isEstablished()),
        'the snippet answered the call from sipp'), failed]);
      const inn = await waitPcAudioBothWays(page, 'window.tzIn[0].connection', { min: 30 });
      t.diagnostic(`incoming call stats (sipp echoes): ${JSON.stringify(inn)}`);
      const r2 = await uac.done;
      assert.equal(r2.code, 0, `sipp saw 180, 200 and the 200 to its BYE: ${r2.err.slice(0, 800)}`);
      await waitUntil(() => page.evaluate(() => window.tzIn[0].isEnded()), 'the session ended by sipp\'s BYE');
    } catch (e) {
      dump();
      throw e;
    } finally {
      pbx.kill();
      if (uac) uac.kill();
      await page.close();
    }
    await waitUntil(async () => (await kam.contacts('alice')).length === 0,
      'alice\'s binding gone with the snippet page\'s WebSocket', { timeout: 20000 });
  });

  test('the docs\' SIP.js snippet, verbatim: registers, calls a lab number and is called back, audio both ways', async (t) => {
    const snippet = docsSnippet('SIP.js 0.21');
    for (const s of ["server: 'wss://gw.example.net/'", "makeURI('sip:alice@example.net')", "authorizationPassword: 'secret'",
      "from './sip.js/lib/index.js'", 'window.call = call']) {
      assert.ok(snippet.includes(s), `the snippet has ${s}`);
    }
    const html = snippet.replace('wss://gw.example.net/', SIPWS_WSS)
      .replace("makeURI('sip:alice@example.net')", `makeURI('${ALICE}')`);
    const page = await openSnippetPage(browser, html, { probePc: true });
    const dump = () => console.error(`# snippet page console:\n#   ${[...page.tzConsole, ...page.tzLog].slice(-60).join('\n#   ')}`);
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', '203.0.113.2', '-mp', '6440', '-rtp_echo']);
    let uac;
    try {
      // 1. REGISTER: the snippet's module runs to its end (window.call set) and Kamailio has alice.
      await waitUntil(async () => {
        const bad = page.tzConsole.find((l) => /registration failed/.test(l)) || page.tzLog[0];
        if (bad) throw new Error(`the snippet: ${bad}`);
        return (await page.evaluate(() => typeof window.call === 'function'))
          && (await kam.contacts('alice')).length === 1;
      }, 'the SIP.js snippet registered alice');

      // 2. call(): the echo PBX.
      await pbx.ready;
      await page.evaluate(async () => { window.tzOut = await window.call('+442079460014'); });
      await waitUntil(() => page.evaluate(() => window.tzOut.state === 'Established'), 'the call established');
      const out = await waitPcAudioBothWays(page, 'window.tzOut.sessionDescriptionHandler.peerConnection');
      t.diagnostic(`outgoing call stats: ${JSON.stringify(out)}`);
      assert.ok(await page.evaluate(() => !!document.getElementById('remote').srcObject),
        'the snippet put the far end\'s stream on its <audio>');
      await page.evaluate(() => window.tzOut.bye());
      const r = await pbx.done;
      assert.equal(r.code, 0, `the PBX got the snippet's BYE: ${r.err.slice(0, 800)}`);

      // 3. Called back through Kamailio: the snippet's onInvite accepts; its
      // RTCPeerConnection is the next one the page creates (window.tzPcs).
      const n = await page.evaluate(() => window.tzPcs.length);
      uac = sipp(KAM('uac_call.xml'), ['-s', 'alice', '-mi', '203.0.113.2', '-mp', '6445',
        '-rtp_echo', '-d', '4000', `${KAM_IP}:5060`], '5064');
      const failed = uac.done.then((x) => { throw new Error(`the call back failed: ${x.err.slice(0, 800)}`); });
      failed.catch(() => {});
      await Promise.race([waitUntil(() => page.evaluate((i) => window.tzPcs.length > i, n),
        'the snippet accepted the call from sipp'), failed]);
      const inn = await waitPcAudioBothWays(page, `window.tzPcs[${n}]`, { min: 30 });
      t.diagnostic(`incoming call stats (sipp echoes): ${JSON.stringify(inn)}`);
      const r2 = await uac.done;
      assert.equal(r2.code, 0, `sipp saw 180, 200 and the 200 to its BYE: ${r2.err.slice(0, 800)}`);
    } catch (e) {
      dump();
      throw e;
    } finally {
      pbx.kill();
      if (uac) uac.kill();
      await page.close();
    }
    await waitUntil(async () => (await kam.contacts('alice')).length === 0,
      'alice\'s binding gone with the snippet page\'s WebSocket', { timeout: 20000 });
  });

  test('a registered phone calls echo: answered at once by the gateway, its own audio comes back', async (t) => {
    bob = await openSipPhone(browser, { stack: 'jssip', uri: BOB, password: 'secret', ws: SIPWS_WSS });
    await logged([bob], async () => {
      await bob.register();
      await bob.waitRegistered();
      bobUp = true;
      const t0 = Date.now();
      const id = await bob.call('echo');
      const c = await bob.waitState(id, 'confirmed');
      t.diagnostic(`INVITE sip:echo@${KAM_IP} -> confirmed: ${Date.now() - t0} ms; states ${c.seen.join(', ')}`);
      assert.ok(!c.seen.includes('progress'), `answered at once, no ringing: ${c.seen.join(', ')}`);
      const s = await waitAudioBothWays(bob, id);
      t.diagnostic(`stats: ${JSON.stringify(s)}`);
      await bob.hangup(id);
      await bob.waitState(id, 'ended');
      assert.equal((await bob.endedCause(id)).originator, 'local');
    });
  });

  test('RFC 4733 DTMF from the phone (JsSIP RFC2833) reaches the PBX as telephone-events', async (t) => {
    needBob();
    const pbx = sipp(LAB('uas_echo.xml'), ['-mi', '203.0.113.2', '-mp', '6410', '-rtp_echo']);
    let cap;
    try {
      await pbx.ready;
      cap = await capture('udp and dst host 203.0.113.2 and dst port 6410');
      await logged([bob], async () => {
        const id = await bob.call('+442079460011');
        await bob.waitState(id, 'confirmed');
        await waitAudioBothWays(bob, id, { min: 20 });
        assert.equal(await bob.sendDtmf('1#9', 'rfc4733', id), 3);
        await waitUntil(() => rfc4733Digits(parsePcap(cap.peek()), { pt: 101, dport: 6410 }) === '1#9',
          'the digits 1#9 as telephone-event (payload type 101) at the PBX');
        await bob.hangup(id);
        await bob.waitState(id, 'ended');
        const r = await pbx.done;
        assert.equal(r.code, 0, `the PBX got the BYE: ${r.err.slice(0, 800)}`);
        const pkts = parsePcap((await cap.stop()).buf);
        const pts = rtpPayloadTypes(pkts, { dport: 6410 });
        t.diagnostic(`payload types at the PBX: ${JSON.stringify([...pts])}`);
        assert.equal(rfc4733Digits(pkts, { pt: 101, dport: 6410 }), '1#9');
        assert.deepEqual([...pts.keys()].sort((a, b) => a - b), [0, 101], 'PCMU and telephone-event/101 only');
      });
    } finally {
      if (cap) await cap.stop();
      pbx.kill();
    }
  });

  test('DTMF by SIP INFO from the PBX reaches the phone (JsSIP newDTMF, originator remote)', async () => {
    needBob();
    const pbx = sipp(LAB('uas_send_info.xml'), ['-mi', '203.0.113.2', '-mp', '6420', '-rtp_echo']);
    try {
      await pbx.ready;
      await logged([bob], async () => {
        const id = await bob.call('+442079460012');
        await bob.waitState(id, 'confirmed');
        const failed = pbx.done.then((x) => { throw new Error(`the PBX ended early: ${x.err.slice(0, 800)}`); });
        failed.catch(() => {});
        await Promise.race([waitUntil(async () => (await remoteDtmf(bob, id)) === '42',
          'JsSIP got the digits 4 then 2 from the PBX'), failed]);
        await bob.hangup(id);
        await bob.waitState(id, 'ended');
        const r = await pbx.done;
        assert.equal(r.code, 0, `both INFOs answered 200, then the BYE: ${r.err.slice(0, 800)}`);
      });
    } finally {
      pbx.kill();
    }
  });

  test('blind transfer: REFER accepted (202), NOTIFY 100 then 200 sipfrag, the PBX\'s BYE ends the call',
    async (t) => {
      needBob();
      const pbx = sipp(LAB('uas_refer.xml'), ['-mi', '203.0.113.2', '-mp', '6430', '-rtp_echo']);
      let id;
      try {
        await pbx.ready;
        await logged([bob], async () => {
          id = await bob.call('+442079460013');
          await bob.waitState(id, 'confirmed');
          await referCall(bob, id, `sip:+442079460001@${KAM_IP}`);
          // Done: the NOTIFY 200 (accepted), or a failure (of the REFER or in a NOTIFY).
          const st = await waitUntil(async () => {
            const s = await referState(bob, id);
            return ['accepted', 'requestFailed', 'failed'].some((e) => s.events.includes(e)) && s;
          }, 'JsSIP: REFER accepted and NOTIFY 200 sipfrag (or a failure)');
          t.diagnostic(`refer: ${JSON.stringify(st)}`);
          assert.ok(!st.events.includes('requestFailed') && !st.events.includes('failed'),
            `the REFER failed: ${JSON.stringify(st)}`);
          assert.deepEqual(st.codes, [202]);
          assert.ok(st.events.includes('requestSucceeded'));
          assert.deepEqual(st.notify.map((l) => l.split(' ')[0]), ['100', '200']);
          await bob.waitState(id, 'ended');
          const e = await bob.endedCause(id);
          assert.equal(e.originator, 'remote', JSON.stringify(e));
          assert.equal(e.cause, 'Terminated', JSON.stringify(e));
          const r = await pbx.done;
          assert.equal(r.code, 0, `the PBX: ${r.err.slice(0, 800)}`);
        });
      } finally {
        if (id && (await bob.callInfo(id))?.state !== 'ended') {
          await bob.hangup(id).catch(() => {});
          await bob.waitState(id, 'ended').catch(() => {});
        }
        pbx.kill();
      }
    });

  test('malformed SIP on a raw WebSocket: 400 or nothing, counted; the connection still answers OPTIONS and keep-alives', async (t) => {
    const before = await sipStats();
    assert.equal(typeof before.ws_sip_malformed, 'number', 'show sip stats has ws_sip_malformed');
    const ws = await openRawSipWs(new URL('/sip', SIPWS_WS).href);
    try {
      const callIdOf = (m) => /\r\nCall-ID:\s*(\S+)/i.exec(m)?.[1];
      const req = (method, callId, extra = '', body = '') => `${method} sip:${KAM_IP} SIP/2.0\r\n`
        + `Via: SIP/2.0/WS e2e.invalid;branch=z9hG4bK${callId}\r\n`
        + 'Max-Forwards: 70\r\n'
        + `From: <sip:probe@${KAM_IP}>;tag=t${callId}\r\n`
        + `To: <sip:${KAM_IP}>\r\n`
        + `Call-ID: ${callId}\r\n`
        + `CSeq: 1 ${method}\r\n${extra}`
        + `Content-Length: ${body.length}\r\n\r\n${body}`;
      // Not SIP at all: nothing to answer.  What comes back first must be the
      // answer to the next message (one connection: in order).
      ws.send('this is not SIP\r\n\r\n');
      // A request we can answer whose Content-Length lies: 400.
      ws.send(req('OPTIONS', 'bad-cl').replace('Content-Length: 0', 'Content-Length: 99'));
      const bad = await ws.next();
      t.diagnostic(`to the bad Content-Length: ${bad.split('\r\n')[0]}`);
      assert.match(bad, /^SIP\/2\.0 400 /);
      assert.equal(callIdOf(bad), 'bad-cl');
      // A response nobody asked for with no CSeq: dropped, no answer.
      ws.send('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
      // A keep-alive ping (RFC 5626 CRLF CRLF): pong CRLF.
      ws.send('\r\n\r\n');
      assert.equal(await ws.next(), '\r\n', 'the pong to CRLF CRLF');
      // Still a working SIP connection: OPTIONS -> 200.
      ws.send(req('OPTIONS', 'good-1', 'Accept: application/sdp\r\n'));
      const ok = await ws.next();
      assert.match(ok, /^SIP\/2\.0 200 /);
      assert.equal(callIdOf(ok), 'good-1');
      assert.equal(ws.received.length, 0, `nothing else came back: ${JSON.stringify(ws.received)}`);
      assert.equal(ws.closed(), false, 'the connection stays');
      const after = await sipStats();
      t.diagnostic(`ws_sip_malformed ${before.ws_sip_malformed} -> ${after.ws_sip_malformed}`);
      assert.equal(after.ws_sip_malformed - before.ws_sip_malformed, 3, 'three malformed messages counted');
    } finally {
      ws.close();
    }
  });

  test('bob stops: un-REGISTER', async () => {
    needBob();
    await bob.stop();
    await waitUntil(async () => (await kam.contacts('bob')).length === 0, 'bob\'s binding removed', { timeout: 20000 });
  });
});
