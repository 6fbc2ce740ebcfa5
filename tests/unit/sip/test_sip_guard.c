/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which trunks a SIP source is (sip_guard_trunks, issue 11): the guard keeps
 * each allow-list entry's trunk, so inbound requests reach only the users of
 * their trunk's tenant (session/sip_side.c).  A guard built from trunks of
 * three tenants -- acl CIDRs, IP-literal addresses, one address shared by two
 * tenants' trunks, overlapping entries -- maps each source to its trunks:
 * each once, in config order, none for a stranger.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "sip_pvt.h"

static struct tz_cfg_cidr cidr(const char *text, uint8_t prefix)
{
	struct tz_cfg_cidr c = { .prefix = prefix };

	if (inet_pton(AF_INET, text, &c.addr.v4) == 1) {
		c.addr.family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, &c.addr.v6), 1);
		c.addr.family = AF_INET6;
	}
	return c;
}

static struct tz_cfg_cidr acme_acl[2], alt_acl[1], dup_acl[2];

/* Indexes are what sip_guard_trunks returns. */
static struct tz_cfg_trunk trunks[] = {
	/* 0 */ { .name = "pbx", .address = { .host = "203.0.113.3", .port = 5060 }, .tenant = 0 },
	/* 1 */ { .name = "acme-pbx", .address = { .host = "pbx.acme.example", .port = 5061 },
		  .acl = acme_acl, .n_acl = 2, .tenant = 1 },
	/* 2 */ { .name = "acme-sbc", .address = { .host = "203.0.113.50", .port = 5060 },
		  .tenant = 1 },
	/* 3 */ { .name = "globex-pbx", .address = { .host = "203.0.113.50", .port = 5062 },
		  .tenant = 2 },
	/* 4 */ { .name = "acme-alt", .address = { .host = "alt.acme.example", .port = 5060 },
		  .acl = alt_acl, .n_acl = 1, .tenant = 1 },
	/* 5 */ { .name = "carrier", .address = { .host = "sbc.carrier.example", .port = 5060 },
		  .acl = dup_acl, .n_acl = 2, .tenant = 0 },
	/* 6 */ { .name = "globex-v6", .address = { .host = "2001:db8::5", .port = 5060 },
		  .tenant = 2 },
	/* 7 */ { .name = "globex-sbc", .address = { .host = "203.0.113.50", .port = 5064 },
		  .tenant = 2 },
};

static struct tz_cfg_sip sip_cfg = {
	.trunks = trunks,
	.n_trunks = G_N_ELEMENTS(trunks),
	.max_requests_per_source = 50,
};

static struct sip_guard *guard;
static uint64_t counters[TZ_SIP_CTR_COUNT];

static int setup(void **state)
{
	(void)state;
	acme_acl[0] = cidr("203.0.113.16", 28);
	acme_acl[1] = cidr("2001:db8:21::", 48);
	alt_acl[0] = cidr("203.0.113.20", 32);          /* inside acme-pbx's /28 */
	dup_acl[0] = cidr("198.51.100.0", 24);
	dup_acl[1] = cidr("198.51.100.128", 25);       /* inside its own /24 */
	guard = sip_guard_new(&sip_cfg, counters);
	return guard != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sip_guard_free(guard);
	return 0;
}

/* The trunks of source @p ip (v4, v6 or v4-mapped v6), at most @p max, as
 * "i,j,..." ("" for none). */
static char *trunks_of(const char *ip, size_t max)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	uint32_t out[TZ_SIP_SOURCE_TRUNKS_MAX + 1];
	GString *s = g_string_new(NULL);
	size_t n;

	if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(5060);
	} else {
		assert_int_equal(inet_pton(AF_INET6, ip, &v6->sin6_addr), 1);
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(5060);
	}
	memset(out, 0xff, sizeof(out));
	n = sip_guard_trunks(guard, (struct sockaddr *)&ss, out, max);
	assert_true(n <= max);
	assert_int_equal(out[max], UINT32_MAX);        /* nothing written past max */
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(s, "%s%u", i ? "," : "", out[i]);
	return g_string_free(s, FALSE);
}

static void test_sources_map_to_their_trunks(void **state)
{
	static const struct {
		const char *ip, *trunks;
	} rows[] = {
		{ "203.0.113.3", "0" },                 /* IP-literal address */
		{ "203.0.113.17", "1" },                /* acl CIDR */
		{ "203.0.113.31", "1" },
		{ "203.0.113.20", "1,4" },              /* two trunks' acls of one tenant */
		{ "203.0.113.50", "2,3,7" },            /* one address, trunks of two tenants */
		{ "::ffff:203.0.113.50", "2,3,7" },     /* IPv4-mapped IPv6: the same */
		{ "198.51.100.200", "5" },              /* in two entries of one trunk: once */
		{ "198.51.100.1", "5" },
		{ "2001:db8:21::9", "1" },              /* IPv6 acl */
		{ "2001:db8::5", "6" },                 /* IPv6 literal address */
		/* strangers */
		{ "203.0.113.4", "" },
		{ "203.0.113.32", "" },
		{ "192.0.2.1", "" },
		{ "2001:db8::6", "" },
		{ "2001:db8:22::1", "" },
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *got = trunks_of(rows[i].ip, TZ_SIP_SOURCE_TRUNKS_MAX);

		if (strcmp(got, rows[i].trunks) != 0)
			fail_msg("source %s: trunks \"%s\", expected \"%s\"", rows[i].ip, got,
				 rows[i].trunks);
	}
}

/* At most @p max, the first ones in config order. */
static void test_max_respected(void **state)
{
	g_autofree char *one = NULL, *two = NULL, *none = NULL;

	(void)state;
	one = trunks_of("203.0.113.50", 1);
	assert_string_equal(one, "2");
	two = trunks_of("203.0.113.50", 2);
	assert_string_equal(two, "2,3");
	none = trunks_of("203.0.113.50", 0);
	assert_string_equal(none, "");
}

/* No source (a request without an address): no trunk. */
static void test_no_source(void **state)
{
	uint32_t out[2] = { 7, 7 };

	(void)state;
	assert_int_equal(sip_guard_trunks(guard, NULL, out, 2), 0);
	assert_int_equal(out[0], 7);
}

/* The allow-list is unchanged by the per-trunk entries: every trunk's
 * source is allowed, a stranger is not. */
static void test_allow_list(void **state)
{
	struct tz_cfg_cidr in = cidr("203.0.113.50", 32), out = cidr("192.0.2.1", 32);

	(void)state;
	assert_true(sip_guard_allowed(guard, &in.addr));
	assert_false(sip_guard_allowed(guard, &out.addr));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sources_map_to_their_trunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_respected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_list, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
