// Trapeze JS client — WebRTC calls through the Trapeze gateway.
//
// Speaks the WebSocket protocol `trapeze-jsep.v1` (docs/protocol.md): JSON
// messages over one WebSocket, SDP offers/answers carried verbatim.  Plain ES
// module, no dependencies.  Reference and example: docs/web.md.
//
//   import { TrapezeClient } from './trapeze.js';
//   const client = new TrapezeClient();
//   await client.connect();                      // same origin, /ws
//   await client.login({ token });   // from your web application
//   const call = client.call('echo');
//   call.addEventListener('track', () => audio.srcObject = call.remoteStream);  // early media too
//   call.addEventListener('hangup', (e) => console.log(e.code, e.reason));

/** The WebSocket subprotocol. */
export const PROTOCOL = 'trapeze-jsep.v1';

const CALL_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;
const DTMF_RE = /^[0-9*#A-D]{1,32}$/;

/**
 * Error codes after which a call cannot continue (docs/protocol.md, "Error
 * codes"); other errors about a call (e.g. a refused `dtmf`) leave it up.
 */
const FATAL_CALL_ERRORS = new Set([
  'bad-sdp', 'bad-target', 'no-route', 'forbidden', 'call-exists', 'too-many-calls', 'not-logged-in',
  'dtls-failed', 'ice-failed', 'media-timeout', 'draining', 'internal',
]);

/** An error reported by the gateway or by this library. */
export class TrapezeError extends Error {
  /**
   * @param {string} code   a protocol error code (`bad-sdp`, `auth-failed` …)
   *                        or a local one (`not-connected`, `timeout`, `media` …)
   * @param {string} message human-readable detail
   */
  constructor(code, message) {
    super(message || code);
    this.name = 'TrapezeError';
    /** @type {string} */
    this.code = code;
  }
}

/**
 * Dispatch an event whose members are both in `detail` and on the event
 * itself: `e.code` and `e.detail.code` are the same.
 * @param {EventTarget} target
 * @param {string} type
 * @param {object} [detail]
 */
function emit(target, type, detail = {}) {
  const ev = new CustomEvent(type, { detail });
  for (const [k, v] of Object.entries(detail)) {
    if (!(k in ev)) ev[k] = v;
  }
  target.dispatchEvent(ev);
}

/** @returns {Promise<void>} resolved after `ms` milliseconds */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolve once ICE gathering of `pc` is complete, or after `timeoutMs`
 * (then the SDP carries the candidates found so far).
 * @param {RTCPeerConnection} pc
 * @param {number} timeoutMs
 */
function gatheringComplete(pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => { if (pc.iceGatheringState === 'complete') done(); };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** The default signalling URL: this page's origin, path `/ws`. */
function defaultUrl() {
  const l = globalThis.location;
  if (!l || !/^https?:$/.test(l.protocol)) {
    throw new TrapezeError('bad-url', 'connect() needs a URL outside a web page');
  }
  return `${l.protocol === 'https:' ? 'wss:' : 'ws:'}//${l.host}/ws`;
}

/**
 * A connection to the gateway: login, outgoing and incoming calls.
 *
 * Events (all CustomEvents; the members are on the event and in `detail`):
 * - `open`          the WebSocket is open
 * - `close`         {code, reason, willReconnect} the WebSocket closed
 * - `reconnecting`  {attempt, delay} a reconnect is scheduled
 * - `login`         {user} logged in (also after a reconnect)
 * - `incoming`      {call: TrapezeCall, from, display} a call for this user
 * - `error`         {code, message, id?, call?} a gateway error not tied to a
 *                   pending request or a call (e.g. `bad-json`, `too-big`)
 * - `textmessage`   {from, display, contentType, body, msgid} a text message
 *                   (SIP MESSAGE) for this user; see sendMessage()
 * - `message`       {message} every message received (for debugging)
 */
export class TrapezeClient extends EventTarget {
  /**
   * @param {object} [options]
   * @param {RTCIceServer[]} [options.iceServers=[]] STUN/TURN servers (the
   *        gateway is reachable directly: none are needed on its network)
   * @param {boolean} [options.trickle=false] default for calls: send the
   *        offer at once and candidates as they are found, instead of after
   *        ICE gathering completes
   * @param {number} [options.gatheringTimeout=5000] ms to wait for ICE
   *        gathering before sending the offer anyway (non-trickle)
   * @param {number} [options.pingInterval=25000] keepalive period in ms
   *        (0: no keepalive); the connection is closed when a `pong` is late
   * @param {number} [options.requestTimeout=10000] ms before a request
   *        (login, ping) without a reply fails with code `timeout`
   * @param {number} [options.messageTimeout=40000] ms before sendMessage()
   *        without a delivery report fails with code `timeout` (the gateway
   *        itself reports 408 after SIP's 32 s)
   * @param {boolean|{delay?: number, maxDelay?: number}} [options.reconnect=false]
   *        reconnect after an unexpected close, with exponential back-off
   *        (default 1 s doubling up to 30 s) and log in again
   */
  constructor(options = {}) {
    super();
    this.options = {
      iceServers: [],
      trickle: false,
      gatheringTimeout: 5000,
      pingInterval: 25000,
      requestTimeout: 10000,
      messageTimeout: 40000,
      reconnect: false,
      ...options,
    };
    /** @type {WebSocket|null} */
    this.ws = null;
    /** @type {string|null} the URL given to connect() */
    this.url = null;
    /** @type {string|null} the logged-in user */
    this.user = null;
    /** @type {Map<string, TrapezeCall>} live calls by call name */
    this.calls = new Map();
    this._nextId = 1;
    this._callSeq = 0;
    /** @type {Map<number, {resolve: Function, reject: Function, timer: any, call?: TrapezeCall}>} */
    this._pending = new Map();
    this._pingTimer = null;
    this._loginArgs = null;
    this._closing = false;
    this._attempt = 0;
  }

  /** @returns {boolean} whether the WebSocket is open */
  get connected() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Open the WebSocket.
   * @param {string} [url] `ws://host:port/ws` or `wss://…`; default: the
   *        page's own origin with path `/ws`
   * @returns {Promise<void>} resolved when open, rejected (code
   *          `connect-failed`) when the connection cannot be made
   */
  connect(url) {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) {
      return Promise.reject(new TrapezeError('connected', 'already connected or connecting'));
    }
    this.url = url || this.url || defaultUrl();
    this._closing = false;
    return this._open();
  }

  _open() {
    return new Promise((resolve, reject) => {
      let opened = false;
      let ws;
      try {
        ws = new WebSocket(this.url, PROTOCOL);
      } catch (e) {
        reject(new TrapezeError('connect-failed', `${this.url}: ${e.message}`));
        return;
      }
      this.ws = ws;
      ws.onopen = () => {
        if (ws.protocol !== PROTOCOL) {
          ws.close(1002, 'subprotocol');
          reject(new TrapezeError('connect-failed',
            `${this.url}: the server does not speak ${PROTOCOL}`));
          return;
        }
        opened = true;
        this._attempt = 0;
        this._startPing();
        emit(this, 'open');
        resolve();
      };
      ws.onmessage = (ev) => this._onMessage(ev.data);
      ws.onclose = (ev) => {
        if (this.ws === ws) this._onClose(ev, opened);
        if (!opened) {
          reject(new TrapezeError('connect-failed',
            `cannot connect to ${this.url} (WebSocket closed, code ${ev.code})`));
        }
      };
      ws.onerror = () => {}; // onclose follows and says more
    });
  }

  _onClose(ev, wasOpen) {
    this._stopPing();
    this.ws = null;
    for (const [id, p] of this._pending) {
      clearTimeout(p.timer);
      p.reject(new TrapezeError('not-connected', 'the connection closed'));
      this._pending.delete(id);
    }
    for (const call of [...this.calls.values()]) {
      call._end(0, 'disconnected');
    }
    const willReconnect = !this._closing && !!this.options.reconnect && (wasOpen || this._attempt > 0);
    emit(this, 'close', { code: ev.code, reason: ev.reason, willReconnect });
    if (willReconnect) this._scheduleReconnect();
  }

  async _scheduleReconnect() {
    const r = typeof this.options.reconnect === 'object' ? this.options.reconnect : {};
    const base = r.delay ?? 1000;
    const max = r.maxDelay ?? 30000;
    this._attempt++;
    const delay = Math.min(max, base * 2 ** (this._attempt - 1));
    emit(this, 'reconnecting', { attempt: this._attempt, delay });
    await sleep(delay);
    if (this._closing) return;
    try {
      await this._open();
      if (this._loginArgs) await this.login(...this._loginArgs);
    } catch (e) {
      // _onClose has scheduled the next attempt (or the login was refused).
      if (e.code !== 'connect-failed' && e.code !== 'not-connected') {
        emit(this, 'error', { code: e.code, message: e.message });
      }
    }
  }

  /** Close the connection for good (no reconnect); live calls end. */
  close() {
    this._closing = true;
    if (this.ws) this.ws.close(1000, 'bye');
  }

  /**
   * Send one protocol message as it is (no checks): for tests and extensions.
   * @param {object} message
   */
  send(message) {
    if (!this.connected) throw new TrapezeError('not-connected', 'not connected to the gateway');
    this.ws.send(JSON.stringify(message));
  }

  /**
   * Send a request with a fresh `id` and wait for the reply carrying it.
   * @param {object} message without `id`
   * @returns {Promise<object>} the reply message
   */
  request(message, timeout = this.options.requestTimeout) {
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.send({ ...message, id });
      } catch (e) {
        reject(e);
        return;
      }
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new TrapezeError('timeout', `no reply to ${message.type} within ${timeout} ms`));
      }, timeout);
      this._pending.set(id, { resolve, reject, timer });
    });
  }

  /**
   * Log in.  Required before calls.  The gateway accepts a signed token
   * issued by your web application to a user it authenticated, or SIP
   * credentials it checks by registering at the registrar; the identity
   * (`user` of the resolved value, the caller shown to the far end) comes
   * from those, never from free text.
   * @param {object} creds one of
   * @param {string|function(): (string|Promise<string>)} [creds.token] the
   *        login token, or a function fetching a fresh one: called at every
   *        login, including after a reconnect (tokens are short-lived)
   * @param {{username: string, password: string, domain?: string}} [creds.sip]
   *        SIP credentials: the gateway REGISTERs on the user's behalf
   * @param {string} [creds.user] optional; must equal the token's subject
   * @returns {Promise<{user: string}>} rejected with a TrapezeError
   *          (`auth-failed` …) when refused
   */
  async login(creds = {}, legacy) {
    if (typeof creds === 'string') creds = { ...(legacy || {}), user: creds };   // login(user, creds)
    const msg = { type: 'login' };
    if (creds.user != null) msg.user = creds.user;
    if (creds.sip) msg.sip = creds.sip;
    if (creds.token != null) {
      msg.token = typeof creds.token === 'function' ? await creds.token() : creds.token;
    }
    const reply = await this.request(msg);
    this.user = reply.user;
    this._loginArgs = [creds];
    emit(this, 'login', { user: this.user });
    return { user: this.user };
  }

  /**
   * End the login; the gateway hangs up this user's calls.
   * @returns {Promise<object>}
   */
  async logout() {
    this._loginArgs = null;
    // `logout` has no reply (docs/protocol.md); the pong to a ping sent
    // after it says the gateway has handled it.
    this.send({ type: 'logout' });
    await this.ping();
    this.user = null;
  }

  /**
   * Keepalive round trip.
   * @returns {Promise<number>} round-trip time in ms
   */
  async ping() {
    const t0 = performance.now();
    await this.request({ type: 'ping' });
    return performance.now() - t0;
  }

  _startPing() {
    this._stopPing();
    const every = this.options.pingInterval;
    if (!every) return;
    this._pingTimer = setInterval(() => {
      this.ping().catch((e) => {
        if (e.code === 'timeout' && this.ws) this.ws.close(4000, 'keepalive timeout');
      });
    }, every);
  }

  _stopPing() {
    clearInterval(this._pingTimer);
    this._pingTimer = null;
  }

  /**
   * Place a call.  Returns at once; progress is reported by the call's events.
   * @param {string} target `echo`, a number (`+442079460000`, `1001`) or a SIP URI
   * @param {object} [options]
   * @param {MediaStream} [options.stream] the microphone stream to send; by
   *        default the call opens one with getUserMedia({audio: true}) and
   *        stops it when the call ends
   * @param {boolean} [options.video] a video call: the camera too
   *        (getUserMedia({audio: true, video: true})); the far end's video
   *        arrives in `call.remoteStream` with its audio (docs/video.md)
   * @param {boolean} [options.trickle] overrides the client's `trickle`
   * @param {string} [options.callId] the call name (default: generated)
   * @param {(sdp: string) => string} [options.sdpTransform] rewrites the offer
   *        as sent to the gateway (the local description is not changed):
   *        for tests
   * @returns {TrapezeCall}
   */
  call(target, options = {}) {
    const id = options.callId || `c${Date.now().toString(36)}-${++this._callSeq}`;
    if (!CALL_ID_RE.test(id)) throw new TrapezeError('bad-call-id', `invalid call name ${id}`);
    if (this.calls.has(id)) throw new TrapezeError('call-exists', `call ${id} exists`);
    const call = new TrapezeCall(this, id, 'out', { ...options, target });
    this.calls.set(id, call);
    call._startOutgoing();
    return call;
  }

  /**
   * Send DTMF on a call (same as `call.dtmf()`).
   * @param {TrapezeCall|string} call the call or its name
   * @param {string} digits `0-9 * # A-D`, 1–32 of them
   * @param {number} [duration=100] ms per digit (40–2000)
   */
  dtmf(call, digits, duration) {
    const c = typeof call === 'string' ? this.calls.get(call) : call;
    if (!c) throw new TrapezeError('unknown-call', `no call ${call}`);
    c.dtmf(digits, duration);
  }

  /**
   * Send a text message (SIP MESSAGE, RFC 3428) to `to`, a target as for
   * call(): a number or a SIP URI, routed like a call.  The gateway sends it
   * with this user's identity and reports the far end's final answer.
   * @param {string} to
   * @param {string} body the text (UTF-8; at most the gateway's
   *        `messaging.max_bytes`, 4096 bytes by default)
   * @param {object} [options]
   * @param {string} [options.contentType='text/plain'] a media type the
   *        gateway carries (`messaging.content_types`)
   * @returns {Promise<{code: number, reason: string, delivered: boolean}>}
   *          the delivery report: the SIP final status (`delivered` for
   *          2xx; 404, 480 … from the far end, 408 when none answered);
   *          rejected with a TrapezeError when the gateway refused to send
   *          it (`too-big`, `rate-limited`, `no-route`, `forbidden`,
   *          `bad-message` for a content type it does not carry …)
   */
  async sendMessage(to, body, options = {}) {
    const msg = { type: 'message', to: String(to), body: String(body) };
    if (options.contentType) msg.content_type = options.contentType;
    const r = await this.request(msg, this.options.messageTimeout);
    return { code: r.code, reason: r.reason, delivered: r.code >= 200 && r.code < 300 };
  }

  _onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      emit(this, 'error', { code: 'bad-json', message: 'the gateway sent a frame that is not JSON' });
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    emit(this, 'message', { message: msg });

    const pending = msg.id != null ? this._pending.get(msg.id) : undefined;
    if (pending) {
      this._pending.delete(msg.id);
      clearTimeout(pending.timer);
      if (msg.type === 'error') pending.reject(new TrapezeError(msg.code, msg.message));
      else pending.resolve(msg);
      if (!msg.call) return;
    }

    if (msg.type === 'incoming') {
      this._onIncoming(msg);
      return;
    }
    if (msg.type === 'message' && typeof msg.body === 'string') {
      emit(this, 'textmessage', {
        from: msg.from, display: msg.display, contentType: msg.content_type, body: msg.body,
        msgid: msg.msgid,
      });
      return;
    }
    // Errors about a `call` request may name only its id.
    const call = msg.call != null ? this.calls.get(msg.call)
      : msg.id != null ? [...this.calls.values()].find((c) => c._requestId === msg.id) : undefined;
    if (call) {
      call._onMessage(msg);
      return;
    }
    if (msg.type === 'error' && !pending) {
      emit(this, 'error', { code: msg.code, message: msg.message, id: msg.id, call: msg.call });
    }
  }

  _onIncoming(msg) {
    if (!CALL_ID_RE.test(msg.call || '') || this.calls.has(msg.call)) return;
    const call = new TrapezeCall(this, msg.call, 'in', {
      from: msg.from, display: msg.display, remoteSdp: msg.sdp,
    });
    this.calls.set(msg.call, call);
    emit(this, 'incoming', { call, from: msg.from, display: msg.display, video: call.offersVideo });
  }
}

/**
 * One call.  Created by `client.call()` (outgoing) or delivered by the
 * client's `incoming` event.
 *
 * Events (members on the event and in `detail`):
 * - `state`      {state} every state change
 * - `ringing`    the far end rings (SIP 180)
 * - `progress`   {sdp?} early media (SIP 183)
 * - `answered`   the call is up; media flows
 * - `track`      {track} a remote audio track arrived (in `remoteStream`)
 * - `held` / `unheld` {by: 'local'|'remote'}
 * - `dtmf`       {digits, duration} DTMF from the far end (SIP INFO)
 * - `error`      {code, message} a gateway or local error about this call
 * - `hangup`     {code, reason} the call ended: SIP status (486, 404 …),
 *                200 for a normal end, 0 + a gateway code as reason
 *                (`dtls-failed`, `ice-failed`, `disconnected` …)
 *
 * States: `new` → `calling` → (`ringing` | `progress`) → `answered` → `ended`;
 * an incoming call starts in `incoming`, then `accepting` → `answered`.
 */
export class TrapezeCall extends EventTarget {
  /**
   * @param {TrapezeClient} client
   * @param {string} id
   * @param {'in'|'out'} direction
   * @param {object} options
   */
  constructor(client, id, direction, options) {
    super();
    /** @type {TrapezeClient} */
    this.client = client;
    /** @type {string} the call name on the connection */
    this.id = id;
    /** @type {'in'|'out'} */
    this.direction = direction;
    /** @type {string|undefined} the dialled target (outgoing) */
    this.target = options.target;
    /** @type {string|undefined} the caller (incoming) */
    this.from = options.from;
    /** @type {string|undefined} the caller's display name (incoming) */
    this.display = options.display;
    /** @type {string} see the class comment */
    this.state = direction === 'in' ? 'incoming' : 'new';
    /** @type {RTCPeerConnection|null} */
    this.pc = null;
    /** @type {MediaStream|null} the stream sent (microphone) */
    this.localStream = null;
    /** @type {MediaStream} the gateway's audio; tracks are added as they arrive */
    this.remoteStream = new MediaStream();
    /** @type {boolean} */
    this.muted = false;
    /** @type {boolean} */
    this.held = false;
    this.heldLocal = false;
    this.heldRemote = false;
    /** @type {{code: number, reason: string}|null} set when the call ended */
    this.endReason = null;
    this._options = options;
    this._ownStream = false;
    this._remoteSdp = options.remoteSdp || null;
    this._remoteApplied = false;
    this._remoteCandidates = [];
    this._hangupWaiter = null;
    this._queued = [];
    this._sentSdp = false;
    this._sentEoc = false;
    this._requestId = null;
  }

  /** @returns {boolean} whether the call has ended */
  get ended() {
    return this.state === 'ended';
  }

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    emit(this, 'state', { state });
  }

  _send(message) {
    this.client.send({ ...message, call: this.id });
  }

  get _trickle() {
    return this._options.trickle ?? this.client.options.trickle;
  }

  /** Open the microphone (unless a stream was given) and the peer connection. */
  async _prepare(stream) {
    if (stream) {
      this.localStream = stream;
    } else {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        throw new TrapezeError('media',
          'the microphone is not available: the page needs HTTPS (or localhost)');
      }
      try {
        this.localStream = await navigator.mediaDevices.getUserMedia({
          audio: true, video: !!this._options.video,
        });
      } catch (e) {
        throw new TrapezeError('media', `microphone: ${e.name}: ${e.message}`);
      }
      this._ownStream = true;
    }
    if (this.ended) throw new TrapezeError('ended', 'the call ended');
    const audio = this.localStream.getAudioTracks();
    if (!audio.length) throw new TrapezeError('media', 'the stream has no audio track');

    const pc = new RTCPeerConnection({
      iceServers: this.client.options.iceServers,
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    });
    this.pc = pc;
    for (const track of audio) {
      track.enabled = !this.muted;
      pc.addTrack(track, this.localStream);
    }
    // video (options.video, or a stream with a camera): BUNDLEd with the audio
    for (const track of this.localStream.getVideoTracks()) pc.addTrack(track, this.localStream);
    pc.addEventListener('track', (ev) => {
      if (ev.track.kind !== 'audio' && ev.track.kind !== 'video') return;
      this.remoteStream.addTrack(ev.track);
      emit(this, 'track', { track: ev.track });
    });
    pc.addEventListener('connectionstatechange', () => this._onConnectionState());
    if (this._trickle) {
      pc.addEventListener('icecandidate', (ev) => this._onLocalCandidate(ev.candidate));
    }
  }

  _onLocalCandidate(c) {
    if (this.ended) return;
    if (!this._sentSdp) {
      this._queued.push(c); // sent by _flushTrickle() after the SDP
      return;
    }
    if (!this.client.connected) return;
    if (c && c.candidate) {
      this._send({
        type: 'candidate', candidate: c.candidate,
        sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex,
      });
    } else if (!this._sentEoc) {
      this._sentEoc = true;
      this._send({ type: 'end-of-candidates' });
    }
  }

  /** The local SDP to send: after gathering (default) or at once (trickle). */
  async _localSdp() {
    if (!this._trickle) {
      await gatheringComplete(this.pc, this.client.options.gatheringTimeout);
    }
    let sdp = this.pc.localDescription.sdp;
    if (this._options.sdpTransform) sdp = this._options.sdpTransform(sdp);
    return sdp;
  }

  /**
   * After the offer/answer went out (trickle): send the candidates found
   * meanwhile that the SDP does not already carry.
   * @param {string} sentSdp
   */
  _flushTrickle(sentSdp) {
    this._sentSdp = true;
    const queued = this._queued;
    this._queued = [];
    for (const c of queued) {
      if (c && c.candidate && sentSdp.includes(c.candidate)) continue;
      this._onLocalCandidate(c);
    }
  }

  async _startOutgoing() {
    this._setState('calling');
    try {
      await this._prepare(this._options.stream);
      const offer = await this.pc.createOffer();
      await this.pc.setLocalDescription(offer);
      const sdp = await this._localSdp();
      if (this.ended) return;
      const id = this.client._nextId++;
      this._requestId = id;
      this.client.send({ type: 'call', id, call: this.id, target: this.target, sdp });
      this._flushTrickle(sdp);
    } catch (e) {
      this._fail(e);
    }
  }

  /**
   * Whether the caller offers video (an incoming call from a SIP video
   * phone through a trunk with `video`, docs/video.md).
   * @returns {boolean}
   */
  get offersVideo() {
    return /^m=video [1-9]/m.test(this._remoteSdp || '');
  }

  /**
   * Accept an incoming call.
   * @param {object} [options]
   * @param {MediaStream} [options.stream] the stream to send (default: getUserMedia)
   * @param {boolean|'recvonly'} [options.video] an offered video: `true` takes it
   *        with the camera (getUserMedia video, or the stream's video track),
   *        `'recvonly'` only receives it, absent / false declines it (answered
   *        inactive; the caller gets the video line at port 0 and goes on
   *        audio only)
   * @param {(sdp: string) => string} [options.sdpTransform] rewrites the answer as sent
   * @returns {Promise<void>} resolved when the answer is sent
   */
  async accept(options = {}) {
    if (this.direction !== 'in' || this.state !== 'incoming') {
      throw new TrapezeError('bad-state', `cannot accept a call in state ${this.state}`);
    }
    Object.assign(this._options, options);
    this._setState('accepting');
    try {
      await this._prepare(options.stream);
      await this.pc.setRemoteDescription({ type: 'offer', sdp: this._remoteSdp });
      this._remoteApplied = true;
      for (const t of this.pc.getTransceivers()) {
        if (t.receiver.track.kind !== 'video' || t.stopped) continue;
        // declined: answered inactive (Chromium does not answer port 0 even
        // for a stopped transceiver); the gateway gives the caller port 0
        if (!this._options.video) t.direction = 'inactive';
        else if (this._options.video === 'recvonly' || !t.sender.track) t.direction = 'recvonly';
      }
      await this._applyRemoteCandidates();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      const sdp = await this._localSdp();
      if (this.ended) return;
      this._send({ type: 'accept', sdp });
      this._flushTrickle(sdp);
      this._answered();
    } catch (e) {
      this._fail(e);
      throw e;
    }
  }

  /**
   * Decline an incoming call.
   * @param {number} [code=486] SIP status sent to the caller (486 busy, 603 decline …)
   */
  reject(code = 486) {
    if (this.direction !== 'in' || this.state !== 'incoming') {
      throw new TrapezeError('bad-state', `cannot reject a call in state ${this.state}`);
    }
    try { this._send({ type: 'reject', code }); } catch { /* closed: ends anyway */ }
    this._end(code, 'rejected');
  }

  /**
   * End the call in any state.  Resolves with the `hangup` event's members
   * once the gateway confirms (or after 2 s, or at once when disconnected).
   * @param {string} [reason]
   * @returns {Promise<{code: number, reason: string}>}
   */
  hangup(reason) {
    if (this.ended) return Promise.resolve(this.endReason);
    if (this.direction === 'in' && this.state === 'incoming') {
      this.reject(486);
      return Promise.resolve(this.endReason);
    }
    if (!this._sentSdp) {
      // The gateway has not heard of the call yet (still gathering).
      this._end(487, 'cancelled');
      return Promise.resolve(this.endReason);
    }
    const msg = { type: 'hangup' };
    if (reason) msg.reason = reason;
    try {
      this._send(msg);
    } catch {
      this._end(200, 'normal');
      return Promise.resolve(this.endReason);
    }
    this._closeMedia();
    this._setState('ending');
    return new Promise((resolve) => {
      const timer = setTimeout(() => this._end(200, 'normal'), 2000);
      this._hangupWaiter = () => { clearTimeout(timer); resolve(this.endReason); };
    });
  }

  /**
   * Send DTMF digits (RFC 4733 or SIP INFO, as the gateway's trunk says).
   * @param {string} digits `0-9 * # A-D`, 1–32
   * @param {number} [duration=100] ms per digit, 40–2000
   */
  dtmf(digits, duration = 100) {
    const d = String(digits).toUpperCase();
    if (!DTMF_RE.test(d)) throw new TrapezeError('bad-dtmf', `invalid DTMF digits "${digits}"`);
    const ms = Math.max(40, Math.min(2000, Math.round(Number(duration) || 100)));
    // In the media when telephone-event was negotiated (the gateway maps it
    // to the trunk's payload type); otherwise the gateway sends SIP INFO.
    const sender = this.pc && this.pc.getSenders().find((s) => s.track && s.track.kind === 'audio');
    if (sender && sender.dtmf && sender.dtmf.canInsertDTMF) {
      sender.dtmf.insertDTMF(sender.dtmf.toneBuffer + d, ms, 70);
      return 'rfc4733';
    }
    this._send({ type: 'dtmf', digits: d, duration: ms });
    return 'info';
  }

  /** Put the far end on hold; `held` follows when done. */
  hold() {
    this._send({ type: 'hold' });
  }

  /** Resume a held call; `unheld` follows when done. */
  unhold() {
    this._send({ type: 'unhold' });
  }

  /**
   * Mute or unmute the microphone (the track keeps running, silence is sent).
   * @param {boolean} [on=true]
   * @returns {boolean} the new mute state
   */
  mute(on = true) {
    this.muted = !!on;
    if (this.localStream) {
      for (const t of this.localStream.getAudioTracks()) t.enabled = !this.muted && !this.heldLocal;
    }
    emit(this, 'mute', { muted: this.muted });
    return this.muted;
  }

  /**
   * The peer connection's statistics (RTCPeerConnection.getStats).
   * @param {MediaStreamTrack|null} [selector]
   * @returns {Promise<RTCStatsReport>}
   */
  getStats(selector) {
    if (!this.pc) return Promise.resolve(new Map());
    return this.pc.getStats(selector);
  }

  async _applyRemoteCandidates() {
    const list = this._remoteCandidates;
    this._remoteCandidates = [];
    for (const c of list) await this._addRemoteCandidate(c);
  }

  async _addRemoteCandidate(c) {
    try {
      await this.pc.addIceCandidate(c);
    } catch (e) {
      emit(this, 'error', { code: 'bad-candidate', message: `gateway candidate refused: ${e.message}` });
    }
  }

  async _applyAnswer(sdp) {
    if (this._remoteApplied || !this.pc) return;
    this._remoteApplied = true;
    try {
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
      await this._applyRemoteCandidates();
    } catch (e) {
      this._fail(new TrapezeError('bad-sdp', `the gateway's answer was refused: ${e.message}`), true);
    }
  }

  _answered(msg = {}) {
    if (this.state === 'answered' || this.ended) return;
    if (msg.video === 'rejected' && this.pc) {
      // the far end took the call without video: stop sending the camera
      // (the gateway would drop it) and say so (docs/video.md)
      this.videoRejected = true;
      for (const t of this.pc.getTransceivers()) {
        if (t.sender.track && t.sender.track.kind === 'video') t.sender.replaceTrack(null).catch(() => {});
      }
    }
    this._setState('answered');
    emit(this, 'answered', { video: msg.video });
  }

  async _onMessage(msg) {
    if (this.ended && msg.type !== 'hangup') return;
    switch (msg.type) {
      case 'answer':
        await this._applyAnswer(msg.sdp);
        break;
      case 'ringing':
        if (this.state === 'calling') this._setState('ringing');
        emit(this, 'ringing');
        break;
      case 'progress':
        if (msg.sdp) await this._applyAnswer(msg.sdp);
        if (this.state === 'calling' || this.state === 'ringing') this._setState('progress');
        emit(this, 'progress', { sdp: msg.sdp });
        break;
      case 'answered':
        this._answered(msg);
        break;
      case 'held':
      case 'unheld': {
        const on = msg.type === 'held';
        if (msg.by === 'remote') this.heldRemote = on;
        else {
          this.heldLocal = on;
          // Our own hold: the far end should hear nothing from us.
          if (this.localStream) this.localStream.getAudioTracks().forEach((t) => { t.enabled = !on && !this.muted; });
        }
        this.held = !!(this.heldLocal || this.heldRemote);
        emit(this, msg.type, { by: msg.by });
        break;
      }
      case 'dtmf':
        emit(this, 'dtmf', { digits: msg.digits, duration: msg.duration });
        break;
      case 'candidate': {
        const c = { candidate: msg.candidate, sdpMid: msg.sdpMid, sdpMLineIndex: msg.sdpMLineIndex };
        if (this._remoteApplied && this.pc) await this._addRemoteCandidate(c);
        else this._remoteCandidates.push(c);
        break;
      }
      case 'end-of-candidates':
        if (this._remoteApplied && this.pc) await this._addRemoteCandidate(null);
        else this._remoteCandidates.push(null);
        break;
      case 'hangup':
        this._end(msg.code ?? 0, msg.reason ?? '');
        break;
      case 'error': {
        if (this.state === 'ending') {
          // e.g. unknown-call: the gateway ended the call as we hung up.
          this._end(200, 'normal');
          break;
        }
        emit(this, 'error', { code: msg.code, message: msg.message });
        const setupFailed = msg.id != null && msg.id === this._requestId && this.state !== 'answered';
        if (setupFailed || FATAL_CALL_ERRORS.has(msg.code)) this._end(0, msg.code);
        break;
      }
      default:
        break;
    }
  }

  _onConnectionState() {
    const pc = this.pc;
    if (!pc || this.ended || pc.connectionState !== 'failed') return;
    // Tell DTLS failures from ICE failures: the DTLS transport says which.
    const dtls = pc.getSenders()[0]?.transport;
    const code = dtls && dtls.state === 'failed' ? 'dtls-failed' : 'ice-failed';
    emit(this, 'error', { code, message: `media connection failed in the browser (${code})`, local: true });
    // Give the gateway a moment to report its own reason first.
    setTimeout(() => {
      if (this.ended) return;
      try { this._send({ type: 'hangup', reason: code }); } catch { /* closed */ }
      this._end(0, code);
    }, 1000);
  }

  /** A local failure: report it, tell the gateway if it knows the call, end. */
  _fail(e, tellGateway = this._sentSdp) {
    if (this.ended) return;
    const code = e instanceof TrapezeError ? e.code : 'internal';
    emit(this, 'error', { code, message: e.message, local: true });
    if (tellGateway) {
      try { this._send({ type: 'hangup', reason: code }); } catch { /* closed */ }
    }
    this._end(0, code);
  }

  _closeMedia() {
    if (this.pc) {
      this.pc.close();
    }
    if (this._ownStream && this.localStream) {
      for (const t of this.localStream.getTracks()) t.stop();
    }
  }

  /** End locally: release media, emit `hangup` once. */
  _end(code, reason) {
    if (this.ended) return;
    this._closeMedia();
    this.endReason = { code, reason };
    this.client.calls.delete(this.id);
    this._setState('ended');
    emit(this, 'hangup', { code, reason });
    if (this._hangupWaiter) this._hangupWaiter();
  }
}
