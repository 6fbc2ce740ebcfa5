/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICE consent checks answered by the worker (dataplane/stun_answer.c),
 * through the worker loop on ring ethdevs: a check made by libnice's STUN
 * agent for a flow with credentials comes back on the wire, headers turned
 * around with valid checksums (IPv4 and IPv6), and libnice validates it; the flow's
 * consent count and stun_answered move and the kernel sees nothing.  A
 * wrong password is dropped and counted; another USERNAME, a flow without
 * credentials (ICE not connected) and no flow at all go to the kernel.
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
#include <rte_ring.h>
#include <rte_udp.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include "fp_test.h"
#include "tz_test_stun_pwd.h"
#include "tz_counters.h"
#include "tz_dp.h"
#include "tz_session.h"
#include "tz_stun.h"

enum { WEB, KWEB, NPORTS };
static struct rte_ring *rx[NPORTS], *tx[NPORTS];
static uint16_t pid[NPORTS];
static struct rte_mempool *mp;
static struct tz_dp_sessions *sess;
static int slot;

#define PWD "0123456789abcdefghijklmn"
#define BROWSER "198.51.100.10"
#define GW "198.51.100.1"
#define GW2 "198.51.100.11"     /* the port's media address 1 (media_addresses) */
#define BROWSER6 "2001:db8:10::10"
#define GW6 "2001:db8:10::1"

static void key(struct tz_dp_flow_key *k, uint16_t rport)
{
	fp_test_key(k, BROWSER, rport, 20000, 0);
}

/* The browser's flow (40000, with credentials) and one not yet connected (40001). */
static void publish(void)
{
	struct tz_dp_flow_key k;
	struct tz_dp_flow f = { .id = 7, .worker = 0, .xform = TZ_XF_FORWARD };

	fp_test_egress(&f.out, 0, GW, 20000, "203.0.113.2", 5004, 5004);
	key(&k, 40001);
	assert_true(tz_dp_flow_add(sess, &k, &f) >= 0);
	assert_int_equal(tz_dp_stun_cred_set(&f.stun, "gw01ufrg", "brws", PWD), 0);
	key(&k, 40000);
	slot = tz_dp_flow_add(sess, &k, &f);
	assert_true(slot >= 0);
	k.remote_port = 40006;
	inet_pton(AF_INET6, BROWSER6, k.remote);
	assert_true(tz_dp_flow_add(sess, &k, &f) >= 0);
	key(&k, 40010);                 /* a call on media address 1 */
	k.pad = 1;
	assert_true(tz_dp_flow_add(sess, &k, &f) >= 0);
}

static int group_setup(void **state)
{
	struct tz_dp_worker_conf c = { .lcore = 1, .index = 0, .n_ports = 1 };

	(void)state;
	mp = fp_test_eal("tz_test_stun");
	if (mp == NULL || fp_test_ring_ports(mp, "stn", NPORTS, rx, tx, pid) != 0)
		return -1;
	sess = tz_dp_sessions_create("stun_sessions", 16, 1, 0);
	if (sess == NULL)
		return -1;
	publish();
	c.sessions = sess;
	c.wire_port[0] = pid[WEB];
	c.tap_port[0] = pid[KWEB];
	c.rxq[c.n_rxq++] = (struct tz_dp_rxq){ .port = pid[WEB], .tx_port = pid[KWEB], .port_idx = 0,
					       .media_first = 20000, .media_last = 29999,
					       .n_addr4 = 1 };
	inet_pton(AF_INET, GW2, &c.rxq[0].addr4[0]);
	return tz_dp_start(&c, 1);
}

static int group_teardown(void **state)
{
	(void)state;
	tz_dp_stop();
	tz_dp_sessions_free(sess);
	rte_eal_cleanup();
	return 0;
}

struct check {
	StunAgent agent;
	uint8_t buf[256];
	size_t len;
};

static void make_check(struct check *c, const char *user, const char *pwd)
{
	static const uint16_t known[] = { STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
					  STUN_ATTRIBUTE_FINGERPRINT,
					  STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, 0 };
	StunMessage req;

	stun_agent_init(&c->agent, known, STUN_COMPATIBILITY_RFC5389,
			STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
	c->len = stun_usage_ice_conncheck_create(&c->agent, &req, c->buf, sizeof(c->buf),
						 (const uint8_t *)user, strlen(user),
						 (const uint8_t *)pwd, strlen(pwd), false, true,
						 0x6e7f00ff, 42, NULL,
						 STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
	assert_true(c->len > 20);
}

static void send_check_to(struct check *c, const char *user, const char *pwd, uint16_t sport,
			  const char *gw)
{
	struct rte_mbuf *m;

	make_check(c, user, pwd);
	m = fp_test_frame4(mp, BROWSER, sport, gw, 20000, c->buf, (uint16_t)c->len);
	assert_non_null(m);
	assert_int_equal(rte_ring_enqueue(rx[WEB], m), 0);
}

static void send_check(struct check *c, const char *user, const char *pwd, uint16_t sport)
{
	send_check_to(c, user, pwd, sport, GW);
}

/* The same over IPv6 (no helper in fp_test.c for it). */
static void send_check6(struct check *c, uint16_t sport)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	struct rte_udp_hdr *udp;

	make_check(c, "gw01ufrg:brws", PWD);
	assert_non_null(m);
	eth = (void *)rte_pktmbuf_append(m, (uint16_t)(62 + c->len));
	ip = (void *)(eth + 1);
	udp = (void *)(ip + 1);
	eth->dst_addr = (struct rte_ether_addr){{ 0x02, 0, 0, 0, 0, 0xa }};
	eth->src_addr = (struct rte_ether_addr){{ 0x02, 0, 0, 0, 0, 0x10 }};
	eth->ether_type = htons(RTE_ETHER_TYPE_IPV6);
	*ip = (struct rte_ipv6_hdr){ .vtc_flow = htonl(6u << 28),
				     .payload_len = htons((uint16_t)(8 + c->len)),
				     .proto = IPPROTO_UDP, .hop_limits = 64 };
	inet_pton(AF_INET6, BROWSER6, ip->src_addr);
	inet_pton(AF_INET6, GW6, ip->dst_addr);
	*udp = (struct rte_udp_hdr){ htons(sport), htons(20000), htons((uint16_t)(8 + c->len)), 0 };
	memcpy(udp + 1, c->buf, c->len);
	udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	assert_int_equal(rte_ring_enqueue(rx[WEB], m), 0);
}

static uint64_t counter(enum tz_port_counter c)
{
	uint64_t cnt[TZ_PC_COUNT];

	tz_dp_port_counters(0, cnt);
	return cnt[c];
}

/* Wait until port counter @p c reaches @p want (the worker runs apart). */
static void wait_counter(enum tz_port_counter c, uint64_t want)
{
	for (int i = 0; i < 200 && counter(c) < want; i++)
		usleep(5000);
	assert_int_equal(counter(c), want);
}

static void test_answered_on_the_wire(void **state)
{
	struct check c;
	struct rte_mbuf *m;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	StunMessage resp;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const struct sockaddr_in *sin = (const void *)&ss;
	uint32_t a;
	uint8_t n0 = tz_dp_flow_state(sess, (uint32_t)slot)->consent_n;

	(void)state;
	send_check(&c, "gw01ufrg:brws", PWD, 40000);
	m = fp_test_drain_one(tx[WEB]);
	assert_non_null(m);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	udp = (const void *)(ip + 1);
	inet_pton(AF_INET, GW, &a);
	assert_int_equal(ip->src_addr, a);
	inet_pton(AF_INET, BROWSER, &a);
	assert_int_equal(ip->dst_addr, a);
	assert_int_equal(ntohs(udp->src_port), 20000);
	assert_int_equal(ntohs(udp->dst_port), 40000);
	assert_int_equal(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, udp), 0);
	assert_int_equal(rte_pktmbuf_pkt_len(m), RTE_ETHER_HDR_LEN + ntohs(ip->total_length));
	assert_int_equal(stun_agent_validate(&c.agent, &resp, (const uint8_t *)(udp + 1),
					     ntohs(udp->dgram_len) - sizeof(*udp), give_pwd, PWD),
			 STUN_VALIDATION_SUCCESS);
	assert_int_equal(stun_usage_ice_conncheck_process(&resp, &ss, &sl,
							   STUN_USAGE_ICE_COMPATIBILITY_RFC5245),
			 STUN_USAGE_ICE_RETURN_SUCCESS);
	assert_int_equal(ntohs(sin->sin_port), 40000);
	assert_int_equal(sin->sin_addr.s_addr, a);
	rte_pktmbuf_free(m);
	wait_counter(TZ_PC_STUN_ANSWERED, 1);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot)->consent_n, (uint8_t)(n0 + 1));
	assert_int_equal(rte_ring_count(tx[KWEB]), 0);
}

static void test_wrong_password_dropped(void **state)
{
	struct check c;
	uint64_t b0 = counter(TZ_PC_STUN_BAD_AUTH);

	(void)state;
	send_check(&c, "gw01ufrg:brws", "0123456789abcdefghijklmX", 40000);
	wait_counter(TZ_PC_STUN_BAD_AUTH, b0 + 1);
	assert_int_equal(rte_ring_count(tx[KWEB]), 0);
	assert_int_equal(rte_ring_count(tx[WEB]), 0);
}

/* What the worker does not answer reaches the kernel (libnice) unchanged. */
static void expect_punted(const struct check *c)
{
	struct rte_mbuf *m = fp_test_drain_one(tx[KWEB]);

	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 42 + c->len);
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, const uint8_t *, 42), c->buf, c->len);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_ring_count(tx[WEB]), 0);
}

static void test_not_ours_punted(void **state)
{
	struct check c;
	uint64_t u0 = counter(TZ_PC_STUN_OTHER_USER), a0 = counter(TZ_PC_STUN_ANSWERED);

	(void)state;
	send_check(&c, "gw01ufrg:rstrt", PWD, 40000);          /* another user */
	expect_punted(&c);
	assert_int_equal(counter(TZ_PC_STUN_OTHER_USER), u0 + 1);
	send_check(&c, "gw01ufrg:brws", PWD, 40001);           /* flow without credentials */
	expect_punted(&c);
	send_check(&c, "gw01ufrg:brws", PWD, 40002);           /* no flow */
	expect_punted(&c);
	assert_int_equal(counter(TZ_PC_STUN_ANSWERED), a0);
}

/* A call on the port's media address 1: its check to that address is
 * answered from it; the same check to the port's own address finds no flow
 * (the key's local-address index differs) and goes to the kernel. */
static void test_media_address(void **state)
{
	struct check c;
	struct rte_mbuf *m;
	uint64_t a0 = counter(TZ_PC_STUN_ANSWERED);
	uint32_t a;

	(void)state;
	send_check_to(&c, "gw01ufrg:brws", PWD, 40010, GW2);
	m = fp_test_drain_one(tx[WEB]);
	assert_non_null(m);
	inet_pton(AF_INET, GW2, &a);
	assert_int_equal(rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
						 RTE_ETHER_HDR_LEN)->src_addr, a);
	rte_pktmbuf_free(m);
	wait_counter(TZ_PC_STUN_ANSWERED, a0 + 1);
	send_check(&c, "gw01ufrg:brws", PWD, 40010);
	expect_punted(&c);
	assert_int_equal(counter(TZ_PC_STUN_ANSWERED), a0 + 1);
}

static void test_answered_ipv6(void **state)
{
	struct check c;
	struct rte_mbuf *m;
	const struct rte_ipv6_hdr *ip;
	const struct rte_udp_hdr *udp;
	StunMessage resp;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const struct sockaddr_in6 *sin6 = (const void *)&ss;
	uint8_t a[16];
	uint64_t a0 = counter(TZ_PC_STUN_ANSWERED);

	(void)state;
	send_check6(&c, 40006);
	m = fp_test_drain_one(tx[WEB]);
	assert_non_null(m);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, RTE_ETHER_HDR_LEN);
	udp = (const void *)(ip + 1);
	inet_pton(AF_INET6, GW6, a);
	assert_memory_equal(ip->src_addr, a, 16);
	inet_pton(AF_INET6, BROWSER6, a);
	assert_memory_equal(ip->dst_addr, a, 16);
	assert_int_equal(ntohs(udp->src_port), 20000);
	assert_int_equal(ntohs(udp->dst_port), 40006);
	assert_int_equal(ip->payload_len, udp->dgram_len);
	assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip, udp), 0);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 54 + ntohs(ip->payload_len));
	assert_int_equal(stun_agent_validate(&c.agent, &resp, (const uint8_t *)(udp + 1),
					     ntohs(udp->dgram_len) - sizeof(*udp), give_pwd, PWD),
			 STUN_VALIDATION_SUCCESS);
	assert_int_equal(stun_usage_ice_conncheck_process(&resp, &ss, &sl,
							   STUN_USAGE_ICE_COMPATIBILITY_RFC5245),
			 STUN_USAGE_ICE_RETURN_SUCCESS);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 40006);
	assert_memory_equal(&sin6->sin6_addr, a, 16);
	rte_pktmbuf_free(m);
	wait_counter(TZ_PC_STUN_ANSWERED, a0 + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answered_on_the_wire),
		cmocka_unit_test(test_answered_ipv6),
		cmocka_unit_test(test_wrong_password_dropped),
		cmocka_unit_test(test_not_ours_punted),
		cmocka_unit_test(test_media_address),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
