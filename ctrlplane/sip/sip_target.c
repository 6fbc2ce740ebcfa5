/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Call targets from web users: what may be dialled and which trunk it goes
 * to.  A target is text from the Internet; it never becomes part of a
 * Request-URI as given.  Two forms are accepted:
 *
 *  - a number: optional '+', then digits; the visual separators space, '-',
 *    '.', '(' and ')' are dropped ("+44 (20) 7946-0000" -> "+442079460000");
 *  - a SIP URI "sip:user@domain", only where a route allows it (a route with
 *    `domain:` equal to the domain, or `allow_uri: true` and the domain is
 *    the trunk's host).  The user part keeps only RFC 3261 25.1 `unreserved`
 *    and `user-unreserved` characters except ';' and '?' (no user parameters,
 *    no headers) plus %XX escapes of printable characters; the domain is a
 *    host name or IPv4 literal, no port, no parameters.
 *
 * Everything else (other schemes such as tel: or sips:, control characters,
 * bytes outside ASCII such as U+202E, empty parts) is refused.  Either way
 * the request goes to the route's trunk: the Request-URI is always
 * sip:<user>@<trunk host>:<port>;transport=<trunk transport> (sip_util.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "tz_sip.h"

/* Character classes, one table (RFC 3261 25.1). */
enum {
	C_DIGIT = 1 << 0,       /* 0-9 */
	C_SEP = 1 << 1,         /* visual separators in numbers */
	C_USER = 1 << 2,        /* allowed as is in a URI user part */
	C_HOST = 1 << 3,        /* allowed in a domain */
	C_HEX = 1 << 4,
};

static uint8_t cls[256];

static void cls_init(void)
{
	static const struct {
		const char *chars;
		uint8_t bits;
	} rows[] = {
		{ "0123456789", C_DIGIT | C_USER | C_HOST | C_HEX },
		{ "abcdefABCDEF", C_USER | C_HOST | C_HEX },
		{ "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ", C_USER | C_HOST },
		{ "-", C_SEP | C_USER | C_HOST },
		{ ".", C_SEP | C_USER | C_HOST },
		{ " ()", C_SEP },
		{ "_!~*'", C_USER },             /* unreserved marks (with - . ( ) ) */
		{ "()", C_USER },
		{ "&=+$,/", C_USER },            /* user-unreserved minus ; ? */
	};

	if (cls['0'] != 0)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
		for (const char *p = rows[i].chars; *p != '\0'; p++)
			cls[(uint8_t)*p] |= rows[i].bits;
}

static int refuse(char *why, size_t len, const char *fmt, const char *arg)
{
	if (why != NULL && len > 0)
		snprintf(why, len, fmt, arg);
	return -EINVAL;
}

/* Control characters, DEL and non-ASCII bytes end the check (bad-target). */
static int check_bytes(const char *text, size_t len, char *why, size_t wlen)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)text[i];

		if (c == '\0') {
			if (why != NULL && wlen > 0)
				snprintf(why, wlen, "target: contains a NUL character");
			return -EILSEQ;
		}
		if (c < 0x20 || c == 0x7f)
			return refuse(why, wlen, "target: contains a control character%s", "");
		if (c >= 0x80)
			return refuse(why, wlen, "target: only ASCII is allowed (a number like "
				      "+442079460000 or sip:user@domain)%s", "");
	}
	return 0;
}

static int parse_number(const char *text, size_t len, struct tz_sip_target *t, char *why,
			size_t wlen)
{
	size_t o = 0, digits = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)text[i];

		if (c == '+' && o == 0 && digits == 0) {
			t->user[o++] = '+';
		} else if (cls[c] & C_DIGIT) {
			if (digits++ >= TZ_SIP_TARGET_DIGITS_MAX)
				return refuse(why, wlen, "target: more than %s digits", G_STRINGIFY(
					      TZ_SIP_TARGET_DIGITS_MAX));
			t->user[o++] = (char)c;
		} else if (!(cls[c] & C_SEP)) {
			return refuse(why, wlen, "target: a number has only '+', digits and the "
				      "separators space - . ( ); or give sip:user@domain%s", "");
		}
	}
	if (digits == 0)
		return refuse(why, wlen, "target: has no digits%s", "");
	t->user[o] = '\0';
	t->uri = false;
	t->domain[0] = '\0';
	return 0;
}

static int parse_user(const char *u, size_t n, char *out, char *why, size_t wlen)
{
	size_t o = 0;

	if (n == 0)
		return refuse(why, wlen, "target: the user part of %s is empty", "the URI");
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)u[i];

		if (c == '%') {
			unsigned v;

			if (i + 2 >= n || !(cls[(uint8_t)u[i + 1]] & C_HEX) ||
			    !(cls[(uint8_t)u[i + 2]] & C_HEX))
				return refuse(why, wlen, "target: '%%' in the user part must be "
					      "followed by two hex digits%s", "");
			v = (unsigned)g_ascii_xdigit_value(u[i + 1]) * 16 +
			    (unsigned)g_ascii_xdigit_value(u[i + 2]);
			if (v < 0x20 || v >= 0x7f)
				return refuse(why, wlen, "target: the user part escapes a control or "
					      "non-ASCII character%s", "");
			out[o++] = '%';
			out[o++] = g_ascii_toupper(u[i + 1]);
			out[o++] = g_ascii_toupper(u[i + 2]);
			i += 2;
		} else if (cls[c] & C_USER) {
			out[o++] = (char)c;
		} else {
			char bad[2] = { (char)c, '\0' };

			return refuse(why, wlen, "target: '%s' is not allowed in the user part "
				      "(RFC 3261 user: letters, digits, - _ . ! ~ * ' ( ) & = + $ , / "
				      "and %%XX)", bad);
		}
	}
	out[o] = '\0';
	return 0;
}

/* @p d is not NUL-terminated (the target has a length): copy, then check. */
static int parse_domain(const char *d, size_t n, char *out, char *why, size_t wlen)
{
	if (n == 0)
		return refuse(why, wlen, "target: the domain of %s is empty", "the URI");
	for (size_t i = 0; i < n; i++) {
		if (!(cls[(uint8_t)d[i]] & C_HOST))
			return refuse(why, wlen, "target: the domain has a character that is not "
				      "allowed (a host name like pbx.example.net, no port or "
				      "parameters)%s", "");
		out[i] = g_ascii_tolower(d[i]);
	}
	out[n] = '\0';
	if (out[0] == '.' || out[0] == '-' || out[n - 1] == '.' || strstr(out, "..") != NULL)
		return refuse(why, wlen, "target: '%s' is not a domain name", out);
	return 0;
}

static int parse_uri(const char *text, size_t len, struct tz_sip_target *t, char *why,
		     size_t wlen)
{
	const char *u = text + 4, *end = text + len;
	const char *at = memchr(u, '@', (size_t)(end - u));
	int rc;

	if (at == NULL)
		return refuse(why, wlen, "target: a SIP URI needs user@domain, like "
			      "sip:1001@pbx.example.net%s", "");
	rc = parse_user(u, (size_t)(at - u), t->user, why, wlen);
	if (rc == 0)
		rc = parse_domain(at + 1, (size_t)(end - at - 1), t->domain, why, wlen);
	if (rc == 0)
		t->uri = true;
	return rc;
}

int tz_sip_target_parse(const char *text, size_t len, struct tz_sip_target *t, char *why,
			size_t wlen)
{
	int rc;

	cls_init();
	if (text == NULL || t == NULL)
		return refuse(why, wlen, "target: missing%s", "");
	memset(t, 0, sizeof(*t));
	if (len == 0)
		return refuse(why, wlen, "target: is empty%s", "");
	if (len > TZ_SIP_TARGET_MAX)
		return refuse(why, wlen, "target: longer than %s characters",
			      G_STRINGIFY(TZ_SIP_TARGET_MAX));
	rc = check_bytes(text, len, why, wlen);
	if (rc != 0)
		return rc;
	if (len >= 4 && g_ascii_strncasecmp(text, "sip:", 4) == 0)
		return parse_uri(text, len, t, why, wlen);
	if (memchr(text, ':', len) != NULL || memchr(text, '@', len) != NULL)
		return refuse(why, wlen, "target: only sip: URIs and numbers are accepted "
			      "(not tel:, sips: or other schemes)%s", "");
	return parse_number(text, len, t, why, wlen);
}

/* The dialled number starts with the route's prefix (a URI's user part too). */
static bool prefix_ok(const struct tz_cfg_route *r, const struct tz_sip_target *t)
{
	return r->prefix == NULL || strncmp(t->user, r->prefix, strlen(r->prefix)) == 0;
}

static bool host_is(const char *host, const char *domain)
{
	return host != NULL && g_ascii_strcasecmp(host, domain) == 0;
}

const struct tz_cfg_route *tz_sip_target_rule(const struct tz_cfg_sip *cfg, uint32_t tenant,
					      const struct tz_sip_target *t)
{
	for (size_t i = 0; cfg != NULL && i < cfg->n_routes; i++) {
		const struct tz_cfg_route *r = &cfg->routes[i];
		const struct tz_cfg_trunk *trunk;

		/* only the caller's tenant's routes (they reach only its trunks) */
		if (r->trunk >= cfg->n_trunks || r->tenant != tenant ||
		    cfg->trunks[r->trunk].tenant != tenant)
			continue;
		trunk = &cfg->trunks[r->trunk];
		if (!prefix_ok(r, t))
			continue;
		if (!t->uri) {
			if (r->domain == NULL)
				return r;
			continue;
		}
		if (r->domain != NULL ? host_is(r->domain, t->domain)
				      : r->allow_uri && host_is(trunk->address.host, t->domain))
			return r;
	}
	return NULL;
}

const struct tz_cfg_trunk *tz_sip_target_route(const struct tz_cfg_sip *cfg, uint32_t tenant,
					       const struct tz_sip_target *t)
{
	const struct tz_cfg_route *r = tz_sip_target_rule(cfg, tenant, t);

	return r != NULL ? &cfg->trunks[r->trunk] : NULL;
}

int tz_sip_target_check(const struct tz_cfg_sip *cfg, uint32_t tenant, const char *text,
			size_t len, struct tz_sip_target *t, const struct tz_cfg_trunk **trunk,
			char *why, size_t wlen)
{
	int rc = tz_sip_target_parse(text, len, t, why, wlen);

	*trunk = NULL;
	if (rc != 0)
		return rc;
	*trunk = tz_sip_target_route(cfg, tenant, t);
	if (*trunk != NULL)
		return 0;
	if (why != NULL && wlen > 0)
		snprintf(why, wlen, t->uri ? "no routing rule allows SIP URIs to this domain"
					   : "no routing rule matches this number");
	return -ENOENT;
}

bool tz_sip_user_valid(const char *user)
{
	char out[3 * TZ_SIP_TARGET_MAX + 1];
	size_t n = user != NULL ? strlen(user) : 0;

	cls_init();
	return n > 0 && n <= TZ_SIP_TARGET_MAX && parse_user(user, n, out, NULL, 0) == 0;
}

char *tz_sip_user_escape(const char *user)
{
	GString *s = g_string_new(NULL);

	cls_init();
	for (const char *p = user != NULL ? user : ""; *p != '\0'; p++) {
		uint8_t c = (uint8_t)*p;

		if (cls[c] & C_USER)
			g_string_append_c(s, (char)c);
		else
			g_string_append_printf(s, "%%%02X", c);
	}
	return g_string_free(s, FALSE);
}
