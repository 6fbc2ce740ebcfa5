/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * String value types: free text, absolute paths, secrets (dumped as "***"),
 * entity names (fixed arrays), interface names and dial prefixes.  Each is
 * a charset/length rule in one table row, not a function of its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_pvt.h"

struct str_rule {
	const struct tz_cfg_type *type;
	const char *charset;      /* NULL: any printable text */
	size_t min_len, max_len;
	char first;               /* required first character, or 0 */
	const char *expect;
};

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static const struct str_rule rules[] = {
	{ &tz_cfg_t_str, NULL, 1, 1024, 0, "a non-empty string" },
	{ &tz_cfg_t_secret, NULL, 1, 1024, 0, "a non-empty string" },
	{ &tz_cfg_t_path, NULL, 2, 1024, '/', "an absolute path like /etc/trapeze/cert.pem" },
	{ &tz_cfg_t_name, ALNUM "._-", 1, TZ_CFG_NAME_MAX - 1, 0,
	  "a name of 1..31 letters, digits, '.', '_' or '-'" },
	{ &tz_cfg_t_word, ALNUM "._-", 1, 64, 0,
	  "a word of letters, digits, '.', '_' or '-'" },
	{ &tz_cfg_t_iface, ALNUM "._-@", 1, 15, 0,
	  "a kernel interface name of 1..15 characters like eth0" },
	{ &tz_cfg_t_prefix, "0123456789+*#", 0, 32, 0,
	  "dialled digits like \"+4420\", or \"\" for any number" },
};

static const struct str_rule *rule_of(const struct tz_cfg_field *f)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].type == f->type)
			return &rules[i];
	return &rules[0];
}

static int check(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, const struct str_rule *r)
{
	const char *what = NULL;

	if (strlen(v->text) != v->len)
		what = "contains a NUL character";
	else if (v->len < r->min_len)
		what = "is empty";
	else if (v->len > r->max_len)
		what = "is too long";
	else if (r->first != 0 && v->text[0] != r->first)
		what = "is a relative path";
	else if (r->charset != NULL && strspn(v->text, r->charset) != v->len)
		what = "has a character that is not allowed";
	else if (r->type == &tz_cfg_t_prefix && v->len > 1 && strchr(v->text + 1, '+') != NULL)
		what = "has '+' after the start";
	if (what == NULL)
		return 0;
	if (v->len > 40 || strlen(v->text) != v->len)
		tz_cfg_err(c, v, "the value %s; expected %s", what, r->expect);
	else
		tz_cfg_err(c, v, "\"%s\" %s; expected %s", v->text, what, r->expect);
	return -EINVAL;
}

static int parse_str(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		     const struct tz_cfg_field *f)
{
	char **dst = TZ_CFG_AT(obj, f, char *);
	char *s;

	if (check(c, v, rule_of(f)) != 0)
		return -EINVAL;
	s = tz_cfg_strdup(c, v->text);
	if (s == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

static int parse_name(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		      const struct tz_cfg_field *f)
{
	if (check(c, v, rule_of(f)) != 0)
		return -EINVAL;
	memcpy(TZ_CFG_AT(obj, f, char), v->text, v->len + 1);
	return 0;
}

void tz_cfg_dump_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void dump_str(FILE *out, const void *obj, const struct tz_cfg_field *f,
		     const struct tz_config *root)
{
	const char *s = *TZ_CFG_CAT(obj, f, char *);

	if (s != NULL)
		tz_cfg_dump_str(out, s);
}

static void dump_secret(FILE *out, const void *obj, const struct tz_cfg_field *f,
			const struct tz_config *root)
{
	if (*TZ_CFG_CAT(obj, f, char *) != NULL)
		fputs("\"***\"", out);
}

static void dump_name(FILE *out, const void *obj, const struct tz_cfg_field *f,
		      const struct tz_config *root)
{
	const char *s = TZ_CFG_CAT(obj, f, char);

	if (s[0] != '\0')
		tz_cfg_dump_str(out, s);
}

static void release_str(void *obj, const struct tz_cfg_field *f)
{
	char **s = TZ_CFG_AT(obj, f, char *);

	free(*s);
	*s = NULL;
}

const struct tz_cfg_type tz_cfg_t_str = {
	"a non-empty string", TZ_NODE_SCALAR, parse_str, dump_str, release_str,
};
const struct tz_cfg_type tz_cfg_t_secret = {
	"a non-empty string", TZ_NODE_SCALAR, parse_str, dump_secret, release_str,
};
const struct tz_cfg_type tz_cfg_t_path = {
	"an absolute path", TZ_NODE_SCALAR, parse_str, dump_str, release_str,
};
const struct tz_cfg_type tz_cfg_t_name = {
	"a name of 1..31 letters, digits, '.', '_' or '-'", TZ_NODE_SCALAR, parse_name,
	dump_name, NULL,
};
const struct tz_cfg_type tz_cfg_t_iface = {
	"a kernel interface name like eth0", TZ_NODE_SCALAR, parse_str, dump_str, release_str,
};
const struct tz_cfg_type tz_cfg_t_prefix = {
	"dialled digits like \"+4420\"", TZ_NODE_SCALAR, parse_str, dump_str, release_str,
};
const struct tz_cfg_type tz_cfg_t_word = {
	"a word of letters, digits, '.', '_' or '-'", TZ_NODE_SCALAR, parse_str, dump_str,
	release_str,
};
