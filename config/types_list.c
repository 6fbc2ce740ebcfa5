/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence and mapping value types: string lists, worker core lists, SIP
 * listen addresses, transport sets, trunk references and per-subsystem log
 * levels.  Each walks its items with the item's path ("[2]", ".cp.sip").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_pvt.h"
#include "tz_nearest.h"

#define COUNT_AT(obj, f, T) ((T *)((char *)(obj) + (f)->off_n))

/* Check that every item is a scalar; report the others.  Returns the bad count. */
static size_t scalar_items(struct tz_cfg_ctx *c, const struct tz_cfg_node *seq)
{
	size_t bad = 0;

	for (size_t i = 0; i < seq->n; i++) {
		const struct tz_cfg_node *it = seq->kids[i];
		size_t mark;

		if (it->kind == TZ_NODE_SCALAR && !tz_cfg_is_null(it) &&
		    strlen(it->text) == it->len && it->len > 0)
			continue;
		mark = tz_cfg_path_push(c, NULL, (long)i);
		if (it->kind == TZ_NODE_ALIAS)
			tz_cfg_err(c, it, "YAML aliases (*%s) are not supported; write the value "
				   "out", it->text);
		else
			tz_cfg_err(c, it, "expected a single non-empty value, got %s",
				   it->kind == TZ_NODE_SCALAR && !tz_cfg_is_null(it) ?
				   "an empty or NUL-containing string" : tz_cfg_kind_name(it));
		tz_cfg_path_pop(c, mark);
		bad++;
	}
	return bad;
}

static void release_strlist(void *obj, const struct tz_cfg_field *f);

static int parse_strlist(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
			 const struct tz_cfg_field *f)
{
	char **list;

	if (scalar_items(c, v) != 0)
		return -EINVAL;
	release_strlist(obj, f);          /* a default list (schema init) is replaced */
	list = calloc(v->n + 1, sizeof(*list));
	if (list == NULL)
		goto err_nomem;
	*TZ_CFG_AT(obj, f, char **) = list;
	for (size_t i = 0; i < v->n; i++) {
		list[i] = strdup(v->kids[i]->text);
		if (list[i] == NULL)
			goto err_nomem;
	}
	return 0;
err_nomem:
	c->nomem = true;
	return -ENOMEM;
}

static void dump_strlist(FILE *out, const void *obj, const struct tz_cfg_field *f,
			 const struct tz_config *root)
{
	char *const *list = *(char **const *)((const char *)obj + f->off);

	if (list == NULL)
		return;
	fputc('[', out);
	for (size_t i = 0; list[i] != NULL; i++) {
		fputs(i ? ", " : "", out);
		tz_cfg_dump_str(out, list[i]);
	}
	fputc(']', out);
}

static void release_strlist(void *obj, const struct tz_cfg_field *f)
{
	char ***list = TZ_CFG_AT(obj, f, char **);

	for (size_t i = 0; *list != NULL && (*list)[i] != NULL; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
}

static int parse_cores(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		       const struct tz_cfg_field *f)
{
	uint16_t *cores = TZ_CFG_AT(obj, f, uint16_t);
	uint16_t *n = COUNT_AT(obj, f, uint16_t);
	int rc = 0;

	*n = 0;
	/* f->arg set: an empty list is allowed (media_services: none = off) */
	if ((v->n == 0 && f->arg == NULL) || v->n > TZ_CFG_MAX_WORKERS) {
		tz_cfg_err(c, v, "has %zu cores; expected 1..%d worker cores", v->n,
			   TZ_CFG_MAX_WORKERS);
		return -EINVAL;
	}
	if (scalar_items(c, v) != 0)
		return -EINVAL;
	for (size_t i = 0; i < v->n; i++) {
		size_t mark = tz_cfg_path_push(c, NULL, (long)i);
		long long x;

		if (tz_cfg_int_parse(c, v->kids[i], f->min, f->max, &x) == 0) {
			cores[*n] = (uint16_t)x;
			tz_cfg_pos_add(c, &cores[*n], v->kids[i]);
			(*n)++;
		} else {
			rc = -EINVAL;
		}
		tz_cfg_path_pop(c, mark);
	}
	return rc;
}

static void dump_cores(FILE *out, const void *obj, const struct tz_cfg_field *f,
		       const struct tz_config *root)
{
	const uint16_t *cores = TZ_CFG_CAT(obj, f, uint16_t);
	uint16_t n = *(const uint16_t *)((const char *)obj + f->off_n);

	fputc('[', out);
	for (uint16_t i = 0; i < n; i++)
		fprintf(out, "%s%u", i ? ", " : "", cores[i]);
	fputc(']', out);
}

static int parse_listen(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
			const struct tz_cfg_field *f)
{
	struct tz_cfg_hostport *hp;
	size_t *n = COUNT_AT(obj, f, size_t);
	struct tz_cfg_field item = { .type = &tz_cfg_t_hostport, .arg = f->arg };
	int rc = 0;

	if (scalar_items(c, v) != 0)
		return -EINVAL;
	hp = calloc(v->n ? v->n : 1, sizeof(*hp));
	if (hp == NULL) {
		c->nomem = true;
		return -ENOMEM;
	}
	*TZ_CFG_AT(obj, f, struct tz_cfg_hostport *) = hp;
	for (size_t i = 0; i < v->n; i++) {
		size_t mark = tz_cfg_path_push(c, NULL, (long)i);

		item.off = (size_t)((char *)&hp[*n] - (char *)obj);
		if (item.type->parse(c, v->kids[i], obj, &item) == 0)
			(*n)++;
		else
			rc = -EINVAL;
		tz_cfg_path_pop(c, mark);
	}
	return rc;
}

static void dump_listen(FILE *out, const void *obj, const struct tz_cfg_field *f,
			const struct tz_config *root)
{
	const struct tz_cfg_hostport *hp = *TZ_CFG_CAT(obj, f, struct tz_cfg_hostport *);
	size_t n = *(const size_t *)((const char *)obj + f->off_n);

	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", out);
		tz_cfg_dump_hostport(out, &hp[i]);
	}
	fputc(']', out);
}

static void release_listen(void *obj, const struct tz_cfg_field *f)
{
	struct tz_cfg_hostport **hp = TZ_CFG_AT(obj, f, struct tz_cfg_hostport *);
	size_t *n = COUNT_AT(obj, f, size_t);

	for (size_t i = 0; *hp != NULL && i < *n; i++)
		free((*hp)[i].host);
	free(*hp);
	*hp = NULL;
	*n = 0;
}

static int parse_transports(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
			    const struct tz_cfg_field *f)
{
	unsigned set = 0;
	int rc = 0;

	if (v->n == 0) {
		tz_cfg_err(c, v, "is empty; expected one or more of: udp, tcp, tls");
		return -EINVAL;
	}
	if (scalar_items(c, v) != 0)
		return -EINVAL;
	for (size_t i = 0; i < v->n; i++) {
		size_t mark = tz_cfg_path_push(c, NULL, (long)i);
		int bit;

		if (tz_cfg_enum_parse(c, v->kids[i], f->arg, &bit) == 0)
			set |= (unsigned)bit;
		else
			rc = -EINVAL;
		tz_cfg_path_pop(c, mark);
	}
	if (rc == 0)
		*TZ_CFG_AT(obj, f, unsigned) = set;
	return rc;
}

static void dump_transports(FILE *out, const void *obj, const struct tz_cfg_field *f,
			    const struct tz_config *root)
{
	unsigned set = *TZ_CFG_CAT(obj, f, unsigned);
	const char *sep = "";

	fputc('[', out);
	for (const struct tz_cfg_enum *e = f->arg; e->name != NULL; e++) {
		if (!e->alias && (set & (unsigned)e->value)) {
			fprintf(out, "%s%s", sep, e->name);
			sep = ", ";
		}
	}
	fputc(']', out);
}

const struct tz_cfg_type tz_cfg_t_strlist = {
	"a sequence of strings", TZ_NODE_SEQ, parse_strlist, dump_strlist, release_strlist,
};
const struct tz_cfg_type tz_cfg_t_cores = {
	"a sequence of core numbers like [1, 2]", TZ_NODE_SEQ, parse_cores, dump_cores, NULL,
};
const struct tz_cfg_type tz_cfg_t_listen = {
	"a sequence of address:port like [\"203.0.113.1:5060\"]", TZ_NODE_SEQ, parse_listen,
	dump_listen, release_listen,
};
const struct tz_cfg_type tz_cfg_t_transports = {
	"a sequence of transports like [udp, tcp]", TZ_NODE_SEQ, parse_transports,
	dump_transports, NULL,
};
