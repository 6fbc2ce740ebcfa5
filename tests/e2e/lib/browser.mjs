// Chromium for the e2e tests: Debian's /usr/bin/chromium driven by
// playwright-core (which never downloads a browser).
//
//   const b = await launchBrowser();
//   const page = await b.openPhone('http://198.51.100.1:8080/');
//   ...
//   await b.close();            // closes Chromium and removes its profile

import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.TZ_CHROMIUM || '/usr/bin/chromium';

/** The Chromium command-line flags: exactly these (plus --user-data-dir). */
export const CHROMIUM_FLAGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
]);

/**
 * Launch Chromium with a fresh profile directory (mkdtemp).
 *
 * Playwright refuses --user-data-dir in `args`; launchPersistentContext is
 * how it takes one, and puts it on the command line itself.  `headless` is
 * false for playwright because --headless is in our own flags: that way
 * playwright adds none of its headless extras (--mute-audio …).
 *
 * @param {object} [opts]
 * @param {boolean} [opts.ignoreHTTPSErrors=false] accept the lab's
 *        self-signed certificate (https://198.51.100.1:8443)
 * @param {string[]} [opts.args] flags after ours, e.g. the recording test's
 *        --use-file-for-fake-audio-capture=FILE.wav
 * @returns {Promise<{context: import('playwright-core').BrowserContext,
 *          userDataDir: string, openPhone: typeof openPhone, close: () => Promise<void>}>}
 */
export async function launchBrowser(opts = {}) {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'trapeze-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: false,
      args: [...CHROMIUM_FLAGS, ...(opts.args || [])],
      ignoreHTTPSErrors: !!opts.ignoreHTTPSErrors,
      viewport: { width: 480, height: 900 },
      handleSIGINT: true,
      handleSIGTERM: true,
    });
  } catch (e) {
    await rm(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const b = {
    context,
    userDataDir,
    openPhone: (url, o) => openPhone(context, url, o),
    async close() {
      try {
        await context.close(); // ends the Chromium process playwright started
      } finally {
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
  return b;
}

/**
 * Open the demo web phone and wait until its first connection attempt ended.
 * The page's console and errors are kept in `page.tzLog` (printed on failure).
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} url
 * @param {{waitReady?: boolean}} [o]
 * @returns {Promise<import('playwright-core').Page>}
 */
export async function openPhone(context, url, o = {}) {
  const pages = context.pages();
  const page = pages.length && pages[0].url() === 'about:blank' ? pages[0] : await context.newPage();
  page.tzLog = [];
  page.on('console', (m) => page.tzLog.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => page.tzLog.push(`pageerror: ${e.message}`));
  // A lab just brought up may still be settling its addresses: Chromium
  // then aborts the first navigation with ERR_NETWORK_CHANGED; try again.
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(url, { waitUntil: 'load' });
      break;
    } catch (e) {
      if (attempt >= 3 || !/ERR_NETWORK_CHANGED/.test(String(e.message))) throw e;
    }
  }
  // Only the front tab is visible: a hidden page gets throttled timers and
  // no animation frames (slow clicks, meters updating once a second).
  await page.bringToFront();
  if (o.waitReady !== false) {
    await page.waitForFunction(() => window.phone && window.phone.ready, null, { timeout: 10000 });
    await page.evaluate(() => window.phone.ready);
  }
  return page;
}

/**
 * Log in on the demo page through its form.
 * @param {import('playwright-core').Page} page
 * @param {string} user
 */
export async function login(page, user) {
  await page.fill('#user', user);
  await page.click('#login');
  await page.waitForFunction(() => !document.querySelector('#call').disabled, null, { timeout: 10000 });
}

/**
 * A summary of the current call's RTCPeerConnection statistics
 * (`window.phone.call`, or the call given by a page expression).
 * @param {import('playwright-core').Page} page
 * @param {string} [callExpr='window.phone.call'] evaluated in the page
 * @returns {Promise<{pc: object, inbound: object|null, outbound: object|null,
 *          candidatePair: object|null, transport: object|null}>}
 */
export async function statsSummary(page, callExpr = 'window.phone.call') {
  return page.evaluate(async (expr) => {
    // eslint-disable-next-line no-eval
    const call = (0, eval)(expr);
    if (!call || !call.pc) return null;
    const pc = call.pc;
    const report = await pc.getStats();
    const out = {
      pc: {
        connectionState: pc.connectionState,
        iceConnectionState: pc.iceConnectionState,
        signalingState: pc.signalingState,
      },
      inbound: null, outbound: null, candidatePair: null, transport: null,
    };
    let transport = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.inbound = {
          packetsReceived: s.packetsReceived, packetsLost: s.packetsLost, bytesReceived: s.bytesReceived,
          audioLevel: s.audioLevel, totalAudioEnergy: s.totalAudioEnergy, jitter: s.jitter,
        };
      } else if (s.type === 'outbound-rtp' && s.kind === 'audio') {
        out.outbound = { packetsSent: s.packetsSent, bytesSent: s.bytesSent };
      } else if (s.type === 'transport') {
        transport = s;
      }
    });
    if (transport) {
      out.transport = {
        dtlsState: transport.dtlsState, iceState: transport.iceState,
        dtlsRole: transport.dtlsRole, srtpCipher: transport.srtpCipher,
        tlsVersion: transport.tlsVersion,
      };
      const pair = transport.selectedCandidatePairId && report.get(transport.selectedCandidatePairId);
      if (pair) {
        const local = report.get(pair.localCandidateId);
        const remote = report.get(pair.remoteCandidateId);
        out.candidatePair = {
          state: pair.state, nominated: pair.nominated,
          local: local && `${local.address}:${local.port}/${local.protocol} ${local.candidateType}`,
          remote: remote && `${remote.address}:${remote.port}/${remote.protocol} ${remote.candidateType}`,
        };
      }
    }
    return out;
  }, callExpr);
}

/**
 * The highest inbound audioLevel seen while polling getStats for `ms`
 * (audioLevel is momentary: the fake microphone beeps with pauses).
 * @param {import('playwright-core').Page} page
 * @param {number} [ms=2000]
 * @param {string} [callExpr]
 * @returns {Promise<number>}
 */
/**
 * Stats once the browser has received at least `min` packets: right after
 * "answered" the inbound stream may not exist yet (a loaded machine).
 * @param {import('playwright-core').Page} page
 * @param {number} min
 * @param {number} [timeout=10000]
 */
export async function statsWithMedia(page, min, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let s = await statsSummary(page);
  while ((s.inbound?.packetsReceived ?? 0) < min && Date.now() < deadline) {
    await page.waitForTimeout(200);
    s = await statsSummary(page);
  }
  return s;
}

export async function maxAudioLevel(page, ms = 2000, callExpr) {
  let max = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = await statsSummary(page, callExpr);
    if (s && s.inbound && s.inbound.audioLevel > max) max = s.inbound.audioLevel;
    await new Promise((r) => setTimeout(r, 100));
  }
  return max;
}

/**
 * Run `fn(page)`; on failure save a screenshot and the page's log to temp
 * files, print their paths, and rethrow.
 * @param {import('node:test').TestContext} t
 * @param {import('playwright-core').Page} page
 * @param {(page: import('playwright-core').Page) => Promise<void>} fn
 */
export async function withScreenshot(t, page, fn) {
  try {
    await fn(page);
  } catch (e) {
    const base = path.join(os.tmpdir(),
      `trapeze-e2e-${t.name.replace(/[^A-Za-z0-9._-]+/g, '_')}-${Date.now()}`);
    try {
      await page.screenshot({ path: `${base}.png`, fullPage: true });
      console.error(`# screenshot on failure: ${base}.png`);
      t.diagnostic(`screenshot on failure: ${base}.png`);
    } catch (se) {
      console.error(`# no screenshot: ${se.message}`);
    }
    if (page.tzLog && page.tzLog.length) console.error(`# page log:\n#   ${page.tzLog.join('\n#   ')}`);
    throw e;
  }
}
