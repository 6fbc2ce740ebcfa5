/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Values that name other things: a route's trunk (resolved to an index once
 * the whole file is read) and the per-subsystem log level mapping, whose
 * keys are the subsystems of tz_log.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_pvt.h"

#define COUNT_AT(obj, f, T) ((T *)((char *)(obj) + (f)->off_n))

static int parse_trunkref(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
			  const struct tz_cfg_field *f)
{
	if (v->len == 0 || strlen(v->text) != v->len) {
		tz_cfg_err(c, v, "is empty; expected the name of one of sip.trunks");
		return -EINVAL;
	}
	return tz_cfg_ref_add(c, TZ_CFG_AT(obj, f, uint32_t), v->text);
}

static void dump_trunkref(FILE *out, const void *obj, const struct tz_cfg_field *f,
			  const struct tz_config *root)
{
	uint32_t i = *TZ_CFG_CAT(obj, f, uint32_t);

	if (i < root->sip.n_trunks)
		tz_cfg_dump_str(out, root->sip.trunks[i].name);
}

static int level_key(struct tz_cfg_ctx *c, const struct tz_cfg_node *k)
{
	const char *near;

	if (k->kind != TZ_NODE_SCALAR || strlen(k->text) != k->len) {
		tz_cfg_err(c, k, "a key must be a subsystem name, got %s", tz_cfg_kind_name(k));
		return -EINVAL;
	}
	if (tz_cfg_subsystem_valid(k->text))
		return 0;
	near = tz_cfg_subsystem_nearest(k->text);
	if (near != NULL)
		tz_cfg_err(c, k, "unknown log subsystem; did you mean \"%s\"?", near);
	else
		tz_cfg_err(c, k, "unknown log subsystem; expected a name like cp.sip, a "
			   "pattern like cp.*, * or dpdk");
	return -EINVAL;
}

static bool duplicate(struct tz_cfg_ctx *c, const struct tz_cfg_node *map, size_t i)
{
	for (size_t j = 0; j < i; j += 2) {
		if (strcmp(map->kids[j]->text, map->kids[i]->text) == 0) {
			tz_cfg_err(c, map->kids[i], "duplicate key; first given at line %d",
				   map->kids[j]->line);
			return true;
		}
	}
	return false;
}

static int level_entry(struct tz_cfg_ctx *c, const struct tz_cfg_node *map, size_t i,
		       const struct tz_cfg_field *f, struct tz_cfg_log_level *lv)
{
	const struct tz_cfg_node *val = map->kids[i + 1];

	if (level_key(c, map->kids[i]) != 0 || duplicate(c, map, i))
		return -EINVAL;
	if (val->kind != TZ_NODE_SCALAR || tz_cfg_is_null(val)) {
		tz_cfg_err(c, val, "expected a log level, got %s", tz_cfg_kind_name(val));
		return -EINVAL;
	}
	if (tz_cfg_enum_parse(c, val, f->arg, &lv->level) != 0)
		return -EINVAL;
	lv->subsystem = tz_cfg_strdup(c, map->kids[i]->text);
	return lv->subsystem ? 0 : -ENOMEM;
}

static int parse_levels(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
			const struct tz_cfg_field *f)
{
	struct tz_cfg_log_level *lv = calloc(v->n / 2 + 1, sizeof(*lv));
	size_t *n = COUNT_AT(obj, f, size_t);

	if (lv == NULL) {
		c->nomem = true;
		return -ENOMEM;
	}
	*TZ_CFG_AT(obj, f, struct tz_cfg_log_level *) = lv;
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const struct tz_cfg_node *k = v->kids[i];
		size_t mark = tz_cfg_path_push(c, k->kind == TZ_NODE_SCALAR ? k->text : "?", 0);

		if (level_entry(c, v, i, f, &lv[*n]) == 0)
			(*n)++;
		tz_cfg_path_pop(c, mark);
	}
	return 0;
}

static void dump_levels(FILE *out, const void *obj, const struct tz_cfg_field *f,
			const struct tz_config *root)
{
	const struct tz_cfg_log_level *lv = *TZ_CFG_CAT(obj, f, struct tz_cfg_log_level *);
	size_t n = *(const size_t *)((const char *)obj + f->off_n);

	fputc('{', out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", out);
		tz_cfg_dump_str(out, lv[i].subsystem);
		fprintf(out, ": %s", tz_cfg_enum_name(f->arg, lv[i].level));
	}
	fputc('}', out);
}

static void release_levels(void *obj, const struct tz_cfg_field *f)
{
	struct tz_cfg_log_level **lv = TZ_CFG_AT(obj, f, struct tz_cfg_log_level *);
	size_t *n = COUNT_AT(obj, f, size_t);

	for (size_t i = 0; *lv != NULL && i < *n; i++)
		free((*lv)[i].subsystem);
	free(*lv);
	*lv = NULL;
	*n = 0;
}

const struct tz_cfg_type tz_cfg_t_trunkref = {
	"the name of one of sip.trunks", TZ_NODE_SCALAR, parse_trunkref, dump_trunkref, NULL,
};
const struct tz_cfg_type tz_cfg_t_levels = {
	"a mapping of subsystem: level like {cp.sip: debug}", TZ_NODE_MAP, parse_levels,
	dump_levels, release_levels,
};
