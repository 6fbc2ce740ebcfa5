/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for the CDR line writer (tz_cdr_format): the input's
 * NUL-separated pieces become from, to, user, reason, tenant and codec --
 * text a SIP caller or a client chooses.  Every record formats into one
 * line of valid UTF-8 that json-glib parses back into an object whose
 * strings are the pieces (cut at 256 bytes, bad UTF-8 as U+FFFD).
 *
 * Real fuzzing: tools/fuzz.sh 60 cdr
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "tz_cdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The piece as the writer must give it back, when it is short valid UTF-8. */
static void same(JsonObject *o, const char *key, const char *piece)
{
	if (strlen(piece) >= 200 || !g_utf8_validate(piece, -1, NULL) || strchr(piece, 0x7f))
		return;
	if (strcmp(json_object_get_string_member(o, key), piece) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = g_malloc(size + 1);
	const char *piece[6] = { "", "", "", "", "", "" };
	char line[TZ_CDR_LINE_MAX];
	struct tz_cdr r = { .call = 1, .t_offer = 1, .t_end = 2, .code = 200 };
	JsonNode *n;
	ssize_t len;
	size_t at = 0;

	memcpy(text, data, size);
	text[size] = '\0';
	for (int i = 0; i < 6 && at <= size; i++) {
		piece[i] = text + at;
		at += strlen(text + at) + 1;
	}
	r.from = piece[0];
	r.to = piece[1];
	r.user = piece[2];
	r.reason = piece[3];
	r.tenant = piece[4];
	r.codec = piece[5];
	len = tz_cdr_format(&r, line, sizeof(line));
	if (len <= 0 || line[len - 1] != '\n' || memchr(line, '\n', (size_t)len - 1) != NULL ||
	    !g_utf8_validate(line, len, NULL))
		abort();
	n = json_from_string(line, NULL);
	if (n == NULL || !JSON_NODE_HOLDS_OBJECT(n))
		abort();
	same(json_node_get_object(n), "from", piece[0]);
	same(json_node_get_object(n), "to", piece[1]);
	same(json_node_get_object(n), "reason", piece[3]);
	json_node_unref(n);
	g_free(text);
	return 0;
}
