// A page at the gateway's origin holding any number of TrapezeClients
// (trapeze.js as the gateway serves it), for scenarios with several users
// at once: open it with lib/sipws.mjs openSnippetPage(browser, DRIVER) and
// wait for window.tReady.  In the page, window.T:
//   T.open(who, wsUrl, token)  connect + login: {user} or {error, message}
//   T.call(who, name, number)  place a call named `name` (its callId)
//   T.calls[name]              the TrapezeCall (.pc: its RTCPeerConnection)
//   T.ev[name]                 its events [{type, code, reason}]: ringing,
//                              answered, error, hangup
//   T.incoming[who]            names of the calls offered to `who` (also in
//                              T.calls / T.ev; accept with T.calls[n].accept())
//   T.hangupAll()              hang up every live call

// The driver: trapeze.js as the gateway serves it; each client logs in on a
// path with a token; calls and their events are kept by name.
export const DRIVER = `<p>tenants driver</p>
<script type="module">
import { TrapezeClient } from '/trapeze.js';
const T = { clients: {}, calls: {}, ev: {}, incoming: {} };
const keep = (name, c) => {
  T.calls[name] = c;
  T.ev[name] = [];
  for (const type of ['ringing', 'answered', 'error', 'hangup']) {
    c.addEventListener(type, (e) => T.ev[name].push({ type, code: e.code, reason: e.reason }));
  }
  // Played, as a page would: Chromium measures audioLevel only for a
  // remote track that has a sink.
  const play = () => {
    if (c.tzAudio || !c.remoteStream) return;
    c.tzAudio = document.createElement('audio');
    c.tzAudio.srcObject = c.remoteStream;
    document.body.append(c.tzAudio);
    c.tzAudio.play().catch(() => {});
  };
  c.addEventListener('track', play);
  c.addEventListener('answered', play);
  c.addEventListener('hangup', () => { if (c.tzAudio) { c.tzAudio.srcObject = null; c.tzAudio.remove(); } });
};
T.open = async (who, url, token) => {
  const c = new TrapezeClient();
  T.clients[who] = c;
  T.incoming[who] = [];
  c.addEventListener('incoming', (e) => {
    const name = who + '-in' + T.incoming[who].length;
    T.incoming[who].push(name);
    keep(name, e.call);
  });
  try {
    await c.connect(url);
    return { user: (await c.login({ token })).user };
  } catch (e) {
    return { error: e.code, message: e.message };
  }
};
T.call = (who, name, number) => keep(name, T.clients[who].call(number, { callId: name }));
T.live = () => Object.entries(T.calls).filter(([, c]) => !c.ended).map(([n]) => n);
T.hangupAll = async () => {
  for (const c of Object.values(T.calls)) if (!c.ended) await c.hangup().catch(() => {});
};
window.T = T;
window.tReady = true;
</script>`;
