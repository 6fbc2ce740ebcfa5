// One demo-phone page per test file, logged in as a user, and the events of
// its current call: what the SIP scenario files share.

import { before, after, afterEach } from 'node:test';
import { launchBrowser, login } from './browser.mjs';
import { PHONE_URL } from './gateway.mjs';

/**
 * Register before/after hooks (call inside a describe): a browser with the
 * demo phone logged in as `user`; after each test a live call is hung up and
 * the Call button is ready again.  The page is `ctx.page` once the hooks ran.
 * @param {string} user
 * @returns {{browser: object|null, page: object|null}}
 */
export function usePhone(user) {
  const ctx = { browser: null, page: null };
  before(async () => {
    ctx.browser = await launchBrowser({ ignoreHTTPSErrors: true });
    ctx.page = await ctx.browser.openPhone(PHONE_URL);
    await login(ctx.page, user);
  });
  after(async () => {
    if (ctx.browser) await ctx.browser.close();
  });
  afterEach(async () => {
    await ctx.page.evaluate(() => window.phone.call && window.phone.call.state !== 'ended'
      && window.phone.call.hangup().catch(() => {}));
    await ctx.page.waitForFunction(() => !document.querySelector('#call').disabled, null, { timeout: 10000 })
      .catch(() => {});
  });
  return ctx;
}

/**
 * The first of `types` ('answered', 'hangup', 'held' …) on the page's live
 * call, or on the next one when none is live yet.
 * @returns {Promise<{type: string, code?: number, reason?: string, by?: string}>}
 */
export function nextCallEvent(page, types, timeout = 30000) {
  return page.evaluate(({ types, timeout }) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${types.join('/')} event in ${timeout} ms`)), timeout);
    const grab = () => {
      const c = window.phone.call;
      if (!c || c.state === 'ended') { setTimeout(grab, 20); return; }
      for (const type of types) {
        c.addEventListener(type, (e) => {
          clearTimeout(t);
          resolve({ type, code: e.code, reason: e.reason, by: e.by });
        }, { once: true });
      }
    };
    grab();
  }), { types, timeout });
}

/**
 * Dial `target` on the demo page once the Call button is ready; resolves at
 * the answer, or with the hangup's code and reason.
 * @returns {Promise<{answered: true} | {answered: false, code: number, reason: string}>}
 */
export async function dialFrom(page, target) {
  await page.waitForFunction(() => !document.querySelector('#call').disabled, null, { timeout: 10000 });
  const outcome = nextCallEvent(page, ['answered', 'hangup']);
  await page.fill('#target', target);
  await page.click('#call');
  const e = await outcome;
  return e.type === 'answered' ? { answered: true } : { answered: false, code: e.code, reason: e.reason };
}
