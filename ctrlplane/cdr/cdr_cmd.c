/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show cdr [N]` (the last records as a table), `show cdr full [N]` (the
 * records as written to the file), `show cdr stats`, `cdr reopen`.
 * The control socket is the operators' (docs/security.md): every tenant's
 * records are shown.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cdr_pvt.h"
#include "tz_cli.h"

#define DEFAULT_N 20

static JsonNode *parse(const char *line)
{
	g_autoptr(JsonParser) p = json_parser_new();

	if (!json_parser_load_from_data(p, line, -1, NULL) || json_parser_get_root(p) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		return NULL;
	return json_node_copy(json_parser_get_root(p));
}

static void add_full(const char *line, void *arg)
{
	JsonNode *n = parse(line);

	if (n != NULL)
		json_builder_add_value(arg, n);
}

static void add_str(JsonBuilder *b, const char *k, const char *v)
{
	json_builder_set_member_name(b, k);
	if (v != NULL)
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

static const char *get_str(JsonObject *o, const char *k)
{
	JsonNode *n = json_object_get_member(o, k);

	return n != NULL && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_string(n) : NULL;
}

static gint64 get_int(JsonObject *o, const char *k)
{
	JsonNode *n = json_object_get_member(o, k);

	return n != NULL && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_int(n) : 0;
}

/* "packets/drops" of one direction */
static void add_flow(JsonBuilder *b, JsonObject *o, const char *k, const char *pk,
		     const char *dk)
{
	g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
					     get_int(o, pk), get_int(o, dk));

	add_str(b, k, v);
}

/* One table row: end time, who, where, outcome, set-up, media each way. */
static void add_row(const char *line, void *arg)
{
	g_autoptr(JsonNode) n = parse(line);
	JsonBuilder *b = arg;
	JsonObject *o;
	const char *end;
	char when[24] = "";
	JsonNode *setup;

	if (n == NULL)
		return;
	o = json_node_get_object(n);
	end = get_str(o, "end_time");
	if (end != NULL && strlen(end) >= 19) {
		memcpy(when, end, 19);        /* 2026-12-07T12:18:13 */
		when[10] = ' ';
	}
	json_builder_begin_object(b);
	add_str(b, "time", when);
	json_builder_set_member_name(b, "call");
	json_builder_add_int_value(b, get_int(o, "call_id"));
	add_str(b, "tenant", get_str(o, "tenant"));
	add_str(b, "user", get_str(o, "user"));
	add_str(b, "from", get_str(o, "from"));
	add_str(b, "to", get_str(o, "to"));
	json_builder_set_member_name(b, "code");
	json_builder_add_int_value(b, get_int(o, "code"));
	add_str(b, "by", get_str(o, "ended_by"));
	json_builder_set_member_name(b, "duration_s");
	json_builder_add_double_value(b, (double)(get_int(o, "duration_ms") / 100) / 10.0);
	setup = json_object_get_member(o, "setup_ms");
	json_builder_set_member_name(b, "setup_ms");
	if (setup != NULL && JSON_NODE_HOLDS_VALUE(setup))
		json_builder_add_int_value(b, json_node_get_int(setup));
	else
		json_builder_add_null_value(b);
	add_flow(b, o, "from_web", "pkts_from_web", "drops_from_web");
	add_flow(b, o, "to_web", "pkts_to_web", "drops_to_web");
	json_builder_end_object(b);
}

static int count_arg(struct tz_cli_req *req, int argc, char **argv, unsigned *n)
{
	char *end;
	unsigned long v;

	*n = DEFAULT_N;
	if (argc == 0)
		return 0;
	v = strtoul(argv[0], &end, 10);
	if (argv[0][0] < '0' || argv[0][0] > '9' || *end != '\0' || v == 0 || v > 100000)
		return tz_cli_error(req, "\"%s\" is not a record count (1..100000)", argv[0]);
	*n = (unsigned)v;
	return 0;
}

static int show_cdr(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	unsigned n;
	int rc = count_arg(req, argc, argv, &n);

	if (rc != 0)
		return rc;
	json_builder_begin_array(b);
	tz_cdr_store_last(n, arg != NULL ? add_full : add_row, b);
	json_builder_end_array(b);
	return 0;
}

static void add_u(JsonBuilder *b, const char *k, uint64_t v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_int_value(b, (gint64)v);
}

static int show_cdr_stats(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
			  void *arg)
{
	struct tz_cdr_stats st;

	tz_cdr_stats_get(&st);
	json_builder_begin_object(b);
	add_u(b, "records", st.records);
	add_u(b, "written", st.written);
	add_u(b, "dropped", st.dropped);
	add_u(b, "write_errors", st.write_errors);
	add_u(b, "reopens", st.reopens);
	add_u(b, "buffered", st.buffered);
	json_builder_end_object(b);
	return 0;
}

static int cdr_reopen(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	int rc = tz_cdr_reopen();

	if (rc == -ENOTCONN)
		return tz_cli_error(req, "no cdr.file is configured");
	if (rc != 0)
		return tz_cli_error(req, "cannot reopen the CDR file: %s (see the log)",
				    g_strerror(-rc));
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "reopened");
	json_builder_add_boolean_value(b, TRUE);
	json_builder_end_object(b);
	return 0;
}

int tz_cdr_commands_register(void)
{
	static const struct tz_cli_cmd cmds[] = {
		{ "show cdr", "[N]", 0, 1,
		  "the last N call detail records (default 20): time, tenant, user, from, to, "
		  "code, duration, set-up, packets/drops each way", show_cdr, NULL, NULL },
		{ "show cdr full", "[N]", 0, 1,
		  "the last N call detail records, every field, as written to cdr.file",
		  show_cdr, (void *)1, NULL },
		{ "show cdr stats", NULL, 0, 0,
		  "call detail records: recorded, written, dropped, write errors, reopens",
		  show_cdr_stats, NULL, NULL },
		{ "cdr reopen", NULL, 0, 0,
		  "close and reopen cdr.file (after logrotate renamed it; also SIGUSR1)",
		  cdr_reopen, NULL, NULL },
	};

	return tz_cli_register(cmds, G_N_ELEMENTS(cmds));
}
