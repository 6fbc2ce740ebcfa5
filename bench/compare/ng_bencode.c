/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bencode (BEP 3) for the NG client: a bounded encoder and a decoder of
 * untrusted input.  The decoder is strict about the grammar (no leading
 * zeros, no "-0", dict keys are strings) but not about key order, because
 * rtpengine does not sort its keys (its ng_control_protocol.md says so).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ng_bencode.h"

struct parser {
	struct ng_bdoc *doc;
	const char *buf;
	size_t len;
	size_t pos;
};

static int parse_value(struct parser *p, unsigned depth, int *out);

static int node_new(struct parser *p, enum ng_btype type, int *out)
{
	struct ng_bnode *n;

	if (p->doc->n >= p->doc->cap)
		return -E2BIG;
	n = &p->doc->nodes[p->doc->n];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->child = -1;
	n->next = -1;
	*out = (int)p->doc->n++;
	return 0;
}

/* Decimal digits up to @p stop; no sign, no leading zero unless the number is 0. */
static int parse_uint(struct parser *p, char stop, uint64_t limit, uint64_t *out)
{
	size_t start = p->pos;
	uint64_t v = 0;

	while (p->pos < p->len && p->buf[p->pos] >= '0' && p->buf[p->pos] <= '9') {
		unsigned d = (unsigned)(p->buf[p->pos] - '0');

		if (v > (limit - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
		p->pos++;
	}
	if (p->pos == start || p->pos >= p->len || p->buf[p->pos] != stop)
		return -EINVAL;
	if (p->buf[start] == '0' && p->pos - start > 1)
		return -EINVAL;
	p->pos++;	/* the stop character */
	*out = v;
	return 0;
}

static int parse_int(struct parser *p, int *out)
{
	bool neg = false;
	uint64_t v;
	int rc, idx;

	p->pos++;	/* 'i' */
	if (p->pos < p->len && p->buf[p->pos] == '-') {
		neg = true;
		p->pos++;
	}
	rc = parse_uint(p, 'e', neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v);
	if (rc != 0)
		return rc;
	if (neg && v == 0)
		return -EINVAL;		/* "i-0e" */
	rc = node_new(p, NG_B_INT, &idx);
	if (rc != 0)
		return rc;
	p->doc->nodes[idx].i = neg ? (int64_t)(0 - v) : (int64_t)v;
	*out = idx;
	return 0;
}

static int parse_str(struct parser *p, int *out)
{
	uint64_t n;
	int rc, idx;

	rc = parse_uint(p, ':', UINT32_MAX, &n);
	if (rc != 0)
		return rc;
	if (n > p->len - p->pos)
		return -EINVAL;		/* truncated */
	rc = node_new(p, NG_B_STR, &idx);
	if (rc != 0)
		return rc;
	p->doc->nodes[idx].str = p->buf + p->pos;
	p->doc->nodes[idx].len = (size_t)n;
	p->pos += (size_t)n;
	*out = idx;
	return 0;
}

/* A list or a dict: children until 'e'; in a dict every even child is a string key. */
static int parse_container(struct parser *p, unsigned depth, enum ng_btype type, int *out)
{
	int idx, last = -1, child, rc;
	unsigned count = 0;

	if (depth >= NG_BENCODE_MAX_DEPTH)
		return -ELOOP;
	rc = node_new(p, type, &idx);
	if (rc != 0)
		return rc;
	p->pos++;	/* 'l' or 'd' */
	for (;;) {
		if (p->pos >= p->len)
			return -EINVAL;
		if (p->buf[p->pos] == 'e')
			break;
		if (type == NG_B_DICT && count % 2 == 0 &&
		    (p->buf[p->pos] < '0' || p->buf[p->pos] > '9'))
			return -EINVAL;		/* a key must be a string */
		rc = parse_value(p, depth + 1, &child);
		if (rc != 0)
			return rc;
		if (last < 0)
			p->doc->nodes[idx].child = child;
		else
			p->doc->nodes[last].next = child;
		last = child;
		count++;
	}
	if (type == NG_B_DICT && count % 2 != 0)
		return -EINVAL;		/* a key without its value */
	p->pos++;	/* 'e' */
	*out = idx;
	return 0;
}

static int parse_value(struct parser *p, unsigned depth, int *out)
{
	char c;

	if (p->pos >= p->len)
		return -EINVAL;
	c = p->buf[p->pos];
	if (c == 'i')
		return parse_int(p, out);
	if (c == 'l')
		return parse_container(p, depth, NG_B_LIST, out);
	if (c == 'd')
		return parse_container(p, depth, NG_B_DICT, out);
	if (c >= '0' && c <= '9')
		return parse_str(p, out);
	return -EINVAL;
}

int ng_bencode_parse(struct ng_bdoc *doc, const char *buf, size_t len, size_t *used)
{
	struct parser p = { .doc = doc, .buf = buf, .len = len };
	int top, rc;

	doc->n = 0;
	if (buf == NULL && len > 0)
		return -EINVAL;
	rc = parse_value(&p, 0, &top);
	if (rc != 0)
		return rc;
	if (used != NULL)
		*used = p.pos;
	else if (p.pos != len)
		return -EINVAL;		/* trailing bytes */
	return 0;
}

int ng_bdict_get(const struct ng_bdoc *doc, int dict, const char *key)
{
	int k;

	if (dict < 0 || (unsigned)dict >= doc->n || doc->nodes[dict].type != NG_B_DICT)
		return -1;
	for (k = doc->nodes[dict].child; k >= 0; k = doc->nodes[doc->nodes[k].next].next) {
		if (doc->nodes[k].next < 0)
			break;		/* the parser never leaves a key alone; be safe anyway */
		if (ng_bstr_eq(doc, k, key))
			return doc->nodes[k].next;
	}
	return -1;
}

bool ng_bstr_eq(const struct ng_bdoc *doc, int idx, const char *s)
{
	const struct ng_bnode *n;
	size_t sl = strlen(s);

	if (idx < 0 || (unsigned)idx >= doc->n)
		return false;
	n = &doc->nodes[idx];
	return n->type == NG_B_STR && n->len == sl && memcmp(n->str, s, sl) == 0;
}

int ng_bstr_copy(const struct ng_bdoc *doc, int idx, char *dst, size_t dst_len)
{
	const struct ng_bnode *n;
	size_t l;

	if (dst_len == 0 || idx < 0 || (unsigned)idx >= doc->n ||
	    doc->nodes[idx].type != NG_B_STR)
		return -EINVAL;
	n = &doc->nodes[idx];
	l = n->len < dst_len - 1 ? n->len : dst_len - 1;
	memcpy(dst, n->str, l);
	dst[l] = '\0';
	return l == n->len ? 0 : -ENOSPC;
}

/* ---- encoder ---- */

void ng_benc_init(struct ng_benc *e, char *buf, size_t cap)
{
	e->buf = buf;
	e->cap = cap;
	e->len = 0;
	e->err = 0;
	e->depth = 0;
}

void ng_benc_raw(struct ng_benc *e, const char *s, size_t n)
{
	if (e->err != 0)
		return;
	if (n > e->cap - e->len) {
		e->err = -EMSGSIZE;
		return;
	}
	memcpy(e->buf + e->len, s, n);
	e->len += n;
}

void ng_benc_strn(struct ng_benc *e, const char *s, size_t n)
{
	char hdr[24];
	int h = snprintf(hdr, sizeof(hdr), "%zu:", n);

	ng_benc_raw(e, hdr, (size_t)h);
	ng_benc_raw(e, s, n);
}

void ng_benc_str(struct ng_benc *e, const char *s)
{
	ng_benc_strn(e, s, strlen(s));
}

void ng_benc_int(struct ng_benc *e, int64_t v)
{
	char tmp[32];
	int h = snprintf(tmp, sizeof(tmp), "i%" PRId64 "e", v);

	ng_benc_raw(e, tmp, (size_t)h);
}

void ng_benc_dict(struct ng_benc *e)
{
	ng_benc_raw(e, "d", 1);
	e->depth++;
}

void ng_benc_list(struct ng_benc *e)
{
	ng_benc_raw(e, "l", 1);
	e->depth++;
}

void ng_benc_end(struct ng_benc *e)
{
	if (e->depth == 0) {
		if (e->err == 0)
			e->err = -EINVAL;
		return;
	}
	ng_benc_raw(e, "e", 1);
	e->depth--;
}

void ng_benc_kv(struct ng_benc *e, const char *key, const char *val)
{
	ng_benc_str(e, key);
	ng_benc_str(e, val);
}

long ng_benc_finish(struct ng_benc *e)
{
	if (e->err != 0)
		return e->err;
	if (e->depth != 0)
		return -EINVAL;
	return (long)e->len;
}
