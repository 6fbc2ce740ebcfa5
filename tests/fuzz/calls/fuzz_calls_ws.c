/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: bytes from the gateway's TCP connection as the load client
 * reads them: the HTTP upgrade answer (calls_ws_upgrade_check()), then
 * frames one after another (calls_ws_frame_parse()) until one is broken or
 * incomplete.  Any crash or sanitizer report is a bug; a frame must never
 * claim more bytes than it was given.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "calls_pvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	int status;
	long n = calls_ws_upgrade_check((const char *)data, size, "dGhlIHNhbXBsZSBub25jZQ==",
					&status);

	if (n > (long)size)
		abort();
	/* whatever the head said, read the rest (or all of it) as frames */
	if (n > 0)
		off = (size_t)n;
	while (off < size) {
		struct calls_ws_frame f;
		long k = calls_ws_frame_parse(data + off, size - off, 65536, &f);

		if (k == 0 || k == -EPROTO || k == -EMSGSIZE)
			break;
		if (k < 0 || (size_t)k > size - off || f.payload + f.len > data + size)
			abort();
		off += (size_t)k;
	}
	return 0;
}
