// Trapeze demo web phone: the UI around trapeze.js.
//
// For tests and debugging the page exposes `window.phone`:
//   phone.client         the TrapezeClient
//   phone.call           the current TrapezeCall or null
//   phone.sdpTransform   null, or a function applied to offers sent (tests);
//                        the "Force Opus" box applies opusOnly() when it is null
//   phone.opusOnly       the "Force Opus" transform (for tests' extra calls)
//   phone.trickle        undefined (client default) or true/false
//   phone.errors         every error shown, [{code, text}]
//   phone.ready          a Promise resolved after the first connect attempt
//   phone.messages       the message pane's messages (messages.js)

import { TrapezeClient } from './trapeze.js';
import { initMessages } from './messages.js';

const $ = (id) => document.getElementById(id);
const el = {
  conn: $('conn'), error: $('error'),
  loginForm: $('login-form'), user: $('user'), token: $('token'), issuerHint: $('issuer-hint'),
  sipUser: $('sip-user'), sipPassword: $('sip-password'), sipDomain: $('sip-domain'), login: $('login'),
  incoming: $('incoming'), incomingText: $('incoming-text'), accept: $('accept'), acceptVideo: $('accept-video'), reject: $('reject'),
  target: $('target'), backspace: $('backspace'), dialpad: $('dialpad'),
  call: $('call'), videoCall: $('video-call'), hangup: $('hangup'), mute: $('mute'), hold: $('hold'),
  videos: $('videos'), localVideo: $('local-video'), remoteVideo: $('remote-video'),
  status: $('status'), micMeter: $('mic-meter'), remoteMeter: $('remote-meter'),
  log: $('log'), audio: $('remote-audio'), forceOpus: $('force-opus'),
};

/**
 * The offer with only Opus and telephone-event/48000 in its audio section
 * ("Force Opus"): a trunk with G.711 only is then reached through the
 * gateway's transcoding (docs/media-services.md "Transcoding").
 */
function opusOnly(sdp) {
  const lines = sdp.split('\r\n');
  const keep = new Set();
  for (const l of lines) {
    const m = /^a=rtpmap:(\d+) (opus|telephone-event)\/48000/i.exec(l);
    if (m) keep.add(m[1]);
  }
  if (keep.size === 0) return sdp;
  let audio = false;
  return lines.filter((l) => {
    if (l.startsWith('m=')) audio = l.startsWith('m=audio');
    const pt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/.exec(l);
    return !(audio && pt && !keep.has(pt[1]));
  }).map((l) => {
    if (!l.startsWith('m=audio')) return l;
    const f = l.split(' ');
    return [...f.slice(0, 3), ...f.slice(3).filter((pt) => keep.has(pt))].join(' ');
  }).join('\r\n');
}

/** Gateway and local error codes in plain words. */
const ERROR_WORDS = {
  'bad-json': 'The gateway could not read a message from this page.',
  'bad-message': 'The gateway did not understand a request from this page.',
  'too-big': 'A message was too large for the gateway.',
  'rate-limited': 'Too many requests in a short time; slow down.',
  'not-logged-in': 'Please log in first.',
  'auth-failed': 'Login refused',
  forbidden: 'Your login does not allow calls to that number.',
  'unknown-call': 'That call no longer exists.',
  'call-exists': 'A call with that name is already running.',
  'too-many-calls': 'You have too many calls at once.',
  'media-services-unavailable': 'The gateway cannot transcode this call now (its media services are off or full).',
  'bad-sdp': 'The gateway could not use this browser\'s media description.',
  'bad-target': 'That is not a number (+ and digits) or a sip:user@domain address this gateway calls.',
  'no-route': 'There is no route to that number.',
  'dtls-failed': 'The secure media connection (DTLS) could not be set up.',
  'ice-failed': 'No network path for the audio (ICE failed); a firewall may block UDP.',
  'media-timeout': 'The call ended because no audio arrived for too long.',
  draining: 'The gateway is closing for maintenance; try again in a few minutes.',
  internal: 'The gateway had an internal problem; try again.',
  'not-connected': 'Not connected to the gateway.',
  'connect-failed': 'Cannot reach the gateway.',
  timeout: 'The gateway did not answer in time.',
  media: 'The microphone could not be used.',
  disconnected: 'The connection to the gateway was lost.',
  'bad-dtmf': 'Those keys cannot be sent as tones.',
};

/** SIP statuses in plain words. */
const SIP_WORDS = {
  200: 'call ended', 404: 'number not found', 408: 'no answer', 480: 'unavailable',
  486: 'busy', 487: 'cancelled', 488: 'media not accepted', 500: 'far end error',
  503: 'service unavailable', 603: 'declined',
};

const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
const client = new TrapezeClient({ reconnect: { delay: 1000, maxDelay: 15000 } });
/** @type {import('./trapeze.js').TrapezeCall|null} */
let call = null;
/** @type {MediaStream|null} */
let micStream = null;
/** @type {AudioContext|null} */
let audioCtx = null;
const meters = { mic: null, remote: null };
let loggedIn = false;
let markReady;

const phone = {
  client,
  get call() { return call; },
  sdpTransform: null,
  opusOnly,
  trickle: undefined,
  errors: [],
  ready: new Promise((r) => { markReady = r; }),
};
window.phone = phone;
const messagesPane = initMessages(client, { log, isLoggedIn: () => loggedIn && client.connected, phone });

// ---------------------------------------------------------------- UI helpers

function log(text) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  el.log.append(li);
  while (el.log.children.length > 200) el.log.firstElementChild.remove();
  el.log.scrollTop = el.log.scrollHeight;
}

function describe(code, message) {
  const words = ERROR_WORDS[code];
  if (words && message && (code === 'media' || code === 'auth-failed')) return `${words} (${message.replace(/^microphone: /, '')})`;
  return words || message || code || 'Something went wrong.';
}

function showError(code, message) {
  const text = describe(code, message);
  phone.errors.push({ code, text });
  el.error.textContent = text;
  el.error.dataset.code = code || '';
  el.error.hidden = false;
  log(`error ${code || ''}: ${message || text}`);
}

function clearError() {
  el.error.hidden = true;
  el.error.textContent = '';
  delete el.error.dataset.code;
}

/**
 * @param {'idle'|'calling'|'ringing'|'in-call'|'held'|'ended'|'incoming'} state
 * @param {string} [text]
 */
function setStatus(state, text) {
  el.status.dataset.state = state;
  el.status.textContent = text || state.replace('-', ' ');
}

function setConn(state, text) {
  el.conn.dataset.state = state;
  el.conn.textContent = text || state;
}

function refreshButtons() {
  const live = !!call && !call.ended;
  const up = live && call.state === 'answered';
  el.call.disabled = !loggedIn || !client.connected || live;
  el.videoCall.disabled = el.call.disabled;
  el.hangup.disabled = !live || call.state === 'incoming';
  el.mute.disabled = !up;
  el.hold.disabled = !up;
  el.login.disabled = !client.connected;
  el.login.textContent = loggedIn ? 'Log out' : 'Log in';
  for (const i of el.loginForm.querySelectorAll('input')) i.disabled = loggedIn;
  el.mute.setAttribute('aria-pressed', String(live && call.muted));
  el.mute.textContent = live && call.muted ? 'Unmute' : 'Mute';
  el.hold.setAttribute('aria-pressed', String(live && call.heldLocal));
  el.hold.textContent = live && call.heldLocal ? 'Resume' : 'Hold';
  messagesPane.refresh();
}

function hangupText(code, reason) {
  if (code === 0) return describe(reason);
  if (reason === 'rejected') return 'you declined';
  const words = SIP_WORDS[code];
  return words ? (code === 200 ? words : `${words} (${code})`) : `${reason || 'ended'} (${code})`;
}

// ---------------------------------------------------------------- audio

function audioContext() {
  if (!audioCtx) audioCtx = new AudioContext();
  if (audioCtx.state === 'suspended') audioCtx.resume().catch(() => {});
  return audioCtx;
}

/**
 * Drive a level meter from a stream's audio (WebAudio AnalyserNode).
 * @returns {() => void} stops the meter
 */
function startMeter(stream, meterEl) {
  const ctx = audioContext();
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  const bar = meterEl.firstElementChild;
  let shown = 0;
  let peak = 0;
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const v of buf) sum += v * v;
    const rms = Math.sqrt(sum / buf.length);
    // -60 dBFS .. 0 dBFS onto 0..100 %.
    const pct = rms > 0 ? Math.max(0, Math.min(100, ((20 * Math.log10(rms) + 60) / 60) * 100)) : 0;
    shown = Math.max(pct, shown - 5); // fall back slowly: short beeps stay visible
    peak = Math.max(peak, rms);
    bar.style.width = `${shown.toFixed(0)}%`;
    meterEl.setAttribute('aria-valuenow', shown.toFixed(0));
    meterEl.dataset.level = rms.toFixed(5);
    meterEl.dataset.peak = peak.toFixed(5);
  }, 50);
  return () => {
    clearInterval(timer);
    source.disconnect();
    bar.style.width = '0';
    meterEl.setAttribute('aria-valuenow', '0');
    meterEl.dataset.level = '0';
    meterEl.dataset.peak = '0';
  };
}

function stopMeters() {
  for (const k of Object.keys(meters)) {
    if (meters[k]) meters[k]();
    meters[k] = null;
  }
}

async function openMic(video = false) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw Object.assign(new Error('this page must be opened over HTTPS (or on localhost) to use the microphone'), { code: 'media' });
  }
  try {
    micStream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
  } catch (e) {
    const why = e.name === 'NotAllowedError' ? 'access was refused'
      : e.name === 'NotFoundError' ? 'no microphone was found' : `${e.name}: ${e.message}`;
    throw Object.assign(new Error(why), { code: 'media' });
  }
  meters.mic = startMeter(micStream, el.micMeter);
  return micStream;
}

function releaseMic() {
  stopMeters();
  if (micStream) for (const t of micStream.getTracks()) t.stop();
  micStream = null;
  el.audio.srcObject = null;
  el.localVideo.srcObject = null;
  el.remoteVideo.srcObject = null;
  el.videos.hidden = true;
}

// ---------------------------------------------------------------- calls

/** Attach the UI to a call's events. */
function wireCall(c) {
  call = c;
  c.addEventListener('state', (e) => {
    log(`call ${c.id}: ${e.state}`);
    if (e.state === 'calling' || e.state === 'accepting') setStatus('calling', e.state === 'accepting' ? 'connecting' : 'calling');
    refreshButtons();
  });
  c.addEventListener('ringing', () => setStatus('ringing'));
  c.addEventListener('progress', () => setStatus('ringing', 'ringing (early media)'));
  c.addEventListener('answered', (e) => {
    if (e.video === 'rejected') {
      el.videos.hidden = true;
      log(`call ${c.id}: the far end takes no video`);
      setStatus('in-call', 'in call (audio only: the far end takes no video)');
    } else {
      setStatus('in-call', 'in call');
    }
  });
  c.addEventListener('track', (e) => {
    if (e.track && e.track.kind === 'video') {
      el.remoteVideo.srcObject = new MediaStream(c.remoteStream.getVideoTracks());
      el.remoteVideo.play().catch(() => {});
      return;
    }
    el.audio.srcObject = c.remoteStream;
    el.audio.play().catch(() => {});
    if (!meters.remote) meters.remote = startMeter(c.remoteStream, el.remoteMeter);
  });
  c.addEventListener('held', (e) => { setStatus('held', `on hold (${e.by})`); refreshButtons(); });
  c.addEventListener('unheld', () => {
    if (c.held) setStatus('held', `on hold (${c.heldLocal ? 'local' : 'remote'})`);
    else setStatus('in-call', 'in call');
    refreshButtons();
  });
  c.addEventListener('dtmf', (e) => log(`call ${c.id}: DTMF ${e.digits} from the far end`));
  c.addEventListener('mute', refreshButtons);
  c.addEventListener('error', (e) => showError(e.code, e.message));
  c.addEventListener('hangup', (e) => {
    log(`call ${c.id}: hangup ${e.code} ${e.reason}`);
    setStatus('ended', `ended: ${hangupText(e.code, e.reason)}`);
    if (call === c) call = null;
    releaseMic();
    refreshButtons();
  });
  refreshButtons();
}

async function placeCall(video = false) {
  const target = el.target.value.trim();
  if (!target) {
    showError('', 'Enter a number, a SIP URI or echo.');
    return;
  }
  clearError();
  audioContext(); // inside the click: allowed to start audio
  setStatus('calling');
  try {
    const stream = await openMic(video);
    if (video) {
      el.localVideo.srcObject = new MediaStream(stream.getVideoTracks());
      el.videos.hidden = false;
    }
    const c = client.call(target, {
      stream,
      sdpTransform: phone.sdpTransform || (el.forceOpus && el.forceOpus.checked ? opusOnly : undefined),
      trickle: phone.trickle,
    });
    log(`calling ${target} (${c.id})`);
    wireCall(c);
  } catch (e) {
    releaseMic();
    showError(e.code, e.message);
    setStatus('ended', `ended: ${describe(e.code)}`);
    refreshButtons();
  }
}

function onIncoming(e) {
  const c = e.call;
  if (call && !call.ended) {
    log(`busy: rejecting ${c.id} from ${c.from}`);
    c.reject(486);
    return;
  }
  log(`incoming ${c.id} from ${c.from}`);
  el.incomingText.textContent = `Incoming ${c.offersVideo ? 'video ' : ''}call from ${c.display ? `${c.display} <${c.from}>` : c.from}`;
  el.acceptVideo.hidden = !c.offersVideo;
  el.incoming.hidden = false;
  setStatus('incoming', 'incoming call');
  wireCall(c);
  c.addEventListener('hangup', () => { el.incoming.hidden = true; });
  el.accept.focus();
}

async function acceptIncoming(video = false) {
  const c = call;
  el.incoming.hidden = true;
  if (!c || c.state !== 'incoming') return;
  clearError();
  audioContext();
  try {
    const stream = await openMic(video);
    if (video) {
      el.localVideo.srcObject = new MediaStream(stream.getVideoTracks());
      el.videos.hidden = false;
    }
    await c.accept({ stream, video });
  } catch (e) {
    if (!c.ended) c.reject(500);
    releaseMic();
    showError(e.code, e.message);
  }
}

function pressKey(key) {
  if (call && call.state === 'answered') {
    try {
      const how = call.dtmf(key, 100);
      log(`DTMF ${key} (${how === 'rfc4733' ? 'in the media, RFC 4733' : 'SIP INFO'})`);
    } catch (e) {
      showError(e.code, e.message);
    }
  } else {
    el.target.value += key;
  }
}

// ---------------------------------------------------------------- connection

async function connect() {
  setConn('connecting', 'connecting…');
  try {
    await client.connect(wsUrl);
  } catch (e) {
    setConn('offline');
    showError('connect-failed', e.message);
    el.error.textContent = `Cannot reach the gateway at ${wsUrl}. Retrying…`;
    setTimeout(connect, 5000);
  } finally {
    markReady();
    refreshButtons();
  }
}

client.addEventListener('open', () => {
  setConn('online', client.user ? `online as ${client.user}` : 'online');
  if (el.error.dataset.code === 'connect-failed' || el.error.dataset.code === 'disconnected') clearError();
  log(`connected to ${wsUrl}`);
  refreshButtons();
});
client.addEventListener('close', (e) => {
  setConn('offline');
  if (!e.willReconnect) loggedIn = false;
  log(`connection closed (${e.code})`);
  if (e.willReconnect) showError('disconnected', 'reconnecting');
  refreshButtons();
});
client.addEventListener('reconnecting', (e) => {
  setConn('connecting', `reconnecting in ${Math.round(e.delay / 1000)} s`);
});
client.addEventListener('login', (e) => {
  loggedIn = true;
  setConn('online', `online as ${e.user}`);
  log(`logged in as ${e.user}`);
  refreshButtons();
});
client.addEventListener('incoming', onIncoming);
client.addEventListener('error', (e) => showError(e.code, e.message));

// ---------------------------------------------------------------- login token

// Where the demo gets login tokens: the lab's example issuer
// (tools/token-issuer.py) next to the gateway, or ?issuer=URL.  A real page
// gets its token from its own web application, for the user it signed in.
const ISSUER = new URLSearchParams(location.search).get('issuer')
  || `https://${location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname}:8444/token`;
el.issuerHint.textContent = `A login token for this name comes from the example issuer at ${ISSUER}.`;

async function fetchToken(user) {
  let r;
  try {
    r = await fetch(`${ISSUER}?user=${encodeURIComponent(user)}`, { cache: 'no-store' });
  } catch (e) {
    throw Object.assign(new Error(`cannot reach the token issuer at ${ISSUER} (${e.message}); `
      + 'open it once to accept its certificate, or paste a token'), { code: 'auth-failed' });
  }
  const body = await r.json().catch(() => ({}));
  if (!r.ok || !body.token) {
    throw Object.assign(new Error(`the token issuer refused: ${body.error || r.status}`), { code: 'auth-failed' });
  }
  return body.token;
}

// ---------------------------------------------------------------- controls

el.loginForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearError();
  if (loggedIn) {
    loggedIn = false;
    if (call) call.hangup();
    try {
      await client.logout();
      setConn('online');
      log('logged out');
    } catch (e) {
      showError(e.code, e.message);
    }
    refreshButtons();
    return;
  }
  const user = el.user.value.trim();
  let creds;
  if (el.sipUser.value) {
    creds = { sip: { username: el.sipUser.value.trim(), password: el.sipPassword.value } };
    if (el.sipDomain.value) creds.sip.domain = el.sipDomain.value.trim();
  } else if (el.token.value) {
    creds = { token: el.token.value.trim() };
  } else if (user) {
    creds = { token: () => fetchToken(user) };   // fresh at every (re)login
  } else {
    showError('auth-failed', 'type a user name (or give a token or a SIP account)');
    el.user.focus();
    return;
  }
  el.login.disabled = true;
  try {
    await client.login(creds);
    el.target.focus();
  } catch (e) {
    loggedIn = false;
    showError(e.code, e.message);
  } finally {
    refreshButtons();
  }
});

el.call.addEventListener('click', () => placeCall(false));
el.videoCall.addEventListener('click', () => placeCall(true));
el.target.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !el.call.disabled) placeCall();
});
el.hangup.addEventListener('click', () => {
  if (call) call.hangup();
});
el.mute.addEventListener('click', () => {
  if (call) call.mute(!call.muted);
});
el.hold.addEventListener('click', () => {
  if (!call) return;
  try {
    if (call.heldLocal) call.unhold(); else call.hold();
  } catch (e) {
    showError(e.code, e.message);
  }
});
el.accept.addEventListener('click', () => acceptIncoming(false));
el.acceptVideo.addEventListener('click', () => acceptIncoming(true));
el.reject.addEventListener('click', () => {
  el.incoming.hidden = true;
  if (call && call.state === 'incoming') call.reject(486);
});
el.backspace.addEventListener('click', () => {
  el.target.value = el.target.value.slice(0, -1);
});
el.dialpad.addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-key]');
  if (b) pressKey(b.dataset.key);
});
document.addEventListener('keydown', (ev) => {
  // Digits typed outside the input fields become DTMF during a call.
  if (ev.target instanceof HTMLInputElement || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (/^[0-9*#]$/.test(ev.key) && call && call.state === 'answered') pressKey(ev.key);
});

setStatus('idle');
refreshButtons();
if (/^https?:$/.test(location.protocol)) {
  connect();
} else {
  showError('connect-failed', 'Open this page from the gateway (http:// or https://).');
  markReady();
}
