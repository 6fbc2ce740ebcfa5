/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: a datagram that reaches the ICE socket, through the consent
 * check (tz_ice_stun_consent_check(): STUN header, attribute walk, USERNAME
 * and MESSAGE-INTEGRITY), the bytes any sender on the Internet controls.
 * Checked with the RFC 5769 credentials the seed corpus is signed with, and
 * with others.  Any crash or sanitizer report is a bug; the result must be
 * one of the documented codes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "tz_ice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const creds[][2] = {
		{ "evtj", "VOkJxbRl1RmTxUk/WvJxBt" }, { "x", "y" }, { "", "" },
	};

	for (size_t i = 0; i < sizeof(creds) / sizeof(creds[0]); i++) {
		int rc = tz_ice_stun_consent_check(data, size, creds[i][0], creds[i][1]);

		if (rc != 0 && rc != -EINVAL && rc != -ENOMSG && rc != -EACCES)
			abort();
	}
	return 0;
}
