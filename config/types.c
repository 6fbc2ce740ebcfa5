/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scalar value types: integers with ranges, sizes, octal modes, booleans,
 * enums, strings, names.  Each type parses one YAML scalar into its field,
 * reports what is wrong and what is expected, dumps it back and frees it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_pvt.h"

char *tz_cfg_strdup(struct tz_cfg_ctx *c, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		c->nomem = true;
	return d;
}

/* A scalar quoted for a message: escaped, cut at 40 characters. */
static const char *quoted(const struct tz_cfg_node *v, char *buf, size_t len)
{
	size_t o = 0;

	buf[o++] = '"';
	for (size_t i = 0; i < v->len && o + 8 < len; i++) {
		unsigned char ch = (unsigned char)v->text[i];

		if (i == 40) {
			o += (size_t)snprintf(buf + o, len - o, "...");
			break;
		}
		if (ch == '"' || ch == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	snprintf(buf + o, len - o, "\"");
	return buf;
}

#define Q(v) quoted((v), (char[96]){ 0 }, 96)

const char *tz_cfg_describe(const struct tz_cfg_field *f, char *buf, size_t len)
{
	const struct tz_cfg_enum *e = f->arg;
	size_t o;

	if (f->type == &tz_cfg_t_u16 || f->type == &tz_cfg_t_u32) {
		snprintf(buf, len, "an integer %lld..%lld", f->min, f->max);
		return buf;
	}
	if (f->type != &tz_cfg_t_enum)
		return f->type ? f->type->expect : (const char *)f->arg;
	o = (size_t)snprintf(buf, len, "one of:");
	for (; e->name != NULL && o < len; e++)
		if (!e->alias)
			o += (size_t)snprintf(buf + o, len - o, "%s %s",
					      o > 7 ? "," : "", e->name);
	return buf;
}

int tz_cfg_int_parse(struct tz_cfg_ctx *c, const struct tz_cfg_node *v,
		     long long min, long long max, long long *out)
{
	const char *s = v->text;
	char *end;
	long long x;

	if (!isdigit((unsigned char)s[s[0] == '-']))
		goto err_syntax;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (*end != '\0')
		goto err_syntax;
	if (errno == ERANGE || x < min || x > max)
		goto err_range;
	*out = x;
	return 0;

err_syntax:
	tz_cfg_err(c, v, "%s is not an integer; expected an integer %lld..%lld", Q(v), min, max);
	return -EINVAL;
err_range:
	tz_cfg_err(c, v, "%.40s is out of range; expected %lld..%lld", s, min, max);
	return -EINVAL;
}

static int parse_u16(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		     const struct tz_cfg_field *f)
{
	long long x;

	if (tz_cfg_int_parse(c, v, f->min, f->max, &x) != 0)
		return -EINVAL;
	*TZ_CFG_AT(obj, f, uint16_t) = (uint16_t)x;
	return 0;
}

static int parse_u32(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		     const struct tz_cfg_field *f)
{
	long long x;

	if (tz_cfg_int_parse(c, v, f->min, f->max, &x) != 0)
		return -EINVAL;
	*TZ_CFG_AT(obj, f, uint32_t) = (uint32_t)x;
	return 0;
}

static void dump_u16(FILE *out, const void *obj, const struct tz_cfg_field *f,
		     const struct tz_config *root)
{
	fprintf(out, "%u", (unsigned)*TZ_CFG_CAT(obj, f, uint16_t));
}

static void dump_u32(FILE *out, const void *obj, const struct tz_cfg_field *f,
		     const struct tz_config *root)
{
	fprintf(out, "%u", (unsigned)*TZ_CFG_CAT(obj, f, uint32_t));
}

/* "65536", "64k", "64KiB", "1M": binary multiples. */
static int parse_size(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		      const struct tz_cfg_field *f)
{
	static const struct { const char *sfx; int shift; } units[] = {
		{ "", 0 }, { "k", 10 }, { "K", 10 }, { "KiB", 10 },
		{ "M", 20 }, { "MiB", 20 }, { "G", 30 }, { "GiB", 30 },
	};
	unsigned long long x;
	char *end;

	if (!isdigit((unsigned char)v->text[0]))
		goto err_syntax;
	errno = 0;
	x = strtoull(v->text, &end, 10);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].sfx) != 0)
			continue;
		if (errno == ERANGE || x > (1ULL << 33) ||
		    (x << units[i].shift) < (unsigned long long)f->min ||
		    (x << units[i].shift) > (unsigned long long)f->max)
			goto err_range;
		*TZ_CFG_AT(obj, f, uint32_t) = (uint32_t)(x << units[i].shift);
		return 0;
	}
err_syntax:
	tz_cfg_err(c, v, "%s is not a size; expected bytes like 65536 or 64k", Q(v));
	return -EINVAL;
err_range:
	tz_cfg_err(c, v, "%.40s is out of range; expected %lld..%lld bytes", v->text, f->min,
		   f->max);
	return -EINVAL;
}

/* File modes are octal whatever the quoting: "0660", 0660, 660. */
static int parse_mode(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		      const struct tz_cfg_field *f)
{
	char *end;
	unsigned long x;

	if (v->len == 0 || v->len > 4 || strspn(v->text, "01234567") != v->len)
		goto err_mode;
	x = strtoul(v->text, &end, 8);
	if (x > 0777)
		goto err_mode;
	*TZ_CFG_AT(obj, f, uint32_t) = (uint32_t)x;
	return 0;
err_mode:
	tz_cfg_err(c, v, "%s is not a file mode; expected octal 0000..0777 like \"0660\"", Q(v));
	return -EINVAL;
}

static void dump_mode(FILE *out, const void *obj, const struct tz_cfg_field *f,
		      const struct tz_config *root)
{
	fprintf(out, "\"%04o\"", (unsigned)*TZ_CFG_CAT(obj, f, uint32_t));
}

static const struct tz_cfg_enum bools[] = {
	{ "true", 1, false }, { "false", 0, false }, { "yes", 1, true }, { "no", 0, true },
	{ "on", 1, true }, { "off", 0, true }, { NULL, 0, false },
};

static int parse_bool(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		      const struct tz_cfg_field *f)
{
	for (const struct tz_cfg_enum *e = bools; e->name != NULL; e++) {
		if (strcasecmp(v->text, e->name) == 0) {
			*TZ_CFG_AT(obj, f, bool) = e->value;
			return 0;
		}
	}
	tz_cfg_err(c, v, "%s is not a boolean; expected true or false", Q(v));
	return -EINVAL;
}

static void dump_bool(FILE *out, const void *obj, const struct tz_cfg_field *f,
		      const struct tz_config *root)
{
	fputs(*TZ_CFG_CAT(obj, f, bool) ? "true" : "false", out);
}

int tz_cfg_enum_parse(struct tz_cfg_ctx *c, const struct tz_cfg_node *v,
		      const struct tz_cfg_enum *tab, int *out)
{
	struct tz_cfg_field f = { .type = &tz_cfg_t_enum, .arg = tab };
	char want[256];

	for (const struct tz_cfg_enum *e = tab; e->name != NULL; e++) {
		if (strcmp(v->text, e->name) == 0) {
			*out = e->value;
			return 0;
		}
	}
	tz_cfg_err(c, v, "%s is not allowed here; expected %s", Q(v),
		   tz_cfg_describe(&f, want, sizeof(want)));
	return -EINVAL;
}

const char *tz_cfg_enum_name(const struct tz_cfg_enum *e, int value)
{
	for (; e->name != NULL; e++)
		if (e->value == value && !e->alias)
			return e->name;
	return "?";
}

static int parse_enum(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		      const struct tz_cfg_field *f)
{
	return tz_cfg_enum_parse(c, v, f->arg, TZ_CFG_AT(obj, f, int));
}

static void dump_enum(FILE *out, const void *obj, const struct tz_cfg_field *f,
		      const struct tz_config *root)
{
	fputs(tz_cfg_enum_name(f->arg, *TZ_CFG_CAT(obj, f, int)), out);
}

const struct tz_cfg_type tz_cfg_t_u16 = {
	"an integer", TZ_NODE_SCALAR, parse_u16, dump_u16, NULL,
};
const struct tz_cfg_type tz_cfg_t_u32 = {
	"an integer", TZ_NODE_SCALAR, parse_u32, dump_u32, NULL,
};
const struct tz_cfg_type tz_cfg_t_size = {
	"a size in bytes like 65536 or 64k", TZ_NODE_SCALAR, parse_size, dump_u32, NULL,
};
const struct tz_cfg_type tz_cfg_t_mode = {
	"an octal file mode like \"0660\"", TZ_NODE_SCALAR, parse_mode, dump_mode, NULL,
};
const struct tz_cfg_type tz_cfg_t_bool = {
	"true or false", TZ_NODE_SCALAR, parse_bool, dump_bool, NULL,
};
const struct tz_cfg_type tz_cfg_t_enum = {
	"one of the listed words", TZ_NODE_SCALAR, parse_enum, dump_enum, NULL,
};
