/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTP loss on the way to the gateway (struct tz_dp_rtp_loss, docs/cdr.md),
 * kept by the worker in each flow's state, through the real per-packet
 * path (worker 0 run inline on ring ports):
 *
 * - plain RTP from the SIP side (relayed): gaps, a reordered packet, a
 *   duplicate, the sequence wrapping 65535 -> 0, RTCP (not counted), a new
 *   SSRC, a stream whose duplicates outnumber its gaps (0, never
 *   negative), and a restart of the numbering (RFC 3550 A.1: believed at
 *   the second packet);
 * - SRTP from the browser: the same gaps, reordering and wrap; the
 *   duplicate is a replay the gateway drops, so it hides no loss; a packet
 *   that fails authentication counts for nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <srtp2/srtp.h>

#include "fp_test_srtp.h"
#include "tz_dp.h"
#include "worker_pvt.h"

#define BROWSER "198.51.100.10"
#define GW_WEB "198.51.100.1"
#define PEER "203.0.113.2"
#define GW_SIP "203.0.113.1"

static struct rte_ring *rx[FP_NPORTS], *tx[FP_NPORTS];
static uint16_t pid[FP_NPORTS];
static struct rte_mempool *mp;
static struct tz_dp_sessions *sess;
static struct tz_srtp_engine *eng;
static struct tz_srtp_ctx *ctx_in;
static srtp_t browser;

static const uint8_t master[30] = {
	0x1e, 0x9f, 0xa7, 0xd0, 0xe3, 0x10, 0xb8, 0x0e, 0x6d, 0xf4, 0x3a, 0xc2, 0x60, 0xed, 0x14,
	0x93, 0xe0, 0x6c, 0x57, 0xda, 0x94, 0xa8, 0xef, 0xbe, 0x6b, 0x69, 0xb0, 0xa3, 0xba, 0x6e,
};

static int group_setup(void **state)
{
	struct tz_dp_worker_conf c;

	if (fp_test_dp_setup("rls", &mp, rx, tx, pid, &sess, &eng) != 0)
		return -1;
	ctx_in = fp_test_aes_cm_ctx(eng, TZ_SRTP_DIR_UNPROTECT, master);
	if (ctx_in == NULL || fp_test_browser_srtp(&browser, master, ssrc_any_outbound) != 0)
		return -1;
	fp_test_worker_conf(&c, rte_get_main_lcore(), sess, tz_srtp_engine_qp(eng, 0), pid);
	return tz_dp_inline_start(&c);
}

static int group_teardown(void **state)
{
	tz_dp_inline_stop();
	srtp_dealloc(browser);
	tz_srtp_ctx_destroy(ctx_in);
	fp_test_dp_teardown(sess, eng);
	return 0;
}

/* Run the worker until the wires' rx rings are empty; free what it sent. */
static void run(void)
{
	struct rte_mbuf *m;

	while (rte_ring_count(rx[FP_WIRE0]) + rte_ring_count(rx[FP_WIRE1]) > 0)
		tz_dp_inline_round();
	tz_dp_inline_round();   /* what the ethdev still held */
	for (int p = 0; p < FP_NPORTS; p++)
		while (rte_ring_dequeue(tx[p], (void **)&m) == 0)
			rte_pktmbuf_free(m);
}

static void loss_of(int slot, uint64_t *expected, uint64_t *lost)
{
	tz_dp_rtp_loss_read(&tz_dp_flow_state(sess, (uint32_t)slot)->loss, expected, lost);
}

/* A packet of the SIP side's: RTP (pt < 128) or RTCP (pt 200). */
static void sip_sends(uint16_t seq, uint32_t ssrc, uint8_t pt)
{
	uint8_t buf[172];
	int len = fp_test_rtp(buf, pt == 200 ? 28 : 172, pt, seq, ssrc);

	assert_int_equal(rte_ring_enqueue(rx[FP_WIRE1], fp_test_frame4(mp, PEER, 5004, GW_SIP,
									 30000, buf, (uint16_t)len)), 0);
}

static void test_plain_rtp_from_sip(void **state)
{
	/* SIP side -> browser, relayed as it is (TZ_XF_FORWARD) */
	struct tz_dp_flow f = { .id = 1, .xform = TZ_XF_FORWARD };
	struct tz_dp_flow_key k;
	uint64_t exp, lost;
	int slot;

	fp_test_egress(&f.out, 0, GW_WEB, 20000, BROWSER, 40000, 40000);
	fp_test_key(&k, PEER, 5004, 30000, 1);
	slot = tz_dp_flow_add(sess, &k, &f);
	assert_true(slot >= 0);
	loss_of(slot, &exp, &lost);
	assert_int_equal(exp, 0);
	assert_int_equal(lost, 0);

	/* 65532 lost, 65533 late, the wrap, 0 twice, 1 and 2 lost, RTCP */
	static const uint16_t a[] = { 65530, 65531, 65534, 65533, 65535, 0, 0, 3, 4, 5,
				      6, 7, 8, 9, 10 };
	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		sip_sends(a[i], 0xaaaa0001, 8);
	sip_sends(1, 0xaaaa0001, 200);
	run();
	loss_of(slot, &exp, &lost);
	assert_int_equal(exp, 17);             /* 65530 .. 65535, 0 .. 10 */
	/* 15 received, the duplicate among them: RFC 3550 A.3 says 2 (of the
	 * 3 missing), as every RTCP receiver report of this stream would */
	assert_int_equal(lost, 2);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot)->cnt[TZ_FC_RTCP], 1);

	/* a new SSRC (a transfer): a stream of its own, 1002 lost */
	sip_sends(1000, 0xbbbb0002, 8);
	sip_sends(1001, 0xbbbb0002, 8);
	sip_sends(1003, 0xbbbb0002, 8);
	run();
	loss_of(slot, &exp, &lost);
	assert_int_equal(exp, 17 + 4);
	assert_int_equal(lost, 2 + 1);

	/* duplicates outnumber the gaps: that stream loses 0, not -1, and
	 * takes nothing off the others */
	sip_sends(5, 0xcccc0003, 8);
	sip_sends(5, 0xcccc0003, 8);
	sip_sends(5, 0xcccc0003, 8);
	sip_sends(7, 0xcccc0003, 8);
	run();
	loss_of(slot, &exp, &lost);
	assert_int_equal(exp, 21 + 3);
	assert_int_equal(lost, 3);

	/* the sender restarts its numbering under the same SSRC: the first
	 * packet of the jump is not believed (no 30,000 lost), the second is */
	sip_sends(40000, 0xcccc0003, 8);
	sip_sends(40001, 0xcccc0003, 8);
	sip_sends(40003, 0xcccc0003, 8);
	run();
	loss_of(slot, &exp, &lost);
	assert_int_equal(exp, 24 + 3);         /* 40001 .. 40003 */
	assert_int_equal(lost, 3 + 1);         /* 40002 */

	assert_int_equal(tz_dp_flow_del(sess, &k), 0);
}

/* The browser's SRTP: protected in sequence order, enqueued as @p order
 * says (indexes into the protected packets; -1: a forged one). */
static void browser_sends(const uint16_t *seqs, size_t n, const int *order, size_t n_order)
{
	uint8_t pkt[32][200];
	int len[32];

	assert_true(n <= 32);
	/* libsrtp2's sender starts its index at 0 and steps at most half the
	 * sequence space: take it to the first number in steps, unsent */
	for (uint32_t s = 30000; s < seqs[0]; s += 30000) {
		len[0] = fp_test_rtp(pkt[0], 172, 111, (uint16_t)s, 0x11223344);
		assert_int_equal(srtp_protect(browser, pkt[0], &len[0]), srtp_err_status_ok);
	}
	for (size_t i = 0; i < n; i++) {
		len[i] = fp_test_rtp(pkt[i], 172, 111, seqs[i], 0x11223344);
		assert_int_equal(srtp_protect(browser, pkt[i], &len[i]), srtp_err_status_ok);
	}
	for (size_t i = 0; i < n_order; i++) {
		uint8_t forged[200];
		const uint8_t *p = pkt[order[i] < 0 ? 0 : order[i]];
		int l = len[order[i] < 0 ? 0 : order[i]];

		if (order[i] < 0) {    /* sequence number 11 in the clear, a bad tag */
			memcpy(forged, p, (size_t)l);
			forged[2] = 0;
			forged[3] = 11;
			forged[l - 1] ^= 0xff;
			p = forged;
		}
		assert_int_equal(rte_ring_enqueue(rx[FP_WIRE0], fp_test_frame4(mp, BROWSER, 40000, GW_WEB,
									 20000, p, (uint16_t)l)), 0);
		/* the stream's first packet alone, as 20 ms apart: the indices of
		 * one crypto burst are estimated from the state before it */
		if (i == 0)
			run();
	}
}

static void test_srtp_from_browser(void **state)
{
	struct tz_dp_flow f = { .id = 2, .xform = TZ_XF_UNPROTECT, .srtp = ctx_in, .srtcp = ctx_in };
	struct tz_dp_flow_key k;
	const struct tz_dp_flow_state *st;
	uint64_t exp, lost;
	int slot;
	/* sent: 65532, 1 and 2 never are */
	static const uint16_t seqs[] = { 65530, 65531, 65533, 65534, 65535, 0, 3, 4, 5, 6, 7, 8,
					 9, 10 };
	/* 65534 before 65533, 0 twice (a replay), a forged packet */
	static const int order[] = { 0, 1, 3, 2, 4, 5, 5, -1, 6, 7, 8, 9, 10, 11, 12, 13 };

	fp_test_egress(&f.out, 1, GW_SIP, 30000, PEER, 5004, 5005);
	fp_test_key(&k, BROWSER, 40000, 20000, 0);
	slot = tz_dp_flow_add(sess, &k, &f);
	assert_true(slot >= 0);
	browser_sends(seqs, sizeof(seqs) / sizeof(seqs[0]), order, sizeof(order) / sizeof(order[0]));
	run();
	st = tz_dp_flow_state(sess, (uint32_t)slot);
	assert_int_equal(st->cnt[TZ_FC_PKTS], 14);
	assert_int_equal(st->cnt[TZ_FC_REPLAY], 1);
	assert_int_equal(st->cnt[TZ_FC_AUTH_FAIL], 1);
	loss_of(slot, &exp, &lost);
	assert_int_equal(exp, 17);
	assert_int_equal(lost, 3);             /* 65532, 1, 2: exactly */

	assert_int_equal(tz_dp_flow_del(sess, &k), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_rtp_from_sip),
		cmocka_unit_test(test_srtp_from_browser),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
