/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dispatch without a socket: longest match, argument bounds, unknown
 * commands and their suggestions, help, the commands listing, the request
 * forms of the wire protocol and what counts as a bad request.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli_test_cmds.h"
#include "tz_cli.h"

static int group_setup(void **state)
{
	return cli_test_register();
}

static void assert_error(const char *line, const char *want)
{
	char *err = cli_test_exec_error(line);

	assert_string_equal(err, want);
	g_free(err);
}

/* The result of a successful line, serialized compactly. */
static char *result_of(const char *line)
{
	JsonObject *o = cli_test_exec(line);
	char *s;

	assert_true(json_object_get_boolean_member(o, "ok"));
	s = json_to_string(json_object_get_member(o, "result"), FALSE);
	json_object_unref(o);
	return s;
}

static void assert_result(const char *line, const char *want)
{
	char *s = result_of(line);

	assert_string_equal(s, want);
	g_free(s);
}

static void test_longest_match(void **state)
{
	assert_result("test echo a b", "[\"a\",\"b\"]");
	assert_result("test", "{\"argc\":0}");
	assert_result("test echox", "{\"argc\":1}");
	assert_result("test   echo", "[]");
	assert_result("test fail2", "{\"argc\":1}");
}

static void test_usage_errors(void **state)
{
	assert_error("set log level tz.cp.sip", "usage: set log level <subsystem> <level>");
	assert_error("set log level a b c", "usage: set log level <subsystem> <level>");
	assert_error("show ports extra", "usage: show ports");
	assert_result("set log level tz.cp.sip debug", "null");
}

static void test_unknown_suggests(void **state)
{
	assert_error("shw ports", "unknown command \"shw ports\"; did you mean \"show ports\"?");
	assert_error("show prots", "unknown command \"show prots\"; did you mean \"show ports\"?");
	assert_error("hlep", "unknown command \"hlep\"; did you mean \"help\"?");
	assert_error("st log level a b", "unknown command \"st log level\"; "
		     "did you mean \"set log level\"?");
	assert_error("show", "incomplete command \"show\"; next word is one of: cli, ports, version");
	assert_error("set log", "incomplete command \"set log\"; next word is one of: level");
	assert_error("show frobnicated",
		     "unknown command \"show frobnicated\"; after \"show\" comes one of: "
		     "cli, ports, version");
	assert_error("frobnicate", "unknown command \"frobnicate\"; try \"help\"");
	assert_error("", "empty command; try \"help\"");
	assert_error("   ", "empty command; try \"help\"");
}

static void test_handler_errors(void **state)
{
	char *reply = tz_cli_execute("test fail");

	assert_string_equal(reply, "{\"ok\":false,\"error\":\"port 3 is down\"}");
	g_free(reply);
	assert_error("test errno", "test errno: Input/output error");
	assert_error("set log level tz.cp.sip loud", "unknown level \"loud\"");
}

static void test_help(void **state)
{
	char *all = result_of("help");

	assert_non_null(strstr(all, "{\"command\":\"set log level\",\"args\":\"<subsystem> "
				    "<level>\",\"help\":\"change a subsystem's log level\"}"));
	assert_non_null(strstr(all, "{\"command\":\"help\",\"args\":\"[command...]\""));
	assert_null(strstr(all, "\"commands\""));       /* hidden */
	g_free(all);
	assert_result("help set log level",
		      "{\"command\":\"set log level\",\"usage\":\"set log level <subsystem> "
		      "<level>\",\"help\":\"change a subsystem's log level\"}");
	assert_result("help show",
		      "[{\"command\":\"show cli\",\"args\":\"\",\"help\":\"control socket "
		      "counters\"},{\"command\":\"show ports\",\"args\":\"\",\"help\":\"ports and "
		      "their counters\"},{\"command\":\"show version\",\"args\":\"\",\"help\":"
		      "\"version and build\"}]");
	assert_error("help shw ports",
		     "unknown command \"shw ports\"; did you mean \"show ports\"?");
}

static void test_commands_listing(void **state)
{
	char *all = result_of("commands");

	assert_non_null(strstr(all, "{\"words\":[\"set\",\"log\",\"level\"],\"args\":\"<subsystem> "
				    "<level>\",\"min_args\":2,\"max_args\":2,\"help\":\"change a "
				    "subsystem's log level\",\"complete\":[[\"tz.cp.cli\",\"tz.cp.sip\","
				    "\"tz.dp.worker\"],[\"debug\",\"info\"]]}"));
	assert_non_null(strstr(all, "{\"words\":[\"show\",\"ports\"],\"args\":\"\",\"min_args\":0,"
				    "\"max_args\":0,\"help\":\"ports and their counters\"}"));
	assert_null(strstr(all, "[\"commands\"]"));
	g_free(all);
}

static char *handle(const char *req, int *bad)
{
	return tz_cli_handle_request(req, strlen(req), bad);
}

static void test_request_forms(void **state)
{
	int bad = -1;
	char *r;

	r = handle("{\"cmd\": \"test echo\", \"args\": [\"a b\", 3, true, 1.5]}", &bad);
	assert_string_equal(r, "{\"ok\":true,\"result\":[\"a b\",\"3\",\"true\",\"1.5\"]}");
	assert_int_equal(bad, 0);
	g_free(r);
	r = handle("{\"line\": \"test echo 'a b' \\\"c d\\\" e\\\\ f\", \"id\": 7}", &bad);
	assert_string_equal(r, "{\"ok\":true,\"id\":7,\"result\":[\"a b\",\"c d\",\"e f\"]}");
	g_free(r);
	r = handle("{\"cmd\": \"test\", \"args\": [\"echo\"]}", &bad);
	assert_string_equal(r, "{\"ok\":true,\"result\":[]}");     /* args join the words */
	g_free(r);
	r = handle("{\"line\": \"test echo 'unterminated\"}", &bad);
	assert_int_equal(bad, 0);       /* a typo, not a broken client */
	assert_non_null(strstr(r, "\"error\":\"cannot parse the command line: "));
	g_free(r);
}

#define BAD_LEN ((size_t)-1)   /* strlen(req) */

static void assert_bad(const char *req, size_t len, const char *error_start)
{
	int bad = 0;
	char *r = tz_cli_handle_request(req, len == BAD_LEN ? strlen(req) : len, &bad);
	JsonObject *o = cli_test_parse_reply(r);

	assert_int_equal(bad, 1);
	assert_false(json_object_get_boolean_member(o, "ok"));
	if (!g_str_has_prefix(json_object_get_string_member(o, "error"), error_start))
		fail_msg("%s: got \"%s\"", req, json_object_get_string_member(o, "error"));
	json_object_unref(o);
	g_free(r);
}

static void test_bad_requests(void **state)
{
	struct tz_cli_stats before, after;
	char *deep = g_strnfill(10000, '[');

	tz_cli_stats_get(&before);
	assert_bad("hello", BAD_LEN, "bad request: not JSON");
	assert_bad("[1]", BAD_LEN, "bad request: not a JSON object");
	assert_bad("{\"cmd\": 5}", BAD_LEN, "bad request: \"cmd\" must be a string");
	assert_bad("{\"cmd\": \"x\", \"args\": [[1]]}", BAD_LEN, "bad request: \"args\" must be");
	assert_bad("{\"args\": []}", BAD_LEN, "bad request: needs \"cmd\" or \"line\"");
	assert_bad("{\"cmd\": \"x\", \"line\": \"y\"}", BAD_LEN, "bad request: use either");
	assert_bad("{\"line\": null}", BAD_LEN, "bad request: \"line\" must be a string");
	assert_bad("{\"line\":\"help\"}\0x", 17, "bad request: not UTF-8");
	assert_bad("{\"line\":\"\xff\"}", BAD_LEN, "bad request: not UTF-8");
	assert_bad(deep, 10000, "bad request: JSON nested deeper");
	assert_bad("", 0, "bad request: not a JSON object");
	tz_cli_stats_get(&after);
	assert_int_equal(after.bad_requests - before.bad_requests, 11);
	assert_int_equal(after.requests - before.requests, 11);
	g_free(deep);
}

static void test_register_rules(void **state)
{
	static const struct tz_cli_cmd dup[] = {
		{ "brand new", NULL, 0, 0, "x", (tz_cli_fn)1 },
		{ "show  ports", NULL, 0, 0, "x", (tz_cli_fn)1 },
	};
	static const struct tz_cli_cmd bad[] = {
		{ "  ", NULL, 0, 0, "x", (tz_cli_fn)1 },
		{ "bounds", NULL, 2, 1, "x", (tz_cli_fn)1 },
		{ "no handler", NULL, 0, 0, "x", NULL },
	};

	assert_int_equal(tz_cli_register(dup, 2), -EEXIST);
	/* All or nothing: "brand new" did not stay. */
	assert_error("brand new", "unknown command \"brand\"; try \"help\"");
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_int_equal(tz_cli_register(&bad[i], 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_match),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_unknown_suggests),
		cmocka_unit_test(test_handler_errors),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_commands_listing),
		cmocka_unit_test(test_request_forms),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_register_rules),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
