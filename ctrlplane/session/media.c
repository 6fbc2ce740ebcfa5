/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call's media in the dataplane: SRTP contexts from the DTLS keys, flows
 * published into the session table, and their retirement (flows first, then
 * the contexts once no worker can still see them).
 */
#include <errno.h>
#include <string.h>

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
	memset(&local, 0, sizeof(local));
	memset(&remote, 0, sizeof(remote));
	return c->ctx_in != NULL && c->ctx_out != NULL ? 0 : -ENOMEM;
}

int tz_media_publish_echo(struct call *c)
{
	struct tz_dp_flow f = { .id = c->id, .xform = TZ_XF_ECHO };
	int rc = make_contexts(c);

	if (rc != 0)
		return rc;
	rc = browser_path(c, &c->key, &f.out);
	if (rc != 0)
		return rc;
	f.srtp = f.srtcp = c->ctx_in;
	f.srtp_out = c->ctx_out;
	f.ssrc_out = c->ssrc;
	rc = tz_dp_flow_add(tz_calls_env.sessions, &c->key, &f);
	if (rc < 0)
		return rc;
	c->slot = rc;
	c->published = true;
	return 0;
}

void tz_media_retire(struct call *c)
{
	if (c->published) {
		tz_dp_flow_del(tz_calls_env.sessions, &c->key);
		c->published = false;
	}
	if (c->ctx_in != NULL || c->ctx_out != NULL) {
		tz_dp_sessions_synchronize(tz_calls_env.sessions);
		tz_srtp_ctx_destroy(c->ctx_in);
		tz_srtp_ctx_destroy(c->ctx_out);
		c->ctx_in = c->ctx_out = NULL;
	}
}

uint64_t tz_media_packets(const struct call *c)
{
	return c->published ? tz_dp_flow_state(tz_calls_env.sessions, (uint32_t)c->slot)->cnt[TZ_FC_PKTS]
			    : 0;
}
