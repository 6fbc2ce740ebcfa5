/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The recording tap through the worker on ring ethdevs: a recorded call's
 * plain RTP is copied both ways (after unprotect from the browser, with the
 * SIP side's payload types; before protect towards it, as the SIP side sent
 * it), one copy per forwarded RTP packet, RTCP never; a flow that is not
 * recorded is never copied; a full tap counts drops and forwarding goes on.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <srtp2/srtp.h>

#include "fp_test_srtp.h"
#include "tz_dp.h"
#include "tz_rec_tap.h"
#include "tz_session.h"
#include "tz_srtp.h"

enum { WEB, SIP, KWEB, KSIP, NPORTS };
static struct rte_ring *rx[NPORTS], *tx[NPORTS];
static uint16_t pid[NPORTS];
static struct rte_mempool *mp;
static struct tz_dp_sessions *sess;
static struct tz_srtp_engine *eng;
static struct tz_srtp_ctx *ctx_in, *ctx_out;
static srtp_t browser_tx;

static const uint8_t master[30] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41,
	0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};

static int group_setup(void **state)
{
	if (fp_test_dp_setup("rct", &mp, rx, tx, pid, &sess, &eng) != 0)
		return -1;
	ctx_in = fp_test_aes_cm_ctx(eng, TZ_SRTP_DIR_UNPROTECT, master);
	ctx_out = fp_test_aes_cm_ctx(eng, TZ_SRTP_DIR_PROTECT, master);
	return ctx_in == NULL || ctx_out == NULL
		       ? -1 : fp_test_browser_srtp(&browser_tx, master, ssrc_any_outbound);
}

static int group_teardown(void **state)
{
	srtp_dealloc(browser_tx);
	tz_srtp_ctx_destroy(ctx_in);
	tz_srtp_ctx_destroy(ctx_out);
	fp_test_dp_teardown(sess, eng);
	return 0;
}

static int start_worker(struct tz_rec_tap *tap)
{
	struct tz_dp_worker_conf c;

	fp_test_worker_conf(&c, 1, sess, tz_srtp_engine_qp(eng, 0), pid);
	c.rec = tap;
	return tz_dp_start(&c, 1);
}

/* A bridged call's two flows (browser PT 111 <-> SIP PT 96), recorded in
 * @p slot (0: not); the state slots in @p st. */
static void publish(uint16_t slot, struct tz_dp_flow_key k[2], int st[2])
{
	struct tz_dp_flow f[2] = {
		{ .id = 3, .xform = TZ_XF_UNPROTECT, .srtp = ctx_in, .srtcp = ctx_in, .rec = slot,
		  .rec_dir = TZ_REC_FROM_WEB, .pt = { 1, { 111 }, { 96 } } },
		{ .id = 3, .xform = TZ_XF_PROTECT, .srtp = ctx_out, .srtcp = ctx_out, .rec = slot,
		  .rec_dir = TZ_REC_TO_WEB, .pt = { 1, { 96 }, { 111 } } },
	};

	fp_test_egress(&f[0].out, 1, "203.0.113.1", 30000, "203.0.113.2", 5004, 5004);
	fp_test_egress(&f[1].out, 0, "198.51.100.1", 20000, "198.51.100.10", 40000, 40000);
	fp_test_key(&k[0], "198.51.100.10", 40000, 20000, 0);
	fp_test_key(&k[1], "203.0.113.2", 5004, 30000, 1);
	st[0] = tz_dp_flow_add(sess, &k[0], &f[0]);
	st[1] = tz_dp_flow_add(sess, &k[1], &f[1]);
	assert_true(st[0] >= 0 && st[1] >= 0);
}

/* One RTP packet each way (and the browser's RTCP every 5th); both arrive. */
static void exchange(uint16_t seq, uint8_t *web_plain, uint8_t *sip_plain)
{
	uint8_t buf[300];
	struct rte_mbuf *m;
	int len = fp_test_rtp(web_plain, 172, 111, seq, 0x11223344);

	memcpy(buf, web_plain, (size_t)len);
	assert_int_equal(srtp_protect(browser_tx, buf, &len), srtp_err_status_ok);
	rte_ring_enqueue(rx[WEB], fp_test_frame4(mp, "198.51.100.10", 40000, "198.51.100.1", 20000,
						 buf, (uint16_t)len));
	m = fp_test_drain_one(tx[SIP]);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	if (seq % 5 == 0) {
		len = fp_test_rtp(buf, 28, 200, seq, 0x11223344);
		assert_int_equal(srtp_protect_rtcp(browser_tx, buf, &len), srtp_err_status_ok);
		rte_ring_enqueue(rx[WEB], fp_test_frame4(mp, "198.51.100.10", 40000, "198.51.100.1",
							 20000, buf, (uint16_t)len));
		m = fp_test_drain_one(tx[SIP]);
		assert_non_null(m);
		rte_pktmbuf_free(m);
	}
	fp_test_rtp(sip_plain, 172, 96, seq, 0x55667788);
	rte_ring_enqueue(rx[SIP], fp_test_frame4(mp, "203.0.113.2", 5004, "203.0.113.1", 30000,
						 sip_plain, 172));
	m = fp_test_drain_one(tx[WEB]);
	assert_non_null(m);
	rte_pktmbuf_free(m);
}

static void unpublish(struct tz_dp_flow_key k[2])
{
	tz_dp_flow_del(sess, &k[0]);
	tz_dp_flow_del(sess, &k[1]);
}

static void test_recorded_call_copied_both_ways(void **state)
{
	struct tz_rec_tap *tap = tz_rec_tap_create(0, 256, 0);
	struct tz_dp_flow_key k[2];
	uint8_t web[20][172], sip[20][172];
	struct tz_rec_pkt *p[64];
	unsigned n, got = 0;
	int st[2];

	assert_non_null(tap);
	publish(7, k, st);
	assert_int_equal(start_worker(tap), 0);
	for (uint16_t seq = 1; seq <= 20; seq++)
		exchange(seq, web[seq - 1], sip[seq - 1]);
	tz_dp_stop();
	/* oldest first, alternating: browser -> SIP, then SIP -> browser */
	while ((n = tz_rec_tap_drain(tap, p, 64)) > 0) {
		for (unsigned i = 0; i < n; i++, got++) {
			unsigned seq = got / 2, dir = got % 2;

			assert_int_equal(p[i]->slot, 7);
			assert_int_equal(p[i]->dir, dir);
			assert_int_equal(p[i]->len, 172);
			assert_true(p[i]->tsc != 0);
			if (dir == TZ_REC_FROM_WEB) {
				assert_int_equal(p[i]->data[1] & 0x7f, 96);   /* the SIP side's PT */
				assert_memory_equal(p[i]->data + 2, web[seq] + 2, 170);
			} else {
				assert_memory_equal(p[i]->data, sip[seq], 172);
			}
		}
		tz_rec_tap_release(tap, p, n);
	}
	/* one copy per forwarded RTP packet: the flows' counts less their RTCP */
	assert_int_equal(got, 40);
	assert_int_equal(tap->copied, 40);
	assert_int_equal(tap->drops, 0);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)st[0])->cnt[TZ_FC_PKTS] -
				 tz_dp_flow_state(sess, (uint32_t)st[0])->cnt[TZ_FC_RTCP], 20);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)st[0])->cnt[TZ_FC_RTCP], 4);
	unpublish(k);
	tz_dp_sessions_reclaim_all(sess);
	tz_rec_tap_free(tap);
}

static void test_flow_not_recorded_is_not_copied(void **state)
{
	struct tz_rec_tap *tap = tz_rec_tap_create(0, 64, 0);
	struct tz_dp_flow_key k[2];
	uint8_t web[172], sip[172];
	struct tz_rec_pkt *p[8];
	int st[2];

	assert_non_null(tap);
	publish(0, k, st);
	assert_int_equal(start_worker(tap), 0);
	for (uint16_t seq = 100; seq < 110; seq++)
		exchange(seq, web, sip);
	tz_dp_stop();
	assert_int_equal(tz_rec_tap_drain(tap, p, 8), 0);
	assert_int_equal(tap->copied + tap->drops, 0);
	unpublish(k);
	tz_dp_sessions_reclaim_all(sess);
	tz_rec_tap_free(tap);
}

/* Nobody drains (a stalled disk): the tap fills, the rest is counted as
 * drops of that slot and direction, and every packet is still forwarded. */
static void test_full_tap_drops_and_forwarding_goes_on(void **state)
{
	struct tz_rec_tap *tap = tz_rec_tap_create(0, 64, 0);
	struct tz_dp_flow_key k[2];
	uint8_t web[172], sip[172];
	int st[2];

	assert_non_null(tap);
	publish(9, k, st);
	assert_int_equal(start_worker(tap), 0);
	for (uint16_t seq = 200; seq < 250; seq++)
		exchange(seq, web, sip);        /* asserts each packet got through */
	tz_dp_stop();
	assert_int_equal(tap->copied, 64);
	assert_int_equal(tap->drops, 36);
	assert_int_equal(tap->slot_drops[9][0] + tap->slot_drops[9][1], 36);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)st[1])->cnt[TZ_FC_PKTS], 50);
	unpublish(k);
	tz_dp_sessions_reclaim_all(sess);
	tz_rec_tap_free(tap);
}

/* An SDES-SRTP trunk (TZ_XF_REKEY both ways): the plain RTP between the two
 * keys is what gets recorded, with the SIP side's payload types either way. */
static void test_sdes_trunk_recorded_plain(void **state)
{
	struct tz_rec_tap *tap = tz_rec_tap_create(0, 256, 0);
	struct tz_dp_flow f[2] = {
		{ .id = 4, .xform = TZ_XF_REKEY, .srtp = ctx_in, .srtcp = ctx_in, .srtp_out = ctx_out,
		  .srtcp_out = ctx_out, .rec = 5, .rec_dir = TZ_REC_FROM_WEB,
		  .pt = { 1, { 111 }, { 96 } } },
		{ .id = 4, .xform = TZ_XF_REKEY, .srtp = ctx_in, .srtcp = ctx_in, .srtp_out = ctx_out,
		  .srtcp_out = ctx_out, .rec = 5, .rec_dir = TZ_REC_TO_WEB, .ssrc_out = 0xcafe0002,
		  .pt = { 1, { 96 }, { 111 } } },
	};
	struct tz_dp_flow_key k[2];
	struct tz_rec_pkt *p[64];
	uint8_t plain[2][172], buf[300];
	struct rte_mbuf *m;
	unsigned n;
	int len;

	assert_non_null(tap);
	fp_test_egress(&f[0].out, 1, "203.0.113.1", 30002, "203.0.113.2", 5006, 5006);
	fp_test_egress(&f[1].out, 0, "198.51.100.1", 20002, "198.51.100.10", 40002, 40002);
	fp_test_key(&k[0], "198.51.100.10", 40002, 20002, 0);
	fp_test_key(&k[1], "203.0.113.2", 5006, 30002, 1);
	assert_true(tz_dp_flow_add(sess, &k[0], &f[0]) >= 0);
	assert_true(tz_dp_flow_add(sess, &k[1], &f[1]) >= 0);
	assert_int_equal(start_worker(tap), 0);
	/* both ends protect with the one test key (a session per SSRC in libsrtp2) */
	len = fp_test_rtp(plain[0], 172, 111, 1, 0x0a0a0a0a);
	memcpy(buf, plain[0], 172);
	assert_int_equal(srtp_protect(browser_tx, buf, &len), srtp_err_status_ok);
	rte_ring_enqueue(rx[WEB], fp_test_frame4(mp, "198.51.100.10", 40002, "198.51.100.1", 20002,
						 buf, (uint16_t)len));
	m = fp_test_drain_one(tx[SIP]);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	len = fp_test_rtp(plain[1], 172, 96, 1, 0x0b0b0b0b);
	memcpy(buf, plain[1], 172);
	assert_int_equal(srtp_protect(browser_tx, buf, &len), srtp_err_status_ok);
	rte_ring_enqueue(rx[SIP], fp_test_frame4(mp, "203.0.113.2", 5006, "203.0.113.1", 30002,
						 buf, (uint16_t)len));
	m = fp_test_drain_one(tx[WEB]);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	tz_dp_stop();
	n = tz_rec_tap_drain(tap, p, 64);
	assert_int_equal(n, 2);
	assert_int_equal(p[0]->dir, TZ_REC_FROM_WEB);
	assert_int_equal(p[0]->data[1] & 0x7f, 96);             /* the SIP side's PT */
	assert_memory_equal(p[0]->data + 2, plain[0] + 2, 170);
	assert_int_equal(p[1]->dir, TZ_REC_TO_WEB);
	assert_memory_equal(p[1]->data, plain[1], 172);         /* as the PBX sent it */
	tz_rec_tap_release(tap, p, n);
	tz_dp_flow_del(sess, &k[0]);
	tz_dp_flow_del(sess, &k[1]);
	tz_dp_sessions_reclaim_all(sess);
	tz_rec_tap_free(tap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_call_copied_both_ways),
		cmocka_unit_test(test_flow_not_recorded_is_not_copied),
		cmocka_unit_test(test_full_tap_drops_and_forwarding_goes_on),
		cmocka_unit_test(test_sdes_trunk_recorded_plain),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
