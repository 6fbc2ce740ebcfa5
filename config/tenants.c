/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The top-level tenants: list (issue 11).  Each entry is walked with the
 * tenant schema into a struct tz_cfg_tenant_src held by the load context;
 * once the whole file is read, tz_cfg_tenants_flatten() builds
 * tz_config.tenants (0 = the default tenant, synthesized) and moves every
 * tenant's trunks, routes and token secrets behind the top-level ones in
 * sip.trunks, sip.routes and auth.secrets, each marked with its tenant.
 * The positions recorded for error messages move with the entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_pvt.h"

static int parse_tenants(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
			 const struct tz_cfg_field *f)
{
	struct tz_cfg_tenant_src *src = calloc(v->n ? v->n : 1, sizeof(*src));

	if (src == NULL) {
		c->nomem = true;
		return -ENOMEM;
	}
	c->tenants = src;
	c->n_tenants = v->n;
	for (size_t i = 0; i < v->n; i++) {
		size_t mark = tz_cfg_path_push(c, NULL, (long)i);

		tz_cfg_defaults(c, &tz_cfg_tenant_schema, &src[i]);
		tz_cfg_walk_map(c, v->kids[i], &tz_cfg_tenant_schema, &src[i]);
		tz_cfg_path_pop(c, mark);
	}
	return 0;
}

/* tz_cfg_dump() writes tenants itself (block style, with their lists). */
static void dump_tenants(FILE *out, const void *obj, const struct tz_cfg_field *f,
			 const struct tz_config *root)
{
}

/* Each tenant's own strings; its trunks, routes and secrets are freed with
 * sip.trunks, sip.routes and auth.secrets. */
static void release_tenants(void *obj, const struct tz_cfg_field *f)
{
	struct tz_config *cfg = obj;

	for (size_t i = 0; cfg->tenants != NULL && i < cfg->n_tenants; i++) {
		struct tz_cfg_tenant_src view = { .t = cfg->tenants[i] };

		tz_cfg_release(&tz_cfg_tenant_schema, &view);
	}
	free(cfg->tenants);
	cfg->tenants = NULL;
	cfg->n_tenants = 0;
}

const struct tz_cfg_type tz_cfg_t_tenants = {
	"a sequence of tenants", TZ_NODE_SEQ, parse_tenants, dump_tenants, release_tenants,
};

/* Walked but never flattened (out of memory on the way): free it all. */
void tz_cfg_tenants_src_release(struct tz_cfg_ctx *c)
{
	for (size_t i = 0; c->tenants != NULL && i < c->n_tenants; i++)
		tz_cfg_release(&tz_cfg_tenant_schema, &c->tenants[i]);
	free(c->tenants);
	c->tenants = NULL;
	c->n_tenants = 0;
}

/* Index in the flattened list (count member @p off_n of struct tz_cfg_tenant)
 * of tenant @p tenant's first entry. */
size_t tz_cfg_share_start(const struct tz_config *cfg, size_t off_n, uint32_t tenant)
{
	size_t start = 0;

	for (uint32_t k = 0; k < tenant && k < cfg->n_tenants; k++)
		start += *(const size_t *)((const char *)&cfg->tenants[k] + off_n);
	return start;
}

/* Positions and name references recorded inside [from, from + len) now live at @p to. */
static void rebase(struct tz_cfg_ctx *c, const void *from, size_t len, void *to)
{
	const char *lo = from, *hi = lo + len;

	if (from == NULL || len == 0)
		return;
	for (size_t i = 0; i < c->n_pos; i++) {
		const char *a = c->pos[i].addr;

		if (a >= lo && a < hi)
			c->pos[i].addr = (char *)to + (a - lo);
	}
	for (size_t i = 0; i < c->n_refs; i++) {
		const char *a = (const char *)c->refs[i].dst;

		if (a >= lo && a < hi)
			c->refs[i].dst = (uint32_t *)((char *)to + (a - lo));
	}
}

/* One flattened list: the top-level array, then each tenant's. */
struct flat {
	void **top;               /* &cfg->sip.trunks ... */
	size_t *n_top;
	size_t esize;
	size_t src_off;           /* the tenant's array in struct tz_cfg_tenant_src */
	size_t n_off;             /* its count in struct tz_cfg_tenant */
	size_t tenant_off;        /* the entry's `tenant` member */
	char *arr;                /* the new array */
	size_t total;
};

#define FLAT(cfg, st, m, nm, srcm, tm)                                               \
	{ (void **)&(cfg)->m, &(cfg)->nm, sizeof(struct st),                         \
	  offsetof(struct tz_cfg_tenant_src, srcm), offsetof(struct tz_cfg_tenant, tm), \
	  offsetof(struct st, tenant), NULL, 0 }

static char *src_array(const struct tz_cfg_tenant_src *s, const struct flat *l)
{
	return *(char *const *)((const char *)s + l->src_off);
}

static size_t src_count(const struct tz_cfg_tenant_src *s, const struct flat *l)
{
	return *(const size_t *)((const char *)&s->t + l->n_off);
}

static int flat_alloc(struct tz_cfg_ctx *c, struct flat *l)
{
	l->total = *l->n_top;
	for (size_t i = 0; i < c->n_tenants; i++)
		l->total += src_count(&c->tenants[i], l);
	l->arr = calloc(l->total ? l->total : 1, l->esize);
	return l->arr != NULL ? 0 : -ENOMEM;
}

/* Move the entries into l->arr (shallow: their strings move with them). */
static void flat_move(struct tz_cfg_ctx *c, struct flat *l)
{
	size_t o = *l->n_top;

	if (o > 0) {
		memcpy(l->arr, *l->top, o * l->esize);
		rebase(c, *l->top, o * l->esize, l->arr);
	}
	for (size_t i = 0; i < c->n_tenants; i++) {
		char *arr = src_array(&c->tenants[i], l);
		size_t n = src_count(&c->tenants[i], l);

		for (size_t j = 0; j < n; j++) {
			memcpy(l->arr + (o + j) * l->esize, arr + j * l->esize, l->esize);
			*(uint32_t *)(l->arr + (o + j) * l->esize + l->tenant_off) = (uint32_t)i + 1;
		}
		rebase(c, arr, n * l->esize, l->arr + o * l->esize);
		free(arr);
		*(char **)((char *)&c->tenants[i] + l->src_off) = NULL;
		o += n;
	}
	free(*l->top);
	*l->top = l->arr;
	*l->n_top = l->total;
	l->arr = NULL;
}

static char **strlist_dup(struct tz_cfg_ctx *c, char *const *list)
{
	size_t n = 0;
	char **d;

	if (list == NULL)
		return NULL;
	while (list[n] != NULL)
		n++;
	d = calloc(n + 1, sizeof(*d));
	for (size_t i = 0; d != NULL && i < n; i++)
		if ((d[i] = strdup(list[i])) == NULL)
			break;   /* a shorter list, freed as usual; nomem fails the load */
	if (d == NULL || (n > 0 && d[n - 1] == NULL))
		c->nomem = true;
	return d;
}

/* tenants[0]: the top-level lists and limits.tenant, gateway-wide caps left out. */
static void default_tenant(struct tz_cfg_ctx *c, struct tz_config *cfg, struct tz_cfg_tenant *t)
{
	strcpy(t->name, TZ_TENANT_DEFAULT_NAME);
	t->limits = cfg->limits.tenant;
	t->limits.max_calls = 0;            /* limits.max_calls is the gateway's */
	t->limits.max_calls_per_user = 0;   /* = limits.max_calls_per_user */
	t->limits.allow_targets = strlist_dup(c, cfg->limits.tenant.allow_targets);
	t->limits.deny_targets = strlist_dup(c, cfg->limits.tenant.deny_targets);
	t->n_trunks = cfg->sip.n_trunks;
	t->n_routes = cfg->sip.n_routes;
	t->n_secrets = cfg->auth.n_secrets;
	t->transcode = TZ_XCODE_INHERIT;    /* = media_services.transcode */
}

/* A tenant's messaging: what it leaves out is the top level's (its own copy:
 * each tenant's strings are freed with it).  An empty or null key counts as
 * left out, except per_user_per_minute, where 0 means no limit. */
static void inherit_messaging(struct tz_cfg_ctx *c, const struct tz_cfg_messaging *top,
			      struct tz_cfg_messaging *m, bool all)
{
	if (all || m->max_bytes == 0)
		m->max_bytes = top->max_bytes;
	if (all || tz_cfg_pos_find(c, &m->per_user_per_minute) == NULL)
		m->per_user_per_minute = top->per_user_per_minute;
	if (all || m->content_types == NULL)
		m->content_types = strlist_dup(c, top->content_types);
}

void tz_cfg_tenants_flatten(struct tz_cfg_ctx *c, struct tz_config *cfg)
{
	struct flat lists[] = {
		FLAT(cfg, tz_cfg_trunk, sip.trunks, sip.n_trunks, trunks, n_trunks),
		FLAT(cfg, tz_cfg_route, sip.routes, sip.n_routes, routes, n_routes),
		FLAT(cfg, tz_cfg_token_secret, auth.secrets, auth.n_secrets, secrets, n_secrets),
	};
	size_t n_lists = sizeof(lists) / sizeof(lists[0]);
	struct tz_cfg_tenant *tenants;

	tenants = calloc(c->n_tenants + 1, sizeof(*tenants));
	if (tenants == NULL)
		goto err_nomem;
	for (size_t i = 0; i < n_lists; i++)
		if (flat_alloc(c, &lists[i]) != 0)
			goto err_nomem;
	/* nothing can fail from here on: every entry moves exactly once */
	default_tenant(c, cfg, &tenants[0]);
	for (size_t i = 0; i < n_lists; i++)
		flat_move(c, &lists[i]);
	for (size_t i = 0; i < c->n_tenants; i++) {
		tenants[i + 1] = c->tenants[i].t;
		rebase(c, &c->tenants[i].t, sizeof(c->tenants[i].t), &tenants[i + 1]);
		inherit_messaging(c, &cfg->messaging, &tenants[i + 1].messaging, false);
	}
	inherit_messaging(c, &cfg->messaging, &tenants[0].messaging, true);
	cfg->tenants = tenants;
	cfg->n_tenants = c->n_tenants + 1;
	free(c->tenants);
	c->tenants = NULL;
	c->n_tenants = 0;
	return;

err_nomem:
	c->nomem = true;
	for (size_t i = 0; i < n_lists; i++)
		free(lists[i].arr);
	free(tenants);   /* the walked tenants stay in c, freed with it */
}
