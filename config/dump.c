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

/*
 * tenants: as written, each with its own trunks, routes and token secrets:
 * its share of the flattened lists, viewed through a struct tz_cfg_tenant_src.
 */
static void dump_tenants(FILE *out, int indent, const struct tz_config *root)
{
	size_t trunk = 0, route = 0, secret = 0;

	if (root->n_tenants <= 1) {
		fputs(" []\n", out);
		return;
	}
	fputc('\n', out);
	for (size_t i = 0; i < root->n_tenants; i++) {
		const struct tz_cfg_tenant *t = &root->tenants[i];
		struct tz_cfg_tenant_src view = {
			.t = *t, .trunks = root->sip.trunks + trunk,
			.routes = root->sip.routes + route, .secrets = root->auth.secrets + secret,
		};

		if (i > 0)
			dump_map(out, &tz_cfg_tenant_schema, &view, indent + 4, true, root);
		trunk += t->n_trunks;
		route += t->n_routes;
		secret += t->n_secrets;
	}
}

static void dump_field(FILE *out, const struct tz_cfg_field *f, const void *obj,
		       int indent, bool *dash, const struct tz_config *root)
{
	char *text;

	if (f->moved != NULL)
		return;
	if (f->type == &tz_cfg_t_tenants) {
		lead(out, indent, dash);
		fprintf(out, "%s:", f->key);
		dump_tenants(out, indent, root);
		return;
	}
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
	struct tz_config view;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (cfg == NULL)
		return NULL;
	out = open_memstream(&text, &len);
	if (out == NULL)
		return NULL;
	/* the top-level lists are the default tenant's share; tenants: shows the rest */
	view = *cfg;
	if (cfg->n_tenants > 0) {
		view.sip.n_trunks = cfg->tenants[0].n_trunks;
		view.sip.n_routes = cfg->tenants[0].n_routes;
		view.auth.n_secrets = cfg->tenants[0].n_secrets;
	}
	fputs("# trapeze effective config: defaults filled in, secrets shown as ***\n", out);
	dump_map(out, &tz_cfg_top_schema, &view, 0, false, cfg);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
