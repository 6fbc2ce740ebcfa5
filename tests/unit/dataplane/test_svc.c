/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The media-services stage with a worker, both run round by round on this
 * thread (worker_pvt.h, svc_pvt.h), ring ethdevs as ports and libsrtp2 as
 * the browser: generated DTMF leaves on the SIP side inside the browser's
 * stream (its SSRC, sequence numbers strictly increasing over audio and
 * events, one timestamp per event, three end packets); a diverted flow's
 * packets go through the stage and back; ring-full, late and flow-gone
 * drops are counted; a call's strings are cancelled at its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <srtp2/srtp.h>

#include "fp_test_srtp.h"
#include "svc_pvt.h"
#include "tz_dp.h"
#include "tz_rec_tap.h"
#include "tz_session.h"
#include "tz_srtp.h"
#include "tz_svc.h"
#include "worker_pvt.h"

enum { WEB, SIP, KWEB, KSIP, NPORTS };
static struct rte_ring *rx[NPORTS], *tx[NPORTS];
static uint16_t pid[NPORTS];
static struct rte_mempool *mp;
static struct tz_dp_sessions *sess;
static struct tz_srtp_engine *eng;
static struct tz_srtp_ctx *ctx_in;
static srtp_t browser;
static struct tz_rec_tap *tap;          /* the worker's recording tap, or NULL */

#define SSRC 0x11223344u
#define RING 8

static const uint8_t master[30] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
	0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};

static int group_setup(void **state)
{
	if (fp_test_dp_setup("svc", &mp, rx, tx, pid, &sess, &eng) != 0)
		return -1;
	ctx_in = fp_test_aes_cm_ctx(eng, TZ_SRTP_DIR_UNPROTECT, master);
	return ctx_in == NULL ? -1 : fp_test_browser_srtp(&browser, master, ssrc_any_outbound);
}

static int group_teardown(void **state)
{
	srtp_dealloc(browser);
	tz_srtp_ctx_destroy(ctx_in);
	fp_test_dp_teardown(sess, eng);
	return 0;
}

/* Worker 0 inline on both wires, the stage (@p n_cores cores) inline. */
static void start_cores(uint16_t n_cores)
{
	struct tz_dp_worker_conf c;
	struct tz_svc_conf sc = { .n_cores = n_cores, .n_workers = 1, .ring_size = RING,
				  .sessions = sess, .pool = mp };

	fp_test_worker_conf(&c, rte_get_main_lcore(), sess, tz_srtp_engine_qp(eng, 0), pid);
	c.rec = tap;
	assert_int_equal(tz_svc_inline_start(&sc), 0);
	assert_int_equal(tz_svc_n_cores(), n_cores);
	assert_int_equal(tz_dp_inline_start(&c), 0);
}

static void start(void)
{
	start_cores(1);
}

static void stop(void)
{
	tz_dp_inline_stop();
	tz_svc_stop();
	assert_int_equal(tz_svc_n_cores(), 0);
}

/* The browser -> SIP flow (SRTP in, RTP out) with services @p svc on
 * stage core @p core. */
static int add_flow_on(struct tz_dp_flow_key *k, uint16_t rport, uint8_t svc, uint8_t core)
{
	struct tz_dp_flow f = { .id = 3, .xform = TZ_XF_UNPROTECT, .srtp = ctx_in, .srtcp = ctx_in,
				.svc = svc, .svc_core = core, .rec = 1, .rec_dir = TZ_REC_FROM_WEB };

	fp_test_egress(&f.out, 1, "203.0.113.1", 30000, "203.0.113.2", 5004, 5005);
	fp_test_key(k, "198.51.100.10", rport, 20000, 0);
	f.svc_key = *k;
	return tz_dp_flow_add(sess, k, &f);
}

static int add_flow(struct tz_dp_flow_key *k, uint16_t rport, uint8_t svc)
{
	return add_flow_on(k, rport, svc, 0);
}

/* The same towards an SDES-SRTP trunk: re-protected with @p out. */
static int add_rekey_flow(struct tz_dp_flow_key *k, uint16_t rport, struct tz_srtp_ctx *out)
{
	struct tz_dp_flow f = { .id = 4, .xform = TZ_XF_REKEY, .srtp = ctx_in, .srtcp = ctx_in,
				.srtp_out = out, .srtcp_out = out, .svc = TZ_SVC_DTMF };

	fp_test_egress(&f.out, 1, "203.0.113.1", 30000, "203.0.113.2", 5004, 5005);
	fp_test_key(k, "198.51.100.10", rport, 20000, 0);
	f.svc_key = *k;
	return tz_dp_flow_add(sess, k, &f);
}

/* One SRTP packet from the browser: PCMU, 20 ms, timestamp 160 per seq. */
static void browser_send(uint16_t rport, uint16_t seq)
{
	uint8_t buf[300];
	int len = fp_test_rtp(buf, 172, 0, seq, SSRC);

	buf[4] = (uint8_t)((seq * 160u) >> 24);
	buf[5] = (uint8_t)((seq * 160u) >> 16);
	buf[6] = (uint8_t)((seq * 160u) >> 8);
	buf[7] = (uint8_t)(seq * 160u);
	assert_int_equal(srtp_protect(browser, buf, &len), srtp_err_status_ok);
	assert_int_equal(rte_ring_enqueue(rx[WEB], fp_test_frame4(mp, "198.51.100.10", rport,
								   "198.51.100.1", 20000, buf,
								   (uint16_t)len)), 0);
}

/* What the recording tap holds: packets, and how many of them events. */
static unsigned rec_drain(unsigned *events)
{
	struct tz_rec_pkt *p[64];
	unsigned n, got = 0;

	while ((n = tz_rec_tap_drain(tap, p, 64)) > 0) {
		for (unsigned i = 0; i < n; i++)
			*events += (p[i]->data[1] & 0x7f) == 101;
		got += n;
		tz_rec_tap_release(tap, p, n);
	}
	return got;
}

struct out_pkt {
	uint8_t pt, marker, end, event;
	uint16_t seq, dur;
	uint32_t ts, ssrc;
};

/* Everything that left on the SIP side so far, as RTP. */
static unsigned collect(struct out_pkt *o, unsigned n, unsigned max)
{
	struct rte_mbuf *m;

	while (n < max && rte_ring_dequeue(tx[SIP], (void **)&m) == 0) {
		const uint8_t *r = rte_pktmbuf_mtod_offset(m, const uint8_t *, 42);

		o[n] = (struct out_pkt){
			.pt = r[1] & 0x7f, .marker = r[1] >> 7, .seq = (uint16_t)(r[2] << 8 | r[3]),
			.ts = (uint32_t)r[4] << 24 | (uint32_t)r[5] << 16 | (uint32_t)r[6] << 8 | r[7],
			.ssrc = (uint32_t)r[8] << 24 | (uint32_t)r[9] << 16 | (uint32_t)r[10] << 8 | r[11],
		};
		if (o[n].pt == 101) {
			o[n].event = r[12];
			o[n].end = r[13] >> 7;
			o[n].dur = (uint16_t)(r[14] << 8 | r[15]);
		}
		n++;
		rte_pktmbuf_free(m);
	}
	return n;
}

static void test_dtmf_in_the_stream(void **state)
{
	struct tz_svc_dtmf_cmd cmd = { .clock = 8000, .duration_ms = 60, .gap_ms = 40,
				       .ptime_ms = 50, .pt = 101, .n = 3, .digits = "1#9" };
	static const uint8_t codes[] = { 1, 11, 9 };
	uint64_t cnt[TZ_SVC_C_COUNT];
	struct out_pkt o[256];
	struct tz_dp_flow_key k;
	unsigned n = 0, ev = 0, audio = 0, starts = 0;
	uint16_t seq = 1000;
	unsigned recorded = 0, rec_events = 0;
	int slot;

	tap = tz_rec_tap_create(0, 256, 0);
	assert_non_null(tap);
	start();
	slot = add_flow(&k, 40000, TZ_SVC_DTMF);
	assert_true(slot >= 0);
	cmd.key = k;
	cmd.slot = (uint32_t)slot;
	for (int i = 0; i < 5; i++) {           /* the stream runs before the digits */
		browser_send(40000, seq++);
		tz_dp_inline_round();
	}
	assert_int_equal(tz_svc_dtmf_post(0, &cmd), 0);
	/* audio every 2 ms of real time (fast, but the stream's own clock is
	 * what it says) until the three digits are out */
	for (int i = 0; i < 2000; i++) {
		browser_send(40000, seq++);
		tz_dp_inline_round();
		tz_svc_inline_round(0);
		tz_dp_inline_round();
		n = collect(o, n, 256);
		recorded += rec_drain(&rec_events);
		assert_int_equal(tz_svc_counters(0, cnt), 0);
		if (cnt[TZ_SVC_C_DTMF_DIGITS] == 3 && cnt[TZ_SVC_C_SENT] == cnt[TZ_SVC_C_DTMF_PKTS])
			break;
		usleep(2000);
	}
	assert_int_equal(cnt[TZ_SVC_C_DTMF_DIGITS], 3);
	assert_int_equal(cnt[TZ_SVC_C_COMMANDS], 1);
	assert_int_equal(cnt[TZ_SVC_C_INJECTED], cnt[TZ_SVC_C_DTMF_PKTS]);
	assert_int_equal(cnt[TZ_SVC_C_SENT], cnt[TZ_SVC_C_DTMF_PKTS]);
	assert_int_equal(cnt[TZ_SVC_C_NO_FLOW] + cnt[TZ_SVC_C_LATE] + cnt[TZ_SVC_C_INJECT_FULL], 0);
	/* one stream: the browser's SSRC, every number once and in order */
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(o[i].ssrc, SSRC);
		if (i > 0)
			assert_int_equal(o[i].seq, (uint16_t)(o[i - 1].seq + 1));
		if (o[i].pt == 0) {
			audio++;
			continue;
		}
		assert_int_equal(o[i].pt, 101);
		ev++;
		if (o[i].marker) {          /* a new event: its packets follow */
			uint32_t ts = o[i].ts;
			unsigned ends = 0;

			assert_int_equal(o[i].event, codes[starts++]);
			for (unsigned j = i; j < n; j++) {
				if (o[j].pt != 101)
					continue;
				if (j > i && o[j].marker)
					break;
				assert_int_equal(o[j].ts, ts);
				ends += o[j].end;
			}
			assert_int_equal(ends, 3);
		}
	}
	assert_int_equal(starts, 3);
	assert_int_equal(ev, cnt[TZ_SVC_C_DTMF_PKTS]);
	assert_int_equal(audio, seq - 1000);          /* no audio lost */
	/* the recording holds what the PBX got, the events included */
	recorded += rec_drain(&rec_events);
	assert_int_equal(recorded, n);
	assert_int_equal(rec_events, ev);
	assert_int_equal(tap->drops, 0);
	assert_int_equal(o[0].seq, 1000);             /* numbering kept where it stood */

	/* a packet overtaken by the next one keeps its own number ... */
	browser_send(40000, (uint16_t)(seq + 1));
	tz_dp_inline_round();
	browser_send(40000, seq);
	tz_dp_inline_round();
	assert_int_equal(collect(o, 0, 2), 2);
	assert_int_equal(o[1].seq, (uint16_t)(o[0].seq - 1));
	assert_int_equal(o[1].ts, (uint32_t)seq * 160);
	seq += 2;
	/* ... but one overtaken across an injection would land on a number
	 * already sent: dropped, counted */
	browser_send(40000, (uint16_t)(seq + 1));
	tz_dp_inline_round();
	cmd.n = 1;
	assert_int_equal(tz_svc_dtmf_post(0, &cmd), 0);
	for (int i = 0; i < 1000 && rte_ring_count(tx[SIP]) < 2; i++) {
		tz_svc_inline_round(0);
		tz_dp_inline_round();
		usleep(1000);
	}
	browser_send(40000, seq);
	tz_dp_inline_round();
	assert_int_equal(tz_svc_counters(0, cnt), 0);
	assert_int_equal(cnt[TZ_SVC_C_LATE], 1);
	assert_int_equal(collect(o, 0, 8), 2);
	assert_int_equal(o[0].ts, (uint32_t)(seq + 1) * 160);
	assert_int_equal(o[1].pt, 101);
	assert_int_equal(o[1].seq, (uint16_t)(o[0].seq + 1));
	tz_dp_flow_del(sess, &k);
	stop();
	tz_dp_sessions_synchronize(sess);
	rec_drain(&rec_events);
	tz_rec_tap_free(tap);
	tap = NULL;
}

/* A diverted flow: its packets go to the stage and back through the worker,
 * renumbered in order; a full ring and a flow gone are counted. */
static void test_divert_round_trip(void **state)
{
	uint64_t cnt[TZ_SVC_C_COUNT];
	struct out_pkt o[32];
	struct tz_dp_flow_key k;
	unsigned n;

	start();
	assert_true(add_flow(&k, 40002, TZ_SVC_DIVERT) >= 0);
	for (uint16_t s = 5000; s < 5000 + RING + 2; s++)       /* two over the ring */
		browser_send(40002, s);
	tz_dp_inline_round();
	assert_int_equal(rte_ring_count(tx[SIP]), 0);         /* nothing left directly */
	assert_int_equal(tz_svc_counters(0, cnt), 0);
	assert_int_equal(cnt[TZ_SVC_C_ENQUEUED], RING);
	assert_int_equal(cnt[TZ_SVC_C_RING_FULL], 2);
	tz_svc_inline_round(0);
	tz_dp_inline_round();
	n = collect(o, 0, 32);
	assert_int_equal(n, RING);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(o[i].ssrc, SSRC);
		assert_int_equal(o[i].ts, (5000 + i) * 160);
		if (i > 0)
			assert_int_equal(o[i].seq, (uint16_t)(o[i - 1].seq + 1));
	}
	assert_int_equal(tz_svc_counters(0, cnt), 0);
	assert_int_equal(cnt[TZ_SVC_C_DEQUEUED], RING);
	assert_int_equal(cnt[TZ_SVC_C_INJECTED], RING);
	assert_int_equal(cnt[TZ_SVC_C_SENT], RING);

	/* the flow goes while its packets are in the stage: dropped at the inject */
	browser_send(40002, 6000);
	tz_dp_inline_round();
	tz_svc_inline_round(0);
	tz_dp_flow_del(sess, &k);
	tz_dp_inline_round();
	assert_int_equal(tz_svc_counters(0, cnt), 0);
	assert_int_equal(cnt[TZ_SVC_C_NO_FLOW], 1);
	assert_int_equal(rte_ring_count(tx[SIP]), 0);
	stop();
	tz_dp_sessions_synchronize(sess);
}

/* The call ends mid-string: the rest of its digits is dropped, counted. */
static void test_cancel(void **state)
{
	struct tz_svc_dtmf_cmd cmd = { .clock = 8000, .duration_ms = 1000, .gap_ms = 40,
				       .ptime_ms = 50, .pt = 101, .n = 3, .digits = "123" };
	uint64_t cnt[TZ_SVC_C_COUNT];
	struct tz_dp_flow_key k;
	uint64_t pkts;
	int slot;

	start();
	slot = add_flow(&k, 40004, TZ_SVC_DTMF);
	assert_true(slot >= 0);
	cmd.key = k;
	cmd.slot = (uint32_t)slot;
	browser_send(40004, 7000);
	tz_dp_inline_round();
	assert_int_equal(tz_svc_dtmf_post(0, &cmd), 0);
	for (int i = 0; i < 1000; i++) {            /* the first digit has begun */
		tz_svc_inline_round(0);
		assert_int_equal(tz_svc_counters(0, cnt), 0);
		if (cnt[TZ_SVC_C_DTMF_PKTS] > 0)
			break;
		usleep(1000);
	}
	assert_int_equal(tz_svc_dtmf_cancel(0, &k), 0);
	tz_svc_inline_round(0);
	assert_int_equal(tz_svc_counters(0, cnt), 0);
	assert_int_equal(cnt[TZ_SVC_C_DTMF_CANCELLED], 1);
	pkts = cnt[TZ_SVC_C_DTMF_PKTS];
	for (int i = 0; i < 120; i++) {             /* past the next packet's time */
		tz_svc_inline_round(0);
		usleep(1000);
	}
	assert_int_equal(tz_svc_counters(0, cnt), 0);
	assert_int_equal(cnt[TZ_SVC_C_DTMF_PKTS], pkts);
	assert_int_equal(cnt[TZ_SVC_C_DTMF_DIGITS], 0);
	tz_dp_inline_round();
	while (rte_ring_count(tx[SIP]) > 0) {
		struct rte_mbuf *m = NULL;

		assert_int_equal(rte_ring_dequeue(tx[SIP], (void **)&m), 0);
		rte_pktmbuf_free(m);
	}
	tz_dp_flow_del(sess, &k);
	stop();
	tz_dp_sessions_synchronize(sess);
}

/* An SDES-SRTP trunk: the events are protected in the stream's own SRTP
 * state, so the PBX (libsrtp2, with its replay window) accepts every packet,
 * audio and events, in the order sent. */
static void test_dtmf_sdes(void **state)
{
	struct tz_svc_dtmf_cmd cmd = { .clock = 8000, .duration_ms = 60, .gap_ms = 40,
				       .ptime_ms = 50, .pt = 101, .n = 2, .digits = "*0" };
	struct tz_srtp_ctx *out = tz_srtp_ctx_create(eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
						     TZ_SRTP_DIR_PROTECT, master, 16, master + 16, 14);
	uint64_t cnt[TZ_SVC_C_COUNT];
	struct tz_dp_flow_key k;
	unsigned ev = 0, audio = 0, ends = 0;
	srtp_t pbx;
	uint16_t seq = 8000;
	int slot, last_seq = -1;

	assert_int_equal(fp_test_browser_srtp(&pbx, master, ssrc_any_inbound), 0);
	assert_non_null(out);
	start();
	slot = add_rekey_flow(&k, 40006, out);
	assert_true(slot >= 0);
	cmd.key = k;
	cmd.slot = (uint32_t)slot;
	browser_send(40006, seq++);
	tz_dp_inline_round();
	assert_int_equal(tz_svc_dtmf_post(0, &cmd), 0);
	for (int i = 0; i < 2000; i++) {
		struct rte_mbuf *m;

		browser_send(40006, seq++);
		tz_dp_inline_round();
		tz_svc_inline_round(0);
		tz_dp_inline_round();
		while (rte_ring_dequeue(tx[SIP], (void **)&m) == 0) {
			uint8_t buf[300];
			int len = (int)rte_pktmbuf_pkt_len(m) - 42;

			memcpy(buf, rte_pktmbuf_mtod_offset(m, void *, 42), (size_t)len);
			rte_pktmbuf_free(m);
			assert_int_equal(srtp_unprotect(pbx, buf, &len), srtp_err_status_ok);
			assert_int_equal(buf[8] << 24 | buf[9] << 16 | buf[10] << 8 | buf[11], (int)SSRC);
			if (last_seq >= 0)
				assert_int_equal(buf[2] << 8 | buf[3], (uint16_t)(last_seq + 1));
			last_seq = buf[2] << 8 | buf[3];
			if ((buf[1] & 0x7f) == 101) {
				ev++;
				ends += buf[13] >> 7;
			} else {
				audio++;
			}
		}
		assert_int_equal(tz_svc_counters(0, cnt), 0);
		if (cnt[TZ_SVC_C_DTMF_DIGITS] == 2 && cnt[TZ_SVC_C_SENT] == cnt[TZ_SVC_C_DTMF_PKTS])
			break;
		usleep(2000);
	}
	assert_int_equal(cnt[TZ_SVC_C_DTMF_DIGITS], 2);
	assert_int_equal(ev, cnt[TZ_SVC_C_DTMF_PKTS]);
	assert_int_equal(ends, 6);
	assert_int_equal(audio, seq - 8000);
	tz_dp_flow_del(sess, &k);
	stop();
	tz_dp_sessions_synchronize(sess);
	tz_srtp_ctx_destroy(out);
	srtp_dealloc(pbx);
}

/* Two stage cores: a flow served by core 1 uses that core's rings and
 * counters only; digits posted to core 1 go out through the worker. */
static void test_second_core(void **state)
{
	struct tz_svc_dtmf_cmd cmd = { .clock = 8000, .duration_ms = 40, .ptime_ms = 50, .pt = 101,
				       .n = 1, .digits = "8" };
	uint64_t c0[TZ_SVC_C_COUNT], c1[TZ_SVC_C_COUNT];
	struct out_pkt o[32];
	struct tz_dp_flow_key k;
	unsigned n = 0;
	int slot;

	start_cores(2);
	slot = add_flow_on(&k, 40008, TZ_SVC_DIVERT | TZ_SVC_DTMF, 1);
	assert_true(slot >= 0);
	browser_send(40008, 9000);
	browser_send(40008, 9001);
	tz_dp_inline_round();
	tz_svc_inline_round(0);                 /* not its core: nothing there */
	tz_dp_inline_round();
	assert_int_equal(rte_ring_count(tx[SIP]), 0);
	tz_svc_inline_round(1);
	tz_dp_inline_round();
	n = collect(o, 0, 32);
	assert_int_equal(n, 2);
	cmd.key = k;
	cmd.slot = (uint32_t)slot;
	assert_int_equal(tz_svc_dtmf_post(1, &cmd), 0);
	for (int i = 0; i < 1000; i++) {
		tz_svc_inline_round(1);
		tz_dp_inline_round();
		n = collect(o, n, 32);
		assert_int_equal(tz_svc_counters(1, c1), 0);
		if (c1[TZ_SVC_C_DTMF_DIGITS] == 1 && c1[TZ_SVC_C_SENT] == 2 + c1[TZ_SVC_C_DTMF_PKTS])
			break;
		usleep(1000);
	}
	assert_int_equal(tz_svc_counters(0, c0), 0);
	for (int i = 0; i < TZ_SVC_C_COUNT; i++)
		assert_int_equal(c0[i], 0);
	assert_int_equal(c1[TZ_SVC_C_ENQUEUED], 2);
	assert_int_equal(c1[TZ_SVC_C_DEQUEUED], 2);
	assert_int_equal(c1[TZ_SVC_C_DTMF_DIGITS], 1);
	assert_int_equal(n, 2 + c1[TZ_SVC_C_DTMF_PKTS]);
	for (unsigned i = 1; i < n; i++)
		assert_int_equal(o[i].seq, (uint16_t)(o[i - 1].seq + 1));
	tz_dp_flow_del(sess, &k);
	stop();
	tz_dp_sessions_synchronize(sess);
}

/* With the stage off: nothing to post to, and flows without a service pass
 * as before. */
static void test_stage_off(void **state)
{
	struct tz_svc_dtmf_cmd cmd = { .clock = 8000, .duration_ms = 100, .ptime_ms = 50, .pt = 101,
				       .n = 1, .digits = "1" };
	uint64_t cnt[TZ_SVC_C_COUNT];

	assert_int_equal(tz_svc_n_cores(), 0);
	assert_int_equal(tz_svc_dtmf_post(0, &cmd), -ENODEV);
	assert_int_equal(tz_svc_counters(0, cnt), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stage_off),
		cmocka_unit_test(test_dtmf_in_the_stream),
		cmocka_unit_test(test_divert_round_trip),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_dtmf_sdes),
		cmocka_unit_test(test_second_core),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
