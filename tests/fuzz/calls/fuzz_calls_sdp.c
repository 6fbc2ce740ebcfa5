/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: an SDP answer as the load client reads it
 * (calls_sdp_answer_parse(): ICE credentials, fingerprint, setup, the first
 * UDP candidate), for both address families.  Any crash or sanitizer
 * report is a bug; the result is 0 or -EINVAL and strings stay terminated.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "calls_pvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int fam[] = { AF_INET, AF_INET6 };
	struct calls_sdp_answer a;
	char err[128];

	for (int i = 0; i < 2; i++) {
		int rc = calls_sdp_answer_parse((const char *)data, size, fam[i], &a, err, sizeof(err));

		if ((rc != 0 && rc != -EINVAL) || strlen(a.ufrag) >= sizeof(a.ufrag) ||
		    strlen(a.pwd) >= sizeof(a.pwd) || strlen(a.setup) >= sizeof(a.setup))
			abort();
	}
	return 0;
}
