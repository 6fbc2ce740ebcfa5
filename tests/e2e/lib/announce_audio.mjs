// What the browser hears, by frequency: an AnalyserNode on the remote audio
// track of the demo phone's call, or of a SIP-over-WebSocket phone's
// (lib/sipws_page.js: window.tz.remoteTrack) (announcements, music on hold).  Chromium
// only feeds WebAudio from a remote WebRTC track that is also attached to a
// media element, so the track goes into a muted <audio> as well.  Once
// started, the page samples the dominant frequency every 50 ms (FFT of 8192
// at the context's rate: ~6 Hz bins) into window.__heard, attaching itself to
// each new call's remote track as it arrives.

import { waitUntil } from './wait.mjs';

/** Start listening on `page` (idempotent); samples accumulate from now. */
export async function listen(page) {
  await page.evaluate(() => {
    if (window.__heardTimer) return;
    window.__heard = [];
    let tap = null;
    const attach = (track) => {
      const stream = new MediaStream([track]);
      const el = document.createElement('audio');
      el.muted = true;
      el.srcObject = stream;
      el.play().catch(() => {});
      document.body.appendChild(el);
      const ctx = new AudioContext();
      ctx.resume().catch(() => {});
      const an = ctx.createAnalyser();
      an.fftSize = 8192;
      an.smoothingTimeConstant = 0;
      ctx.createMediaStreamSource(stream).connect(an);
      return { track, el, ctx, an, buf: new Float32Array(an.frequencyBinCount) };
    };
    window.__heardTimer = setInterval(() => {
      // the demo phone's call, or a SIP-over-WebSocket phone's (lib/sipws_page.js)
      const track = window.tz?.remoteTrack ? window.tz.remoteTrack()
        : window.phone.call?.remoteStream?.getAudioTracks()[0];
      if (track && (!tap || tap.track !== track)) {
        if (tap) { tap.ctx.close(); tap.el.remove(); }
        tap = attach(track);
      }
      if (!tap || tap.track.readyState !== 'live') return;
      tap.an.getFloatFrequencyData(tap.buf);
      let best = 1;
      for (let i = 2; i < tap.buf.length; i++) if (tap.buf[i] > tap.buf[best]) best = i;
      window.__heard.push({ t: Date.now(), hz: best * tap.ctx.sampleRate / tap.an.fftSize, db: tap.buf[best] });
    }, 50);
  });
}

/** The samples taken since `since` (ms since the epoch). */
export async function heard(page, since = 0) {
  return (await page.evaluate(() => window.__heard || [])).filter((s) => s.t >= since);
}

/** Is `s` a tone at `hz` (within `tol` Hz) loud enough to be the file? */
export const isTone = (s, hz, tol = 15) => Math.abs(s.hz - hz) <= tol && s.db > -70;

/** Wait until `n` samples since `since` are a tone at `hz`; returns them. */
export async function waitForTone(page, hz, { since = 0, n = 5, what = `${hz} Hz`, timeout = 15000 } = {}) {
  return waitUntil(async () => {
    const s = (await heard(page, since)).filter((x) => isTone(x, hz));
    return s.length >= n ? s : false;
  }, `the browser to hear ${what}`, { timeout });
}
