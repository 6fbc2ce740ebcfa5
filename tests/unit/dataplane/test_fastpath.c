/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's fast path on real DPDK ethdevs built from rte_rings, so the
 * test can inject exact frames and read exactly what leaves each port:
 * media of a published flow is rewritten and sent on the egress port
 * (byte-exact, checksums valid), STUN/DTLS/unknown flows are punted to the
 * kernel side with their reason counted, malformed media is dropped and
 * counted, and flows come and go while traffic runs.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "fp_test.h"
#include "tz_dp.h"
#include "tz_session.h"

enum { A, B, KA, KB, NPORTS };            /* wire A, wire B, their "kernels" */
static struct rte_ring *rx[NPORTS], *tx[NPORTS];
static uint16_t pid[NPORTS];
static struct rte_mempool *mp;
static struct tz_dp_sessions *sess;

static const struct rte_ether_addr mac_gw_b = {{ 0x02, 0, 0, 0, 0, 0xb }};
static const struct rte_ether_addr mac_sip = {{ 0x02, 0, 0, 0, 0, 0x20 }};

static int group_setup(void **state)
{
	mp = fp_test_eal("tz_test_fastpath");
	if (mp == NULL || fp_test_ring_ports(mp, "fp", NPORTS, rx, tx, pid) != 0)
		return -1;
	sess = tz_dp_sessions_create("fp_sessions", 1024, 1, 0);
	return sess == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	tz_dp_sessions_free(sess);
	rte_eal_cleanup();
	return 0;
}

/* The worker; port A's further media address @p extra (or NULL). */
static void start_worker_addr(const char *extra)
{
	struct tz_dp_worker_conf c = { .lcore = 1, .index = 0, .sessions = sess, .n_ports = 2 };

	c.wire_port[0] = pid[A];
	c.wire_port[1] = pid[B];
	c.tap_port[0] = pid[KA];
	c.tap_port[1] = pid[KB];
	c.rxq[c.n_rxq++] = (struct tz_dp_rxq){ .port = pid[A], .tx_port = pid[KA], .port_idx = 0,
					       .media_first = 20000, .media_last = 29999 };
	c.rxq[c.n_rxq++] = (struct tz_dp_rxq){ .port = pid[B], .tx_port = pid[KB], .port_idx = 1,
					       .media_first = 30000, .media_last = 39999 };
	if (extra != NULL) {
		c.rxq[0].n_addr4 = 1;
		inet_pton(AF_INET, extra, &c.rxq[0].addr4[0]);
	}
	assert_int_equal(tz_dp_start(&c, 1), 0);
}

static void start_worker(void)
{
	start_worker_addr(NULL);
}

static struct rte_mbuf *frame4(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			       const uint8_t *payload, uint16_t plen)
{
	return fp_test_frame4(mp, src, sport, dst, dport, payload, plen);
}

static void rtp(uint8_t *buf, uint16_t len, uint8_t pt, uint16_t seq)
{
	memset(buf, 0, len);
	buf[0] = 0x80;
	buf[1] = pt;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	for (uint16_t i = 12; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + seq);
}

static void publish_a_to_b_pt(uint32_t id, uint16_t remote_port, const struct tz_dp_pt_rewrite *pt)
{
	struct tz_dp_flow_key k = { .remote = { [10] = 0xff, [11] = 0xff }, .remote_port = remote_port,
				    .local_port = 20000, .port_idx = 0 };
	struct tz_dp_flow f = { .id = id, .worker = 0, .xform = TZ_XF_FORWARD };

	if (pt != NULL)
		f.pt = *pt;

	inet_pton(AF_INET, "198.51.100.10", &k.remote[12]);
	f.out = (struct tz_dp_egress){ .port_idx = 1, .family = AF_INET, .src_mac = mac_gw_b,
				       .dst_mac = mac_sip, .src_port = 30000, .dst_port = 5004,
				       .dst_rtcp_port = 5005 };
	inet_pton(AF_INET, "203.0.113.1", f.out.src);
	inet_pton(AF_INET, "203.0.113.2", f.out.dst);
	assert_true(tz_dp_flow_add(sess, &k, &f) >= 0);
}

static void publish_a_to_b(uint32_t id, uint16_t remote_port)
{
	publish_a_to_b_pt(id, remote_port, NULL);
}

static void unpublish_a_to_b(uint16_t remote_port)
{
	struct tz_dp_flow_key k = { .remote = { [10] = 0xff, [11] = 0xff }, .remote_port = remote_port,
				    .local_port = 20000, .port_idx = 0 };

	inet_pton(AF_INET, "198.51.100.10", &k.remote[12]);
	assert_int_equal(tz_dp_flow_del(sess, &k), 0);
}

/* Wait until @p n packets left through ring @p r; returns them. */
static unsigned drain(struct rte_ring *r, struct rte_mbuf **out, unsigned n)
{
	unsigned got = 0;

	for (int i = 0; i < 200 && got < n; i++) {
		got += rte_ring_dequeue_burst(r, (void **)out + got, n - got, NULL);
		if (got < n)
			usleep(5000);
	}
	return got;
}

static void inject(int port, struct rte_mbuf *m)
{
	assert_int_equal(rte_ring_enqueue(rx[port], m), 0);
}

static void test_rtp_is_rewritten_byte_exact(void **state)
{
	uint8_t pl[172], expect[42 + 172];
	struct rte_mbuf *m, *out;
	struct rte_ipv4_hdr *ip;
	uint64_t cnt[TZ_PC_COUNT];

	publish_a_to_b(1, 40000);
	start_worker();
	rtp(pl, sizeof(pl), 0, 1);
	inject(A, frame4("198.51.100.10", 40000, "198.51.100.1", 20000, pl, sizeof(pl)));
	assert_int_equal(drain(tx[B], &out, 1), 1);
	tz_dp_port_counters(0, cnt);
	tz_dp_stop();

	/* What a SIP peer must see: gateway core MAC/IP/port to the peer's. */
	m = frame4("203.0.113.1", 30000, "203.0.113.2", 5004, pl, sizeof(pl));
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = mac_sip;
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr = mac_gw_b;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	ip->type_of_service = 0xb8;
	ip->fragment_offset = htons(RTE_IPV4_HDR_DF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	((struct rte_udp_hdr *)(ip + 1))->dgram_cksum = rte_ipv4_udptcp_cksum(ip, ip + 1);
	memcpy(expect, rte_pktmbuf_mtod(m, void *), sizeof(expect));
	rte_pktmbuf_free(m);

	assert_int_equal(rte_pktmbuf_pkt_len(out), sizeof(expect));
	assert_memory_equal(rte_pktmbuf_mtod(out, void *), expect, sizeof(expect));
	ip = rte_pktmbuf_mtod_offset(out, struct rte_ipv4_hdr *, 14);
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, ip + 1), 0);
	assert_int_equal(cnt[TZ_PC_MEDIA_RX], 1);
	rte_pktmbuf_free(out);
	unpublish_a_to_b(40000);
}

/* Dynamic payload types differ between the legs (telephone-event 126 at the
 * browser, 101 at the trunk): the flow rewrites them, keeps the marker bit
 * and leaves every other payload type alone. */
static void test_payload_types_are_mapped(void **state)
{
	const struct tz_dp_pt_rewrite map = { .n = 2, .from = { 126, 111 }, .to = { 101, 96 } };
	static const struct { uint8_t in, out; } cases[] = {
		{ 126, 101 }, { 0x80 | 126, 0x80 | 101 }, { 0, 0 }, { 8, 8 }, { 111, 96 }, { 101, 101 },
	};
	struct rte_mbuf *out[RTE_DIM(cases)];
	uint8_t pl[60];

	publish_a_to_b_pt(7, 40002, &map);
	start_worker();
	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		rtp(pl, sizeof(pl), cases[i].in, (uint16_t)(100 + i));
		inject(A, frame4("198.51.100.10", 40002, "198.51.100.1", 20000, pl, sizeof(pl)));
	}
	assert_int_equal(drain(tx[B], out, RTE_DIM(cases)), RTE_DIM(cases));
	tz_dp_stop();
	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		const uint8_t *r = rte_pktmbuf_mtod_offset(out[i], const uint8_t *, 42);

		assert_int_equal(r[3], 100 + i);               /* order kept */
		assert_int_equal(r[1], cases[i].out);
		rte_pktmbuf_free(out[i]);
	}
	unpublish_a_to_b(40002);
}

static void test_demux_punts_and_drops_with_reasons(void **state)
{
	uint8_t stun[20] = { 0x00, 0x01 }, dtls[30] = { 22, 0xfe, 0xfd }, pl[60], rtcp[32];
	struct rte_mbuf *out[8];
	uint64_t cnt[TZ_PC_COUNT];

	publish_a_to_b(2, 40002);
	start_worker();
	rtp(pl, sizeof(pl), 111, 7);
	rtp(rtcp, sizeof(rtcp), 200, 0);   /* RTCP SR on the mux'd port */
	inject(A, frame4("198.51.100.10", 40002, "198.51.100.1", 20000, stun, sizeof(stun)));
	inject(A, frame4("198.51.100.10", 40002, "198.51.100.1", 20000, dtls, sizeof(dtls)));
	inject(A, frame4("198.51.100.10", 40009, "198.51.100.1", 20000, pl, sizeof(pl)));  /* unknown */
	inject(A, frame4("198.51.100.10", 40002, "198.51.100.1", 8080, pl, sizeof(pl)));   /* not media */
	inject(A, frame4("198.51.100.10", 40002, "198.51.100.1", 20000, pl, 5));           /* truncated */
	inject(A, frame4("198.51.100.10", 40002, "198.51.100.1", 20000, rtcp, sizeof(rtcp)));
	assert_int_equal(drain(tx[KA], out, 4), 4);
	for (int i = 0; i < 4; i++)
		rte_pktmbuf_free(out[i]);
	assert_int_equal(drain(tx[B], out, 1), 1);
	/* RTCP goes to the peer's RTCP port, from the gateway's port + 1. */
	assert_int_equal(ntohs(rte_pktmbuf_mtod_offset(out[0], struct rte_udp_hdr *, 34)->dst_port), 5005);
	assert_int_equal(ntohs(rte_pktmbuf_mtod_offset(out[0], struct rte_udp_hdr *, 34)->src_port), 30001);
	rte_pktmbuf_free(out[0]);
	usleep(20000);
	tz_dp_port_counters(0, cnt);
	tz_dp_stop();
	assert_int_equal(cnt[TZ_PC_RX_PKTS], 6);
	assert_int_equal(cnt[TZ_PC_PUNT_STUN], 1);
	assert_int_equal(cnt[TZ_PC_PUNT_DTLS], 1);
	assert_int_equal(cnt[TZ_PC_NO_SESSION], 1);
	assert_int_equal(cnt[TZ_PC_PUNT_OTHER], 1);
	assert_int_equal(cnt[TZ_PC_MALFORMED], 1);
	assert_int_equal(cnt[TZ_PC_MEDIA_RX], 1);
	assert_int_equal(cnt[TZ_PC_TO_KERNEL], 4);
	unpublish_a_to_b(40002);
}

/* Flows published and removed while packets stream: every packet is either
 * forwarded or punted, none lost or double-freed, the worker keeps going. */
/* Two media addresses on port A (198.51.100.1, index 0, and .11, index
 * 1): one browser at the same source to the same local port on each is
 * two calls, keyed apart by the key's local-address index (index 0 by the
 * direct index, 1 by the hash), each sent on from its own core address. */
static void test_two_local_addresses(void **state)
{
	uint8_t pl[100];
	struct rte_mbuf *out;
	struct tz_dp_flow_key k[2];
	const char *src[2] = { "203.0.113.1", "203.0.113.11" };
	const char *dst[2] = { "198.51.100.1", "198.51.100.11" };

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct tz_dp_flow f = { .id = 7 + (uint32_t)i, .xform = TZ_XF_FORWARD };

		k[i] = (struct tz_dp_flow_key){ .remote = { [10] = 0xff, [11] = 0xff },
						.remote_port = 40000, .local_port = 20000,
						.port_idx = 0, .pad = (uint16_t)i };
		inet_pton(AF_INET, "198.51.100.10", &k[i].remote[12]);
		f.out = (struct tz_dp_egress){ .port_idx = 1, .family = AF_INET, .src_mac = mac_gw_b,
					       .dst_mac = mac_sip, .src_port = 30000,
					       .dst_port = 5004, .dst_rtcp_port = 5005 };
		inet_pton(AF_INET, src[i], f.out.src);
		inet_pton(AF_INET, "203.0.113.2", f.out.dst);
		assert_true(tz_dp_flow_add(sess, &k[i], &f) >= 0);
	}
	start_worker_addr("198.51.100.11");
	for (int i = 1; i >= 0; i--) {
		struct in_addr want;

		rtp(pl, sizeof(pl), 0, (uint16_t)(10 + i));
		inject(A, frame4("198.51.100.10", 40000, dst[i], 20000, pl, sizeof(pl)));
		assert_int_equal(drain(tx[B], &out, 1), 1);
		inet_pton(AF_INET, src[i], &want);
		assert_memory_equal(&rte_pktmbuf_mtod_offset(out, struct rte_ipv4_hdr *, 14)->src_addr,
				    &want, 4);
		rte_pktmbuf_free(out);
	}
	tz_dp_stop();
	for (int i = 0; i < 2; i++)
		assert_int_equal(tz_dp_flow_del(sess, &k[i]), 0);
}

/* Take what the worker sent on to B and to the kernel so far. */
static void count_out(unsigned *fwd, unsigned *punted)
{
	struct rte_mbuf *out[64];
	unsigned n;

	while ((n = rte_ring_dequeue_burst(tx[B], (void **)out, 64, NULL)) > 0) {
		*fwd += n;
		rte_pktmbuf_free_bulk(out, n);
	}
	while ((n = rte_ring_dequeue_burst(tx[KA], (void **)out, 64, NULL)) > 0) {
		*punted += n;
		rte_pktmbuf_free_bulk(out, n);
	}
}

/* Until the worker has handled all @p sent packets (at most 5 s). */
static void wait_out(unsigned sent, unsigned *fwd, unsigned *punted)
{
	for (int i = 0; i < 1000 && *fwd + *punted < sent; i++) {
		usleep(5000);
		count_out(fwd, punted);
	}
}

/*
 * Flows published and withdrawn while packets are in flight: every packet is
 * either forwarded or punted, counted once.  The first round waits for the
 * worker while its flow is up (on a loaded machine the worker may otherwise
 * run only after the last withdrawal), so forwarding is checked too.
 */
static void test_flows_change_under_traffic(void **state)
{
	uint8_t pl[100];
	uint64_t cnt[TZ_PC_COUNT];
	unsigned sent = 0, fwd = 0, punted = 0;

	start_worker();
	rtp(pl, sizeof(pl), 0, 9);
	for (int round = 0; round < 200; round++) {
		if (round % 2 == 0)
			publish_a_to_b(3, 40004);
		for (int i = 0; i < 20; i++, sent++)
			inject(A, frame4("198.51.100.10", 40004, "198.51.100.1", 20000, pl, sizeof(pl)));
		if (round == 0) {
			wait_out(sent, &fwd, &punted);
			assert_int_equal(fwd, 20);
		}
		if (round % 2 == 1)
			unpublish_a_to_b(40004);
		count_out(&fwd, &punted);
	}
	wait_out(sent, &fwd, &punted);
	tz_dp_port_counters(0, cnt);
	tz_dp_stop();
	assert_int_equal(fwd + punted, sent);
	assert_int_equal(cnt[TZ_PC_MEDIA_RX], fwd);
	assert_int_equal(cnt[TZ_PC_NO_SESSION], punted);
	assert_int_equal(tz_dp_flow_count(sess), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtp_is_rewritten_byte_exact),
		cmocka_unit_test(test_payload_types_are_mapped),
		cmocka_unit_test(test_demux_punts_and_drops_with_reasons),
		cmocka_unit_test(test_two_local_addresses),
		cmocka_unit_test(test_flows_change_under_traffic),
	};

	return cmocka_run_group_tests_name("fastpath", tests, group_setup, group_teardown);
}
