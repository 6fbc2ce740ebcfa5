/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The punt policer, through the worker on ring ethdevs: one source floods a
 * media port with STUN-, DTLS-looking, unknown and session-less RTP packets;
 * another source's STUN and DTLS, sent in the middle of the flood, all reach
 * the kernel (the TAP ring), the flood mostly does not, and the drops are
 * counted by reason.  A flood from ever-new (spoofed) sources is held by the
 * worker-wide rate.  Before the policer every flood packet went to the TAP.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "fp_test.h"
#include "tz_dp.h"
#include "tz_session.h"

enum { WEB, KWEB, NPORTS };
static struct rte_ring *rx[NPORTS], *tx[NPORTS];
static uint16_t pid[NPORTS];
static struct rte_mempool *mp;
static struct tz_dp_sessions *sess;

#define FLOOD 16000             /* packets from the flooder, 4 kinds in turn */
#define GOOD_STUN 40
#define GOOD_DTLS 8
#define RATE 1000               /* limits.punt_pps_per_source in the test */
#define BURST 100

static int group_setup(void **state)
{
	mp = fp_test_eal("tz_test_punt");
	if (mp == NULL || fp_test_ring_ports(mp, "pun", NPORTS, rx, tx, pid) != 0)
		return -1;
	sess = tz_dp_sessions_create("pun_sessions", 16, 1, 0);
	return sess == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	tz_dp_sessions_free(sess);
	rte_eal_cleanup();
	return 0;
}

static void start_worker(uint32_t pps, uint32_t burst, uint32_t total)
{
	struct tz_dp_worker_conf c = { .lcore = 1, .index = 0, .sessions = sess, .n_ports = 1,
				       .punt_pps = pps, .punt_burst = burst, .punt_pps_total = total };

	c.wire_port[0] = pid[WEB];
	c.tap_port[0] = pid[KWEB];
	c.rxq[c.n_rxq++] = (struct tz_dp_rxq){ .port = pid[WEB], .tx_port = pid[KWEB], .port_idx = 0,
					       .media_first = 20000, .media_last = 29999 };
	assert_int_equal(tz_dp_start(&c, 1), 0);
}

/* A packet of kind @p kind (0 STUN, 1 DTLS, 2 unknown, 3 RTP) to a media port. */
static struct rte_mbuf *probe(const char *src, int kind)
{
	static const uint8_t first[] = { 0x00, 0x16, 0x42, 0x80 };
	uint8_t payload[60] = { first[kind & 3], 0x01, 0x00, 0x28 };

	if ((kind & 3) == 3)
		payload[1] = 0;         /* RTP, PT 0, no session published */
	return fp_test_frame4(mp, src, 40000, "198.51.100.1", 20000, payload, sizeof(payload));
}

/* Count what reached the TAP per source (IPv4 source in the frame). */
struct tally {
	uint32_t good, flood;
};

static void drain_tap(struct tally *t, const char *good)
{
	struct rte_mbuf *m[64];
	uint32_t g;
	unsigned n;

	inet_pton(AF_INET, good, &g);
	while ((n = rte_ring_dequeue_burst(tx[KWEB], (void **)m, 64, NULL)) > 0)
		for (unsigned i = 0; i < n; i++) {
			const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m[i], void *, 14);

			if (ip->src_addr == g)
				t->good++;
			else
				t->flood++;
			rte_pktmbuf_free(m[i]);
		}
}

static void enqueue(struct rte_mbuf *m, struct tally *t, const char *good)
{
	assert_non_null(m);
	while (rte_ring_enqueue(rx[WEB], m) != 0)       /* ring full: let the worker catch up */
		drain_tap(t, good);
	if (rte_mempool_avail_count(mp) < 256)
		drain_tap(t, good);
}

/* Wait (bounded) until the worker has received @p n packets, then collect. */
static void settle(uint64_t n, struct tally *t, const char *good)
{
	uint64_t cnt[TZ_PC_COUNT];

	for (int i = 0; i < 400; i++) {
		tz_dp_port_counters(0, cnt);
		drain_tap(t, good);
		if (cnt[TZ_PC_RX_PKTS] >= n && rte_ring_count(rx[WEB]) == 0)
			break;
		usleep(5000);
	}
	usleep(20000);          /* the last burst's tx */
	drain_tap(t, good);
}

static void test_flooder_does_not_starve_another_source(void **state)
{
	const char *good = "198.51.100.20";
	struct tally t = { 0 };
	uint64_t cnt[TZ_PC_COUNT];
	uint32_t sent_good = 0;

	start_worker(RATE, BURST, 0);
	for (uint32_t i = 0; i < FLOOD; i++) {
		enqueue(probe("198.51.100.66", (int)i), &t, good);
		if (i % (FLOOD / GOOD_STUN) == 7) {
			enqueue(probe(good, 0), &t, good);          /* ICE check */
			sent_good++;
		}
		if (i % (FLOOD / GOOD_DTLS) == 11) {
			enqueue(probe(good, 1), &t, good);          /* DTLS flight */
			sent_good++;
		}
	}
	settle(FLOOD + sent_good, &t, good);
	tz_dp_port_counters(0, cnt);
	tz_dp_stop();
	printf("flood: %u of %u reached the kernel; the other source %u of %u\n", t.flood, FLOOD,
	       t.good, sent_good);
	assert_int_equal(sent_good, GOOD_STUN + GOOD_DTLS);
	assert_int_equal(t.good, sent_good);                    /* nothing of it lost */
	assert_true(t.flood < FLOOD / 2);                       /* the flood was metered */
	assert_int_equal(cnt[TZ_PC_PUNT_DROP_STUN] + cnt[TZ_PC_PUNT_DROP_DTLS] +
			 cnt[TZ_PC_PUNT_DROP_OTHER] + cnt[TZ_PC_PUNT_DROP_NO_SESSION],
			 FLOOD - t.flood);
	assert_true(cnt[TZ_PC_PUNT_DROP_STUN] > 0);
	assert_true(cnt[TZ_PC_PUNT_DROP_DTLS] > 0);
	assert_true(cnt[TZ_PC_PUNT_DROP_OTHER] > 0);
	assert_true(cnt[TZ_PC_PUNT_DROP_NO_SESSION] > 0);
	assert_int_equal(cnt[TZ_PC_PUNT_DROP_WORKER], 0);
	assert_int_equal(cnt[TZ_PC_TO_KERNEL], t.good + t.flood);
}

/* Spoofed sources, each new: the per-source meters all start full, the
 * worker-wide one holds. */
static void test_worker_cap_holds_spoofed_flood(void **state)
{
	struct tally t = { 0 };
	uint64_t cnt[TZ_PC_COUNT];
	char src[32];

	start_worker(RATE, BURST, 500);
	for (uint32_t i = 0; i < FLOOD; i++) {
		snprintf(src, sizeof(src), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		enqueue(probe(src, 0), &t, "192.0.2.1");
	}
	settle(FLOOD, &t, "192.0.2.1");
	tz_dp_port_counters(0, cnt);
	tz_dp_stop();
	printf("spoofed flood: %u of %u reached the kernel\n", t.flood, FLOOD);
	assert_true(t.flood < FLOOD / 2);
	assert_true(cnt[TZ_PC_PUNT_DROP_WORKER] > 0);
	assert_int_equal(cnt[TZ_PC_PUNT_DROP_WORKER] + cnt[TZ_PC_PUNT_DROP_STUN], FLOOD - t.flood);
}

/* Signalling, ARP and the like (not a media port) are never metered. */
static void test_signalling_not_metered(void **state)
{
	uint8_t sip[100] = "OPTIONS sip:gw SIP/2.0\r\n";
	struct tally t = { 0 };
	uint64_t cnt[TZ_PC_COUNT];

	start_worker(RATE, BURST, 2000);
	for (uint32_t i = 0; i < 4 * BURST; i++)
		enqueue(fp_test_frame4(mp, "198.51.100.66", 5060, "198.51.100.1", 5060, sip,
				       sizeof(sip)), &t, "198.51.100.66");
	settle(4 * BURST, &t, "198.51.100.66");
	tz_dp_port_counters(0, cnt);
	tz_dp_stop();
	assert_int_equal(t.good, 4 * BURST);
	assert_int_equal(cnt[TZ_PC_PUNT_DROP_WORKER] + cnt[TZ_PC_PUNT_DROP_OTHER], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flooder_does_not_starve_another_source),
		cmocka_unit_test(test_worker_cap_holds_spoofed_flood),
		cmocka_unit_test(test_signalling_not_metered),
	};

	return cmocka_run_group_tests_name("punt_police", tests, group_setup, group_teardown);
}
