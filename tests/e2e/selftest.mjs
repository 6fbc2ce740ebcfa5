// The main job's self-test call: headless Chromium in the lab's `web`
// namespace opens the gateway's demo phone, calls `echo` (or
// $TZ_SELFTEST_TARGET, a number on the lab trunk), lets audio flow
// for a few seconds and prints what happened (set-up time, packets each way,
// loss, audio level, dataplane counters; for a number: the SIP responses and
// the packets each way through the dataplane).  Exit status 0 when media flowed
// both ways through the dataplane.
//
//   ip netns exec web node tests/e2e/selftest.mjs      (tools/demo.sh does this)

import { launchBrowser, login, statsSummary, maxAudioLevel } from './lib/browser.mjs';
import { trapezectl, PHONE_URL } from './lib/gateway.mjs';

const seconds = Number(process.env.TZ_SELFTEST_SECONDS || 4);
const target = process.env.TZ_SELFTEST_TARGET || 'echo';
// TZ_SELFTEST_FORCE_OPUS=1: tick the demo's "Force Opus" box, so the browser
// offers only Opus and the gateway transcodes to the lab PBX's G.711.
const forceOpus = process.env.TZ_SELFTEST_FORCE_OPUS === '1';
const row = (k, v) => console.log(`  ${k.padEnd(30)} ${v}`);

async function callTarget(page) {
  const t0 = Date.now();
  await page.fill('#target', target);
  if (forceOpus) await page.check('#force-opus');
  // What the far end said, in order: ringing (SIP 180), progress (183), answered (200).
  await page.evaluate(() => {
    window.selftestEvents = [];
    const t = performance.now();
    const grab = () => {
      const c = window.phone.call;
      if (!c || c.state === 'ended') { setTimeout(grab, 5); return; }
      for (const type of ['ringing', 'progress', 'answered']) {
        c.addEventListener(type, () => window.selftestEvents.push([type, Math.round(performance.now() - t)]));
      }
    };
    grab();
  });
  await page.click('#call');
  await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'in-call',
    null, { timeout: 15000 });
  return Date.now() - t0;
}

// What the stage's transcoders did between two `show media-services`.
function xcodeCounters(a, b) {
  const sum = (m, k) => (m.per_core || []).reduce((n, c) => n + (c[k] || 0), 0);
  const d = (k) => sum(b, k) - sum(a, k);
  return { calls: d('xcode_created'), in: d('xcode_packets_in'), out: d('xcode_frames'),
           errors: d('xcode_errors') };
}

const SIP_CODE = { ringing: '180', progress: '183', answered: '200' };

async function main() {
  const browser = await launchBrowser({ ignoreHTTPSErrors: true });
  let ok = false;
  try {
    const page = await browser.openPhone(PHONE_URL);
    const t0 = Date.now();
    await login(page, 'selftest');
    const loginMs = Date.now() - t0;
    const auth = await trapezectl(['show', 'auth']);
    const xcodeBefore = forceOpus ? (await trapezectl(['show', 'media-services'])) : null;
    const answeredMs = await callTarget(page);
    await page.waitForTimeout(seconds * 1000);
    const s = await statsSummary(page);
    const level = await maxAudioLevel(page, 1500);
    const calls = await trapezectl(['show', 'calls']);
    const call = calls.find((c) => c.user === 'selftest') || {};
    const flows = (await trapezectl(['show', 'sessions'])).filter((f) => f.session === call.call);
    const flow = { packets: flows.reduce((n, f) => n + f.packets, 0),
                   drops: flows.reduce((n, f) => n + f.drops, 0) };
    const dir = (port) => flows.filter((f) => f.in_port === port).reduce((n, f) => n + f.packets, 0);
    const events = await page.evaluate(() => window.selftestEvents);
    const xcode = forceOpus ? xcodeCounters(xcodeBefore, await trapezectl(['show', 'media-services'])) : null;
    const ended = page.evaluate(() => new Promise((r) =>
      window.phone.call.addEventListener('hangup', (e) => r(`${e.code} ${e.reason}`))));
    await page.click('#hangup');
    const hangup = await ended;

    console.log(`== self-test call: Chromium (web) -> trapezed -> ${target}${forceOpus ? ' (Force Opus: transcoded)' : ''}`);
    row('login', `as selftest with a token from the example issuer, ${loginMs} ms `
      + `(gateway: ${auth.login_ok_token} by token, ${auth.login_no_credentials + auth.login_bad_token
        + auth.login_bad_signature + auth.login_expired} refused)`);
    row('answered after', `${answeredMs} ms (click to "answered")`);
    row('gateway set-up', `${call.setup_ms} ms (offer to DTLS connected)`);
    row('ICE / DTLS', `${s.pc.iceConnectionState} / ${s.transport?.dtlsState}, ${s.transport?.srtpCipher}`);
    row('browser sent', `${s.outbound.packetsSent} packets`);
    row('browser received', `${s.inbound.packetsReceived} packets, ${s.inbound.packetsLost} lost`);
    row('received audio level', `${level.toFixed(3)} (peak, 0..1)`);
    row('dataplane moved', `${flow.packets} packets in ${flows.length} flow(s), ${flow.drops} dropped`);
    if (target !== 'echo') {
      row('  browser -> far end', `${dir('access')} packets (SRTP in, RTP out)`);
      row('  far end -> browser', `${dir('core')} packets (RTP in, SRTP out)`);
      row('far end said', events.map(([e, ms]) => `${SIP_CODE[e]} ${e} at ${ms} ms`).join(', ') || '-');
    }
    if (xcode) {
      row('transcoded (media-services)', `${xcode.calls} call(s), ${xcode.in} packets in, `
        + `${xcode.out} out, ${xcode.errors} refused`);
    }
    row('hang-up', hangup);
    ok = s.outbound.packetsSent > 0 && s.inbound.packetsReceived > 0 && flow.packets > 0 && level > 0
      && (!xcode || (xcode.calls > 0 && xcode.in > 0 && xcode.out > 0));
  } finally {
    await browser.close();
  }
  console.log(ok ? 'self-test: media flowed both ways through the dataplane' : 'self-test: FAILED');
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(`self-test: FAILED: ${e.message}`); process.exit(1); });
