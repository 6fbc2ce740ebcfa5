// What a browser hears: the dominant frequency of a call's remote audio,
// measured in the page with a WebAudio AnalyserNode.  Chromium feeds a
// remote WebRTC track to WebAudio only while the stream also plays in a
// media element, so it is attached to a muted <audio> first.

/**
 * The dominant frequency (Hz) of the remote audio of `callExpr`'s peer
 * connection, from `frames` analyser snapshots `ms` apart (power averaged
 * per bin, bins under 100 Hz ignored), and its level in dBFS.
 * @param {import('playwright-core').Page} page
 * @param {{callExpr?: string, frames?: number, ms?: number}} [o]
 * @returns {Promise<{hz: number, db: number, rate: number}>}
 */
export function remoteDominantFreq(page, { callExpr = 'window.phone.call', frames = 10, ms = 100 } = {}) {
  return page.evaluate(async ({ callExpr, frames, ms }) => {
    // eslint-disable-next-line no-eval
    const call = (0, eval)(callExpr);
    const rx = call.pc.getReceivers().find((r) => r.track && r.track.kind === 'audio');
    const stream = new MediaStream([rx.track]);
    const el = document.createElement('audio');
    el.muted = true;
    el.srcObject = stream;
    document.body.appendChild(el);
    await el.play().catch(() => {});
    const ctx = new AudioContext();
    await ctx.resume();
    const an = ctx.createAnalyser();
    an.fftSize = 8192;
    an.smoothingTimeConstant = 0;
    ctx.createMediaStreamSource(stream).connect(an);
    const sum = new Float64Array(an.frequencyBinCount);
    const snap = new Float32Array(an.frequencyBinCount);
    await new Promise((r) => setTimeout(r, 300));       // the analyser's first window fills
    for (let f = 0; f < frames; f++) {
      an.getFloatFrequencyData(snap);
      for (let i = 0; i < snap.length; i++) sum[i] += Math.pow(10, snap[i] / 10);
      await new Promise((r) => setTimeout(r, ms));
    }
    const hzPerBin = ctx.sampleRate / an.fftSize;
    let best = Math.ceil(100 / hzPerBin);
    for (let i = best; i < sum.length; i++) if (sum[i] > sum[best]) best = i;
    const out = { hz: Math.round(best * hzPerBin), db: 10 * Math.log10(sum[best] / frames), rate: ctx.sampleRate };
    await ctx.close();
    el.remove();
    return out;
  }, { callExpr, frames, ms });
}
