/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transcoding through the media-services stage (tz_svc_xcode.h): a worker
 * and the stage run round by round on this thread, ring ethdevs as ports,
 * libsrtp2 as the browser.  A call's "create" command gives the stage its
 * two transcoders; the browser's SRTP Opus (a 1000 Hz tone) leaves on the
 * SIP side as plain PCMU (PT 0, 160 bytes, timestamps +160, one sequence)
 * that decodes to 1000 Hz; the PBX's PCMU (440 Hz) reaches the browser as
 * SRTP Opus under our SSRC that decodes to 440 Hz.  Bad packets and
 * "destroy" are counted; after "destroy" the flows' packets go back as
 * they came (the stage's pass-through).
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
#include "tz_media.h"
#include "tz_session.h"
#include "tz_srtp.h"
#include "tz_svc.h"
#include "tz_svc_xcode.h"
#include "worker_pvt.h"

enum { WEB, SIP, KWEB, KSIP, NPORTS };
static struct rte_ring *rx[NPORTS], *tx[NPORTS];
static uint16_t pid[NPORTS];
static struct rte_mempool *mp;
static struct tz_dp_sessions *sess;
static struct tz_srtp_engine *eng;
static struct tz_srtp_ctx *ctx_in, *ctx_out;
static srtp_t browser_tx, browser_rx;

#define WEB_SSRC 0x11223344u
#define PBX_SSRC 0x55667788u
#define OUR_SSRC 0x0badcafeu
#define OPUS_PT 111
#define FRAMES 100            /* 2 s each way */

static const uint8_t master[30] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
	0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};


static int group_setup(void **state)
{
	if (fp_test_dp_setup("svx", &mp, rx, tx, pid, &sess, &eng) != 0)
		return -1;
	ctx_in = fp_test_aes_cm_ctx(eng, TZ_SRTP_DIR_UNPROTECT, master);
	ctx_out = fp_test_aes_cm_ctx(eng, TZ_SRTP_DIR_PROTECT, master);
	if (ctx_in == NULL || ctx_out == NULL)
		return -1;
	return fp_test_browser_srtp(&browser_tx, master, ssrc_any_outbound) |
	       fp_test_browser_srtp(&browser_rx, master, ssrc_any_inbound);
}

static int group_teardown(void **state)
{
	srtp_dealloc(browser_tx);
	srtp_dealloc(browser_rx);
	tz_srtp_ctx_destroy(ctx_in);
	tz_srtp_ctx_destroy(ctx_out);
	fp_test_dp_teardown(sess, eng);
	return 0;
}

static void start(void)
{
	struct tz_dp_worker_conf c;
	struct tz_svc_conf sc = { .n_cores = 1, .n_workers = 1, .ring_size = 256,
				  .sessions = sess, .pool = mp };

	fp_test_worker_conf(&c, rte_get_main_lcore(), sess, tz_srtp_engine_qp(eng, 0), pid);
	assert_int_equal(tz_svc_inline_start(&sc), 0);
	assert_int_equal(tz_dp_inline_start(&c), 0);
}

static void stop(void)
{
	tz_dp_inline_stop();
	tz_svc_stop();
}

/* The call's two flows, both diverted to stage core 0: [0] browser -> SIP
 * (SRTP in, RTP out), [1] SIP -> browser (RTP in, SRTP out, our SSRC). */
static void add_flows(struct tz_dp_flow_key *k)
{
	struct tz_dp_flow f[2] = {
		{ .id = 7, .xform = TZ_XF_UNPROTECT, .srtp = ctx_in, .srtcp = ctx_in,
		  .svc = TZ_SVC_DIVERT },
		{ .id = 7, .xform = TZ_XF_PROTECT, .srtp = ctx_out, .srtcp = ctx_out,
		  .ssrc_out = OUR_SSRC, .svc = TZ_SVC_DIVERT },
	};

	fp_test_egress(&f[0].out, 1, "203.0.113.1", 30000, "203.0.113.2", 5004, 5005);
	fp_test_key(&k[0], "198.51.100.10", 40000, 20000, 0);
	fp_test_egress(&f[1].out, 0, "198.51.100.1", 20000, "198.51.100.10", 40000, 40000);
	fp_test_key(&k[1], "203.0.113.2", 5004, 30000, 1);
	for (int i = 0; i < 2; i++) {
		f[i].svc_key = k[i];
		assert_true(tz_dp_flow_add(sess, &k[i], &f[i]) >= 0);
	}
}

static void create_cmd(const struct tz_dp_flow_key *k, struct tz_svc_xcode_cmd *cmd)
{
	struct tz_media_leg web = { .codec = TZ_MEDIA_OPUS, .pt = OPUS_PT, .clock = 48000,
				    .event_pt = 110, .ptime = 20 };
	struct tz_media_leg sip = { .codec = TZ_MEDIA_PCMU, .pt = 0, .clock = 8000,
				    .event_pt = 101, .ptime = 20 };

	memset(cmd, 0, sizeof(*cmd));
	cmd->call = 7;
	cmd->op = TZ_SVC_XCODE_CREATE;
	cmd->key[0] = k[0];
	cmd->key[1] = k[1];
	cmd->cfg[0] = (struct tz_media_xcode_cfg){ .in = web, .out = sip, .first_seq = 100,
						   .first_ts = 1000 };
	cmd->cfg[1] = (struct tz_media_xcode_cfg){ .in = sip, .out = web, .first_seq = 200,
						   .first_ts = 2000 };
}

/* One 20 ms frame of the browser: Opus of a 1000 Hz tone, SRTP. */
static void browser_send(struct tz_media_enc *enc, uint16_t seq, uint8_t pt)
{
	int16_t pcm[960];
	uint8_t buf[400];
	int len;

	tz_media_tone(pcm, 960, 48000, 1000, 8000, (uint64_t)seq * 960);
	fp_test_rtp(buf, 12, pt, seq, WEB_SSRC);
	len = tz_media_enc_frame(enc, pcm, 960, buf + 12, 300);
	assert_true(len > 0);
	len += 12;
	buf[4] = (uint8_t)((seq * 960u) >> 24);
	buf[5] = (uint8_t)((seq * 960u) >> 16);
	buf[6] = (uint8_t)((seq * 960u) >> 8);
	buf[7] = (uint8_t)(seq * 960u);
	assert_int_equal(srtp_protect(browser_tx, buf, &len), srtp_err_status_ok);
	assert_int_equal(rte_ring_enqueue(rx[WEB], fp_test_frame4(mp, "198.51.100.10", 40000,
								   "198.51.100.1", 20000, buf,
								   (uint16_t)len)), 0);
}

/* One 20 ms frame of the PBX: PCMU of a 440 Hz tone, plain RTP. */
static void pbx_send(uint16_t seq)
{
	int16_t pcm[160];
	uint8_t buf[172];

	tz_media_tone(pcm, 160, 8000, 440, 8000, (uint64_t)seq * 160);
	fp_test_rtp(buf, 12, 0, seq, PBX_SSRC);
	tz_media_g711_encode(false, pcm, buf + 12, 160);
	buf[4] = (uint8_t)((seq * 160u) >> 24);
	buf[5] = (uint8_t)((seq * 160u) >> 16);
	buf[6] = (uint8_t)((seq * 160u) >> 8);
	buf[7] = (uint8_t)(seq * 160u);
	assert_int_equal(rte_ring_enqueue(rx[SIP], fp_test_frame4(mp, "203.0.113.2", 5004,
								   "203.0.113.1", 30000, buf, 172)), 0);
}

static void rounds(void)
{
	tz_dp_inline_round();
	tz_svc_inline_round(0);
	tz_dp_inline_round();
	tz_dp_inline_round();   /* the crypto flush of what was injected */
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_opus_pcmu_both_ways(void **state)
{
	struct tz_media_enc *enc = tz_media_enc_create(TZ_MEDIA_OPUS, 48000, NULL);
	struct tz_media_dec *dec = tz_media_dec_create(TZ_MEDIA_OPUS, 48000);
	static int16_t at_pbx[FRAMES * 160], at_web[FRAMES * 960];
	uint64_t xc[TZ_SVC_XC_COUNT];
	struct tz_svc_xcode_cmd cmd;
	struct tz_dp_flow_key k[2];
	struct rte_mbuf *m;
	unsigned n_pbx = 0, n_web = 0;
	uint32_t ts0 = 0;
	uint16_t seq0 = 0;

	assert_non_null(enc);
	assert_non_null(dec);
	start();
	add_flows(k);
	create_cmd(k, &cmd);
	assert_int_equal(tz_svc_xcode_post(0, &cmd), 0);
	for (uint16_t s = 0; s < FRAMES; s++) {
		browser_send(enc, (uint16_t)(3000 + s), OPUS_PT);
		pbx_send((uint16_t)(9000 + s));
		rounds();
		/* at the PBX: PCMU, 20 ms, one stream */
		while (rte_ring_dequeue(tx[SIP], (void **)&m) == 0) {
			const uint8_t *r = rte_pktmbuf_mtod_offset(m, const uint8_t *, 42);

			assert_int_equal(rte_pktmbuf_pkt_len(m), 42 + 12 + 160);
			assert_int_equal(r[1] & 0x7f, 0);
			assert_int_equal(rd32(r + 8), WEB_SSRC);
			if (n_pbx > 0) {
				assert_int_equal((uint16_t)(r[2] << 8 | r[3]), (uint16_t)(seq0 + n_pbx));
				assert_int_equal(rd32(r + 4), ts0 + 160 * n_pbx);
			} else {
				seq0 = (uint16_t)(r[2] << 8 | r[3]);
				ts0 = rd32(r + 4);
			}
			tz_media_g711_decode(false, r + 12, at_pbx + 160 * n_pbx, 160);
			n_pbx++;
			rte_pktmbuf_free(m);
		}
		/* at the browser: SRTP Opus under our SSRC */
		while (rte_ring_dequeue(tx[WEB], (void **)&m) == 0) {
			uint8_t buf[600];
			int len = (int)rte_pktmbuf_pkt_len(m) - 42;

			assert_true(len > 12 && len < (int)sizeof(buf));
			memcpy(buf, rte_pktmbuf_mtod_offset(m, const uint8_t *, 42), (size_t)len);
			rte_pktmbuf_free(m);
			assert_int_equal(srtp_unprotect(browser_rx, buf, &len), srtp_err_status_ok);
			assert_int_equal(buf[1] & 0x7f, OPUS_PT);
			assert_int_equal(rd32(buf + 8), OUR_SSRC);
			assert_int_equal(tz_media_dec_frame(dec, buf + 12, (size_t)len - 12,
							    at_web + 960 * n_web, 960), 960);
			n_web++;
		}
	}
	assert_int_equal(n_pbx, FRAMES);
	assert_int_equal(n_web, FRAMES);
	/* the first 200 ms hold the codecs' start-up */
	assert_float_equal(tz_media_dominant_freq(at_pbx + 1600, (FRAMES - 10) * 160, 1, 8000),
			   1000, 5);
	assert_float_equal(tz_media_dominant_freq(at_web + 9600, (FRAMES - 10) * 960, 1, 48000),
			   440, 5);
	assert_int_equal(tz_svc_xcode_counters(0, xc), 0);
	assert_int_equal(xc[TZ_SVC_XC_CALLS], 1);
	assert_int_equal(xc[TZ_SVC_XC_CREATED], 1);
	assert_int_equal(xc[TZ_SVC_XC_PKTS_IN], 2 * FRAMES);
	assert_int_equal(xc[TZ_SVC_XC_FRAMES], 2 * FRAMES);
	assert_int_equal(xc[TZ_SVC_XC_ERRORS], 0);

	/* a payload type the call did not negotiate: dropped, counted */
	browser_send(enc, 3000 + FRAMES, 96);
	rounds();
	assert_int_equal(rte_ring_count(tx[SIP]), 0);
	assert_int_equal(tz_svc_xcode_counters(0, xc), 0);
	assert_int_equal(xc[TZ_SVC_XC_ERRORS], 1);

	/* destroy: freed; the flows' packets then pass as they came */
	cmd.op = TZ_SVC_XCODE_DESTROY;
	assert_int_equal(tz_svc_xcode_post(0, &cmd), 0);
	tz_svc_inline_round(0);
	assert_int_equal(tz_svc_xcode_counters(0, xc), 0);
	assert_int_equal(xc[TZ_SVC_XC_CALLS], 0);
	assert_int_equal(xc[TZ_SVC_XC_DESTROYED], 1);
	pbx_send(9000 + FRAMES);
	rounds();
	m = fp_test_drain_one(tx[WEB]);
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 42 + 172 + 10);   /* PCMU + SRTP tag */
	rte_pktmbuf_free(m);
	stop();
	tz_dp_flow_del(sess, &k[0]);
	tz_dp_flow_del(sess, &k[1]);
	tz_dp_sessions_synchronize(sess);
	tz_media_enc_destroy(enc);
	tz_media_dec_destroy(dec);
}

/* A create the stage cannot honour (a bad codec config) is counted, the
 * call's packets go on unchanged; commands with the stage off are refused. */
static void test_bad_create_and_off(void **state)
{
	uint64_t xc[TZ_SVC_XC_COUNT];
	struct tz_svc_xcode_cmd cmd = { .op = TZ_SVC_XCODE_CREATE };
	struct tz_dp_flow_key k[2];

	assert_int_equal(tz_svc_xcode_post(0, &cmd), -ENODEV);
	start();
	fp_test_key(&k[0], "198.51.100.10", 40010, 20000, 0);
	fp_test_key(&k[1], "203.0.113.2", 5010, 30000, 1);
	create_cmd(k, &cmd);
	cmd.cfg[0].out.ptime = 7;       /* not a multiple of 10 ms */
	assert_int_equal(tz_svc_xcode_post(0, &cmd), 0);
	tz_svc_inline_round(0);
	assert_int_equal(tz_svc_xcode_counters(0, xc), 0);
	assert_int_equal(xc[TZ_SVC_XC_CREATE_FAILED], 1);
	assert_int_equal(xc[TZ_SVC_XC_CALLS], 0);
	stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opus_pcmu_both_ways),
		cmocka_unit_test(test_bad_create_and_off),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
