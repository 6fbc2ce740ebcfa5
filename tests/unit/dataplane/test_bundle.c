/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BUNDLE through the worker on ring ethdevs, libsrtp2 as the browser: audio
 * and video SRTP on one 5-tuple leave on the SIP side's audio and video
 * port pairs, each SSRC with its own SRTP state (the audio crosses a ROC
 * rollover the video does not); the SIP side's video comes back as SRTP
 * under the SSRC our answer announced; the browser's PLI reaches the SIP
 * video RTCP port (whichever of its SSRCs sent it) about the SIP sender's SSRC (or as a FIR when the SIP
 * side only does FIR, or is held for the control plane's SIP INFO when it
 * does neither); REMB and transport-cc are dropped and counted.
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
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <srtp2/srtp.h>

#include "bundle_pvt.h"
#include "fp_test_srtp.h"
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
#define A_SSRC 0x11223344u      /* the browser's audio */
#define V_SSRC 0x0f0f0f0fu      /* the browser's video, not in its SDP: learned by PT */
#define OUR_V 0x0000beefu       /* our video SSRC towards the browser */
#define PHONE_V 0x51515151u     /* the phone's video sender */

static const uint8_t master[30] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41,
	0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};

static int group_setup(void **state)
{
	(void)state;
	return fp_test_dp_setup("bdl", &mp, rx, tx, pid, &sess, &eng);
}

static int group_teardown(void **state)
{
	(void)state;
	fp_test_dp_teardown(sess, eng);
	return 0;
}

static srtp_t oracle(bool inbound)
{
	srtp_t s;

	assert_int_equal(fp_test_browser_srtp(&s, master, inbound ? ssrc_any_inbound
								 : ssrc_any_outbound), 0);
	return s;
}

struct call {
	struct tz_srtp_ctx *in, *out;
	struct tz_dp_flow_key k_audio, k_video, k_vout;
	struct tz_dp_flow audio, video, vout;
	int slot_audio, slot_video, slot_vout;
};

static void publish(struct call *c, bool pli_to_fir, bool replace)
{
	struct tz_dp_bundle_sub *sub = &c->audio.bundle.sub[0];

	c->video.fb_pli_to_fir = pli_to_fir;
	c->slot_video = replace ? tz_dp_flow_replace(sess, &c->k_video, &c->k_video, &c->video)
				: tz_dp_flow_add(sess, &c->k_video, &c->video);
	assert_true(c->slot_video >= 0);
	c->audio.bundle.n = 1;
	memset(sub, 0, sizeof(*sub));
	tz_dp_bundle_pt_add(sub, 96);
	sub->flow = tz_dp_flow_find(sess, &c->k_video);
	assert_non_null(sub->flow);
	c->slot_audio = replace ? tz_dp_flow_replace(sess, &c->k_audio, &c->k_audio, &c->audio)
				: tz_dp_flow_add(sess, &c->k_audio, &c->audio);
	assert_true(c->slot_audio >= 0);
}

static void call_setup(struct call *c)
{
	memset(c, 0, sizeof(*c));
	c->in = fp_test_aes_cm_ctx(eng, TZ_SRTP_DIR_UNPROTECT, master);
	c->out = fp_test_aes_cm_ctx(eng, TZ_SRTP_DIR_PROTECT, master);
	assert_non_null(c->in);
	assert_non_null(c->out);
	/* the phone's video towards the browser: its own flow, our SSRC */
	c->vout = (struct tz_dp_flow){ .id = 3, .xform = TZ_XF_PROTECT, .srtp = c->out,
				       .srtcp = c->out, .ssrc_out = OUR_V };
	fp_test_egress(&c->vout.out, 0, GW_WEB, 20000, BROWSER, 40000, 40000);
	fp_test_key(&c->k_vout, PHONE, 5006, 30002, 1);
	c->slot_vout = tz_dp_flow_add(sess, &c->k_vout, &c->vout);
	assert_true(c->slot_vout >= 0);
	/* the browser's audio (the key's flow) and its video (a sub-flow) */
	c->audio = (struct tz_dp_flow){ .id = 3, .xform = TZ_XF_UNPROTECT, .srtp = c->in,
					.srtcp = c->in };
	fp_test_egress(&c->audio.out, 1, GW_SIP, 30000, PHONE, 5004, 5005);
	fp_test_key(&c->k_audio, BROWSER, 40000, 20000, 0);
	c->video = c->audio;
	fp_test_egress(&c->video.out, 1, GW_SIP, 30002, PHONE, 5006, 5007);
	c->video.fb_from = OUR_V;
	c->video.fb_peer_slot = (uint32_t)c->slot_vout + 1;
	tz_dp_bundle_key(&c->k_audio, 0, &c->k_video);
	publish(c, false, false);
}

static void call_teardown(struct call *c)
{
	tz_dp_stop();
	tz_dp_flow_del(sess, &c->k_audio);
	tz_dp_flow_del(sess, &c->k_video);
	tz_dp_flow_del(sess, &c->k_vout);
	tz_dp_sessions_synchronize(sess);
	tz_srtp_ctx_destroy(c->in);
	tz_srtp_ctx_destroy(c->out);
}

static void from_browser(srtp_t s, uint8_t *buf, int len, bool rtcp)
{
	if (rtcp)
		assert_int_equal(srtp_protect_rtcp(s, buf, &len), srtp_err_status_ok);
	else
		assert_int_equal(srtp_protect(s, buf, &len), srtp_err_status_ok);
	rte_ring_enqueue(rx[WEB], fp_test_frame4(mp, BROWSER, 40000, GW_WEB, 20000, buf,
						 (uint16_t)len));
}

static uint16_t udp_dport(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, 36);

	return (uint16_t)(p[0] << 8 | p[1]);
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

/* A PLI from the browser's video SSRC about @p media. */
static int pli(uint8_t *b, uint32_t media)
{
	b[0] = 0x81;
	b[1] = 206;
	b[2] = 0;
	b[3] = 2;
	put32(b + 4, V_SSRC);
	put32(b + 8, media);
	return 12;
}

static void test_bundle_demux_both_ways(void **state)
{
	srtp_t browser_tx = oracle(false), browser_rx = oracle(true);
	uint8_t plain[1200], buf[1300];
	struct rte_mbuf *m;
	struct call c;
	int len;

	(void)state;
	call_setup(&c);
	assert_int_equal(fp_test_start_worker(sess, tz_srtp_engine_qp(eng, 0), pid), 0);
	/* audio crosses a rollover, video does not: one shared SRTP state
	 * would get the video's index wrong and fail its authentication */
	for (uint16_t i = 0; i < 16; i++) {
		uint16_t aseq = (uint16_t)(65528 + i), vseq = (uint16_t)(1000 + i);

		len = fp_test_rtp(plain, 172, 111, aseq, A_SSRC);
		memcpy(buf, plain, (size_t)len);
		from_browser(browser_tx, buf, len, false);
		m = fp_test_drain_one(tx[SIP]);
		assert_non_null(m);
		assert_int_equal(udp_dport(m), 5004);
		assert_memory_equal(rte_pktmbuf_mtod_offset(m, void *, 42), plain, 172);
		rte_pktmbuf_free(m);

		len = fp_test_rtp(plain, 1000, 96, vseq, V_SSRC);
		memcpy(buf, plain, (size_t)len);
		from_browser(browser_tx, buf, len, false);
		m = fp_test_drain_one(tx[SIP]);
		assert_non_null(m);
		assert_int_equal(udp_dport(m), 5006);
		assert_memory_equal(rte_pktmbuf_mtod_offset(m, void *, 42), plain, 1000);
		rte_pktmbuf_free(m);
	}
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)c.slot_audio)->cnt[TZ_FC_PKTS], 16);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)c.slot_video)->cnt[TZ_FC_PKTS], 16);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)c.slot_audio)->bundle_ssrc[0], V_SSRC);

	/* the phone's video: SRTP to the browser under our SSRC */
	len = fp_test_rtp(plain, 800, 96, 77, PHONE_V);
	rte_ring_enqueue(rx[SIP], fp_test_frame4(mp, PHONE, 5006, GW_SIP, 30002, plain, 800));
	m = fp_test_drain_one(tx[WEB]);
	assert_non_null(m);
	len = (int)rte_pktmbuf_pkt_len(m) - 42;
	memcpy(buf, rte_pktmbuf_mtod_offset(m, void *, 42), (size_t)len);
	rte_pktmbuf_free(m);
	assert_int_equal(srtp_unprotect(browser_rx, buf, &len), srtp_err_status_ok);
	assert_int_equal(len, 800);
	assert_int_equal(get32(buf + 8), OUR_V);

	/* the browser's PLI about our SSRC reaches the phone's RTCP port about its own */
	len = pli(plain, OUR_V);
	memcpy(buf, plain, (size_t)len);
	from_browser(browser_tx, buf, len, true);
	m = fp_test_drain_one(tx[SIP]);
	assert_non_null(m);
	assert_int_equal(udp_dport(m), 5007);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 42 + 12);
	assert_int_equal(get32(rte_pktmbuf_mtod_offset(m, uint8_t *, 42 + 8)), PHONE_V);
	rte_pktmbuf_free(m);

	/* the same PLI from the browser's audio SSRC (its SRTCP index is the
	 * audio stream's): routed by the SSRC it is about, to the video port */
	len = pli(plain, OUR_V);
	put32(plain + 4, A_SSRC);
	memcpy(buf, plain, (size_t)len);
	from_browser(browser_tx, buf, len, true);
	m = fp_test_drain_one(tx[SIP]);
	assert_non_null(m);
	assert_int_equal(udp_dport(m), 5007);
	assert_int_equal(get32(rte_pktmbuf_mtod_offset(m, uint8_t *, 42 + 4)), A_SSRC);
	assert_int_equal(get32(rte_pktmbuf_mtod_offset(m, uint8_t *, 42 + 8)), PHONE_V);
	rte_pktmbuf_free(m);
	/* an audio receiver report stays with the audio */
	memset(plain, 0, 8);
	plain[0] = 0x80; plain[1] = 201; plain[3] = 1; put32(plain + 4, A_SSRC);
	memcpy(buf, plain, 8);
	from_browser(browser_tx, buf, 8, true);
	m = fp_test_drain_one(tx[SIP]);
	assert_non_null(m);
	assert_int_equal(udp_dport(m), 5005);
	rte_pktmbuf_free(m);

	/* RR + REMB: the REMB is cut out; transport-cc alone: dropped */
	memset(plain, 0, sizeof(plain));
	plain[0] = 0x80; plain[1] = 201; plain[3] = 1; put32(plain + 4, V_SSRC);
	plain[8] = 0x8f; plain[9] = 206; plain[11] = 5; put32(plain + 12, V_SSRC);
	memcpy(plain + 20, "REMB", 4);
	plain[24] = 1; put32(plain + 28, OUR_V);
	memcpy(buf, plain, 32);
	from_browser(browser_tx, buf, 32, true);
	m = fp_test_drain_one(tx[SIP]);
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 42 + 8);
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, void *, 42), plain, 8);
	rte_pktmbuf_free(m);
	memset(plain, 0, sizeof(plain));
	plain[0] = 0x8f; plain[1] = 205; plain[3] = 5; put32(plain + 4, V_SSRC);
	put32(plain + 8, OUR_V);
	memcpy(buf, plain, 24);
	from_browser(browser_tx, buf, 24, true);
	for (int i = 0; i < 200 && tz_dp_flow_state(sess, (uint32_t)c.slot_video)->fb_dropped < 2; i++)
		usleep(5000);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)c.slot_video)->fb_dropped, 2);
	assert_int_equal(rte_ring_count(tx[SIP]), 0);

	/* re-published with PLI -> FIR (the phone only does FIR): state kept */
	publish(&c, true, true);
	len = pli(plain, OUR_V);
	memcpy(buf, plain, (size_t)len);
	from_browser(browser_tx, buf, len, true);
	m = fp_test_drain_one(tx[SIP]);
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 42 + 20);
	{
		const uint8_t *fir = rte_pktmbuf_mtod_offset(m, const uint8_t *, 42);

		assert_int_equal(fir[0], 0x84);
		assert_int_equal(fir[1], 206);
		assert_int_equal(fir[3], 4);
		assert_int_equal(get32(fir + 4), V_SSRC);
		assert_int_equal(get32(fir + 8), 0);
		assert_int_equal(get32(fir + 12), PHONE_V);
		assert_int_equal(fir[16], 0);
	}
	rte_pktmbuf_free(m);
	/* a SIP side with neither PLI nor FIR: the request is held for the
	 * control plane (SIP INFO picture_fast_update), nothing leaves */
	c.video.fb_kf_to_cp = 1;
	publish(&c, false, true);
	len = pli(plain, OUR_V);
	memcpy(buf, plain, (size_t)len);
	from_browser(browser_tx, buf, len, true);
	for (int i = 0; i < 200 && tz_dp_flow_state(sess, (uint32_t)c.slot_video)->kf_requests < 1; i++)
		usleep(5000);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)c.slot_video)->kf_requests, 1);
	assert_int_equal(rte_ring_count(tx[SIP]), 0);

	/* video after the re-publications: its SRTP state went on (no replay, no
	 * auth failure from a restarted index) */
	len = fp_test_rtp(plain, 500, 96, 1016, V_SSRC);
	memcpy(buf, plain, (size_t)len);
	from_browser(browser_tx, buf, len, false);
	m = fp_test_drain_one(tx[SIP]);
	assert_non_null(m);
	assert_int_equal(udp_dport(m), 5006);
	rte_pktmbuf_free(m);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)c.slot_video)->cnt[TZ_FC_AUTH_FAIL], 0);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)c.slot_audio)->cnt[TZ_FC_AUTH_FAIL], 0);

	call_teardown(&c);
	srtp_dealloc(browser_tx);
	srtp_dealloc(browser_rx);
}

/* The SIP side rejected the video the browser was told it may send: its
 * packets are dropped and counted, the audio goes on. */
static void test_bundle_rejected_video_dropped(void **state)
{
	srtp_t browser_tx = oracle(false);
	uint8_t plain[1200], buf[1300];
	struct tz_dp_flow_key k;
	struct tz_dp_flow f = { .id = 4, .xform = TZ_XF_UNPROTECT };
	struct tz_srtp_ctx *in = fp_test_aes_cm_ctx(eng, TZ_SRTP_DIR_UNPROTECT, master);
	const struct tz_dp_flow_state *st;
	struct rte_mbuf *m;
	int slot, len;

	(void)state;
	f.srtp = f.srtcp = in;
	fp_test_egress(&f.out, 1, GW_SIP, 30000, PHONE, 5004, 5005);
	fp_test_key(&k, BROWSER, 40000, 20000, 0);
	f.bundle.n = 1;
	f.bundle.sub[0].ssrc = V_SSRC;          /* announced in its SDP */
	tz_dp_bundle_pt_add(&f.bundle.sub[0], 96);
	slot = tz_dp_flow_add(sess, &k, &f);
	assert_true(slot >= 0);
	assert_int_equal(fp_test_start_worker(sess, tz_srtp_engine_qp(eng, 0), pid), 0);
	for (uint16_t i = 0; i < 4; i++) {
		len = fp_test_rtp(plain, 900, 96, (uint16_t)(5 + i), V_SSRC);
		from_browser(browser_tx, plain, len, false);
		len = fp_test_rtp(plain, 172, 111, (uint16_t)(9 + i), A_SSRC);
		memcpy(buf, plain, (size_t)len);
		from_browser(browser_tx, buf, len, false);
		m = fp_test_drain_one(tx[SIP]);
		assert_non_null(m);
		assert_int_equal(udp_dport(m), 5004);
		assert_memory_equal(rte_pktmbuf_mtod_offset(m, void *, 42), plain, 172);
		rte_pktmbuf_free(m);
	}
	st = tz_dp_flow_state(sess, (uint32_t)slot);
	assert_int_equal(st->bundle_dropped, 4);
	assert_int_equal(st->cnt[TZ_FC_PKTS], 4);
	assert_int_equal(rte_ring_count(tx[SIP]), 0);
	tz_dp_stop();
	tz_dp_flow_del(sess, &k);
	tz_dp_sessions_synchronize(sess);
	tz_srtp_ctx_destroy(in);
	srtp_dealloc(browser_tx);
}

/* An RTP packet of @p len bytes (header included) with a header extension
 * block carrying MID @p mid as element 4, one-byte (0xBEDE) or two-byte
 * (0x1000) form, padded to a word. */
static int rtp_with_mid(uint8_t *b, int len, uint8_t pt, uint16_t seq, uint32_t ssrc,
			const char *mid, bool two_byte)
{
	size_t n = strlen(mid);
	uint8_t ext[16] = { 0 };
	int e = 4;

	if (two_byte) {
		ext[0] = 0x10;
		ext[4] = 4;
		ext[5] = (uint8_t)n;
		memcpy(ext + 6, mid, n);
		e += 2 + (int)n;
	} else {
		ext[0] = 0xBE;
		ext[1] = 0xDE;
		ext[4] = 0x00;                  /* a padding byte first (RFC 8285 §4.2) */
		ext[5] = (uint8_t)(4 << 4 | (n - 1));
		memcpy(ext + 6, mid, n);
		e += 2 + (int)n;
	}
	e = (e + 3) & ~3;
	ext[3] = (uint8_t)((e - 4) / 4);
	fp_test_rtp(b, len, pt, seq, ssrc);
	memmove(b + 12 + e, b + 12, (size_t)len - 12);
	memcpy(b + 12, ext, (size_t)e);
	b[0] |= 0x10;
	return len + e;
}

/* RFC 8843 MID fallback: a video stream whose SSRC the SDP did not announce
 * and whose payload type is not among the video's is found by the MID in
 * its header extension (one-byte and two-byte forms), its SSRC learned; the
 * audio's MID keeps a packet on the audio. */
static void test_bundle_mid_fallback(void **state)
{
	srtp_t browser_tx = oracle(false);
	uint8_t plain[1200];
	struct rte_mbuf *m;
	struct call c;
	const uint8_t *mid;
	uint64_t cnt[TZ_PC_COUNT];
	uint8_t raw[64];
	bool bad;
	int len;

	(void)state;
	/* the parser alone: found, absent, truncated */
	len = rtp_with_mid(raw, 20, 98, 1, V_SSRC, "12", false);
	assert_int_equal(tz_dp_rtp_mid(raw, (uint32_t)len, 4, &mid), 2);
	assert_memory_equal(mid, "12", 2);
	assert_int_equal(tz_dp_rtp_mid(raw, (uint32_t)len, 5, &mid), 0);
	assert_int_equal(tz_dp_rtp_mid(raw, 17, 4, &mid), 0);
	len = rtp_with_mid(raw, 20, 98, 1, V_SSRC, "1", true);
	assert_int_equal(tz_dp_rtp_mid(raw, (uint32_t)len, 4, &mid), 1);
	raw[0] &= (uint8_t)~0x10;               /* no X bit: no extension */
	assert_int_equal(tz_dp_rtp_mid(raw, (uint32_t)len, 4, &mid), 0);
	/* malformed: an element running past its block, said so (a well-formed
	 * block without the element is not) */
	len = rtp_with_mid(raw, 20, 98, 1, V_SSRC, "12", false);
	assert_int_equal(tz_dp_rtp_mid_check(raw, (uint32_t)len, 5, &mid, &bad), 0);
	assert_false(bad);
	raw[16] = 0x4f;                         /* id 4, 16 bytes: past the block */
	assert_int_equal(tz_dp_rtp_mid_check(raw, (uint32_t)len, 4, &mid, &bad), 0);
	assert_true(bad);
	len = rtp_with_mid(raw, 20, 98, 1, V_SSRC, "1", true);
	raw[17] = 40;                           /* two-byte form, length past the block */
	assert_int_equal(tz_dp_rtp_mid_check(raw, (uint32_t)len, 4, &mid, &bad), 0);
	assert_true(bad);

	call_setup(&c);
	c.audio.bundle.mid_ext = 4;
	tz_dp_bundle_mid_set(c.audio.bundle.mid, &c.audio.bundle.mid_len, "0");
	tz_dp_bundle_mid_set(c.audio.bundle.sub[0].mid, &c.audio.bundle.sub[0].mid_len, "1");
	c.slot_audio = tz_dp_flow_replace(sess, &c.k_audio, &c.k_audio, &c.audio);
	assert_true(c.slot_audio >= 0);
	assert_int_equal(fp_test_start_worker(sess, tz_srtp_engine_qp(eng, 0), pid), 0);
	for (uint16_t i = 0; i < 3; i++) {
		len = rtp_with_mid(plain, 600, 98, (uint16_t)(100 + i), V_SSRC, "1", i == 1);
		from_browser(browser_tx, plain, len, false);
		m = fp_test_drain_one(tx[SIP]);
		assert_non_null(m);
		assert_int_equal(udp_dport(m), 5006);   /* the video's SIP port */
		rte_pktmbuf_free(m);
	}
	/* learned: the same SSRC without the extension still goes to the video */
	len = fp_test_rtp(plain, 600, 98, 103, V_SSRC);
	from_browser(browser_tx, plain, len, false);
	m = fp_test_drain_one(tx[SIP]);
	assert_non_null(m);
	assert_int_equal(udp_dport(m), 5006);
	rte_pktmbuf_free(m);
	/* the audio's MID on an unannounced SSRC and payload type: the audio */
	len = rtp_with_mid(plain, 172, 98, 7, 0x0a0a0a0au, "0", false);
	from_browser(browser_tx, plain, len, false);
	m = fp_test_drain_one(tx[SIP]);
	assert_non_null(m);
	assert_int_equal(udp_dport(m), 5004);
	rte_pktmbuf_free(m);
	/* a malformed extension on an unannounced SSRC: counted, the MID
	 * ignored, the packet routed by payload type (not the video's: the
	 * parent flow, the audio) */
	tz_dp_port_counters(WEB, cnt);
	assert_int_equal(cnt[TZ_PC_MID_MALFORMED], 0);
	len = rtp_with_mid(plain, 600, 98, 8, 0x0b0b0b0bu, "0", false);
	plain[16] = 0x4f;
	from_browser(browser_tx, plain, len, false);
	m = fp_test_drain_one(tx[SIP]);
	assert_non_null(m);
	assert_int_equal(udp_dport(m), 5004);
	rte_pktmbuf_free(m);
	tz_dp_port_counters(WEB, cnt);
	assert_int_equal(cnt[TZ_PC_MID_MALFORMED], 1);
	call_teardown(&c);
	srtp_dealloc(browser_tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_demux_both_ways),
		cmocka_unit_test(test_bundle_rejected_video_dropped),
		cmocka_unit_test(test_bundle_mid_fallback),
	};

	return cmocka_run_group_tests_name("bundle", tests, group_setup, group_teardown);
}
