// E2E (issue 9 item 5): SIP only from trunks.  An INVITE sent to the
// gateway's SIP port from the web host (198.51.100.10, no trunk) gets no
// answer, starts no call, and is counted (`requests_refused_acl`, `show sip
// sources`); the PBX's OPTIONS still get 200 meanwhile.  Run by lab_echo.sh.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { gatewaySkipReason, trapezectl, currentNetns } from './lib/gateway.mjs';
import { sendRawSip, GW_SIP } from './lib/sipp.mjs';

const skip = await gatewaySkipReason();
if (skip && process.env.TZ_E2E_REQUIRE_GATEWAY) throw new Error(`gateway not reachable: ${skip}`);
if (skip) console.log(`# SKIP e2e sip guard: ${skip}`);

const [GW_HOST, GW_PORT] = GW_SIP.split(':');

function request(method, from, n) {
  return `${method} sip:1000@${GW_SIP} SIP/2.0\r\n`
    + `Via: SIP/2.0/UDP ${from};rport;branch=z9hG4bK-e2e-guard-${method}-${n}-${process.pid}\r\n`
    + 'Max-Forwards: 70\r\n'
    + `From: <sip:scan@${from}>;tag=${n}\r\nTo: <sip:1000@${GW_HOST}>\r\n`
    + `Call-ID: e2e-guard-${n}-${process.pid}@${from}\r\nCSeq: 1 ${method}\r\n`
    + `Contact: <sip:scan@${from}>\r\nContent-Length: 0\r\n\r\n`;
}

/** Send one datagram from this namespace; the reply's first line, or null after 1.5 s. */
function sendFromHere(text) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); resolve(null); }, 1500);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m.toString().split('\r\n')[0]); });
    s.send(text, Number(GW_PORT), GW_HOST);
  });
}

const sipStats = () => trapezectl(['show', 'sip', 'stats']);

describe('e2e: SIP from trunks only', { skip }, () => {
  test('an INVITE from the web host (no trunk) is dropped unanswered and counted', async () => {
    assert.equal(currentNetns(), 'web');
    const before = await sipStats();
    const reply = await sendFromHere(request('INVITE', '198.51.100.10:5099', 1));
    assert.equal(reply, null);
    const after = await sipStats();
    assert.ok(after.requests_refused_acl >= before.requests_refused_acl + 1,
      `requests_refused_acl ${before.requests_refused_acl} -> ${after.requests_refused_acl}`);
    assert.equal(after.invite_in, before.invite_in);
    const me = (await trapezectl(['show', 'sip', 'sources'])).find((s) => s.source === '198.51.100.10');
    assert.ok(me && me.refused_acl >= 1, JSON.stringify(me));
  });

  test('the trunk (the PBX host) is still answered', async () => {
    const [reply] = await sendRawSip([request('OPTIONS', '203.0.113.2:5098', 2)]);
    assert.equal(reply, 'SIP/2.0 200 OK');
  });
});
