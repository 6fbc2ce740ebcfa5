/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Error collection for the loader: every message is
 * "FILE:LINE:COL: path: what is wrong; what is expected", kept with its
 * position so the caller gets them in file order whatever check found them.
 * Also the field position table that cross-field checks use to point at
 * the offending value.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_pvt.h"

static void *grow(struct tz_cfg_ctx *c, void *arr, size_t *cap, size_t n, size_t esize)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(arr, ncap * esize);
	if (p == NULL) {
		c->nomem = true;
		return NULL;
	}
	*cap = ncap;
	return p;
}

static void add(struct tz_cfg_ctx *c, int line, int col, char *msg)
{
	struct tz_cfg_err *e;

	e = grow(c, c->errs, &c->cap_errs, c->n_errs, sizeof(*e));
	if (e == NULL) {
		free(msg);
		return;
	}
	c->errs = e;
	c->errs[c->n_errs++] = (struct tz_cfg_err){ line, col, c->seq++, msg };
}

void tz_cfg_err_at(struct tz_cfg_ctx *c, int line, int col, const char *path,
		   const char *fmt, ...)
{
	char what[512], *msg;
	va_list ap;
	int rc;

	if (c->n_errs > TZ_CFG_MAX_ERRORS)
		return;
	if (c->n_errs == TZ_CFG_MAX_ERRORS) {
		line = col = 1 << 30;   /* sorts last */
		rc = asprintf(&msg, "%s: too many errors; stopped after %d", c->name,
			      TZ_CFG_MAX_ERRORS);
	} else {
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		if (path != NULL && path[0] != '\0')
			rc = asprintf(&msg, "%s:%d:%d: %s: %s", c->name, line, col, path, what);
		else
			rc = asprintf(&msg, "%s:%d:%d: %s", c->name, line, col, what);
	}
	if (rc < 0) {
		c->nomem = true;
		return;
	}
	add(c, line, col, msg);
}

void tz_cfg_err(struct tz_cfg_ctx *c, const struct tz_cfg_node *n, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	tz_cfg_err_at(c, n->line, n->col, c->path, "%s", what);
}

/* Append ".key" (or "key" at the top) or "[index]"; returns the old length. */
size_t tz_cfg_path_push(struct tz_cfg_ctx *c, const char *key, long index)
{
	size_t old = c->path_len, room = sizeof(c->path) - old;
	int n;

	if (key != NULL)
		n = snprintf(c->path + old, room, "%s%s", old ? "." : "", key);
	else
		n = snprintf(c->path + old, room, "[%ld]", index);
	if (n < 0 || (size_t)n >= room)
		n = (int)room - 1;
	c->path_len = old + (size_t)n;
	return old;
}

void tz_cfg_path_pop(struct tz_cfg_ctx *c, size_t len)
{
	c->path_len = len;
	c->path[len] = '\0';
}

void tz_cfg_pos_add(struct tz_cfg_ctx *c, const void *addr, const struct tz_cfg_node *n)
{
	struct tz_cfg_pos *p = grow(c, c->pos, &c->cap_pos, c->n_pos, sizeof(*p));
	char *path;

	if (p == NULL)
		return;
	c->pos = p;
	path = strdup(c->path);
	if (path == NULL) {
		c->nomem = true;
		return;
	}
	c->pos[c->n_pos++] = (struct tz_cfg_pos){ addr, n->line, n->col, path, false };
}

const struct tz_cfg_pos *tz_cfg_pos_find(const struct tz_cfg_ctx *c, const void *addr)
{
	for (size_t i = 0; i < c->n_pos; i++)
		if (c->pos[i].addr == addr)
			return &c->pos[i];
	return NULL;
}

int tz_cfg_ref_add(struct tz_cfg_ctx *c, uint32_t *dst, const char *name)
{
	struct tz_cfg_ref *r = grow(c, c->refs, &c->cap_refs, c->n_refs, sizeof(*r));
	char *copy;

	if (r == NULL)
		return -ENOMEM;
	c->refs = r;
	copy = tz_cfg_strdup(c, name);
	if (copy == NULL)
		return -ENOMEM;
	c->refs[c->n_refs++] = (struct tz_cfg_ref){ dst, copy };
	return 0;
}

void tz_cfg_ctx_release(struct tz_cfg_ctx *c)
{
	tz_cfg_tenants_src_release(c);
	for (size_t i = 0; i < c->n_errs; i++)
		free(c->errs[i].msg);
	for (size_t i = 0; i < c->n_pos; i++)
		free(c->pos[i].path);
	for (size_t i = 0; i < c->n_refs; i++)
		free(c->refs[i].name);
	free(c->errs);
	free(c->pos);
	free(c->refs);
	memset(c, 0, sizeof(*c));
}

static int by_position(const void *a, const void *b)
{
	const struct tz_cfg_err *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Hand the messages, in file order, to the caller's list (or drop them). */
void tz_cfg_errs_export(struct tz_cfg_ctx *c, struct tz_cfg_errors *errs)
{
	char **msg;

	qsort(c->errs, c->n_errs, sizeof(*c->errs), by_position);
	if (errs == NULL || c->n_errs == 0)
		return;
	msg = calloc(c->n_errs, sizeof(*msg));
	if (msg == NULL) {
		c->nomem = true;
		return;
	}
	for (size_t i = 0; i < c->n_errs; i++) {
		msg[i] = c->errs[i].msg;
		c->errs[i].msg = NULL;
	}
	errs->msg = msg;
	errs->n = c->n_errs;
}
