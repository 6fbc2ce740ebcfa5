/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the /metrics listener's request parser with any bytes, fed whole and
 * in two pieces (as recv() may deliver them).  It must never read past the
 * input, must agree with itself however the input is split, and whatever it
 * accepts must be a request line with a path starting with '/' inside the
 * TZ_METRICS_HTTP_MAX bytes of the head.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tz_metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz_metrics_http_req whole, part;
	char *buf = malloc(size > 0 ? size : 1);   /* exact size: ASan sees overreads */
	int rc, rc_part;
	size_t cut = size > 0 ? data[0] % (size + 1) : 0;

	memcpy(buf, data, size);
	rc = tz_metrics_http_parse(buf, size, &whole);
	assert(rc == 0 || rc == -EAGAIN || rc == -EINVAL || rc == -E2BIG);
	if (rc == 0) {
		assert(whole.header_len <= size && whole.header_len <= TZ_METRICS_HTTP_MAX);
		assert(whole.path[0] == '/' && strlen(whole.path) < sizeof(whole.path));
		assert(strchr(whole.path, '?') == NULL);
		rc = tz_metrics_http_status(&whole);
		assert(rc == 200 || rc == 404 || rc == 405);
		/* the head alone parses the same */
		assert(tz_metrics_http_parse(buf, whole.header_len, &part) == 0);
		assert(strcmp(part.path, whole.path) == 0 && part.method == whole.method);
	}
	/* a prefix of a complete head is never complete before its end */
	rc_part = tz_metrics_http_parse(buf, cut, &part);
	if (rc_part == 0)
		assert(part.header_len <= cut);
	/* a valid head is never refused early: its prefixes are all "more, please" */
	if (tz_metrics_http_parse(buf, size, &whole) == 0 && cut < whole.header_len)
		assert(rc_part == -EAGAIN);
	free(buf);
	return 0;
}
