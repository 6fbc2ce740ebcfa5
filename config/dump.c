/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tz_cfg_dump(): the effective config as YAML, from the same schema tables
 * the loader uses, so every key round-trips.  Block style for sections and
 * lists of entries, flow style for values; secrets are written "***".
 */
#include <stdio.h>
#include <stdlib.h>

#include "cfg_pvt.h"

static void dump_map(FILE *out, const struct tz_cfg_schema *s, const void *obj,
		     int indent, bool dash, const struct tz_config *root);

/* Render one value with its type's dumper; NULL when it is unset. */
static char *value_text(const struct tz_cfg_field *f, const void *obj,
			const struct tz_config *root)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (m == NULL)
		return NULL;
	f->type->dump(m, obj, f, root);
	fclose(m);
	if (len == 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Render a nested mapping; NULL when it has nothing to show. */
static char *map_text(const struct tz_cfg_schema *s, const void *obj, int indent,
		      const struct tz_config *root)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (m == NULL)
		return NULL;
	dump_map(m, s, obj, indent, false, root);
	fclose(m);
	if (len == 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* The key's line prefix: indentation, or "- " for an entry's first key. */
static void lead(FILE *out, int indent, bool *dash)
{
	if (*dash) {
		fprintf(out, "%*s- ", indent - 2, "");
		*dash = false;
	} else {
		fprintf(out, "%*s", indent, "");
	}
}

static void dump_list(FILE *out, const struct tz_cfg_field *f, const void *obj,
		      int indent, const struct tz_config *root)
{
	const char *arr = *TZ_CFG_CAT(obj, f, char *);
	size_t n = *(const size_t *)((const char *)obj + f->off_n);

	if (n == 0) {
		fputs(" []\n", out);
		return;
	}
	fputc('\n', out);
	for (size_t i = 0; i < n; i++)
		dump_map(out, f->sub, arr + i * f->esize, indent + 4, true, root);
}

static void dump_field(FILE *out, const struct tz_cfg_field *f, const void *obj,
		       int indent, bool *dash, const struct tz_config *root)
{
	char *text;

	if (f->type != NULL) {
		text = value_text(f, obj, root);
		if (text != NULL) {
			lead(out, indent, dash);
			fprintf(out, "%s: %s\n", f->key, text);
		}
		free(text);
		return;
	}
	lead(out, indent, dash);
	fprintf(out, "%s:", f->key);
	if (f->esize != 0) {
		dump_list(out, f, obj, indent, root);
		return;
	}
	text = map_text(f->sub, (const char *)obj + f->off, indent + 2, root);
	fputs(text != NULL ? "\n" : " {}\n", out);
	if (text != NULL)
		fputs(text, out);
	free(text);
}

static void dump_map(FILE *out, const struct tz_cfg_schema *s, const void *obj,
		     int indent, bool dash, const struct tz_config *root)
{
	for (size_t i = 0; i < s->n; i++)
		dump_field(out, &s->fields[i], obj, indent, &dash, root);
}

char *tz_cfg_dump(const struct tz_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (cfg == NULL)
		return NULL;
	out = open_memstream(&text, &len);
	if (out == NULL)
		return NULL;
	fputs("# trapeze effective config: defaults filled in, secrets shown as ***\n", out);
	dump_map(out, &tz_cfg_top_schema, cfg, 0, false, cfg);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
