/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transcoded calls (issue 14 item 2; docs/media-services.md "Transcoding"):
 * whether a call to a trunk is transcoded (its mode from the trunk's,
 * tenant's or gateway's `transcode:`, decided once; the codecs the browser
 * offered; inbound calls: xcode_in.c), its admission into the media-services
 * stage at set-up (refused when the stage is off or full: the browser gets
 * media-services-unavailable, a SIP-over-WebSocket phone a 488), and the
 * transcoders the stage keeps for it: made when its media is published,
 * keys updated at each re-publication, freed at its end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"
#include "tz_svc.h"
#include "tz_svc_xcode.h"

static struct tz_calls_xcode_stats st;

void tz_calls_xcode_stats(struct tz_calls_xcode_stats *out)
{
	*out = st;
}

/* Decided once, from the config the call started under: a reload during
 * its set-up does not change its mind (docs/media-services.md). */
enum tz_cfg_transcode tz_call_xcode_mode(struct call *c)
{
	if (!c->xc.decided) {
		c->xc.mode = tz_cfg_transcode_of(tz_calls_env.cfg, c->tenant, c->sip.trunk);
		c->xc.decided = true;
	}
	return c->xc.mode;
}

bool tz_call_xcode_wanted(struct call *c, bool common_codec)
{
	enum tz_cfg_transcode m;

	if (c->sip.trunk == NULL || c->inbound)
		return false;
	m = tz_call_xcode_mode(c);
	return m != TZ_XCODE_OFF && (!common_codec || m == TZ_XCODE_PREFER);
}

const char *const *tz_call_xcode_web_codecs(void)
{
	/* what the browser keeps: Opus first, the others it may have offered alone */
	static const char *const web[] = { "opus", "G722", "PCMU", "PCMA", NULL };

	return web;
}

int tz_call_xcode_admit(struct call *c, char *err, size_t errlen)
{
	const char *trunk = c->sip.trunk != NULL ? c->sip.trunk->name : "(none)";
	int rc = tz_call_svc_admit(c);

	if (rc == -ENODEV) {
		st.refused_off++;
		snprintf(err, errlen, "the browser and trunk %s share no codec and transcoding needs "
			 "the media-services stage, which is off (media_services.cores)", trunk);
		return rc;
	}
	if (rc != 0) {
		st.refused_full++;
		snprintf(err, errlen, "the browser and trunk %s share no codec and the "
			 "media-services stage is full (media_services.max_calls): try again later",
			 trunk);
		return rc;
	}
	c->xc.on = true;
	st.calls++;
	return 0;
}

/* One leg's side of a transcoder: its first codec, PT, clock, event PT. */
static int leg_of(const struct tz_sdp_neg *n, struct tz_media_leg *l)
{
	int codec;

	if (n->n_codecs == 0 || (codec = tz_media_codec_parse(n->codecs[0].name)) < 0)
		return -EPROTO;
	*l = (struct tz_media_leg){
		.codec = (enum tz_media_codec)codec, .pt = n->codecs[0].pt,
		.clock = n->codecs[0].clock,
		.event_pt = n->te_pt >= 0 ? (int16_t)n->te_pt : TZ_MEDIA_NO_PT,
		.ptime = 20,
	};
	return 0;
}

static int make_cmd(const struct call *c, const struct tz_dp_flow_key *k,
		    struct tz_svc_xcode_cmd *cmd)
{
	struct tz_media_leg web, sip;

	if (leg_of(&c->web.neg, &web) != 0 || leg_of(&c->sip.neg, &sip) != 0)
		return -EPROTO;
	if (c->sip.trunk != NULL && c->sip.trunk->dtmf == TZ_DTMF_INFO)
		sip.event_pt = TZ_MEDIA_NO_PT;
	memset(cmd, 0, sizeof(*cmd));
	cmd->call = c->id;
	cmd->op = TZ_SVC_XCODE_CREATE;
	cmd->key[0] = k[0];
	cmd->key[1] = k[1];
	cmd->cfg[0] = (struct tz_media_xcode_cfg){ .in = web, .out = sip,
						   .first_seq = (uint16_t)g_random_int(),
						   .first_ts = g_random_int() };
	/* towards the browser: in-band FEC, mobile networks lose packets */
	cmd->cfg[1] = (struct tz_media_xcode_cfg){ .in = sip, .out = web, .opus.fec = true,
						   .first_seq = (uint16_t)g_random_int(),
						   .first_ts = g_random_int() };
	return 0;
}

void tz_call_xcode_flows(struct call *c, struct tz_dp_flow *f, const struct tz_dp_flow_key *k)
{
	struct tz_svc_xcode_cmd cmd;
	int rc;

	if (!c->xc.on)
		return;
	for (int i = 0; i < 2; i++) {
		f[i].svc = TZ_SVC_DIVERT;     /* both ways through the stage */
		f[i].svc_core = c->svc.core;
		f[i].svc_key = k[i];
	}
	rc = make_cmd(c, k, &cmd);
	if (rc == 0)
		rc = tz_svc_xcode_post(c->svc.core, &cmd);
	if (rc != 0) {
		st.post_failed++;
		TZ_LOG(CP_SESSION, WARNING, "call %u: transcoders not requested: %s", c->id,
		       rc == -ENOBUFS ? "the stage's command ring is full" : "codec unknown");
		return;
	}
	if (!c->xc.posted)
		TZ_LOG(CP_SESSION, INFO, "call %u: transcoding %s/%u <-> %s/%u on stage core %u",
		       c->id, c->web.neg.codecs[0].name, c->web.neg.codecs[0].clock,
		       c->sip.neg.codecs[0].name, c->sip.neg.codecs[0].clock, c->svc.core);
	c->xc.posted = true;
}

void tz_call_xcode_end(struct call *c)
{
	struct tz_svc_xcode_cmd cmd = { .call = c->id, .op = TZ_SVC_XCODE_DESTROY };

	if (c->xc.posted && tz_svc_xcode_post(c->svc.core, &cmd) != 0)
		st.post_failed++;       /* freed at the stage's stop */
	c->xc.posted = false;
	c->xc.on = false;
}
