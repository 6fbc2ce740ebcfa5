/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call's media in the dataplane: SRTP contexts from the DTLS keys, flows
 * published into the session table, and their retirement (flows first, then
 * the contexts once no worker can still see them).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "calls_pvt.h"
#include "tz_log.h"

/* Key and egress towards the browser from the nominated ICE pair. */
static int browser_path(struct call *c, struct tz_dp_flow_key *k, struct tz_dp_egress *e)
{
	const struct tz_cfg_port *p = tz_calls_env.access->cfg;
	struct sockaddr_storage peer;
	struct tz_cfg_addr dst = { 0 };
	uint16_t rport;
	int rc;

	if (tz_ice_selected_remote(c->ice, &peer) != 0)
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
	k->local_port = tz_ice_local_port(c->ice);
	k->port_idx = tz_calls_env.access_idx;
	e->port_idx = tz_calls_env.access_idx;
	e->family = (uint8_t)dst.family;
	e->src_mac = tz_calls_env.access->mac;
	e->src_port = k->local_port;
	e->dst_port = e->dst_rtcp_port = rport;
	rc = tz_port_next_hop(tz_calls_env.access, &dst, &e->dst_mac);
	return rc;
}

static int make_contexts(struct call *c)
{
	struct tz_dtls_keys local, remote;
	int rc;

	if (c->ctx_in != NULL)
		return 0;
	rc = tz_dtls_srtp_keys(c->dtls, &c->suite, &local, &remote);
	if (rc != 0)
		return rc;
	c->ctx_in = tz_srtp_ctx_create(tz_calls_env.srtp, c->suite, TZ_SRTP_DIR_UNPROTECT, remote.key,
				       remote.key_len, remote.salt, remote.salt_len);
	c->ctx_out = tz_srtp_ctx_create(tz_calls_env.srtp, c->suite, TZ_SRTP_DIR_PROTECT, local.key,
					local.key_len, local.salt, local.salt_len);
	tz_dtls_keys_wipe(&local);
	tz_dtls_keys_wipe(&remote);
	return c->ctx_in != NULL && c->ctx_out != NULL ? 0 : -ENOMEM;
}

static int publish(struct call *c, const struct tz_dp_flow_key *k, const struct tz_dp_flow *f)
{
	int rc = tz_dp_flow_add(tz_calls_env.sessions, k, f);

	if (rc < 0)
		return rc;
	c->keys[c->n_flows] = *k;
	c->slots[c->n_flows++] = rc;
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
	f.srtp = f.srtcp = c->ctx_in;
	f.srtp_out = c->ctx_out;
	f.ssrc_out = c->ssrc;
	return publish(c, &k, &f);
}

/* Key and egress of the SIP side: our core port, the peer's media address. */
static int peer_path(struct call *c, uint16_t local, uint16_t remote, struct tz_dp_flow_key *k,
		     struct tz_dp_egress *e)
{
	const struct tz_cfg_port *p = tz_calls_env.core->cfg;
	const struct tz_cfg_addr *a = &c->peer.addr;

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
	e->src_port = c->core_port;
	e->dst_port = c->peer.port;
	e->dst_rtcp_port = c->peer.rtcp_port;
	return tz_port_next_hop(tz_calls_env.core, a, &e->dst_mac);
}

/* The payload types that differ between the legs, both ways. */
static void pt_rewrites(const struct call *c, struct tz_dp_pt_rewrite *to_sip,
			struct tz_dp_pt_rewrite *to_web)
{
	struct tz_sdp_pt_map map;

	memset(to_sip, 0, sizeof(*to_sip));
	memset(to_web, 0, sizeof(*to_web));
	if (!c->sip_neg_known || tz_sdp_pt_map_build(&c->neg, &c->sip_neg, &map) != 0)
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
	struct tz_dp_flow web = { .id = c->id, .xform = TZ_XF_UNPROTECT };
	struct tz_dp_flow sip = { .id = c->id, .xform = TZ_XF_PROTECT };
	struct tz_dp_flow_key kw, ks, kr;
	struct tz_dp_egress to_sip;
	int rc = make_contexts(c);

	if (rc == 0)
		rc = browser_path(c, &kw, &sip.out);
	if (rc == 0)
		rc = peer_path(c, c->core_port, c->peer.port, &ks, &to_sip);
	if (rc != 0)
		return rc;
	web.out = to_sip;
	pt_rewrites(c, &web.pt, &sip.pt);
	web.srtp = web.srtcp = c->ctx_in;
	sip.srtp = sip.srtcp = c->ctx_out;
	sip.ssrc_out = c->ssrc;
	rc = publish(c, &kw, &web);
	if (rc == 0)
		rc = publish(c, &ks, &sip);
	if (rc == 0 && c->peer.rtcp_port != c->peer.port) {
		kr = ks;
		kr.local_port = (uint16_t)(c->core_port + 1);
		kr.remote_port = c->peer.rtcp_port;
		sip.is_rtcp_port = 1;
		rc = publish(c, &kr, &sip);
	}
	return rc;
}

/* Hold an even RTP port and the RTCP port above it on the core address, so
 * no other call or process gets them. */
int tz_media_core_ports(struct call *c)
{
	static unsigned cursor;
	const struct tz_cfg_range *r = &tz_calls_env.cfg->media.ports[TZ_ROLE_CORE];
	const struct tz_cfg_port *p = tz_calls_env.core->cfg;
	unsigned base = (r->first + 1u) & ~1u, span = (unsigned)(r->last - base + 1) / 2;

	for (unsigned i = 0; i < span; i++) {
		uint16_t port = (uint16_t)(base + 2 * ((cursor + i) % span));
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = p->ipv4.addr.v4 };
		int fd0 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int fd1 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		sa.sin_port = htons(port);
		if (bind(fd0, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			sa.sin_port = htons(port + 1);
			if (bind(fd1, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
				c->core_fd[0] = fd0;
				c->core_fd[1] = fd1;
				c->core_port = port;
				cursor = (cursor + i + 1) % span;
				return 0;
			}
		}
		close(fd0);
		close(fd1);
	}
	return -EADDRINUSE;
}

void tz_media_core_ports_close(struct call *c)
{
	for (int i = 0; i < 2; i++) {
		if (c->core_fd[i] > 0)
			close(c->core_fd[i]);
		c->core_fd[i] = -1;
	}
}

static void unpublish(struct call *c)
{
	for (unsigned i = 0; i < c->n_flows; i++)
		tz_dp_flow_del(tz_calls_env.sessions, &c->keys[i]);
	c->n_flows = 0;
}

/* The peer's address, its ports or the payload types changed (re-INVITE,
 * latching): the flows again, with the same SRTP contexts.  Packets in
 * between go to the kernel and are lost, as with any re-route. */
int tz_media_republish(struct call *c)
{
	if (c->n_flows == 0 || c->leg == NULL)
		return 0;
	c->pkts_before = tz_media_packets(c);
	unpublish(c);
	tz_call_media_ready(c);     /* publishes again, retrying while a MAC resolves */
	return 0;
}

void tz_media_retire(struct call *c)
{
	unpublish(c);
	if (c->ctx_in != NULL || c->ctx_out != NULL) {
		tz_dp_sessions_synchronize(tz_calls_env.sessions);
		tz_srtp_ctx_destroy(c->ctx_in);
		tz_srtp_ctx_destroy(c->ctx_out);
		c->ctx_in = c->ctx_out = NULL;
	}
}

/* Packets the dataplane moved for this call (all its flows). */
uint64_t tz_media_packets(const struct call *c)
{
	uint64_t n = c->pkts_before;

	for (unsigned i = 0; i < c->n_flows; i++)
		n += tz_dp_flow_state(tz_calls_env.sessions, (uint32_t)c->slots[i])->cnt[TZ_FC_PKTS];
	return n;
}
