#!/usr/bin/env node
// Run the lab's baresip peer in the foreground through tests/e2e/lib/baresip.mjs
// (used by verify.sh; handy by hand too):
//
//   node tests/sip/lab/baresip/run_baresip.mjs [--netns sip|none] [--addr 203.0.113.2]
//        [--port 5070] [--dir DIR] [--freq 1000] [--max-seconds N] [--quiet]
//
// Prints "READY pid=<pid> dir=<dir> uri=<sip uri>" once baresip listens, then
// (unless --quiet) baresip's output lines prefixed "| ".  On SIGTERM/SIGINT it
// stops baresip (SIGTERM, SIGKILL after 3 s) and prints one line
// "RESULT <json>": { alive, calls: {incoming, answered, established, closed,
// reasons, ...}, recordings: [{dir, file, rms, freq, seconds}], exit }.
// The config dir is kept when --dir is given (so recordings survive).

import { parseArgs } from 'node:util';
import { startBaresip, toneStats } from '../../../e2e/lib/baresip.mjs';

const { values: a } = parseArgs({
  options: {
    netns: { type: 'string', default: 'sip' },
    addr: { type: 'string', default: '203.0.113.2' },
    port: { type: 'string', default: '5070' },
    dir: { type: 'string' },
    freq: { type: 'string', default: '1000' },
    'max-seconds': { type: 'string', default: '0' },
    quiet: { type: 'boolean', default: false },
  },
});

let b;
try {
  b = await startBaresip({
    netns: a.netns === 'none' ? null : a.netns,
    addr: a.addr,
    port: Number(a.port),
    dir: a.dir,
    freq: Number(a.freq),
    maxSeconds: Number(a['max-seconds']),
    onLine: a.quiet ? undefined : (l) => console.log(`| ${l}`),
  });
} catch (e) {
  console.log(`FAILED ${e.message}`);
  process.exit(1);
}
console.log(`READY pid=${b.pid} dir=${b.dir} uri=${b.uri()}`);

let finishing = false;
async function finish(sig) {
  if (finishing) return;
  finishing = true;
  const alive = b.running();
  const calls = b.calls();
  delete calls.events;
  const recordings = [];
  for (const r of await b.recordings()) {
    try {
      const s = toneStats(r.file);
      recordings.push({ ...r, seconds: +s.seconds.toFixed(2), rms: Math.round(s.rms), freq: Math.round(s.freq) });
    } catch (e) {
      recordings.push({ ...r, error: e.message });
    }
  }
  const exit = await b.stop({ keepDir: Boolean(a.dir) });
  console.log(`RESULT ${JSON.stringify({ signal: sig, alive, calls, recordings, exit })}`);
  process.exit(0);
}
process.on('SIGTERM', () => finish('SIGTERM'));
process.on('SIGINT', () => finish('SIGINT'));
b.exited.then((e) => {
  if (!finishing) {
    console.log(`baresip exited on its own: ${JSON.stringify(e)}`);
    finish('exit');
  }
});
