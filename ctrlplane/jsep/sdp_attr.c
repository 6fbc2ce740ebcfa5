/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * a= lines: the attribute table and the session / transport attributes.
 * An attribute the table does not know, or knows only at the other level,
 * is kept as (name, value) in order, as is an rtpmap/fmtp for a payload
 * type the m= line does not list; a handler asks for that by returning 1.
 * The RTP attributes live in sdp_attr_rtp.c.
 */
#include <errno.h>
#include <string.h>

#include "sdp_pvt.h"

#define KEEP 1

static int group(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	char *tok[1 + TZ_SDP_MAX_MEDIA];
	unsigned n = sdp_split(v, tok, ARRAY_SIZE(tok));
	struct tz_sdp_group *g;

	if (n == 0)
		return sdp_fail(p, "a=group: missing semantics");
	if (n > ARRAY_SIZE(tok))
		return sdp_fail(p, "a=group: more than %d mids", TZ_SDP_MAX_MEDIA);
	g = TZ_SDP_PUSH(p->sdp, p->sdp->groups, p->sdp->n_groups, TZ_SDP_MAX_SMALL);
	if (g == NULL)
		return errno == E2BIG ? sdp_fail(p, "more than %d a=group lines",
						 TZ_SDP_MAX_SMALL) : -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		if (!sdp_is_token(tok[i]))
			return sdp_fail(p, "a=group: \"%s\" is not a token", tok[i]);
	g->semantics = tok[0];
	for (unsigned i = 1; i < n; i++) {
		const char **mid = TZ_SDP_PUSH(p->sdp, g->mids, g->n_mids, TZ_SDP_MAX_MEDIA);

		if (mid == NULL)
			return -ENOMEM;
		*mid = tok[i];
	}
	return 0;
}

static int ice_lite(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	p->sdp->ice_lite = true;
	return 0;
}

static int allow_mixed(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	p->sdp->extmap_allow_mixed = true;
	return 0;
}

static int msid_semantic(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	while (*v == ' ')
		v++;
	if (p->sdp->msid_semantic != NULL)
		return sdp_fail(p, "duplicate a=msid-semantic");
	if (*v == '\0')
		return sdp_fail(p, "a=msid-semantic: missing semantics");
	p->sdp->msid_semantic = v;
	return 0;
}

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4) */
static bool ice_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '+' || *s == '/'))
			return false;
	return true;
}

static int ice_cred(struct sdp_parser *p, const char **dst, const char *what, char *v,
		    size_t min)
{
	size_t n = strlen(v);

	if (*dst != NULL)
		return sdp_fail(p, "duplicate a=%s", what);
	if (!ice_chars(v))
		return sdp_fail(p, "a=%s: \"%s\" has characters outside A-Z a-z 0-9 + /", what, v);
	if (n < min || n > 256)
		return sdp_fail(p, "a=%s: length %zu is not %zu..256", what, n, min);
	*dst = v;
	return 0;
}

static int ice_ufrag(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	return ice_cred(p, &c->ice_ufrag, "ice-ufrag", v, 4);
}

static int ice_pwd(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	return ice_cred(p, &c->ice_pwd, "ice-pwd", v, 22);
}

static int ice_options(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	if (c->ice_options != NULL)
		return sdp_fail(p, "duplicate a=ice-options");
	c->ice_options = v;
	return 0;
}

static int fingerprint(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	if (c->n_fp == TZ_SDP_MAX_FINGERPRINTS)
		return sdp_fail(p, "more than %d a=fingerprint lines", TZ_SDP_MAX_FINGERPRINTS);
	return sdp_fingerprint_parse(p, v, &c->fp[c->n_fp++]);
}

static int setup(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	int s = sdp_word(sdp_setup_words, v, false);

	if (s < 0)
		return sdp_fail(p, "a=setup: \"%s\" is not actpass, active, passive or holdconn", v);
	if (c->setup != TZ_SDP_SETUP_NONE)
		return sdp_fail(p, "duplicate a=setup");
	c->setup = (enum tz_sdp_setup)s;
	return 0;
}

static int direction(struct sdp_parser *p, struct tz_sdp_common *c, enum tz_sdp_dir dir)
{
	if (c->dir != TZ_SDP_DIR_NONE)
		return sdp_fail(p, "a=%s: a direction was already given", tz_sdp_dir_name(dir));
	c->dir = dir;
	return 0;
}

static int sendrecv(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	return direction(p, c, TZ_SDP_SENDRECV);
}

static int sendonly(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	return direction(p, c, TZ_SDP_SENDONLY);
}

static int recvonly(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	return direction(p, c, TZ_SDP_RECVONLY);
}

static int inactive(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	return direction(p, c, TZ_SDP_INACTIVE);
}

static int candidate(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	struct tz_sdp_media *m = p->m;
	struct tz_sdp_candidate *cand;

	cand = TZ_SDP_PUSH(p->sdp, m->cands, m->n_cands, TZ_SDP_MAX_CANDIDATES);
	if (cand == NULL)
		return errno == E2BIG ? sdp_fail(p, "more than %d a=candidate lines",
						 TZ_SDP_MAX_CANDIDATES) : -ENOMEM;
	return sdp_candidate_parse(p, v, cand);
}

static int end_of_candidates(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	p->m->end_of_candidates = true;
	return 0;
}

static int mid(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	if (p->m->mid != NULL)
		return sdp_fail(p, "duplicate a=mid");
	if (!sdp_is_token(v) || strlen(v) > 32)
		return sdp_fail(p, "a=mid: \"%s\" is not a token of at most 32 characters", v);
	for (unsigned i = 0; i + 1 < p->sdp->n_media; i++)
		if (p->sdp->media[i].mid != NULL && strcmp(p->sdp->media[i].mid, v) == 0)
			return sdp_fail(p, "a=mid: \"%s\" names two m= sections", v);
	p->m->mid = v;
	return 0;
}

/* a=rtcp:port [nettype addrtype address] (RFC 3605 §2.1) */
static int rtcp(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	struct tz_sdp_rtcp *r = &p->m->rtcp;
	char *tok[4];
	unsigned n = sdp_split(v, tok, 4);

	if (r->present)
		return sdp_fail(p, "duplicate a=rtcp");
	if (n != 1 && n != 4)
		return sdp_fail(p, "a=rtcp: expected <port> [IN IP4|IP6 <address>]");
	if (sdp_u16(tok[0], &r->port) != 0)
		return sdp_fail(p, "a=rtcp: port \"%s\" is not 0..65535", tok[0]);
	r->present = true;
	return n == 4 ? sdp_conn_parse(p, "a=rtcp", tok + 1, &r->conn) : 0;
}

static int rtcp_mux(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	p->m->rtcp_mux = true;
	return 0;
}

static int rtcp_rsize(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	p->m->rtcp_rsize = true;
	return 0;
}

static int msid(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	const char **s;

	if (*v == '\0' || *v == ' ')
		return sdp_fail(p, "a=msid: missing stream id");
	s = TZ_SDP_PUSH(p->sdp, p->m->msids, p->m->n_msids, TZ_SDP_MAX_SMALL);
	if (s == NULL)
		return errno == E2BIG ? sdp_fail(p, "more than %d a=msid lines",
						 TZ_SDP_MAX_SMALL) : -ENOMEM;
	*s = v;
	return 0;
}

static int crypto(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	struct tz_sdp_media *m = p->m;
	struct tz_sdp_crypto *cr;

	cr = TZ_SDP_PUSH(p->sdp, m->crypto, m->n_crypto, TZ_SDP_MAX_SMALL);
	if (cr == NULL)
		return errno == E2BIG ? sdp_fail(p, "more than %d a=crypto lines",
						 TZ_SDP_MAX_SMALL) : -ENOMEM;
	return sdp_crypto_parse(p, v, cr);
}

static const struct sdp_attr_rule attr_rules[] = {
	{ "candidate", AT_MEDIA, true, candidate },
	{ "crypto", AT_MEDIA, true, crypto },
	{ "end-of-candidates", AT_MEDIA, false, end_of_candidates },
	{ "extmap", AT_MEDIA, true, sdp_extmap },
	{ "extmap-allow-mixed", AT_SESSION, false, allow_mixed },
	{ "fingerprint", AT_BOTH, true, fingerprint },
	{ "fmtp", AT_MEDIA, true, sdp_fmtp },
	{ "group", AT_SESSION, true, group },
	{ "ice-lite", AT_SESSION, false, ice_lite },
	{ "ice-options", AT_BOTH, true, ice_options },
	{ "ice-pwd", AT_BOTH, true, ice_pwd },
	{ "ice-ufrag", AT_BOTH, true, ice_ufrag },
	{ "inactive", AT_BOTH, false, inactive },
	{ "maxptime", AT_MEDIA, true, sdp_maxptime },
	{ "mid", AT_MEDIA, true, mid },
	{ "msid", AT_MEDIA, true, msid },
	{ "msid-semantic", AT_SESSION, true, msid_semantic },
	{ "ptime", AT_MEDIA, true, sdp_ptime },
	{ "recvonly", AT_BOTH, false, recvonly },
	{ "rtcp", AT_MEDIA, true, rtcp },
	{ "rtcp-fb", AT_MEDIA, true, sdp_rtcp_fb },
	{ "rtcp-mux", AT_MEDIA, false, rtcp_mux },
	{ "rtcp-rsize", AT_MEDIA, false, rtcp_rsize },
	{ "rtpmap", AT_MEDIA, true, sdp_rtpmap },
	{ "sendonly", AT_BOTH, false, sendonly },
	{ "sendrecv", AT_BOTH, false, sendrecv },
	{ "setup", AT_BOTH, true, setup },
	{ "ssrc", AT_MEDIA, true, sdp_ssrc },
	{ "ssrc-group", AT_MEDIA, true, sdp_ssrc_group },
};

const struct sdp_attr_rule *sdp_attr_rule_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(attr_rules); i++)
		if (strcmp(attr_rules[i].name, name) == 0)
			return &attr_rules[i];
	return NULL;
}

static int keep(struct sdp_parser *p, struct tz_sdp_common *c, char *name, char *value)
{
	struct tz_sdp_attr *a = TZ_SDP_PUSH(p->sdp, c->attrs, c->n_attrs, TZ_SDP_MAX_ATTRS);

	if (a == NULL)
		return errno == E2BIG ? sdp_fail(p, "more than %d unrecognised attributes",
						 TZ_SDP_MAX_ATTRS) : -ENOMEM;
	a->name = name;
	a->value = value;
	return 0;
}

int sdp_attr_line(struct sdp_parser *p, char *body)
{
	struct tz_sdp_common *c = p->m != NULL ? &p->m->common : &p->sdp->common;
	unsigned level = p->m != NULL ? AT_MEDIA : AT_SESSION;
	char *value = strchr(body, ':');
	const struct sdp_attr_rule *r;
	char *copy = NULL;
	int rc;

	if (value != NULL)
		*value++ = '\0';
	if (!sdp_is_token(body))
		return sdp_fail(p, "a=: attribute name \"%s\" is not a token", body);
	r = sdp_attr_rule_find(body);
	if (r == NULL || !(r->where & level))
		return keep(p, c, body, value);
	if (r->has_value && value == NULL)
		return sdp_fail(p, "a=%s: missing value", body);
	if (!r->has_value && value != NULL)
		return sdp_fail(p, "a=%s takes no value", body);
	/* Handlers cut the value in place; a kept line needs it whole. */
	if (value != NULL && (copy = sdp_strndup(p->sdp, value, strlen(value))) == NULL)
		return -ENOMEM;
	rc = r->parse(p, c, value);
	return rc == KEEP ? keep(p, c, body, copy) : rc;
}
