/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet helpers of the fast path, inlined into the worker loop:
 * classification (RFC 7983 demultiplexing of a media port's UDP payload)
 * and the egress header rewrite.  Only fully expected packets are handled;
 * anything else is punted to the kernel with a reason.
 */
#ifndef TZ_FASTPATH_PVT_H
#define TZ_FASTPATH_PVT_H

#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "tz_dp.h"
#include "tz_session.h"

enum fp_class {
	FP_MEDIA,       /* RTP or RTCP to a media port: look it up */
	FP_STUN,        /* RFC 7983: first byte 0..3 */
	FP_DTLS,        /* RFC 7983: first byte 20..63 */
	FP_UNKNOWN,     /* UDP to a media port with another first byte (RFC 7983) */
	FP_OTHER,       /* not IPv4/IPv6 UDP to a media port */
	FP_MALFORMED,   /* a media port's packet too short for RTP (12 bytes) */
};

#define FP_RTP_MIN 12
#define FP_ETH_IP4_UDP (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))
#define FP_ETH_IP6_UDP (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_udp_hdr))

/* L3 part of the key and the UDP header, or NULL when not plain IP/UDP. */
static inline const struct rte_udp_hdr *fp_l3(const struct rte_mbuf *m, struct tz_dp_flow_key *k,
					       uint16_t *hdr_len)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint16_t dlen = rte_pktmbuf_data_len(m);

	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);

		if (dlen < FP_ETH_IP4_UDP || ip->version_ihl != 0x45 ||
		    ip->next_proto_id != IPPROTO_UDP ||
		    (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return NULL;
		memset(k->remote, 0, 10);
		k->remote[10] = 0xff;
		k->remote[11] = 0xff;
		memcpy(&k->remote[12], &ip->src_addr, 4);
		*hdr_len = FP_ETH_IP4_UDP;
		return (const void *)(ip + 1);
	}
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip = (const void *)(eth + 1);

		if (dlen < FP_ETH_IP6_UDP || ip->proto != IPPROTO_UDP)
			return NULL;
		memcpy(k->remote, ip->src_addr, 16);
		*hdr_len = FP_ETH_IP6_UDP;
		return (const void *)(ip + 1);
	}
	return NULL;
}

/* The local-address index of packet @p m (IP/UDP, fp_l3 checked): 0 (the
 * port's own address, IPv6, or any other) unless it is IPv4 to one of the
 * queue's further media addresses. */
static inline uint16_t fp_local_addr(const struct tz_dp_rxq *q, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);

	if (likely(q->n_addr4 == 0) || eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return 0;
	for (unsigned i = 0; i < q->n_addr4; i++)
		if (ip->dst_addr == q->addr4[i])
			return (uint16_t)(i + 1);
	return 0;
}

/* Classify one packet from the wire; for FP_MEDIA fill the key, for every
 * IPv4/IPv6 UDP packet (all but FP_OTHER) at least k->remote, the source. */
static inline enum fp_class fp_classify(const struct rte_mbuf *m, const struct tz_dp_rxq *q,
					struct tz_dp_flow_key *k, uint16_t *hdr_len)
{
	const struct rte_udp_hdr *udp = fp_l3(m, k, hdr_len);
	uint16_t dport, ulen;
	uint8_t b0;

	if (udp == NULL)
		return FP_OTHER;
	dport = rte_be_to_cpu_16(udp->dst_port);
	if (dport < q->media_first || dport > q->media_last)
		return FP_OTHER;
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen <= sizeof(*udp) || ulen + *hdr_len - sizeof(*udp) > rte_pktmbuf_pkt_len(m))
		return FP_MALFORMED;
	b0 = *((const uint8_t *)(udp + 1));
	if (b0 <= 3)
		return FP_STUN;
	if (b0 >= 20 && b0 <= 63)
		return FP_DTLS;
	if (b0 < 128 || b0 > 191)
		return FP_UNKNOWN;
	if (ulen - sizeof(*udp) < FP_RTP_MIN)
		return FP_MALFORMED;
	k->remote_port = rte_be_to_cpu_16(udp->src_port);
	k->local_port = dport;
	k->port_idx = q->port_idx;
	k->pad = fp_local_addr(q, m);
	return FP_MEDIA;
}

/* Prefetch the lines of a packet's data after the first (the crypto reads
 * and writes them all; the first is read by classification).  A packet
 * from a port was written by the NIC or another core: none of it is in
 * this core's cache.  At most FP_PREFETCH_LINES lines (a G.711 packet with
 * its headers and tag spans 4). */
#define FP_PREFETCH_LINES 6
static inline void fp_prefetch_rest(const struct rte_mbuf *m)
{
	uintptr_t a = (uintptr_t)rte_pktmbuf_mtod(m, const uint8_t *);
	uintptr_t end = a + rte_pktmbuf_data_len(m) + 16;       /* + room for the tag */
	unsigned k = 1;

	a &= ~(uintptr_t)(RTE_CACHE_LINE_SIZE - 1);
	for (a += RTE_CACHE_LINE_SIZE; a < end && k < FP_PREFETCH_LINES; a += RTE_CACHE_LINE_SIZE, k++)
		rte_prefetch0((const void *)a);
}

/* RTCP on an rtcp-mux port: payload type 192..223 in the second byte (RFC 5761 §4). */
static inline bool fp_is_rtcp(const struct rte_mbuf *m, uint16_t hdr_len)
{
	uint8_t pt = *rte_pktmbuf_mtod_offset(m, const uint8_t *, hdr_len + 1);

	return pt >= 192 && pt <= 223;
}

/* Rewrite the payload type of an RTP packet (header at @p rtp, at least 12
 * bytes: fp_strip checked) per the flow's map; the marker bit stays. */
static inline void fp_pt_rewrite(uint8_t *rtp, const struct tz_dp_pt_rewrite *rw)
{
	uint8_t pt = rtp[1] & 0x7f;

	for (uint8_t i = 0; i < rw->n && i < TZ_DP_PT_REWRITE_MAX; i++)
		if (rw->from[i] == pt) {
			rtp[1] = (uint8_t)((rtp[1] & 0x80) | (rw->to[i] & 0x7f));
			return;
		}
}

/* Write @p ssrc into an RTP header (at least 12 bytes: fp_strip checked). */
static inline void fp_ssrc_rewrite(uint8_t *rtp, uint32_t ssrc)
{
	rtp[8] = (uint8_t)(ssrc >> 24);
	rtp[9] = (uint8_t)(ssrc >> 16);
	rtp[10] = (uint8_t)(ssrc >> 8);
	rtp[11] = (uint8_t)ssrc;
}

/* Strip Ethernet/IP/UDP so the data starts at the RTP header; the UDP
 * length, not the frame, bounds the payload (Ethernet padding). */
static inline int fp_strip(struct rte_mbuf *m, uint16_t hdr_len)
{
	const struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *,
							hdr_len - sizeof(struct rte_udp_hdr));
	uint16_t plen = rte_be_to_cpu_16(udp->dgram_len) - sizeof(struct rte_udp_hdr);

	if (rte_pktmbuf_adj(m, hdr_len) == NULL)
		return -1;
	if (rte_pktmbuf_pkt_len(m) > plen)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - plen);
	return 0;
}

/*
 * Incremental UDP checksum (RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m')) for a
 * relayed datagram whose payload is unchanged: only the pseudo-header
 * addresses, the ports and the RTP header's first word (a payload type
 * rewrite) differ between what came in and what goes out.  The protocol
 * and the UDP length enter both sums alike, and IPv4 and IPv6
 * pseudo-headers sum the same way (addresses + length + 17), so a packet
 * may change family.  A received checksum of 0 ("none", RFC 768) cannot be
 * updated: FP_CK_NONE, and the full sum is computed.  One's-complement sums
 * do not depend on byte order (RFC 1071 §2(B)): words are summed as stored.
 */
#define FP_CK_NONE UINT32_MAX

static inline uint16_t fp_ck_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)((sum & 0xffff) + (sum >> 16));
}

/* ~HC + ~m of a received frame (headers still on, @p hdr_len long): the
 * part of the update that the egress completes with m'; FP_CK_NONE when it
 * carried no checksum. */
static inline uint32_t fp_ck_rx_part(const struct rte_mbuf *m, uint16_t hdr_len)
{
	const struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *,
							hdr_len - sizeof(struct rte_udp_hdr));
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, RTE_ETHER_HDR_LEN);
	uint32_t sum;

	if (udp->dgram_cksum == 0)
		return FP_CK_NONE;
	if (hdr_len == FP_ETH_IP4_UDP)
		sum = __rte_raw_cksum(l3 + offsetof(struct rte_ipv4_hdr, src_addr), 8, 0);
	else
		sum = __rte_raw_cksum(l3 + offsetof(struct rte_ipv6_hdr, src_addr), 32, 0);
	sum = __rte_raw_cksum(udp, 4, sum);                  /* the ports */
	sum = __rte_raw_cksum(udp + 1, 2, sum);              /* RTP: V P X CC M PT */
	return (uint16_t)~udp->dgram_cksum + (uint16_t)~fp_ck_fold(sum);
}

/* Complete an update begun by fp_ck_rx_part() with the new headers (the
 * payload, RTP first, follows @p udp).  0 is sent as 0xffff (RFC 768). */
static inline uint16_t fp_ck_tx(uint32_t rx_part, const void *addrs, uint32_t addr_len,
				const struct rte_udp_hdr *udp)
{
	uint32_t sum = __rte_raw_cksum(addrs, addr_len, 0);
	uint16_t ck;

	sum = __rte_raw_cksum(udp, 4, sum);
	sum = __rte_raw_cksum(udp + 1, 2, sum);
	ck = (uint16_t)~fp_ck_fold(rx_part + fp_ck_fold(sum));
	return ck == 0 ? 0xffff : ck;
}

/* The IPv4 header checksum of a 20-byte header (IHL 5, what the egress
 * writes) whose checksum field is 0: the same as rte_ipv4_cksum(), as five
 * 32-bit words summed into 64 bits and folded (RFC 1071 §4.1: a wider
 * accumulator sums the 16-bit words all the same) instead of ten 16-bit
 * adds in a loop; unaligned loads through memcpy (the header follows the
 * 14-byte Ethernet header). */
static inline uint16_t fp_ip4_hdr_cksum(const struct rte_ipv4_hdr *ip)
{
	uint32_t w[5];
	uint64_t sum;

	memcpy(w, ip, sizeof(w));
	sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	sum = (sum & 0xffffffff) + (sum >> 32);     /* <= 5 (2^32 - 1): one fold fits 32 bits */
	return (uint16_t)~fp_ck_fold((uint32_t)sum);
}

/* The UDP checksum of an IPv4 packet per the egress port's TZ_DP_TX_*
 * flags: none (0, RFC 768: "all zero ... means the transmitter generated no
 * checksum"), the NIC's (it wants the pseudo-header sum in the field and
 * the header lengths in the mbuf), or computed here over the whole datagram
 * (a 0 result is sent as 0xffff, as rte_ipv4_udptcp_cksum does). */
static inline void fp_udp4_cksum(struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
				 struct rte_udp_hdr *udp, uint8_t tx, uint32_t rx_part)
{
	if (tx & TZ_DP_TX_IP4_OFFLOAD) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	} else {
		ip->hdr_checksum = fp_ip4_hdr_cksum(ip);
		if (tx & TZ_DP_TX_UDP_OFFLOAD)
			m->ol_flags |= RTE_MBUF_F_TX_IPV4;
	}
	if (tx & TZ_DP_TX_UDP_OFFLOAD) {
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else if (tx & TZ_DP_TX_UDP_ZERO4) {
		return;
	} else if (rx_part != FP_CK_NONE) {
		udp->dgram_cksum = fp_ck_tx(rx_part, &ip->src_addr, 8, udp);
	} else {
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	}
}

/* IPv6 UDP always carries a checksum (RFC 8200 section 8.1): the NIC's or ours. */
static inline void fp_udp6_cksum(struct rte_mbuf *m, struct rte_ipv6_hdr *ip,
				 struct rte_udp_hdr *udp, uint8_t tx, uint32_t rx_part)
{
	if (tx & TZ_DP_TX_UDP_OFFLOAD) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv6_phdr_cksum(ip, m->ol_flags);
	} else if (rx_part != FP_CK_NONE) {
		udp->dgram_cksum = fp_ck_tx(rx_part, ip->src_addr, 32, udp);
	} else {
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	}
}

/* Put the egress Ethernet/IP/UDP headers in front of an RTP/RTCP payload;
 * checksums per the egress port's TZ_DP_TX_* flags @p tx; @p rx_part: the
 * received checksum's part of an incremental update (fp_ck_rx_part(), the
 * payload unchanged since), or FP_CK_NONE for a full sum. */
static inline int fp_push_headers(struct rte_mbuf *m, const struct tz_dp_egress *e, bool rtcp,
				  uint8_t tx, uint32_t rx_part)
{
	uint16_t new_len = e->family == AF_INET ? FP_ETH_IP4_UDP : FP_ETH_IP6_UDP;
	uint16_t plen = (uint16_t)rte_pktmbuf_pkt_len(m);
	uint16_t dst_port = rtcp ? e->dst_rtcp_port : e->dst_port;
	uint16_t src_port = e->src_port + (rtcp && e->dst_rtcp_port != e->dst_port);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, new_len);
	struct rte_udp_hdr *udp;

	if (eth == NULL)
		return -1;
	/* what the receive side left in the mbuf must not ask the NIC for anything */
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
	m->l2_len = RTE_ETHER_HDR_LEN;
	rte_ether_addr_copy(&e->dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&e->src_mac, &eth->src_addr);
	if (e->family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		*ip = (struct rte_ipv4_hdr){
			.version_ihl = 0x45,
			.type_of_service = 0xb8,   /* DSCP EF: voice (RFC 4594) */
			.total_length = rte_cpu_to_be_16(plen + 28),
			.fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG),
			.time_to_live = 64,
			.next_proto_id = IPPROTO_UDP,
		};
		memcpy(&ip->src_addr, e->src, 4);
		memcpy(&ip->dst_addr, e->dst, 4);
		m->l3_len = sizeof(*ip);
		udp = (struct rte_udp_hdr *)(ip + 1);
		*udp = (struct rte_udp_hdr){ rte_cpu_to_be_16(src_port), rte_cpu_to_be_16(dst_port),
					     rte_cpu_to_be_16(plen + 8), 0 };
		fp_udp4_cksum(m, ip, udp, tx, rx_part);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = rte_cpu_to_be_32(0x60000000 | (0xb8u << 20));
		ip->payload_len = rte_cpu_to_be_16(plen + 8);
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, e->src, 16);
		memcpy(ip->dst_addr, e->dst, 16);
		m->l3_len = sizeof(*ip);
		udp = (struct rte_udp_hdr *)(ip + 1);
		*udp = (struct rte_udp_hdr){ rte_cpu_to_be_16(src_port), rte_cpu_to_be_16(dst_port),
					     rte_cpu_to_be_16(plen + 8), 0 };
		fp_udp6_cksum(m, ip, udp, tx, rx_part);
	}
	return 0;
}

#endif /* TZ_FASTPATH_PVT_H */
