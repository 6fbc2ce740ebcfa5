/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call and the media-services stage (dataplane/api/tz_svc.h): admission
 * (at most media_services.max_calls calls in the stage at once; the one
 * over is refused, the others never degraded) and generated DTMF: a `dtmf`
 * message on a call whose legs negotiated telephone-event becomes RFC 4733
 * events the stage makes and the call's worker sends on the SIP leg, in
 * the browser's stream (its SSRC, timeline and sequence space).
 */
#include <errno.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"
#include "tz_svc.h"

#define DTMF_GAP_MS 80          /* between two generated digits */
#define DTMF_PTIME_MS 50        /* one event packet every 50 ms (RFC 4733 section 2.5.1.2) */

static struct tz_calls_svc_stats st;

void tz_calls_svc_stats(struct tz_calls_svc_stats *out)
{
	*out = st;
	out->max_calls = tz_calls_env.cfg->media_services.max_calls;
	out->cores = tz_svc_n_cores();
	tz_announce_stats(&out->announcements, &out->moh_started, &out->play_skipped);
	tz_announce_clip_stats(&out->plays_pre_encoded, &out->plays_live, &out->clips,
			       &out->clip_bytes);
	tz_announce_sipws_stats(&out->announcements_sipws, &out->sipws_media_timeouts);
}

int tz_call_svc_admit(struct call *c)
{
	static unsigned next_core;

	if (c->svc.on)
		return 0;
	if (tz_svc_n_cores() == 0) {
		st.refused_off++;
		return -ENODEV;
	}
	if (st.in_stage >= tz_calls_env.cfg->media_services.max_calls) {
		st.refused_full++;
		return -EBUSY;
	}
	c->svc.on = true;
	c->svc.core = (uint8_t)(next_core++ % tz_svc_n_cores());
	st.in_stage++;
	st.admitted++;
	TZ_LOG(CP_SESSION, INFO, "call %u: in the media-services stage (core %u, %u of %u calls)",
	       c->id, c->svc.core, st.in_stage, tz_calls_env.cfg->media_services.max_calls);
	return 0;
}

void tz_call_svc_release(struct call *c)
{
	if (!c->svc.on)
		return;
	/* digits still queued for the stream: dropped (its flow is unpublished) */
	if (c->svc.dtmf_sent)
		tz_svc_dtmf_cancel(c->svc.core, &c->media.keys[0]);
	c->svc.on = false;
	c->svc.dtmf_sent = false;
	st.in_stage--;
}

void tz_call_svc_flow(const struct call *c, struct tz_dp_flow *f, const struct tz_dp_flow_key *k)
{
	if (!c->svc.on)
		return;
	f->svc = TZ_SVC_DTMF;
	f->svc_core = c->svc.core;
	f->svc_key = *k;
}

/* The SIP side's telephone-event clock (RFC 4733 section 2.1: the audio's). */
static uint32_t te_clock(const struct call *c)
{
	for (unsigned i = 0; i < c->sip.neg.n_codecs; i++)
		if (c->sip.neg.codecs[i].pt == c->sip.neg.te_pt)
			return c->sip.neg.codecs[i].clock;
	return 8000;
}

bool tz_call_svc_dtmf(struct call *c, const char *digits, unsigned ms, enum tz_jsep_err *err,
		      const char **why)
{
	struct tz_svc_dtmf_cmd cmd = {
		.clock = te_clock(c), .gap_ms = DTMF_GAP_MS, .ptime_ms = DTMF_PTIME_MS,
		.pt = (uint8_t)c->sip.neg.te_pt,
		.duration_ms = (uint16_t)(ms < 40 ? 40 : ms > 6000 ? 6000 : ms),
	};
	size_t n = strlen(digits);
	int rc;

	*err = TZ_JSEP_ERR_MEDIA_SERVICES;
	if (c->xc.on) {                 /* its stream is the transcoder's (xcode.c) */
		st.dtmf_refused++;
		*why = "generated DTMF is not available on a transcoded call: send it with "
		       "RTCDTMFSender (its events are transcoded with the audio)";
		return false;
	}
	if (c->media.hairpin != NULL || c->media.n_flows == 0) {
		st.dtmf_refused++;
		*why = c->media.hairpin != NULL
			       ? "generated DTMF is not available on a call whose far end is another "
				 "browser of this gateway: send it with RTCDTMFSender"
			       : "generated DTMF needs the call's media to the SIP side, not flowing yet";
		return false;
	}
	rc = tz_call_svc_admit(c);
	if (rc != 0) {
		st.dtmf_refused++;
		*why = rc == -ENODEV ? "generated DTMF needs the media-services stage, which is off "
				       "(media_services.cores in the gateway's config)"
				     : "the media-services stage is full (media_services.max_calls): "
				       "try again later";
		return false;
	}
	if (c->media.slots[0] < 0 || tz_media_republish(c) != 0) {
		st.dtmf_refused++;
		*err = TZ_JSEP_ERR_INTERNAL;
		*why = "the call's media could not be re-published";
		return false;
	}
	cmd.key = c->media.keys[0];
	cmd.slot = (uint32_t)c->media.slots[0];
	cmd.n = (uint8_t)(n > TZ_SVC_DTMF_MAX ? TZ_SVC_DTMF_MAX : n);
	memcpy(cmd.digits, digits, cmd.n);
	rc = tz_svc_dtmf_post(c->svc.core, &cmd);
	if (rc != 0) {
		st.dtmf_refused++;
		*err = rc == -ENOBUFS ? TZ_JSEP_ERR_RATE_LIMITED : TZ_JSEP_ERR_BAD_MESSAGE;
		*why = rc == -ENOBUFS ? "too many DTMF strings queued in the media-services stage"
				      : "these digits cannot be sent as RFC 4733 events";
		return false;
	}
	st.dtmf_strings++;
	c->svc.dtmf_sent = true;
	TZ_LOG(CP_SESSION, INFO, "call %u: DTMF %.*s -> RFC 4733 (PT %u, %u Hz) by the stage",
	       c->id, (int)cmd.n, cmd.digits, cmd.pt, cmd.clock);
	return true;
}
