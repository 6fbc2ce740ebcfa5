/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transcoded inbound calls (a trunk calls a web user; issue 14 item 2,
 * docs/media-services.md "Inbound calls").  The browser is offered the
 * caller's codecs and, when the stage could transcode, those the caller
 * lacks (Opus first when the call's transcode is `prefer`).  The browser's
 * answer decides: its first codec is what it sends, so when that is none
 * of the caller's (or the call prefers transcoding) the call is admitted
 * into the stage and the caller is answered with its own first codec the
 * stage knows; the rest (flows DIVERTed, transcoders made, freed) is the
 * outbound path's (xcode.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "calls_pvt.h"
#include "tz_log.h"
#include "tz_media.h"
#include "tz_svc.h"

/* The caller's first codec the stage can transcode, or NULL. */
static const char *sip_codec(const struct tz_sdp_neg *sip)
{
	for (unsigned i = 0; i < sip->n_codecs; i++)
		if (tz_media_codec_parse(sip->codecs[i].name) >= 0)
			return sip->codecs[i].name;
	return NULL;
}

/* prefer with the stage full: the caller's codecs first, so that a browser
 * taking them is forwarded rather than refused at its answer */
static bool stage_has_room(void)
{
	struct tz_calls_svc_stats ss;

	tz_calls_svc_stats(&ss);
	return ss.in_stage < ss.max_calls;
}

static bool has(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n && list[i] != NULL; i++)
		if (strcasecmp(list[i], name) == 0)
			return true;
	return false;
}

static void add(const char **out, size_t n, size_t *k, const char *name)
{
	if (*k + 1 < n && !has(out, *k, name))
		out[(*k)++] = name;
}

void tz_call_xcode_web_offer(struct call *c, const char *const *sip, const char **out, size_t n)
{
	const char *const *web = tz_call_xcode_web_codecs();
	enum tz_cfg_transcode m = tz_call_xcode_mode(c);
	bool can = false;               /* the stage could take one of the caller's */
	size_t k = 0;

	if (n == 0)
		return;
	for (size_t i = 0; m != TZ_XCODE_OFF && tz_svc_n_cores() > 0 && sip[i] != NULL; i++)
		can |= tz_media_codec_parse(sip[i]) >= 0;
	if (can && m == TZ_XCODE_PREFER && stage_has_room())
		for (size_t i = 0; web[i] != NULL; i++)
			add(out, n, &k, web[i]);        /* the browser's own first */
	for (size_t i = 0; sip[i] != NULL; i++)
		add(out, n, &k, sip[i]);
	for (size_t i = 0; can && web[i] != NULL; i++)
		add(out, n, &k, web[i]);                /* it may pick none of the caller's */
	out[k] = NULL;
}

int tz_call_xcode_inbound(struct call *c, char *err, size_t errlen)
{
	enum tz_cfg_transcode m = tz_call_xcode_mode(c);
	const char *web, *sip = sip_codec(&c->sip.neg);
	bool common = false;

	if (!c->inbound || c->web.neg.n_codecs == 0 || m == TZ_XCODE_OFF || sip == NULL)
		return 0;
	web = c->web.neg.codecs[0].name;        /* what the browser will send */
	for (unsigned i = 0; i < c->sip.neg.n_codecs; i++)
		common |= strcasecmp(c->sip.neg.codecs[i].name, web) == 0;
	/* prefer: unless the browser took the caller's codec anyway (a
	 * transcoder from a codec to itself would only cost) */
	if (common && (m != TZ_XCODE_PREFER || strcasecmp(web, sip) == 0))
		return 0;
	if (tz_media_codec_parse(web) < 0) {
		snprintf(err, errlen, "the browser answered %s, which the media-services stage "
			 "cannot transcode", web);
		return -EPROTO;
	}
	TZ_LOG(CP_SESSION, INFO, "incoming call %u: the browser sends %s, the caller %s: "
	       "transcoded (%s)", c->id, web, sip, common ? "prefer" : "no common codec");
	return tz_call_xcode_admit(c, err, errlen);
}

void tz_call_xcode_sip_names(const struct call *c, const char **names, size_t n)
{
	if (n >= 2 && c->inbound && c->xc.on) {
		names[0] = sip_codec(&c->sip.neg);      /* the caller's own, one */
		names[1] = NULL;
		return;
	}
	tz_sdp_neg_names(&c->web.neg, names, n);
}
