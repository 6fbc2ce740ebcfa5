/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The egress IPv4 header checksum (fp_ip4_hdr_cksum(), dataplane/
 * fastpath_pvt.h) against DPDK's rte_ipv4_cksum() on random headers at
 * every alignment, and against a header a receiver verifies (the sum over
 * the header with the checksum in is 0xffff).  No EAL needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_ip.h>

#include "fastpath_pvt.h"

static void random_header(struct rte_ipv4_hdr *ip, unsigned round)
{
	uint8_t *b = (uint8_t *)ip;

	for (size_t i = 0; i < sizeof(*ip); i++)
		b[i] = (uint8_t)rand();
	/* the edges too: all-ones words, sums that carry many times */
	if (round % 5 == 0)
		memset(b, 0xff, sizeof(*ip));
	if (round % 7 == 0)
		memset(b, 0, sizeof(*ip));
	ip->version_ihl = 0x45;         /* what the egress writes (rte_ipv4_cksum reads IHL) */
	ip->hdr_checksum = 0;
}

static void test_matches_dpdk(void **state)
{
	uint8_t buf[sizeof(struct rte_ipv4_hdr) + 8] __attribute__((aligned(8)));

	(void)state;
	srand(1624);
	for (unsigned round = 0; round < 200000; round++) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + round % 8);
		uint16_t ck;

		random_header(ip, round);
		ck = fp_ip4_hdr_cksum(ip);
		assert_int_equal(ck, rte_ipv4_cksum(ip));
		ip->hdr_checksum = ck;
		/* a receiver's check: the whole header sums to 0xffff */
		assert_int_equal(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_dpdk),
	};

	return cmocka_run_group_tests_name("ip4_cksum", tests, NULL, NULL);
}
