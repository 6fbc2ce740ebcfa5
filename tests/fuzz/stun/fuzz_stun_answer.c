/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: the dataplane's consent-check answerer
 * (tz_dp_stun_answer_buf(), dataplane/stun_msg.c) on a UDP payload any
 * sender controls, with the credentials the seed corpus is signed with
 * (so the fuzzer reaches the MAC and the response) and with others, from
 * an IPv4 and an IPv6 source.  Any crash or sanitizer report is a bug; the
 * verdict must be one of the enum's and a response fit its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tz_stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const creds[][3] = {
		{ "gw01ufrg", "brws", "0123456789abcdefghijklmn" },
		{ "evtj", "h6vY", "VOkJxbRl1RmTxUk/WvJxBt" },
		{ "x", "y", "z" },
	};
	static const uint8_t src[2][16] = {
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7 },
		{ 0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
	};
	uint8_t out[TZ_STUN_RESP_MAX + 16];

	for (size_t i = 0; i < sizeof(creds) / sizeof(creds[0]); i++) {
		struct tz_dp_stun_cred c;

		if (tz_dp_stun_cred_set(&c, creds[i][0], creds[i][1], creds[i][2]) != 0)
			abort();
		for (int s = 0; s < 2; s++) {
			size_t olen = 0;
			enum tz_stun_verdict v;

			memset(out, 0xa5, sizeof(out));
			v = tz_dp_stun_answer_buf(&c, data, size, src[s], 40000, out, &olen);
			if (v > TZ_STUN_BAD_AUTH)
				abort();
			if (v == TZ_STUN_ANSWER && (olen < 20 || olen > TZ_STUN_RESP_MAX ||
						    out[TZ_STUN_RESP_MAX] != 0xa5))
				abort();
		}
	}
	return 0;
}
