/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP stream state across a re-publish (hold, resume, re-INVITE, latching),
 * through the worker on ring ethdevs with libsrtp2 as the browser:
 *
 * 70,000 packets each way (the sequence number wraps, ROC 0 -> 1), then the
 * call's flows are replaced -- the browser flow in place under its key, the
 * SIP flow under a new key (the peer latched to another port), the SIP RTCP
 * port flow in place -- with the same crypto contexts, then more packets:
 *
 * - towards the browser, every SRTP index (ROC||SEQ) the gateway uses is
 *   new (no keystream / GCM nonce reuse) and libsrtp2 still authenticates
 *   every packet;
 * - from the browser, packets past the wrap still authenticate (ROC kept);
 * - SRTCP indices continue and never repeat, although two flows (RTP port
 *   with muxed RTCP, and the RTCP port) protect with one context;
 * - when the SIP side's source changes (new SSRC, sequence number back at
 *   1000), the browser's stream (our SSRC) goes on with the next index
 *   instead of stepping back into indices already used (and dropped).
 *
 * Before tz_dp_flow_replace the control plane deleted and re-added the flows,
 * and the new slot started at ROC 0 with SRTCP index 0: every one of these
 * checks failed after the re-publish.
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
#define PEER "203.0.113.2"
#define GW_SIP "203.0.113.1"
#define OUR_SSRC 0xcafe0001u
#define BROWSER_SSRC 0x11223344u
#define BATCH 32
#define BEFORE 70000            /* packets each way before the re-publish */
#define AFTER 2000              /* and after it */

static const uint8_t master[46] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
	0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6, 0x11, 0x22,
	0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01,
};

struct suite_case {
	enum tz_srtp_suite ours;
	void (*policy)(srtp_crypto_policy_t *);
	int key_len;
};

/* One call as the control plane publishes it, and the browser's libsrtp2. */
struct call {
	const struct suite_case *sc;
	struct tz_srtp_ctx *in, *out;
	srtp_t browser_tx, browser_rx;
	struct tz_dp_flow f[3];
	struct tz_dp_flow_key k[3];
	uint16_t peer_port;
	uint64_t last_index;            /* highest SRTP index seen by the browser */
	bool any_index;
	uint8_t srtcp_seen[64];         /* bitmap of SRTCP indices the browser got */
	uint32_t srtcp_max;
};

static int group_setup(void **state)
{
	struct tz_srtp_engine_conf ec = { .nb_workers = 1, .max_ctx = 16, .socket_id = 0 };

	mp = fp_test_eal("tz_test_srtp_repub");
	if (mp == NULL || fp_test_ring_ports(mp, "rep", NPORTS, rx, tx, pid) != 0)
		return -1;
	sess = tz_dp_sessions_create("rep_sessions", 64, 1, 0);
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

static srtp_t oracle(const struct suite_case *sc, bool inbound)
{
	srtp_policy_t p;
	srtp_t s;

	memset(&p, 0, sizeof(p));
	sc->policy(&p.rtp);
	sc->policy(&p.rtcp);
	if (sc->ours == TZ_SRTP_AES_CM_128_HMAC_SHA1_80)
		srtp_crypto_policy_set_rtp_default(&p.rtcp);
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p.key = (unsigned char *)master;
	p.window_size = 128;
	assert_int_equal(srtp_create(&s, &p), srtp_err_status_ok);
	return s;
}

/* The call's flows as media.c builds them for the peer at @p peer_port. */
static void build_flows(struct call *c, uint16_t peer_port)
{
	c->peer_port = peer_port;
	c->f[0] = (struct tz_dp_flow){ .id = 5, .xform = TZ_XF_UNPROTECT, .srtp = c->in,
				       .srtcp = c->in };
	fp_test_egress(&c->f[0].out, 1, GW_SIP, 30000, PEER, peer_port, peer_port + 1);
	fp_test_key(&c->k[0], BROWSER, 40000, 20000, 0);
	c->f[1] = (struct tz_dp_flow){ .id = 5, .xform = TZ_XF_PROTECT, .srtp = c->out,
				       .srtcp = c->out, .ssrc_out = OUR_SSRC };
	fp_test_egress(&c->f[1].out, 0, GW_WEB, 20000, BROWSER, 40000, 40000);
	fp_test_key(&c->k[1], PEER, peer_port, 30000, 1);
	c->f[2] = c->f[1];
	c->f[2].is_rtcp_port = 1;
	fp_test_key(&c->k[2], PEER, peer_port + 1, 30001, 1);
}

static struct rte_mbuf *frame(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			      const uint8_t *payload, int plen)
{
	struct rte_mbuf *m = fp_test_frame4(mp, src, sport, dst, dport, payload, (uint16_t)plen);

	assert_non_null(m);
	return m;
}

/* The browser got SRTP from us: it must authenticate, and its index must be
 * the one after the last (we send in order, nothing is lost): never one the
 * gateway used before. */
static void browser_gets_rtp(struct call *c, struct rte_mbuf *m)
{
	uint8_t buf[300];
	int len = (int)rte_pktmbuf_pkt_len(m) - 42;
	uint32_t roc = 0;
	uint64_t index;

	memcpy(buf, rte_pktmbuf_mtod_offset(m, void *, 42), (size_t)len);
	rte_pktmbuf_free(m);
	assert_int_equal(srtp_unprotect(c->browser_rx, buf, &len), srtp_err_status_ok);
	assert_int_equal(len, 172);
	assert_memory_equal(buf + 8, "\xca\xfe\x00\x01", 4);
	assert_int_equal(srtp_get_stream_roc(c->browser_rx, OUR_SSRC, &roc), srtp_err_status_ok);
	index = ((uint64_t)roc << 16) | ((unsigned)buf[2] << 8) | buf[3];
	if (c->any_index)
		assert_int_equal(index, c->last_index + 1);
	c->last_index = index;
	c->any_index = true;
}

/* @p n packets each way, sequence numbers from @p seq0 (mod 2^16); the SIP
 * side's from @p sip_seq0 under @p sip_ssrc. */
static void media_both_ways_sip(struct call *c, uint32_t seq0, uint32_t n, uint32_t sip_seq0,
				uint32_t sip_ssrc)
{
	uint8_t plain[200], buf[300];
	struct rte_mbuf *m;
	int len;

	for (uint32_t done = 0; done < n; done += BATCH) {
		uint32_t b = n - done < BATCH ? n - done : BATCH;

		for (uint32_t i = 0; i < b; i++) {
			uint16_t seq = (uint16_t)(seq0 + done + i);

			len = fp_test_rtp(buf, 172, 0, seq, BROWSER_SSRC);
			assert_int_equal(srtp_protect(c->browser_tx, buf, &len), srtp_err_status_ok);
			assert_int_equal(rte_ring_enqueue(rx[WEB], frame(BROWSER, 40000, GW_WEB, 20000,
									 buf, len)), 0);
			len = fp_test_rtp(plain, 172, 8, (uint16_t)(sip_seq0 + done + i), sip_ssrc);
			assert_int_equal(rte_ring_enqueue(rx[SIP], frame(PEER, c->peer_port, GW_SIP, 30000,
									 plain, len)), 0);
		}
		for (uint32_t i = 0; i < b; i++) {
			uint16_t seq = (uint16_t)(seq0 + done + i);

			/* browser -> SIP: the exact RTP, also past the wrap */
			m = fp_test_drain_one(tx[SIP]);
			assert_non_null(m);
			fp_test_rtp(plain, 172, 0, seq, BROWSER_SSRC);
			assert_int_equal(rte_pktmbuf_pkt_len(m), 42 + 172);
			assert_memory_equal(rte_pktmbuf_mtod_offset(m, void *, 42), plain, 172);
			rte_pktmbuf_free(m);
			m = fp_test_drain_one(tx[WEB]);
			assert_non_null(m);
			browser_gets_rtp(c, m);
		}
	}
}

static void media_both_ways(struct call *c, uint32_t seq0, uint32_t n)
{
	media_both_ways_sip(c, seq0, n, seq0, 0x55667788);
}

/* An RTCP report from the SIP side on port @p lport (30000: muxed on the RTP
 * port, 30001: the RTCP port); the browser must accept it and its SRTCP
 * index must be new. */
static void rtcp_to_browser(struct call *c, uint16_t rport, uint16_t lport)
{
	uint8_t plain[28], buf[100];
	struct rte_mbuf *m;
	uint32_t index;
	int len;

	len = fp_test_rtp(plain, 28, 200, 6, 0x55667788);
	plain[1] = 200;                 /* SR */
	plain[3] = 6;                   /* length in words - 1 */
	rte_ring_enqueue(rx[SIP], frame(PEER, rport, GW_SIP, lport, plain, len));
	m = fp_test_drain_one(tx[WEB]);
	assert_non_null(m);
	len = (int)rte_pktmbuf_pkt_len(m) - 42;
	memcpy(buf, rte_pktmbuf_mtod_offset(m, void *, 42), (size_t)len);
	rte_pktmbuf_free(m);
	/* E|index: before the 10-byte tag (AES-CM), last 4 bytes (GCM) */
	{
		const uint8_t *t = c->sc->ours == TZ_SRTP_AES_CM_128_HMAC_SHA1_80 ? buf + len - 14
										  : buf + len - 4;

		index = (((uint32_t)t[0] << 24) | ((uint32_t)t[1] << 16) | ((uint32_t)t[2] << 8) | t[3]) &
			0x7fffffffu;
	}
	assert_true(index < sizeof(c->srtcp_seen) * 8);
	assert_false(c->srtcp_seen[index / 8] & (1u << (index % 8)));   /* never reused */
	c->srtcp_seen[index / 8] |= (uint8_t)(1u << (index % 8));
	assert_int_equal(srtp_unprotect_rtcp(c->browser_rx, buf, &len), srtp_err_status_ok);
	assert_int_equal(len, 28);
	assert_memory_equal(buf, plain, 28);
}

static void run_case(const struct suite_case *sc)
{
	int salt = (int)tz_srtp_suite_salt_len(sc->ours);
	struct call c = { .sc = sc };
	struct tz_dp_flow_key old[3];
	uint32_t seq0 = 0;

	c.in = tz_srtp_ctx_create(eng, sc->ours, TZ_SRTP_DIR_UNPROTECT, master, sc->key_len,
				  master + sc->key_len, salt);
	c.out = tz_srtp_ctx_create(eng, sc->ours, TZ_SRTP_DIR_PROTECT, master, sc->key_len,
				   master + sc->key_len, salt);
	assert_non_null(c.in);
	assert_non_null(c.out);
	c.browser_tx = oracle(sc, false);
	c.browser_rx = oracle(sc, true);
	build_flows(&c, 5004);
	for (int i = 0; i < 3; i++)
		assert_true(tz_dp_flow_add(sess, &c.k[i], &c.f[i]) >= 0);
	assert_int_equal(fp_test_start_worker(sess, tz_srtp_engine_qp(eng, 0), pid), 0);

	media_both_ways(&c, seq0, BEFORE);              /* wraps at 65536 */
	assert_true(c.last_index >= 65536);             /* the browser's ROC is 1 */
	rtcp_to_browser(&c, 5004, 30000);
	rtcp_to_browser(&c, 5005, 30001);
	rtcp_to_browser(&c, 5004, 30000);

	/* re-publish: the SIP side latched to port 6004; the browser flow
	 * and the RTCP port are replaced under their own keys */
	memcpy(old, c.k, sizeof(old));
	build_flows(&c, 6004);
	c.k[2] = old[2];
	for (int i = 0; i < 3; i++)
		assert_true(tz_dp_flow_replace(sess, &old[i], &c.k[i], &c.f[i]) >= 0);
	assert_null(tz_dp_flow_find(sess, &old[1]));
	assert_int_equal(tz_dp_flow_count(sess), 3);

	media_both_ways(&c, seq0 + BEFORE, AFTER);
	rtcp_to_browser(&c, 6004, 30000);
	rtcp_to_browser(&c, 5005, 30001);
	assert_int_equal(tz_srtp_ctx_rtcp_index(c.out), 5);

	/* the SIP side's source changes (music on hold, a transfer): new SSRC,
	 * sequence back at 1000; the browser's stream goes on without a step
	 * back (our SSRC, our sequence space) */
	media_both_ways_sip(&c, seq0 + BEFORE + AFTER, AFTER, 1000, 0x99aabbcc);
	media_both_ways_sip(&c, seq0 + BEFORE + 2 * AFTER, AFTER, 40000, 0x55667788);
	/* everything arrived; nothing was dropped on the way */
	for (int i = 0; i < 2; i++) {
		const struct tz_dp_flow_state *st =
			tz_dp_flow_state(sess, (uint32_t)tz_dp_flow_find(sess, &c.k[i])->slot);

		assert_int_equal(st->cnt[TZ_FC_AUTH_FAIL] + st->cnt[TZ_FC_REPLAY], 0);
		assert_true(st->cnt[TZ_FC_PKTS] >= BEFORE + 3 * AFTER);  /* counters carried */
	}
	tz_dp_stop();
	for (int i = 0; i < 3; i++)
		assert_int_equal(tz_dp_flow_del(sess, &c.k[i]), 0);
	srtp_dealloc(c.browser_tx);
	srtp_dealloc(c.browser_rx);
	tz_srtp_ctx_destroy(c.in);
	tz_srtp_ctx_destroy(c.out);
}

static void test_republish_keeps_roc_aes_cm_80(void **state)
{
	const struct suite_case sc = { TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
				       srtp_crypto_policy_set_rtp_default, 16 };
	run_case(&sc);
}

static void test_republish_keeps_roc_aead_aes_128_gcm(void **state)
{
	const struct suite_case sc = { TZ_SRTP_AEAD_AES_128_GCM,
				       srtp_crypto_policy_set_aes_gcm_128_16_auth, 16 };
	run_case(&sc);
}

/* The table's side of it: a replaced flow keeps its slot, a slot renamed to
 * another key is freed only once, and replacing what is not there fails. */
static void test_replace_slots(void **state)
{
	struct tz_dp_flow f = { .id = 1, .xform = TZ_XF_FORWARD };
	struct tz_dp_flow_key a, b, c;
	int slot, s2;

	fp_test_key(&a, PEER, 7000, 30010, 1);
	fp_test_key(&b, PEER, 7002, 30010, 1);
	fp_test_key(&c, PEER, 7004, 30010, 1);
	assert_int_equal(tz_dp_flow_replace(sess, &a, &b, &f), -ENOENT);
	slot = tz_dp_flow_add(sess, &a, &f);
	assert_true(slot >= 0);
	tz_dp_flow_state(sess, (uint32_t)slot)->cnt[TZ_FC_PKTS] = 42;
	assert_true(tz_dp_flow_add(sess, &c, &f) >= 0);
	assert_int_equal(tz_dp_flow_replace(sess, &a, &c, &f), -EEXIST);
	f.id = 2;
	assert_int_equal(tz_dp_flow_replace(sess, &a, &a, &f), slot);
	assert_int_equal(tz_dp_flow_find(sess, &a)->id, 2);
	assert_int_equal(tz_dp_flow_replace(sess, &a, &b, &f), slot);
	assert_null(tz_dp_flow_find(sess, &a));
	assert_int_equal(tz_dp_flow_find(sess, &b)->slot, (uint32_t)slot);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)slot)->cnt[TZ_FC_PKTS], 42);
	assert_int_equal(tz_dp_flow_count(sess), 2);
	assert_int_equal(tz_dp_flow_del(sess, &b), 0);
	assert_int_equal(tz_dp_flow_del(sess, &c), 0);
	/* no worker runs: everything is reclaimed at the next delete/enqueue;
	 * the slot comes back exactly once */
	s2 = tz_dp_flow_add(sess, &a, &f);
	assert_true(s2 >= 0);
	assert_int_equal(tz_dp_flow_state(sess, (uint32_t)s2)->cnt[TZ_FC_PKTS], 0);
	assert_int_equal(tz_dp_flow_add(sess, &b, &f) == s2, 0);
	assert_int_equal(tz_dp_flow_del(sess, &a), 0);
	assert_int_equal(tz_dp_flow_del(sess, &b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace_slots),
		cmocka_unit_test(test_republish_keeps_roc_aes_cm_80),
		cmocka_unit_test(test_republish_keeps_roc_aead_aes_128_gcm),
	};

	return cmocka_run_group_tests_name("srtp_republish", tests, group_setup, group_teardown);
}
