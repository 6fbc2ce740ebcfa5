// The demo's announcement self-test: headless Chromium in the lab's `web`
// namespace calls a number the lab PBX does not know ($TZ_SELFTEST_TARGET,
// default 404000: tests/sip/lab/uas_echo.xml answers 404) on a gateway whose
// config has `announcements.not_found` (tools/lab.sh makes the special
// information tone, 950/1400/1800 Hz), and prints what the user got: the
// early media, the tones heard, and the hang-up with the PBX's code.  Exit
// status 0 when the tone was heard and the call ended with 404.
//
//   ip netns exec web node tests/e2e/selftest_announce.mjs   (tools/demo.sh does this)

import { launchBrowser, login } from './lib/browser.mjs';
import { listen, heard, isTone } from './lib/announce_audio.mjs';
import { PHONE_URL } from './lib/gateway.mjs';

const target = process.env.TZ_SELFTEST_TARGET || '404000';
const row = (k, v) => console.log(`  ${k.padEnd(30)} ${v}`);
const SIT = [950, 1400, 1800];

async function main() {
  const browser = await launchBrowser({ ignoreHTTPSErrors: true });
  let ok = false;
  try {
    const page = await browser.openPhone(PHONE_URL);
    await login(page, 'selftest');
    await listen(page);
    await page.fill('#target', target);
    await page.evaluate(() => {
      window.selftest = { t0: performance.now(), progress: null, hangup: null };
      const grab = () => {
        const c = window.phone.call;
        if (!c) { setTimeout(grab, 5); return; }
        c.addEventListener('progress', () => {
          window.selftest.progress = Math.round(performance.now() - window.selftest.t0);
        });
        c.addEventListener('hangup', (e) => {
          window.selftest.hangup = { code: e.code, reason: e.reason,
            ms: Math.round(performance.now() - window.selftest.t0) };
        });
      };
      grab();
    });
    await page.click('#call');
    await page.waitForFunction(() => window.selftest.hangup !== null, null, { timeout: 60000 });
    const r = await page.evaluate(() => window.selftest);
    const samples = await heard(page);
    const tones = SIT.filter((hz) => samples.some((s) => isTone(s, hz, 20)));

    console.log(`== self-test call: Chromium (web) -> trapezed -> ${target} (unknown at the PBX)`);
    row('early media (progress)', r.progress === null ? 'none' : `after ${r.progress} ms`);
    row('announcement heard', tones.length ? `${tones.join(', ')} Hz (special information tone)`
      : `nothing recognised (${samples.length} samples)`);
    row('hang-up', `${r.hangup.code} ${r.hangup.reason} after ${r.hangup.ms} ms`);
    ok = r.progress !== null && tones.length >= 2 && r.hangup.code === 404;
  } finally {
    await browser.close();
  }
  console.log(ok ? 'self-test: the announcement played, then the call ended with 404'
    : 'self-test: FAILED (announcement)');
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(`self-test: FAILED: ${e.message}`); process.exit(1); });
