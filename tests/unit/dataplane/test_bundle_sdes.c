/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A video call to an SDES-SRTP trunk through the worker on ring ethdevs
 * (docs/video.md): the browser's BUNDLEd audio and video (DTLS-SRTP key)
 * re-keyed to the SIP side's audio and video ports under two different
 * SDES keys (each m-line its own, RFC 4568), the phone's SRTP video
 * re-keyed to the browser under our video SSRC, and the browser's SRTCP
 * PLI about our video SSRC (sent from its audio SSRC) routed to the video
 * RTCP port under the video key, about the phone's SSRC.  libsrtp2 plays
 * the browser and the phone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <srtp2/srtp.h>

#include "fp_test.h"
#include "tz_dp.h"
#include "tz_session.h"
#include "tz_srtp.h"

enum { WEB, SIP, KWEB, KSIP, NPORTS };
static struct rte_ring *rx[NPORTS], *tx[NPORTS];
static uint16_t pid[NPORTS];
static struct rte_mempool *mp;
static struct tz_dp_sessions *sess;
static struct tz_srtp_engine *eng;

#define BROWSER "198.51.100.10"
#define GW_WEB "198.51.100.1"
#define PHONE "203.0.113.2"
#define GW_SIP "203.0.113.1"
#define A_SSRC 0x11223344u
#define V_SSRC 0x0f0f0f0fu
#define OUR_V 0x0000beefu
#define PHONE_V 0x51515151u

/* the browser's DTLS-SRTP key; our SDES keys for the audio and the video;
 * the phone's video key */
static uint8_t k_web[30], k_audio[30], k_video[30], k_phone_v[30];

static int group_setup(void **state)
{
	struct tz_srtp_engine_conf ec = { .nb_workers = 1, .max_ctx = 16, .socket_id = 0 };

	(void)state;
	for (int i = 0; i < 30; i++) {
		k_web[i] = (uint8_t)(i + 1);
		k_audio[i] = (uint8_t)(0x40 + i);
		k_video[i] = (uint8_t)(0x80 + i);
		k_phone_v[i] = (uint8_t)(0xc0 + i);
	}
	mp = fp_test_eal("tz_test_bdl_sdes");
	if (mp == NULL || fp_test_ring_ports(mp, "bsd", NPORTS, rx, tx, pid) != 0)
		return -1;
	sess = tz_dp_sessions_create("bsd_sessions", 64, 1, 0);
	eng = tz_srtp_engine_create(&ec);
	srtp_init();
	return sess == NULL || eng == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tz_dp_sessions_free(sess);
	tz_srtp_engine_destroy(eng);
	rte_eal_cleanup();
	return 0;
}

static srtp_t oracle(const uint8_t *key, bool inbound)
{
	srtp_policy_t p;
	srtp_t s;

	memset(&p, 0, sizeof(p));
	srtp_crypto_policy_set_rtp_default(&p.rtp);
	srtp_crypto_policy_set_rtp_default(&p.rtcp);
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p.key = (unsigned char *)key;
	p.window_size = 128;
	assert_int_equal(srtp_create(&s, &p), srtp_err_status_ok);
	return s;
}

static struct tz_srtp_ctx *ctx(const uint8_t *key, enum tz_srtp_dir dir)
{
	struct tz_srtp_ctx *x = tz_srtp_ctx_create(eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80, dir, key,
						   16, key + 16, 14);

	assert_non_null(x);
	return x;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t udp_dport(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, 36);

	return (uint16_t)(p[0] << 8 | p[1]);
}

/* What left on @p r, its UDP payload in @p buf; the payload length. */
static int drain(struct rte_ring *r, uint16_t want_port, uint8_t *buf)
{
	struct rte_mbuf *m = fp_test_drain_one(r);
	int len;

	assert_non_null(m);
	assert_int_equal(udp_dport(m), want_port);
	len = (int)rte_pktmbuf_pkt_len(m) - 42;
	memcpy(buf, rte_pktmbuf_mtod_offset(m, void *, 42), (size_t)len);
	rte_pktmbuf_free(m);
	return len;
}

static void test_sdes_video_rekeyed(void **state)
{
	srtp_t browser_tx = oracle(k_web, false), browser_rx = oracle(k_web, true);
	srtp_t phone_audio_rx = oracle(k_audio, true), phone_video_rx = oracle(k_video, true);
	srtp_t phone_video_tx = oracle(k_phone_v, false);
	struct tz_srtp_ctx *web_in = ctx(k_web, TZ_SRTP_DIR_UNPROTECT);
	struct tz_srtp_ctx *web_out = ctx(k_web, TZ_SRTP_DIR_PROTECT);
	struct tz_srtp_ctx *a_out = ctx(k_audio, TZ_SRTP_DIR_PROTECT);
	struct tz_srtp_ctx *v_out = ctx(k_video, TZ_SRTP_DIR_PROTECT);
	struct tz_srtp_ctx *v_in = ctx(k_phone_v, TZ_SRTP_DIR_UNPROTECT);
	struct tz_dp_flow_key k_a, k_v, k_vout, k_vrtcp;
	struct tz_dp_flow audio, video, vout;
	uint8_t plain[1200], buf[1300];
	int len, slot_vout;

	(void)state;
	/* the phone's video (RTP and RTCP ports) towards the browser */
	vout = (struct tz_dp_flow){ .id = 5, .xform = TZ_XF_REKEY, .srtp = v_in, .srtcp = v_in,
				    .srtp_out = web_out, .srtcp_out = web_out, .ssrc_out = OUR_V };
	fp_test_egress(&vout.out, 0, GW_WEB, 20000, BROWSER, 40000, 40000);
	fp_test_key(&k_vout, PHONE, 5006, 30002, 1);
	slot_vout = tz_dp_flow_add(sess, &k_vout, &vout);
	assert_true(slot_vout >= 0);
	k_vrtcp = k_vout;
	k_vrtcp.local_port = 30003;
	k_vrtcp.remote_port = 5007;
	vout.is_rtcp_port = 1;
	assert_true(tz_dp_flow_add(sess, &k_vrtcp, &vout) >= 0);
	/* the browser's audio and video, each re-keyed under its own SDES key */
	audio = (struct tz_dp_flow){ .id = 5, .xform = TZ_XF_REKEY, .srtp = web_in, .srtcp = web_in,
				     .srtp_out = a_out, .srtcp_out = a_out };
	fp_test_egress(&audio.out, 1, GW_SIP, 30000, PHONE, 5004, 5005);
	fp_test_key(&k_a, BROWSER, 40000, 20000, 0);
	video = audio;
	video.srtp_out = video.srtcp_out = v_out;
	fp_test_egress(&video.out, 1, GW_SIP, 30002, PHONE, 5006, 5007);
	video.fb_from = OUR_V;
	video.fb_peer_slot = (uint32_t)slot_vout + 1;
	tz_dp_bundle_key(&k_a, 0, &k_v);
	assert_true(tz_dp_flow_add(sess, &k_v, &video) >= 0);
	audio.bundle.n = 1;
	tz_dp_bundle_pt_add(&audio.bundle.sub[0], 96);
	audio.bundle.sub[0].flow = tz_dp_flow_find(sess, &k_v);
	assert_true(tz_dp_flow_add(sess, &k_a, &audio) >= 0);
	assert_int_equal(fp_test_start_worker(sess, tz_srtp_engine_qp(eng, 0), pid), 0);

	for (uint16_t i = 0; i < 4; i++) {
		/* audio under the audio key to the audio port */
		len = fp_test_rtp(plain, 172, 111, (uint16_t)(100 + i), A_SSRC);
		memcpy(buf, plain, (size_t)len);
		assert_int_equal(srtp_protect(browser_tx, buf, &len), srtp_err_status_ok);
		rte_ring_enqueue(rx[WEB], fp_test_frame4(mp, BROWSER, 40000, GW_WEB, 20000, buf,
							 (uint16_t)len));
		len = drain(tx[SIP], 5004, buf);
		assert_int_equal(srtp_unprotect(phone_audio_rx, buf, &len), srtp_err_status_ok);
		assert_int_equal(len, 172);
		assert_memory_equal(buf, plain, 172);
		/* video under the video key to the video port */
		len = fp_test_rtp(plain, 1000, 96, (uint16_t)(7 + i), V_SSRC);
		memcpy(buf, plain, (size_t)len);
		assert_int_equal(srtp_protect(browser_tx, buf, &len), srtp_err_status_ok);
		rte_ring_enqueue(rx[WEB], fp_test_frame4(mp, BROWSER, 40000, GW_WEB, 20000, buf,
							 (uint16_t)len));
		len = drain(tx[SIP], 5006, buf);
		assert_int_equal(srtp_unprotect(phone_video_rx, buf, &len), srtp_err_status_ok);
		assert_int_equal(len, 1000);
		assert_memory_equal(buf, plain, 1000);
	}

	/* the phone's SRTP video: to the browser under our SSRC and its key */
	len = fp_test_rtp(plain, 800, 96, 77, PHONE_V);
	memcpy(buf, plain, (size_t)len);
	assert_int_equal(srtp_protect(phone_video_tx, buf, &len), srtp_err_status_ok);
	rte_ring_enqueue(rx[SIP], fp_test_frame4(mp, PHONE, 5006, GW_SIP, 30002, buf, (uint16_t)len));
	len = drain(tx[WEB], 40000, buf);
	assert_int_equal(srtp_unprotect(browser_rx, buf, &len), srtp_err_status_ok);
	assert_int_equal(len, 800);
	assert_int_equal(get32(buf + 8), OUR_V);
	assert_memory_equal(buf + 12, plain + 12, 800 - 12);

	/* the browser's PLI about our video SSRC from its audio SSRC: SRTCP
	 * under the video key at the video RTCP port, about the phone's SSRC */
	plain[0] = 0x81;
	plain[1] = 206;
	plain[2] = 0;
	plain[3] = 2;
	put32(plain + 4, A_SSRC);
	put32(plain + 8, OUR_V);
	memcpy(buf, plain, 12);
	len = 12;
	assert_int_equal(srtp_protect_rtcp(browser_tx, buf, &len), srtp_err_status_ok);
	rte_ring_enqueue(rx[WEB], fp_test_frame4(mp, BROWSER, 40000, GW_WEB, 20000, buf,
						 (uint16_t)len));
	len = drain(tx[SIP], 5007, buf);
	assert_int_equal(srtp_unprotect_rtcp(phone_video_rx, buf, &len), srtp_err_status_ok);
	assert_int_equal(len, 12);
	assert_int_equal(get32(buf + 4), A_SSRC);
	assert_int_equal(get32(buf + 8), PHONE_V);
	/* a receiver report from the audio SSRC stays with the audio (its key) */
	memset(plain, 0, 8);
	plain[0] = 0x80;
	plain[1] = 201;
	plain[3] = 1;
	put32(plain + 4, A_SSRC);
	memcpy(buf, plain, 8);
	len = 8;
	assert_int_equal(srtp_protect_rtcp(browser_tx, buf, &len), srtp_err_status_ok);
	rte_ring_enqueue(rx[WEB], fp_test_frame4(mp, BROWSER, 40000, GW_WEB, 20000, buf,
						 (uint16_t)len));
	len = drain(tx[SIP], 5005, buf);
	assert_int_equal(srtp_unprotect_rtcp(phone_audio_rx, buf, &len), srtp_err_status_ok);
	assert_int_equal(len, 8);

	tz_dp_stop();
	tz_dp_flow_del(sess, &k_a);
	tz_dp_flow_del(sess, &k_v);
	tz_dp_flow_del(sess, &k_vout);
	tz_dp_flow_del(sess, &k_vrtcp);
	tz_dp_sessions_synchronize(sess);
	tz_srtp_ctx_destroy(web_in);
	tz_srtp_ctx_destroy(web_out);
	tz_srtp_ctx_destroy(a_out);
	tz_srtp_ctx_destroy(v_out);
	tz_srtp_ctx_destroy(v_in);
	srtp_dealloc(browser_tx);
	srtp_dealloc(browser_rx);
	srtp_dealloc(phone_audio_rx);
	srtp_dealloc(phone_video_rx);
	srtp_dealloc(phone_video_tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdes_video_rekeyed),
	};

	return cmocka_run_group_tests_name("bundle-sdes", tests, group_setup, group_teardown);
}
