/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the control socket's request handling: arbitrary bytes as one
 * request line, exactly what a client can put before a newline.  The reply
 * must be one line of JSON, whatever came in.  The same bytes also go
 * through tz_cli_execute() as a command line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tz_cli.h"

static int cmd_table(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	json_builder_begin_array(b);
	for (int i = 0; i < argc; i++) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "arg");
		json_builder_add_string_value(b, argv[i]);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	return 0;
}

static int cmd_fail(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	return tz_cli_error(req, "no such thing: %s", argc > 0 ? argv[0] : "-");
}

static const char *const *complete(int idx, void *arg)
{
	static const char *const levels[] = { "debug", "info", NULL };

	return idx == 1 ? levels : NULL;
}

static const struct tz_cli_cmd cmds[] = {
	{ "show ports", NULL, 0, 0, "ports", cmd_table },
	{ "show table", "[arg...]", 0, -1, "a table of the args", cmd_table },
	{ "set log level", "<subsystem> <level>", 2, 2, "log level", cmd_fail, NULL, complete },
	{ "fail", "[what]", 0, 1, "fails", cmd_fail },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int registered;
	char *reply, *line;
	int bad;

	if (!registered && tz_cli_register(cmds, sizeof(cmds) / sizeof(cmds[0])) != 0)
		abort();
	registered = 1;
	reply = tz_cli_handle_request((const char *)data, size, &bad);
	if (reply == NULL || strchr(reply, '\n') != NULL || reply[0] != '{')
		abort();
	g_free(reply);
	line = g_strndup((const char *)data, size);     /* stops at a NUL */
	reply = tz_cli_execute(line);
	if (reply == NULL || strchr(reply, '\n') != NULL)
		abort();
	g_free(reply);
	g_free(line);
	return 0;
}
