/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Not a test: the worker's cost per consent check answered
 * (tz_dp_stun_answer_buf on a check made by libnice's STUN agent, the
 * message walk, FINGERPRINT, two HMAC-SHA1 and the response), `stun_cost
 * [N]`: ns per check from the TSC-less monotonic clock over N checks.
 * Under valgrind --tool=callgrind it gives the instructions per check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include "tz_stun.h"

int main(int argc, char **argv)
{
	static const uint16_t known[] = { STUN_ATTRIBUTE_USERNAME, 0 };
	static const uint8_t src[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 7 };
	long n = argc > 1 ? atol(argv[1]) : 200000;
	struct tz_dp_stun_cred c;
	StunAgent agent;
	StunMessage req;
	uint8_t buf[256], out[TZ_STUN_RESP_MAX];
	size_t len, olen, ok = 0;
	struct timespec t0, t1;

	stun_agent_init(&agent, known, STUN_COMPATIBILITY_RFC5389,
			STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
	len = stun_usage_ice_conncheck_create(&agent, &req, buf, sizeof(buf),
					      (const uint8_t *)"gw01ufrg:brws", 13,
					      (const uint8_t *)"0123456789abcdefghijklmn", 24, false,
					      true, 0x6e7f00ff, 42, NULL,
					      STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
	if (len == 0 || tz_dp_stun_cred_set(&c, "gw01ufrg", "brws", "0123456789abcdefghijklmn") != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		ok += tz_dp_stun_answer_buf(&c, buf, len, src, 40000, out, &olen) == TZ_STUN_ANSWER;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("request %zu bytes, response %zu bytes: %.0f ns per check (%zu/%ld answered)\n", len,
	       olen, ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (double)n, ok, n);
	return ok == (size_t)n ? 0 : 1;
}
