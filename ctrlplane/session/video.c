/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call's video (docs/video.md): the browser's BUNDLEd video answered
 * with the one codec the trunk is offered, the SIP side's video port pair,
 * its answer read, and the dataplane flows: the browser's video a BUNDLE
 * sub-flow of its audio's 5-tuple (tz_dp_bundle), the SIP side's video
 * RTP and RTCP ports flows of their own towards the browser under our
 * video SSRC.  Calls to trunks without `video` stay audio only.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "calls_pvt.h"
#include "tz_log.h"

static bool trunk_video(const struct call *c)
{
	const struct tz_cfg_trunk *t = c->sip.trunk;

	/* hairpins stay audio only; SDES trunks: video_sdes.c (docs/video.md) */
	return t != NULL && t->video != NULL && t->video[0] != NULL && !c->inbound;
}

/* One codec for the call, as for audio: the browser sends the first codec
 * of our answer, so the SIP side is offered exactly that one and the legs
 * cannot end up on different codecs.  The first of the trunk's list the
 * browser offered; for H.264 packetization-mode 1 and constrained baseline
 * (42e0) first, what SIP video phones decode. */
static void pick_one(struct tz_sdp_video_neg *v)
{
	unsigned best = 0;

	for (unsigned i = 0; i < v->n_codecs; i++) {
		const struct tz_sdp_vcodec *x = &v->codecs[i], *b = &v->codecs[best];

		if (strcmp(x->name, v->codecs[0].name) != 0 || strcmp(x->name, "H264") != 0)
			continue;
		if ((x->packetization_mode == 1 && b->packetization_mode != 1) ||
		    (x->packetization_mode == b->packetization_mode &&
		     (x->profile_level_id >> 8) == 0x42e0 && (b->profile_level_id >> 8) != 0x42e0))
			best = i;
	}
	v->codecs[0] = v->codecs[best];
	v->n_codecs = 1;
	v->fb = v->codecs[0].fb;
}

static void local_video(const struct call *c, struct tz_sdp_video_local *l)
{
	const struct tz_cfg_trunk *t = c->sip.trunk;

	*l = (struct tz_sdp_video_local){
		.codecs = (const char *const *)t->video, .sip_port = c->video.core_port,
		.avpf = t->video_profile == TZ_VIDEO_AVPF,
		.fb_in_avp = t->video_profile == TZ_VIDEO_AVP_FB,
		.ssrc = c->video.ssrc, .cname = "trapeze",
	};
}

int tz_video_web_answer(struct call *c, struct tz_sdp *answer)
{
	struct tz_sdp_video_local l;
	int rc;

	c->video.on = false;
	if (!trunk_video(c) || c->web.neg.mid == NULL)
		return 0;
	c->video.ssrc = g_random_int() | 1;
	if (c->video.ssrc == c->web.ssrc)
		c->video.ssrc ^= 2;
	local_video(c, &l);
	if (tz_sdp_video_read_web(c->web.offer, c->web.neg.mid, &l, &c->video.web) != 0)
		return 0;               /* no bundled video we carry: rejected, audio goes on */
	pick_one(&c->video.web);
	rc = tz_sdp_video_answer_webrtc(answer, c->web.offer, &c->video.web, NULL, &l);
	if (rc == -ENOENT)
		return 0;
	if (rc != 0)
		return rc;
	c->video.on = true;
	TZ_LOG(CP_SESSION, INFO, "call %u: video %s/%u accepted from the browser", c->id,
	       c->video.web.codecs[0].name, c->video.web.codecs[0].pt);
	return 0;
}

/* An even RTP port and the RTCP port above it for the video, held like the
 * audio's (tz_media_core_ports). */
static int core_ports(struct call *c)
{
	unsigned start = (unsigned)g_random_int_range(0, 65536);
	int rc;

	if (c->video.held)
		return 0;
	rc = tz_media_bind_core_pair(tz_media_addr_v4(TZ_ROLE_CORE, c->media.core_addr), &start,
				     c->video.core_fd, &c->video.core_port);
	if (rc == 0)
		c->video.held = true;
	return rc;
}

int tz_video_hold_ports(struct call *c)
{
	return core_ports(c);
}

int tz_video_sip_offer(struct call *c, struct tz_sdp *offer)
{
	struct tz_sdp_video_local l;
	int rc;

	if (!c->video.on)
		return 0;
	rc = core_ports(c);
	if (rc != 0) {
		/* no port pair: the SIP side gets no video, the browser's is dropped */
		TZ_LOG(CP_SESSION, NOTICE, "call %u: no free core port pair for video", c->id);
		return 0;
	}
	local_video(c, &l);
	rc = tz_sdp_video_offer_sip(offer, &c->video.web, &l);
	return rc == 0 ? tz_video_sdes_offer(c, offer) : rc;   /* SDES trunk: its keys */
}

void tz_video_read_peer(struct call *c, const struct tz_sdp *sdp)
{
	struct tz_sdp_video_neg s;
	struct tz_cfg_addr a = { 0 };
	char err[128];

	if (!c->video.on || !c->video.held)
		return;
	if (tz_sdp_video_read_sip(sdp, &c->video.web, &s, err, sizeof(err)) != 0 || !s.on ||
	    inet_pton(s.family, s.addr, &a.v4) != 1 || tz_video_sdes_read(c, sdp, s.media) != 0) {
		if (c->video.sip.on)
			TZ_LOG(CP_SESSION, INFO, "call %u: the SIP side stopped its video", c->id);
		c->video.sip.on = false;
		c->video.sip_known = true;
		return;
	}
	a.family = s.family;
	if (strcmp(s.addr, "0.0.0.0") != 0 && strcmp(s.addr, "::") != 0)
		c->video.peer = a;
	else if (c->video.peer.family == 0)
		c->video.peer = c->sip.peer.addr;
	c->video.peer_port = s.port;
	c->video.peer_rtcp_port = s.rtcp_port;
	s.mid = s.addr = NULL;          /* they point into @p sdp */
	for (unsigned i = 0; i < s.n_codecs; i++)
		s.codecs[i].fmtp = NULL;
	if (!c->video.sip_known || !c->video.sip.on)
		TZ_LOG(CP_SESSION, INFO, "call %u: the SIP side sends video %s/%u (feedback:%s%s%s)",
		       c->id, s.codecs[0].name, s.codecs[0].pt, s.fb & TZ_SDP_FB_NACK ? " nack" : "",
		       s.fb & TZ_SDP_FB_PLI ? " pli" : "", s.fb & TZ_SDP_FB_FIR ? " fir" : "");
	c->video.sip = s;
	c->video.sip_known = true;
}

/* Key frame requests for a SIP side without RTCP feedback: the dataplane
 * holds the browser's PLI and FIR (kf_requests of the video sub-flow); one
 * SIP INFO picture_fast_update (RFC 5168) goes for new ones at most every
 * KF_MIN_MS (the browser repeats its request until a key frame comes). */
#define KF_POLL_MS 100
#define KF_MIN_MS 500

static gboolean kf_poll(gpointer p)
{
	struct call *c = p;
	const struct tz_dp_flow_state *st;
	int64_t now = g_get_monotonic_time();

	if (c->state == CALL_ENDED || !(c->video.pub & 1u) || c->sip.leg == NULL) {
		c->video.kf_timer = 0;
		return G_SOURCE_REMOVE;
	}
	st = tz_dp_flow_state(tz_calls_env.sessions, (uint32_t)c->video.slots[0]);
	if (st->kf_requests == c->video.kf_seen || now - c->video.kf_last < KF_MIN_MS * 1000)
		return G_SOURCE_CONTINUE;
	c->video.kf_seen = st->kf_requests;
	if (tz_sip_leg_info_fast_update(c->sip.leg) == 0) {
		c->video.kf_last = now;
		tz_calls_ctr[TZ_CC_VIDEO_FAST_UPDATE]++;
		TZ_LOG(CP_SESSION, DEBUG, "call %u: key frame request -> SIP INFO picture_fast_update",
		       c->id);
	}
	return G_SOURCE_CONTINUE;
}

/* Publish (or replace, keeping the SRTP stream state) video flow @p i. */
static int put(struct call *c, unsigned i, const struct tz_dp_flow_key *k, const struct tz_dp_flow *f)
{
	struct tz_dp_sessions *s = tz_calls_env.sessions;
	int rc = c->video.pub & (1u << i) ? tz_dp_flow_replace(s, &c->video.keys[i], k, f)
					  : tz_dp_flow_add(s, k, f);

	if (rc < 0)
		return rc;
	c->video.keys[i] = *k;
	c->video.slots[i] = rc;
	c->video.pub |= 1u << i;
	return 0;
}

/*
 * The browser's video sub-flow, published or replaced.  The published
 * parent (the audio flow) points at the old entry; a replaced entry is
 * freed after a grace period that may end before the parent is replaced
 * too, while a worker could still find the old parent.  So an unchanged
 * sub-flow is kept as it is, and a changed one is replaced only after the
 * parent was re-published without it (its video dropped, counted, for the
 * moment until the caller publishes the parent with the new one).
 */
static int sub_put(struct call *c, const struct tz_dp_flow_key *k, const struct tz_dp_flow *f)
{
	struct tz_dp_sessions *s = tz_calls_env.sessions;
	const struct tz_dp_flow *old = c->video.pub & 1u ? tz_dp_flow_find(s, &c->video.keys[0])
							  : NULL;
	const struct tz_dp_flow *parent = c->media.n_flows > 0 ? tz_dp_flow_find(s, &c->media.keys[0])
							       : NULL;
	struct tz_dp_flow cur, tmp;

	if (old != NULL && memcmp(k, &c->video.keys[0], sizeof(*k)) == 0) {
		cur = *f;
		cur.slot = old->slot;
		if (memcmp(&cur, old, sizeof(cur)) == 0)
			return 0;               /* unchanged: the parent's pointer stays good */
	}
	if (old != NULL && parent != NULL && parent->bundle.n > 0) {
		int rc;

		tmp = *parent;
		for (unsigned i = 0; i < tmp.bundle.n; i++)
			tmp.bundle.sub[i].flow = NULL;
		rc = tz_dp_flow_replace(s, &c->media.keys[0], &c->media.keys[0], &tmp);
		if (rc < 0)
			return rc;
	}
	return put(c, 0, k, f);
}

static void pt_maps(const struct call *c, struct tz_dp_pt_rewrite *to_sip,
		    struct tz_dp_pt_rewrite *to_web, struct tz_dp_bundle_sub *sub)
{
	memset(to_sip, 0, sizeof(*to_sip));
	memset(to_web, 0, sizeof(*to_web));
	for (unsigned i = 0; i < c->video.web.n_codecs; i++)
		tz_dp_bundle_pt_add(sub, c->video.web.codecs[i].pt);
	for (unsigned i = 0; i < c->video.sip.n_codecs && to_sip->n < TZ_DP_PT_REWRITE_MAX; i++) {
		const struct tz_sdp_vcodec *v = &c->video.sip.codecs[i];

		if (v->pt == v->web_pt)
			continue;
		to_sip->from[to_sip->n] = v->web_pt;
		to_sip->to[to_sip->n++] = v->pt;
		to_web->from[to_web->n] = v->pt;
		to_web->to[to_web->n++] = v->web_pt;
	}
}

/* The MIDs of the browser's audio and video and the id of the MID header
 * extension (RFC 8843 §15), when negotiated: the dataplane finds a video
 * stream whose SSRC it has not learned yet by the MID it carries. */
static void bundle_mids(const struct call *c, struct tz_dp_bundle *bundle)
{
	if (c->web.neg.mid_ext == 0 || c->web.neg.mid_ext > 255)
		return;
	bundle->mid_ext = (uint8_t)c->web.neg.mid_ext;
	tz_dp_bundle_mid_set(bundle->mid, &bundle->mid_len, c->web.neg.mid);
	tz_dp_bundle_mid_set(bundle->sub[0].mid, &bundle->sub[0].mid_len, c->video.web.mid);
}

/*
 * The video flows of a bridged call, before its audio flows (which carry
 * @p bundle, pointing at the browser's video sub-flow): [1] the SIP side's
 * video RTP -> SRTP to @p to_web under our video SSRC, [2] its RTCP port,
 * [0] the browser's video (@p web_tmpl with the SIP video egress) under the
 * shadow key of @p web_key.  SIP side without video: no flows, the
 * browser's video dropped (a bundle entry without a flow).
 */
int tz_video_publish(struct call *c, const struct tz_dp_flow_key *web_key,
		     const struct tz_dp_egress *to_web, const struct tz_dp_flow *web_tmpl,
		     struct tz_dp_bundle *bundle)
{
	struct tz_dp_bundle_sub *sub = &bundle->sub[0];
	struct tz_dp_flow f_in = *web_tmpl, f_out = { .id = c->id, .xform = TZ_XF_PROTECT };
	struct tz_dp_flow_key k_sub, k_out;
	int rc;

	memset(bundle, 0, sizeof(*bundle));
	if (!c->video.on)
		return 0;
	bundle->n = 1;
	sub->ssrc = c->video.web.ssrc;
	bundle_mids(c, bundle);
	memset(&f_in.bundle, 0, sizeof(f_in.bundle));
	f_in.rec = 0;                   /* recordings are of the audio (docs/recording.md) */
	f_in.rec_dir = 0;
	f_in.svc = 0;                   /* generated DTMF goes with the audio's stream */
	f_in.svc_core = 0;
	memset(&f_in.svc_key, 0, sizeof(f_in.svc_key));
	pt_maps(c, &f_in.pt, &f_out.pt, sub);
	if (!c->video.sip_known || !c->video.sip.on || c->video.peer_port == 0) {
		/* the new parent drops the browser's video; the old video flows
		 * go once it is published (tz_video_published) */
		c->video.stale = c->video.pub != 0;
		return 0;
	}
	rc = tz_media_peer_path(&c->video.peer, c->video.core_port, c->video.peer_port,
			       c->video.peer_rtcp_port, &k_out, &f_in.out);
	if (rc != 0)
		return rc;
	tz_media_addr_apply(TZ_ROLE_CORE, c->media.core_addr, &k_out, &f_in.out);
	f_out.out = *to_web;
	f_out.srtp = f_out.srtcp = c->web.ctx_out;
	f_out.ssrc_out = c->video.ssrc;
	rc = tz_video_sdes_flows(c, &f_in, &f_out);     /* SDES trunk: re-keyed both ways */
	if (rc == 0)
		rc = put(c, 1, &k_out, &f_out);
	if (rc == 0 && c->video.peer_rtcp_port == c->video.peer_port && (c->video.pub & 4u)) {
		tz_dp_flow_del(tz_calls_env.sessions, &c->video.keys[2]);  /* nothing points at it */
		c->video.pub &= ~4u;
	}
	if (rc == 0 && c->video.peer_rtcp_port != c->video.peer_port) {
		struct tz_dp_flow_key k_rtcp = k_out;

		k_rtcp.local_port = (uint16_t)(c->video.core_port + 1);
		k_rtcp.remote_port = c->video.peer_rtcp_port;
		f_out.is_rtcp_port = 1;
		rc = put(c, 2, &k_rtcp, &f_out);
	}
	if (rc != 0)
		return rc;
	f_in.fb_from = c->video.ssrc;
	f_in.fb_peer_slot = (uint32_t)c->video.slots[1] + 1;
	f_in.fb_pli_to_fir = (c->video.sip.fb & TZ_SDP_FB_FIR) && !(c->video.sip.fb & TZ_SDP_FB_PLI);
	f_in.fb_kf_to_cp = !(c->video.sip.fb & (TZ_SDP_FB_FIR | TZ_SDP_FB_PLI));
	if (f_in.fb_kf_to_cp && c->video.kf_timer == 0)
		c->video.kf_timer = g_timeout_add(KF_POLL_MS, kf_poll, c);
	tz_dp_bundle_key(web_key, 0, &k_sub);
	rc = sub_put(c, &k_sub, &f_in);
	if (rc != 0)
		return rc;
	sub->flow = tz_dp_flow_find(tz_calls_env.sessions, &k_sub);
	return sub->flow != NULL ? 0 : -ENOENT;
}

/* A call whose flows carry no video (a media hairpin: each browser's flow
 * goes to the other browser's audio): the browser's video dropped, counted,
 * instead of riding the audio flow's SSRC and sequence space. */
void tz_video_drop_bundle(const struct call *c, struct tz_dp_bundle *bundle)
{
	memset(bundle, 0, sizeof(*bundle));
	if (!c->video.on)
		return;
	bundle->n = 1;
	bundle->sub[0].ssrc = c->video.web.ssrc;
	bundle_mids(c, bundle);
	for (unsigned i = 0; i < c->video.web.n_codecs; i++)
		tz_dp_bundle_pt_add(&bundle->sub[0], c->video.web.codecs[i].pt);
}

/* The audio flows are published: video flows no parent points at any more
 * can go (in this order: a worker may follow the old parent's pointer
 * until the new parent replaced it). */
void tz_video_published(struct call *c)
{
	if (c->video.stale)
		tz_video_unpublish(c);
	c->video.stale = false;
	tz_video_sdes_published(c);     /* replaced SDES contexts: after the grace period */
}

void tz_video_unpublish(struct call *c)
{
	for (unsigned i = 0; i < 3; i++) {
		const struct tz_dp_flow_state *st;

		if (!(c->video.pub & (1u << i)))
			continue;
		st = tz_dp_flow_state(tz_calls_env.sessions, (uint32_t)c->video.slots[i]);
		c->video.pkts_before += st->cnt[TZ_FC_PKTS];
		tz_dp_flow_del(tz_calls_env.sessions, &c->video.keys[i]);
	}
	c->video.pub = 0;
}

void tz_video_free(struct call *c)
{
	if (c->video.kf_timer != 0)
		g_source_remove(c->video.kf_timer);
	c->video.kf_timer = 0;
	for (int i = 0; c->video.held && i < 2; i++)
		close(c->video.core_fd[i]);
	c->video.held = false;
}

unsigned tz_video_flows_needed(const struct call *c)
{
	return c->video.on ? 3 : 0;
}

uint64_t tz_video_packets(const struct call *c)
{
	uint64_t n = c->video.pkts_before;

	for (unsigned i = 0; i < 3; i++)
		if (c->video.pub & (1u << i))
			n += tz_dp_flow_state(tz_calls_env.sessions,
					      (uint32_t)c->video.slots[i])->cnt[TZ_FC_PKTS];
	return n;
}
