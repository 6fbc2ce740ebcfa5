/* SPDX-License-Identifier: BSD-3-Clause */
/* `show calls`: every live call with its state, timings and media. */
#include <arpa/inet.h>
#include <stdio.h>

#include "calls_pvt.h"
#include "tz_cli.h"
#include "tz_rec.h"

static const char *const state_names[] = {
	[CALL_NEGOTIATING] = "negotiating",
	[CALL_CONNECTED] = "connected",
	[CALL_ENDED] = "ended",
};

static void add_str(JsonBuilder *b, const char *k, const char *v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_string_value(b, v);
}

static void add_int(JsonBuilder *b, const char *k, gint64 v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_int_value(b, v);
}

/* RTP lost on the way to the gateway so far, each way (docs/cdr.md);
 * percent null until a packet came that way, no SIP side for echo. */
static void call_loss(JsonBuilder *b, const struct call *c)
{
	static const char *const lost[2] = { "lost_from_web", "lost_from_sip" };
	static const char *const pct[2] = { "loss_pct_from_web", "loss_pct_from_sip" };
	bool echo = !c->inbound && c->sip.trunk == NULL;
	struct tz_call_loss l;
	double p;

	tz_media_loss(c, &l);
	for (unsigned d = 0; d < (echo ? 1u : 2u); d++) {
		add_int(b, lost[d], (gint64)l.lost[d]);
		json_builder_set_member_name(b, pct[d]);
		if (tz_media_loss_pct(&l, d, &p))
			json_builder_add_double_value(b, (double)(int64_t)(p * 100 + 0.5) / 100);
		else
			json_builder_add_null_value(b);
	}
}

static void call_row(struct call *c, void *arg)
{
	JsonBuilder *b = arg;
	int64_t now = g_get_monotonic_time();

	json_builder_begin_object(b);
	add_int(b, "call", c->id);
	add_str(b, "leg", c->kind == TZ_WEB_SIPWS ? "sip-ws" : "jsep");
	add_str(b, "tenant", tz_cfg_tenant_name(tz_calls_env.cfg, c->tenant));
	add_str(b, "user", c->user);
	add_str(b, "target", c->target);
	if (c->sip.trunk != NULL)
		add_str(b, "trunk", c->sip.trunk->name);
	add_str(b, "state", state_names[c->state]);
	if (c->web.ice != NULL) {
		char a[64];

		tz_media_addr_str(TZ_ROLE_ACCESS, c->web.addr, a, sizeof(a));
		add_str(b, "local_media", a);     /* our browser-side media address */
	}
	add_int(b, "local_port", c->web.ice != NULL ? tz_ice_local_port(c->web.ice) : 0);
	add_int(b, "setup_ms", c->web.t_dtls != 0 ? (c->web.t_dtls - c->t_offer) / 1000 : -1);
	add_int(b, "age_s", (now - c->t_offer) / 1000000);
	add_int(b, "packets", (gint64)tz_media_packets(c));
	call_loss(b, c);
	add_str(b, "hold", c->mid.held_local && c->mid.held_remote ? "both"
			   : c->mid.held_local ? "local" : c->mid.held_remote ? "remote" : "none");
	if (c->media.core_fd[0] > 0) {
		char a[64];

		tz_media_addr_str(TZ_ROLE_CORE, c->media.core_addr, a, sizeof(a));
		add_str(b, "core_media", a);      /* our SIP-side media address and port */
		add_int(b, "core_media_port", c->media.core_port);
	}
	if (c->sip.peer.known) {
		char a[64];

		inet_ntop(c->sip.peer.addr.family, &c->sip.peer.addr.v4, a, sizeof(a));
		add_str(b, "sip_media", a);
		add_int(b, "sip_media_port", c->sip.peer.port);
		/* "rtp" or "srtp-sdes <suite>": the SIP leg's media protection (never a key) */
		add_str(b, "sip_media_security", tz_sdes_describe(c, a, sizeof(a)));
		json_builder_set_member_name(b, "latched");
		json_builder_add_boolean_value(b, c->media.latched);
	}
	if (c->media.hairpin != NULL)
		add_int(b, "hairpin", c->media.hairpin->id);   /* the other call of this gateway */
	json_builder_end_object(b);
}

static int show_calls(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	json_builder_begin_array(b);
	tz_calls_foreach(call_row, b);
	json_builder_end_array(b);
	return 0;
}

static void (*stats_hook)(JsonBuilder *b);

void tz_calls_set_stats_hook(void (*fn)(JsonBuilder *b))
{
	stats_hook = fn;
}

/* `show sip stats`: the user agent's counters, the call manager's and the
 * SIP-over-WebSocket edge's. */
static int show_sip_stats(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	static const char *const names[TZ_CC_COUNT] = {
#define TZ_CC_NAME(e, n) [TZ_CC_##e] = n,
		TZ_CALLS_COUNTERS(TZ_CC_NAME)
#undef TZ_CC_NAME
	};
	uint64_t sip[TZ_SIP_CTR_COUNT] = { 0 };

	if (tz_calls_env.sip != NULL)
		tz_sip_counters(tz_calls_env.sip, sip);
	json_builder_begin_object(b);
	add_int(b, "calls", tz_calls_count());
	for (int i = 0; i < TZ_SIP_CTR_COUNT; i++)
		add_int(b, tz_sip_counter_name(i), (gint64)sip[i]);
	for (int i = 0; i < TZ_CC_COUNT; i++)
		add_int(b, names[i], (gint64)tz_calls_ctr[i]);
	if (stats_hook != NULL)
		stats_hook(b);
	json_builder_end_object(b);
	return 0;
}

/* `show auth`: how logins went, who is backed off, which keys are in use. */
static int show_auth(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	const struct tz_cfg_auth *a = &tz_calls_env.cfg->auth;
	const uint64_t *ctr = tz_auth_counters();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "token_keys");
	json_builder_begin_array(b);
	for (size_t i = 0; i < a->n_secrets; i++)
		json_builder_add_string_value(b, a->secrets[i].name);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "sip_login");
	json_builder_add_boolean_value(b, a->sip_login);
	add_int(b, "backed_off", tz_auth_locked_count(g_get_real_time() / G_USEC_PER_SEC));
	for (int i = 0; i < TZ_AUTH_COUNT; i++)
		add_int(b, tz_auth_counter_name(i), (gint64)ctr[i]);
	json_builder_end_object(b);
	return 0;
}

/* `show sip sources`: the sources refused, limited or dropped most (sip_guard.c). */
static int show_sip_sources(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
			    void *arg)
{
	struct tz_sip_source_stats top[20];
	size_t n = tz_sip_sources(tz_calls_env.sip, top, G_N_ELEMENTS(top));

	json_builder_begin_array(b);
	for (size_t i = 0; i < n; i++) {
		json_builder_begin_object(b);
		add_str(b, "source", top[i].addr);
		add_int(b, "requests", (gint64)top[i].requests);
		add_int(b, "refused_acl", (gint64)top[i].refused_acl);
		add_int(b, "rate_limited", (gint64)top[i].rate_limited);
		add_int(b, "dropped", (gint64)top[i].dropped);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	return 0;
}

int tz_calls_commands_register(void)
{
	static const struct tz_cli_cmd cmds[] = {
		{ "show calls", NULL, 0, 0,
		  "live calls: user, target, state, hold, set-up time, packets", show_calls },
		{ "show sip stats", NULL, 0, 0,
		  "SIP requests and responses, registrations, malformed messages, refused SDP, "
		  "re-INVITEs, holds, DTMF, latching", show_sip_stats },
		{ "show auth", NULL, 0, 0,
		  "logins by token and by SIP credentials, refusals by reason, back-off, "
		  "calls refused by a token's targets", show_auth },
		{ "show sip sources", NULL, 0, 0,
		  "SIP sources most refused (not a trunk), rate-limited (503) or dropped (flood)",
		  show_sip_sources },
	};

	int rc = tz_cli_register(cmds, sizeof(cmds) / sizeof(cmds[0]));

	if (rc == 0)
		rc = tz_call_rec_commands_register();
	if (rc == 0)
		rc = tz_rec_commands_register();
	return rc;
}
