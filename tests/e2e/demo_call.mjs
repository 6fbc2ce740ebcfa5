// One call from the demo page, driven step by step by a shell script over
// stdin/stdout (tests/integration/test_systemd_unit.sh: the gateway runs
// under systemd in a container, so the script, not this file, talks to it).
//
//   node demo_call.mjs URL TOKEN TARGET
//
// Opens URL in Chromium (playwright-core, Debian's chromium), logs in with
// TOKEN through the page's form, calls TARGET and, once it is answered and
// the browser hears the far end, prints one JSON line
//   {"event":"answered","sent":N,"received":N}
// Then per line read on stdin:
//   "flowing" -> {"event":"flowing","sent":..,"received":..} once both counts
//                rose by 25 packets since the line came (else "stalled")
//   "hangup"  -> hangs up on the page, {"event":"ended","code":..} and exits 0
// Any failure: {"event":"error","message":..} and exit 1.  Plain http pages
// have no microphone (not a secure context): the URL's origin is declared
// secure to Chromium, as a test may; a deployment uses https.

import readline from 'node:readline';
import { launchBrowser, login, statsSummary } from './lib/browser.mjs';

const [url, token, target] = process.argv.slice(2);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
let browser;

async function counts(page) {
  const s = await statsSummary(page);
  return { sent: s?.outbound?.packetsSent ?? 0, received: s?.inbound?.packetsReceived ?? 0 };
}

async function rising(page, by, ms) {
  const before = await counts(page);
  const end = Date.now() + ms;
  let now = before;
  while (Date.now() < end) {
    now = await counts(page);
    if (now.sent >= before.sent + by && now.received >= before.received + by) return { ok: true, before, now };
    await page.waitForTimeout(100);
  }
  return { ok: false, before, now };
}

async function main() {
  browser = await launchBrowser({ args: [`--unsafely-treat-insecure-origin-as-secure=${new URL(url).origin}`] });
  const page = await browser.openPhone(url);
  await page.click('summary:has-text("Token")');   // the form's "Token or SIP account" part
  await page.fill('#token', token);
  await login(page, '');
  const answered = page.evaluate(() => new Promise((resolve, reject) => {
    const grab = () => {
      const c = window.phone.call;
      if (!c) { setTimeout(grab, 20); return; }
      c.addEventListener('answered', () => resolve());
      c.addEventListener('hangup', (e) => reject(new Error(`hangup ${e.code} ${e.reason}`)));
    };
    grab();
  }));
  await page.fill('#target', target);
  await page.click('#call');
  await answered;
  const r = await rising(page, 25, 15000);
  if (!r.ok) throw new Error(`answered, but no media both ways: ${JSON.stringify(r)}`);
  say({ event: 'answered', ...r.now });

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line === 'flowing') {
      const f = await rising(page, 25, 10000);
      say({ event: f.ok ? 'flowing' : 'stalled', before: f.before, ...f.now });
    } else if (line === 'hangup') {
      const ended = page.evaluate(() => new Promise((resolve) => {
        const c = window.phone.call;
        if (!c || c.state === 'ended') { resolve({ code: c?.endReason?.code }); return; }
        c.addEventListener('hangup', (e) => resolve({ code: e.code, reason: e.reason }));
      }));
      await page.click('#hangup');
      say({ event: 'ended', ...(await ended) });
      break;
    }
  }
}

try {
  await main();
  await browser.close();
  process.exit(0);
} catch (e) {
  say({ event: 'error', message: e.message });
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}
