/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * struct tz_sdp -> SDP text.  The order is fixed (RFC 8866 §5 for the
 * lines, then a= lines in the order of the functions below), so the same
 * struct always gives the same bytes, and parse(build(x)) equals x.  Every
 * line is checked for control characters before its CRLF goes on, so no
 * string in the struct can smuggle in a line of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp_pvt.h"

struct out {
	char *s;
	size_t len, cap;
	size_t start;                 /* where the current line began */
	int err;
};

static void add(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (o->err != 0)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->err = EINVAL;
			return;
		}
		if (o->len + (size_t)n + 3 <= o->cap)
			break;
		s = realloc(o->s, (o->len + (size_t)n + 3) * 2);
		if (s == NULL) {
			o->err = ENOMEM;
			return;
		}
		o->s = s;
		o->cap = (o->len + (size_t)n + 3) * 2;
	}
	o->len += (size_t)n;
}

static void begin(struct out *o)
{
	o->start = o->len;
}

static void end(struct out *o)
{
	if (o->err != 0)
		return;
	for (size_t i = o->start; i < o->len; i++)
		if (((unsigned char)o->s[i] < 0x20 && o->s[i] != '\t') || o->s[i] == 0x7f)
			o->err = EINVAL;
	add(o, "\r\n");
}

#define LINE(o, ...) do { begin(o); add(o, __VA_ARGS__); end(o); } while (0)

static const char *ip(int family)
{
	return family == AF_INET6 ? "IP6" : "IP4";
}

static void conn(struct out *o, const char *prefix, const struct tz_sdp_conn *c)
{
	if (c->family != 0)
		LINE(o, "%sIN %s %s", prefix, ip(c->family), c->addr ? c->addr : "");
}

static void common_lines(struct out *o, const struct tz_sdp_common *c)
{
	if (c->info != NULL)
		LINE(o, "i=%s", c->info);
	conn(o, "c=", &c->conn);
	for (unsigned i = 0; i < c->n_bw; i++)
		LINE(o, "b=%s:%u", c->bw[i].type, c->bw[i].value);
}

static void fingerprint(struct out *o, const struct tz_sdp_fingerprint *fp)
{
	begin(o);
	add(o, "a=fingerprint:%s ", sdp_word_name(sdp_hash_words, fp->hash));
	for (unsigned i = 0; i < fp->len; i++)
		add(o, i == 0 ? "%02X" : ":%02X", fp->digest[i]);
	end(o);
}

static void transport(struct out *o, const struct tz_sdp_common *c)
{
	if (c->ice_ufrag != NULL)
		LINE(o, "a=ice-ufrag:%s", c->ice_ufrag);
	if (c->ice_pwd != NULL)
		LINE(o, "a=ice-pwd:%s", c->ice_pwd);
	if (c->ice_options != NULL)
		LINE(o, "a=ice-options:%s", c->ice_options);
	for (unsigned i = 0; i < c->n_fp; i++)
		fingerprint(o, &c->fp[i]);
	if (c->setup != TZ_SDP_SETUP_NONE)
		LINE(o, "a=setup:%s", sdp_word_name(sdp_setup_words, c->setup));
}

static void attrs(struct out *o, const struct tz_sdp_common *c)
{
	for (unsigned i = 0; i < c->n_attrs; i++) {
		if (c->attrs[i].value != NULL)
			LINE(o, "a=%s:%s", c->attrs[i].name, c->attrs[i].value);
		else
			LINE(o, "a=%s", c->attrs[i].name);
	}
}

static void direction(struct out *o, enum tz_sdp_dir dir)
{
	if (dir != TZ_SDP_DIR_NONE)
		LINE(o, "a=%s", tz_sdp_dir_name(dir));
}

static void session(struct out *o, const struct tz_sdp *sdp)
{
	const struct tz_sdp_origin *org = &sdp->origin;

	if (org->conn.family == 0 || org->conn.addr == NULL || org->user == NULL)
		o->err = EINVAL;
	LINE(o, "v=0");
	LINE(o, "o=%s %llu %llu IN %s %s", org->user ? org->user : "-",
	     (unsigned long long)org->sess_id, (unsigned long long)org->sess_version,
	     ip(org->conn.family), org->conn.addr ? org->conn.addr : "");
	LINE(o, "s=%s", sdp->name != NULL ? sdp->name : "-");
	if (sdp->common.info != NULL)
		LINE(o, "i=%s", sdp->common.info);
	if (sdp->uri != NULL)
		LINE(o, "u=%s", sdp->uri);
	if (sdp->email != NULL)
		LINE(o, "e=%s", sdp->email);
	if (sdp->phone != NULL)
		LINE(o, "p=%s", sdp->phone);
	conn(o, "c=", &sdp->common.conn);
	for (unsigned i = 0; i < sdp->common.n_bw; i++)
		LINE(o, "b=%s:%u", sdp->common.bw[i].type, sdp->common.bw[i].value);
	LINE(o, "t=%llu %llu", (unsigned long long)sdp->t_start, (unsigned long long)sdp->t_stop);
}

static void session_attrs(struct out *o, const struct tz_sdp *sdp)
{
	for (unsigned i = 0; i < sdp->n_groups; i++) {
		begin(o);
		add(o, "a=group:%s", sdp->groups[i].semantics);
		for (unsigned j = 0; j < sdp->groups[i].n_mids; j++)
			add(o, " %s", sdp->groups[i].mids[j]);
		end(o);
	}
	if (sdp->extmap_allow_mixed)
		LINE(o, "a=extmap-allow-mixed");
	if (sdp->msid_semantic != NULL)
		LINE(o, "a=msid-semantic: %s", sdp->msid_semantic);
	if (sdp->ice_lite)
		LINE(o, "a=ice-lite");
	transport(o, &sdp->common);
	direction(o, sdp->common.dir);
	attrs(o, &sdp->common);
}

static void m_line(struct out *o, const struct tz_sdp_media *m)
{
	if (m->media == NULL || m->proto == NULL || (m->rtp ? m->n_codecs == 0 : m->fmt == NULL))
		o->err = EINVAL;
	begin(o);
	add(o, "m=%s %u", m->media ? m->media : "", m->port);
	if (m->n_ports != 0)
		add(o, "/%u", m->n_ports);
	add(o, " %s", m->proto ? m->proto : "");
	if (!m->rtp)
		add(o, " %s", m->fmt ? m->fmt : "");
	for (unsigned i = 0; m->rtp && i < m->n_codecs; i++)
		add(o, " %u", m->codecs[i].pt);
	end(o);
}

static void candidate(struct out *o, const struct tz_sdp_candidate *c)
{
	if (c->foundation == NULL || c->addr == NULL)
		o->err = EINVAL;
	begin(o);
	add(o, "a=candidate:%s %u %s %u %s %u typ %s", c->foundation, c->component,
	    c->tcp ? "tcp" : "udp", c->priority, c->addr,
	    c->port, sdp_word_name(sdp_cand_type_words, c->type));
	if (c->raddr != NULL)
		add(o, " raddr %s rport %u", c->raddr, c->rport);
	if (c->tcptype != TZ_SDP_TCP_NONE)
		add(o, " tcptype %s", sdp_word_name(sdp_tcptype_words, c->tcptype));
	if (c->generation >= 0)
		add(o, " generation %lld", (long long)c->generation);
	for (unsigned i = 0; i < c->n_ext; i++)
		add(o, " %s %s", c->ext[i].name, c->ext[i].value);
	end(o);
}

static void crypto(struct out *o, const struct tz_sdp_crypto *c)
{
	char key[4 * (TZ_SDP_MAX_KEY + 2) / 3 + 4];

	sdp_b64_encode(c->key, c->key_len, key);
	begin(o);
	add(o, "a=crypto:%u %s inline:%s", c->tag, c->suite, key);
	if (c->lifetime != 0 && (c->lifetime & (c->lifetime - 1)) == 0)
		add(o, "|2^%d", __builtin_ctzll(c->lifetime));
	else if (c->lifetime != 0)
		add(o, "|%llu", (unsigned long long)c->lifetime);
	if (c->mki_len != 0)
		add(o, "|%u:%u", c->mki, c->mki_len);
	if (c->params != NULL)
		add(o, " %s", c->params);
	end(o);
}

static void media_transport(struct out *o, const struct tz_sdp_media *m)
{
	if (m->rtcp.present && m->rtcp.conn.family != 0)
		LINE(o, "a=rtcp:%u IN %s %s", m->rtcp.port, ip(m->rtcp.conn.family),
		     m->rtcp.conn.addr);
	else if (m->rtcp.present)
		LINE(o, "a=rtcp:%u", m->rtcp.port);
	for (unsigned i = 0; i < m->n_cands; i++)
		candidate(o, &m->cands[i]);
	if (m->end_of_candidates)
		LINE(o, "a=end-of-candidates");
	transport(o, &m->common);
	if (m->mid != NULL)
		LINE(o, "a=mid:%s", m->mid);
}

static void extmap(struct out *o, const struct tz_sdp_extmap *x)
{
	begin(o);
	add(o, "a=extmap:%u", x->id);
	if (x->dir != TZ_SDP_DIR_NONE)
		add(o, "/%s", tz_sdp_dir_name(x->dir));
	add(o, " %s", x->uri);
	if (x->params != NULL)
		add(o, " %s", x->params);
	end(o);
}

static void codecs(struct out *o, const struct tz_sdp_media *m)
{
	for (unsigned i = 0; i < m->n_codecs; i++) {
		const struct tz_sdp_codec *c = &m->codecs[i];

		if (c->name != NULL && c->channels != 0)
			LINE(o, "a=rtpmap:%u %s/%u/%u", c->pt, c->name, c->clock, c->channels);
		else if (c->name != NULL)
			LINE(o, "a=rtpmap:%u %s/%u", c->pt, c->name, c->clock);
		if (c->fmtp != NULL)
			LINE(o, "a=fmtp:%u %s", c->pt, c->fmtp);
	}
	for (unsigned i = 0; i < m->n_rtcp_fb; i++) {
		if (m->rtcp_fb[i].pt < 0)
			LINE(o, "a=rtcp-fb:* %s", m->rtcp_fb[i].value);
		else
			LINE(o, "a=rtcp-fb:%d %s", m->rtcp_fb[i].pt, m->rtcp_fb[i].value);
	}
}

static void ssrcs(struct out *o, const struct tz_sdp_media *m)
{
	for (unsigned i = 0; i < m->n_ssrc_groups; i++) {
		begin(o);
		add(o, "a=ssrc-group:%s", m->ssrc_groups[i].semantics);
		for (unsigned j = 0; j < m->ssrc_groups[i].n && j < TZ_SDP_MAX_SMALL; j++)
			add(o, " %u", m->ssrc_groups[i].ssrc[j]);
		end(o);
	}
	for (unsigned i = 0; i < m->n_ssrcs; i++) {
		const struct tz_sdp_ssrc *s = &m->ssrcs[i];

		if (s->value != NULL)
			LINE(o, "a=ssrc:%u %s:%s", s->id, s->attr, s->value);
		else
			LINE(o, "a=ssrc:%u %s", s->id, s->attr);
	}
}

static void media(struct out *o, const struct tz_sdp_media *m)
{
	m_line(o, m);
	common_lines(o, &m->common);
	media_transport(o, m);
	for (unsigned i = 0; i < m->n_extmaps; i++)
		extmap(o, &m->extmaps[i]);
	direction(o, m->common.dir);
	for (unsigned i = 0; i < m->n_msids; i++)
		LINE(o, "a=msid:%s", m->msids[i]);
	if (m->rtcp_mux)
		LINE(o, "a=rtcp-mux");
	if (m->rtcp_rsize)
		LINE(o, "a=rtcp-rsize");
	for (unsigned i = 0; i < m->n_crypto; i++)
		crypto(o, &m->crypto[i]);
	codecs(o, m);
	if (m->ptime != 0)
		LINE(o, "a=ptime:%u", m->ptime);
	if (m->maxptime != 0)
		LINE(o, "a=maxptime:%u", m->maxptime);
	ssrcs(o, m);
	attrs(o, &m->common);
}

char *tz_sdp_build(const struct tz_sdp *sdp, size_t *len)
{
	struct out o = { .cap = 4096 };

	o.s = malloc(o.cap);
	if (o.s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	session(&o, sdp);
	session_attrs(&o, sdp);
	for (unsigned i = 0; i < sdp->n_media; i++)
		media(&o, &sdp->media[i]);
	if (o.err != 0) {
		free(o.s);
		errno = o.err;
		return NULL;
	}
	if (len != NULL)
		*len = o.len;
	return o.s;
}
