/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RTP attributes of an m= section: rtpmap and fmtp (RFC 8866 §6.6,
 * §6.15), rtcp-fb (RFC 4585 §4.2), extmap (RFC 8285 §8), ssrc and
 * ssrc-group (RFC 5576), ptime and maxptime.  A handler returns 1 to keep
 * the line as an unrecognised attribute (a format the m= line lacks).
 */
#include <errno.h>
#include <string.h>

#include "sdp_pvt.h"

#define KEEP 1

/* The codec an rtpmap/fmtp names, NULL to keep the line as it is. */
static int find_codec(struct sdp_parser *p, const char *what, const char *pt_text,
		      struct tz_sdp_codec **out)
{
	uint32_t pt;

	*out = NULL;
	if (!p->m->rtp)
		return KEEP;
	if (sdp_u32(pt_text, 127, &pt) != 0)
		return sdp_fail(p, "a=%s: payload type \"%s\" is not 0..127", what, pt_text);
	*out = (struct tz_sdp_codec *)tz_sdp_codec_find(p->m, pt);
	return *out == NULL ? KEEP : 0;
}

/* a=rtpmap:<pt> <name>/<clock>[/<channels>] */
int sdp_rtpmap(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	char *tok[2], *parts[3], *s;
	struct tz_sdp_codec *codec;
	unsigned n = 0;
	uint32_t ch = 0;
	int rc;

	if (sdp_split(v, tok, 2) != 2)
		return sdp_fail(p, "a=rtpmap: expected <payload type> <encoding>/<clock rate>");
	rc = find_codec(p, "rtpmap", tok[0], &codec);
	if (rc != 0)
		return rc;
	if (codec->name != NULL)
		return sdp_fail(p, "a=rtpmap: payload type %u mapped twice", codec->pt);
	for (s = tok[1]; n < 3 && s != NULL; n++) {
		parts[n] = s;
		s = strchr(s, '/');
		if (s != NULL)
			*s++ = '\0';
	}
	if (n < 2 || s != NULL || !sdp_is_token(parts[0]))
		return sdp_fail(p, "a=rtpmap: expected <encoding>/<clock rate>[/<channels>]");
	if (sdp_u32(parts[1], UINT32_MAX, &codec->clock) != 0 || codec->clock == 0)
		return sdp_fail(p, "a=rtpmap: clock rate \"%s\" is not a number", parts[1]);
	if (n == 3 && (sdp_u32(parts[2], 255, &ch) != 0 || ch == 0))
		return sdp_fail(p, "a=rtpmap: channels \"%s\" is not 1..255", parts[2]);
	codec->name = parts[0];
	codec->channels = (uint8_t)ch;
	return 0;
}

/* a=fmtp:<format> <format specific parameters> */
int sdp_fmtp(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	char *sp = strchr(v, ' ');
	struct tz_sdp_codec *codec;
	int rc;

	if (sp == NULL)
		return sdp_fail(p, "a=fmtp: expected <format> <parameters>");
	*sp++ = '\0';
	while (*sp == ' ')
		sp++;
	rc = find_codec(p, "fmtp", v, &codec);
	if (rc != 0)
		return rc;
	if (*sp == '\0')
		return sdp_fail(p, "a=fmtp: expected <format> <parameters>");
	if (codec->fmtp != NULL)
		return sdp_fail(p, "a=fmtp: payload type %u has two a=fmtp lines", codec->pt);
	codec->fmtp = sp;
	return 0;
}

/* a=rtcp-fb:<pt>|* <type> [<params>] */
int sdp_rtcp_fb(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	char *sp = strchr(v, ' ');
	struct tz_sdp_rtcp_fb *fb;
	uint32_t pt;

	if (sp == NULL || sp[1] == '\0' || sp[1] == ' ')
		return sdp_fail(p, "a=rtcp-fb: expected <payload type> <feedback>");
	*sp++ = '\0';
	if (strcmp(v, "*") != 0 && sdp_u32(v, 127, &pt) != 0)
		return sdp_fail(p, "a=rtcp-fb: payload type \"%s\" is not 0..127 or *", v);
	fb = TZ_SDP_PUSH(p->sdp, p->m->rtcp_fb, p->m->n_rtcp_fb, TZ_SDP_MAX_LIST);
	if (fb == NULL)
		return errno == E2BIG ? sdp_fail(p, "more than %d a=rtcp-fb lines",
						 TZ_SDP_MAX_LIST) : -ENOMEM;
	fb->pt = strcmp(v, "*") == 0 ? -1 : (int)pt;
	fb->value = sp;
	return 0;
}

/* a=extmap:<id>[/<direction>] <uri> [<extension attributes>] */
int sdp_extmap(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	char *tok[2], *params = NULL, *slash, *sp = strchr(v, ' ');
	struct tz_sdp_extmap *x;
	uint32_t id;
	int dir = TZ_SDP_DIR_NONE;

	if (sp != NULL && (params = strchr(sp + 1, ' ')) != NULL) {
		*params++ = '\0';
		while (*params == ' ')
			params++;
	}
	if (sdp_split(v, tok, 2) != 2)
		return sdp_fail(p, "a=extmap: expected <id>[/<direction>] <uri>");
	slash = strchr(tok[0], '/');
	if (slash != NULL) {
		*slash++ = '\0';
		dir = sdp_word(sdp_dir_words, slash, false);
		if (dir < 0)
			return sdp_fail(p, "a=extmap: direction \"%s\" is not sendrecv, "
					"sendonly, recvonly or inactive", slash);
	}
	if (sdp_u32(tok[0], 4095, &id) != 0 || id == 0)
		return sdp_fail(p, "a=extmap: id \"%s\" is not 1..4095", tok[0]);
	x = TZ_SDP_PUSH(p->sdp, p->m->extmaps, p->m->n_extmaps, TZ_SDP_MAX_LIST);
	if (x == NULL)
		return errno == E2BIG ? sdp_fail(p, "more than %d a=extmap lines",
						 TZ_SDP_MAX_LIST) : -ENOMEM;
	x->id = (uint16_t)id;
	x->dir = (enum tz_sdp_dir)dir;
	x->uri = tok[1];
	x->params = params != NULL && *params != '\0' ? params : NULL;
	return 0;
}

/* a=ssrc:<ssrc-id> <attribute>[:<value>] */
int sdp_ssrc(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	char *sp = strchr(v, ' '), *colon;
	struct tz_sdp_ssrc *s;
	uint32_t id;

	if (sp == NULL)
		return sdp_fail(p, "a=ssrc: expected <ssrc-id> <attribute>[:<value>]");
	*sp++ = '\0';
	if (sdp_u32(v, UINT32_MAX, &id) != 0)
		return sdp_fail(p, "a=ssrc: \"%s\" is not a 32-bit number", v);
	colon = strchr(sp, ':');
	if (colon != NULL)
		*colon++ = '\0';
	if (!sdp_is_token(sp))
		return sdp_fail(p, "a=ssrc: attribute \"%s\" is not a token", sp);
	s = TZ_SDP_PUSH(p->sdp, p->m->ssrcs, p->m->n_ssrcs, TZ_SDP_MAX_LIST);
	if (s == NULL)
		return errno == E2BIG ? sdp_fail(p, "more than %d a=ssrc lines",
						 TZ_SDP_MAX_LIST) : -ENOMEM;
	s->id = id;
	s->attr = sp;
	s->value = colon;
	return 0;
}

/* a=ssrc-group:<semantics> <ssrc-id> ... */
int sdp_ssrc_group(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	char *tok[1 + TZ_SDP_MAX_SMALL];
	unsigned n = sdp_split(v, tok, ARRAY_SIZE(tok));
	struct tz_sdp_ssrc_group *g;

	if (n < 2 || n > ARRAY_SIZE(tok) || !sdp_is_token(tok[0]))
		return sdp_fail(p, "a=ssrc-group: expected <semantics> and 1..%d ssrc ids",
				TZ_SDP_MAX_SMALL);
	g = TZ_SDP_PUSH(p->sdp, p->m->ssrc_groups, p->m->n_ssrc_groups, TZ_SDP_MAX_SMALL);
	if (g == NULL)
		return errno == E2BIG ? sdp_fail(p, "more than %d a=ssrc-group lines",
						 TZ_SDP_MAX_SMALL) : -ENOMEM;
	g->semantics = tok[0];
	for (unsigned i = 1; i < n; i++)
		if (sdp_u32(tok[i], UINT32_MAX, &g->ssrc[g->n++]) != 0)
			return sdp_fail(p, "a=ssrc-group: \"%s\" is not a 32-bit number", tok[i]);
	return 0;
}

static int packet_time(struct sdp_parser *p, const char *what, const char *v, uint32_t *out)
{
	if (*out != 0)
		return sdp_fail(p, "duplicate a=%s", what);
	if (sdp_u32(v, 10000, out) != 0 || *out == 0)
		return sdp_fail(p, "a=%s: \"%s\" is not 1..10000 ms", what, v);
	return 0;
}

int sdp_ptime(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	return packet_time(p, "ptime", v, &p->m->ptime);
}

int sdp_maxptime(struct sdp_parser *p, struct tz_sdp_common *c, char *v)
{
	return packet_time(p, "maxptime", v, &p->m->maxptime);
}
