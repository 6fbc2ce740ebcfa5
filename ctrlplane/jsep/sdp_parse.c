/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP text -> struct tz_sdp (RFC 8866).  Lines are cut here and dispatched
 * by their type letter through line_rules[]; a= lines go on to the
 * attribute table in sdp_attr.c.  v=, o=, s= must open the description in
 * that order (§5); the other session lines may come in any order, since
 * peers do not all keep the §5 order.
 */
#include <errno.h>
#include <string.h>

#include "sdp_pvt.h"

#define SEEN(c) (1u << ((c) - 'a'))

struct line_rule {
	char type;
	unsigned where;
	bool once;                    /* at most one per level */
	int (*parse)(struct sdp_parser *p, char *value);
};

static int parse_v(struct sdp_parser *p, char *v)
{
	if (strcmp(v, "0") != 0)
		return sdp_fail(p, "v=: version \"%s\" is not 0", v);
	return 0;
}

static int parse_o(struct sdp_parser *p, char *v)
{
	struct tz_sdp_origin *o = &p->sdp->origin;
	char *tok[6];

	if (sdp_split(v, tok, 6) != 6)
		return sdp_fail(p, "o=: expected 6 fields: username sess-id sess-version "
				"nettype addrtype address");
	if (!sdp_is_token(tok[0]))
		return sdp_fail(p, "o=: username \"%s\" is not a token", tok[0]);
	if (sdp_u64(tok[1], UINT64_MAX, &o->sess_id) != 0)
		return sdp_fail(p, "o=: session id \"%s\" is not a number", tok[1]);
	if (sdp_u64(tok[2], UINT64_MAX, &o->sess_version) != 0)
		return sdp_fail(p, "o=: session version \"%s\" is not a number", tok[2]);
	o->user = tok[0];
	return sdp_conn_parse(p, "o=", tok + 3, &o->conn);
}

static int parse_s(struct sdp_parser *p, char *v)
{
	p->sdp->name = v;
	return 0;
}

static int parse_i(struct sdp_parser *p, char *v)
{
	struct tz_sdp_common *c = p->m != NULL ? &p->m->common : &p->sdp->common;

	if (c->info != NULL)
		return sdp_fail(p, "duplicate i= line");
	c->info = v;
	return 0;
}

static int parse_u(struct sdp_parser *p, char *v)
{
	p->sdp->uri = v;
	return 0;
}

static int parse_e(struct sdp_parser *p, char *v)
{
	p->sdp->email = v;
	return 0;
}

static int parse_p(struct sdp_parser *p, char *v)
{
	p->sdp->phone = v;
	return 0;
}

static int parse_c(struct sdp_parser *p, char *v)
{
	struct tz_sdp_common *c = p->m != NULL ? &p->m->common : &p->sdp->common;
	char *tok[3];

	if (c->conn.family != 0)
		return sdp_fail(p, "duplicate c= line");
	if (sdp_split(v, tok, 3) != 3)
		return sdp_fail(p, "c=: expected 3 fields: nettype addrtype address");
	return sdp_conn_parse(p, "c=", tok, &c->conn);
}

static int parse_b(struct sdp_parser *p, char *v)
{
	struct tz_sdp_common *c = p->m != NULL ? &p->m->common : &p->sdp->common;
	char *colon = strchr(v, ':');
	struct tz_sdp_bw *bw;

	if (colon == NULL)
		return sdp_fail(p, "b=: expected <type>:<bandwidth>");
	*colon = '\0';
	if (!sdp_is_token(v))
		return sdp_fail(p, "b=: bandwidth type \"%s\" is not a token", v);
	bw = TZ_SDP_PUSH(p->sdp, c->bw, c->n_bw, TZ_SDP_MAX_SMALL);
	if (bw == NULL)
		return errno == E2BIG ? sdp_fail(p, "b=: more than %d b= lines", TZ_SDP_MAX_SMALL)
				      : -ENOMEM;
	bw->type = v;
	if (sdp_u32(colon + 1, UINT32_MAX, &bw->value) != 0)
		return sdp_fail(p, "b=: bandwidth \"%s\" is not a number", colon + 1);
	return 0;
}

static int parse_t(struct sdp_parser *p, char *v)
{
	char *tok[2];

	if (sdp_split(v, tok, 2) != 2 || sdp_u64(tok[0], UINT64_MAX, &p->sdp->t_start) != 0 ||
	    sdp_u64(tok[1], UINT64_MAX, &p->sdp->t_stop) != 0)
		return sdp_fail(p, "t=: expected <start-time> <stop-time>");
	return 0;
}

/* r=, z=, k=: repeat times, zone adjustments, keys (obsolete).  Trapeze has
 * no use for them; they are accepted and dropped. */
static int parse_ignored(struct sdp_parser *p, char *v)
{
	return 0;
}

static int media_fmts(struct sdp_parser *p, struct tz_sdp_media *m, char **tok, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t pt;
		struct tz_sdp_codec *c;

		if (sdp_u32(tok[i], 127, &pt) != 0)
			return sdp_fail(p, "m=: payload type \"%s\" is not 0..127", tok[i]);
		if (tz_sdp_codec_find(m, pt) != NULL)
			return sdp_fail(p, "m=: payload type %u listed twice", pt);
		c = TZ_SDP_PUSH(p->sdp, m->codecs, m->n_codecs, TZ_SDP_MAX_CODECS);
		if (c == NULL)
			return -ENOMEM;
		c->pt = (uint8_t)pt;
	}
	return 0;
}

static int media_fmt_text(struct sdp_parser *p, struct tz_sdp_media *m, char **tok, unsigned n)
{
	size_t len = 0;
	char *s;

	for (unsigned i = 0; i < n; i++)
		len += strlen(tok[i]) + 1;
	s = sdp_alloc(p->sdp, len);
	if (s == NULL)
		return -ENOMEM;
	m->fmt = s;
	for (unsigned i = 0; i < n; i++) {
		if (!sdp_is_token(tok[i]))
			return sdp_fail(p, "m=: format \"%s\" is not a token", tok[i]);
		s = stpcpy(s, tok[i]);
		if (i + 1 < n)
			*s++ = ' ';
	}
	return 0;
}

static int media_port(struct sdp_parser *p, struct tz_sdp_media *m, char *port)
{
	char *slash = strchr(port, '/');

	if (slash != NULL) {
		*slash = '\0';
		if (sdp_u16(slash + 1, &m->n_ports) != 0 || m->n_ports == 0)
			return sdp_fail(p, "m=: port count \"%s\" is not 1..65535", slash + 1);
	}
	if (sdp_u16(port, &m->port) != 0)
		return sdp_fail(p, "m=: port \"%s\" is not 0..65535", port);
	return 0;
}

static int parse_m(struct sdp_parser *p, char *v)
{
	char *tok[3 + TZ_SDP_MAX_CODECS];
	unsigned n = sdp_split(v, tok, ARRAY_SIZE(tok));
	struct tz_sdp_media *m;
	int rc, type;

	if (n > ARRAY_SIZE(tok))
		return sdp_fail(p, "m=: more than %d formats", TZ_SDP_MAX_CODECS);
	if (n < 4)
		return sdp_fail(p, "m=: expected <media> <port> <proto> <fmt> ...");
	m = TZ_SDP_PUSH(p->sdp, p->sdp->media, p->sdp->n_media, TZ_SDP_MAX_MEDIA);
	if (m == NULL)
		return errno == E2BIG ? sdp_fail(p, "more than %d m= sections", TZ_SDP_MAX_MEDIA)
				      : -ENOMEM;
	p->m = m;
	if (!sdp_is_token(tok[0]))
		return sdp_fail(p, "m=: media \"%s\" is not a token", tok[0]);
	type = sdp_word(sdp_media_words, tok[0], false);
	m->type = type < 0 ? TZ_SDP_MEDIA_OTHER : (enum tz_sdp_media_type)type;
	m->media = tok[0];
	rc = media_port(p, m, tok[1]);
	if (rc != 0)
		return rc;
	if (!sdp_is_proto(tok[2]))
		return sdp_fail(p, "m=: protocol \"%s\" is not a token", tok[2]);
	m->proto = tok[2];
	m->rtp = strstr(m->proto, "RTP/") != NULL;
	if (m->rtp)
		return media_fmts(p, m, tok + 3, n - 3);
	return media_fmt_text(p, m, tok + 3, n - 3);
}

static const struct line_rule line_rules[] = {
	{ 'a', AT_BOTH, false, sdp_attr_line },
	{ 'b', AT_BOTH, false, parse_b },
	{ 'c', AT_BOTH, false, parse_c },
	{ 'e', AT_SESSION, true, parse_e },
	{ 'i', AT_BOTH, false, parse_i },
	{ 'k', AT_BOTH, false, parse_ignored },
	{ 'm', AT_BOTH, false, parse_m },
	{ 'o', AT_SESSION, true, parse_o },
	{ 'p', AT_SESSION, true, parse_p },
	{ 'r', AT_SESSION, false, parse_ignored },
	{ 's', AT_SESSION, true, parse_s },
	{ 't', AT_SESSION, true, parse_t },
	{ 'u', AT_SESSION, true, parse_u },
	{ 'v', AT_SESSION, true, parse_v },
	{ 'z', AT_SESSION, false, parse_ignored },
};

static const struct line_rule *line_rule_find(char type)
{
	for (size_t i = 0; i < ARRAY_SIZE(line_rules); i++)
		if (line_rules[i].type == type)
			return &line_rules[i];
	return NULL;
}

/* v=, o=, s= open the description in that order (RFC 8866 §5). */
static int check_order(struct sdp_parser *p, char type)
{
	static const char opening[] = "vos";
	unsigned n = !!(p->seen & SEEN('v')) + !!(p->seen & SEEN('o')) + !!(p->seen & SEEN('s'));

	if (n < 3 && type != opening[n])
		return sdp_fail(p, "expected %c= here, found %c=", opening[n], type);
	return 0;
}

static int dispatch(struct sdp_parser *p, char *line)
{
	const struct line_rule *r;
	int rc;

	if (line[0] < 'a' || line[0] > 'z' || line[1] != '=')
		return sdp_fail(p, "not a <type>=<value> line");
	r = line_rule_find(line[0]);
	if (r == NULL)
		return sdp_fail(p, "unknown line type \"%c=\"", line[0]);
	rc = check_order(p, line[0]);
	if (rc != 0)
		return rc;
	if (p->m != NULL && !(r->where & AT_MEDIA))
		return sdp_fail(p, "%c= is not allowed in an m= section", line[0]);
	if (r->once && (p->seen & SEEN(line[0])))
		return sdp_fail(p, "duplicate %c= line", line[0]);
	p->seen |= SEEN(line[0]);
	return r->parse(p, line + 2);
}

/* Cut the text into lines (CRLF or LF), check each for stray bytes. */
static int check_line(struct sdp_parser *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			return sdp_fail(p, "NUL byte in the line");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return sdp_fail(p, "control character 0x%02x in the line", c);
	}
	return 0;
}

static int parse_lines(struct sdp_parser *p, char *text, size_t len)
{
	char *s = text, *end = text + len;
	int rc;

	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		char *e = nl != NULL ? nl : end;

		if (++p->line > TZ_SDP_MAX_LINES)
			return sdp_fail(p, "more than %d lines", TZ_SDP_MAX_LINES);
		if (e > s && e[-1] == '\r')
			e--;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		rc = check_line(p, s, (size_t)(e - s));
		if (rc != 0)
			return rc;
		*e = '\0';
		if (e > s) {
			rc = dispatch(p, s);
			if (rc != 0)
				return rc;
		}
		s = nl != NULL ? nl + 1 : end;
	}
	if ((p->seen & (SEEN('v') | SEEN('o') | SEEN('s'))) != (SEEN('v') | SEEN('o') | SEEN('s'))) {
		p->line = p->line > 0 ? p->line : 1;
		return sdp_fail(p, "the SDP ends before its v=, o= and s= lines");
	}
	return 0;
}

int tz_sdp_parse(const char *text, size_t len, struct tz_sdp **out, char *err, size_t errlen)
{
	struct sdp_parser p = { .err = err, .errlen = errlen };
	char *copy;
	int rc;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > TZ_SDP_MAX_TEXT)
		return sdp_fail(&p, "the SDP is over %d bytes", TZ_SDP_MAX_TEXT);
	p.sdp = tz_sdp_new();
	if (p.sdp == NULL)
		return -ENOMEM;
	copy = sdp_strndup(p.sdp, text, len);
	if (copy == NULL)
		goto err_nomem;
	rc = parse_lines(&p, copy, len);
	if (rc != 0)
		goto err_parse;
	*out = p.sdp;
	return 0;

err_nomem:
	rc = -ENOMEM;
err_parse:
	tz_sdp_free(p.sdp);
	return rc;
}
