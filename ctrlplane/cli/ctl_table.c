/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapezectl: an array of flat objects as a table.  Columns are the keys
 * in the order they first appear; a column of numbers is right-aligned.
 */
#include <string.h>

#include "ctl_pvt.h"

#define GAP "  "

struct column {
	const char *key;
	long width;
	bool numeric;
};

static char *cell_text(JsonObject *row, const char *key)
{
	return tz_ctl_scalar_text(json_object_get_member(row, key));
}

static bool holds_number(JsonObject *row, const char *key)
{
	JsonNode *n = json_object_get_member(row, key);
	GType t;

	if (n == NULL || JSON_NODE_HOLDS_NULL(n))
		return true;            /* "-" does not make a column textual */
	t = json_node_get_value_type(n);
	return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

/* The union of the rows' keys in first-seen order, with widths. */
static GArray *columns(JsonArray *rows)
{
	GArray *cols = g_array_new(FALSE, TRUE, sizeof(struct column));

	for (guint r = 0; r < json_array_get_length(rows); r++) {
		GList *keys = json_object_get_members(json_array_get_object_element(rows, r));

		for (GList *l = keys; l != NULL; l = l->next) {
			guint i;

			for (i = 0; i < cols->len; i++)
				if (strcmp(g_array_index(cols, struct column, i).key, l->data) == 0)
					break;
			if (i == cols->len) {
				struct column c = { l->data, g_utf8_strlen(l->data, -1), true };

				g_array_append_val(cols, c);
			}
		}
		g_list_free(keys);
	}
	return cols;
}

static void measure(GArray *cols, JsonArray *rows)
{
	for (guint i = 0; i < cols->len; i++) {
		struct column *c = &g_array_index(cols, struct column, i);

		for (guint r = 0; r < json_array_get_length(rows); r++) {
			JsonObject *row = json_array_get_object_element(rows, r);
			char *t = cell_text(row, c->key);

			c->width = MAX(c->width, (long)g_utf8_strlen(t, -1));
			c->numeric = c->numeric && holds_number(row, c->key);
			g_free(t);
		}
	}
}

static void print_row(FILE *out, GArray *cols, char **cells, int indent)
{
	fprintf(out, "%*s", indent, "");
	for (guint i = 0; i < cols->len; i++) {
		struct column *c = &g_array_index(cols, struct column, i);
		long pad = c->width - (long)g_utf8_strlen(cells[i], -1);
		bool last = i + 1 == cols->len;

		if (c->numeric)
			fprintf(out, "%*s%s", (int)pad, "", cells[i]);
		else
			fprintf(out, "%s%*s", cells[i], last ? 0 : (int)pad, "");
		fputs(last ? "\n" : GAP, out);
	}
}

void tz_ctl_render_table(FILE *out, JsonArray *rows, int indent)
{
	GArray *cols = columns(rows);
	char **cells = g_new0(char *, cols->len + 1);

	measure(cols, rows);
	for (guint i = 0; i < cols->len; i++)
		cells[i] = (char *)g_array_index(cols, struct column, i).key;
	print_row(out, cols, cells, indent);
	for (guint r = 0; r < json_array_get_length(rows); r++) {
		JsonObject *row = json_array_get_object_element(rows, r);

		for (guint i = 0; i < cols->len; i++)
			cells[i] = cell_text(row, g_array_index(cols, struct column, i).key);
		print_row(out, cols, cells, indent);
		for (guint i = 0; i < cols->len; i++)
			g_free(cells[i]);
	}
	g_free(cells);
	g_array_free(cols, TRUE);
}
