/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the strict RFC 8259 checker against json-glib: whatever the checker
 * passes, json-glib must parse too (the two must never disagree the other
 * way round from what we rely on), and the checker never reads past len.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "tz_json_strict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz_json_check chk;
	g_autoptr(JsonParser) parser = NULL;
	int rc;

	if (size > 1 << 16 || !g_utf8_validate_len((const char *)data, size, NULL))
		return 0;
	rc = tz_json_strict_check((const char *)data, size, 16, &chk);
	if (rc < 0) {
		assert(rc == -EINVAL || rc == -E2BIG);
		assert(chk.offset <= size);
		assert(memchr(chk.message, '\0', sizeof(chk.message)) != NULL);
		return 0;
	}
	assert(memchr(chk.nul_path, '\0', sizeof(chk.nul_path)) != NULL);
	assert(memchr(chk.overflow_path, '\0', sizeof(chk.overflow_path)) != NULL);
	parser = json_parser_new_immutable();
	assert(json_parser_load_from_data(parser, (const char *)data, (gssize)size, NULL));
	return 0;
}
