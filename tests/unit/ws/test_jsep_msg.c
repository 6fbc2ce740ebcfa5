/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-jsep.v1 codec: a table of frames, each with the type it parses to
 * or the exact error code and message the client gets back; then the
 * builders of every server message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tz_jsep_msg.h"

#define OK -1       /* .err for frames that parse */
#define PREFIX true /* .message is a prefix (json-glib's own wording follows) */

struct parse_case {
	const char *frame;
	int err;                  /* enum tz_jsep_err, or OK */
	const char *message;      /* exact, or the type name when OK */
	bool prefix;
	int64_t echo_id;          /* id echoed in the error */
	const char *echo_call;    /* call echoed in the error, "" for none */
};

static const struct parse_case cases[] = {
	/* valid messages of every type */
	{ "{\"type\":\"login\",\"id\":1,\"user\":\"alice\"}", OK, "login" },
	{ "{\"type\":\"login\",\"user\":\"alice\",\"password\":\"\",\"token\":\"t\","
	  "\"sip\":{\"username\":\"1001\",\"password\":\"pw\",\"domain\":\"sip.example\"}}",
	  OK, "login" },
	{ "{\"type\":\"call\",\"id\":2,\"call\":\"c1\",\"target\":\"echo\",\"sdp\":\"v=0\\r\\n\"}",
	  OK, "call" },
	{ "{\"type\":\"candidate\",\"call\":\"c1\","
	  "\"candidate\":\"candidate:1 1 udp 1 1.2.3.4 5 typ host\","
	  "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}", OK, "candidate" },
	{ "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":\"candidate:x\",\"sdpMid\":null,"
	  "\"sdpMLineIndex\":1}", OK, "candidate" },
	{ "{\"type\":\"end-of-candidates\",\"call\":\"A.b_c-9\"}", OK, "end-of-candidates" },
	{ "{\"type\":\"accept\",\"call\":\"in-1\",\"sdp\":\"v=0\"}", OK, "accept" },
	{ "{\"type\":\"reject\",\"call\":\"in-1\",\"code\":603}", OK, "reject" },
	{ "{\"type\":\"hangup\",\"call\":\"c1\",\"reason\":\"user\"}", OK, "hangup" },
	{ "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"0123456789*#ABCD\",\"duration\":40}",
	  OK, "dtmf" },
	{ "{\"type\":\"hold\",\"call\":\"c1\"}", OK, "hold" },
	{ "{\"type\":\"unhold\",\"call\":\"c1\"}", OK, "unhold" },
	{ "{\"type\":\"ping\"}", OK, "ping" },
	{ "{\"type\":\"logout\",\"id\":9007199254740991}", OK, "logout" },
	{ "{\"type\":\"ping\",\"future\":[1,{\"x\":true}]}", OK, "ping" },  /* unknown members ignored */
	/* not JSON objects */
	{ "", TZ_JSEP_ERR_BAD_JSON, "frame is empty; send a JSON object" },
	{ "{nope", TZ_JSEP_ERR_BAD_JSON, "frame is not valid JSON: ", PREFIX },
	{ "[1,2]", TZ_JSEP_ERR_BAD_JSON, "frame is not a JSON object" },
	{ "\"ping\"", TZ_JSEP_ERR_BAD_JSON, "frame is not a JSON object" },
	{ "{\"type\":\"ping\",\"x\":\"\xff\"}", TZ_JSEP_ERR_BAD_JSON, "frame is not valid UTF-8" },
	{ "{\"a\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}", TZ_JSEP_ERR_BAD_JSON,
	  "frame nests deeper than 16 levels" },
	/* strict RFC 8259 (issue 9): what json-glib alone let through */
	{ "{\"type\":\"ping\"/*x*/}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 14: comments are not JSON" },
	{ "// hi\n{\"type\":\"ping\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 0: comments are not JSON" },
	{ "{'type':'ping'}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 1: single quotes are not JSON (use \")" },
	{ "{\"type\":\"ping\",\"id\":01}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 20: numbers have no leading zeros" },
	{ "{\"type\":\"ping\",\"id\":-01}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 20: numbers have no leading zeros" },
	{ "{\"type\":\"ping\"}{\"type\":\"ping\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 15: more after the JSON value (one JSON value per frame)" },
	{ "{\"type\":\"ping\"} x", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 16: more after the JSON value (one JSON value per frame)" },
	{ "{\"type\":\"ping\",}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 15: expected a member name in double quotes" },
	{ "{\"type\":\"ping\",\"x\":[1,]}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 22: expected a value" },
	{ "{\"type\" \"ping\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 8: expected ':'" },
	{ "{\"type\":\"ping\",\"x\":\"\\q\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 20: invalid escape '\\q'" },
	{ "{\"type\":\"ping\",\"x\":\"\\ud800\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 20: \\u escape is a high surrogate without its low half" },
	{ "{\"type\":\"ping\",\"x\":\"\\ud800\\u0041\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 20: \\u escape is a high surrogate without its low half" },
	{ "{\"type\":\"ping\",\"x\":\"\\udc00\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 20: \\u escape is a lone low surrogate" },
	{ "{\"type\":\"ping\",\"x\":\"\\u12\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 20: \\u needs four hex digits" },
	{ "{\"type\":\"ping\",\"x\":\"a\tb\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 21: raw control character U+0009 in a string (escape it)" },
	{ "{\"type\":\"ping\",\"x\":\"a\nb\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 21: raw control character U+000A in a string (escape it)" },
	{ "{\"type\":\"ping\",\"id\":+1}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 20: numbers do not start with '+'" },
	{ "{\"type\":\"ping\",\"id\":.5}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 20: unexpected '.'" },
	{ "{\"type\":\"ping\",\"id\":1.}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 22: malformed number" },
	{ "{\"type\":\"ping\",\"id\":1e}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 22: malformed number" },
	{ "{\"type\":\"ping\",\"id\":NaN}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 20: unexpected 'N'" },
	{ "{\"type\":\"ping\",\"x\":tru}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 19: unknown literal (true, false and null are JSON)" },
	{ "{\"type\":\"ping\"", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 14: frame ends early; expected ',' or '}'" },
	{ "{\"type\":\"ping", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 8: string not terminated" },
	{ "{\"type\":\"ping\",\"x\":\"\\u0000\"", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 27: frame ends early; expected ',' or '}'" },
	{ "{\"type\":\"ping\",\"x\":[-0,0.5,1E+2,-1e-2,0e0,true,false,null,\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"]}", OK, "ping" },
	{ " \n{\"type\":\"ping\"}\r\n\t ", OK, "ping" },
	{ "{\"type\":\"ping\",\"id\":0}", OK, "ping" },
	{ "{\"type\":\"call\",\"id\":3,\"call\":\"c1\",\"target\":\"a\\u0000b\",\"sdp\":\"v=0\"}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "target: contains U+0000 (an escaped NUL); not allowed", false, 3, "c1" },
	{ "{\"type\":\"login\",\"user\":\"a\",\"sip\":{\"username\":\"\\u0000\",\"password\":\"p\"}}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "sip.username: contains U+0000 (an escaped NUL); not allowed", false, TZ_JSEP_NO_ID },
	{ "{\"type\":\"ping\",\"id\":18446744073709551616}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "id: 18446744073709551616 is out of range (0-9007199254740991)", false, TZ_JSEP_NO_ID },
	{ "{\"type\":\"ping\",\"id\":9223372036854775808}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "id: 9223372036854775808 is out of range (0-9007199254740991)", false, TZ_JSEP_NO_ID },
	{ "{\"type\":\"ping\",\"id\":9223372036854775807}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "id: 9223372036854775807 is out of range (0-9007199254740991)", false, TZ_JSEP_NO_ID },
	{ "{\"type\":\"ping\",\"id\":-9223372036854775809}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "id: -9223372036854775809 is out of range (0-9007199254740991)", false, TZ_JSEP_NO_ID },
	{ "{\"type\":\"reject\",\"call\":\"c2\",\"code\":100000000000000000000}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "code: 100000000000000000000 is out of range (400-699)", false, TZ_JSEP_NO_ID, "c2" },
	{ "{\"type\":\"ping\",\"pad\":[99999999999999999999]}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "pad: 99999999999999999999 is out of range for an integer", false, TZ_JSEP_NO_ID },
	/* a member name twice (json-glib keeps the last) */
	{ "{\"type\":\"ping\",\"type\":\"call\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 15: member \"type\" appears twice" },
	{ "{\"type\":\"ping\",\"typ\\u0065\":\"call\"}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 15: member \"typ\\u0065\" appears twice" },
	{ "{\"type\":\"ping\",\"x\":{\"a\":1,\"b\":{\"a\":2},\"a\":3}}", TZ_JSEP_ERR_BAD_JSON,
	  "frame is not valid JSON: at byte 38: member \"a\" appears twice" },
	{ "{\"type\":\"ping\",\"x\":{\"type\":1},\"y\":[{\"a\":1},{\"a\":2}],\"z\":{\"a\":{\"a\":{}}}}", OK, "ping" },
	/* type */
	{ "{\"id\":3}", TZ_JSEP_ERR_BAD_MESSAGE, "type: missing", false, 3 },
	{ "{\"type\":7}", TZ_JSEP_ERR_BAD_MESSAGE, "type: must be a string" },
	{ "{\"type\":\"dial\",\"id\":4}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "type: 'dial' is not a message type", false, 4 },
	/* required members, types */
	{ "{\"type\":\"login\",\"id\":5}", OK, "login" },   /* credentials: the call manager */
	{ "{\"type\":\"hangup\"}", TZ_JSEP_ERR_BAD_MESSAGE, "call: missing" },
	{ "{\"type\":\"hangup\",\"call\":null}", TZ_JSEP_ERR_BAD_MESSAGE, "call: missing" },
	{ "{\"type\":\"hangup\",\"call\":12}", TZ_JSEP_ERR_BAD_MESSAGE, "call: must be a string" },
	{ "{\"type\":\"call\",\"id\":6,\"call\":\"c1\",\"target\":\"echo\"}",
	  TZ_JSEP_ERR_BAD_MESSAGE, "sdp: missing", false, 6, "c1" },
	{ "{\"type\":\"ping\",\"id\":\"7\"}", TZ_JSEP_ERR_BAD_MESSAGE, "id: must be an integer" },
	{ "{\"type\":\"ping\",\"id\":1.5}", TZ_JSEP_ERR_BAD_MESSAGE, "id: must be an integer" },
	{ "{\"type\":\"ping\",\"id\":-1}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "id: -1 is out of range (0-9007199254740991)" },
	{ "{\"type\":\"login\",\"user\":\"a\",\"sip\":\"x\"}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "sip: must be an object" },
	{ "{\"type\":\"login\",\"user\":\"a\",\"sip\":{\"password\":\"p\"}}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "sip.username: missing" },
	{ "{\"type\":\"login\",\"user\":\"\"}", TZ_JSEP_ERR_BAD_MESSAGE, "user: empty" },
	{ "{\"type\":\"login\",\"user\":\"a\\nb\"}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "user: U+000A is a control character" },
	/* call names */
	{ "{\"type\":\"hold\",\"call\":\"\"}", TZ_JSEP_ERR_BAD_MESSAGE, "call: empty" },
	{ "{\"type\":\"hold\",\"call\":\"a b\"}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "call: ' ' is not allowed (use A-Z a-z 0-9 . _ -)" },
	{ "{\"type\":\"hold\",\"call\":\"caf\xc3\xa9\"}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "call: '\xc3\xa9' is not allowed (use A-Z a-z 0-9 . _ -)" },
	{ "{\"type\":\"hold\",\"call\":\""
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	  TZ_JSEP_ERR_BAD_MESSAGE, "call: 65 bytes long, at most 64" },
	/* dtmf */
	{ "{\"type\":\"dtmf\",\"id\":8,\"call\":\"c1\",\"digits\":\"12x\"}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "digits: 'x' is not a DTMF digit (use 0-9 * # A-D)", false, 8, "c1" },
	{ "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"a\"}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "digits: 'a' is not a DTMF digit (use 0-9 * # A-D)", false, TZ_JSEP_NO_ID, "c1" },
	{ "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"123456789012345678901234567890123\"}",
	  TZ_JSEP_ERR_BAD_MESSAGE, "digits: 33 bytes long, at most 32", false, TZ_JSEP_NO_ID, "c1" },
	{ "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"1\",\"duration\":39}",
	  TZ_JSEP_ERR_BAD_MESSAGE, "duration: 39 is out of range (40-2000)", false, TZ_JSEP_NO_ID,
	  "c1" },
	{ "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"1\",\"duration\":2001}",
	  TZ_JSEP_ERR_BAD_MESSAGE, "duration: 2001 is out of range (40-2000)", false, TZ_JSEP_NO_ID,
	  "c1" },
	/* reject, candidate */
	{ "{\"type\":\"reject\",\"call\":\"in-1\",\"code\":200}", TZ_JSEP_ERR_BAD_MESSAGE,
	  "code: 200 is out of range (400-699)", false, TZ_JSEP_NO_ID, "in-1" },
	{ "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":\"candidate:x\"}",
	  TZ_JSEP_ERR_BAD_MESSAGE, "candidate: needs sdpMid or sdpMLineIndex", false,
	  TZ_JSEP_NO_ID, "c1" },
	{ "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":\"\",\"sdpMid\":\"0\"}",
	  TZ_JSEP_ERR_BAD_MESSAGE, "candidate: empty", false, TZ_JSEP_NO_ID, "c1" },
	{ "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":\"c\",\"sdpMLineIndex\":-2}",
	  TZ_JSEP_ERR_BAD_MESSAGE, "sdpMLineIndex: -2 is out of range (0-65535)", false,
	  TZ_JSEP_NO_ID, "c1" },
};

static void check_case(const struct parse_case *c)
{
	struct tz_jsep_msg msg;
	struct tz_jsep_error err;
	int rc = tz_jsep_msg_parse(c->frame, strlen(c->frame), &msg, &err);

	if (c->err == OK) {
		if (rc != 0)
			fail_msg("%s: unexpected %s: %s", c->frame, tz_jsep_err_name(err.code),
				 err.message);
		assert_string_equal(tz_jsep_type_name(msg.type), c->message);
		tz_jsep_msg_clear(&msg);
		return;
	}
	if (rc != -EINVAL)
		fail_msg("%s: parsed, expected %s", c->frame, c->message);
	assert_string_equal(tz_jsep_err_name(err.code), tz_jsep_err_name(c->err));
	if (c->prefix)
		assert_true(strncmp(err.message, c->message, strlen(c->message)) == 0);
	else
		assert_string_equal(err.message, c->message);
	assert_int_equal(err.id, c->echo_id == 0 ? TZ_JSEP_NO_ID : c->echo_id);
	assert_string_equal(err.call, c->echo_call != NULL ? c->echo_call : "");
	assert_null(msg.root);
}

static void test_parse_table(void **state)
{
	assert_true(G_N_ELEMENTS(cases) >= 30);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		check_case(&cases[i]);
}

static void test_parse_members(void **state)
{
	const char *f = "{\"type\":\"login\",\"id\":42,\"user\":\"alice\",\"sip\":"
			"{\"username\":\"1001\",\"password\":\"pw\"}}";
	const char *d = "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"5#\"}";
	const char *r = "{\"type\":\"reject\",\"call\":\"in-1\"}";
	struct tz_jsep_msg m;
	struct tz_jsep_error e;

	assert_int_equal(tz_jsep_msg_parse(f, strlen(f), &m, &e), 0);
	assert_int_equal(m.type, TZ_JSEP_LOGIN);
	assert_int_equal(m.id, 42);
	assert_string_equal(m.user, "alice");
	assert_true(m.has_sip);
	assert_string_equal(m.sip.username, "1001");
	assert_string_equal(m.sip.password, "pw");
	assert_null(m.sip.domain);
	assert_null(m.password);
	tz_jsep_msg_clear(&m);
	assert_int_equal(tz_jsep_msg_parse(d, strlen(d), &m, &e), 0);
	assert_string_equal(m.digits, "5#");
	assert_int_equal(m.duration_ms, 100);       /* default */
	assert_int_equal(m.id, TZ_JSEP_NO_ID);
	tz_jsep_msg_clear(&m);
	assert_int_equal(tz_jsep_msg_parse(r, strlen(r), &m, &e), 0);
	assert_int_equal(m.code, 486);              /* default */
	tz_jsep_msg_clear(&m);
	/* A frame is length-delimited, not NUL-terminated. */
	assert_int_equal(tz_jsep_msg_parse("{\"type\":\"ping\"}garbage", 15, &m, &e), 0);
	tz_jsep_msg_clear(&m);
}

static void test_login_needed(void **state)
{
	assert_false(tz_jsep_type_needs_login(TZ_JSEP_LOGIN));
	assert_false(tz_jsep_type_needs_login(TZ_JSEP_PING));
	assert_true(tz_jsep_type_needs_login(TZ_JSEP_CALL));
	assert_true(tz_jsep_type_needs_login(TZ_JSEP_LOGOUT));
}

struct build_case {
	struct tz_jsep_out out;
	const char *json;         /* NULL: must fail with EINVAL */
};

static const struct build_case builds[] = {
	{ { .type = TZ_JSEP_OUT_LOGIN_OK, .id = 1, .user = "alice" },
	  "{\"type\":\"login-ok\",\"id\":1,\"user\":\"alice\"}" },
	{ { .type = TZ_JSEP_OUT_ANSWER, .call = "c1", .sdp = "v=0\r\n" },
	  "{\"type\":\"answer\",\"call\":\"c1\",\"sdp\":\"v=0\\r\\n\"}" },
	{ { .type = TZ_JSEP_OUT_RINGING, .call = "c1" }, "{\"type\":\"ringing\",\"call\":\"c1\"}" },
	{ { .type = TZ_JSEP_OUT_PROGRESS, .call = "c1" }, "{\"type\":\"progress\",\"call\":\"c1\"}" },
	{ { .type = TZ_JSEP_OUT_PROGRESS, .call = "c1", .sdp = "v=0" },
	  "{\"type\":\"progress\",\"call\":\"c1\",\"sdp\":\"v=0\"}" },
	{ { .type = TZ_JSEP_OUT_ANSWERED, .call = "c1" }, "{\"type\":\"answered\",\"call\":\"c1\"}" },
	{ { .type = TZ_JSEP_OUT_ANSWERED, .call = "c1", .video = "rejected" },
	  "{\"type\":\"answered\",\"call\":\"c1\",\"video\":\"rejected\"}" },
	{ { .type = TZ_JSEP_OUT_INCOMING, .call = "in-1", .from = "sip:bob@x", .display = "Bob",
	    .sdp = "v=0" },
	  "{\"type\":\"incoming\",\"call\":\"in-1\",\"from\":\"sip:bob@x\",\"display\":\"Bob\","
	  "\"sdp\":\"v=0\"}" },
	{ { .type = TZ_JSEP_OUT_HANGUP, .call = "c1", .code = 0, .reason = "ice-failed" },
	  "{\"type\":\"hangup\",\"call\":\"c1\",\"code\":0,\"reason\":\"ice-failed\"}" },
	{ { .type = TZ_JSEP_OUT_HELD, .call = "c1", .by = TZ_JSEP_BY_REMOTE },
	  "{\"type\":\"held\",\"call\":\"c1\",\"by\":\"remote\"}" },
	{ { .type = TZ_JSEP_OUT_UNHELD, .call = "c1", .by = TZ_JSEP_BY_LOCAL },
	  "{\"type\":\"unheld\",\"call\":\"c1\",\"by\":\"local\"}" },
	{ { .type = TZ_JSEP_OUT_DTMF, .call = "c1", .digits = "5", .duration_ms = 160 },
	  "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"5\",\"duration\":160}" },
	{ { .type = TZ_JSEP_OUT_DTMF, .call = "c1", .digits = "#" },
	  "{\"type\":\"dtmf\",\"call\":\"c1\",\"digits\":\"#\"}" },
	{ { .type = TZ_JSEP_OUT_DTMF, .call = "c1" }, NULL },             /* digits missing */
	{ { .type = TZ_JSEP_OUT_CANDIDATE, .call = "c1", .candidate = "candidate:1",
	    .sdp_mid = "0", .sdp_mline_index = 0 },
	  "{\"type\":\"candidate\",\"call\":\"c1\",\"candidate\":\"candidate:1\",\"sdpMid\":\"0\","
	  "\"sdpMLineIndex\":0}" },
	{ { .type = TZ_JSEP_OUT_END_OF_CANDIDATES, .call = "c1" },
	  "{\"type\":\"end-of-candidates\",\"call\":\"c1\"}" },
	{ { .type = TZ_JSEP_OUT_PONG, .id = TZ_JSEP_NO_ID }, "{\"type\":\"pong\"}" },
	{ { .type = TZ_JSEP_OUT_ERROR, .id = 3, .call = "c1", .err = TZ_JSEP_ERR_UNKNOWN_CALL,
	    .message = "call: 'c1' is not a call on this connection" },
	  "{\"type\":\"error\",\"id\":3,\"call\":\"c1\",\"code\":\"unknown-call\","
	  "\"message\":\"call: 'c1' is not a call on this connection\"}" },
	{ { .type = TZ_JSEP_OUT_ANSWER, .call = "c1" }, NULL },            /* sdp missing */
	{ { .type = TZ_JSEP_OUT_RINGING, .call = "bad call" }, NULL },     /* not a call name */
	{ { .type = TZ_JSEP_OUT_ERROR, .id = -1, .err = TZ_JSEP_ERR_COUNT, .message = "x" }, NULL },
	{ { .type = TZ_JSEP_OUT_TYPE_COUNT }, NULL },
};

static void test_build_table(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(builds); i++) {
		size_t len = 0;
		char *text;

		errno = 0;
		text = tz_jsep_build_text(&builds[i].out, &len);
		if (builds[i].json == NULL) {
			assert_null(text);
			assert_int_equal(errno, EINVAL);
			continue;
		}
		assert_non_null(text);
		assert_string_equal(text, builds[i].json);
		assert_int_equal(len, strlen(builds[i].json));
		g_free(text);
	}
}

/* What the server builds, the client side of the codec reads back. */
static void test_error_round_trip(void **state)
{
	const char *bad = "{\"type\":\"dtmf\",\"id\":8,\"call\":\"c1\",\"digits\":\"x\"}";
	struct tz_jsep_msg m;
	struct tz_jsep_error e;
	struct tz_jsep_out out = { .type = TZ_JSEP_OUT_ERROR };
	JsonNode *node;
	JsonObject *obj;

	assert_int_equal(tz_jsep_msg_parse(bad, strlen(bad), &m, &e), -EINVAL);
	out.id = e.id;
	out.call = e.call;
	out.err = e.code;
	out.message = e.message;
	node = tz_jsep_build(&out);
	assert_non_null(node);
	obj = json_node_get_object(node);
	assert_string_equal(json_object_get_string_member(obj, "code"), "bad-message");
	assert_int_equal(json_object_get_int_member(obj, "id"), 8);
	assert_string_equal(json_object_get_string_member(obj, "call"), "c1");
	json_node_unref(node);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_members),
		cmocka_unit_test(test_login_needed),
		cmocka_unit_test(test_build_table),
		cmocka_unit_test(test_error_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
