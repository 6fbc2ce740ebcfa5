/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The codecs Trapeze carries (it relays, never transcodes), matching of an
 * SDP's formats against them, the pieces both policies use to build an SDP,
 * and the payload type map the dataplane rewrites with.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "sdp_pvt.h"

/* Name, clock, channels, the PT Trapeze offers (RFC 3551 static ones). */
const struct sdp_known_codec sdp_known_codecs[] = {
	{ "opus", 48000, 2, 111 },
	{ "G722", 8000, 1, 9 },
	{ "PCMU", 8000, 1, 0 },
	{ "PCMA", 8000, 1, 8 },
	{ NULL, 0, 0, 0 },
};
const struct sdp_known_codec sdp_te_codecs[] = {
	{ "telephone-event", 8000, 1, 101 },
	{ "telephone-event", 48000, 1, 110 },
	{ NULL, 0, 0, 0 },
};

/* The entry of @p tab that @p c is: by rtpmap, or for a static payload
 * type without one by its RFC 3551 number. */
const struct sdp_known_codec *sdp_codec_known(const struct tz_sdp_codec *c,
					      const struct sdp_known_codec *tab)
{
	for (; tab->name != NULL; tab++) {
		if (c->name == NULL) {
			if (c->pt < 96 && c->pt == tab->pt)
				return tab;
			continue;
		}
		if (strcasecmp(c->name, tab->name) == 0 && c->clock == tab->clock &&
		    (c->channels == tab->channels || (c->channels == 0 && tab->channels == 1)))
			return tab;
	}
	return NULL;
}

const struct sdp_known_codec *sdp_codec_by_name(const char *name)
{
	for (const struct sdp_known_codec *k = sdp_known_codecs; k->name != NULL; k++)
		if (strcasecmp(k->name, name) == 0)
			return k;
	return NULL;
}

bool sdp_codec_allowed(const char *name, const char *const *allow)
{
	if (allow == NULL)
		return true;
	for (; *allow != NULL; allow++)
		if (strcasecmp(*allow, name) == 0)
			return true;
	return false;
}

int sdp_neg_add(struct tz_sdp_neg *neg, const struct sdp_known_codec *k, unsigned pt)
{
	for (unsigned i = 0; i < neg->n_codecs; i++)
		if (neg->codecs[i].name == k->name && neg->codecs[i].clock == k->clock)
			return 0;
	if (neg->n_codecs == TZ_SDP_NEG_MAX_CODECS)
		return -E2BIG;
	neg->codecs[neg->n_codecs++] = (struct tz_sdp_pt){
		.name = k->name, .clock = k->clock, .channels = k->channels, .pt = (uint8_t)pt,
	};
	return 0;
}

/* telephone-event of @p m at the clock rates of the codecs chosen so far
 * (RFC 4733 §7.1.1: its clock is that of the audio it goes with). */
void sdp_neg_add_te(struct tz_sdp_neg *neg, const struct tz_sdp_media *m)
{
	unsigned n = neg->n_codecs;

	for (unsigned i = 0; i < m->n_codecs; i++) {
		const struct sdp_known_codec *k = sdp_codec_known(&m->codecs[i], sdp_te_codecs);
		bool want = false;

		for (unsigned j = 0; k != NULL && j < n; j++)
			want |= neg->codecs[j].clock == k->clock;
		if (want)
			sdp_neg_add(neg, k, m->codecs[i].pt);
	}
	neg->te_pt = -1;
	for (unsigned i = n; n > 0 && i < neg->n_codecs; i++)
		if (neg->codecs[i].clock == neg->codecs[0].clock)
			neg->te_pt = neg->codecs[i].pt;
}

int sdp_media_codec_add(struct tz_sdp *sdp, struct tz_sdp_media *m,
			const struct tz_sdp_pt *pt, const char *fmtp)
{
	struct tz_sdp_codec *c = TZ_SDP_PUSH(sdp, m->codecs, m->n_codecs, TZ_SDP_MAX_CODECS);

	if (c == NULL)
		return -errno;
	c->pt = pt->pt;
	c->name = pt->name;
	c->clock = pt->clock;
	c->channels = pt->channels > 1 ? pt->channels : 0;
	c->fmtp = tz_sdp_strdup(sdp, fmtp);
	return fmtp != NULL && c->fmtp == NULL ? -ENOMEM : 0;
}

int sdp_local_check(const char *addr, char *err, size_t errlen)
{
	int fam = addr != NULL ? sdp_addr_family(addr) : -1;

	if (fam != AF_INET && fam != AF_INET6) {
		sdp_errf(err, errlen, "local address \"%s\" is not an IPv4 or IPv6 literal",
			 addr != NULL ? addr : "");
		return -EINVAL;
	}
	return 0;
}

int sdp_session_init(struct tz_sdp *sdp, const char *addr, uint64_t id, uint64_t version)
{
	sdp->origin.user = "trapeze";
	sdp->origin.sess_id = id;
	sdp->origin.sess_version = version;
	sdp->origin.conn.family = sdp_addr_family(addr);
	sdp->origin.conn.addr = tz_sdp_strdup(sdp, addr);
	return sdp->origin.conn.addr == NULL ? -ENOMEM : 0;
}

struct tz_sdp_media *sdp_media_new(struct tz_sdp *sdp, enum tz_sdp_media_type type,
				   uint16_t port, const char *proto)
{
	struct tz_sdp_media *m = TZ_SDP_PUSH(sdp, sdp->media, sdp->n_media, TZ_SDP_MAX_MEDIA);

	if (m == NULL)
		return NULL;
	m->type = type;
	m->media = sdp_word_name(sdp_media_words, type);
	m->port = port;
	m->proto = tz_sdp_strdup(sdp, proto);
	m->rtp = strstr(proto, "RTP/") != NULL;
	return m->proto != NULL ? m : NULL;
}

void tz_sdp_neg_names(const struct tz_sdp_neg *neg, const char **names, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return;
	for (unsigned i = 0; i < neg->n_codecs && k + 1 < n; i++)
		if (sdp_codec_by_name(neg->codecs[i].name) != NULL)
			names[k++] = neg->codecs[i].name;
	names[k] = NULL;
}

static const struct tz_sdp_pt *pt_find(const struct tz_sdp_neg *neg, const struct tz_sdp_pt *c)
{
	for (unsigned i = 0; i < neg->n_codecs; i++)
		if (strcasecmp(neg->codecs[i].name, c->name) == 0 &&
		    neg->codecs[i].clock == c->clock && neg->codecs[i].channels == c->channels)
			return &neg->codecs[i];
	return NULL;
}

int tz_sdp_pt_map_build(const struct tz_sdp_neg *web, const struct tz_sdp_neg *sip,
			struct tz_sdp_pt_map *map)
{
	bool audio = false;

	map->n = 0;
	for (unsigned i = 0; i < web->n_codecs; i++) {
		const struct tz_sdp_pt *w = &web->codecs[i], *s = pt_find(sip, w);

		if (s == NULL)
			continue;
		map->pair[map->n++] = (struct tz_sdp_pt_pair){
			.name = w->name, .clock = w->clock, .web_pt = w->pt, .sip_pt = s->pt,
		};
		audio |= sdp_codec_by_name(w->name) != NULL;
	}
	return audio ? 0 : -ENOENT;
}

int tz_sdp_pt_map_to_sip(const struct tz_sdp_pt_map *map, unsigned pt)
{
	for (unsigned i = 0; i < map->n; i++)
		if (map->pair[i].web_pt == pt)
			return map->pair[i].sip_pt;
	return -ENOENT;
}

int tz_sdp_pt_map_to_web(const struct tz_sdp_pt_map *map, unsigned pt)
{
	for (unsigned i = 0; i < map->n; i++)
		if (map->pair[i].sip_pt == pt)
			return map->pair[i].web_pt;
	return -ENOENT;
}
