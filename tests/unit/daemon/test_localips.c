/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libnice's local address list cached for a second (localips_cache.c): one
 * listing shared within the second, each caller its own copy, a changed list
 * seen once the entry expired, and libnice's real function behind it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib-object.h>

#include "localips_cache.h"

GList *nice_interfaces_get_local_ips(gboolean include_loopback);
GType nice_agent_get_type(void); /* keeps libnice linked (--as-needed) */

static int64_t fake_ms;
static int listings;
static const char *addr = "192.0.2.1";

static int64_t fake_clock(void)
{
	return fake_ms;
}

static GList *fake_source(gboolean include_loopback)
{
	GList *l = g_list_append(NULL, g_strdup(addr));

	listings++;
	return include_loopback ? g_list_append(l, g_strdup("127.0.0.1")) : l;
}

static void test_cached_then_expires(void **state)
{
	GList *a, *b, *c;

	(void)state;
	tz_localips_set_source(fake_source, fake_clock);
	fake_ms = 10000;
	listings = 0;
	a = nice_interfaces_get_local_ips(FALSE);
	addr = "192.0.2.2";                          /* an interface changed */
	fake_ms += 999;
	b = nice_interfaces_get_local_ips(FALSE);
	assert_int_equal(listings, 1);
	assert_ptr_not_equal(a, b);                  /* copies: each caller frees its own */
	assert_ptr_not_equal(a->data, b->data);
	assert_string_equal(b->data, "192.0.2.1");   /* still the cached one */
	g_list_free_full(a, g_free);
	fake_ms += 1;                                /* expired: listed again */
	c = nice_interfaces_get_local_ips(FALSE);
	assert_int_equal(listings, 2);
	assert_string_equal(c->data, "192.0.2.2");
	assert_int_equal(g_list_length(c), 1);
	g_list_free_full(b, g_free);
	g_list_free_full(c, g_free);
	c = nice_interfaces_get_local_ips(TRUE);     /* loopback or not: two entries */
	assert_int_equal(listings, 3);
	assert_int_equal(g_list_length(c), 2);
	g_list_free_full(c, g_free);
	addr = "192.0.2.1";
}

/* Without a test source, libnice's own function answers (loopback listed). */
static void test_real_libnice_behind(void **state)
{
	struct tz_localips_stats s0, s1;
	GList *l, *m;
	bool lo = false;

	(void)state;
	g_type_ensure(nice_agent_get_type());
	tz_localips_set_source(NULL, NULL);
	tz_localips_get_stats(&s0);
	l = nice_interfaces_get_local_ips(TRUE);
	m = nice_interfaces_get_local_ips(TRUE);
	tz_localips_get_stats(&s1);
	for (GList *i = l; i != NULL; i = i->next)
		lo |= strcmp(i->data, "127.0.0.1") == 0;
	assert_true(lo);
	assert_int_equal(g_list_length(l), g_list_length(m));
	assert_int_equal(s1.calls - s0.calls, 2);
	assert_int_equal(s1.queries - s0.queries, 1);
	g_list_free_full(l, g_free);
	g_list_free_full(m, g_free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cached_then_expires),
		cmocka_unit_test(test_real_libnice_behind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
