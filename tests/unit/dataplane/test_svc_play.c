/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Announcements and music on hold through the media-services stage
 * (tz_svc_play.h): the stage and a worker run round by round on this
 * thread, ring ethdevs as ports, libsrtp2 as the browser.  A file played
 * into a flow towards the browser leaves protected under the flow's SSRC,
 * one packet per 20 ms of the stage's clock, numbered on from what the far
 * end sent, and decodes to the file's tone; the far end's own packets wait
 * while it plays; a loop goes on until stopped; every end gives the PCM's
 * reference back once.
 */
#include <math.h>
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
#include "tz_media.h"
#include "tz_session.h"
#include "tz_srtp.h"
#include "tz_svc.h"
#include "tz_svc_play.h"
#include "worker_pvt.h"

enum { WEB, SIP, KWEB, KSIP, NPORTS };
static struct rte_ring *rx[NPORTS], *tx[NPORTS];
static uint16_t pid[NPORTS];
static struct rte_mempool *mp;
static struct tz_dp_sessions *sess;
static struct tz_srtp_engine *eng;
static struct tz_srtp_ctx *ctx_out;
static srtp_t browser;

#define SSRC_OUT 0x0badcafeu    /* our SSRC towards the browser (its SDP) */
#define FAR_SSRC 0x51515151u    /* the PBX's */
#define PLAY_SSRC 0x77777777u
#define RATE 8000
#define FILE_MS 400             /* 20 packets */

static int16_t pcm[RATE * FILE_MS / 1000];
static int released;

static const uint8_t master[30] = {
	0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6, 0xe1,
	0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
};

static int group_setup(void **state)
{
	if (fp_test_dp_setup("play", &mp, rx, tx, pid, &sess, &eng) != 0)
		return -1;
	ctx_out = fp_test_aes_cm_ctx(eng, TZ_SRTP_DIR_PROTECT, master);
	tz_media_tone(pcm, RTE_DIM(pcm), RATE, 1000.0, 8000, 0);
	return ctx_out == NULL ? -1 : fp_test_browser_srtp(&browser, master, ssrc_any_inbound);
}

static int group_teardown(void **state)
{
	srtp_dealloc(browser);
	tz_srtp_ctx_destroy(ctx_out);
	fp_test_dp_teardown(sess, eng);
	return 0;
}

static void start(void)
{
	struct tz_dp_worker_conf c;
	struct tz_svc_conf sc = { .n_cores = 1, .n_workers = 1, .ring_size = 64,
				  .sessions = sess, .pool = mp };

	fp_test_worker_conf(&c, rte_get_main_lcore(), sess, tz_srtp_engine_qp(eng, 0), pid);
	assert_int_equal(tz_svc_inline_start(&sc), 0);
	assert_int_equal(tz_dp_inline_start(&c), 0);
	released = 0;
}

static void stop(void)
{
	tz_dp_inline_stop();
	tz_svc_stop();
}

/* The PBX -> browser flow (RTP in, SRTP out under our SSRC), @p svc. */
static int add_flow(struct tz_dp_flow_key *k, uint8_t svc)
{
	struct tz_dp_flow f = { .id = 5, .xform = TZ_XF_PROTECT, .srtp = ctx_out, .srtcp = ctx_out,
				.ssrc_out = SSRC_OUT, .svc = svc };

	fp_test_egress(&f.out, 0, "198.51.100.1", 20000, "198.51.100.10", 40000, 40000);
	fp_test_key(k, "203.0.113.2", 5004, 30000, 1);
	f.svc_key = *k;
	return tz_dp_flow_add(sess, k, &f);
}

static int replace_flow(const struct tz_dp_flow_key *k, uint8_t svc)
{
	struct tz_dp_flow f = { .id = 5, .xform = TZ_XF_PROTECT, .srtp = ctx_out, .srtcp = ctx_out,
				.ssrc_out = SSRC_OUT, .svc = svc, .svc_key = *k };

	fp_test_egress(&f.out, 0, "198.51.100.1", 20000, "198.51.100.10", 40000, 40000);
	return tz_dp_flow_replace(sess, k, k, &f);
}

/* One plain PCMU packet from the PBX. */
static void pbx_send(uint16_t seq)
{
	uint8_t buf[300];
	int len = fp_test_rtp(buf, 172, 0, seq, FAR_SSRC);

	assert_int_equal(rte_ring_enqueue(rx[SIP], fp_test_frame4(mp, "203.0.113.2", 5004,
								   "203.0.113.1", 30000, buf,
								   (uint16_t)len)), 0);
}

struct heard {
	uint16_t seq[256];
	uint32_t ts[256], ssrc[256];
	uint8_t marker[256];
	int16_t pcm[256 * 160];
	unsigned n, samples;
};

/* What reached the browser so far: unprotected (every packet must pass),
 * PCMU decoded. */
static void collect(struct heard *h)
{
	struct rte_mbuf *m;

	while (h->n < 256 && rte_ring_dequeue(tx[WEB], (void **)&m) == 0) {
		uint8_t buf[400];
		int len = rte_pktmbuf_data_len(m) - 42;

		assert_true(len > 12 && len <= (int)sizeof(buf));
		memcpy(buf, rte_pktmbuf_mtod_offset(m, const uint8_t *, 42), (size_t)len);
		rte_pktmbuf_free(m);
		assert_int_equal(srtp_unprotect(browser, buf, &len), srtp_err_status_ok);
		h->seq[h->n] = (uint16_t)(buf[2] << 8 | buf[3]);
		h->ts[h->n] = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 | (uint32_t)buf[6] << 8 | buf[7];
		h->ssrc[h->n] = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8 | buf[11];
		h->marker[h->n] = buf[1] >> 7;
		if (buf[1] & 0x7f)
			continue;       /* not PCMU */
		if (h->samples + (unsigned)(len - 12) <= RTE_DIM(h->pcm)) {
			tz_media_g711_decode(false, buf + 12, h->pcm + h->samples, (size_t)(len - 12));
			h->samples += (unsigned)(len - 12);
		}
		h->n++;
	}
}

static void release(void *arg)
{
	(void)arg;
	released++;
}

static struct tz_svc_play_cmd play_cmd(const struct tz_dp_flow_key *k, bool loop)
{
	struct tz_media_player_cfg pc = { .codec = TZ_MEDIA_PCMU, .pt = 0, .ptime = 20, .loop = loop,
					  .first_seq = 60000, .first_ts = 123456 };
	struct tz_svc_play_cmd cmd = { .key = *k, .ssrc = PLAY_SSRC, .ptime_ms = 20,
				       .release = release };

	cmd.player = tz_media_player_create(pcm, RTE_DIM(pcm), &pc);
	assert_non_null(cmd.player);
	return cmd;
}

/* Rounds of stage and worker until @p done, for at most @p ms of real time. */
static void run_until(struct heard *h, bool (*done)(const uint64_t *cnt, const struct heard *h),
		      unsigned ms)
{
	uint64_t cnt[TZ_SVC_C_COUNT];

	for (unsigned i = 0; i < ms; i++) {
		tz_svc_inline_round(0);
		tz_dp_inline_round();
		collect(h);
		assert_int_equal(tz_svc_counters(0, cnt), 0);
		if (done(cnt, h))
			return;
		usleep(1000);
	}
}

static bool play_over(const uint64_t *cnt, const struct heard *h)
{
	return cnt[TZ_SVC_C_PLAY_ENDED] == 1;
}

static void test_announcement_to_the_browser(void **state)
{
	struct tz_svc_play_cmd cmd;
	struct tz_dp_flow_key k;
	static struct heard h;
	uint64_t cnt[TZ_SVC_C_COUNT];
	uint64_t t0;
	double ms;

	start();
	memset(&h, 0, sizeof(h));
	assert_true(add_flow(&k, 0) >= 0);
	for (uint16_t s = 0; s < 5; s++) {      /* the PBX's early media first */
		pbx_send((uint16_t)(100 + s));
		tz_dp_inline_round();
	}
	collect(&h);
	assert_int_equal(h.n, 5);
	assert_true(replace_flow(&k, TZ_SVC_PLAY) >= 0);
	cmd = play_cmd(&k, false);
	t0 = rte_rdtsc();
	assert_int_equal(tz_svc_play_post(0, &cmd), 0);
	run_until(&h, play_over, 3000);
	ms = (double)(rte_rdtsc() - t0) * 1000.0 / (double)rte_get_tsc_hz();
	assert_int_equal(tz_svc_counters(0, cnt), 0);
	assert_int_equal(cnt[TZ_SVC_C_PLAY_STARTED], 1);
	assert_int_equal(cnt[TZ_SVC_C_PLAY_ENDED], 1);
	assert_int_equal(cnt[TZ_SVC_C_PLAY_PACKETS], FILE_MS / 20);
	assert_int_equal(cnt[TZ_SVC_C_SENT], FILE_MS / 20);
	assert_int_equal(cnt[TZ_SVC_C_NO_FLOW] + cnt[TZ_SVC_C_INJECT_FULL] + cnt[TZ_SVC_C_NO_MBUF], 0);
	assert_int_equal(released, 1);
	/* at the stage's pace: 20 packets of 20 ms take about 380 ms, not a burst */
	assert_true(ms > 300.0);
	assert_int_equal(h.n, 5 + FILE_MS / 20);
	for (unsigned i = 1; i < h.n; i++) {
		assert_int_equal(h.ssrc[i], SSRC_OUT);          /* one stream for the browser */
		assert_int_equal(h.seq[i], (uint16_t)(h.seq[i - 1] + 1));
		if (i > 5)
			assert_int_equal(h.ts[i] - h.ts[i - 1], 160);
	}
	assert_true(h.marker[5]);                       /* the file starts a talkspurt */
	/* the file is heard: 1 kHz in what the browser decoded after the early media */
	assert_true(fabs(tz_media_dominant_freq(h.pcm + 5 * 160, h.samples - 5 * 160, 1, RATE)
			 - 1000.0) < 5.0);
	tz_dp_flow_del(sess, &k);
	stop();
}

static bool got_40(const uint64_t *cnt, const struct heard *h)
{
	return h->n >= 40;
}

static void test_music_on_hold_loops_until_stopped(void **state)
{
	struct tz_svc_play_cmd cmd;
	struct tz_dp_flow_key k;
	static struct heard h;
	uint64_t cnt[TZ_SVC_C_COUNT];

	start();
	memset(&h, 0, sizeof(h));
	assert_true(add_flow(&k, TZ_SVC_PLAY) >= 0);
	cmd = play_cmd(&k, true);
	assert_int_equal(tz_svc_play_post(0, &cmd), 0);
	run_until(&h, got_40, 3000);        /* twice the file: it looped */
	assert_true(h.n >= 40);
	/* the PBX's own packets wait while the music plays */
	for (uint16_t s = 0; s < 3; s++)
		pbx_send(s);
	tz_dp_inline_round();
	assert_int_equal(tz_svc_counters(0, cnt), 0);
	assert_int_equal(cnt[TZ_SVC_C_PLAY_MUTED], 3);
	assert_int_equal(cnt[TZ_SVC_C_PLAY_ENDED], 0);
	assert_int_equal(released, 0);
	assert_int_equal(tz_svc_play_stop(0, &k), 0);
	run_until(&h, play_over, 100);
	assert_int_equal(tz_svc_counters(0, cnt), 0);
	assert_int_equal(cnt[TZ_SVC_C_PLAY_ENDED], 1);
	assert_int_equal(released, 1);
	/* resumed: the flow without the play, the PBX heard again in the same stream */
	assert_true(replace_flow(&k, 0) >= 0);
	collect(&h);
	{
		unsigned n0 = h.n;

		for (unsigned i = 0; i < 20; i++) {
			tz_svc_inline_round(0);
			tz_dp_inline_round();
			usleep(1000);
		}
		collect(&h);
		assert_int_equal(h.n, n0);      /* nothing more from the stage */
		pbx_send(3);
		tz_dp_inline_round();
		collect(&h);
		assert_int_equal(h.n, n0 + 1);
		assert_int_equal(h.ssrc[n0], SSRC_OUT);
		assert_int_equal(h.seq[n0], (uint16_t)(h.seq[n0 - 1] + 1));
	}
	for (unsigned i = 1; i < h.n; i++)
		assert_int_equal(h.seq[i], (uint16_t)(h.seq[i - 1] + 1));
	tz_dp_flow_del(sess, &k);
	stop();
}

static void test_bad_and_gone(void **state)
{
	struct tz_svc_play_cmd cmd;
	struct tz_dp_flow_key k;
	static struct heard h;
	uint64_t cnt[TZ_SVC_C_COUNT];

	start();
	memset(&h, 0, sizeof(h));
	fp_test_key(&k, "203.0.113.2", 5006, 30002, 1);
	cmd = play_cmd(&k, false);
	cmd.ssrc = 0;
	assert_int_equal(tz_svc_play_post(0, &cmd), -EINVAL);
	assert_int_equal(tz_svc_play_post(3, &cmd), -EINVAL);
	cmd.ssrc = PLAY_SSRC;
	assert_int_equal(tz_svc_play_post(3, &cmd), -ENODEV);
	/* no such flow: the worker drops what the stage made, counted */
	assert_int_equal(tz_svc_play_post(0, &cmd), 0);
	run_until(&h, play_over, 3000);
	assert_int_equal(tz_svc_counters(0, cnt), 0);
	assert_int_equal(cnt[TZ_SVC_C_NO_FLOW], FILE_MS / 20);
	assert_int_equal(h.n, 0);
	assert_int_equal(released, 1);
	/* a play still running at the stop is ended (its reference given back) */
	cmd = play_cmd(&k, true);
	assert_int_equal(tz_svc_play_post(0, &cmd), 0);
	tz_svc_inline_round(0);
	stop();
	assert_int_equal(released, 2);
	/* the stage off: refused */
	cmd = play_cmd(&k, true);
	assert_int_equal(tz_svc_play_post(0, &cmd), -ENODEV);
	tz_media_player_destroy(cmd.player);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_announcement_to_the_browser),
		cmocka_unit_test(test_music_on_hold_loops_until_stopped),
		cmocka_unit_test(test_bad_and_gone),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
