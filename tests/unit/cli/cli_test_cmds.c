/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sample commands shaped like the daemon's: a table ("show ports"), an
 * object with a section ("show version"), bounded arguments with
 * completion ("set log level"), failures ("test fail", "test errno").
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

static void port_row(JsonBuilder *b, int port, const char *name, const char *driver,
		     gint64 pkts, double mbps, const char *link)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "port");
	json_builder_add_int_value(b, port);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "driver");
	json_builder_add_string_value(b, driver);
	json_builder_set_member_name(b, "rx_pkts");
	json_builder_add_int_value(b, pkts);
	json_builder_set_member_name(b, "rx_mbps");
	if (mbps < 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_double_value(b, mbps);
	json_builder_set_member_name(b, "link");
	json_builder_add_string_value(b, link);
	json_builder_end_object(b);
}

static int cmd_ports(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	json_builder_begin_array(b);
	port_row(b, 0, "access", "net_af_xdp", 123456, 9.5, "up");
	port_row(b, 1, "core", "net_tap", 7, -1, "down");
	json_builder_end_array(b);
	return 0;
}

static int cmd_version(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "version");
	json_builder_add_string_value(b, "0.1.0");
	json_builder_set_member_name(b, "build");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "compiler");
	json_builder_add_string_value(b, "gcc");
	json_builder_set_member_name(b, "dpdk");
	json_builder_add_string_value(b, "22.11");
	json_builder_end_object(b);
	json_builder_set_member_name(b, "features");
	json_builder_begin_array(b);
	json_builder_add_string_value(b, "srtp");
	json_builder_add_string_value(b, "ice");
	json_builder_end_array(b);
	json_builder_end_object(b);
	return 0;
}

static int cmd_set_level(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
			 void *arg)
{
	if (strcmp(argv[1], "debug") != 0 && strcmp(argv[1], "info") != 0)
		return tz_cli_error(req, "unknown level \"%s\"", argv[1]);
	return 0;               /* adds nothing: the result is null */
}

static const char *const *complete_level(int idx, void *arg)
{
	static const char *const subsystems[] = { "tz.cp.cli", "tz.cp.sip", "tz.dp.worker", NULL };
	static const char *const levels[] = { "debug", "info", NULL };

	return idx == 0 ? subsystems : idx == 1 ? levels : NULL;
}

static int cmd_echo(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	json_builder_begin_array(b);
	for (int i = 0; i < argc; i++)
		json_builder_add_string_value(b, argv[i]);
	json_builder_end_array(b);
	return 0;
}

static int cmd_test(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "argc");
	json_builder_add_int_value(b, argc);
	json_builder_end_object(b);
	return 0;
}

static int cmd_fail(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	return tz_cli_error(req, "port %d is down", 3);
}

static int cmd_errno(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	return -EIO;
}

static const struct tz_cli_cmd cmds[] = {
	{ "show ports", NULL, 0, 0, "ports and their counters", cmd_ports },
	{ "show version", NULL, 0, 0, "version and build", cmd_version },
	{ "set log level", "<subsystem> <level>", 2, 2, "change a subsystem's log level",
	  cmd_set_level, NULL, complete_level },
	{ "test echo", "[word...]", 0, -1, "the arguments back", cmd_echo },
	{ "test", "[arg...]", 0, -1, "count the arguments", cmd_test },
	{ "test fail", NULL, 0, 0, "fail with a message", cmd_fail },
	{ "test errno", NULL, 0, 0, "fail with an errno only", cmd_errno },
};

int cli_test_register(void)
{
	static int done;
	int rc;

	if (done)
		return 0;
	rc = tz_cli_register(cmds, G_N_ELEMENTS(cmds));
	done = rc == 0;
	return rc;
}

JsonObject *cli_test_parse_reply(const char *reply)
{
	JsonParser *p = json_parser_new();
	JsonObject *o;

	assert_true(json_parser_load_from_data(p, reply, -1, NULL));
	assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)));
	o = json_object_ref(json_node_get_object(json_parser_get_root(p)));
	g_object_unref(p);
	return o;
}

JsonObject *cli_test_exec(const char *line)
{
	char *reply = tz_cli_execute(line);
	JsonObject *o;

	assert_non_null(reply);
	assert_null(strchr(reply, '\n'));       /* one line */
	o = cli_test_parse_reply(reply);
	g_free(reply);
	return o;
}

char *cli_test_exec_error(const char *line)
{
	JsonObject *o = cli_test_exec(line);
	char *err;

	assert_false(json_object_get_boolean_member(o, "ok"));
	err = g_strdup(json_object_get_string_member(o, "error"));
	json_object_unref(o);
	return err;
}
