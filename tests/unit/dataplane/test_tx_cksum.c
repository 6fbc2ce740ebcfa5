/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UDP checksum of what the worker sends, per the egress port's
 * udp_checksum as the drivers resolve it (tz_port_tx_cksum() against the
 * device's tx_offload_capa): on a port without checksum offload (ring, as
 * af_packet and af_xdp) IPv4 media leaves with checksum 0 by default and a
 * valid one with "compute"; IPv6 always carries a valid one; a port that
 * offloads gets the mbuf flags, header lengths and pseudo-header sum the
 * NIC needs; relayed RTP (payload unchanged, the checksum updated per
 * RFC 1624) leaves with a valid checksum whatever came in.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "fp_test.h"
#include "tz_dp.h"
#include "tz_ports.h"
#include "tz_session.h"

static struct rte_ring *rx[FP_NPORTS], *tx[FP_NPORTS];
static uint16_t pid[FP_NPORTS];
static struct rte_mempool *mp;
static struct tz_dp_sessions *sess;

#define PEER_PORT 40000
#define PLEN 172

static int group_setup(void **state)
{
	mp = fp_test_eal("tz_test_tx_cksum");
	if (mp == NULL || fp_test_ring_ports(mp, "ck", FP_NPORTS, rx, tx, pid) != 0)
		return -1;
	sess = tz_dp_sessions_create("ck_sessions", 64, 1, 0);
	return sess == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	tz_dp_sessions_free(sess);
	rte_eal_cleanup();
	return 0;
}

/* The TZ_DP_TX_* flags the daemon would give a ring port with @p mode. */
static uint8_t ring_flags(enum tz_cfg_udp_cksum mode)
{
	struct rte_eth_dev_info info;
	uint64_t off;
	uint8_t flags;

	assert_int_equal(rte_eth_dev_info_get(pid[FP_WIRE1], &info), 0);
	assert_non_null(tz_port_tx_cksum(mode, info.tx_offload_capa, &flags, &off));
	return flags;
}

/* Wire 0 -> wire 1, plain RTP relayed (TZ_XF_FORWARD), to IPv4 or IPv6. */
static void publish(int family, const struct tz_dp_pt_rewrite *pt)
{
	struct tz_dp_flow_key k;
	struct tz_dp_flow f = { .id = 1, .xform = TZ_XF_FORWARD };

	fp_test_key(&k, "198.51.100.10", PEER_PORT, 20000, 0);
	fp_test_egress(&f.out, 1, "203.0.113.1", 30000, "203.0.113.2", 5004, 5004);
	if (family == AF_INET6) {
		f.out.family = AF_INET6;
		inet_pton(AF_INET6, "2001:db8:113::1", f.out.src);
		inet_pton(AF_INET6, "2001:db8:113::2", f.out.dst);
	}
	if (pt != NULL)
		f.pt = *pt;
	assert_true(tz_dp_flow_add(sess, &k, &f) >= 0);
}

static void unpublish(void)
{
	struct tz_dp_flow_key k;

	fp_test_key(&k, "198.51.100.10", PEER_PORT, 20000, 0);
	assert_int_equal(tz_dp_flow_del(sess, &k), 0);
}

/* Run @p n RTP packets (seq 1.., payload type @p pt) from the browser side
 * through a worker with port flags @p flags; what left on wire 1 into @p out.
 * With @p with_cksum the packets come with a valid UDP checksum, else 0. */
static void relay(uint8_t flags, int family, const struct tz_dp_pt_rewrite *map, uint8_t pt,
		  bool with_cksum, struct rte_mbuf **out, unsigned n)
{
	uint8_t pl[PLEN];

	publish(family, map);
	assert_int_equal(fp_test_start_worker_tx(sess, NULL, pid, (const uint8_t[2]){ 0, flags }), 0);
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m;
		struct rte_ipv4_hdr *ip;

		fp_test_rtp(pl, PLEN, pt, (uint16_t)(1 + i), 0x1234);
		m = fp_test_frame4(mp, "198.51.100.10", PEER_PORT, "198.51.100.1", 20000, pl, PLEN);
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
		if (with_cksum)
			((struct rte_udp_hdr *)(ip + 1))->dgram_cksum = rte_ipv4_udptcp_cksum(ip, ip + 1);
		assert_int_equal(rte_ring_enqueue(rx[FP_WIRE0], m), 0);
	}
	for (unsigned i = 0; i < n; i++) {
		out[i] = fp_test_drain_one(tx[FP_WIRE1]);
		assert_non_null(out[i]);
	}
	tz_dp_stop();
	unpublish();
}

static struct rte_ipv4_hdr *ip4(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
}

static struct rte_udp_hdr *udp4(struct rte_mbuf *m)
{
	return (struct rte_udp_hdr *)(ip4(m) + 1);
}

static struct rte_ipv6_hdr *ip6(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, RTE_ETHER_HDR_LEN);
}

static struct rte_udp_hdr *udp6(struct rte_mbuf *m)
{
	return (struct rte_udp_hdr *)(ip6(m) + 1);
}

/* The default (auto) on a port without offload: IPv4 UDP checksum 0, the
 * IPv4 header checksum valid, nothing asked of the NIC. */
static void test_ipv4_udp_checksum_is_zero_by_default(void **state)
{
	struct rte_mbuf *out;

	relay(ring_flags(TZ_CKSUM_AUTO), AF_INET, NULL, 0, true, &out, 1);
	assert_int_equal(udp4(out)->dgram_cksum, 0);
	assert_int_equal(rte_ipv4_cksum(ip4(out)), 0);          /* header sum valid */
	assert_int_equal(out->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, 0);
	rte_pktmbuf_free(out);
}

/* udp_checksum: compute: a valid UDP checksum, whether the packet came with
 * one (updated, RFC 1624) or without (computed over it all). */
static void test_ipv4_udp_checksum_computed_on_request(void **state)
{
	struct rte_mbuf *out[2];

	relay(ring_flags(TZ_CKSUM_COMPUTE), AF_INET, NULL, 0, true, &out[0], 1);
	relay(ring_flags(TZ_CKSUM_COMPUTE), AF_INET, NULL, 0, false, &out[1], 1);
	for (int i = 0; i < 2; i++) {
		assert_int_not_equal(udp4(out[i])->dgram_cksum, 0);
		assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip4(out[i]), udp4(out[i])), 0);
		assert_int_equal(rte_ipv4_cksum(ip4(out[i])), 0);
		rte_pktmbuf_free(out[i]);
	}
}

/* IPv6 UDP must carry a checksum (RFC 8200 section 8.1): with the default
 * (zero for IPv4) and with compute, from a packet with and without one. */
static void test_ipv6_udp_checksum_always_valid(void **state)
{
	static const enum tz_cfg_udp_cksum modes[] = { TZ_CKSUM_AUTO, TZ_CKSUM_ZERO, TZ_CKSUM_COMPUTE };

	for (unsigned i = 0; i < RTE_DIM(modes); i++)
		for (int with = 0; with < 2; with++) {
			struct rte_mbuf *out;

			relay(ring_flags(modes[i]), AF_INET6, NULL, 0, with, &out, 1);
			assert_int_equal(rte_pktmbuf_mtod(out, struct rte_ether_hdr *)->ether_type,
					 htons(RTE_ETHER_TYPE_IPV6));
			assert_int_not_equal(udp6(out)->dgram_cksum, 0);
			assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip6(out), udp6(out)), 0);
			rte_pktmbuf_free(out);
		}
}

/* A port whose device reports UDP and IPv4 checksum offload (as a NIC does;
 * the flags resolved from that capability): the mbuf asks the NIC for both,
 * with the header lengths and the pseudo-header sum it starts from. */
static void test_offload_flags_when_the_port_can(void **state)
{
	const uint64_t capa = RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	uint8_t flags;
	uint64_t off;
	struct rte_mbuf *out;

	assert_string_equal(tz_port_tx_cksum(TZ_CKSUM_AUTO, capa, &flags, &off), "offload");
	relay(flags, AF_INET, NULL, 0, true, &out, 1);
	assert_int_equal(out->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK,
			 RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM);
	assert_int_equal(out->l2_len, RTE_ETHER_HDR_LEN);
	assert_int_equal(out->l3_len, sizeof(struct rte_ipv4_hdr));
	assert_int_equal(ip4(out)->hdr_checksum, 0);
	assert_int_equal(udp4(out)->dgram_cksum, rte_ipv4_phdr_cksum(ip4(out), out->ol_flags));
	rte_pktmbuf_free(out);

	relay(flags, AF_INET6, NULL, 0, true, &out, 1);
	assert_int_equal(out->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK,
			 RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM);
	assert_int_equal(out->l2_len, RTE_ETHER_HDR_LEN);
	assert_int_equal(out->l3_len, sizeof(struct rte_ipv6_hdr));
	assert_int_equal(udp6(out)->dgram_cksum, rte_ipv6_phdr_cksum(ip6(out), out->ol_flags));
	rte_pktmbuf_free(out);
}

/* Relayed RTP whose payload type is mapped (the one payload word that
 * changes) keeps a valid checksum: many packets, so the sums cover carries
 * and the 0xffff case; IPv4 and IPv4 -> IPv6. */
static void test_relayed_rtp_keeps_a_valid_checksum(void **state)
{
	const struct tz_dp_pt_rewrite map = { .n = 1, .from = { 126 }, .to = { 101 } };
	enum { N = 64 };
	struct rte_mbuf *out[N];

	for (int fam = 0; fam < 2; fam++) {
		relay(ring_flags(TZ_CKSUM_COMPUTE), fam ? AF_INET6 : AF_INET, &map, 0x80 | 126, true,
		      out, N);
		for (unsigned i = 0; i < N; i++) {
			const uint8_t *rtp = rte_pktmbuf_mtod_offset(out[i], const uint8_t *,
								     fam ? 62 : 42);

			assert_int_equal(rtp[1], 0x80 | 101);
			if (fam)
				assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip6(out[i]), udp6(out[i])), 0);
			else
				assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip4(out[i]), udp4(out[i])), 0);
			rte_pktmbuf_free(out[i]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp_checksum_is_zero_by_default),
		cmocka_unit_test(test_ipv4_udp_checksum_computed_on_request),
		cmocka_unit_test(test_ipv6_udp_checksum_always_valid),
		cmocka_unit_test(test_offload_flags_when_the_port_can),
		cmocka_unit_test(test_relayed_rtp_keeps_a_valid_checksum),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
