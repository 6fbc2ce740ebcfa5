/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML text -> node tree, through libyaml's event API rather than its
 * document loader: the tree keeps aliases as alias nodes (so the walk can
 * reject them where they are used: no billion-laughs expansion), and the
 * builder bounds nesting depth and node count.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cfg_pvt.h"

struct builder {
	struct tz_cfg_ctx *c;
	struct tz_cfg_node *stack[TZ_CFG_MAX_DEPTH];
	int depth;
	struct tz_cfg_node *root;
	int docs;
};

void tz_cfg_node_free(struct tz_cfg_node *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n; i++)
		tz_cfg_node_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

bool tz_cfg_is_null(const struct tz_cfg_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (n->kind != TZ_NODE_SCALAR || !n->plain)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(n->text, nulls[i]) == 0)
			return true;
	return false;
}

const char *tz_cfg_kind_name(const struct tz_cfg_node *n)
{
	static const char *const names[] = {
		[TZ_NODE_SCALAR] = "a scalar",
		[TZ_NODE_SEQ] = "a sequence",
		[TZ_NODE_MAP] = "a mapping",
		[TZ_NODE_ALIAS] = "an alias",
	};

	return tz_cfg_is_null(n) ? "nothing (null)" : names[n->kind];
}

static int attach(struct builder *b, struct tz_cfg_node *n)
{
	struct tz_cfg_node *top, **kids;

	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	top = b->stack[b->depth - 1];
	if (top->n == top->cap) {
		size_t cap = top->cap ? top->cap * 2 : 8;

		kids = realloc(top->kids, cap * sizeof(*kids));
		if (kids == NULL)
			return -ENOMEM;
		top->kids = kids;
		top->cap = cap;
	}
	top->kids[top->n++] = n;
	return 0;
}

static struct tz_cfg_node *new_node(struct builder *b, enum tz_cfg_node_kind kind,
				    const yaml_mark_t *mark, const char *text, size_t len)
{
	struct tz_cfg_node *n;

	if (++b->c->n_nodes > TZ_CFG_MAX_NODES) {
		tz_cfg_err_at(b->c, (int)mark->line + 1, (int)mark->column + 1, NULL,
			      "more than %d YAML nodes; a config is much smaller",
			      TZ_CFG_MAX_NODES);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		goto err_nomem;
	n->kind = kind;
	n->line = (int)mark->line + 1;
	n->col = (int)mark->column + 1;
	n->text = malloc(len + 1);
	if (n->text == NULL)
		goto err_nomem;
	memcpy(n->text, text ? text : "", len);
	n->text[len] = '\0';
	n->len = len;
	if (attach(b, n) == 0)
		return n;
err_nomem:
	b->c->nomem = true;
	tz_cfg_node_free(n);
	return NULL;
}

static int open_node(struct builder *b, enum tz_cfg_node_kind kind, const yaml_event_t *ev)
{
	struct tz_cfg_node *n;

	if (b->depth == TZ_CFG_MAX_DEPTH) {
		tz_cfg_err_at(b->c, (int)ev->start_mark.line + 1,
			      (int)ev->start_mark.column + 1, NULL,
			      "YAML nested deeper than %d levels; a config needs at most 6",
			      TZ_CFG_MAX_DEPTH);
		return -EINVAL;
	}
	n = new_node(b, kind, &ev->start_mark, NULL, 0);
	if (n == NULL)
		return -EINVAL;
	b->stack[b->depth++] = n;
	return 0;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
	struct tz_cfg_node *n;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->docs++ == 0)
			return 0;
		tz_cfg_err_at(b->c, (int)ev->start_mark.line + 1,
			      (int)ev->start_mark.column + 1, NULL,
			      "a second YAML document; a config file holds exactly one");
		return -EINVAL;
	case YAML_SCALAR_EVENT:
		n = new_node(b, TZ_NODE_SCALAR, &ev->start_mark,
			     (const char *)ev->data.scalar.value, ev->data.scalar.length);
		if (n != NULL)
			n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return n ? 0 : -EINVAL;
	case YAML_ALIAS_EVENT:
		n = new_node(b, TZ_NODE_ALIAS, &ev->start_mark,
			     (const char *)ev->data.alias.anchor,
			     strlen((const char *)ev->data.alias.anchor));
		return n ? 0 : -EINVAL;
	case YAML_SEQUENCE_START_EVENT:
		return open_node(b, TZ_NODE_SEQ, ev);
	case YAML_MAPPING_START_EVENT:
		return open_node(b, TZ_NODE_MAP, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		return 0;
	default:
		return 0;
	}
}

/* Reader errors (bad UTF-8) carry a byte offset, not a mark. */
static yaml_mark_t offset_mark(const char *buf, size_t len, size_t off)
{
	yaml_mark_t m = { 0 };

	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			m.line++;
			m.column = 0;
		} else {
			m.column++;
		}
	}
	return m;
}

static void syntax_error(struct tz_cfg_ctx *c, const yaml_parser_t *p, const char *buf,
			 size_t len)
{
	yaml_mark_t reader = offset_mark(buf, len, p->problem_offset);
	const yaml_mark_t *m = &p->problem_mark;
	const char *problem = p->problem ? p->problem : "cannot parse";

	if (p->error == YAML_MEMORY_ERROR) {
		c->nomem = true;
		return;
	}
	if (p->error == YAML_READER_ERROR)
		m = &reader;
	if (p->context != NULL)
		tz_cfg_err_at(c, (int)m->line + 1, (int)m->column + 1, NULL,
			      "not valid YAML: %s (%s that starts at %d:%d)", problem,
			      p->context, (int)p->context_mark.line + 1,
			      (int)p->context_mark.column + 1);
	else
		tz_cfg_err_at(c, (int)m->line + 1, (int)m->column + 1, NULL,
			      "not valid YAML: %s", problem);
}

/*
 * Parse @p buf into a tree.  Returns NULL (errors reported in @p c) on a
 * syntax error; returns NULL without an error for an empty stream.
 */
struct tz_cfg_node *tz_cfg_yaml_parse(struct tz_cfg_ctx *c, const char *buf, size_t len)
{
	struct builder b = { .c = c };
	yaml_parser_t p;
	yaml_event_t ev;
	bool done = false;
	int rc = 0;

	if (!yaml_parser_initialize(&p)) {
		c->nomem = true;
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			syntax_error(c, &p, buf, len);
			rc = -EINVAL;
			break;
		}
		rc = on_event(&b, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc == 0)
		return b.root;
	tz_cfg_node_free(b.root);
	return NULL;
}
