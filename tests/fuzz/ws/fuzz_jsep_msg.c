/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the trapeze-jsep.v1 frame parser: any bytes a browser (or anyone who
 * reaches /ws) can send.  A parsed message is built back into an error and
 * a reply so the builders see the parser's strings too.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tz_jsep_msg.h"

static void build_back(const struct tz_jsep_msg *m)
{
	struct tz_jsep_out out = {
		.type = TZ_JSEP_OUT_ERROR,
		.id = m->id,
		.call = m->call,
		.err = TZ_JSEP_ERR_UNKNOWN_CALL,
		.message = m->user != NULL ? m->user : "x",
	};
	char *text = tz_jsep_build_text(&out, NULL);

	/* Whatever the parser accepted as a call name, the builder accepts. */
	assert(text != NULL);
	g_free(text);
	if (m->type != TZ_JSEP_MESSAGE)
		return;
	/* A message's members go back out in `message` (the gateway hands a
	 * browser's text to another): the builder takes whatever the parser took. */
	out = (struct tz_jsep_out){ .type = TZ_JSEP_OUT_MESSAGE, .msgid = "m1", .from = m->to,
				    .content_type = m->content_type ? m->content_type : "text/plain",
				    .body = m->body, .sdp_mline_index = -1 };
	assert(m->to != NULL && m->body != NULL && m->id >= 0);
	text = tz_jsep_build_text(&out, NULL);
	assert(text != NULL);
	g_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz_jsep_msg msg;
	struct tz_jsep_error err;

	if (tz_jsep_msg_parse((const char *)data, size, &msg, &err) == 0) {
		assert((unsigned)msg.type < TZ_JSEP_TYPE_COUNT);
		build_back(&msg);
		tz_jsep_msg_clear(&msg);
		return 0;
	}
	assert(err.code == TZ_JSEP_ERR_BAD_JSON || err.code == TZ_JSEP_ERR_BAD_MESSAGE);
	assert(memchr(err.message, '\0', sizeof(err.message)) != NULL);
	assert(err.call[0] == '\0' || tz_jsep_call_name_valid(err.call));
	return 0;
}
