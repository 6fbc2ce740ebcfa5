/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which calls are recorded (docs/recording.md) and the call's side of it:
 * the tenant's mode (all, on-demand, off) and a route's `record: true`
 * decide at the first publication of a bridged call; `record start|stop
 * CALL` changes it while the call runs.  A recording's slot goes into the
 * call's flows (media.c); it is closed once no worker can still copy a
 * packet for it (the session table's grace period), so the writer gets
 * every packet before it closes the files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_cli.h"
#include "tz_log.h"
#include "tz_rec.h"

/* The tenant's effective mode and directory (its own, else the top level's
 * with a subdirectory per tenant: one tenant's files never land in another's). */
static int tenant_mode(uint32_t t, char *dir, size_t len)
{
	const struct tz_config *cfg = tz_calls_env.cfg;
	const struct tz_cfg_recording *top = &cfg->recording;
	const struct tz_cfg_recording *own = t < cfg->n_tenants ? &cfg->tenants[t].recording : NULL;
	int mode = own != NULL && own->mode != TZ_REC_MODE_INHERIT ? own->mode : top->mode;

	if (own != NULL && own->dir != NULL)
		g_strlcpy(dir, own->dir, len);
	else if (top->dir != NULL && strspn(tz_cfg_tenant_name(cfg, t), ".") ==
					     strlen(tz_cfg_tenant_name(cfg, t)))
		return TZ_REC_MODE_OFF;         /* refused by the config check too */
	else if (top->dir != NULL)
		snprintf(dir, len, "%s/%s", top->dir, tz_cfg_tenant_name(cfg, t));
	else
		return TZ_REC_MODE_OFF;
	return mode == TZ_REC_MODE_INHERIT ? TZ_REC_MODE_OFF : mode;
}

/* Did the route that took this outbound call ask for recording? */
static bool route_records(const struct call *c)
{
	struct tz_sip_target t;
	const struct tz_cfg_route *r;
	char why[128];

	if (c->inbound || tz_sip_target_parse(c->target, strlen(c->target), &t, why, sizeof(why)) != 0)
		return false;
	r = tz_sip_target_rule(&tz_calls_env.cfg->sip, c->tenant, &t);
	return r != NULL && r->record;
}

static void fill_info(const struct call *c, struct tz_rec_info *in)
{
	const struct tz_cfg_port *p = tz_calls_env.core->cfg;
	const struct tz_cfg_addr *a = &c->sip.peer.addr;

	memset(in, 0, sizeof(*in));
	in->call = c->id;
	g_strlcpy(in->tenant, tz_cfg_tenant_name(tz_calls_env.cfg, c->tenant), sizeof(in->tenant));
	g_strlcpy(in->user, c->user, sizeof(in->user));
	g_strlcpy(in->target, c->inbound ? c->sip.from : c->target, sizeof(in->target));
	in->family = a->family;
	if (a->family == AF_INET) {
		struct in_addr gw = tz_media_addr_v4(TZ_ROLE_CORE, c->media.core_addr);

		memcpy(in->gw, &gw, 4);     /* the call's own core media address */
		memcpy(in->peer, &a->v4, 4);
	} else {
		memcpy(in->gw, &p->ipv6.addr.v6, 16);
		memcpy(in->peer, &a->v6, 16);
	}
	in->gw_port = c->media.core_port;
	in->peer_port = c->sip.peer.port;
	for (unsigned i = 0; c->sip.neg_known && i < c->sip.neg.n_codecs &&
			     in->n_codecs < TZ_REC_MAX_CODECS; i++) {
		const struct tz_sdp_pt *s = &c->sip.neg.codecs[i];
		struct tz_rec_codec *d = &in->codecs[in->n_codecs++];

		d->pt = s->pt;
		g_strlcpy(d->name, s->name != NULL ? s->name : "?", sizeof(d->name));
		d->clock = s->clock;
		d->channels = s->channels;
	}
}

/* Open a recording for @p c.  0, -EPERM (tenant's mode off), -ENOSPC, -ENOTCONN. */
static int begin(struct call *c)
{
	struct tz_rec_info in;
	int slot;

	fill_info(c, &in);
	if (tenant_mode(c->tenant, in.dir, sizeof(in.dir)) == TZ_REC_MODE_OFF)
		return -EPERM;
	slot = tz_rec_open(&in);
	if (slot < 0) {
		TZ_LOG(CP_SESSION, WARNING, "call %u: not recorded: %s", c->id,
		       slot == -ENOSPC ? "too many recordings at once" : "recording is not running");
		return slot;
	}
	c->rec.slot = slot;
	TZ_LOG(CP_SESSION, INFO, "call %u: recording into %s", c->id, in.dir);
	return 0;
}

void tz_call_rec_decide(struct call *c)
{
	char dir[16];

	if (c->rec.decided || !tz_rec_running())
		return;
	c->rec.decided = true;
	switch (tenant_mode(c->tenant, dir, sizeof(dir))) {
	case TZ_REC_MODE_ALL:
		begin(c);
		break;
	case TZ_REC_MODE_ON_DEMAND:
		if (route_records(c))
			begin(c);
		break;
	default:
		break;
	}
}

static void close_later(void *arg)
{
	tz_rec_close(GPOINTER_TO_INT(arg));
}

/* After the grace period: no worker still holds a flow naming @p slot. */
static void close_after_grace(int slot)
{
	struct tz_dp_sessions *s = tz_calls_env.sessions;

	if (tz_dp_sessions_defer(s, close_later, GINT_TO_POINTER(slot)) != 0) {
		tz_dp_sessions_synchronize(s);
		tz_rec_close(slot);
		return;
	}
	tz_dp_sessions_reclaim(s);
	tz_media_reclaim_kick();
}

void tz_call_rec_end(struct call *c)
{
	if (c->rec.slot <= 0)
		return;
	close_after_grace(c->rec.slot);
	c->rec.slot = 0;
}

static struct call *find_call(struct tz_cli_req *req, const char *arg)
{
	char *end;
	unsigned long id = strtoul(arg, &end, 10);
	struct call *c = *arg != '\0' && *end == '\0' ? tz_call_by_id((uint32_t)id) : NULL;

	if (c == NULL)
		tz_cli_error(req, "no call %s ('show calls' lists them)", arg);
	return c;
}

static int record_start(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct call *c = find_call(req, argv[0]);
	int rc;

	if (c == NULL)
		return -ENOENT;
	if (c->rec.slot > 0)
		return tz_cli_error(req, "call %u is being recorded already", c->id);
	if (c->sip.leg == NULL || c->media.hairpin != NULL || c->media.n_flows == 0 ||
	    c->state != CALL_CONNECTED)
		return tz_cli_error(req, "call %u has no media bridged to SIP to record (yet)", c->id);
	c->rec.decided = true;
	rc = begin(c);
	if (rc == -EPERM)
		return tz_cli_error(req, "recording is off for tenant %s (recording.mode)",
				    tz_cfg_tenant_name(tz_calls_env.cfg, c->tenant));
	if (rc != 0)
		return tz_cli_error(req, "cannot record call %u: %s", c->id,
				    rc == -ENOSPC ? "too many recordings at once"
						  : "recording is not running (recording: in the config)");
	rc = tz_media_publish_bridge(c);
	if (rc != 0) {
		tz_call_rec_end(c);
		return tz_cli_error(req, "cannot record call %u: %s", c->id, tz_media_error(rc));
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "call");
	json_builder_add_int_value(b, c->id);
	json_builder_set_member_name(b, "recording");
	json_builder_add_boolean_value(b, TRUE);
	json_builder_end_object(b);
	return 0;
}

static int record_stop(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct call *c = find_call(req, argv[0]);
	int slot, rc;

	if (c == NULL)
		return -ENOENT;
	if (c->rec.slot <= 0)
		return tz_cli_error(req, "call %u is not being recorded", c->id);
	slot = c->rec.slot;
	c->rec.slot = 0;
	rc = tz_media_publish_bridge(c);        /* the flows without the slot */
	if (rc != 0) {
		c->rec.slot = slot;
		return tz_cli_error(req, "cannot stop recording call %u: %s", c->id,
				    tz_media_error(rc));
	}
	close_after_grace(slot);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "call");
	json_builder_add_int_value(b, c->id);
	json_builder_set_member_name(b, "recording");
	json_builder_add_boolean_value(b, FALSE);
	json_builder_end_object(b);
	return 0;
}

int tz_call_rec_commands_register(void)
{
	static const struct tz_cli_cmd cmds[] = {
		{ "record start", "<call>", 1, 1,
		  "record a call bridged to SIP (pcap, stereo WAV, JSON in the tenant's "
		  "recording.dir)", record_start, NULL, NULL },
		{ "record stop", "<call>", 1, 1, "stop recording a call; its files are closed",
		  record_stop, NULL, NULL },
	};

	return tz_cli_register(cmds, G_N_ELEMENTS(cmds));
}
