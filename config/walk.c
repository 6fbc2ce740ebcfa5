/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The schema-driven walk: one generic routine for every mapping of the
 * config (unknown keys, duplicate keys, wrong node kinds, required keys),
 * and the matching table-driven defaults and release.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_pvt.h"
#include "tz_nearest.h"

static const char *const kind_want[] = {
	[TZ_NODE_SCALAR] = "a single value",
	[TZ_NODE_SEQ] = "a sequence",
	[TZ_NODE_MAP] = "a mapping",
	[TZ_NODE_ALIAS] = "an alias",
};

static void unknown_key(struct tz_cfg_ctx *c, const struct tz_cfg_node *k,
			const struct tz_cfg_schema *s)
{
	const char *cands[TZ_CFG_MAX_FIELDS];
	const char *near;
	char list[512];
	size_t used = 0;

	for (size_t i = 0; i < s->n; i++)   /* a moved key is never the suggestion */
		cands[i] = s->fields[i].moved ? NULL : s->fields[i].key;
	near = tz_nearest(k->text, cands, s->n);
	if (near != NULL) {
		tz_cfg_err(c, k, "unknown key; did you mean \"%s\"?", near);
		return;
	}
	list[0] = '\0';
	for (size_t i = 0; i < s->n && used < sizeof(list); i++)
		if (cands[i] != NULL)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 used ? ", " : "", cands[i]);
	tz_cfg_err(c, k, "unknown key; expected one of: %s", list);
}

static bool kind_ok(struct tz_cfg_ctx *c, const struct tz_cfg_node *v,
		    enum tz_cfg_node_kind want)
{
	if (v->kind == TZ_NODE_ALIAS) {
		tz_cfg_err(c, v, "YAML aliases (*%s) are not supported; write the value out",
			   v->text);
		return false;
	}
	if (v->kind == want)
		return true;
	tz_cfg_err(c, v, "expected %s, got %s", kind_want[want], tz_cfg_kind_name(v));
	return false;
}

static void walk_list(struct tz_cfg_ctx *c, const struct tz_cfg_node *v,
		      const struct tz_cfg_field *f, void *obj)
{
	char *arr;

	if (!tz_cfg_is_null(v) && !kind_ok(c, v, TZ_NODE_SEQ))
		return;
	arr = calloc(v->n ? v->n : 1, f->esize);   /* null: an empty list */
	if (arr == NULL) {
		c->nomem = true;
		return;
	}
	*TZ_CFG_AT(obj, f, void *) = arr;
	*(size_t *)((char *)obj + f->off_n) = v->n;
	for (size_t i = 0; i < v->n; i++) {
		size_t mark = tz_cfg_path_push(c, NULL, (long)i);

		tz_cfg_defaults(c, f->sub, arr + i * f->esize);
		tz_cfg_walk_map(c, v->kids[i], f->sub, arr + i * f->esize);
		tz_cfg_path_pop(c, mark);
	}
}

static void walk_field(struct tz_cfg_ctx *c, const struct tz_cfg_field *f,
		       const struct tz_cfg_node *v, void *obj)
{
	size_t at = c->n_pos;
	char want[256];

	if (f->sub != NULL && f->esize == 0) {
		tz_cfg_walk_map(c, v, f->sub, (char *)obj + f->off);
		return;
	}
	tz_cfg_pos_add(c, (char *)obj + (f->off_n ? f->off_n : f->off), v);
	if (f->sub != NULL) {
		walk_list(c, v, f, obj);
		return;
	}
	if (tz_cfg_is_null(v) && f->type->kind == TZ_NODE_SCALAR) {
		if (f->required)
			tz_cfg_err(c, v, "has no value; expected %s",
				   tz_cfg_describe(f, want, sizeof(want)));
		return;
	}
	if (tz_cfg_is_null(v))
		return;   /* an empty sequence or mapping: keep the default */
	if ((!kind_ok(c, v, f->type->kind) || f->type->parse(c, v, obj, f) != 0) && at < c->n_pos)
		c->pos[at].bad = true;   /* so cross-field checks do not pile on */
}

static void check_required(struct tz_cfg_ctx *c, const struct tz_cfg_node *map,
			   const struct tz_cfg_schema *s, const struct tz_cfg_node **seen)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct tz_cfg_field *f = &s->fields[i];
		char want[256];
		size_t mark;

		if (!f->required || seen[i] != NULL)
			continue;
		mark = tz_cfg_path_push(c, f->key, 0);
		tz_cfg_err(c, map, "required key is missing; expected %s",
			   tz_cfg_describe(f, want, sizeof(want)));
		tz_cfg_path_pop(c, mark);
	}
}

static const struct tz_cfg_field *find(const struct tz_cfg_schema *s, const char *key,
				       size_t *idx)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->fields[i].key, key) == 0) {
			*idx = i;
			return &s->fields[i];
		}
	}
	return NULL;
}

static void walk_pair(struct tz_cfg_ctx *c, const struct tz_cfg_node *k,
		      const struct tz_cfg_node *v, const struct tz_cfg_schema *s,
		      void *obj, const struct tz_cfg_node **seen)
{
	const struct tz_cfg_field *f;
	size_t idx, mark;

	if (k->kind != TZ_NODE_SCALAR) {
		tz_cfg_err(c, k, "a key must be a plain name, got %s", tz_cfg_kind_name(k));
		return;
	}
	mark = tz_cfg_path_push(c, k->text, 0);
	f = find(s, k->text, &idx);
	if (f == NULL)
		unknown_key(c, k, s);
	else if (f->moved != NULL)
		tz_cfg_err(c, k, "%s", f->moved);
	else if (seen[idx] != NULL)
		tz_cfg_err(c, k, "duplicate key; first given at line %d", seen[idx]->line);
	else {
		seen[idx] = k;
		walk_field(c, f, v, obj);
	}
	tz_cfg_path_pop(c, mark);
}

/* Walk one mapping node against schema @p s, filling @p obj. */
void tz_cfg_walk_map(struct tz_cfg_ctx *c, const struct tz_cfg_node *map,
		     const struct tz_cfg_schema *s, void *obj)
{
	const struct tz_cfg_node *seen[TZ_CFG_MAX_FIELDS] = { NULL };

	if (!tz_cfg_is_null(map) && !kind_ok(c, map, TZ_NODE_MAP))
		return;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		walk_pair(c, map->kids[i], map->kids[i + 1], s, obj, seen);
	check_required(c, map, s, seen);
	if (s->finish != NULL)
		s->finish(c, obj, map);
}

/* Fill defaults: def strings through each type's parser, then init hooks. */
void tz_cfg_defaults(struct tz_cfg_ctx *c, const struct tz_cfg_schema *s, void *obj)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct tz_cfg_field *f = &s->fields[i];
		struct tz_cfg_node n = { .kind = TZ_NODE_SCALAR, .plain = true, .line = 1, .col = 1 };

		if (f->sub != NULL && f->esize == 0)
			tz_cfg_defaults(c, f->sub, (char *)obj + f->off);
		if (f->def == NULL)
			continue;
		n.text = (char *)f->def;
		n.len = strlen(f->def);
		f->type->parse(c, &n, obj, f);
	}
	if (s->init != NULL)
		s->init(obj);
}

void tz_cfg_release(const struct tz_cfg_schema *s, void *obj)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct tz_cfg_field *f = &s->fields[i];
		char *arr;
		size_t n;

		if (f->moved != NULL)
			continue;
		if (f->type != NULL) {
			if (f->type->release != NULL)
				f->type->release(obj, f);
			continue;
		}
		if (f->esize == 0) {
			tz_cfg_release(f->sub, (char *)obj + f->off);
			continue;
		}
		arr = *TZ_CFG_AT(obj, f, char *);
		n = *(size_t *)((char *)obj + f->off_n);
		for (size_t j = 0; arr != NULL && j < n; j++)
			tz_cfg_release(f->sub, arr + j * f->esize);
		free(arr);
		*TZ_CFG_AT(obj, f, char *) = NULL;
	}
}
