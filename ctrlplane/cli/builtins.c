/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Commands the CLI module owns: "help", "commands" (hidden; what
 * trapezectl completes from) and "show cli" (the socket's counters).
 */
#include <errno.h>
#include <string.h>

#include "cli_pvt.h"

static void add_str(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, value != NULL ? value : "");
}

static void help_row(JsonBuilder *b, const struct tz_cli_entry *e)
{
	char *name = g_strjoinv(" ", (char **)e->words);

	json_builder_begin_object(b);
	add_str(b, "command", name);
	add_str(b, "args", e->cmd->args);
	add_str(b, "help", e->cmd->help);
	json_builder_end_object(b);
	g_free(name);
}

static bool has_prefix(const struct tz_cli_entry *e, int argc, char **argv)
{
	if (e->nwords < argc)
		return false;
	for (int i = 0; i < argc; i++)
		if (strcmp(e->words[i], argv[i]) != 0)
			return false;
	return true;
}

/* "help show": the table of commands whose words start with "show". */
static int help_table(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b)
{
	const struct tz_cli_entry *const *list;
	size_t n, found = 0;

	list = tz_cli_registry_list(&n);
	for (size_t i = 0; i < n; i++)
		if (!list[i]->hidden && has_prefix(list[i], argc, argv))
			found++;
	if (found == 0 && argc > 0) {
		char *msg = tz_cli_registry_unknown(argc, argv);

		tz_cli_error(req, "%s", msg);
		g_free(msg);
		return -ENOENT;
	}
	json_builder_begin_array(b);
	for (size_t i = 0; i < n; i++)
		if (!list[i]->hidden && has_prefix(list[i], argc, argv))
			help_row(b, list[i]);
	json_builder_end_array(b);
	return 0;
}

static int cmd_help(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	const struct tz_cli_entry *e = argc > 0 ? tz_cli_registry_match(argc, argv) : NULL;
	char *name, *usage;

	if (e == NULL)
		return help_table(req, argc, argv, b);
	name = g_strjoinv(" ", (char **)e->words);
	usage = tz_cli_usage(e);
	json_builder_begin_object(b);
	add_str(b, "command", name);
	add_str(b, "usage", usage);
	add_str(b, "help", e->cmd->help);
	json_builder_end_object(b);
	g_free(usage);
	g_free(name);
	return 0;
}

/* "complete": per argument, its candidates or null; trailing nulls dropped. */
static void add_completions(JsonBuilder *b, const struct tz_cli_cmd *c)
{
	int limit = c->max_args < 0 || c->max_args > TZ_CLI_COMPLETE_MAX ? TZ_CLI_COMPLETE_MAX
									  : c->max_args;
	const char *const *cands[TZ_CLI_COMPLETE_MAX];
	int last = -1;

	for (int i = 0; i < limit; i++) {
		cands[i] = c->complete != NULL ? c->complete(i, c->arg) : NULL;
		if (cands[i] != NULL)
			last = i;
	}
	if (last < 0)
		return;
	json_builder_set_member_name(b, "complete");
	json_builder_begin_array(b);
	for (int i = 0; i <= last; i++) {
		if (cands[i] == NULL) {
			json_builder_add_null_value(b);
			continue;
		}
		json_builder_begin_array(b);
		for (int k = 0; cands[i][k] != NULL; k++)
			json_builder_add_string_value(b, cands[i][k]);
		json_builder_end_array(b);
	}
	json_builder_end_array(b);
}

static void command_entry(JsonBuilder *b, const struct tz_cli_entry *e)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "words");
	json_builder_begin_array(b);
	for (int k = 0; k < e->nwords; k++)
		json_builder_add_string_value(b, e->words[k]);
	json_builder_end_array(b);
	add_str(b, "args", e->cmd->args);
	json_builder_set_member_name(b, "min_args");
	json_builder_add_int_value(b, e->cmd->min_args);
	json_builder_set_member_name(b, "max_args");
	json_builder_add_int_value(b, e->cmd->max_args);
	add_str(b, "help", e->cmd->help);
	add_completions(b, e->cmd);
	json_builder_end_object(b);
}

static int cmd_commands(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	const struct tz_cli_entry *const *list;
	size_t n;

	list = tz_cli_registry_list(&n);
	json_builder_begin_array(b);
	for (size_t i = 0; i < n; i++)
		if (!list[i]->hidden)
			command_entry(b, list[i]);
	json_builder_end_array(b);
	return 0;
}

static void add_counter(JsonBuilder *b, const char *name, unsigned long v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)v);
}

static int cmd_show_cli(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct tz_cli_stats s;

	tz_cli_stats_get(&s);
	json_builder_begin_object(b);
	add_counter(b, "clients", s.clients);
	add_counter(b, "accepted", s.accepted);
	add_counter(b, "rejected", s.rejected);
	add_counter(b, "requests", s.requests);
	add_counter(b, "errors", s.errors);
	add_counter(b, "bad_requests", s.bad_requests);
	add_counter(b, "too_long", s.too_long);
	json_builder_end_object(b);
	return 0;
}

static const struct tz_cli_cmd builtins[] = {
	{ "help", "[command...]", 0, -1, "list the commands, or describe one", cmd_help },
	{ "commands", NULL, 0, 0, "the commands as data, for completion", cmd_commands },
	{ "show cli", NULL, 0, 0, "control socket counters", cmd_show_cli },
};

int tz_cli_builtins_register(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(builtins); i++) {
		int rc = tz_cli_registry_add(&builtins[i], i == 1, true);

		if (rc != 0 && rc != -EEXIST)
			return rc;
	}
	return 0;
}
