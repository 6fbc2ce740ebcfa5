/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dispatch: a request line to the command it names (longest match of the
 * registered words), its argument count checked, its result wrapped in the
 * one-line reply {"ok": true, "result": ...} or {"ok": false, "error": ...}.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "cli_pvt.h"

struct tz_cli_stats tz_cli_counters;

int tz_cli_error(struct tz_cli_req *req, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_free(req->error);
	req->error = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static JsonNode *run_entry(const struct tz_cli_entry *e, int argc, char **argv, char **err)
{
	struct tz_cli_req req = { .error = NULL };
	JsonBuilder *b = json_builder_new();
	JsonNode *result = NULL;
	int rc;

	/* json-glib wants a container at the root; the handler's one value
	 * (object, array or scalar) goes into a wrapper array. */
	json_builder_begin_array(b);
	rc = e->cmd->fn(&req, argc, argv, b, e->cmd->arg);
	if (rc < 0 || req.error != NULL)
		goto err_cmd;
	json_builder_end_array(b);
	result = json_builder_get_root(b);
	g_object_unref(b);
	if (json_array_get_length(json_node_get_array(result)) == 0) {
		json_node_unref(result);
		return json_node_new(JSON_NODE_NULL);   /* the handler added nothing */
	}
	{
		JsonNode *value = json_node_copy(json_array_get_element(json_node_get_array(result), 0));

		json_node_unref(result);
		return value;
	}

err_cmd:
	*err = req.error != NULL ? req.error
				 : g_strdup_printf("%s: %s", e->cmd->words, g_strerror(-rc));
	g_object_unref(b);
	return NULL;
}

static JsonNode *run_words(int argc, char **argv, char **err)
{
	const struct tz_cli_entry *e = tz_cli_registry_match(argc, argv);
	int nargs;

	if (e == NULL) {
		*err = tz_cli_registry_unknown(argc, argv);
		return NULL;
	}
	nargs = argc - e->nwords;
	if (nargs < e->cmd->min_args || (e->cmd->max_args >= 0 && nargs > e->cmd->max_args)) {
		char *usage = tz_cli_usage(e);

		*err = g_strdup_printf("usage: %s", usage);
		g_free(usage);
		return NULL;
	}
	return run_entry(e, nargs, argv + e->nwords, err);
}

/* Takes ownership of result. */
static char *reply(JsonNode *id, JsonNode *result, const char *err)
{
	JsonBuilder *b = json_builder_new();
	JsonNode *root;
	char *s;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "ok");
	json_builder_add_boolean_value(b, err == NULL);
	if (id != NULL) {
		json_builder_set_member_name(b, "id");
		json_builder_add_value(b, json_node_copy(id));
	}
	if (err != NULL) {
		json_builder_set_member_name(b, "error");
		json_builder_add_string_value(b, err);
	} else {
		json_builder_set_member_name(b, "result");
		json_builder_add_value(b, result);
	}
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	s = json_to_string(root, FALSE);
	json_node_unref(root);
	g_object_unref(b);
	return s;
}

char *tz_cli_handle_request(const char *line, size_t len, int *bad)
{
	struct tz_cli_request r;
	JsonNode *result = NULL;
	char *err = NULL, *out;

	tz_cli_counters.requests++;
	if (tz_cli_request_parse(line, len, &r) == 0) {
		g_ptr_array_add(r.words, NULL);  /* handlers get a NULL-ended argv */
		result = run_words((int)r.words->len - 1, (char **)r.words->pdata, &err);
	} else {
		err = g_strdup(r.error);
	}
	if (r.bad)
		tz_cli_counters.bad_requests++;
	else if (err != NULL)
		tz_cli_counters.errors++;
	if (bad != NULL)
		*bad = r.bad;
	out = reply(r.id, result, err);
	g_free(err);
	tz_cli_request_clear(&r);
	return out;
}

char *tz_cli_execute(const char *line)
{
	JsonBuilder *b = json_builder_new();
	JsonNode *root;
	char *req, *out;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "line");
	json_builder_add_string_value(b, line != NULL ? line : "");
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	req = json_to_string(root, FALSE);
	out = tz_cli_handle_request(req, strlen(req), NULL);
	g_free(req);
	json_node_unref(root);
	g_object_unref(b);
	return out;
}

void tz_cli_stats_get(struct tz_cli_stats *out)
{
	*out = tz_cli_counters;
}
