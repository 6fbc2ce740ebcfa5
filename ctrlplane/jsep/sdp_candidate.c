/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * a=candidate (RFC 8839 §5.1): seven fixed fields, "typ <type>", then
 * name/value pairs.  The pairs Trapeze reads (raddr, rport, RFC 6544
 * tcptype, generation) are rows of pair_rules[]; any other pair is kept in
 * order as an extension.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sdp_pvt.h"

#define MAX_TOKENS (8 + 2 * (4 + TZ_SDP_MAX_CAND_EXT))

struct pair_rule {
	const char *name;
	int (*parse)(struct sdp_parser *p, const char *v, struct tz_sdp_candidate *c);
};

static int raddr(struct sdp_parser *p, const char *v, struct tz_sdp_candidate *c)
{
	if (c->raddr != NULL)
		return sdp_fail(p, "a=candidate: raddr given twice");
	if (sdp_addr_family(v) < 0)
		return sdp_fail(p, "a=candidate: raddr \"%s\" is not an address", v);
	c->raddr = v;
	return 0;
}

static int rport(struct sdp_parser *p, const char *v, struct tz_sdp_candidate *c)
{
	if (sdp_u16(v, &c->rport) != 0)
		return sdp_fail(p, "a=candidate: rport \"%s\" is not 0..65535", v);
	return 0;
}

static int tcptype(struct sdp_parser *p, const char *v, struct tz_sdp_candidate *c)
{
	int t = sdp_word(sdp_tcptype_words, v, false);

	if (t < 0)
		return sdp_fail(p, "a=candidate: tcptype \"%s\" is not active, passive or so", v);
	if (!c->tcp)
		return sdp_fail(p, "a=candidate: tcptype on a UDP candidate");
	c->tcptype = (enum tz_sdp_tcptype)t;
	return 0;
}

static int generation(struct sdp_parser *p, const char *v, struct tz_sdp_candidate *c)
{
	uint32_t g;

	if (sdp_u32(v, UINT32_MAX, &g) != 0)
		return sdp_fail(p, "a=candidate: generation \"%s\" is not a number", v);
	c->generation = g;
	return 0;
}

static const struct pair_rule pair_rules[] = {
	{ "generation", generation },
	{ "raddr", raddr },
	{ "rport", rport },
	{ "tcptype", tcptype },
};

static int pair(struct sdp_parser *p, struct tz_sdp_candidate *c, char *name, char *value)
{
	struct tz_sdp_attr *x;

	for (size_t i = 0; i < ARRAY_SIZE(pair_rules); i++)
		if (strcmp(pair_rules[i].name, name) == 0)
			return pair_rules[i].parse(p, value, c);
	if (!sdp_is_token(name) || !sdp_is_token(value))
		return sdp_fail(p, "a=candidate: extension \"%s %s\" is not two tokens",
				name, value);
	x = TZ_SDP_PUSH(p->sdp, c->ext, c->n_ext, TZ_SDP_MAX_CAND_EXT);
	if (x == NULL)
		return errno == E2BIG ? sdp_fail(p, "a=candidate: more than %d extension pairs",
						 TZ_SDP_MAX_CAND_EXT) : -ENOMEM;
	x->name = name;
	x->value = value;
	return 0;
}

static bool foundation_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '+' || *s == '/'))
			return false;
	return true;
}

static int fixed_fields(struct sdp_parser *p, char **tok, struct tz_sdp_candidate *c)
{
	uint32_t comp;
	int t;

	if (!foundation_ok(tok[0]))
		return sdp_fail(p, "a=candidate: foundation \"%s\" is not 1..32 ice-chars", tok[0]);
	c->foundation = tok[0];
	if (sdp_u32(tok[1], 256, &comp) != 0 || comp == 0)
		return sdp_fail(p, "a=candidate: component \"%s\" is not 1..256", tok[1]);
	c->component = (uint16_t)comp;
	if (strcasecmp(tok[2], "udp") != 0 && strcasecmp(tok[2], "tcp") != 0)
		return sdp_fail(p, "a=candidate: transport \"%s\" is not UDP or TCP", tok[2]);
	c->tcp = strcasecmp(tok[2], "tcp") == 0;
	if (sdp_u32(tok[3], UINT32_MAX, &c->priority) != 0 || c->priority == 0)
		return sdp_fail(p, "a=candidate: priority \"%s\" is not 1..4294967295", tok[3]);
	c->family = sdp_addr_family(tok[4]);
	if (c->family < 0)
		return sdp_fail(p, "a=candidate: \"%s\" is not an IP address or host name", tok[4]);
	c->addr = tok[4];
	if (sdp_u16(tok[5], &c->port) != 0)
		return sdp_fail(p, "a=candidate: port \"%s\" is not 0..65535", tok[5]);
	if (strcmp(tok[6], "typ") != 0)
		return sdp_fail(p, "a=candidate: expected \"typ\" after the port, found \"%s\"",
				tok[6]);
	t = sdp_word(sdp_cand_type_words, tok[7], false);
	if (t < 0)
		return sdp_fail(p, "a=candidate: type \"%s\" is not host, srflx, prflx or relay",
				tok[7]);
	c->type = (enum tz_sdp_cand_type)t;
	return 0;
}

int sdp_candidate_parse(struct sdp_parser *p, char *value, struct tz_sdp_candidate *c)
{
	char *tok[MAX_TOKENS];
	unsigned n = sdp_split(value, tok, MAX_TOKENS);
	int rc;

	c->generation = -1;
	if (n > MAX_TOKENS)
		return sdp_fail(p, "a=candidate: more than %d extension pairs",
				TZ_SDP_MAX_CAND_EXT);
	if (n < 8)
		return sdp_fail(p, "a=candidate: expected <foundation> <component> <transport> "
				"<priority> <address> <port> typ <type>");
	if ((n - 8) % 2 != 0)
		return sdp_fail(p, "a=candidate: \"%s\" has no value", tok[n - 1]);
	rc = fixed_fields(p, tok, c);
	for (unsigned i = 8; rc == 0 && i < n; i += 2)
		rc = pair(p, c, tok[i], tok[i + 1]);
	return rc;
}

int tz_sdp_add_candidate(struct tz_sdp *sdp, unsigned media, const char *text,
			 char *err, size_t errlen)
{
	struct sdp_parser p = { .sdp = sdp, .err = err, .errlen = errlen };
	struct tz_sdp_candidate *c;
	size_t len = strlen(text);
	char *v;

	if (media >= sdp->n_media)
		return -ERANGE;
	p.m = &sdp->media[media];
	if (strncmp(text, "a=", 2) == 0)
		text += 2;
	if (strncmp(text, "candidate:", 10) != 0)
		return sdp_fail(&p, "a=candidate: the text does not start with \"candidate:\"");
	len = strlen(text);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return sdp_fail(&p, "a=candidate: control character in the text");
	v = sdp_strndup(sdp, text + 10, len - 10);
	if (v == NULL)
		return -ENOMEM;
	c = TZ_SDP_PUSH(sdp, p.m->cands, p.m->n_cands, TZ_SDP_MAX_CANDIDATES);
	if (c == NULL)
		return errno == E2BIG ? sdp_fail(&p, "more than %d a=candidate lines",
						 TZ_SDP_MAX_CANDIDATES) : -ENOMEM;
	if (sdp_candidate_parse(&p, v, c) == 0)
		return 0;
	p.m->n_cands--;   /* do not leave a half-parsed candidate behind */
	return -EINVAL;
}
