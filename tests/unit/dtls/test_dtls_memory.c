/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory per call of the DTLS layer, counted on OpenSSL's own allocator
 * (CRYPTO_set_mem_functions, set before OpenSSL allocates anything):
 * N server contexts connected at once stay under a budget each, and
 * tz_dtls_release() leaves none of OpenSSL's heap behind (docs/config.md
 * control.dtls_release; docs/architecture.md, bytes per call).  Never a
 * timing assertion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <glib.h>
#include <openssl/crypto.h>

#include "dtls_test_util.h"
#include "tz_dtls.h"

#define CALLS 300
#define CONNECTED_BUDGET (96 * 1024)	/* measured: ~72 KB */
#define STRUCT_BUDGET 1024		/* struct tz_dtls: 888 bytes */

static gint64 live;

struct hdr {
	size_t n;
	size_t pad;
};

static void *m_malloc(size_t n, const char *f, int l)
{
	struct hdr *h = malloc(sizeof(*h) + n);

	(void)f;
	(void)l;
	if (h == NULL)
		return NULL;
	h->n = n;
	live += (gint64)n;
	return h + 1;
}

static void m_free(void *p, const char *f, int l)
{
	struct hdr *h;

	(void)f;
	(void)l;
	if (p == NULL)
		return;
	h = (struct hdr *)p - 1;
	live -= (gint64)h->n;
	free(h);
}

static void *m_realloc(void *p, size_t n, const char *f, int l)
{
	struct hdr *h;
	size_t old;

	if (p == NULL)
		return m_malloc(n, f, l);
	h = (struct hdr *)p - 1;
	old = h->n;
	h = realloc(h, sizeof(*h) + n);
	if (h == NULL)
		return NULL;
	h->n = n;
	live += (gint64)n - (gint64)old;
	return h + 1;
}

static bool connected(struct dtls_pair *p)
{
	return p->c.events[TZ_DTLS_CONNECTED] == 1 && p->s.events[TZ_DTLS_CONNECTED] == 1;
}

static void test_bytes_per_call(void **state)
{
	struct tz_dtls_cert *ccert = tz_dtls_cert_generate();
	struct tz_dtls_cert *scert = tz_dtls_cert_generate();
	struct dtls_pair *pairs = g_new0(struct dtls_pair, CALLS);
	gint64 base, per_connected, per_released;

	(void)state;
	assert_non_null(ccert);
	assert_non_null(scert);
	/* Warm-up: OpenSSL's one-time tables are nobody's call. */
	dtls_pair_setup(&pairs[0], ccert, scert, NULL, NULL);
	assert_true(dtls_pair_run(&pairs[0], connected, 10000));
	dtls_pair_teardown(&pairs[0]);

	base = live;
	for (int i = 0; i < CALLS; i++) {
		dtls_pair_setup(&pairs[i], ccert, scert, NULL, NULL);
		assert_true(dtls_pair_run(&pairs[i], connected, 10000));
	}
	/* The clients are the browsers: not ours to count. */
	for (int i = 0; i < CALLS; i++) {
		pairs[i].c.drop_all = true;	/* its close_notify never arrives */
		tz_dtls_free(pairs[i].c.d);
		pairs[i].c.d = NULL;
	}
	while (g_main_context_pending(NULL))
		g_main_context_iteration(NULL, FALSE);
	per_connected = (live - base) / CALLS;
	print_message("OpenSSL heap per connected server context: %" G_GINT64_FORMAT " bytes\n",
		      per_connected);
	assert_true(per_connected > 0);
	assert_true(per_connected < CONNECTED_BUDGET);
	for (int i = 0; i < CALLS; i++)
		assert_int_equal(tz_dtls_release(pairs[i].s.d), 0);
	per_released = (live - base) / CALLS;
	print_message("after tz_dtls_release(): %" G_GINT64_FORMAT " bytes + struct %zu\n",
		      per_released, tz_dtls_sizeof());
	assert_true(per_released <= 0);
	assert_true(tz_dtls_sizeof() <= STRUCT_BUDGET);
	for (int i = 0; i < CALLS; i++)
		dtls_pair_teardown(&pairs[i]);
	g_free(pairs);
	tz_dtls_cert_free(ccert);
	tz_dtls_cert_free(scert);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_per_call),
	};

	if (!CRYPTO_set_mem_functions(m_malloc, m_realloc, m_free))
		return 1;
	return cmocka_run_group_tests_name("dtls_memory", tests, NULL, NULL);
}
