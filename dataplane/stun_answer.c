/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICE consent checks answered by the worker (tz_stun.h, stun_pvt.h): find
 * the flow of the packet's 5-tuple, check the request (stun_msg.c) and turn
 * the mbuf around into the response, headers swapped, checksums in
 * software.  Anything not answered goes to libnice as before.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "fastpath_pvt.h"
#include "stun_pvt.h"
#include "tz_counters.h"
#include "tz_stun.h"

/* Swap the addresses and ports of the request's headers and set the
 * lengths and checksums for a payload of @p plen bytes. */
static void turn_around(struct rte_mbuf *m, uint16_t hlen, size_t plen)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *,
						hlen - sizeof(struct rte_udp_hdr));
	struct rte_ether_addr mac = eth->src_addr;
	uint16_t port = udp->src_port;

	eth->src_addr = eth->dst_addr;
	eth->dst_addr = mac;
	udp->src_port = udp->dst_port;
	udp->dst_port = port;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + plen));
	udp->dgram_cksum = 0;
	if (hlen == FP_ETH_IP4_UDP) {
		struct rte_ipv4_hdr *ip = (void *)(eth + 1);
		rte_be32_t a = ip->src_addr;

		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + plen));
		ip->time_to_live = 64;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	} else {
		struct rte_ipv6_hdr *ip = (void *)(eth + 1);
		uint8_t a[16];

		memcpy(a, ip->src_addr, 16);
		memcpy(ip->src_addr, ip->dst_addr, 16);
		memcpy(ip->dst_addr, a, 16);
		ip->payload_len = udp->dgram_len;
		ip->hop_limits = 64;
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	}
	m->data_len = (uint16_t)(hlen + plen);
	m->pkt_len = m->data_len;
	m->ol_flags = 0;
}

static enum tz_stun_action count(uint64_t *cnt, enum tz_stun_verdict v)
{
	switch (v) {
	case TZ_STUN_BAD_AUTH:
		cnt[TZ_PC_STUN_BAD_AUTH]++;
		return TZ_STUN_ACT_DROP;
	case TZ_STUN_PUNT_USER:
		cnt[TZ_PC_STUN_OTHER_USER]++;
		break;
	case TZ_STUN_PUNT_MALFORMED:
		cnt[TZ_PC_STUN_MALFORMED]++;
		break;
	default:
		break;
	}
	return TZ_STUN_ACT_PUNT;
}

enum tz_stun_action tz_dp_stun_try(const struct tz_dp_sessions *s, const struct tz_dp_rxq *q,
				   struct rte_mbuf *m, uint16_t hlen, struct tz_dp_flow_key *k,
				   uint64_t *cnt)
{
	const struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *,
							hlen - sizeof(struct rte_udp_hdr));
	size_t len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp), olen = 0;
	const struct tz_dp_flow_key *kp = k;
	const struct tz_dp_flow *f = NULL;
	struct tz_dp_flow_state *st;
	uint8_t out[TZ_STUN_RESP_MAX];
	enum tz_stun_verdict v;

	/* fp_classify checked the UDP length against the packet's */
	if (m->nb_segs != 1)
		return TZ_STUN_ACT_PUNT;
	k->remote_port = rte_be_to_cpu_16(udp->src_port);
	k->local_port = rte_be_to_cpu_16(udp->dst_port);
	k->port_idx = q->port_idx;
	k->pad = fp_local_addr(q, m);
	tz_dp_flow_lookup_bulk(s, &kp, 1, &f);
	if (f == NULL || !f->stun.on)
		return TZ_STUN_ACT_PUNT;
	v = tz_dp_stun_answer_buf(&f->stun, (const uint8_t *)(udp + 1), len, k->remote,
				  k->remote_port, out, &olen);
	if (v != TZ_STUN_ANSWER)
		return count(cnt, v);
	if (hlen + olen > rte_pktmbuf_data_len(m) &&
	    hlen + olen - rte_pktmbuf_data_len(m) > rte_pktmbuf_tailroom(m))
		return TZ_STUN_ACT_PUNT;
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, hlen), out, olen);
	turn_around(m, hlen, olen);
	st = tz_dp_flow_state(s, f->slot);
	if (st != NULL)
		__atomic_store_n(&st->consent_n, (uint8_t)(st->consent_n + 1), __ATOMIC_RELAXED);
	cnt[TZ_PC_STUN_ANSWERED]++;
	return TZ_STUN_ACT_TX;
}
