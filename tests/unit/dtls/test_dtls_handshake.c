/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two tz_dtls contexts, client and server, talking through the GLib main
 * loop: connection and key export, every SRTP profile, fingerprint
 * mismatches, loss and retransmission, MTU and fragmentation, garbage,
 * close_notify and freeing from a callback.
 *
 * Built twice: test_dtls_handshake runs every handshake inline on the
 * loop; test_dtls_pool (DTLS_TEST_POOL_THREADS) runs the same tests with
 * the handshakes on a pool of threads, plus the pool's own: the work
 * really runs there, and a context freed while its job runs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "dtls_test_util.h"
#include "tz_dtls.h"
#include "tz_srtp.h"

#define RUN_MS 10000
#define FAST_RTX_MS 50		/* first retransmission in loss tests */

struct fixture {
	struct tz_dtls_cert *ccert, *scert, *other;
	struct dtls_pair p;
};

static int setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);

	f->ccert = tz_dtls_cert_generate();
	f->scert = tz_dtls_cert_generate();
	f->other = tz_dtls_cert_generate();
	assert_non_null(f->ccert);
	assert_non_null(f->scert);
	assert_non_null(f->other);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dtls_pair_teardown(&f->p);
	tz_dtls_cert_free(f->ccert);
	tz_dtls_cert_free(f->scert);
	tz_dtls_cert_free(f->other);
	g_free(f);
	return 0;
}

static void set_opts(struct tz_dtls *d, const enum tz_srtp_suite *suites, unsigned int n,
		     unsigned int mtu, unsigned int rtx_ms)
{
	struct tz_dtls_opts o = {
		.suites = suites,
		.nb_suites = n,
		.mtu = mtu,
		.retransmit_ms = rtx_ms,
	};

	assert_int_equal(tz_dtls_set_opts(d, &o), 0);
}

static void assert_connected(struct dtls_pair *p)
{
	assert_int_equal(p->c.events[TZ_DTLS_CONNECTED], 1);
	assert_int_equal(p->s.events[TZ_DTLS_CONNECTED], 1);
	assert_int_equal(p->c.events[TZ_DTLS_FAILED], 0);
	assert_int_equal(p->s.events[TZ_DTLS_FAILED], 0);
	assert_string_equal(tz_dtls_error(p->c.d), "");
	assert_string_equal(tz_dtls_error(p->s.d), "");
}

static void assert_keys_match(struct dtls_pair *p, enum tz_srtp_suite want)
{
	struct tz_dtls_keys cl, cr, sl, sr;
	enum tz_srtp_suite cs, ss;

	assert_int_equal(tz_dtls_srtp_keys(p->c.d, &cs, &cl, &cr), 0);
	assert_int_equal(tz_dtls_srtp_keys(p->s.d, &ss, &sl, &sr), 0);
	assert_int_equal(cs, want);
	assert_int_equal(ss, want);
	assert_int_equal(cl.key_len, tz_srtp_suite_key_len(want));
	assert_int_equal(cl.salt_len, tz_srtp_suite_salt_len(want));
	assert_int_equal(sr.key_len, cl.key_len);
	assert_int_equal(sl.salt_len, cr.salt_len);
	/* What the client protects with, the server unprotects with. */
	assert_memory_equal(cl.key, sr.key, cl.key_len);
	assert_memory_equal(cl.salt, sr.salt, cl.salt_len);
	assert_memory_equal(sl.key, cr.key, sl.key_len);
	assert_memory_equal(sl.salt, cr.salt, sl.salt_len);
	assert_memory_not_equal(cl.key, cr.key, cl.key_len);
	/* Exported keys are wiped after use: every byte, lengths too. */
	tz_dtls_keys_wipe(&cl);
	for (size_t i = 0; i < sizeof(cl); i++)
		assert_int_equal(((const uint8_t *)&cl)[i], 0);
	tz_dtls_keys_wipe(NULL);
	tz_dtls_keys_wipe(&cr);
	tz_dtls_keys_wipe(&sl);
	tz_dtls_keys_wipe(&sr);
}

static void test_connect_and_keys(void **state)
{
	struct fixture *f = *state;
	uint64_t ok0 = dtls_counter(TZ_DTLS_CNT_HANDSHAKE_OK);
	struct tz_dtls_fingerprint peer, want;
	struct tz_dtls_keys l, r;
	enum tz_srtp_suite suite;

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	assert_int_equal(tz_dtls_srtp_keys(f->p.c.d, &suite, &l, &r), -ENOTCONN);
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_connected(&f->p);
	/* Default preference: the strongest AEAD profile. */
	assert_keys_match(&f->p, TZ_SRTP_AEAD_AES_256_GCM);
	assert_int_equal(dtls_counter(TZ_DTLS_CNT_HANDSHAKE_OK) - ok0, 2);
	assert_int_equal(tz_dtls_peer_fingerprint(f->p.c.d, &peer), 0);
	assert_int_equal(tz_dtls_cert_digest(f->scert, "sha-256", &want), 0);
	assert_int_equal(peer.len, want.len);
	assert_memory_equal(peer.value, want.value, want.len);
	assert_int_equal(tz_dtls_role(f->p.c.d), TZ_DTLS_CLIENT);
	assert_int_equal(tz_dtls_role(f->p.s.d), TZ_DTLS_SERVER);
}

static void test_every_profile(void **state)
{
	struct fixture *f = *state;

	for (int s = 0; s < TZ_SRTP_SUITE_COUNT; s++) {
		enum tz_srtp_suite only = (enum tz_srtp_suite)s;

		dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
		set_opts(f->p.s.d, &only, 1, 0, 0);
		assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
		assert_connected(&f->p);
		assert_keys_match(&f->p, only);
		dtls_pair_teardown(&f->p);
	}
}

static void test_server_order_wins(void **state)
{
	static const enum tz_srtp_suite srv[] = {
		TZ_SRTP_AES_CM_128_HMAC_SHA1_32,
		TZ_SRTP_AEAD_AES_128_GCM,
	};
	static const enum tz_srtp_suite cli[] = {
		TZ_SRTP_AEAD_AES_128_GCM,
		TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
		TZ_SRTP_AES_CM_128_HMAC_SHA1_32,
	};
	struct fixture *f = *state;

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	set_opts(f->p.s.d, srv, G_N_ELEMENTS(srv), 0, 0);
	set_opts(f->p.c.d, cli, G_N_ELEMENTS(cli), 0, 0);
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_connected(&f->p);
	assert_keys_match(&f->p, TZ_SRTP_AES_CM_128_HMAC_SHA1_32);
}

static void test_no_common_profile(void **state)
{
	static const enum tz_srtp_suite srv = TZ_SRTP_AEAD_AES_256_GCM;
	static const enum tz_srtp_suite cli = TZ_SRTP_AES_CM_128_HMAC_SHA1_32;
	struct fixture *f = *state;
	uint64_t n0 = dtls_counter(TZ_DTLS_CNT_NO_SRTP_PROFILE);

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	set_opts(f->p.s.d, &srv, 1, 0, 0);
	set_opts(f->p.c.d, &cli, 1, 0, 0);
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_int_equal(f->p.c.events[TZ_DTLS_CONNECTED], 0);
	assert_int_equal(f->p.c.events[TZ_DTLS_FAILED], 1);
	assert_non_null(strstr(tz_dtls_error(f->p.c.d), "no SRTP protection profile"));
	assert_true(dtls_counter(TZ_DTLS_CNT_NO_SRTP_PROFILE) > n0);
}

static void fp_string(const struct tz_dtls_cert *cert, char *out)
{
	assert_int_equal(tz_dtls_cert_fingerprint(cert, out, TZ_DTLS_FP_STR_MAX), 0);
}

static void check_mismatch(struct dtls_side *checker, struct dtls_side *other,
			   const struct tz_dtls_cert *said, const struct tz_dtls_cert *real)
{
	char want[512], s_said[TZ_DTLS_FP_STR_MAX], s_real[TZ_DTLS_FP_STR_MAX];

	fp_string(said, s_said);
	fp_string(real, s_real);
	snprintf(want, sizeof(want), "fingerprint mismatch: SDP says %s, peer certificate is %s",
		 s_said, s_real);
	assert_int_equal(checker->events[TZ_DTLS_FAILED], 1);
	assert_int_equal(checker->events[TZ_DTLS_CONNECTED], 0);
	assert_string_equal(tz_dtls_error(checker->d), want);
	/* The other side learns it from the alert. */
	assert_int_equal(other->events[TZ_DTLS_CONNECTED], 0);
	assert_int_equal(other->events[TZ_DTLS_FAILED], 1);
	assert_string_equal(tz_dtls_error(other->d),
			    "handshake failed: peer sent fatal alert \"bad certificate\"");
}

static void test_fp_mismatch_client_checks(void **state)
{
	struct fixture *f = *state;
	uint64_t n0 = dtls_counter(TZ_DTLS_CNT_FP_MISMATCH);
	struct tz_dtls_fingerprint wrong;

	assert_int_equal(tz_dtls_cert_digest(f->other, "sha-256", &wrong), 0);
	dtls_pair_setup(&f->p, f->ccert, f->scert, &wrong, NULL);
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	check_mismatch(&f->p.c, &f->p.s, f->other, f->scert);
	assert_int_equal(dtls_counter(TZ_DTLS_CNT_FP_MISMATCH) - n0, 1);
}

static void test_fp_mismatch_server_checks(void **state)
{
	struct fixture *f = *state;
	uint64_t n0 = dtls_counter(TZ_DTLS_CNT_FP_MISMATCH);
	struct tz_dtls_fingerprint wrong;

	assert_int_equal(tz_dtls_cert_digest(f->other, "sha-256", &wrong), 0);
	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, &wrong);
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	check_mismatch(&f->p.s, &f->p.c, f->other, f->ccert);
	assert_int_equal(dtls_counter(TZ_DTLS_CNT_FP_MISMATCH) - n0, 1);
}

/* The SDP's hash function is used, whichever it is. */
static void test_fp_other_algorithms(void **state)
{
	static const char *const algs[] = { "sha-1", "SHA-384", "sha-512" };
	struct fixture *f = *state;

	for (size_t i = 0; i < G_N_ELEMENTS(algs); i++) {
		struct tz_dtls_fingerprint cfp, sfp;

		assert_int_equal(tz_dtls_cert_digest(f->ccert, algs[i], &cfp), 0);
		assert_int_equal(tz_dtls_cert_digest(f->scert, algs[i], &sfp), 0);
		dtls_pair_setup(&f->p, f->ccert, f->scert, &sfp, &cfp);
		assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
		assert_connected(&f->p);
		dtls_pair_teardown(&f->p);
	}
}

static void run_lossy(struct fixture *f, uint64_t c_drop, uint64_t s_drop)
{
	uint64_t r0 = dtls_counter(TZ_DTLS_CNT_RETRANSMIT);

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	set_opts(f->p.c.d, NULL, 0, 0, FAST_RTX_MS);
	set_opts(f->p.s.d, NULL, 0, 0, FAST_RTX_MS);
	f->p.c.drop_mask = c_drop;
	f->p.s.drop_mask = s_drop;
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_connected(&f->p);
	assert_keys_match(&f->p, TZ_SRTP_AEAD_AES_256_GCM);
	assert_true(f->p.c.dropped + f->p.s.dropped > 0);
	assert_true(dtls_counter(TZ_DTLS_CNT_RETRANSMIT) > r0);
}

/* OpenSSL packs a flight into as few datagrams as the MTU allows: here
 * the client sends ClientHello (0), then its second flight (1); the server
 * its first flight (0), then ChangeCipherSpec + Finished (1). */
static void test_loss_first_flights(void **state)
{
	static const struct {
		uint64_t c, s;
	} cases[] = {
		{ 0x1, 0 },	/* ClientHello */
		{ 0x3, 0x1 },	/* ClientHello and its retransmission; server flight */
		{ 0x2, 0 },	/* the client's second flight */
		{ 0, 0x2 },	/* the server's last flight: the client retransmits its
				 * flight, the connected server answers the repeated
				 * Finished (RFC 6347 §4.2.4) */
		{ 0x6, 0x6 },	/* both, twice */
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		run_lossy(f, cases[i].c, cases[i].s);
		dtls_pair_teardown(&f->p);
	}
}

/* Timers and deliveries live on the thread-default context of the thread
 * that made the contexts, not on the global default one. */
static void test_thread_default_context(void **state)
{
	struct fixture *f = *state;
	GMainContext *ctx = g_main_context_new();

	g_main_context_push_thread_default(ctx);
	run_lossy(f, 0x1, 0x2);
	dtls_pair_teardown(&f->p);
	g_main_context_pop_thread_default(ctx);
	assert_false(g_main_context_pending(NULL));
	g_main_context_unref(ctx);
}

/* Loss with the default timer (1 s, RFC 6347 §4.2.4.1): one retransmission. */
static void test_loss_default_timer(void **state)
{
	struct fixture *f = *state;
	gint64 t0 = g_get_monotonic_time();
	gint64 ms;

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	f->p.c.drop_mask = 0x1;
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_connected(&f->p);
	ms = (g_get_monotonic_time() - t0) / 1000;
	assert_in_range(ms, 900, 3000);
}

static uint64_t released_dropped_want;

static bool released_dropped(struct dtls_pair *p)
{
	(void)p;
	return dtls_counter(TZ_DTLS_CNT_RELEASED_DROPPED) > 0 &&
	       dtls_counter(TZ_DTLS_CNT_RELEASED_DROPPED) >= released_dropped_want;
}

static bool client_had_event(struct dtls_pair *p)
{
	return p->c.nb_events > 0;
}

static void test_handshake_timeout(void **state)
{
	struct fixture *f = *state;
	struct tz_dtls_opts o = { .retransmit_ms = FAST_RTX_MS, .handshake_ms = 400 };
	uint64_t n0 = dtls_counter(TZ_DTLS_CNT_HANDSHAKE_TIMEOUT);
	uint64_t f0 = dtls_counter(TZ_DTLS_CNT_HANDSHAKE_FAILED);

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	assert_int_equal(tz_dtls_set_opts(f->p.c.d, &o), 0);
	f->p.s.drop_all = true;
	assert_true(dtls_pair_run(&f->p, client_had_event, RUN_MS));
	assert_int_equal(f->p.c.events[TZ_DTLS_FAILED], 1);
	assert_string_equal(tz_dtls_error(f->p.c.d), "handshake did not complete within 400 ms");
	assert_int_equal(dtls_counter(TZ_DTLS_CNT_HANDSHAKE_TIMEOUT) - n0, 1);
	assert_int_equal(dtls_counter(TZ_DTLS_CNT_HANDSHAKE_FAILED) - f0, 1);
	/* A failed context ignores input and cannot restart. */
	assert_int_equal(tz_dtls_start(f->p.c.d), -ESHUTDOWN);
}

static void test_mtu_1200_fragments_big_cert(void **state)
{
	struct fixture *f = *state;
	char *dir = g_dir_make_tmp("tz-dtls-XXXXXX", NULL);
	char *crt, *key;
	struct tz_dtls_cert *big;

	assert_non_null(dir);
	/* A Certificate message larger than one datagram. */
	dtls_write_pem(dir, "big", 2000, &crt, &key);
	big = tz_dtls_cert_load(crt, key);
	assert_non_null(big);
	dtls_pair_setup(&f->p, big, big, NULL, NULL);
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_connected(&f->p);
	assert_in_range(f->p.s.max_len, 1000, TZ_DTLS_MTU_DEFAULT);
	assert_in_range(f->p.c.max_len, 1000, TZ_DTLS_MTU_DEFAULT);
	assert_true(f->p.s.hs_fragments >= 2);
	assert_true(f->p.c.hs_fragments >= 2);
	dtls_pair_teardown(&f->p);
	tz_dtls_cert_free(big);
	g_unlink(crt);
	g_unlink(key);
	g_rmdir(dir);
	g_free(crt);
	g_free(key);
	g_free(dir);
}

static void test_small_mtu(void **state)
{
	struct fixture *f = *state;

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	set_opts(f->p.c.d, NULL, 0, 300, 0);
	set_opts(f->p.s.d, NULL, 0, 300, 0);
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_connected(&f->p);
	assert_true(f->p.s.max_len <= 300);
	assert_true(f->p.c.max_len <= 300);
	assert_true(f->p.s.hs_fragments > 0);
}

static void test_garbage_during_handshake(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = dtls_counter(TZ_DTLS_CNT_BAD_RECORD);

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	f->p.c.garbage_per_datagram = 3;
	f->p.s.garbage_per_datagram = 3;
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_connected(&f->p);
	/* Truncated and over-long records are counted at least. */
	assert_true(dtls_counter(TZ_DTLS_CNT_BAD_RECORD) - b0 >= f->p.c.sent + f->p.s.sent);
}

static void random_record(GRand *r, uint8_t *buf, size_t *len)
{
	size_t n = (size_t)g_rand_int_range(r, 1, 1500);

	for (size_t k = 0; k < n; k++)
		buf[k] = (uint8_t)g_rand_int(r);
	buf[0] = (uint8_t)g_rand_int_range(r, 20, 64);
	if (n >= 13 && g_rand_boolean(r)) {
		/* Well framed, so that OpenSSL sees it too. */
		buf[0] = (uint8_t)g_rand_int_range(r, 20, 24);
		buf[1] = 0xfe;
		buf[2] = 0xfd;
		buf[11] = (uint8_t)((n - 13) >> 8);
		buf[12] = (uint8_t)(n - 13);
	}
	*len = n;
}

static void test_garbage_after_connect(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = dtls_counter(TZ_DTLS_CNT_BAD_RECORD);
	GRand *r = g_rand_new_with_seed(5764);
	uint8_t buf[1500];

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_connected(&f->p);
	for (int i = 0; i < 4000; i++) {
		size_t n;

		random_record(r, buf, &n);
		tz_dtls_input(i & 1 ? f->p.c.d : f->p.s.d, buf, n);
	}
	while (g_main_context_pending(NULL))
		g_main_context_iteration(NULL, FALSE);
	assert_int_equal(tz_dtls_input(f->p.c.d, NULL, 10), -EINVAL);
	assert_int_equal(tz_dtls_input(f->p.c.d, buf, 0), -EINVAL);
	assert_int_equal(tz_dtls_input(f->p.c.d, (const uint8_t *)"\x16", 1), -EBADMSG);
	/* Forged records are dropped; the association survives. */
	assert_int_equal(f->p.c.nb_events, 1);
	assert_int_equal(f->p.s.nb_events, 1);
	assert_keys_match(&f->p, TZ_SRTP_AEAD_AES_256_GCM);
	assert_true(dtls_counter(TZ_DTLS_CNT_BAD_RECORD) - b0 > 1000);
	g_rand_free(r);
}

static bool client_closed(struct dtls_pair *p)
{
	return p->c.events[TZ_DTLS_CLOSED] > 0;
}

static bool server_closed(struct dtls_pair *p)
{
	return p->s.events[TZ_DTLS_CLOSED] > 0;
}

static void test_close_notify(void **state)
{
	struct fixture *f = *state;

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_connected(&f->p);
	tz_dtls_free(f->p.c.d);
	f->p.c.d = NULL;
	assert_true(dtls_pair_loop(&f->p, server_closed, RUN_MS));
	assert_int_equal(f->p.s.events[TZ_DTLS_CLOSED], 1);
	assert_string_equal(tz_dtls_error(f->p.s.d), "peer sent close_notify");
	assert_int_equal(tz_dtls_input(f->p.s.d, (const uint8_t *)"\x15", 1), -ESHUTDOWN);
}

static void test_free_from_callback(void **state)
{
	struct fixture *f = *state;

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	f->p.s.free_on_connected = true;
	assert_true(dtls_pair_run(&f->p, client_closed, RUN_MS));
	assert_null(f->p.s.d);
	assert_int_equal(f->p.c.events[TZ_DTLS_CONNECTED], 1);
	assert_int_equal(f->p.c.events[TZ_DTLS_CLOSED], 1);
}

/* Released once connected: keys exported before, nothing read after, no
 * close_notify either way; the peer's records are dropped and counted. */
static void test_release(void **state)
{
	struct fixture *f = *state;
	uint64_t r0 = dtls_counter(TZ_DTLS_CNT_RELEASED);
	uint64_t d0 = dtls_counter(TZ_DTLS_CNT_RELEASED_DROPPED);
	struct tz_dtls_keys l, r;
	enum tz_srtp_suite suite;
	unsigned int c_sent;

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	assert_int_equal(tz_dtls_release(f->p.s.d), -EBUSY);	/* not connected */
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_connected(&f->p);
	assert_int_equal(tz_dtls_srtp_keys(f->p.s.d, &suite, &l, &r), 0);
	tz_dtls_keys_wipe(&l);
	tz_dtls_keys_wipe(&r);
	assert_int_equal(tz_dtls_release(f->p.s.d), 0);
	assert_int_equal(tz_dtls_release(f->p.s.d), 0);
	assert_int_equal(dtls_counter(TZ_DTLS_CNT_RELEASED) - r0, 1);
	assert_int_equal(tz_dtls_srtp_keys(f->p.s.d, &suite, &l, &r), -ENOTCONN);
	/* The client hangs up: its close_notify is dropped, no event. */
	c_sent = f->p.c.sent;
	released_dropped_want = d0 + 1;
	tz_dtls_free(f->p.c.d);
	f->p.c.d = NULL;
	assert_int_equal(f->p.c.sent, c_sent + 1);
	assert_true(dtls_pair_loop(&f->p, released_dropped, RUN_MS));
	assert_int_equal(dtls_counter(TZ_DTLS_CNT_RELEASED_DROPPED) - d0, 1);
	assert_int_equal(f->p.s.events[TZ_DTLS_CLOSED], 0);
	assert_string_equal(tz_dtls_error(f->p.s.d), "");
	c_sent = f->p.s.sent;
	tz_dtls_free(f->p.s.d);	/* no close_notify: no SSL left */
	f->p.s.d = NULL;
	assert_int_equal(f->p.s.sent, c_sent);
}

static void test_api_errors(void **state)
{
	static const enum tz_srtp_suite dup[] = {
		TZ_SRTP_AEAD_AES_128_GCM,
		TZ_SRTP_AEAD_AES_128_GCM,
	};
	static const enum tz_srtp_suite bad = TZ_SRTP_SUITE_COUNT;
	struct fixture *f = *state;
	struct tz_dtls_fingerprint fp;
	struct tz_dtls_opts o = { .suites = dup, .nb_suites = 2 };

	assert_int_equal(tz_dtls_cert_digest(f->scert, "sha-256", &fp), 0);
	errno = 0;
	assert_null(tz_dtls_new(NULL, TZ_DTLS_CLIENT, &fp, NULL, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	fp.len = 20;	/* not a SHA-256 length */
	assert_null(tz_dtls_new(f->ccert, TZ_DTLS_CLIENT, &fp, (tz_dtls_send_fn)1,
				(tz_dtls_event_fn)1, NULL));
	assert_int_equal(errno, EINVAL);
	strcpy(fp.algorithm, "md5");
	fp.len = 16;
	assert_null(tz_dtls_new(f->ccert, TZ_DTLS_CLIENT, &fp, (tz_dtls_send_fn)1,
				(tz_dtls_event_fn)1, NULL));
	assert_int_equal(errno, EINVAL);

	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	assert_int_equal(tz_dtls_set_opts(f->p.c.d, &o), -EINVAL);
	o.suites = &bad;
	o.nb_suites = 1;
	assert_int_equal(tz_dtls_set_opts(f->p.c.d, &o), -EINVAL);
	o = (struct tz_dtls_opts){ .mtu = 100 };
	assert_int_equal(tz_dtls_set_opts(f->p.c.d, &o), -EINVAL);
	/* A client ignores datagrams before it starts. */
	assert_int_equal(tz_dtls_input(f->p.c.d,
				       (const uint8_t *)"\x15\xfe\xfd\0\0\0\0\0\0\0\0\0\x02\x01\x00",
				       15), -EAGAIN);
	assert_int_equal(tz_dtls_start(f->p.c.d), 0);
	assert_int_equal(tz_dtls_start(f->p.c.d), 0);
	o = (struct tz_dtls_opts){ .mtu = 1000 };
	assert_int_equal(tz_dtls_set_opts(f->p.c.d, &o), -EBUSY);
	assert_int_equal(tz_dtls_start(NULL), -EINVAL);
	tz_dtls_free(NULL);
}

#ifdef DTLS_TEST_POOL_THREADS
/* The handshake steps ran as pool jobs and the result reached the loop. */
static void test_pool_runs_handshakes(void **state)
{
	struct fixture *f = *state;
	uint64_t j0 = dtls_counter(TZ_DTLS_CNT_POOL_JOBS);

	assert_int_equal(tz_dtls_pool_threads(), DTLS_TEST_POOL_THREADS);
	dtls_pair_setup(&f->p, f->ccert, f->scert, NULL, NULL);
	assert_true(dtls_pair_run(&f->p, NULL, RUN_MS));
	assert_connected(&f->p);
	assert_keys_match(&f->p, TZ_SRTP_AEAD_AES_256_GCM);
	/* client: ClientHello, second flight; server: its flight, Finished */
	assert_true(dtls_counter(TZ_DTLS_CNT_POOL_JOBS) - j0 >= 4);
}

static unsigned int lone_sent;

static void lone_send(const uint8_t *data, size_t len, void *user)
{
	GPtrArray *out = user;

	lone_sent++;
	if (out != NULL)
		g_ptr_array_add(out, g_bytes_new(data, len));
}

static unsigned int lone_events;

static void lone_event(struct tz_dtls *d, enum tz_dtls_event ev, void *user)
{
	(void)d;
	(void)ev;
	(void)user;
	lone_events++;
}

static bool jobs_reached(uint64_t want)
{
	GMainContext *ctx = g_main_context_get_thread_default();
	gint64 end = g_get_monotonic_time() + RUN_MS * 1000;

	while (dtls_counter(TZ_DTLS_CNT_POOL_JOBS) < want && g_get_monotonic_time() < end)
		g_main_context_iteration(ctx, TRUE);
	return dtls_counter(TZ_DTLS_CNT_POOL_JOBS) >= want;
}

/* Hang-up during the handshake: the server context is freed while the pool
 * thread works on the ClientHello.  Its job finishes on the SSL object,
 * the completion releases the context, nothing is sent or reported after
 * the free (valgrind/ASan see no use after free). */
static void test_pool_free_mid_handshake(void **state)
{
	struct fixture *f = *state;
	struct tz_dtls_fingerprint cfp, sfp;
	GPtrArray *c_out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	struct tz_dtls *c, *s;
	uint64_t j0 = dtls_counter(TZ_DTLS_CNT_POOL_JOBS);
	gsize n;
	const uint8_t *hello;

	assert_int_equal(tz_dtls_cert_digest(f->ccert, "sha-256", &cfp), 0);
	assert_int_equal(tz_dtls_cert_digest(f->scert, "sha-256", &sfp), 0);
	c = tz_dtls_new(f->ccert, TZ_DTLS_CLIENT, &sfp, lone_send, lone_event, c_out);
	s = tz_dtls_new(f->scert, TZ_DTLS_SERVER, &cfp, lone_send, lone_event, NULL);
	assert_non_null(c);
	assert_non_null(s);
	assert_int_equal(tz_dtls_start(c), 0);
	/* The job's completion waits for this thread's loop: nothing is sent
	 * or reported from the pool thread (g_main_context_invoke() would run
	 * it there whenever the loop is not polling, as now). */
	for (int i = 0; i < RUN_MS && !g_main_context_pending(NULL); i++)
		g_usleep(1000);
	assert_true(g_main_context_pending(NULL));
	assert_int_equal(c_out->len, 0);
	assert_int_equal(tz_dtls_pool_in_flight(), 1);
	assert_true(jobs_reached(j0 + 1));
	assert_int_equal(c_out->len, 1);	/* the ClientHello */
	lone_sent = 0;
	lone_events = 0;
	hello = g_bytes_get_data(g_ptr_array_index(c_out, 0), &n);
	for (int i = 0; i < 3; i++)	/* one job, two queued behind it */
		assert_int_equal(tz_dtls_input(s, hello, n), 0);
	assert_int_equal(tz_dtls_pool_in_flight(), 1);
	tz_dtls_free(s);	/* the job runs or waits: the free is deferred */
	assert_true(jobs_reached(j0 + 2));
	while (tz_dtls_pool_in_flight() > 0)
		g_main_context_iteration(g_main_context_get_thread_default(), TRUE);
	assert_int_equal(lone_sent, 0);
	assert_int_equal(lone_events, 0);
	/* The client's deadline and retransmissions still work: free it mid-wait. */
	tz_dtls_free(c);
	g_ptr_array_unref(c_out);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_and_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_order_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_common_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fp_mismatch_client_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fp_mismatch_server_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fp_other_algorithms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_first_flights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thread_default_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_default_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtu_1200_fragments_big_cert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_mtu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_during_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_after_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_from_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_errors, setup, teardown),
#ifdef DTLS_TEST_POOL_THREADS
		cmocka_unit_test_setup_teardown(test_pool_runs_handshakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_free_mid_handshake, setup, teardown),
#endif
	};
	int rc;

#ifdef DTLS_TEST_POOL_THREADS
	assert_int_equal(tz_dtls_pool_start(DTLS_TEST_POOL_THREADS), 0);
	rc = cmocka_run_group_tests_name("dtls_pool", tests, NULL, NULL);
	tz_dtls_pool_stop();
#else
	assert_int_equal(tz_dtls_pool_threads(), 0);
	rc = cmocka_run_group_tests_name("dtls_handshake", tests, NULL, NULL);
#endif
	return rc;
}
