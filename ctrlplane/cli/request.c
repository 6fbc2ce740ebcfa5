/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsing one request line of the wire protocol (docs/cli.md) into the
 * words of a command line.  Anything that is not a request at all is a
 * "bad request": the caller answers it and drops the client.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "cli_pvt.h"
#include "tz_json_depth.h"

/* JSON nesting a request may have (json-glib recurses per level). */
#define DEPTH_MAX 32

static char *scalar_to_string(JsonNode *n)
{
	if (JSON_NODE_HOLDS_VALUE(n)) {
		switch (json_node_get_value_type(n)) {
		case G_TYPE_STRING:
			return g_strdup(json_node_get_string(n));
		case G_TYPE_INT64:
			return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
		case G_TYPE_DOUBLE: {
			char buf[G_ASCII_DTOSTR_BUF_SIZE];

			return g_strdup(g_ascii_dtostr(buf, sizeof(buf), json_node_get_double(n)));
		}
		case G_TYPE_BOOLEAN:
			return g_strdup(json_node_get_boolean(n) ? "true" : "false");
		default:
			break;
		}
	}
	return NULL;
}

/* {"cmd": "show ports", "args": [...]}: words of cmd, then args. */
static int words_from_cmd(JsonObject *o, GPtrArray *words, char **err)
{
	JsonNode *cmd = json_object_get_member(o, "cmd");
	JsonNode *args = json_object_get_member(o, "args");
	char **v;

	if (json_node_get_value_type(cmd) != G_TYPE_STRING)
		goto err_cmd;
	v = g_strsplit_set(json_node_get_string(cmd), " \t", -1);
	for (int i = 0; v[i] != NULL; i++)
		if (v[i][0] != '\0')
			g_ptr_array_add(words, g_strdup(v[i]));
	g_strfreev(v);
	if (args == NULL || JSON_NODE_HOLDS_NULL(args))
		return 0;
	if (!JSON_NODE_HOLDS_ARRAY(args))
		goto err_args;
	for (guint i = 0; i < json_array_get_length(json_node_get_array(args)); i++) {
		char *s = scalar_to_string(json_array_get_element(json_node_get_array(args), i));

		if (s == NULL)
			goto err_args;
		g_ptr_array_add(words, s);
	}
	return 0;

err_args:
	*err = g_strdup("bad request: \"args\" must be an array of strings");
	return -EINVAL;
err_cmd:
	*err = g_strdup("bad request: \"cmd\" must be a string");
	return -EINVAL;
}

/* {"line": "set log level \"tz.cp.sip\" debug"}: shell-like quoting. */
static int words_from_line(JsonObject *o, GPtrArray *words, char **err, bool *bad)
{
	JsonNode *line = json_object_get_member(o, "line");
	GError *gerr = NULL;
	char **v = NULL;
	int n = 0;

	if (json_node_get_value_type(line) != G_TYPE_STRING) {
		*err = g_strdup("bad request: \"line\" must be a string");
		*bad = true;
		return -EINVAL;
	}
	if (!g_shell_parse_argv(json_node_get_string(line), &n, &v, &gerr)) {
		bool empty = g_error_matches(gerr, G_SHELL_ERROR, G_SHELL_ERROR_EMPTY_STRING);

		if (!empty)
			*err = g_strdup_printf("cannot parse the command line: %s", gerr->message);
		g_error_free(gerr);
		return empty ? 0 : -EINVAL;
	}
	for (int i = 0; i < n; i++)
		g_ptr_array_add(words, v[i]);
	g_free(v);
	return 0;
}

static int check_bytes(const char *s, size_t len, char **err)
{
	if (len > TZ_CLI_LINE_MAX)
		*err = g_strdup_printf("bad request: line longer than %d bytes", TZ_CLI_LINE_MAX);
	else if (memchr(s, '\0', len) != NULL || !g_utf8_validate(s, (gssize)len, NULL))
		*err = g_strdup("bad request: not UTF-8 text");
	else if (!tz_json_depth_ok(s, len, DEPTH_MAX))
		*err = g_strdup_printf("bad request: JSON nested deeper than %d", DEPTH_MAX);
	else
		return 0;
	return -EINVAL;
}

static JsonNode *parse_object(const char *s, size_t len, char **err)
{
	JsonParser *p = json_parser_new_immutable();
	GError *gerr = NULL;
	JsonNode *root = NULL;

	if (!json_parser_load_from_data(p, s, (gssize)len, &gerr)) {
		*err = g_strdup_printf("bad request: not JSON: %s", gerr->message);
		g_error_free(gerr);
	} else if (json_parser_get_root(p) == NULL ||
		   !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
		*err = g_strdup("bad request: not a JSON object");
	} else {
		root = json_node_ref(json_parser_get_root(p));
	}
	g_object_unref(p);
	return root;
}

static JsonNode *copy_id(JsonObject *o)
{
	JsonNode *id = json_object_get_member(o, "id");

	if (id == NULL || !(JSON_NODE_HOLDS_VALUE(id) || JSON_NODE_HOLDS_NULL(id)))
		return NULL;
	return json_node_copy(id);
}

int tz_cli_request_parse(const char *s, size_t len, struct tz_cli_request *r)
{
	bool has_line, has_cmd;
	JsonNode *root;
	JsonObject *o;

	memset(r, 0, sizeof(*r));
	r->words = g_ptr_array_new_with_free_func(g_free);
	if (check_bytes(s, len, &r->error) != 0)
		goto bad;
	root = parse_object(s, len, &r->error);
	if (root == NULL)
		goto bad;
	o = json_node_get_object(root);
	r->id = copy_id(o);
	has_line = json_object_has_member(o, "line");
	has_cmd = json_object_has_member(o, "cmd");
	if (has_line == has_cmd) {
		r->error = g_strdup(has_line ? "bad request: use either \"cmd\" or \"line\", not both"
					     : "bad request: needs \"cmd\" or \"line\"");
		r->bad = true;
	} else if (has_line) {
		words_from_line(o, r->words, &r->error, &r->bad);
	} else {
		r->bad = words_from_cmd(o, r->words, &r->error) != 0;
	}
	json_node_unref(root);
	return r->error == NULL ? 0 : -EINVAL;

bad:
	r->bad = true;
	return -EINVAL;
}

void tz_cli_request_clear(struct tz_cli_request *r)
{
	if (r->words != NULL)
		g_ptr_array_unref(r->words);
	if (r->id != NULL)
		json_node_unref(r->id);
	g_free(r->error);
	memset(r, 0, sizeof(*r));
}
