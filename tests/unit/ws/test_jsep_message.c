/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-jsep.v1 messaging (issue 15): `message` from the client (its
 * members, limits and the errors a client gets), `message` and
 * `message-status` from the server, exactly as docs/protocol.md shows them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tz_jsep_msg.h"

static void parses(const char *frame, struct tz_jsep_msg *m)
{
	struct tz_jsep_error e;
	int rc = tz_jsep_msg_parse(frame, strlen(frame), m, &e);

	if (rc != 0)
		fail_msg("%s: %s", frame, e.message);
	assert_int_equal(m->type, TZ_JSEP_MESSAGE);
}

static void refused(const char *frame, const char *message, int64_t id)
{
	struct tz_jsep_msg m;
	struct tz_jsep_error e;

	assert_int_equal(tz_jsep_msg_parse(frame, strlen(frame), &m, &e), -EINVAL);
	assert_int_equal(e.code, TZ_JSEP_ERR_BAD_MESSAGE);
	assert_string_equal(e.message, message);
	assert_int_equal(e.id, id);
	assert_null(m.root);
}

static void test_parse_ok(void **state)
{
	struct tz_jsep_msg m;

	parses("{\"type\":\"message\",\"id\":7,\"to\":\"+442079460000\",\"body\":\"hello\"}", &m);
	assert_int_equal(m.id, 7);
	assert_string_equal(m.to, "+442079460000");
	assert_string_equal(m.body, "hello");
	assert_null(m.content_type);                  /* the server reads text/plain */
	tz_jsep_msg_clear(&m);

	parses("{\"type\":\"message\",\"id\":8,\"to\":\"sip:bob@pbx.example\","
	       "\"content_type\":\"text/plain; charset=UTF-8\","
	       "\"body\":\"line 1\\nline 2 \\u00e9\\u20ac\"}", &m);
	assert_string_equal(m.content_type, "text/plain; charset=UTF-8");
	assert_string_equal(m.body, "line 1\nline 2 \xc3\xa9\xe2\x82\xac");  /* newlines kept */
	tz_jsep_msg_clear(&m);

	parses("{\"type\":\"message\",\"id\":9,\"to\":\"1001\",\"content_type\":null,"
	       "\"body\":\"\"}", &m);                 /* an empty body is a message too */
	assert_string_equal(m.body, "");
	assert_null(m.content_type);
	tz_jsep_msg_clear(&m);
	assert_true(tz_jsep_type_needs_login(TZ_JSEP_MESSAGE));
	assert_string_equal(tz_jsep_type_name(TZ_JSEP_MESSAGE), "message");
}

static void test_parse_refused(void **state)
{
	char *big, *frame;

	refused("{\"type\":\"message\",\"to\":\"1\",\"body\":\"x\"}", "id: missing",
		TZ_JSEP_NO_ID);
	refused("{\"type\":\"message\",\"id\":1,\"body\":\"x\"}", "to: missing", 1);
	refused("{\"type\":\"message\",\"id\":1,\"to\":\"1\"}", "body: missing", 1);
	refused("{\"type\":\"message\",\"id\":1,\"to\":\"\",\"body\":\"x\"}", "to: empty", 1);
	refused("{\"type\":\"message\",\"id\":1,\"to\":\"1\\n2\",\"body\":\"x\"}",
		"to: U+000A is a control character", 1);
	refused("{\"type\":\"message\",\"id\":1,\"to\":\"1\",\"body\":5}", "body: must be a string",
		1);
	refused("{\"type\":\"message\",\"id\":2,\"to\":\"1\",\"body\":\"x\","
		"\"content_type\":\"text/plain\\r\\nX-Evil: 1\"}",
		"content_type: U+000D is not allowed in a media type", 2);
	refused("{\"type\":\"message\",\"id\":2,\"to\":\"1\",\"body\":\"x\","
		"\"content_type\":\"text/plain, text/html\"}",
		"content_type: ',' is not allowed in a media type", 2);
	refused("{\"type\":\"message\",\"id\":2,\"to\":\"1\",\"body\":\"x\","
		"\"content_type\":\"plain\"}",
		"content_type: write a media type like \"text/plain\"", 2);
	refused("{\"type\":\"message\",\"id\":2,\"to\":\"1\",\"body\":\"x\","
		"\"content_type\":\"text/;x\"}",
		"content_type: write a media type like \"text/plain\"", 2);
	refused("{\"type\":\"message\",\"id\":2,\"to\":\"1\",\"body\":\"\\u0000\"}",
		"body: contains U+0000 (an escaped NUL); not allowed", 2);
	/* the codec's own ceiling; messaging.max_bytes is checked by the server */
	big = g_malloc0(TZ_JSEP_BODY_MAX + 2);
	memset(big, 'a', TZ_JSEP_BODY_MAX + 1);
	frame = g_strdup_printf("{\"type\":\"message\",\"id\":3,\"to\":\"1\",\"body\":\"%s\"}", big);
	refused(frame, "body: 65537 bytes long, at most 65536", 3);
	g_free(frame);
	big[TZ_JSEP_BODY_MAX] = '\0';
	frame = g_strdup_printf("{\"type\":\"message\",\"id\":3,\"to\":\"1\",\"body\":\"%s\"}", big);
	{
		struct tz_jsep_msg m;

		parses(frame, &m);
		assert_int_equal(strlen(m.body), TZ_JSEP_BODY_MAX);
		tz_jsep_msg_clear(&m);
	}
	g_free(frame);
	g_free(big);
}

struct build_case {
	struct tz_jsep_out out;
	const char *json;         /* NULL: must fail with EINVAL */
};

static const struct build_case builds[] = {
	{ { .type = TZ_JSEP_OUT_MESSAGE_STATUS, .id = 7, .code = 200, .reason = "OK" },
	  "{\"type\":\"message-status\",\"id\":7,\"code\":200,\"reason\":\"OK\"}" },
	{ { .type = TZ_JSEP_OUT_MESSAGE_STATUS, .id = 8, .code = 408, .reason = "Request Timeout" },
	  "{\"type\":\"message-status\",\"id\":8,\"code\":408,\"reason\":\"Request Timeout\"}" },
	{ { .type = TZ_JSEP_OUT_MESSAGE_STATUS, .id = TZ_JSEP_NO_ID, .code = 200, .reason = "OK" },
	  NULL },                                  /* a report names its request */
	{ { .type = TZ_JSEP_OUT_MESSAGE, .msgid = "m1", .from = "sip:bob@203.0.113.2",
	    .display = "Bob", .content_type = "text/plain", .body = "hi \"you\"\n" },
	  "{\"type\":\"message\",\"from\":\"sip:bob@203.0.113.2\",\"display\":\"Bob\","
	  "\"msgid\":\"m1\",\"content_type\":\"text/plain\",\"body\":\"hi \\\"you\\\"\\n\"}" },
	{ { .type = TZ_JSEP_OUT_MESSAGE, .msgid = "m2", .from = "sip:bob@x",
	    .content_type = "application/json", .body = "" },
	  "{\"type\":\"message\",\"from\":\"sip:bob@x\",\"msgid\":\"m2\","
	  "\"content_type\":\"application/json\",\"body\":\"\"}" },
	{ { .type = TZ_JSEP_OUT_MESSAGE, .msgid = "m3", .from = "sip:bob@x", .body = "x" },
	  NULL },                                  /* content_type missing */
};

static void test_build(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(builds); i++) {
		char *text;

		errno = 0;
		text = tz_jsep_build_text(&builds[i].out, NULL);
		if (builds[i].json == NULL) {
			assert_null(text);
			assert_int_equal(errno, EINVAL);
			continue;
		}
		assert_non_null(text);
		assert_string_equal(text, builds[i].json);
		g_free(text);
	}
	assert_string_equal(tz_jsep_out_type_name(TZ_JSEP_OUT_MESSAGE_STATUS), "message-status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
