/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapezectl's text form of any result, so commands need no printing code:
 * an object is "key: value" lines (nested objects as indented sections), an
 * array of flat objects is a table, a scalar is printed as it is.
 */
#include <string.h>

#include "ctl_pvt.h"

#define INDENT 2

static void render_node(FILE *out, JsonNode *n, int indent);

char *tz_ctl_scalar_text(JsonNode *n)
{
	char *s;

	if (n == NULL || JSON_NODE_HOLDS_NULL(n) || !JSON_NODE_HOLDS_VALUE(n))
		return g_strdup("-");
	switch (json_node_get_value_type(n)) {
	case G_TYPE_INT64:
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
	case G_TYPE_DOUBLE:
		return g_strdup_printf("%.15g", json_node_get_double(n));
	case G_TYPE_BOOLEAN:
		return g_strdup(json_node_get_boolean(n) ? "true" : "false");
	default:
		s = g_strdup(json_node_get_string(n));
		return g_strdelimit(s, "\t\r\n", ' ');  /* keep one value on one line */
	}
}

static bool is_scalar(JsonNode *n)
{
	return JSON_NODE_HOLDS_VALUE(n) || JSON_NODE_HOLDS_NULL(n);
}

static bool is_flat_object(JsonNode *n)
{
	bool flat = JSON_NODE_HOLDS_OBJECT(n);
	GList *vals = flat ? json_object_get_values(json_node_get_object(n)) : NULL;

	for (GList *l = vals; l != NULL && flat; l = l->next)
		flat = is_scalar(l->data);
	g_list_free(vals);
	return flat;
}

static bool all_elements(JsonArray *a, bool (*pred)(JsonNode *))
{
	for (guint i = 0; i < json_array_get_length(a); i++)
		if (!pred(json_array_get_element(a, i)))
			return false;
	return true;
}

/* Text padded to @p width display columns, on the left or the right. */
static void print_cell(FILE *out, const char *text, long width, bool right)
{
	long pad = width - (long)g_utf8_strlen(text, -1);

	if (right)
		fprintf(out, "%*s%s", (int)(pad > 0 ? pad : 0), "", text);
	else
		fprintf(out, "%s%*s", text, (int)(pad > 0 ? pad : 0), "");
}

/* "a, b, c" */
static char *join_scalars(JsonArray *a)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < json_array_get_length(a); i++) {
		char *t = tz_ctl_scalar_text(json_array_get_element(a, i));

		g_string_append_printf(s, "%s%s", i ? ", " : "", t);
		g_free(t);
	}
	return g_string_free(s, FALSE);
}

static long key_width(JsonObject *o)
{
	GList *keys = json_object_get_members(o);
	long w = 0;

	for (GList *l = keys; l != NULL; l = l->next)
		w = MAX(w, (long)g_utf8_strlen(l->data, -1) + 1);
	g_list_free(keys);
	return w;
}

/* One member: inline when it fits on a line, else a section below its key. */
static void render_member(FILE *out, const char *key, JsonNode *v, long width, int indent)
{
	char *label = g_strdup_printf("%s:", key);
	char *text = NULL;

	if (is_scalar(v))
		text = tz_ctl_scalar_text(v);
	else if (JSON_NODE_HOLDS_ARRAY(v) && json_array_get_length(json_node_get_array(v)) == 0)
		text = g_strdup("(none)");
	else if (JSON_NODE_HOLDS_ARRAY(v) && all_elements(json_node_get_array(v), is_scalar))
		text = join_scalars(json_node_get_array(v));
	fprintf(out, "%*s", indent, "");
	if (text != NULL) {
		print_cell(out, label, width, false);
		fprintf(out, " %s\n", text);
	} else {
		fprintf(out, "%s\n", label);
		render_node(out, v, indent + INDENT);
	}
	g_free(text);
	g_free(label);
}

static void render_object(FILE *out, JsonObject *o, int indent)
{
	GList *keys = json_object_get_members(o);
	long width = key_width(o);

	for (GList *l = keys; l != NULL; l = l->next)
		render_member(out, l->data, json_object_get_member(o, l->data), width, indent);
	g_list_free(keys);
}

static void render_array(FILE *out, JsonArray *a, int indent)
{
	guint n = json_array_get_length(a);

	if (n == 0) {
		fprintf(out, "%*s(none)\n", indent, "");
	} else if (all_elements(a, is_flat_object)) {
		tz_ctl_render_table(out, a, indent);
	} else {
		for (guint i = 0; i < n; i++) {
			if (i > 0 && !is_scalar(json_array_get_element(a, i)))
				fputc('\n', out);
			render_node(out, json_array_get_element(a, i), indent);
		}
	}
}

static void render_node(FILE *out, JsonNode *n, int indent)
{
	char *text;

	if (JSON_NODE_HOLDS_OBJECT(n)) {
		render_object(out, json_node_get_object(n), indent);
	} else if (JSON_NODE_HOLDS_ARRAY(n)) {
		render_array(out, json_node_get_array(n), indent);
	} else if (JSON_NODE_HOLDS_VALUE(n)) {
		text = tz_ctl_scalar_text(n);
		fprintf(out, "%*s%s\n", indent, "", text);
		g_free(text);
	}
}

void tz_ctl_render(FILE *out, JsonNode *result)
{
	if (result != NULL)
		render_node(out, result, 0);    /* null prints nothing */
}

void tz_ctl_print_json(FILE *out, JsonNode *result)
{
	JsonGenerator *g = json_generator_new();
	char *s;

	json_generator_set_pretty(g, TRUE);
	json_generator_set_indent(g, 2);
	json_generator_set_root(g, result);
	s = json_generator_to_data(g, NULL);
	fprintf(out, "%s\n", s);
	g_free(s);
	g_object_unref(g);
}
