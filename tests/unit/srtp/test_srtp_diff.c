/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential tests against libsrtp2 (the oracle), for every suite and
 * every available engine:
 *   - ours protect -> libsrtp unprotect and libsrtp protect -> ours
 *     unprotect, >= 10,000 random RTP packets each way (12..1400 bytes,
 *     random CSRC counts and header extensions), sequence numbers crossing
 *     65535 (ROC rollover), with gaps and reordering within the window;
 *   - replays (old and within one burst), tampered and truncated packets
 *     rejected with the right status;
 *   - SRTCP both ways, reordered, replayed and tampered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <srtp2/srtp.h>

#include "srtp_test_util.h"

#define RTP_PACKETS 10000
#define RTCP_PACKETS 2000
#define BURST 32
#define PKT_MAX 1400
#define BUF_MAX 1500

static void cm80(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p);
}

static void cm32(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(p);
}

struct diff_case {
	struct test_engine *te;
	enum tz_srtp_suite suite;
	void (*rtp)(srtp_crypto_policy_t *p);
	void (*rtcp)(srtp_crypto_policy_t *p);
};

/* Both sides of one association: ours and libsrtp's, same master key. */
struct pair {
	struct tz_srtp_ctx *ours_p, *ours_u;
	struct tz_srtp_stream st_p, st_u;
	srtp_t lib_p, lib_u;
	uint64_t rng;
	uint32_t ssrc;
};

struct pkt {
	uint8_t plain[BUF_MAX];
	uint8_t prot[BUF_MAX + 64];
	int plain_len, prot_len, hdr_len;
};

static srtp_t lib_session(const struct diff_case *dc, const uint8_t *key, int inbound)
{
	srtp_policy_t pol;
	srtp_t s = NULL;

	memset(&pol, 0, sizeof(pol));
	dc->rtp(&pol.rtp);
	dc->rtcp(&pol.rtcp);
	pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	pol.key = (unsigned char *)key;
	pol.window_size = TZ_SRTP_REPLAY_WINDOW;
	assert_int_equal(srtp_create(&s, &pol), srtp_err_status_ok);
	return s;
}

static void pair_init(struct pair *p, const struct diff_case *dc, uint64_t seed)
{
	size_t kl = tz_srtp_suite_key_len(dc->suite), sl = tz_srtp_suite_salt_len(dc->suite);
	uint8_t key[64];

	memset(p, 0, sizeof(*p));
	p->rng = seed;
	for (size_t i = 0; i < kl + sl; i++)
		key[i] = (uint8_t)test_rand(&p->rng);
	p->ssrc = (uint32_t)test_rand(&p->rng);
	p->ours_p = tz_srtp_ctx_create(dc->te->eng, dc->suite, TZ_SRTP_DIR_PROTECT, key, kl,
				       key + kl, sl);
	p->ours_u = tz_srtp_ctx_create(dc->te->eng, dc->suite, TZ_SRTP_DIR_UNPROTECT, key, kl,
				       key + kl, sl);
	assert_non_null(p->ours_p);
	assert_non_null(p->ours_u);
	tz_srtp_stream_init(&p->st_p, 0);
	tz_srtp_stream_init(&p->st_u, 0);
	p->lib_p = lib_session(dc, key, 0);
	p->lib_u = lib_session(dc, key, 1);
}

static void pair_fini(struct pair *p)
{
	tz_srtp_ctx_destroy(p->ours_p);
	tz_srtp_ctx_destroy(p->ours_u);
	srtp_dealloc(p->lib_p);
	srtp_dealloc(p->lib_u);
}

/* A random valid RTP packet: CSRCs, maybe an extension, random payload. */
static void gen_rtp(struct pair *p, struct pkt *k, uint16_t seq)
{
	int len = 12 + (int)(test_rand(&p->rng) % (PKT_MAX - 12 + 1));
	int cc = (int)(test_rand(&p->rng) % 16), hdr, ext = -1;
	uint8_t *b = k->plain;

	while (12 + 4 * cc > len)
		cc--;
	hdr = 12 + 4 * cc;
	if (test_rand(&p->rng) & 1 && hdr + 4 <= len) {
		ext = (int)(test_rand(&p->rng) % 12);
		while (hdr + 4 + 4 * ext > len)
			ext--;
	}
	for (int i = 0; i < len; i++)
		b[i] = (uint8_t)test_rand(&p->rng);
	b[0] = (uint8_t)(0x80 | (ext >= 0 ? 0x10 : 0) | cc);
	b[2] = seq >> 8;
	b[3] = (uint8_t)seq;
	b[8] = p->ssrc >> 24;
	b[9] = p->ssrc >> 16;
	b[10] = p->ssrc >> 8;
	b[11] = (uint8_t)p->ssrc;
	if (ext >= 0) {
		b[hdr + 2] = (uint8_t)(ext >> 8);
		b[hdr + 3] = (uint8_t)ext;
		hdr += 4 + 4 * ext;
	}
	k->plain_len = len;
	k->hdr_len = hdr;
}

static void gen_rtcp(struct pair *p, struct pkt *k)
{
	int len = 8 + (int)(test_rand(&p->rng) % (PKT_MAX - 8 + 1));

	for (int i = 0; i < len; i++)
		k->plain[i] = (uint8_t)test_rand(&p->rng);
	k->plain[0] = 0x80 | (k->plain[0] & 0x1f);
	k->plain[1] = 200 + k->plain[1] % 5;
	k->plain[4] = p->ssrc >> 24;
	k->plain[5] = p->ssrc >> 16;
	k->plain[6] = p->ssrc >> 8;
	k->plain[7] = (uint8_t)p->ssrc;
	k->plain_len = len;
	k->hdr_len = 8;
}

static void shuffle(struct pair *p, int *idx, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(test_rand(&p->rng) % (uint64_t)(i + 1)), t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
	}
}

/* Next sequence number: +1 within a burst; between bursts sometimes a gap
 * (loss) of up to 60, so a reordered burst stays inside the window. */
static uint16_t next_seq(struct pair *p, uint16_t seq, int first)
{
	if (first && test_rand(&p->rng) % 4 == 0)
		seq = (uint16_t)(seq + test_rand(&p->rng) % 60);
	return (uint16_t)(seq + 1);
}

/* ---- ours protect -> libsrtp unprotect ------------------------------------ */

static void ours_to_lib(const struct diff_case *dc, struct pair *p, struct pkt *pk, int rtcp,
			int total)
{
	const struct tz_srtp_ctx *ctx[BURST];
	struct tz_srtp_stream *st[BURST];
	struct rte_mbuf *m[BURST];
	uint8_t status[BURST];
	uint16_t seq = (uint16_t)(65535 - total / 3 - test_rand(&p->rng) % 100);
	int idx[BURST];

	for (int done = 0; done < total; done += BURST) {
		for (int i = 0; i < BURST; i++) {
			if (rtcp)
				gen_rtcp(p, &pk[i]);
			else
				gen_rtp(p, &pk[i], seq = next_seq(p, seq, i == 0));
			m[i] = test_mbuf(pk[i].plain, (size_t)pk[i].plain_len);
			ctx[i] = p->ours_p;
			st[i] = &p->st_p;
			idx[i] = i;
		}
		if (rtcp)
			assert_int_equal(tz_srtp_protect_rtcp_burst(dc->te->qp, ctx, st, m, BURST,
								    status), BURST);
		else
			assert_int_equal(tz_srtp_protect_burst(dc->te->qp, ctx, st, m, BURST,
							       status), BURST);
		for (int i = 0; i < BURST; i++) {
			pk[i].prot_len = rte_pktmbuf_data_len(m[i]);
			memcpy(pk[i].prot, rte_pktmbuf_mtod(m[i], void *), (size_t)pk[i].prot_len);
			rte_pktmbuf_free(m[i]);
		}
		shuffle(p, idx, BURST);
		for (int j = 0; j < BURST; j++) {
			struct pkt *k = &pk[idx[j]];
			uint8_t buf[BUF_MAX + 64];
			int len = k->prot_len;

			memcpy(buf, k->prot, (size_t)len);
			if (rtcp)
				assert_int_equal(srtp_unprotect_rtcp(p->lib_u, buf, &len),
						 srtp_err_status_ok);
			else
				assert_int_equal(srtp_unprotect(p->lib_u, buf, &len),
						 srtp_err_status_ok);
			assert_int_equal(len, k->plain_len);
			assert_memory_equal(buf, k->plain, (size_t)len);
		}
		/* libsrtp agrees that our packets are not to be accepted twice */
		{
			struct pkt *k = &pk[test_rand(&p->rng) % BURST];
			uint8_t buf[BUF_MAX + 64];
			int len = k->prot_len;

			memcpy(buf, k->prot, (size_t)len);
			assert_int_equal(rtcp ? srtp_unprotect_rtcp(p->lib_u, buf, &len)
					      : srtp_unprotect(p->lib_u, buf, &len),
					 srtp_err_status_replay_fail);
		}
	}
}

/* ---- libsrtp protect -> ours unprotect ------------------------------------ */

enum { EXTRA_DUP, EXTRA_TAMPER, EXTRA_TRUNC, EXTRA_OLD, EXTRA_COUNT };

/* Burst = the BURST packets reordered, then a duplicate, a tampered copy, a
 * truncated copy (all of packets in this burst), and a replay of an older one. */
static void lib_to_ours_burst(const struct diff_case *dc, struct pair *p, struct pkt *pk,
			      int rtcp, const struct pkt *old)
{
	const struct tz_srtp_ctx *ctx[BURST + EXTRA_COUNT];
	struct tz_srtp_stream *st[BURST + EXTRA_COUNT];
	struct rte_mbuf *m[BURST + EXTRA_COUNT];
	uint8_t status[BURST + EXTRA_COUNT];
	int idx[BURST], n = BURST, ok;

	for (int i = 0; i < BURST; i++)
		idx[i] = i;
	shuffle(p, idx, BURST);
	for (int i = 0; i < BURST; i++)
		m[i] = test_mbuf(pk[idx[i]].prot, (size_t)pk[idx[i]].prot_len);
	m[n++] = test_mbuf(pk[idx[3]].prot, (size_t)pk[idx[3]].prot_len);
	{
		struct pkt *k = &pk[idx[5]];
		struct rte_mbuf *t = test_mbuf(k->prot, (size_t)k->prot_len);
		uint64_t bit = (uint64_t)k->hdr_len * 8 +
			       test_rand(&p->rng) % ((uint64_t)(k->prot_len - k->hdr_len) * 8);

		rte_pktmbuf_mtod(t, uint8_t *)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		m[n++] = t;
	}
	m[n++] = test_mbuf(pk[idx[7]].prot, test_rand(&p->rng) % (uint64_t)pk[idx[7]].prot_len);
	m[n++] = old != NULL ? test_mbuf(old->prot, (size_t)old->prot_len)
			     : test_mbuf(pk[idx[9]].prot, (size_t)pk[idx[9]].prot_len);
	for (int i = 0; i < n; i++) {
		ctx[i] = p->ours_u;
		st[i] = &p->st_u;
	}
	ok = rtcp ? tz_srtp_unprotect_rtcp_burst(dc->te->qp, ctx, st, m, (uint16_t)n, status)
		  : tz_srtp_unprotect_burst(dc->te->qp, ctx, st, m, (uint16_t)n, status);
	assert_int_equal(ok, BURST);
	for (int i = 0; i < BURST; i++) {
		assert_int_equal(status[i], TZ_SRTP_OK);
		assert_int_equal(rte_pktmbuf_data_len(m[i]), pk[idx[i]].plain_len);
		assert_memory_equal(rte_pktmbuf_mtod(m[i], void *), pk[idx[i]].plain,
				    (size_t)pk[idx[i]].plain_len);
	}
	assert_int_equal(status[BURST + EXTRA_DUP], TZ_SRTP_REPLAY);
	/* RTCP carries its index in the tail, so a flipped or cut tail may read
	 * as an old index: a replay is a correct refusal there too */
	assert_true(status[BURST + EXTRA_TAMPER] == TZ_SRTP_AUTH_FAIL ||
		    (rtcp && status[BURST + EXTRA_TAMPER] == TZ_SRTP_REPLAY));
	assert_true(status[BURST + EXTRA_TRUNC] == TZ_SRTP_TOO_SHORT ||
		    status[BURST + EXTRA_TRUNC] == TZ_SRTP_AUTH_FAIL ||
		    (rtcp && status[BURST + EXTRA_TRUNC] == TZ_SRTP_REPLAY));
	assert_int_equal(status[BURST + EXTRA_OLD], TZ_SRTP_REPLAY);
	for (int i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

static void lib_to_ours(const struct diff_case *dc, struct pair *p, struct pkt *pk, int rtcp,
			int total)
{
	uint16_t seq = (uint16_t)(65535 - total / 3 - test_rand(&p->rng) % 100);
	struct pkt *old = NULL;
	static struct pkt keep;

	for (int done = 0; done < total; done += BURST) {
		for (int i = 0; i < BURST; i++) {
			struct pkt *k = &pk[i];

			if (rtcp)
				gen_rtcp(p, k);
			else
				gen_rtp(p, k, seq = next_seq(p, seq, i == 0));
			memcpy(k->prot, k->plain, (size_t)k->plain_len);
			k->prot_len = k->plain_len;
			assert_int_equal(rtcp ? srtp_protect_rtcp(p->lib_p, k->prot, &k->prot_len)
					      : srtp_protect(p->lib_p, k->prot, &k->prot_len),
					 srtp_err_status_ok);
		}
		lib_to_ours_burst(dc, p, pk, rtcp, old);
		keep = pk[test_rand(&p->rng) % BURST];
		old = &keep;
	}
}

static void diff_rtp(void **state)
{
	const struct diff_case *dc = *state;
	static struct pkt pk[BURST];
	struct pair p;

	if (dc->te->eng == NULL)
		skip();
	pair_init(&p, dc, 0x5eed0000u + dc->suite);
	ours_to_lib(dc, &p, pk, 0, RTP_PACKETS);
	/* the sequence numbers crossed 65535: the sender's ROC moved on */
	assert_int_equal(tz_srtp_stream_roc(&p.st_p), 1);
	lib_to_ours(dc, &p, pk, 0, RTP_PACKETS);
	assert_int_equal(tz_srtp_stream_roc(&p.st_u), 1);
	pair_fini(&p);
}

static void diff_rtcp(void **state)
{
	const struct diff_case *dc = *state;
	static struct pkt pk[BURST];
	struct pair p;

	if (dc->te->eng == NULL)
		skip();
	pair_init(&p, dc, 0x7c90000u + dc->suite);
	ours_to_lib(dc, &p, pk, 1, RTCP_PACKETS);
	lib_to_ours(dc, &p, pk, 1, RTCP_PACKETS);
	pair_fini(&p);
}

/* Far-reordered and late packets: out of the 128-packet window is a replay. */
static void window_edges(void **state)
{
	const struct diff_case *dc = *state;
	static struct pkt pk[300];
	struct pair p;

	if (dc->te->eng == NULL)
		skip();
	pair_init(&p, dc, 0xed9e0000u + dc->suite);
	for (int i = 0; i < 300; i++) {
		struct pkt *k = &pk[i];

		gen_rtp(&p, k, (uint16_t)(65400 + i)); /* crosses 65535 at i = 136 */
		memcpy(k->prot, k->plain, (size_t)k->plain_len);
		k->prot_len = k->plain_len;
		assert_int_equal(srtp_protect(p.lib_p, k->prot, &k->prot_len), srtp_err_status_ok);
	}
	/* deliver 0..299 except 165..180; those arrive last, when the highest
	 * index is 299: 299 - j < 128 is still in the window, older is refused */
	for (int i = 0; i < 300; i++) {
		struct rte_mbuf *m;

		if (i >= 165 && i <= 180)
			continue;
		m = test_mbuf(pk[i].prot, (size_t)pk[i].prot_len);
		assert_int_equal(test_unprotect(dc->te, p.ours_u, &p.st_u, m, 0), TZ_SRTP_OK);
		rte_pktmbuf_free(m);
	}
	for (int j = 165; j <= 180; j++) {
		struct rte_mbuf *m = test_mbuf(pk[j].prot, (size_t)pk[j].prot_len);
		uint8_t want = 299 - j < TZ_SRTP_REPLAY_WINDOW ? TZ_SRTP_OK : TZ_SRTP_REPLAY;

		assert_int_equal(test_unprotect(dc->te, p.ours_u, &p.st_u, m, 0), want);
		rte_pktmbuf_free(m);
	}
	/* inside the window and already seen: replays */
	for (int j = 181; j < 300; j += 7) {
		struct rte_mbuf *m = test_mbuf(pk[j].prot, (size_t)pk[j].prot_len);

		assert_int_equal(test_unprotect(dc->te, p.ours_u, &p.st_u, m, 0), TZ_SRTP_REPLAY);
		rte_pktmbuf_free(m);
	}
	assert_int_equal(tz_srtp_stream_roc(&p.st_u), 1);
	pair_fini(&p);
}

/* SRTCP with the E flag clear (RFC 3711 §3.4 authentication only), from libsrtp. */
static void rtcp_auth_only(void **state)
{
	const struct diff_case *dc = *state;
	static struct pkt pk;
	srtp_policy_t pol;
	srtp_t lib;
	struct pair p;
	uint8_t key[64];

	if (dc->te->eng == NULL)
		skip();
	pair_init(&p, dc, 0xa0700000u + dc->suite);
	memset(&pol, 0, sizeof(pol));
	dc->rtp(&pol.rtp);
	dc->rtcp(&pol.rtcp);
	pol.rtcp.sec_serv = sec_serv_auth;
	pol.ssrc.type = ssrc_any_outbound;
	/* the same master key as the pair: re-derive it from the seed */
	{
		uint64_t rng = 0xa0700000u + dc->suite;
		size_t kl = tz_srtp_suite_key_len(dc->suite) + tz_srtp_suite_salt_len(dc->suite);

		for (size_t i = 0; i < kl; i++)
			key[i] = (uint8_t)test_rand(&rng);
	}
	pol.key = key;
	pol.window_size = TZ_SRTP_REPLAY_WINDOW;
	assert_int_equal(srtp_create(&lib, &pol), srtp_err_status_ok);
	for (int i = 0; i < 200; i++) {
		struct rte_mbuf *m;

		gen_rtcp(&p, &pk);
		memcpy(pk.prot, pk.plain, (size_t)pk.plain_len);
		pk.prot_len = pk.plain_len;
		assert_int_equal(srtp_protect_rtcp(lib, pk.prot, &pk.prot_len), srtp_err_status_ok);
		/* E clear: the payload went out in the clear */
		assert_memory_equal(pk.prot, pk.plain, (size_t)pk.plain_len);
		m = test_mbuf(pk.prot, (size_t)pk.prot_len);
		assert_int_equal(test_unprotect(dc->te, p.ours_u, &p.st_u, m, 1), TZ_SRTP_OK);
		assert_int_equal(rte_pktmbuf_data_len(m), pk.plain_len);
		assert_memory_equal(rte_pktmbuf_mtod(m, void *), pk.plain, (size_t)pk.plain_len);
		rte_pktmbuf_free(m);
	}
	srtp_dealloc(lib);
	pair_fini(&p);
}

static int group_setup(void **state)
{
	if (srtp_init() != srtp_err_status_ok)
		return -1;
	return test_env_setup("srtp_diff");
}

static int group_teardown(void **state)
{
	test_env_teardown();
	srtp_shutdown();
	return 0;
}

#define CASES(e)                                                                                \
	{ &test_engines[e], TZ_SRTP_AES_CM_128_HMAC_SHA1_80, cm80, cm80 },                      \
	{ &test_engines[e], TZ_SRTP_AES_CM_128_HMAC_SHA1_32, cm32, cm80 },                      \
	{ &test_engines[e], TZ_SRTP_AEAD_AES_128_GCM, srtp_crypto_policy_set_aes_gcm_128_16_auth, \
	  srtp_crypto_policy_set_aes_gcm_128_16_auth },                                          \
	{ &test_engines[e], TZ_SRTP_AEAD_AES_256_GCM, srtp_crypto_policy_set_aes_gcm_256_16_auth, \
	  srtp_crypto_policy_set_aes_gcm_256_16_auth }

static struct diff_case cases[] = {
	CASES(TEST_ENG_AESNI_MB),
	CASES(TEST_ENG_OPENSSL),
	CASES(TEST_ENG_DIRECT_SSE),
	CASES(TEST_ENG_DIRECT_AVX),
	CASES(TEST_ENG_DIRECT_AVX2),
	CASES(TEST_ENG_DIRECT_AVX512),
};

#define NB_CASES RTE_DIM(cases)
#define NB_FNS 4

int main(void)
{
	static void (*const fns[NB_FNS])(void **) = {
		diff_rtp,
		diff_rtcp,
		window_edges,
		rtcp_auth_only,
	};
	static const char *const names[NB_FNS] = {
		"diff_rtp",
		"diff_rtcp",
		"window_edges",
		"rtcp_auth_only",
	};
	/* every test against every (engine, suite) case */
	struct CMUnitTest tests[NB_FNS * NB_CASES];

	memset(tests, 0, sizeof(tests));
	for (size_t f = 0; f < NB_FNS; f++)
		for (size_t c = 0; c < NB_CASES; c++) {
			struct CMUnitTest *t = &tests[f * NB_CASES + c];

			t->name = names[f];
			t->test_func = fns[f];
			t->initial_state = &cases[c];
		}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
