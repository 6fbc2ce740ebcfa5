// Reading RTP out of packet captures, for the e2e tests: a classic libpcap
// file (as `tcpdump -w` writes it; either byte order, micro- or nanosecond
// timestamps) → UDP datagrams → RTP payload types and RFC 4733 DTMF digits.
// No dependencies (node >= 20).
//
//   import { parsePcap, rfc4733Digits, rtpPayloadTypes } from './lib/rtp_events.mjs';
//   const packets = parsePcap(await readFile('/tmp/sip.pcap'));
//   rfc4733Digits(packets, { pt: 101, dport: 6000 });   // → '12#'
//   rtpPayloadTypes(packets, { dport: 6000 });          // → Map { 0 => 250, 101 => 18 }
//
// Not handled: pcapng (tcpdump writes classic pcap unless told otherwise),
// IP fragments (skipped), link types other than EN10MB (1, with 802.1Q/ad
// tags), RAW (101), LINUX_SLL (113) and LINUX_SLL2 (276) (skipped).

const LINKTYPE_EN10MB = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8, 0x9100];

const IPPROTO_UDP = 17;

/**
 * @typedef {object} UdpPacket
 * @property {number} ts       capture time, seconds since the epoch (fractional)
 * @property {string} src      source IP address (IPv4 dotted quad or IPv6, RFC 5952 form)
 * @property {number} sport    source UDP port
 * @property {string} dst      destination IP address
 * @property {number} dport    destination UDP port
 * @property {Buffer} payload  the UDP payload (a view into the capture buffer)
 */

/**
 * The UDP datagrams (over IPv4 or IPv6) of a classic libpcap capture, in
 * capture order.  Packets of other protocols, IP fragments, truncated packets
 * (snaplen) and frames of unsupported link types are skipped; a truncated
 * last record ends the list.
 * @param {Buffer|Uint8Array} buffer the whole file
 * @returns {UdpPacket[]}
 */
export function parsePcap(buffer) {
  const buf = Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buf.length < 24) throw new Error('pcap: file too short for a pcap header');

  let le;
  let nano;
  const magicLE = buf.readUInt32LE(0);
  const magicBE = buf.readUInt32BE(0);
  if (magicLE === 0xa1b2c3d4) [le, nano] = [true, false];
  else if (magicLE === 0xa1b23c4d) [le, nano] = [true, true];
  else if (magicBE === 0xa1b2c3d4) [le, nano] = [false, false];
  else if (magicBE === 0xa1b23c4d) [le, nano] = [false, true];
  else if (magicBE === 0x0a0d0d0a) throw new Error('pcap: this is pcapng, not classic pcap (tcpdump -w writes pcap; or convert with editcap -F pcap)');
  else throw new Error(`pcap: bad magic 0x${magicBE.toString(16).padStart(8, '0')}`);

  const u32 = (off) => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  // The upper bits of the link-type field may carry FCS information.
  const linktype = u32(20) & 0xffff;

  /** @type {UdpPacket[]} */
  const out = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const inclLen = u32(off + 8);
    off += 16;
    if (off + inclLen > buf.length) break; // truncated file
    const frame = buf.subarray(off, off + inclLen);
    off += inclLen;
    const ts = sec + frac / (nano ? 1e9 : 1e6);
    const ip = linkPayload(linktype, frame);
    if (!ip) continue;
    const pkt = ipUdp(ip.proto, ip.data);
    if (pkt) out.push({ ts, ...pkt });
  }
  return out;
}

/** The network-layer packet of a frame: { proto: ethertype, data } or null. */
function linkPayload(linktype, frame) {
  switch (linktype) {
    case LINKTYPE_EN10MB: {
      if (frame.length < 14) return null;
      let off = 12;
      let type = frame.readUInt16BE(off);
      while (ETHERTYPE_VLAN.includes(type)) {
        off += 4;
        if (frame.length < off + 2) return null;
        type = frame.readUInt16BE(off);
      }
      return { proto: type, data: frame.subarray(off + 2) };
    }
    case LINKTYPE_LINUX_SLL:
      if (frame.length < 16) return null;
      return { proto: frame.readUInt16BE(14), data: frame.subarray(16) };
    case LINKTYPE_LINUX_SLL2:
      if (frame.length < 20) return null;
      return { proto: frame.readUInt16BE(0), data: frame.subarray(20) };
    case LINKTYPE_RAW: {
      if (frame.length < 1) return null;
      const v = frame[0] >> 4;
      if (v === 4) return { proto: ETHERTYPE_IPV4, data: frame };
      if (v === 6) return { proto: ETHERTYPE_IPV6, data: frame };
      return null;
    }
    default:
      return null;
  }
}

/** The UDP datagram of an IP packet: { src, sport, dst, dport, payload } or null. */
function ipUdp(proto, ip) {
  let src;
  let dst;
  let l4;
  if (proto === ETHERTYPE_IPV4) {
    if (ip.length < 20 || ip[0] >> 4 !== 4) return null;
    const ihl = (ip[0] & 0x0f) * 4;
    const total = ip.readUInt16BE(2);
    if (ihl < 20 || total < ihl || ip.length < total) return null; // truncated (snaplen)
    const frag = ip.readUInt16BE(6);
    if (frag & 0x3fff) return null; // a fragment (MF set or offset != 0)
    if (ip[9] !== IPPROTO_UDP) return null;
    src = ipv4(ip.subarray(12, 16));
    dst = ipv4(ip.subarray(16, 20));
    l4 = ip.subarray(ihl, total);
  } else if (proto === ETHERTYPE_IPV6) {
    if (ip.length < 40 || ip[0] >> 4 !== 6) return null;
    const end = 40 + ip.readUInt16BE(4);
    if (ip.length < end) return null; // truncated (or a jumbogram)
    let next = ip[6];
    let off = 40;
    for (;;) {
      if (next === IPPROTO_UDP) break;
      if (next === 0 || next === 43 || next === 60) {
        // hop-by-hop, routing, destination options
        if (off + 2 > end) return null;
        const n = ip[off];
        off += (ip[off + 1] + 1) * 8;
        next = n;
      } else if (next === 44) {
        // fragment header
        if (off + 8 > end) return null;
        if (ip.readUInt16BE(off + 2) & 0xfff9) return null; // offset != 0 or M set
        next = ip[off];
        off += 8;
      } else if (next === 51) {
        // authentication header
        if (off + 2 > end) return null;
        const n = ip[off];
        off += (ip[off + 1] + 2) * 4;
        next = n;
      } else {
        return null;
      }
      if (off > end) return null;
    }
    src = ipv6(ip.subarray(8, 24));
    dst = ipv6(ip.subarray(24, 40));
    l4 = ip.subarray(off, end);
  } else {
    return null;
  }
  if (l4.length < 8) return null;
  const udpLen = l4.readUInt16BE(4);
  // UDP length 0 = jumbogram (IPv6): take what the IP layer says.
  const len = udpLen >= 8 && udpLen <= l4.length ? udpLen : l4.length;
  return {
    src,
    sport: l4.readUInt16BE(0),
    dst,
    dport: l4.readUInt16BE(2),
    payload: l4.subarray(8, len),
  };
}

function ipv4(b) {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text form: lower case, longest run (>= 2) of zero groups as "::". */
function ipv6(b) {
  const g = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  // IPv4-mapped ::ffff:a.b.c.d
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${ipv4(b.subarray(12, 16))}`;
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * The RTP header of a UDP payload, or null when it is no RTP version 2
 * packet (STUN, DTLS, RTCP — also multiplexed RTCP, RFC 5761 — garbage).
 * @param {Buffer} p
 * @returns {{ pt: number, marker: boolean, seq: number, timestamp: number, ssrc: number, payload: Buffer } | null}
 */
export function parseRtp(p) {
  if (p.length < 12 || p[0] >> 6 !== 2) return null;
  if (p[1] >= 192 && p[1] <= 223) return null; // RTCP (SR, RR, SDES, BYE, APP, ...)
  const cc = p[0] & 0x0f;
  let off = 12 + 4 * cc;
  if (p[0] & 0x10) {
    // header extension: 16-bit profile, 16-bit length in 32-bit words
    if (p.length < off + 4) return null;
    off += 4 + 4 * p.readUInt16BE(off + 2);
  }
  let end = p.length;
  if (p[0] & 0x20) {
    // padding: the last octet counts the padding octets (itself included)
    const pad = p[p.length - 1];
    if (pad === 0) return null;
    end -= pad;
  }
  if (off > end) return null;
  return {
    pt: p[1] & 0x7f,
    marker: (p[1] & 0x80) !== 0,
    seq: p.readUInt16BE(2),
    timestamp: p.readUInt32BE(4),
    ssrc: p.readUInt32BE(8),
    payload: p.subarray(off, end),
  };
}

const DTMF = '0123456789*#ABCD';

/**
 * The DTMF digits carried as RFC 4733 telephone-events: one digit per event,
 * i.e. per distinct RTP timestamp of a stream (SSRC) — continuation packets
 * and retransmitted end packets of an event count once — in RTP sequence
 * order (wrap-around handled; streams in order of first appearance).  Event
 * codes 0-9 → '0'-'9', 10 → '*', 11 → '#', 12-15 → 'A'-'D'; other events
 * (flash, tones) are ignored.
 * @param {UdpPacket[]} packets from parsePcap
 * @param {{ pt: number, dport?: number }} opts pt: the telephone-event
 *   payload type (from the SDP); dport: only datagrams to this UDP port
 * @returns {string}
 */
export function rfc4733Digits(packets, { pt, dport } = {}) {
  if (!Number.isInteger(pt) || pt < 0 || pt > 127) throw new TypeError('rfc4733Digits: opts.pt (0..127) is required');
  /** @type {Map<number, { lastExt: number, events: Map<number, { ext: number, code: number }> }>} */
  const streams = new Map();
  for (const pkt of packets) {
    if (dport !== undefined && pkt.dport !== dport) continue;
    const rtp = parseRtp(pkt.payload);
    if (!rtp || rtp.pt !== pt || rtp.payload.length < 4) continue;
    let s = streams.get(rtp.ssrc);
    if (!s) {
      s = { lastExt: rtp.seq, events: new Map() };
      streams.set(rtp.ssrc, s);
    }
    // Extend the 16-bit sequence number relative to the previous packet.
    const delta = ((rtp.seq - (s.lastExt & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    const ext = s.lastExt + delta;
    s.lastExt = ext;
    const ev = s.events.get(rtp.timestamp);
    if (!ev) s.events.set(rtp.timestamp, { ext, code: rtp.payload[0] });
    else if (ext < ev.ext) ev.ext = ext; // an earlier packet captured late
  }
  let digits = '';
  for (const s of streams.values()) {
    const events = [...s.events.values()].sort((a, b) => a.ext - b.ext);
    for (const ev of events) if (ev.code < DTMF.length) digits += DTMF[ev.code];
  }
  return digits;
}

/**
 * How many RTP packets of each payload type (RTCP, STUN, DTLS are not RTP
 * and not counted).
 * @param {UdpPacket[]} packets from parsePcap
 * @param {{ dport?: number }} [opts] dport: only datagrams to this UDP port
 * @returns {Map<number, number>} payload type → packet count
 */
export function rtpPayloadTypes(packets, { dport } = {}) {
  const counts = new Map();
  for (const pkt of packets) {
    if (dport !== undefined && pkt.dport !== dport) continue;
    const rtp = parseRtp(pkt.payload);
    if (!rtp) continue;
    counts.set(rtp.pt, (counts.get(rtp.pt) ?? 0) + 1);
  }
  return counts;
}
