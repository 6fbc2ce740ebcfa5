/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several media addresses per side (ctrlplane/session/media_addrs.c):
 * calls are spread over the core port's own address and its
 * media_addresses, least used first; capacity is addresses x range (a
 * range of two RTP/RTCP pairs on three addresses holds six calls, the
 * seventh is refused); a full address is skipped; the flow key and the
 * egress carry the call's address.  Real sockets on 127.0.0.1..3 (all of
 * 127/8 is local on Linux), in a free range found at run time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "calls_pvt.h"
#include "tz_ports.h"

struct tz_calls_env tz_calls_env;

void tz_video_free(struct call *c)
{
	(void)c;
}

static struct tz_cfg_cidr extra[2];
static struct tz_cfg_port core_cfg = { .name = "c", .role = TZ_ROLE_CORE };
static struct tz_port core = { .cfg = &core_cfg };
static struct tz_config cfg;
static struct call calls[8];

static struct tz_cfg_addr v4(const char *s)
{
	struct tz_cfg_addr a = { .family = AF_INET };

	inet_pton(AF_INET, s, &a.v4);
	return a;
}

/* Can all four ports from @p base be bound on 127.0.0.1..3? */
static bool range_free(uint16_t base)
{
	bool ok = true;

	for (unsigned a = 1; a <= 3 && ok; a++)
		for (unsigned p = 0; p < 4 && ok; p++) {
			struct sockaddr_in sa = { .sin_family = AF_INET,
						  .sin_port = htons((uint16_t)(base + p)),
						  .sin_addr.s_addr = htonl(0x7f000000u | a) };
			int fd = socket(AF_INET, SOCK_DGRAM, 0);

			ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
			close(fd);
		}
	return ok;
}

static int setup(void **state)
{
	uint16_t base = (uint16_t)(40000 + 4 * (getpid() % 4000));

	(void)state;
	while (!range_free(base))
		base = (uint16_t)(base + 4 < 60000 ? base + 4 : 40000);
	core_cfg.ipv4 = (struct tz_cfg_cidr){ .addr = v4("127.0.0.1"), .prefix = 8 };
	extra[0] = (struct tz_cfg_cidr){ .addr = v4("127.0.0.2"), .prefix = 32 };
	extra[1] = (struct tz_cfg_cidr){ .addr = v4("127.0.0.3"), .prefix = 32 };
	core_cfg.media_addrs = extra;
	core_cfg.n_media_addrs = 2;
	cfg.media.ports[TZ_ROLE_CORE] = (struct tz_cfg_range){ .first = base, .last = base + 3 };
	memset(&tz_calls_env, 0, sizeof(tz_calls_env));
	tz_calls_env.cfg = &cfg;
	tz_calls_env.core = &core;
	memset(calls, 0, sizeof(calls));
	return 0;
}

static void close_all(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(calls); i++)
		tz_media_core_ports_close(&calls[i]);
}

static void test_spread_and_capacity(void **state)
{
	unsigned on[3] = { 0 };

	(void)state;
	assert_int_equal(tz_media_addr_n(TZ_ROLE_CORE), 3);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(tz_media_core_ports(&calls[i]), 0);
		/* least used first, ties by index: 0 1 2 0 1 2 */
		assert_int_equal(calls[i].media.core_addr, i % 3);
		on[calls[i].media.core_addr]++;
		for (unsigned j = 0; j < i; j++)
			assert_false(calls[j].media.core_addr == calls[i].media.core_addr &&
				     calls[j].media.core_port == calls[i].media.core_port);
	}
	for (unsigned a = 0; a < 3; a++) {
		assert_int_equal(on[a], 2);
		assert_int_equal(tz_media_addr_used(TZ_ROLE_CORE, a), 2);
	}
	/* 3 addresses x 2 pairs: the seventh call has no port */
	assert_int_equal(tz_media_core_ports(&calls[6]), -EADDRINUSE);
	/* one call on address 1 ends: the next call gets its place */
	tz_media_core_ports_close(&calls[4]);
	assert_int_equal(tz_media_addr_used(TZ_ROLE_CORE, 1), 1);
	assert_int_equal(tz_media_core_ports(&calls[6]), 0);
	assert_int_equal(calls[6].media.core_addr, 1);
	close_all();
	for (unsigned a = 0; a < 3; a++)
		assert_int_equal(tz_media_addr_used(TZ_ROLE_CORE, a), 0);
}

/* Another process holds address 0's whole range: calls go to 1 and 2. */
static void test_full_address_skipped(void **state)
{
	const struct tz_cfg_range *r = &cfg.media.ports[TZ_ROLE_CORE];
	int fd[4];

	(void)state;
	for (unsigned p = 0; p < 4; p++) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons((uint16_t)(r->first + p)),
					  .sin_addr.s_addr = htonl(0x7f000001u) };

		fd[p] = socket(AF_INET, SOCK_DGRAM, 0);
		assert_int_equal(bind(fd[p], (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(tz_media_core_ports(&calls[i]), 0);
		assert_int_not_equal(calls[i].media.core_addr, 0);
	}
	assert_int_equal(tz_media_core_ports(&calls[4]), -EADDRINUSE);
	close_all();
	for (unsigned p = 0; p < 4; p++)
		close(fd[p]);
}

/* The key's pad and the egress source follow the call's address; the
 * SDP text; our own addresses are recognised (media hairpins). */
static void test_key_egress_text(void **state)
{
	struct tz_dp_flow_key k = { .pad = 0 };
	struct tz_dp_egress e = { .family = AF_INET };
	struct tz_cfg_addr a3 = v4("127.0.0.3"), other = v4("127.0.0.9");
	struct in_addr src;
	char text[64];

	(void)state;
	tz_media_addr_apply(TZ_ROLE_CORE, 2, &k, &e);
	memcpy(&src, e.src, 4);
	assert_int_equal(k.pad, 2);
	assert_int_equal(src.s_addr, htonl(0x7f000003u));
	memset(&k, 0, sizeof(k));
	tz_media_addr_apply(TZ_ROLE_CORE, 0, &k, &e);
	assert_int_equal(k.pad, 0);             /* address 0: the direct index */
	tz_media_addr_str(TZ_ROLE_CORE, 1, text, sizeof(text));
	assert_string_equal(text, "127.0.0.2");
	tz_media_addr_str(TZ_ROLE_CORE, 0, text, sizeof(text));
	assert_string_equal(text, "127.0.0.1");
	assert_int_equal(tz_media_addr_find(TZ_ROLE_CORE, &a3), 2);
	assert_int_equal(tz_media_addr_find(TZ_ROLE_CORE, &other), -1);
	/* a side without media addresses: one, the port's own */
	assert_int_equal(tz_media_addr_n(TZ_ROLE_ACCESS), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_spread_and_capacity, setup),
		cmocka_unit_test_setup(test_full_address_skipped, setup),
		cmocka_unit_test_setup(test_key_egress_text, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
