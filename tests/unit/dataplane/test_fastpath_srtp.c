/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP through the worker on ring ethdevs, with libsrtp2 as the other end:
 * a browser's SRTP (protected by libsrtp2) leaves towards the SIP side as the
 * exact original RTP; the SIP side's RTP leaves towards the browser as SRTP
 * that libsrtp2 unprotects to the original.  Tampered and replayed packets
 * are dropped and counted per session.  All four suites, RTP and rtcp-mux
 * RTCP.
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

static const uint8_t master[46] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
	0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6, 0x11, 0x22,
	0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01,
};

static int group_setup(void **state)
{
	struct tz_srtp_engine_conf ec = { .nb_workers = 1, .max_ctx = 64, .socket_id = 0 };

	mp = fp_test_eal("tz_test_fp_srtp");
	if (mp == NULL || fp_test_ring_ports(mp, "fps", NPORTS, rx, tx, pid) != 0)
		return -1;
	sess = tz_dp_sessions_create("fps_sessions", 256, 1, 0);
	eng = tz_srtp_engine_create(&ec);
	srtp_init();
	return sess == NULL || eng == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	tz_dp_sessions_free(sess);
	tz_srtp_engine_destroy(eng);
	rte_eal_cleanup();
	return 0;
}

static struct rte_mbuf *frame4(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			       const uint8_t *payload, uint16_t plen)
{
	return fp_test_frame4(mp, src, sport, dst, dport, payload, plen);
}

struct suite_case {
	enum tz_srtp_suite ours;
	void (*policy)(srtp_crypto_policy_t *);
	void (*rtcp_policy)(srtp_crypto_policy_t *);   /* SRTCP keeps an 80-bit tag with _32 */
	int key_len;
};

static srtp_t oracle(const struct suite_case *sc, bool inbound)
{
	srtp_policy_t p;
	srtp_t s;

	memset(&p, 0, sizeof(p));
	sc->policy(&p.rtp);
	sc->rtcp_policy(&p.rtcp);
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p.key = (unsigned char *)master;
	p.window_size = 128;
	assert_int_equal(srtp_create(&s, &p), srtp_err_status_ok);
	return s;
}

static struct rte_mbuf *drain_one(struct rte_ring *r)
{
	return fp_test_drain_one(r);
}

/* A replay and a tampered packet from the browser are dropped and counted;
 * stops the worker. */
static void check_rejects(srtp_t browser_tx, const uint8_t *replay, int replay_len, int slot_in)
{
	uint8_t plain[300];
	int len;

	rte_ring_enqueue(rx[WEB], frame4("198.51.100.10", 40000, "198.51.100.1", 20000, replay,
					 (uint16_t)replay_len));
	len = fp_test_rtp(plain, 172, 0, 11, 0x11223344);
	assert_int_equal(srtp_protect(browser_tx, plain, &len), srtp_err_status_ok);
	plain[20] ^= 1;
	rte_ring_enqueue(rx[WEB], frame4("198.51.100.10", 40000, "198.51.100.1", 20000, plain, (uint16_t)len));
	for (int i = 0; i < 100; i++) {
		const struct tz_dp_flow_state *st = tz_dp_flow_state(sess, (uint32_t)slot_in);

		if (st->cnt[TZ_FC_REPLAY] + st->cnt[TZ_FC_AUTH_FAIL] >= 2)
			break;
		usleep(5000);
	}
	tz_dp_stop();
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot_in)->cnt[TZ_FC_REPLAY], 1);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot_in)->cnt[TZ_FC_AUTH_FAIL], 1);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot_in)->cnt[TZ_FC_PKTS], 17);
	assert_int_equal(rte_ring_count(tx[SIP]), 0);
}

static void run_suite(const struct suite_case *sc)
{
	int salt = (int)tz_srtp_suite_salt_len(sc->ours);
	struct tz_srtp_ctx *in = tz_srtp_ctx_create(eng, sc->ours, TZ_SRTP_DIR_UNPROTECT, master,
						    sc->key_len, master + sc->key_len, salt);
	struct tz_srtp_ctx *out = tz_srtp_ctx_create(eng, sc->ours, TZ_SRTP_DIR_PROTECT, master,
						     sc->key_len, master + sc->key_len, salt);
	srtp_t browser_tx = oracle(sc, false), browser_rx = oracle(sc, true);
	struct tz_dp_flow f_in = { .id = 7, .xform = TZ_XF_UNPROTECT, .srtp = in, .srtcp = in };
	struct tz_dp_flow f_out = { .id = 7, .xform = TZ_XF_PROTECT, .srtp = out, .srtcp = out };
	struct tz_dp_flow_key k_in, k_out;
	uint8_t plain[200], buf[300], replay[300];
	int len, slot_in, replay_len = 0;
	struct rte_mbuf *m;

	assert_non_null(in);
	assert_non_null(out);
	fp_test_egress(&f_in.out, 1, "203.0.113.1", 30000, "203.0.113.2", 5004, 5004);
	fp_test_egress(&f_out.out, 0, "198.51.100.1", 20000, "198.51.100.10", 40000, 40000);
	fp_test_key(&k_in, "198.51.100.10", 40000, 20000, 0);
	fp_test_key(&k_out, "203.0.113.2", 5004, 30000, 1);
	slot_in = tz_dp_flow_add(sess, &k_in, &f_in);
	assert_true(slot_in >= 0);
	assert_true(tz_dp_flow_add(sess, &k_out, &f_out) >= 0);
	assert_int_equal(fp_test_start_worker(sess, tz_srtp_engine_qp(eng, 0), pid), 0);

	for (uint16_t seq = 65530; seq != 10; seq++) {   /* crosses the ROC rollover */
		/* browser -> gateway -> SIP: SRTP in, the exact RTP out */
		len = fp_test_rtp(plain, 172, 0, seq, 0x11223344);
		memcpy(buf, plain, (size_t)len);
		assert_int_equal(srtp_protect(browser_tx, buf, &len), srtp_err_status_ok);
		if (seq == 65535) {
			memcpy(replay, buf, (size_t)len);
			replay_len = len;
		}
		rte_ring_enqueue(rx[WEB], frame4("198.51.100.10", 40000, "198.51.100.1", 20000, buf,
						 (uint16_t)len));
		m = drain_one(tx[SIP]);
		assert_non_null(m);
		assert_int_equal(rte_pktmbuf_pkt_len(m), 42 + 172);
		assert_memory_equal(rte_pktmbuf_mtod_offset(m, void *, 42), plain, 172);
		rte_pktmbuf_free(m);

		/* SIP -> gateway -> browser: RTP in, SRTP out that libsrtp2 accepts */
		len = fp_test_rtp(plain, 172, 8, seq, 0x55667788);
		rte_ring_enqueue(rx[SIP], frame4("203.0.113.2", 5004, "203.0.113.1", 30000, plain, 172));
		m = drain_one(tx[WEB]);
		assert_non_null(m);
		len = (int)rte_pktmbuf_pkt_len(m) - 42;
		memcpy(buf, rte_pktmbuf_mtod_offset(m, void *, 42), (size_t)len);
		rte_pktmbuf_free(m);
		assert_int_equal(srtp_unprotect(browser_rx, buf, &len), srtp_err_status_ok);
		assert_int_equal(len, 172);
		assert_memory_equal(buf, plain, 172);
	}
	/* rtcp-mux: an SRTCP sender report from the browser leaves as RTCP */
	len = fp_test_rtp(plain, 28, 200, 6, 0x11223344);
	memcpy(buf, plain, (size_t)len);
	assert_int_equal(srtp_protect_rtcp(browser_tx, buf, &len), srtp_err_status_ok);
	rte_ring_enqueue(rx[WEB], frame4("198.51.100.10", 40000, "198.51.100.1", 20000, buf, (uint16_t)len));
	m = drain_one(tx[SIP]);
	assert_non_null(m);
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, void *, 42), plain, 28);
	rte_pktmbuf_free(m);

	check_rejects(browser_tx, replay, replay_len, slot_in);

	tz_dp_flow_del(sess, &k_in);
	tz_dp_flow_del(sess, &k_out);
	srtp_dealloc(browser_tx);
	srtp_dealloc(browser_rx);
	/* Workers are stopped: no grace period to wait for. */
	tz_srtp_ctx_destroy(in);
	tz_srtp_ctx_destroy(out);
}

static void test_aes_cm_80_both_ways(void **state)
{
	const struct suite_case sc = { TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
				       srtp_crypto_policy_set_rtp_default,
				       srtp_crypto_policy_set_rtp_default, 16 };
	run_suite(&sc);
}

static void test_aes_cm_32_both_ways(void **state)
{
	const struct suite_case sc = { TZ_SRTP_AES_CM_128_HMAC_SHA1_32,
				       srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
				       srtp_crypto_policy_set_rtp_default, 16 };
	run_suite(&sc);
}

static void test_aead_aes_128_gcm_both_ways(void **state)
{
	const struct suite_case sc = { TZ_SRTP_AEAD_AES_128_GCM,
				       srtp_crypto_policy_set_aes_gcm_128_16_auth,
				       srtp_crypto_policy_set_aes_gcm_128_16_auth, 16 };
	run_suite(&sc);
}

static void test_aead_aes_256_gcm_both_ways(void **state)
{
	const struct suite_case sc = { TZ_SRTP_AEAD_AES_256_GCM,
				       srtp_crypto_policy_set_aes_gcm_256_16_auth,
				       srtp_crypto_policy_set_aes_gcm_256_16_auth, 32 };
	run_suite(&sc);
}

/* The echo service: the browser's SRTP comes back to it decryptable with
 * the gateway's outbound keys, under the gateway's SSRC. */
static void test_echo_returns_media_under_our_ssrc(void **state)
{
	const struct suite_case sc = { TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
				       srtp_crypto_policy_set_rtp_default,
				       srtp_crypto_policy_set_rtp_default, 16 };
	struct tz_srtp_ctx *in = tz_srtp_ctx_create(eng, sc.ours, TZ_SRTP_DIR_UNPROTECT, master, 16,
						    master + 16, 14);
	struct tz_srtp_ctx *out = tz_srtp_ctx_create(eng, sc.ours, TZ_SRTP_DIR_PROTECT, master, 16,
						     master + 16, 14);
	srtp_t browser_tx = oracle(&sc, false), browser_rx = oracle(&sc, true);
	struct tz_dp_flow f = { .id = 9, .xform = TZ_XF_ECHO, .srtp = in, .srtcp = in,
				.srtp_out = out, .ssrc_out = 0xcafe0001 };
	struct tz_dp_flow_key k;
	uint8_t plain[200], buf[300];
	struct rte_mbuf *m;
	int len;

	fp_test_egress(&f.out, 0, "198.51.100.1", 20002, "198.51.100.10", 40002, 40002);
	fp_test_key(&k, "198.51.100.10", 40002, 20002, 0);
	assert_true(tz_dp_flow_add(sess, &k, &f) >= 0);
	assert_int_equal(fp_test_start_worker(sess, tz_srtp_engine_qp(eng, 0), pid), 0);
	for (uint16_t seq = 1; seq <= 20; seq++) {
		len = fp_test_rtp(plain, 172, 111, seq, 0x11223344);
		memcpy(buf, plain, (size_t)len);
		assert_int_equal(srtp_protect(browser_tx, buf, &len), srtp_err_status_ok);
		rte_ring_enqueue(rx[WEB], frame4("198.51.100.10", 40002, "198.51.100.1", 20002, buf,
						 (uint16_t)len));
		m = drain_one(tx[WEB]);
		assert_non_null(m);
		assert_int_equal(ntohs(rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 34)->dst_port), 40002);
		len = (int)rte_pktmbuf_pkt_len(m) - 42;
		memcpy(buf, rte_pktmbuf_mtod_offset(m, void *, 42), (size_t)len);
		rte_pktmbuf_free(m);
		assert_int_equal(srtp_unprotect(browser_rx, buf, &len), srtp_err_status_ok);
		assert_int_equal(len, 172);
		assert_memory_equal(buf + 12, plain + 12, 160);                 /* the payload */
		assert_memory_equal(buf + 8, "\xca\xfe\x00\x01", 4);          /* our SSRC */
	}
	tz_dp_stop();
	tz_dp_flow_del(sess, &k);
	srtp_dealloc(browser_tx);
	srtp_dealloc(browser_rx);
	tz_srtp_ctx_destroy(in);
	tz_srtp_ctx_destroy(out);
}

/* A media hairpin: browser A's SRTP leaves to browser B (another address and
 * port), protected with B's outbound keys under B's SSRC, telephone-event
 * renumbered to B's payload type after unprotecting (SRTP authenticates the
 * header: rewriting it first would fail every packet); A's opus keeps its
 * PT; RTCP is verified and consumed. */
static void test_hairpin_to_other_browser_with_its_keys_and_pts(void **state)
{
	const struct suite_case sc = { TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
				       srtp_crypto_policy_set_rtp_default,
				       srtp_crypto_policy_set_rtp_default, 16 };
	uint8_t master_b[46];
	struct tz_srtp_ctx *in_a, *out_b;
	srtp_t a_tx = oracle(&sc, false), b_rx;
	srtp_policy_t pol;
	struct tz_dp_flow f = { .id = 11, .xform = TZ_XF_ECHO, .ssrc_out = 0xb0b00001,
				.pt = { .n = 1, .from = { 126 }, .to = { 101 } } };
	struct tz_dp_flow_key k;
	uint8_t plain[200], buf[300];
	struct rte_mbuf *m;
	int len, slot;

	for (int i = 0; i < 46; i++)
		master_b[i] = (uint8_t)(master[i] ^ 0x5a);
	in_a = tz_srtp_ctx_create(eng, sc.ours, TZ_SRTP_DIR_UNPROTECT, master, 16, master + 16, 14);
	out_b = tz_srtp_ctx_create(eng, sc.ours, TZ_SRTP_DIR_PROTECT, master_b, 16, master_b + 16, 14);
	assert_non_null(in_a);
	assert_non_null(out_b);
	memset(&pol, 0, sizeof(pol));
	srtp_crypto_policy_set_rtp_default(&pol.rtp);
	srtp_crypto_policy_set_rtp_default(&pol.rtcp);
	pol.ssrc.type = ssrc_any_inbound;
	pol.key = master_b;
	pol.window_size = 128;
	assert_int_equal(srtp_create(&b_rx, &pol), srtp_err_status_ok);
	f.srtp = f.srtcp = in_a;
	f.srtp_out = out_b;
	fp_test_egress(&f.out, 0, "198.51.100.1", 20006, "198.51.100.20", 40006, 40006);
	fp_test_key(&k, "198.51.100.10", 40004, 20004, 0);
	slot = tz_dp_flow_add(sess, &k, &f);
	assert_true(slot >= 0);
	assert_int_equal(fp_test_start_worker(sess, tz_srtp_engine_qp(eng, 0), pid), 0);
	for (uint16_t seq = 1; seq <= 20; seq++) {
		uint8_t pt = seq % 4 == 0 ? 126 : 111;

		len = fp_test_rtp(plain, 172, pt, seq, 0x11223344);
		memcpy(buf, plain, (size_t)len);
		assert_int_equal(srtp_protect(a_tx, buf, &len), srtp_err_status_ok);
		rte_ring_enqueue(rx[WEB], frame4("198.51.100.10", 40004, "198.51.100.1", 20004, buf,
						 (uint16_t)len));
		m = drain_one(tx[WEB]);
		if (m == NULL)          /* which drop counter says why */
			for (int c = 0; c < TZ_FC_COUNT; c++)
				print_message("%s=%lu\n", tz_flow_counter_name(c),
					      (unsigned long)tz_dp_flow_state(sess, (uint32_t)slot)->cnt[c]);
		assert_non_null(m);
		assert_int_equal(ntohs(rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 34)->src_port), 20006);
		assert_int_equal(ntohs(rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 34)->dst_port), 40006);
		len = (int)rte_pktmbuf_pkt_len(m) - 42;
		memcpy(buf, rte_pktmbuf_mtod_offset(m, void *, 42), (size_t)len);
		rte_pktmbuf_free(m);
		assert_int_equal(srtp_unprotect(b_rx, buf, &len), srtp_err_status_ok);
		assert_int_equal(len, 172);
		assert_int_equal(buf[1] & 0x7f, pt == 126 ? 101 : 111);
		assert_memory_equal(buf + 12, plain + 12, 160);
		assert_memory_equal(buf + 8, "\xb0\xb0\x00\x01", 4);    /* B's SSRC */
	}
	/* A's SRTCP: verified and consumed, nothing reaches B */
	len = fp_test_rtp(plain, 28, 200, 6, 0x11223344);
	memcpy(buf, plain, (size_t)len);
	assert_int_equal(srtp_protect_rtcp(a_tx, buf, &len), srtp_err_status_ok);
	rte_ring_enqueue(rx[WEB], frame4("198.51.100.10", 40004, "198.51.100.1", 20004, buf, (uint16_t)len));
	for (int i = 0; i < 200 && tz_dp_flow_state(sess, (uint32_t)slot)->cnt[TZ_FC_RTCP] == 0; i++)
		usleep(5000);
	tz_dp_stop();
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot)->cnt[TZ_FC_RTCP], 1);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot)->cnt[TZ_FC_AUTH_FAIL], 0);
	assert_int_equal(rte_ring_count(tx[WEB]), 0);
	tz_dp_flow_del(sess, &k);
	srtp_dealloc(a_tx);
	srtp_dealloc(b_rx);
	tz_srtp_ctx_destroy(in_a);
	tz_srtp_ctx_destroy(out_b);
}

static srtp_t oracle_key(void (*rtp)(srtp_crypto_policy_t *), const uint8_t *key, bool inbound)
{
	srtp_policy_t p;
	srtp_t s;

	memset(&p, 0, sizeof(p));
	rtp(&p.rtp);
	srtp_crypto_policy_set_rtp_default(&p.rtcp);
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p.key = (unsigned char *)key;
	p.window_size = 128;
	assert_int_equal(srtp_create(&s, &p), srtp_err_status_ok);
	return s;
}

static struct rte_mbuf *send_and_take(int from, const char *src, uint16_t sport, const char *dst,
				      uint16_t dport, const uint8_t *buf, int len, int to)
{
	rte_ring_enqueue(rx[from], frame4(src, sport, dst, dport, buf, (uint16_t)len));
	return drain_one(tx[to]);
}

/* Copy the UDP payload of @p m into @p buf, free @p m; its length. */
static int take_payload(struct rte_mbuf *m, uint8_t *buf)
{
	int len = (int)rte_pktmbuf_pkt_len(m) - 42;

	memcpy(buf, rte_pktmbuf_mtod_offset(m, void *, 42), (size_t)len);
	rte_pktmbuf_free(m);
	return len;
}

/* An SDES-SRTP trunk: the browser's SRTP (DTLS keys, AES_CM_80) leaves to
 * the PBX protected with our SDES key (AES_CM_32 here: the suites may
 * differ), SSRC kept, telephone-event renumbered; the PBX's SRTP (its SDES
 * key) leaves to the browser under the browser's keys and our SSRC.  Both
 * across a sequence-number rollover; SRTCP re-keyed both ways (not
 * consumed); a tampered packet and a replay are dropped and counted. */
static void test_rekey_sdes_trunk_both_ways(void **state)
{
	uint8_t k_ours[46], k_pbx[46], plain[200], buf[300], replay[300];
	struct tz_srtp_ctx *web_in, *web_out, *sdes_out, *sdes_in, *sdes_in2;
	srtp_t browser_tx, browser_rx, pbx_tx, pbx_rx, pbx_tx2;
	struct tz_dp_flow f_web = { .id = 13, .xform = TZ_XF_REKEY,
				    .pt = { .n = 1, .from = { 126 }, .to = { 101 } } };
	struct tz_dp_flow f_sip = { .id = 13, .xform = TZ_XF_REKEY, .ssrc_out = 0xcafe0002,
				    .pt = { .n = 1, .from = { 101 }, .to = { 126 } } };
	struct tz_dp_flow_key k_web, k_sip;
	struct rte_mbuf *m;
	int len, slot_web, slot_sip, replay_len = 0;
	unsigned n_to_pbx = 0, n_to_web = 0;

	for (int i = 0; i < 46; i++) {
		k_ours[i] = (uint8_t)(master[i] ^ 0x5a);
		k_pbx[i] = (uint8_t)(master[i] ^ 0xa5);
	}
	web_in = tz_srtp_ctx_create(eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80, TZ_SRTP_DIR_UNPROTECT,
				    master, 16, master + 16, 14);
	web_out = tz_srtp_ctx_create(eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80, TZ_SRTP_DIR_PROTECT,
				     master + 16, 16, master, 14);
	sdes_out = tz_srtp_ctx_create(eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_32, TZ_SRTP_DIR_PROTECT,
				      k_ours, 16, k_ours + 16, 14);
	sdes_in = tz_srtp_ctx_create(eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_32, TZ_SRTP_DIR_UNPROTECT,
				     k_pbx, 16, k_pbx + 16, 14);
	assert_non_null(web_in);
	assert_non_null(web_out);
	assert_non_null(sdes_out);
	assert_non_null(sdes_in);
	{
		uint8_t wo[30];

		memcpy(wo, master + 16, 16);
		memcpy(wo + 16, master, 14);
		browser_rx = oracle_key(srtp_crypto_policy_set_rtp_default, wo, true);
	}
	browser_tx = oracle_key(srtp_crypto_policy_set_rtp_default, master, false);
	pbx_rx = oracle_key(srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, k_ours, true);
	pbx_tx = oracle_key(srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, k_pbx, false);
	f_web.srtp = f_web.srtcp = web_in;
	f_web.srtp_out = f_web.srtcp_out = sdes_out;
	f_sip.srtp = f_sip.srtcp = sdes_in;
	f_sip.srtp_out = f_sip.srtcp_out = web_out;
	fp_test_egress(&f_web.out, 1, "203.0.113.1", 30010, "203.0.113.2", 5010, 5011);
	fp_test_egress(&f_sip.out, 0, "198.51.100.1", 20010, "198.51.100.10", 40010, 40010);
	fp_test_key(&k_web, "198.51.100.10", 40010, 20010, 0);
	fp_test_key(&k_sip, "203.0.113.2", 5010, 30010, 1);
	slot_web = tz_dp_flow_add(sess, &k_web, &f_web);
	slot_sip = tz_dp_flow_add(sess, &k_sip, &f_sip);
	assert_true(slot_web >= 0 && slot_sip >= 0);
	assert_int_equal(fp_test_start_worker(sess, tz_srtp_engine_qp(eng, 0), pid), 0);

	for (uint16_t seq = 65500; seq != 40; seq++) {       /* crosses the ROC rollover */
		uint8_t pt = seq % 5 == 0 ? 126 : 111;

		/* browser -> PBX: the PBX decrypts it with our SDES key */
		len = fp_test_rtp(plain, 172, pt, seq, 0x11223344);
		memcpy(buf, plain, (size_t)len);
		assert_int_equal(srtp_protect(browser_tx, buf, &len), srtp_err_status_ok);
		if (seq == 65535) {
			memcpy(replay, buf, (size_t)len);
			replay_len = len;
		}
		m = send_and_take(WEB, "198.51.100.10", 40010, "198.51.100.1", 20010, buf, len, SIP);
		assert_non_null(m);
		assert_int_equal(ntohs(rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 34)->dst_port), 5010);
		len = take_payload(m, buf);
		assert_int_equal(len, 172 + 4);                       /* the _32 tag */
		assert_int_equal(srtp_unprotect(pbx_rx, buf, &len), srtp_err_status_ok);
		assert_int_equal(len, 172);
		assert_int_equal(buf[1] & 0x7f, pt == 126 ? 101 : 111);
		assert_memory_equal(buf + 2, plain + 2, 10);          /* seq, ts, SSRC kept */
		assert_memory_equal(buf + 12, plain + 12, 160);
		n_to_pbx++;

		/* PBX -> browser: the browser decrypts it with its DTLS keys */
		len = fp_test_rtp(plain, 172, pt == 126 ? 101 : 0, seq, 0x55667788);
		memcpy(buf, plain, (size_t)len);
		assert_int_equal(srtp_protect(pbx_tx, buf, &len), srtp_err_status_ok);
		m = send_and_take(SIP, "203.0.113.2", 5010, "203.0.113.1", 30010, buf, len, WEB);
		assert_non_null(m);
		len = take_payload(m, buf);
		assert_int_equal(len, 172 + 10);
		assert_int_equal(srtp_unprotect(browser_rx, buf, &len), srtp_err_status_ok);
		assert_int_equal(len, 172);
		assert_int_equal(buf[1] & 0x7f, pt == 126 ? 126 : 0);
		assert_memory_equal(buf + 8, "\xca\xfe\x00\x02", 4);  /* our SSRC */
		assert_memory_equal(buf + 12, plain + 12, 160);
		n_to_web++;
	}
	/* SRTCP both ways: re-keyed, not consumed */
	len = fp_test_rtp(plain, 28, 200, 6, 0x11223344);
	memcpy(buf, plain, (size_t)len);
	assert_int_equal(srtp_protect_rtcp(browser_tx, buf, &len), srtp_err_status_ok);
	m = send_and_take(WEB, "198.51.100.10", 40010, "198.51.100.1", 20010, buf, len, SIP);
	assert_non_null(m);
	assert_int_equal(ntohs(rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 34)->dst_port), 5011);
	len = take_payload(m, buf);
	assert_int_equal(srtp_unprotect_rtcp(pbx_rx, buf, &len), srtp_err_status_ok);
	assert_int_equal(len, 28);
	assert_memory_equal(buf, plain, 28);
	len = fp_test_rtp(plain, 28, 200, 7, 0x55667788);
	memcpy(buf, plain, (size_t)len);
	assert_int_equal(srtp_protect_rtcp(pbx_tx, buf, &len), srtp_err_status_ok);
	m = send_and_take(SIP, "203.0.113.2", 5010, "203.0.113.1", 30010, buf, len, WEB);
	assert_non_null(m);
	len = take_payload(m, buf);
	assert_int_equal(srtp_unprotect_rtcp(browser_rx, buf, &len), srtp_err_status_ok);
	assert_memory_equal(buf, plain, 28);

	/* The PBX re-INVITEs with a new key: the flow re-published in place
	 * with key_gen[0] bumped; the PBX's new association starts at ROC 0
	 * while the browser's stream (same DTLS key) goes on where it was. */
	{
		uint8_t k_pbx2[46];
		struct tz_dp_flow f2 = f_sip;

		for (int i = 0; i < 46; i++)
			k_pbx2[i] = (uint8_t)(master[i] ^ 0x3c);
		sdes_in2 = tz_srtp_ctx_create(eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_32,
					      TZ_SRTP_DIR_UNPROTECT, k_pbx2, 16, k_pbx2 + 16, 14);
		assert_non_null(sdes_in2);
		pbx_tx2 = oracle_key(srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, k_pbx2, false);
		f2.srtp = f2.srtcp = sdes_in2;
		f2.key_gen[0] = 1;
		assert_int_equal(tz_dp_flow_replace(sess, &k_sip, &k_sip, &f2), slot_sip);
		for (uint16_t seq = 1; seq <= 5; seq++) {
			len = fp_test_rtp(plain, 172, 0, seq, 0x77665544);
			memcpy(buf, plain, (size_t)len);
			assert_int_equal(srtp_protect(pbx_tx2, buf, &len), srtp_err_status_ok);
			m = send_and_take(SIP, "203.0.113.2", 5010, "203.0.113.1", 30010, buf, len, WEB);
			assert_non_null(m);
			len = take_payload(m, buf);
			assert_int_equal(srtp_unprotect(browser_rx, buf, &len), srtp_err_status_ok);
			assert_memory_equal(buf + 12, plain + 12, 160);
			n_to_web++;
		}
	}

	/* a replay from the browser, a tampered packet from the PBX: dropped, counted */
	rte_ring_enqueue(rx[WEB], frame4("198.51.100.10", 40010, "198.51.100.1", 20010, replay,
					 (uint16_t)replay_len));
	len = fp_test_rtp(plain, 172, 0, 6, 0x77665544);
	assert_int_equal(srtp_protect(pbx_tx2, plain, &len), srtp_err_status_ok);
	plain[30] ^= 1;
	rte_ring_enqueue(rx[SIP], frame4("203.0.113.2", 5010, "203.0.113.1", 30010, plain, (uint16_t)len));
	for (int i = 0; i < 400; i++) {
		if (tz_dp_flow_state(sess, (uint32_t)slot_web)->cnt[TZ_FC_REPLAY] +
		    tz_dp_flow_state(sess, (uint32_t)slot_sip)->cnt[TZ_FC_AUTH_FAIL] >= 2)
			break;
		usleep(5000);
	}
	tz_dp_stop();
	print_message("rekey: %u packets browser->PBX, %u PBX->browser\n", n_to_pbx, n_to_web);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot_web)->cnt[TZ_FC_REPLAY], 1);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot_sip)->cnt[TZ_FC_AUTH_FAIL], 1);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot_web)->cnt[TZ_FC_PKTS], n_to_pbx + 1);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot_sip)->cnt[TZ_FC_PKTS], n_to_web + 1);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot_web)->cnt[TZ_FC_RTCP], 1);
	assert_int_equal(rte_ring_count(tx[SIP]) + rte_ring_count(tx[WEB]), 0);
	tz_dp_flow_del(sess, &k_web);
	tz_dp_flow_del(sess, &k_sip);
	srtp_dealloc(browser_tx);
	srtp_dealloc(browser_rx);
	srtp_dealloc(pbx_tx);
	srtp_dealloc(pbx_rx);
	srtp_dealloc(pbx_tx2);
	tz_srtp_ctx_destroy(sdes_in2);
	tz_srtp_ctx_destroy(web_in);
	tz_srtp_ctx_destroy(web_out);
	tz_srtp_ctx_destroy(sdes_out);
	tz_srtp_ctx_destroy(sdes_in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aes_cm_80_both_ways),
		cmocka_unit_test(test_aes_cm_32_both_ways),
		cmocka_unit_test(test_aead_aes_128_gcm_both_ways),
		cmocka_unit_test(test_aead_aes_256_gcm_both_ways),
		cmocka_unit_test(test_echo_returns_media_under_our_ssrc),
		cmocka_unit_test(test_hairpin_to_other_browser_with_its_keys_and_pts),
		cmocka_unit_test(test_rekey_sdes_trunk_both_ways),
	};

	return cmocka_run_group_tests_name("fastpath_srtp", tests, group_setup, group_teardown);
}
