/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call's media in the dataplane: SRTP contexts from the DTLS keys, flows
 * published into the session table, their re-publication (hold, resume,
 * re-INVITE, latching: the same keys, so the SRTP stream state must carry
 * over), SRTP authentication failures reported, and their retirement
 * (flows first, then the contexts once no worker can still see them).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>

#include "calls_pvt.h"
#include "tz_rec_tap.h"
#include "tz_log.h"
#include "tz_svc.h"

/* Key and egress towards the browser from the nominated ICE pair. */
static int browser_path(struct call *c, struct tz_dp_flow_key *k, struct tz_dp_egress *e)
{
	const struct tz_cfg_port *p = tz_calls_env.access->cfg;
	struct sockaddr_storage peer;
	struct tz_cfg_addr dst = { 0 };
	uint16_t rport;
	int rc;

	if (tz_ice_selected_remote(c->web.ice, &peer) != 0)
		return -ENOTCONN;
	memset(k, 0, sizeof(*k));
	memset(e, 0, sizeof(*e));
	if (peer.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&peer;

		k->remote[10] = k->remote[11] = 0xff;
		memcpy(&k->remote[12], &s4->sin_addr, 4);
		memcpy(e->dst, &s4->sin_addr, 4);
		memcpy(e->src, &p->ipv4.addr.v4, 4);
		dst.family = AF_INET;
		dst.v4 = s4->sin_addr;
		rport = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&peer;

		memcpy(k->remote, &s6->sin6_addr, 16);
		memcpy(e->dst, &s6->sin6_addr, 16);
		memcpy(e->src, &p->ipv6.addr.v6, 16);
		dst.family = AF_INET6;
		dst.v6 = s6->sin6_addr;
		rport = ntohs(s6->sin6_port);
	}
	k->remote_port = rport;
	k->local_port = tz_ice_local_port(c->web.ice);
	k->port_idx = tz_calls_env.access_idx;
	e->port_idx = tz_calls_env.access_idx;
	e->family = (uint8_t)dst.family;
	e->src_mac = tz_calls_env.access->mac;
	e->src_port = k->local_port;
	e->dst_port = e->dst_rtcp_port = rport;
	rc = tz_port_next_hop(tz_calls_env.access, &dst, &e->dst_mac);
	tz_media_addr_apply(TZ_ROLE_ACCESS, c->web.addr, k, e);
	return rc;
}

static int make_contexts(struct call *c)
{
	struct tz_dtls_keys local, remote;
	int rc;

	if (c->web.ctx_in != NULL)
		return 0;
	rc = tz_dtls_srtp_keys(c->web.dtls, &c->web.suite, &local, &remote);
	if (rc != 0)
		return rc;
	c->web.ctx_in = tz_srtp_ctx_create(tz_calls_env.srtp, c->web.suite, TZ_SRTP_DIR_UNPROTECT, remote.key,
				       remote.key_len, remote.salt, remote.salt_len);
	c->web.ctx_out = tz_srtp_ctx_create(tz_calls_env.srtp, c->web.suite, TZ_SRTP_DIR_PROTECT, local.key,
					local.key_len, local.salt, local.salt_len);
	tz_dtls_keys_wipe(&local);
	tz_dtls_keys_wipe(&remote);
	return c->web.ctx_in != NULL && c->web.ctx_out != NULL ? 0 : -ENOMEM;
}

/*
 * Publish the call's flows, @p n of them, by role (0 browser, 1 SIP RTP,
 * 2 SIP RTCP port).  A role published before is replaced in place, make
 * before break, with its SRTP stream state (ROC, replay window) carried
 * over: the contexts are the same, so a fresh state would reuse keystream
 * and, past a sequence wrap, fail every packet's authentication.  Roles no
 * longer needed (the peer now muxes RTCP) are removed.
 */
/* Flow @p i of @p c is about to be unpublished: keep its counts for
 * `show calls` and, by direction, for the call's detail record. */
static void keep_counts(struct call *c, unsigned i)
{
	const struct tz_dp_flow_state *st = tz_dp_flow_state(tz_calls_env.sessions,
							     (uint32_t)c->media.slots[i]);
	unsigned d = c->media.keys[i].port_idx == tz_calls_env.access_idx ? 0 : 1;

	c->media.pkts_before += st->cnt[TZ_FC_PKTS];
	c->media.dir_before[d] += st->cnt[TZ_FC_PKTS];
	for (int k = TZ_FC_AUTH_FAIL; k < TZ_FC_COUNT; k++)
		c->media.drops_before[d] += st->cnt[k];
	tz_media_loss_keep(c, i);
}

static int publish(struct call *c, const struct tz_dp_flow_key *k, const struct tz_dp_flow *f,
		   unsigned n)
{
	struct tz_dp_sessions *s = tz_calls_env.sessions;
	unsigned had = c->media.n_flows;

	for (unsigned i = 0; i < n; i++) {
		struct tz_dp_flow fi = f[i];
		int rc;

		tz_consent_flow(c, &k[i], &fi);
		rc = i < had ? tz_dp_flow_replace(s, &c->media.keys[i], &k[i], &fi)
			     : tz_dp_flow_add(s, &k[i], &fi);

		if (rc < 0)
			return rc;
		c->media.keys[i] = k[i];
		c->media.slots[i] = rc;
		if (i >= c->media.n_flows)
			c->media.n_flows = i + 1;
	}
	for (unsigned i = n; i < had; i++) {
		keep_counts(c, i);
		tz_dp_flow_del(s, &c->media.keys[i]);
	}
	c->media.n_flows = n;
	return 0;
}

int tz_media_publish_echo(struct call *c)
{
	struct tz_dp_flow f = { .id = c->id, .xform = TZ_XF_ECHO };
	struct tz_dp_flow_key k;
	int rc = make_contexts(c);

	if (rc != 0)
		return rc;
	rc = browser_path(c, &k, &f.out);
	if (rc != 0)
		return rc;
	f.srtp = f.srtcp = c->web.ctx_in;
	f.srtp_out = c->web.ctx_out;
	f.ssrc_out = c->web.ssrc;
	return publish(c, &k, &f, 1);
}

const char *tz_media_error(int rc)
{
	return rc == -EAGAIN ? "media peer address did not resolve"
	       : rc == -EXDEV ? "the far end's media address is the gateway's own, but no call "
				"of this gateway holds that port (or it is bridged already)"
	       : rc == -EREMCHG ? "the far end of a media hairpin moved its media elsewhere: "
				  "not supported"
	       : g_strerror(-rc);
}

/* Is @p a one of our own core media addresses (the far end is another
 * call of this gateway)? */
static bool own_core_address(const struct tz_cfg_addr *a)
{
	return tz_media_addr_find(TZ_ROLE_CORE, a) >= 0;
}

/*
 * Media hairpin: two web users of this gateway call each other through a
 * registrar (alice's call A goes out to the trunk, which sends it back to
 * bob's registration contact, us: call B).  Each call's SIP peer is our own
 * core address at the other call's core port, where no packet would ever
 * arrive (the dataplane owns that address).  Instead each call publishes one
 * flow on its own browser's 5-tuple: TZ_XF_ECHO with the partner's browser
 * as egress, the partner's outbound context and SSRC and the payload types
 * mapped between the two browsers' negotiations.  SRTCP is verified and
 * consumed, as for the echo service: passing it on would need every SSRC in
 * it rewritten; each browser then has no receiver reports (audio only: its
 * send rate does not depend on them).  Each flow references the partner's
 * SRTP context: both flows go whenever either call ends
 * (tz_media_hairpin_unlink), before any context is freed.
 */
struct hairpin_find {
	const struct call *c;
	struct call *found;
};

static void hairpin_match(struct call *x, void *arg)
{
	struct hairpin_find *h = arg;
	const struct call *c = h->c;

	if (x == c || x->state == CALL_ENDED || x->sip.leg == NULL || x->media.core_port == 0 ||
	    x->media.core_port != c->sip.peer.port || h->found != NULL ||
	    tz_media_addr_find(TZ_ROLE_CORE, &c->sip.peer.addr) != x->media.core_addr)
		return;
	if (x->sip.peer.known && (tz_media_addr_find(TZ_ROLE_CORE, &x->sip.peer.addr) != c->media.core_addr ||
				   x->sip.peer.port != c->media.core_port))
		return;
	h->found = x;
}

/* Both flows of a hairpinned pair unpublished (their packets kept for the
 * counts), the pair unlinked. */
static void hairpin_drop_flows(struct call *c)
{
	struct tz_dp_sessions *s = tz_calls_env.sessions;

	for (unsigned i = 0; i < c->media.n_flows; i++) {
		keep_counts(c, i);
		tz_dp_flow_del(s, &c->media.keys[i]);
	}
	c->media.n_flows = 0;
}

void tz_media_hairpin_unlink(struct call *c)
{
	struct call *p = c->media.hairpin;

	if (p == NULL)
		return;
	TZ_LOG(CP_SESSION, INFO, "call %u: media hairpin with call %u ends", c->id, p->id);
	c->media.hairpin = p->media.hairpin = NULL;
	c->media.hairpin_wait = p->media.hairpin_wait = false;
	if (c->media.republish_timer != 0)
		g_source_remove(c->media.republish_timer);
	if (p->media.republish_timer != 0)
		g_source_remove(p->media.republish_timer);
	c->media.republish_timer = p->media.republish_timer = 0;
	/* what each browser got from the other, for its detail record */
	for (unsigned i = 0; i < p->media.n_flows; i++)
		c->media.dir_before[1] += tz_dp_flow_state(tz_calls_env.sessions,
							   (uint32_t)p->media.slots[i])->cnt[TZ_FC_PKTS];
	for (unsigned i = 0; i < c->media.n_flows; i++)
		p->media.dir_before[1] += tz_dp_flow_state(tz_calls_env.sessions,
							   (uint32_t)c->media.slots[i])->cnt[TZ_FC_PKTS];
	tz_media_loss_keep_hairpin(c, p);
	tz_media_loss_keep_hairpin(p, c);
	hairpin_drop_flows(c);
	hairpin_drop_flows(p);
}

uint64_t tz_media_hairpin_packets_in(const struct call *c)
{
	const struct call *p = c->media.hairpin;
	uint64_t n = 0;

	for (unsigned i = 0; p != NULL && i < p->media.n_flows; i++)
		n += tz_dp_flow_state(tz_calls_env.sessions, (uint32_t)p->media.slots[i])->cnt[TZ_FC_PKTS];
	return n;
}

/* The payload types that differ between the two browsers, @p c's to @p p's. */
static void hairpin_pts(const struct call *c, const struct call *p, struct tz_dp_pt_rewrite *rw)
{
	struct tz_sdp_pt_map map;

	memset(rw, 0, sizeof(*rw));
	if (tz_sdp_pt_map_build(&c->web.neg, &p->web.neg, &map) != 0)
		return;
	for (unsigned i = 0; i < map.n && rw->n < TZ_DP_PT_REWRITE_MAX; i++) {
		if (map.pair[i].web_pt == map.pair[i].sip_pt)
			continue;
		rw->from[rw->n] = map.pair[i].web_pt;
		rw->to[rw->n++] = map.pair[i].sip_pt;
	}
}

/* 0 published, -EINPROGRESS the partner has no keys or ICE pair yet (the
 * call waits for it), -EXDEV no partner, -EAGAIN a MAC resolving. */
static int publish_hairpin(struct call *c)
{
	struct tz_dp_flow f = { .id = c->id, .xform = TZ_XF_ECHO };
	struct tz_dp_flow_key k, k_p;
	struct tz_dp_egress own;
	struct call *p = c->media.hairpin;
	unsigned had;
	int rc;

	if (p == NULL) {
		struct hairpin_find h = { .c = c };

		tz_calls_foreach(hairpin_match, &h);
		p = h.found;
		if (p == NULL || (p->media.hairpin != NULL && p->media.hairpin != c)) {
			tz_calls_ctr[TZ_CC_HAIRPIN_REFUSED]++;
			return -EXDEV;
		}
		c->media.hairpin = p;
		p->media.hairpin = c;
		TZ_LOG(CP_SESSION, INFO, "call %u: the far end is call %u of this gateway (core "
		       "port %u): media hairpin", c->id, p->id, c->sip.peer.port);
	}
	rc = make_contexts(c);
	if (rc != 0)
		return rc;
	rc = browser_path(c, &k, &own);         /* only the key: our browser's next hop */
	if (rc != 0 && rc != -EAGAIN)           /* does not matter here */
		return rc;
	if (p->state == CALL_ENDED || !p->web.dtls_done || make_contexts(p) != 0)
		return -EINPROGRESS;
	rc = browser_path(p, &k_p, &f.out);
	if (rc == -ENOTCONN)
		return -EINPROGRESS;
	if (rc != 0)
		return rc;
	hairpin_pts(c, p, &f.pt);
	tz_video_drop_bundle(c, &f.bundle);     /* audio only between the browsers */
	f.srtp = f.srtcp = c->web.ctx_in;
	f.srtp_out = p->web.ctx_out;
	f.ssrc_out = p->web.ssrc;
	had = c->media.n_flows;
	rc = publish(c, &k, &f, 1);
	if (rc == 0 && had == 0)
		tz_calls_ctr[TZ_CC_HAIRPIN]++;
	return rc;
}

/* Key and egress of a SIP-side stream: our core port @p local (its
 * egress source @p src_port), the peer's media address @p a with its RTP
 * port @p remote and RTCP port @p remote_rtcp (the audio's, or video.c's). */
int tz_media_peer_path(const struct tz_cfg_addr *a, uint16_t local, uint16_t remote,
		       uint16_t remote_rtcp, struct tz_dp_flow_key *k, struct tz_dp_egress *e)
{
	const struct tz_cfg_port *p = tz_calls_env.core->cfg;

	memset(k, 0, sizeof(*k));
	memset(e, 0, sizeof(*e));
	if (a->family == AF_INET) {
		k->remote[10] = k->remote[11] = 0xff;
		memcpy(&k->remote[12], &a->v4, 4);
		memcpy(e->dst, &a->v4, 4);
		memcpy(e->src, &p->ipv4.addr.v4, 4);
	} else {
		memcpy(k->remote, &a->v6, 16);
		memcpy(e->dst, &a->v6, 16);
		memcpy(e->src, &p->ipv6.addr.v6, 16);
	}
	k->remote_port = remote;
	k->local_port = local;
	k->port_idx = tz_calls_env.core_idx;
	e->port_idx = tz_calls_env.core_idx;
	e->family = (uint8_t)a->family;
	e->src_mac = tz_calls_env.core->mac;
	e->src_port = local;
	e->dst_port = remote;
	e->dst_rtcp_port = remote_rtcp;
	return tz_port_next_hop(tz_calls_env.core, a, &e->dst_mac);
}

/* The payload types that differ between the legs, both ways. */
static void pt_rewrites(const struct call *c, struct tz_dp_pt_rewrite *to_sip,
			struct tz_dp_pt_rewrite *to_web)
{
	struct tz_sdp_pt_map map;

	memset(to_sip, 0, sizeof(*to_sip));
	memset(to_web, 0, sizeof(*to_web));
	if (!c->sip.neg_known || tz_sdp_pt_map_build(&c->web.neg, &c->sip.neg, &map) != 0)
		return;
	for (unsigned i = 0; i < map.n; i++) {
		const struct tz_sdp_pt_pair *p = &map.pair[i];

		if (p->web_pt == p->sip_pt || to_sip->n == TZ_DP_PT_REWRITE_MAX)
			continue;
		to_sip->from[to_sip->n] = p->web_pt;
		to_sip->to[to_sip->n++] = p->sip_pt;
		to_web->from[to_web->n] = p->sip_pt;
		to_web->to[to_web->n++] = p->web_pt;
	}
}

/*
 * A call bridged to SIP: browser SRTP -> RTP to the peer (RTCP to its RTCP
 * port), peer RTP -> SRTP to the browser under our SSRC, peer RTCP (its own
 * port unless muxed) -> SRTCP to the browser.  Published all or nothing.
 */
int tz_media_publish_bridge(struct call *c)
{
	struct tz_dp_flow f[3] = {
		{ .id = c->id, .xform = TZ_XF_UNPROTECT },
		{ .id = c->id, .xform = TZ_XF_PROTECT },
	};
	struct tz_dp_flow_key k[3];
	unsigned n = 2;
	int rc;

	if (own_core_address(&c->sip.peer.addr))
		return publish_hairpin(c);
	if (c->media.hairpin != NULL)
		return -EREMCHG;        /* our outbound context carried the partner browser's
				 * sequence numbers under our SSRC: a bridge would
				 * reuse SRTP indices (key stream) */
	rc = make_contexts(c);
	if (rc == 0)
		rc = browser_path(c, &k[0], &f[1].out);
	if (rc == 0)
		rc = tz_media_peer_path(&c->sip.peer.addr, c->media.core_port, c->sip.peer.port,
					 c->sip.peer.rtcp_port, &k[1], &f[0].out);
	if (rc != 0)
		return rc;
	tz_media_addr_apply(TZ_ROLE_CORE, c->media.core_addr, &k[1], &f[0].out);
	pt_rewrites(c, &f[0].pt, &f[1].pt);
	tz_call_rec_decide(c);
	f[0].rec = f[1].rec = (uint16_t)c->rec.slot;
	f[0].rec_dir = TZ_REC_FROM_WEB;
	f[1].rec_dir = TZ_REC_TO_WEB;
	tz_call_svc_flow(c, &f[0], &k[0]);
	tz_call_xcode_flows(c, f, k);           /* transcoded: both ways via the stage */
	tz_call_play_flow(c, &f[1], &k[1]);     /* music on hold */
	f[0].srtp = f[0].srtcp = c->web.ctx_in;
	f[1].srtp = f[1].srtcp = c->web.ctx_out;
	f[1].ssrc_out = c->web.ssrc;
	if (c->sip.sdes.on) {
		/* SDES trunk: SRTP both ways, re-keyed in the dataplane (SRTCP too) */
		rc = tz_sdes_contexts(c);
		if (rc != 0)
			return rc;
		f[0].xform = f[1].xform = TZ_XF_REKEY;
		f[0].srtp_out = f[0].srtcp_out = c->sip.sdes.ctx_out;
		f[0].key_gen[1] = c->sip.sdes.gen_out;
		f[1].srtp = f[1].srtcp = c->sip.sdes.ctx_in;
		f[1].srtp_out = f[1].srtcp_out = c->web.ctx_out;
		f[1].key_gen[0] = c->sip.sdes.gen_in;
	}
	rc = tz_video_publish(c, &k[0], &f[1].out, &f[0], &f[0].bundle);   /* before its parent */
	if (rc != 0)
		return rc;
	if (c->sip.peer.rtcp_port != c->sip.peer.port) {
		k[2] = k[1];
		k[2].local_port = (uint16_t)(c->media.core_port + 1);
		k[2].remote_port = c->sip.peer.rtcp_port;
		f[2] = f[1];
		f[2].is_rtcp_port = 1;
		n = 3;
	}
	rc = publish(c, k, f, n);
	if (rc == 0)
		tz_video_published(c);
	if (rc == 0)
		tz_sdes_published(c);   /* replaced SDES contexts: freed after the grace period */
	return rc;
}

/*
 * An announcement before any media (announce.c): one flow towards the
 * browser that only the stage's packets use (TZ_SVC_PLAY), under a key no
 * packet arrives with (the unspecified address, port 0, at our core port).
 */
int tz_media_publish_play(struct call *c)
{
	struct tz_dp_flow f = { .id = c->id, .xform = TZ_XF_PROTECT, .svc = TZ_SVC_PLAY,
				.svc_core = c->svc.core };
	struct tz_dp_flow_key k, unused;
	int rc = make_contexts(c);

	if (rc == 0)
		rc = browser_path(c, &unused, &f.out);
	if (rc != 0)
		return rc;
	memset(&k, 0, sizeof(k));
	k.local_port = c->media.core_port;
	k.port_idx = tz_calls_env.core_idx;
	k.pad = c->media.core_addr;     /* the same port on another address is another call's */
	f.svc_key = k;
	f.srtp = f.srtcp = c->web.ctx_out;
	f.ssrc_out = c->web.ssrc;
	return publish(c, &k, &f, 1);
}

static void unpublish(struct call *c)
{
	for (unsigned i = 0; i < c->media.n_flows; i++)
		tz_dp_flow_del(tz_calls_env.sessions, &c->media.keys[i]);
	c->media.n_flows = 0;
}

#define REPUBLISH_TRIES 40      /* x 50 ms while a new peer's MAC resolves */

static gboolean republish_try(gpointer p)
{
	struct call *c = p;
	int rc;

	if (c->state == CALL_ENDED) {
		c->media.republish_timer = 0;
		return G_SOURCE_REMOVE;
	}
	rc = c->sip.leg != NULL ? tz_media_publish_bridge(c) : tz_media_publish_echo(c);
	if (rc == -EAGAIN && ++c->media.republish_tries < REPUBLISH_TRIES)
		return G_SOURCE_CONTINUE;       /* the old flows keep running meanwhile */
	c->media.republish_timer = 0;
	if (rc == -EINPROGRESS)
		rc = 0;                         /* a hairpin partner re-keying: flows kept */
	if (rc != 0)
		tz_call_failed(c, TZ_JSEP_ERR_INTERNAL, tz_media_error(rc));
	return G_SOURCE_REMOVE;
}

/* The peer's address, its ports or the payload types changed (re-INVITE,
 * hold, resume, latching): the flows replaced in place with the same SRTP
 * contexts and their stream state, make before break, so no packet is lost
 * and no keystream reused. */
int tz_media_republish(struct call *c)
{
	if (c->media.n_flows == 0 || c->sip.leg == NULL || c->state == CALL_ENDED)
		return 0;
	if (c->media.republish_timer != 0)
		return 0;               /* a retry is pending; it publishes the current peer */
	c->media.republish_tries = 0;
	if (republish_try(c) == G_SOURCE_CONTINUE)
		c->media.republish_timer = g_timeout_add(50, republish_try, c);
	return 0;
}

/* What a call leaves behind for the grace period: its WebRTC contexts. */
struct retired_ctx {
	struct tz_srtp_ctx *in, *out;
};

static guint reclaim_timer;

static void retired_free(void *arg)
{
	struct retired_ctx *r = arg;

	tz_srtp_ctx_destroy(r->in);
	tz_srtp_ctx_destroy(r->out);
	g_free(r);
	tz_calls_ctr[TZ_CC_CTX_RECLAIMED]++;
}

/* Every RECLAIM_MS while contexts wait: workers report quiescent states
 * every poll round (microseconds), so one tick is usually enough. */
#define RECLAIM_MS 10

static gboolean reclaim_tick(gpointer unused)
{
	(void)unused;
	if (tz_dp_sessions_reclaim(tz_calls_env.sessions) > 0)
		return G_SOURCE_CONTINUE;
	reclaim_timer = 0;
	return G_SOURCE_REMOVE;
}

void tz_media_reclaim_kick(void)
{
	if (reclaim_timer == 0 && tz_dp_sessions_reclaim(tz_calls_env.sessions) > 0)
		reclaim_timer = g_timeout_add(RECLAIM_MS, reclaim_tick, NULL);
}

void tz_media_reclaim_all(void)
{
	if (reclaim_timer != 0)
		g_source_remove(reclaim_timer);
	reclaim_timer = 0;
	if (tz_calls_env.sessions != NULL)
		tz_dp_sessions_reclaim_all(tz_calls_env.sessions);
}

/*
 * The flows go now; the WebRTC contexts they pointed at are destroyed after
 * the grace period without blocking the loop (tz_dp_sessions_defer()).
 * SDES contexts still take the synchronous path: SDES trunks are rare next
 * to WebRTC calls and tz_sdes_free() has more to retire.
 */
void tz_media_retire(struct call *c)
{
	struct tz_dp_sessions *s = tz_calls_env.sessions;
	struct retired_ctx *r;

	if (c->media.republish_timer != 0)
		g_source_remove(c->media.republish_timer);
	c->media.republish_timer = 0;
	tz_media_hairpin_unlink(c);     /* the partner's flow uses our context */
	unpublish(c);
	tz_video_unpublish(c);          /* after the audio flow pointing at it */
	tz_call_rec_end(c);             /* closed after the grace period */
	tz_call_xcode_end(c);
	tz_call_announce_release(c);
	tz_call_svc_release(c);
	if (c->sip.sdes.ctx_in != NULL || c->sip.sdes.ctx_out != NULL || c->sip.sdes.n_old != 0 ||
	    c->video.sdes.ctx_in != NULL || c->video.sdes.ctx_out != NULL) {
		tz_dp_sessions_synchronize(s);
		tz_srtp_ctx_destroy(c->web.ctx_in);
		tz_srtp_ctx_destroy(c->web.ctx_out);
		c->web.ctx_in = c->web.ctx_out = NULL;
	} else if (c->web.ctx_in != NULL || c->web.ctx_out != NULL) {
		r = g_new(struct retired_ctx, 1);
		*r = (struct retired_ctx){ .in = c->web.ctx_in, .out = c->web.ctx_out };
		c->web.ctx_in = c->web.ctx_out = NULL;
		if (tz_dp_sessions_defer(s, retired_free, r) != 0) {
			tz_dp_sessions_synchronize(s);
			retired_free(r);
		} else if (reclaim_timer == 0 && tz_dp_sessions_reclaim(s) > 0) {
			reclaim_timer = g_timeout_add(RECLAIM_MS, reclaim_tick, NULL);
		}
	}
	tz_sdes_free(c);                /* after the grace period above (SDES) */
	tz_video_sdes_free(c);
}

/* At most this many auth-failure warnings a second over all calls: a peer
 * (or anyone spraying a media port with the right 5-tuple) can make them. */
#define AUTH_LOG_PER_S 5
#define AUTH_LOG_CALL_S 10      /* and one per call every 10 s */

void tz_media_check_auth(struct call *c, int64_t now)
{
	static int64_t window;
	static unsigned in_window, suppressed;
	uint64_t fails = 0;
	char peer[INET6_ADDRSTRLEN + 8] = "?";

	for (unsigned i = 0; i < c->media.n_flows; i++)
		fails += tz_dp_flow_state(tz_calls_env.sessions, (uint32_t)c->media.slots[i])
				 ->cnt[TZ_FC_AUTH_FAIL];
	if (fails <= c->media.auth_fail_seen ||
	    (c->media.auth_fail_logged != 0 && now - c->media.auth_fail_logged < AUTH_LOG_CALL_S * 1000000))
		return;
	if (now - window >= 1000000) {
		window = now;
		in_window = 0;
	}
	if (in_window++ >= AUTH_LOG_PER_S) {
		suppressed++;
		return;
	}
	if (c->media.n_flows > 0) {
		const struct tz_dp_flow_key *k = &c->media.keys[0];     /* the browser's flow */
		static const uint8_t v4[12] = { [10] = 0xff, [11] = 0xff };
		char ip[INET6_ADDRSTRLEN];

		if (memcmp(k->remote, v4, 12) == 0)
			inet_ntop(AF_INET, k->remote + 12, ip, sizeof(ip));
		else
			inet_ntop(AF_INET6, k->remote, ip, sizeof(ip));
		snprintf(peer, sizeof(peer), "%s:%u", ip, k->remote_port);
	}
	TZ_LOG(CP_SESSION, WARNING, "call %u (%s, media from %s): %lu SRTP/SRTCP packets failed "
	       "authentication (%lu in all; 'show session %u')%s", c->id, c->user, peer,
	       (unsigned long)(fails - c->media.auth_fail_seen), (unsigned long)fails, c->id,
	       suppressed > 0 ? "; other calls' reports suppressed" : "");
	suppressed = 0;
	c->media.auth_fail_seen = fails;
	c->media.auth_fail_logged = now;
}

/* Packets the dataplane moved for this call (all its flows). */
uint64_t tz_media_packets(const struct call *c)
{
	uint64_t n = c->media.pkts_before + tz_video_packets(c);

	for (unsigned i = 0; i < c->media.n_flows; i++)
		n += tz_dp_flow_state(tz_calls_env.sessions, (uint32_t)c->media.slots[i])->cnt[TZ_FC_PKTS];
	return n;
}
