// Call detail records (docs/cdr.md) as the tests read them: through
// `trapezectl --json show cdr full`, and the same record as a line of the
// CDR file when lab_echo.sh says where it is ($TZ_CDR_FILE).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { trapezectl } from './gateway.mjs';
import { waitUntil } from './wait.mjs';

/** The gateway's cdr.file, or '' (then only the CLI is checked). */
export const CDR_FILE = process.env.TZ_CDR_FILE || '';

/** Every line of the CDR file, parsed; a line that is not JSON fails. */
export function cdrFileRecords() {
  if (!CDR_FILE || !fs.existsSync(CDR_FILE)) return [];
  const text = fs.readFileSync(CDR_FILE, 'utf8');
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), `${CDR_FILE} ends with a whole line`);
  return text.slice(0, -1).split('\n').map((l, i) => {
    try {
      return JSON.parse(l);
    } catch (e) {
      throw new Error(`${CDR_FILE}:${i + 1} is not JSON (${e.message}): ${l}`);
    }
  });
}

/**
 * The latest record matching `pred`, waited for (a call's record is taken
 * as it ends); with $TZ_CDR_FILE also its line in the file, which must be
 * the same record.
 * @param {(r: object) => boolean} pred
 * @param {string} what  the record awaited, for the error message
 * @returns {Promise<object>}
 */
export async function waitCdr(pred, what) {
  const rec = await waitUntil(async () =>
    (await trapezectl(['show', 'cdr', 'full', '1000'])).findLast(pred), `a call detail record: ${what}`);
  if (CDR_FILE) {
    const line = await waitUntil(() => cdrFileRecords()
      .find((r) => r.call_id === rec.call_id && r.end_time === rec.end_time),
    `the record of call ${rec.call_id} in ${CDR_FILE}`);
    assert.deepEqual(line, rec, 'the file has the record the CLI shows');
  }
  return rec;
}
