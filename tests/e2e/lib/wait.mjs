// Waiting for what a test checks, never for a fixed time: poll a condition
// until it holds or a deadline passes, then fail naming what was awaited.

/**
 * Resolve with the first truthy value of `fn()` (sync or async), polled every
 * `interval` ms; reject after `timeout` ms with "timed out waiting for WHAT"
 * and the last value or error seen.
 * @template T
 * @param {() => T | Promise<T>} fn
 * @param {string} what   what is awaited, for the error message
 * @param {{timeout?: number, interval?: number}} [o]
 * @returns {Promise<T>}
 */
export async function waitUntil(fn, what, { timeout = 15000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
