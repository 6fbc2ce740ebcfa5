// Self-check of lib/rtp_events.mjs on synthetic captures built in memory:
// RTP audio (PT 0) plus RFC 4733 telephone-events (PT 101) for "12#", each
// event with continuation packets and its end packet sent 3 times, framed as
// EN10MB / LINUX_SLL / LINUX_SLL2 / RAW, IPv4 / IPv6, both byte orders,
// micro- and nanosecond timestamps.  No gateway, no browser:
//
//   node --test tests/e2e/rtp_events.selfcheck.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePcap, parseRtp, rfc4733Digits, rtpPayloadTypes } from './lib/rtp_events.mjs';

// ---------------------------------------------------------------- builders

/** An RTP packet. */
function rtp({ pt, seq, ts, ssrc, marker = false, payload, csrc = [], ext = null, pad = 0 }) {
  const head = Buffer.alloc(12 + 4 * csrc.length);
  head[0] = 0x80 | (pad ? 0x20 : 0) | (ext ? 0x10 : 0) | csrc.length;
  head[1] = (marker ? 0x80 : 0) | pt;
  head.writeUInt16BE(seq & 0xffff, 2);
  head.writeUInt32BE(ts >>> 0, 4);
  head.writeUInt32BE(ssrc >>> 0, 8);
  csrc.forEach((c, i) => head.writeUInt32BE(c, 12 + 4 * i));
  const parts = [head];
  if (ext) {
    const e = Buffer.alloc(4 + ext.length);
    e.writeUInt16BE(0xbede, 0);
    e.writeUInt16BE(ext.length / 4, 2);
    ext.copy(e, 4);
    parts.push(e);
  }
  parts.push(payload);
  if (pad) {
    const p = Buffer.alloc(pad);
    p[pad - 1] = pad;
    parts.push(p);
  }
  return Buffer.concat(parts);
}

/** An RFC 4733 event payload. */
function event(code, end, duration, volume = 10) {
  const b = Buffer.alloc(4);
  b[0] = code;
  b[1] = (end ? 0x80 : 0) | volume;
  b.writeUInt16BE(duration, 2);
  return b;
}

function ip4(s) {
  return Buffer.from(s.split('.').map(Number));
}

function ip6(s) {
  // expand "::" (test addresses only)
  const [a, b = ''] = s.split('::');
  const left = a ? a.split(':') : [];
  const right = b ? b.split(':') : [];
  const groups = s.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 2 * i));
  return out;
}

function udpHeader(sport, dport, payload) {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** An IPv4 packet (no checksum; nobody checks). */
function ipv4Packet(src, dst, proto, l4) {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + l4.length, 2);
  h.writeUInt16BE(0x4000, 6); // DF
  h[8] = 64;
  h[9] = proto;
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
  return Buffer.concat([h, l4]);
}

/** An IPv6 packet, optionally with a hop-by-hop options header. */
function ipv6Packet(src, dst, proto, l4, { hopByHop = false } = {}) {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  let body = l4;
  let next = proto;
  if (hopByHop) {
    const hbh = Buffer.alloc(8);
    hbh[0] = proto;
    hbh[1] = 0; // 8 octets
    hbh[2] = 1; // PadN
    hbh[3] = 4;
    body = Buffer.concat([hbh, l4]);
    next = 0;
  }
  h.writeUInt16BE(body.length, 4);
  h[6] = next;
  h[7] = 64;
  ip6(src).copy(h, 8);
  ip6(dst).copy(h, 24);
  return Buffer.concat([h, body]);
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;

/** Link-layer framing per link type. */
const FRAMING = {
  1: (ethertype, ip, { vlan } = {}) => {
    const macs = Buffer.from('0200000000010200000000020000', 'hex').subarray(0, 12);
    const tag = vlan ? Buffer.from([0x81, 0x00, 0x00, vlan]) : Buffer.alloc(0);
    const type = Buffer.alloc(2);
    type.writeUInt16BE(ethertype);
    return Buffer.concat([macs, tag, type, ip]);
  },
  113: (ethertype, ip) => {
    const h = Buffer.alloc(16);
    h.writeUInt16BE(0, 0); // packet type: to us
    h.writeUInt16BE(1, 2); // ARPHRD_ETHER
    h.writeUInt16BE(6, 4);
    Buffer.from('020000000001', 'hex').copy(h, 6);
    h.writeUInt16BE(ethertype, 14);
    return Buffer.concat([h, ip]);
  },
  276: (ethertype, ip) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(ethertype, 0);
    h.writeUInt32BE(2, 4); // interface index
    h.writeUInt16BE(1, 8); // ARPHRD_ETHER
    h[10] = 0;
    h[11] = 6;
    Buffer.from('020000000001', 'hex').copy(h, 12);
    return Buffer.concat([h, ip]);
  },
  101: (_ethertype, ip) => ip,
};

/** A classic pcap file. frames: [{ sec, frac, data }] */
function pcapFile(linktype, frames, { le = true, nano = false, snaplen = 65535 } = {}) {
  const w32 = (b, v, off) => (le ? b.writeUInt32LE(v, off) : b.writeUInt32BE(v, off));
  const w16 = (b, v, off) => (le ? b.writeUInt16LE(v, off) : b.writeUInt16BE(v, off));
  const gh = Buffer.alloc(24);
  w32(gh, nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(gh, 2, 4);
  w16(gh, 4, 6);
  w32(gh, snaplen, 16);
  w32(gh, linktype, 20);
  const parts = [gh];
  for (const f of frames) {
    const rh = Buffer.alloc(16);
    const data = f.data.subarray(0, Math.min(f.data.length, snaplen));
    w32(rh, f.sec, 0);
    w32(rh, f.frac, 4);
    w32(rh, data.length, 8);
    w32(rh, f.data.length, 12);
    parts.push(rh, data);
  }
  return Buffer.concat(parts);
}

// ----------------------------------------------------- a synthetic call

const GW = { v4: '203.0.113.1', v6: '2001:db8::1', port: 40000 };
const PBX = { v4: '203.0.113.2', v6: '2001:db8::2', port: 6000 };
const DIGITS = { '0': 0, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7, '8': 8, '9': 9, '*': 10, '#': 11, A: 12, B: 13, C: 14, D: 15 };

/**
 * RTP from the gateway to the PBX: audio PT 0 every 20 ms, and for each
 * digit an RFC 4733 event (PT 101): 4 packets with growing duration (the
 * first with the marker bit), then the end packet 3 times (the repeats with
 * the same sequence number for odd digit positions, fresh ones for even).
 * Returns { rtps: [{ t, payload }], counts: Map pt → packets }.
 */
function syntheticCall(digits, { seq0 = 1000, ssrc = 0x11223344, pt = 101, audio = 10 } = {}) {
  const rtps = [];
  const counts = new Map();
  let seq = seq0;
  let rtpTs = 160 * 1000;
  let t = 0; // ms since call start
  const push = (p, ptNum) => {
    rtps.push({ t, payload: p });
    counts.set(ptNum, (counts.get(ptNum) ?? 0) + 1);
  };
  const audioBurst = (n) => {
    for (let i = 0; i < n; i++) {
      push(rtp({ pt: 0, seq: seq++, ts: rtpTs, ssrc, payload: Buffer.alloc(160, 0xff) }), 0);
      rtpTs += 160;
      t += 20;
    }
  };
  audioBurst(audio);
  [...digits].forEach((d, idx) => {
    const code = DIGITS[d];
    const evTs = rtpTs;
    for (let i = 1; i <= 4; i++) {
      push(rtp({ pt, seq: seq++, ts: evTs, ssrc, marker: i === 1, payload: event(code, false, 160 * i) }), pt);
      t += 20;
    }
    const endSeq = seq;
    for (let r = 0; r < 3; r++) {
      const s = idx % 2 === 1 ? endSeq : seq;
      push(rtp({ pt, seq: s, ts: evTs, ssrc, payload: event(code, true, 800) }), pt);
      if (idx % 2 === 0) seq++;
      t += 5;
    }
    if (idx % 2 === 1) seq++;
    rtpTs += 800;
    audioBurst(audio);
  });
  return { rtps, counts };
}

const T0 = 1_700_000_000; // capture start, s

/** Frames of a capture: the call's RTP plus some noise the parser must skip. */
function frames(linktype, rtps, { v6 = false, nano = false, vlan = 0, noise = true } = {}) {
  const frame = FRAMING[linktype];
  const ethertype = v6 ? ETH_IPV6 : ETH_IPV4;
  const src = v6 ? GW.v6 : GW.v4;
  const dst = v6 ? PBX.v6 : PBX.v4;
  const ipPkt = (proto, l4, opts) => (v6 ? ipv6Packet(src, dst, proto, l4, opts) : ipv4Packet(src, dst, proto, l4));
  const at = (ms) => {
    const us = Math.round(ms * 1000);
    return { sec: T0 + Math.floor(us / 1e6), frac: nano ? (us % 1e6) * 1000 + 7 : us % 1e6 };
  };
  const out = [];
  if (noise && linktype === 1) {
    // an ARP request: not IP
    out.push({ ...at(0), data: Buffer.concat([Buffer.from('ffffffffffff020000000001', 'hex'), Buffer.from([0x08, 0x06]), Buffer.alloc(28)]) });
  }
  if (noise) {
    // a TCP segment: not UDP
    out.push({ ...at(0), data: frame(ethertype, ipPkt(6, Buffer.alloc(20)), { vlan }) });
    // RTCP to the RTCP port and muxed onto the RTP port: not RTP
    const rr = Buffer.from([0x80, 201, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44]);
    out.push({ ...at(1), data: frame(ethertype, ipPkt(17, udpHeader(GW.port + 1, PBX.port + 1, rr)), { vlan }) });
    out.push({ ...at(1), data: frame(ethertype, ipPkt(17, udpHeader(GW.port, PBX.port, rr)), { vlan }) });
    // a STUN binding request to the RTP port: not RTP
    const stun = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), Buffer.alloc(12)]);
    out.push({ ...at(2), data: frame(ethertype, ipPkt(17, udpHeader(GW.port, PBX.port, stun)), { vlan }) });
    // events for another port (another call): filtered by dport
    const other = rtp({ pt: 101, seq: 7, ts: 99, ssrc: 0x5555, payload: event(9, true, 800) });
    out.push({ ...at(3), data: frame(ethertype, ipPkt(17, udpHeader(GW.port, PBX.port + 100, other)), { vlan }) });
  }
  for (const r of rtps) {
    out.push({ ...at(10 + r.t), data: frame(ethertype, ipPkt(17, udpHeader(GW.port, PBX.port, r.payload), { hopByHop: v6 }), { vlan }) });
  }
  return out;
}

const NOISE_UDP = 4; // UDP datagrams among the noise frames

// ------------------------------------------------------------------ tests

const variants = [
  { name: 'EN10MB, IPv4, little-endian, microseconds', linktype: 1, le: true, nano: false },
  { name: 'LINUX_SLL, IPv4, big-endian, nanoseconds', linktype: 113, le: false, nano: true },
  { name: 'LINUX_SLL, IPv6, little-endian, microseconds', linktype: 113, le: true, nano: false, v6: true },
  { name: 'LINUX_SLL2, IPv6, big-endian, microseconds', linktype: 276, le: false, nano: false, v6: true },
  { name: 'RAW, IPv4, little-endian, nanoseconds', linktype: 101, le: true, nano: true },
  { name: 'EN10MB with an 802.1Q tag, IPv6, big-endian', linktype: 1, le: false, nano: false, v6: true, vlan: 5 },
];

for (const v of variants) {
  test(`"12#" with retransmitted end packets: ${v.name}`, () => {
    const call = syntheticCall('12#');
    const file = pcapFile(v.linktype, frames(v.linktype, call.rtps, v), v);
    const packets = parsePcap(file);

    assert.equal(packets.length, call.rtps.length + NOISE_UDP);
    const first = packets.find((p) => p.dport === PBX.port && parseRtp(p.payload)?.pt === 0);
    assert.equal(first.src, v.v6 ? GW.v6 : GW.v4);
    assert.equal(first.dst, v.v6 ? PBX.v6 : PBX.v4);
    assert.equal(first.sport, GW.port);
    assert.equal(first.payload.length, 12 + 160);
    const frac = v.nano ? 10_000_007 / 1e9 : 10_000 / 1e6; // 10 ms (+7 ns)
    assert.ok(Math.abs(first.ts - (T0 + frac)) < 1e-6, `ts ${first.ts}`);

    assert.equal(rfc4733Digits(packets, { pt: 101, dport: PBX.port }), '12#');
    assert.deepEqual(rtpPayloadTypes(packets, { dport: PBX.port }), call.counts);
    assert.deepEqual([...call.counts], [[0, 40], [101, 21]]);
    // Without a port filter the other call's digit (captured first) counts too.
    assert.equal(rfc4733Digits(packets, { pt: 101 }), '912#');
  });
}

test('negative: wrong payload type or port → no digits', () => {
  const call = syntheticCall('12#');
  for (const [linktype, opts] of [[1, { le: true }], [113, { le: false, nano: true }]]) {
    const packets = parsePcap(pcapFile(linktype, frames(linktype, call.rtps, opts), opts));
    assert.equal(rfc4733Digits(packets, { pt: 126, dport: PBX.port }), '');
    assert.equal(rfc4733Digits(packets, { pt: 0, dport: PBX.port }), ''); // audio is no event
    assert.equal(rfc4733Digits(packets, { pt: 101, dport: PBX.port + 2 }), '');
    assert.deepEqual(rtpPayloadTypes(packets, { dport: PBX.port + 2 }), new Map());
  }
  assert.throws(() => rfc4733Digits([], {}), TypeError);
});

test('every DTMF event code, another payload type', () => {
  const call = syntheticCall('0123456789*#ABCD', { pt: 126, audio: 2 });
  const packets = parsePcap(pcapFile(1, frames(1, call.rtps, { noise: false })));
  assert.equal(rfc4733Digits(packets, { pt: 126, dport: PBX.port }), '0123456789*#ABCD');
  assert.equal(rfc4733Digits(packets, { pt: 101, dport: PBX.port }), '');
});

test('RTP order: sequence wrap-around, packets captured out of order', () => {
  const call = syntheticCall('147', { seq0: 65530, audio: 1 });
  // Capture the "4" event (packets 9..15 with audio 1) after the "7" event.
  const r = call.rtps;
  const moved = [...r.slice(0, 9), ...r.slice(16), ...r.slice(9, 16)];
  const packets = parsePcap(pcapFile(113, frames(113, moved, { noise: false })));
  assert.equal(rfc4733Digits(packets, { pt: 101 }), '147');
  const seqs = packets.map((p) => parseRtp(p.payload).seq);
  assert.ok(seqs.includes(65535) && seqs.includes(0), 'the sequence numbers wrap');
});

test('CSRCs, header extension, padding', () => {
  const ssrc = 0xabcdef01;
  const mk = (seq, ts, code, end, opts) => rtp({ pt: 101, seq, ts, ssrc, payload: event(code, end, 400), ...opts });
  const rtps = [
    mk(1, 1000, 3, false, { csrc: [1, 2, 3] }),
    mk(2, 1000, 3, true, { csrc: [1, 2, 3] }),
    mk(3, 2000, 5, false, { ext: Buffer.from([0x10, 0xff, 0, 0]) }),
    mk(4, 2000, 5, true, { ext: Buffer.from([0x10, 0xff, 0, 0]), pad: 4 }),
    mk(5, 3000, 10, true, { csrc: [9], ext: Buffer.alloc(8), pad: 3 }),
  ].map((payload, i) => ({ t: 20 * i, payload }));
  const packets = parsePcap(pcapFile(101, frames(101, rtps, { noise: false })));
  assert.equal(rfc4733Digits(packets, { pt: 101, dport: PBX.port }), '35*');
  const last = parseRtp(packets[4].payload);
  assert.equal(last.payload.length, 4);
  assert.equal(last.payload[0], 10);
});

test('pcap framing: truncated last record, snaplen, pcapng, unknown link type', () => {
  const call = syntheticCall('1', { audio: 1 });
  const file = pcapFile(1, frames(1, call.rtps, { noise: false }));
  assert.equal(parsePcap(file).length, call.rtps.length);
  assert.equal(parsePcap(file.subarray(0, file.length - 10)).length, call.rtps.length - 1);
  // snaplen 60: the audio packets (214 bytes) are cut short → skipped; the
  // event packets (58 bytes) are whole
  const cut = parsePcap(pcapFile(1, frames(1, call.rtps, { noise: false }), { snaplen: 60 }));
  assert.equal(cut.length, 7);
  assert.equal(rfc4733Digits(cut, { pt: 101 }), '1');
  assert.deepEqual(rtpPayloadTypes(cut), new Map([[101, 7]]));
  // an unknown link type (LINKTYPE_NULL = 0) is skipped, not misparsed
  assert.equal(parsePcap(pcapFile(0, frames(1, call.rtps, { noise: false }))).length, 0);
  const pcapng = Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000', 'hex');
  assert.throws(() => parsePcap(pcapng), /pcapng/);
  assert.throws(() => parsePcap(Buffer.alloc(24)), /bad magic/);
  // a Uint8Array works as well as a Buffer
  assert.equal(parsePcap(new Uint8Array(file)).length, call.rtps.length);
});
