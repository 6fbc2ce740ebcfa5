// The in-page half of lib/sipws.mjs: one web phone on JsSIP (window.JsSIP,
// the bundle lib/sipws.mjs serves) or SIP.js 0.21 (its ES modules, served
// under ./sipjs/), behind one API, window.tz.  The test drives it with
// page.evaluate and reads window.tz.snapshot(); nothing here waits for a
// fixed time.  Served by lib/sipws.mjs at <origin>/__tz_sipws/page.js.

const P = {
  stack: null,
  opts: null,
  ua: null,
  registerer: null,            // SIP.js
  stream: null,                // the microphone (fake device), taken once
  reg: { state: 'none', failures: [], registered: 0, unregistered: 0 },
  transport: { state: 'none', connects: 0, disconnects: 0, lastError: null },
  calls: new Map(),
  nextId: 1,
  messages: [],                // received MESSAGEs
  log: [],
};
const log = (s) => { P.log.push(`${new Date().toISOString()} ${s}`); if (P.log.length > 500) P.log.shift(); };

function newCall(dir, session, from) {
  const c = {
    id: `c${P.nextId++}`, dir, session, from, state: 'new', seen: [], ended: null,
    held: false, audio: null, pc: null, infoSent: 0, infoReceived: [],
  };
  P.calls.set(c.id, c);
  return c;
}
function setState(c, s) {
  c.state = s;
  if (!c.seen.includes(s)) c.seen.push(s);
  log(`${c.id} ${s}`);
}
function ended(c, e) {
  if (c.ended) return;
  c.ended = e;
  log(`${c.id} ended ${JSON.stringify(e)}`);
  setState(c, 'ended');
  if (c.audio) { c.audio.srcObject = null; c.audio.remove(); }
}
function playRemote(c, stream) {
  if (!stream) return;
  if (!c.audio) {
    c.audio = document.createElement('audio');
    c.audio.autoplay = true;
    document.body.appendChild(c.audio);
  }
  if (c.audio.srcObject !== stream) {
    c.audio.srcObject = stream;
    c.audio.play().catch((e) => log(`${c.id} audio play: ${e.message}`));
  }
}
function call(id) {
  const c = id ? P.calls.get(id) : [...P.calls.values()].reverse().find((x) => x.state !== 'ended');
  if (!c) throw new Error(`no call ${id || '(live)'}`);
  return c;
}
const userOf = (uri) => uri.replace(/^sips?:/, '').split('@')[0];

// ---------------------------------------------------------------- JsSIP

const jssip = {
  init(o) {
    const JsSIP = window.JsSIP;
    if (o.debug) JsSIP.debug.enable('JsSIP:*'); else JsSIP.debug.disable();
    const socket = new JsSIP.WebSocketInterface(o.ws);
    const cfg = {
      sockets: [socket], uri: o.uri, password: o.password, register: false,
      session_timers: false, connection_recovery_min_interval: 2, connection_recovery_max_interval: 30,
    };
    if (o.instanceId) cfg.instance_id = o.instanceId;
    if (o.registerExpires) cfg.register_expires = o.registerExpires;
    const ua = new JsSIP.UA(cfg);
    P.ua = ua;
    ua.on('connecting', () => { P.transport.state = 'connecting'; });
    ua.on('connected', () => { P.transport.state = 'connected'; P.transport.connects++; log('ws connected'); });
    ua.on('disconnected', (e) => {
      P.transport.state = 'disconnected'; P.transport.disconnects++;
      P.transport.lastError = e && (e.reason || (e.code !== undefined ? `code ${e.code}` : null));
      log(`ws disconnected ${P.transport.lastError}`);
    });
    ua.on('registered', () => { P.reg.state = 'registered'; P.reg.registered++; log('registered'); });
    ua.on('unregistered', () => { P.reg.state = 'unregistered'; P.reg.unregistered++; log('unregistered'); });
    ua.on('registrationFailed', (e) => {
      const code = e.response ? e.response.status_code : null;
      P.reg.state = 'failed';
      P.reg.failures.push({ code, cause: e.cause });
      log(`registration failed ${code} ${e.cause}`);
    });
    ua.on('newRTCSession', (e) => {
      if (e.originator !== 'remote') return;
      const s = e.session;
      const c = newCall('in', s, s.remote_identity.uri.toString());
      jssip.watch(c, s);
      setState(c, 'progress');
    });
    ua.on('newMessage', (e) => {
      if (e.originator !== 'remote') return;
      P.messages.push({
        from: e.request.from.uri.toString(), body: e.request.body,
        contentType: e.request.getHeader('Content-Type'),
      });
      log(`message from ${e.request.from.uri}`);
    });
    ua.start();
  },
  watch(c, s) {
    const attach = (pc) => {
      c.pc = pc;
      pc.addEventListener('track', (ev) => playRemote(c, ev.streams[0] || new MediaStream([ev.track])));
    };
    if (s.connection) attach(s.connection);
    s.on('peerconnection', (e) => attach(e.peerconnection));
    s.on('progress', () => setState(c, 'progress'));
    s.on('accepted', () => setState(c, 'accepted'));
    s.on('confirmed', () => setState(c, 'confirmed'));
    s.on('newDTMF', (e) => {
      if (e.originator === 'remote') {
        c.infoReceived.push({ contentType: 'application/dtmf-relay', body: `Signal=${e.dtmf.tone}` });
      }
    });
    s.on('newInfo', (e) => {
      if (e.originator === 'remote') c.infoReceived.push({ contentType: e.info.contentType, body: e.info.body });
    });
    s.on('hold', (e) => log(`${c.id} hold ${e.originator}`));
    s.on('unhold', (e) => log(`${c.id} unhold ${e.originator}`));
    s.on('ended', (e) => ended(c, {
      originator: e.originator, cause: e.cause,
      code: e.message && e.message.status_code ? e.message.status_code : null,
      method: e.message && e.message.method ? e.message.method : null,
    }));
    s.on('failed', (e) => ended(c, {
      originator: e.originator, cause: e.cause,
      code: e.message && e.message.status_code ? e.message.status_code : null,
      method: e.message && e.message.method ? e.message.method : null,
      reason: e.message && e.message.getHeader ? e.message.getHeader('Reason') || null : null,
    }));
  },
  register() {
    // Before the WebSocket is up JsSIP would fail it ("Connection Error").
    if (P.ua.isConnected()) P.ua.register();
    else P.ua.once('connected', () => P.ua.register());
  },
  unregister() { P.ua.unregister(); },
  call(target) {
    const s = P.ua.call(target, {
      mediaStream: P.stream, pcConfig: { iceServers: [] }, rtcOfferConstraints: { offerToReceiveAudio: true },
    });
    const c = newCall('out', s, null);
    jssip.watch(c, s);
    if (s.connection) c.pc = s.connection;
    return c.id;
  },
  answer(c) { c.session.answer({ mediaStream: P.stream, pcConfig: { iceServers: [] } }); },
  reject(c, code) { c.session.terminate({ status_code: code }); },
  hangup(c) { c.session.terminate(); },
  hold(c) {
    return new Promise((resolve, reject) => {
      const ok = c.session.hold({}, () => { c.held = true; resolve(true); });
      if (!ok) reject(new Error('JsSIP refused hold()'));
    });
  },
  unhold(c) {
    return new Promise((resolve, reject) => {
      const ok = c.session.unhold({}, () => { c.held = false; resolve(true); });
      if (!ok) reject(new Error('JsSIP refused unhold()'));
    });
  },
  dtmf(c, digits, mode) {
    // JsSIP sends one INFO per tone, spaced by interToneGap; each DTMF
    // object (given by the local newDTMF event) says when its INFO got 2xx.
    return new Promise((resolve, reject) => {
      const transportType = mode === 'info' ? 'INFO' : 'RFC2833';
      if (transportType !== 'INFO') {
        c.session.sendDTMF(digits, { transportType, duration: 160, interToneGap: 100 });
        resolve(digits.length);
        return;
      }
      let ok = 0;
      const onDtmf = (e) => {
        if (e.originator !== 'local') return;
        e.dtmf.on('succeeded', () => {
          c.infoSent++;
          if (++ok === digits.length) { c.session.removeListener('newDTMF', onDtmf); resolve(ok); }
        });
        e.dtmf.on('failed', (f) => reject(new Error(`INFO ${e.dtmf.tone}: ${f.response ? f.response.status_code : f.cause}`)));
      };
      c.session.on('newDTMF', onDtmf);
      c.session.sendDTMF(digits, { transportType, duration: 160, interToneGap: 100 });
    });
  },
  message(target, text) {
    return new Promise((resolve) => {
      P.ua.sendMessage(target, text, {
        contentType: 'text/plain',
        eventHandlers: {
          succeeded: (e) => resolve(e.response.status_code),
          failed: (e) => resolve(e.response ? e.response.status_code : `failed: ${e.cause}`),
        },
      });
    });
  },
  close() { P.ua.stop(); },
};

// ---------------------------------------------------------------- SIP.js

const sipjs = {
  SIP: null,
  async init(o) {
    const SIP = await import('./sipjs/index.js');
    sipjs.SIP = SIP;
    const uri = SIP.UserAgent.makeURI(o.uri);
    if (!uri) throw new Error(`SIP.js cannot parse ${o.uri}`);
    const uaOpts = {
      uri,
      transportOptions: { server: o.ws, traceSip: !!o.debug },
      authorizationUsername: userOf(o.uri),
      authorizationPassword: o.password,
      logLevel: o.debug ? 'debug' : 'warn',
      logBuiltinEnabled: !!o.debug,
      sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } },
      delegate: {
        onConnect: () => { P.transport.state = 'connected'; P.transport.connects++; log('ws connected'); },
        onDisconnect: (err) => {
          P.transport.state = 'disconnected'; P.transport.disconnects++;
          P.transport.lastError = err ? err.message : null;
          log(`ws disconnected ${P.transport.lastError}`);
        },
        onInvite: (inv) => {
          const c = newCall('in', inv, inv.remoteIdentity.uri.toString());
          sipjs.watch(c, inv);
          inv.delegate = {
            ...inv.delegate,
            onCancel: (cancel) => { c.cancelReason = cancel.request.getHeader('Reason') || null; },
          };
          setState(c, 'progress');
          // SIP.js answers 180 itself (sendInitialProvisionalResponse).
        },
        onMessage: (m) => {
          P.messages.push({
            from: m.request.from.uri.toString(), body: m.request.body,
            contentType: m.request.getHeader('Content-Type'),
          });
          log(`message from ${m.request.from.uri}`);
          m.accept();
        },
      },
    };
    if (o.instanceId) uaOpts.instanceId = o.instanceId;
    const ua = new SIP.UserAgent(uaOpts);
    P.ua = ua;
    const reg = new SIP.Registerer(ua, o.registerExpires ? { expires: o.registerExpires } : {});
    P.registerer = reg;
    reg.stateChange.addListener((s) => {
      log(`registerer ${s}`);
      if (s === SIP.RegistererState.Registered) { P.reg.state = 'registered'; P.reg.registered++; }
      if (s === SIP.RegistererState.Unregistered && P.reg.state === 'registered') {
        P.reg.state = 'unregistered'; P.reg.unregistered++;
      }
    });
    P.transport.state = 'connecting';
    ua.start().catch((e) => {
      P.transport.state = 'disconnected'; P.transport.lastError = e.message;
      log(`ua.start: ${e.message}`);
    });
  },
  watch(c, s) {
    const SIP = sipjs.SIP;
    s.delegate = {
      ...s.delegate,
      onBye: () => { c.byeFromRemote = true; },
      onInfo: (info) => {
        c.infoReceived.push({ contentType: info.request.getHeader('Content-Type'), body: info.request.body });
        info.accept();
      },
      onSessionDescriptionHandler: (sdh) => {
        c.pc = sdh.peerConnection;
        c.pc.addEventListener('track', () => playRemote(c, sdh.remoteMediaStream));
      },
    };
    s.stateChange.addListener((st) => {
      log(`${c.id} session ${st}`);
      if (st === SIP.SessionState.Established) {
        setState(c, 'confirmed');
        if (s.sessionDescriptionHandler) {
          c.pc = s.sessionDescriptionHandler.peerConnection;
          playRemote(c, s.sessionDescriptionHandler.remoteMediaStream);
        }
      } else if (st === SIP.SessionState.Terminated) {
        // The Inviter's onReject delegate runs after this state change:
        // decide how the call ended once it had its say.
        setTimeout(() => sipjs.terminated(c, s), 0);
      }
    });
  },
  terminated(c, s) {
    let e;
    if (c.rejectCode) e = { originator: c.rejectBy, cause: 'Rejected', code: c.rejectCode };
    else if (c.cancelReason !== undefined || (c.dir === 'in' && s.isCanceled)) {
      e = { originator: 'remote', cause: 'Canceled', code: null, reason: c.cancelReason || null };
    } else if (c.byeFromRemote) e = { originator: 'remote', cause: 'BYE', code: null, method: 'BYE' };
    else if (c.localEnd) e = { originator: 'local', cause: c.localEnd, code: null };
    else e = { originator: 'system', cause: 'Terminated', code: null };
    ended(c, e);
  },
  register() {
    const go = () => P.registerer.register({
      requestDelegate: {
        onReject: (r) => {
          const code = r.message.statusCode;
          P.reg.state = 'failed';
          P.reg.failures.push({ code, cause: r.message.reasonPhrase });
          log(`registration failed ${code}`);
        },
      },
    }).catch((e) => { P.reg.state = 'failed'; P.reg.failures.push({ code: null, cause: e.message }); });
    // register() before the WebSocket is up would fail: wait for it.
    if (P.ua.isConnected()) return go();
    return new Promise((resolve) => {
      const t = setInterval(() => { if (P.ua.isConnected()) { clearInterval(t); resolve(go()); } }, 50);
    });
  },
  unregister() { return P.registerer.unregister(); },
  call(target, opts) {
    const SIP = sipjs.SIP;
    const uri = SIP.UserAgent.makeURI(target.includes(':') ? target
      : `sip:${target}@${SIP.UserAgent.makeURI(P.opts.uri).host}`);
    if (!uri) throw new Error(`SIP.js cannot parse ${target}`);
    const inv = new SIP.Inviter(P.ua, uri, {
      sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } },
      // early media: the answer of a 18x with SDP is applied (an announcement)
      earlyMedia: !!(opts && opts.earlyMedia),
    });
    const c = newCall('out', inv, null);
    sipjs.watch(c, inv);
    inv.invite({
      requestDelegate: {
        onProgress: () => { if (c.state === 'new') setState(c, 'progress'); },
        onReject: (r) => { c.rejectCode = r.message.statusCode; c.rejectBy = 'remote'; },
      },
    }).catch((e) => { log(`${c.id} invite: ${e.message}`); ended(c, { originator: 'local', cause: e.message, code: null }); });
    return c.id;
  },
  answer(c) {
    return c.session.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } });
  },
  reject(c, code) { c.rejectCode = code; c.rejectBy = 'local'; return c.session.reject({ statusCode: code }); },
  hangup(c) {
    const SIP = sipjs.SIP;
    const s = c.session;
    if (s.state === SIP.SessionState.Established) { c.localEnd = 'BYE'; return s.bye(); }
    if (c.dir === 'out') { c.localEnd = 'Canceled'; return s.cancel(); }
    c.rejectCode = 480; c.rejectBy = 'local';
    return s.reject({ statusCode: 480 });
  },
  reinvite(c, hold) {
    const s = c.session;
    s.sessionDescriptionHandlerOptionsReInvite = { ...s.sessionDescriptionHandlerOptionsReInvite, hold };
    return new Promise((resolve, reject) => {
      s.invite({
        requestDelegate: {
          onAccept: () => { c.held = hold; resolve(true); },
          onReject: (r) => reject(new Error(`re-INVITE rejected: ${r.message.statusCode}`)),
        },
      }).catch(reject);
    });
  },
  hold(c) { return sipjs.reinvite(c, true); },
  unhold(c) { return sipjs.reinvite(c, false); },
  async dtmf(c, digits, mode) {
    for (const d of digits) {
      if (mode === 'info') {
        await new Promise((resolve, reject) => {
          c.session.info({
            requestOptions: {
              body: { contentDisposition: 'render', contentType: 'application/dtmf-relay',
                content: `Signal=${d}\r\nDuration=160` },
            },
            requestDelegate: {
              onAccept: () => { c.infoSent++; resolve(); },
              onReject: (r) => reject(new Error(`INFO ${d}: ${r.message.statusCode}`)),
            },
          }).catch(reject);
        });
      } else if (!c.session.sessionDescriptionHandler.sendDtmf(d, { duration: 160, interToneGap: 100 })) {
        throw new Error(`RFC 4733 DTMF ${d} refused (no DTMF sender?)`);
      }
    }
    return digits.length;
  },
  message(target, text) {
    const SIP = sipjs.SIP;
    return new Promise((resolve) => {
      const m = new SIP.Messager(P.ua, SIP.UserAgent.makeURI(target), text, 'text/plain');
      m.message({
        requestDelegate: {
          onAccept: (r) => resolve(r.message.statusCode),
          onReject: (r) => resolve(r.message.statusCode),
        },
      }).catch((e) => resolve(`failed: ${e.message}`));
    });
  },
  close() { return P.ua.stop(); },
};

// ---------------------------------------------------------------- API

const impl = () => (P.stack === 'jssip' ? jssip : sipjs);

window.tz = {
  ready: false,
  async init(o) {
    P.stack = o.stack;
    P.opts = o;
    // The microphone first (the fake device): the offer needs a track.
    // No navigator.mediaDevices on an http:// page (not a secure context):
    // such a phone can register and send MESSAGEs, not call.
    P.stream = navigator.mediaDevices
      ? await navigator.mediaDevices.getUserMedia({ audio: true, video: false }) : null;
    await impl().init(o);
    window.tz.ready = true;
  },
  register: () => impl().register(),
  unregister: () => impl().unregister(),
  call: (target, opts) => impl().call(target, opts),
  answer: (id) => impl().answer(call(id)),
  reject: (id, code) => impl().reject(call(id), code),
  hangup: (id) => impl().hangup(call(id)),
  hold: (id) => impl().hold(call(id)),
  unhold: (id) => impl().unhold(call(id)),
  dtmf: (id, digits, mode) => impl().dtmf(call(id), digits, mode),
  message: (target, text) => impl().message(target, text),
  close: () => impl().close(),
  /** Everything a test reads, as plain data. */
  snapshot() {
    return {
      stack: P.stack,
      reg: P.reg,
      transport: P.transport,
      messages: P.messages,
      calls: [...P.calls.values()].map((c) => ({
        id: c.id, dir: c.dir, from: c.from, state: c.state, seen: c.seen, ended: c.ended, held: c.held,
        infoSent: c.infoSent, infoReceived: c.infoReceived,
      })),
    };
  },
  log: () => P.log,
  /** getStats of a call's RTCPeerConnection, audio only. */
  async stats(id) {
    const c = call(id);
    if (!c.pc) c.pc = c.session.connection || (c.session.sessionDescriptionHandler || {}).peerConnection || null;
    if (!c.pc) return null;
    const out = {
      packetsSent: 0, bytesSent: 0, packetsReceived: 0, bytesReceived: 0, audioLevel: 0, totalAudioEnergy: 0,
      connectionState: c.pc.connectionState, dtlsState: null,
      directions: c.pc.getTransceivers().map((t) => t.currentDirection),
    };
    (await c.pc.getStats()).forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'audio') {
        out.packetsSent += s.packetsSent || 0; out.bytesSent += s.bytesSent || 0;
      } else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.packetsReceived += s.packetsReceived || 0; out.bytesReceived += s.bytesReceived || 0;
        out.audioLevel = Math.max(out.audioLevel, s.audioLevel || 0);
        out.totalAudioEnergy += s.totalAudioEnergy || 0;
      } else if (s.type === 'transport') {
        out.dtlsState = s.dtlsState;
      }
    });
    return out;
  },
};
/** The audio track the phone receives on its latest call that has a
 *  peer connection (lib/announce_audio.mjs listens to it), or null. */
window.tz.remoteTrack = () => {
  const c = [...P.calls.values()].reverse().find((x) => x.pc || x.session.connection
    || (x.session.sessionDescriptionHandler || {}).peerConnection);
  if (!c) return null;
  const pc = c.pc || c.session.connection || c.session.sessionDescriptionHandler.peerConnection;
  const r = pc.getReceivers().find((x) => x.track && x.track.kind === 'audio');
  return r ? r.track : null;
};
window.tz.ready = 'loaded';

// ---------------------------------------------------------------- REFER (JsSIP)

/**
 * Blind transfer of a call (JsSIP session.refer): the REFER's responses and
 * the NOTIFYs' sipfrag as JsSIP reports them, read by referState().
 */
window.tz.refer = (id, target) => {
  const c = call(id);
  if (P.stack !== 'jssip') throw new Error('refer: JsSIP only');
  c.refer = { events: [], codes: [], notify: [] };
  const r = c.refer;
  const note = (name) => (e) => {
    r.events.push(name);
    if (e && e.response && e.response.status_code) r.codes.push(e.response.status_code);
    if (e && e.status_line) r.notify.push(`${e.status_line.status_code} ${e.status_line.reason_phrase}`);
    log(`${c.id} refer ${name}${e && e.status_line ? ` ${e.status_line.status_code}` : ''}`);
  };
  c.session.refer(target, {
    eventHandlers: {
      requestSucceeded: note('requestSucceeded'),
      requestFailed: note('requestFailed'),
      trying: note('trying'),
      progress: note('progress'),
      accepted: note('accepted'),
      failed: note('failed'),
    },
  });
  return true;
};
window.tz.referState = (id) => {
  const c = call(id);
  return c.refer || null;
};

// ---------------------------------------------------------------- video

/**
 * An audio + video call (the fake camera at 320x240 next to the
 * microphone): Chromium offers both in one BUNDLE group.  The far end's
 * video plays in a <video> of the page (c.videoEl).
 */
window.tz.videoCall = async (target) => {
  if (P.stack === 'sipjs') return sipjsVideoCall(target);
  const cam = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
  const stream = new MediaStream([...P.stream.getAudioTracks(), ...cam.getVideoTracks()]);
  const s = P.ua.call(target, { mediaStream: stream, pcConfig: { iceServers: [] } });
  const c = newCall('out', s, null);
  c.camera = cam;
  jssip.watch(c, s);
  const attach = (pc) => pc.addEventListener('track', (ev) => {
    if (ev.track.kind !== 'video') return;
    c.videoEl = document.createElement('video');
    c.videoEl.autoplay = true;
    c.videoEl.muted = true;
    c.videoEl.srcObject = new MediaStream([ev.track]);
    document.body.appendChild(c.videoEl);
  });
  if (s.connection) attach(s.connection);
  s.on('peerconnection', (e) => attach(e.peerconnection));
  s.on('ended', () => cam.getTracks().forEach((t) => t.stop()));
  s.on('failed', () => cam.getTracks().forEach((t) => t.stop()));
  return c.id;
};

/** The same with SIP.js: its session description handler takes the
 *  microphone and the camera itself (getUserMedia constraints). */
function sipjsVideoCall(target) {
  const SIP = sipjs.SIP;
  const uri = SIP.UserAgent.makeURI(target.includes(':') ? target
    : `sip:${target}@${SIP.UserAgent.makeURI(P.opts.uri).host}`);
  const inv = new SIP.Inviter(P.ua, uri, {
    sessionDescriptionHandlerOptions: { constraints: { audio: true, video: { width: 320, height: 240 } } },
  });
  const c = newCall('out', inv, null);
  sipjs.watch(c, inv);
  const onSdh = inv.delegate.onSessionDescriptionHandler;
  inv.delegate.onSessionDescriptionHandler = (sdh, provisional) => {
    onSdh(sdh, provisional);
    sdh.peerConnection.addEventListener('track', (ev) => {
      if (ev.track.kind !== 'video' || c.videoEl) return;
      c.videoEl = document.createElement('video');
      c.videoEl.autoplay = true;
      c.videoEl.muted = true;
      c.videoEl.srcObject = new MediaStream([ev.track]);
      document.body.appendChild(c.videoEl);
    });
  };
  inv.invite({
    requestDelegate: {
      onProgress: () => { if (c.state === 'new') setState(c, 'progress'); },
      onReject: (r) => { c.rejectCode = r.message.statusCode; c.rejectBy = 'remote'; },
    },
  }).catch((e) => { log(`${c.id} invite: ${e.message}`); ended(c, { originator: 'local', cause: e.message, code: null }); });
  return c.id;
}

/** A call's video as the page sees it: RTP counters, the <video>'s size,
 *  the transceivers and the remote SDP's m=video line. */
window.tz.videoStats = async (id) => {
  const c = call(id);
  if (!c.pc) c.pc = c.session.connection || (c.session.sessionDescriptionHandler || {}).peerConnection || null;
  if (!c.pc) return null;
  const out = {
    inbound: null, outbound: null, audioIn: 0, audioOut: 0,
    remoteVideo: c.videoEl ? `${c.videoEl.videoWidth}x${c.videoEl.videoHeight}` : null,
    transceivers: c.pc.getTransceivers().map((t) => ({
      kind: t.receiver.track.kind, mid: t.mid, currentDirection: t.currentDirection, stopped: t.stopped,
    })),
    remoteMvideo: ((c.pc.remoteDescription && c.pc.remoteDescription.sdp) || '').split('\r\n')
      .find((l) => l.startsWith('m=video')) || null,
  };
  (await c.pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      out.inbound = { framesDecoded: s.framesDecoded, packetsReceived: s.packetsReceived, pliCount: s.pliCount };
    } else if (s.type === 'outbound-rtp' && s.kind === 'video') {
      out.outbound = { framesEncoded: s.framesEncoded, packetsSent: s.packetsSent, pliCount: s.pliCount };
    } else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      out.audioIn = s.packetsReceived;
    } else if (s.type === 'outbound-rtp' && s.kind === 'audio') {
      out.audioOut = s.packetsSent;
    }
  });
  return out;
};
