/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: a datagram at the load client's media socket read as a
 * STUN response (calls_stun_parse_response(): header, attribute table,
 * XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT), with the RFC 5769
 * password and transaction, with others, and with no checks.  Any crash or
 * sanitizer report is a bug; the verdict must be a known one.  The same
 * bytes are also read as the peer's check to us (calls_stun_parse_request()).
 */
#include <stdint.h>
#include <stdlib.h>

#include "calls_pvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t txid[12] = { 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
					  0xfa, 0x87, 0xdf, 0xae };
	static const char *const pwds[] = { "VOkJxbRl1RmTxUk/WvJxBt", "x", NULL };
	struct calls_stun_resp r;

	for (size_t i = 0; i < sizeof(pwds) / sizeof(pwds[0]); i++) {
		enum calls_stun_verdict v = calls_stun_parse_response(data, size, pwds[i] ? txid : NULL,
								      pwds[i], &r);

		uint8_t tx[12];

		if ((unsigned)v >= CALLS_STUN_VERDICT_COUNT)
			abort();
		/* the same bytes as the peer's check to us */
		v = calls_stun_parse_request(data, size, "evtj", pwds[i] ? pwds[i] : "", tx);
		if ((unsigned)v >= CALLS_STUN_VERDICT_COUNT)
			abort();
	}
	return 0;
}
