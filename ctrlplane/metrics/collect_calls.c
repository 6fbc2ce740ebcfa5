/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metrics of the control plane: live sessions and calls, calls per tenant,
 * the set-up time histogram, SIP, SIP over WebSocket, DTLS, ICE, logins,
 * limits.  Each reads the counters the matching `trapezectl show` command
 * reads (show calls, show sip stats, show auth, show tenant, show
 * signalling stats), on the control thread.
 */
#include <stdio.h>
#include <string.h>

#include "gw_pvt.h"
#include "tz_auth.h"
#include "tz_calls.h"
#include "tz_dtls.h"
#include "tz_sip.h"
#include "tz_sipws.h"
#include "tz_tenant.h"
#include "tz_ws.h"

static void one(GString *out, const char *name, const char *label, const char *value,
		uint64_t v)
{
	tz_metrics_sample_u64(out, name, &(struct tz_metrics_label){ label, value }, 1, v);
}

/* A family labelled by a counter list's names: event="name" for each. */
static void by_name(GString *out, const char *family, const char *help, const char *label,
		    const char *(*name)(unsigned), const uint64_t *v, unsigned n)
{
	tz_metrics_family(out, family, TZ_METRICS_COUNTER, help);
	for (unsigned i = 0; i < n; i++)
		one(out, family, label, name(i), v[i]);
}

static const char *sip_name(unsigned i) { return tz_sip_counter_name(i); }
static const char *sipws_name(unsigned i) { return tz_sipws_counter_name(i); }
static const char *dtls_name(unsigned i) { return tz_dtls_counter_name(i); }
static const char *auth_name(unsigned i) { return tz_auth_counter_name(i); }
static const char *calls_name(unsigned i) { return tz_calls_counter_name(i); }
static const char *messaging_name(unsigned i) { return tz_messaging_counter_name(i); }
static const char *ws_name(unsigned i) { return tz_ws_counter_name(i); }
static const char *jsep_err_name(unsigned i) { return tz_jsep_err_name(i); }

/* A call-manager counter by its `show sip stats` name (the enum is private). */
static uint64_t calls_ctr(const char *name)
{
	for (unsigned i = 0; tz_calls_counter_name(i) != NULL; i++)
		if (strcmp(tz_calls_counter_name(i), name) == 0)
			return tz_calls_counter_value(i);
	return 0;
}

/* trapeze_messages_total{tenant, event}: each tenant's `show messaging` counters. */
static void message_family(GString *out, const struct tz_config *cfg)
{
	tz_metrics_family(out, "trapeze_messages_total", TZ_METRICS_COUNTER,
			  "trapeze-jsep.v1 messages (SIP MESSAGE) by tenant and event "
			  "(`show messaging`)");
	for (size_t t = 0; t < cfg->n_tenants; t++) {
		const char *name = tz_cfg_tenant_name(cfg, (uint32_t)t);
		const uint64_t *v = tz_messaging_tenant_counters(name);

		for (unsigned i = 0; messaging_name(i) != NULL; i++)
			tz_metrics_sample_u64(out, "trapeze_messages_total",
					      (struct tz_metrics_label[]){ { "tenant", name },
									   { "event", messaging_name(i) } },
					      2, v != NULL ? v[i] : 0);
	}
}

/* RTP lost on the way to the gateway by ended calls (docs/cdr.md): packets
 * expected and lost each way, and each call's loss in percent. */
static void loss_families(GString *out, const struct tz_calls_figures *f)
{
	static const char *const dir[2] = { "from_web", "from_sip" };

	tz_metrics_family(out, "trapeze_rtp_expected_total", TZ_METRICS_COUNTER,
			  "RTP packets the senders' sequence numbers say were sent to the gateway "
			  "(RFC 3550 A.3), ended calls, by direction");
	for (int d = 0; d < 2; d++)
		one(out, "trapeze_rtp_expected_total", "direction", dir[d], f->rtp_expected[d]);
	tz_metrics_family(out, "trapeze_rtp_lost_total", TZ_METRICS_COUNTER,
			  "RTP packets lost on the way to the gateway (sequence gaps, RFC 3550 A.3), "
			  "ended calls, by direction");
	for (int d = 0; d < 2; d++)
		one(out, "trapeze_rtp_lost_total", "direction", dir[d], f->rtp_lost[d]);
	tz_metrics_family(out, "trapeze_call_rtp_loss_percent", TZ_METRICS_HISTOGRAM,
			  "each ended call's RTP loss on the way to the gateway, percent, by direction");
	for (int d = 0; d < 2; d++)
		tz_metrics_histogram(out, "trapeze_call_rtp_loss_percent",
				     &(struct tz_metrics_label){ "direction", dir[d] }, 1,
				     &(struct tz_metrics_hist){ .bounds = tz_calls_loss_bounds,
								.n_bounds = TZ_CALLS_LOSS_BUCKETS,
								.counts = f->loss_counts[d],
								.sum = f->loss_sum[d] });
}

static void call_families(GString *out, const struct tz_metrics_sources *s)
{
	struct tz_calls_figures f;
	const struct tz_config *cfg = *s->cfg;

	tz_calls_figures(&f);
	tz_metrics_family(out, "trapeze_sessions_active", TZ_METRICS_GAUGE,
			  "live calls (sessions) of the call manager");
	tz_metrics_sample_u64(out, "trapeze_sessions_active", NULL, 0, tz_calls_count());
	tz_metrics_family(out, "trapeze_calls_active", TZ_METRICS_GAUGE,
			  "live calls by state: negotiating (ICE/DTLS pending), connected (media up)");
	one(out, "trapeze_calls_active", "state", "negotiating", f.negotiating);
	one(out, "trapeze_calls_active", "state", "connected", f.connected);
	tz_metrics_family(out, "trapeze_tenant_calls_active", TZ_METRICS_GAUGE,
			  "live calls admitted by each tenant's limits");
	for (size_t t = 0; t < cfg->n_tenants; t++)
		one(out, "trapeze_tenant_calls_active", "tenant", tz_cfg_tenant_name(cfg, (uint32_t)t),
		    tz_tenant_live_calls((uint32_t)t));
	tz_metrics_family(out, "trapeze_calls_total", TZ_METRICS_COUNTER,
			  "calls admitted, by tenant and direction (out: placed by a web user, "
			  "in: from a trunk to a web user)");
	for (size_t t = 0; t < cfg->n_tenants; t++) {
		const uint64_t *c = tz_tenant_counters((uint32_t)t);
		const char *name = tz_cfg_tenant_name(cfg, (uint32_t)t);

		if (c == NULL)
			continue;
		tz_metrics_sample_u64(out, "trapeze_calls_total", (struct tz_metrics_label[]){
			{ "tenant", name }, { "direction", "out" } }, 2, c[TZ_TENANT_CALLS_OUT]);
		tz_metrics_sample_u64(out, "trapeze_calls_total", (struct tz_metrics_label[]){
			{ "tenant", name }, { "direction", "in" } }, 2, c[TZ_TENANT_CALLS_IN]);
	}
	tz_metrics_family(out, "trapeze_calls_answered_total", TZ_METRICS_COUNTER,
			  "calls answered, by tenant, both directions");
	for (size_t t = 0; t < cfg->n_tenants; t++) {
		const uint64_t *c = tz_tenant_counters((uint32_t)t);

		if (c != NULL)
			one(out, "trapeze_calls_answered_total", "tenant",
			    tz_cfg_tenant_name(cfg, (uint32_t)t), c[TZ_TENANT_CALLS_ANSWERED]);
	}
	tz_metrics_family(out, "trapeze_call_setup_seconds", TZ_METRICS_HISTOGRAM,
			  "call set-up time: the web offer (or the SIP INVITE) to the answer "
			  "(SIP 200 OK; echo calls: media up)");
	tz_metrics_histogram(out, "trapeze_call_setup_seconds", NULL, 0, &(struct tz_metrics_hist){
		.bounds = tz_calls_setup_bounds, .n_bounds = TZ_CALLS_SETUP_BUCKETS,
		.counts = f.setup_counts, .sum = f.setup_sum });
	loss_families(out, &f);
}

/* The SIP user agent: requests by method, responses by code, then every
 * counter by name. */
static void sip_families(GString *out, struct tz_sip *sip)
{
	static const struct { const char *method; enum tz_sip_counter c; } sent[] = {
		{ "INVITE", TZ_SIP_CTR_INVITE_OUT }, { "MESSAGE", TZ_SIP_CTR_MESSAGE_OUT },
		{ "REFER", TZ_SIP_CTR_REFER_OUT }, { "REGISTER", TZ_SIP_CTR_RELAY_REGISTERS },
	};
	uint64_t c[TZ_SIP_CTR_COUNT] = { 0 }, n;
	const char *m;

	if (sip != NULL)
		tz_sip_counters(sip, c);
	tz_metrics_family(out, "trapeze_sip_requests_total", TZ_METRICS_COUNTER,
			  "SIP requests on the trunk side by method: in, every request received "
			  "(refused ones too); out, the INVITE, MESSAGE, REFER and relayed REGISTER "
			  "requests sent");
	for (unsigned i = 0; (m = tz_sip_stats_request(i, &n)) != NULL; i++)
		tz_metrics_sample_u64(out, "trapeze_sip_requests_total", (struct tz_metrics_label[]){
			{ "method", m }, { "direction", "in" } }, 2, n);
	for (size_t i = 0; i < G_N_ELEMENTS(sent); i++)
		tz_metrics_sample_u64(out, "trapeze_sip_requests_total", (struct tz_metrics_label[]){
			{ "method", sent[i].method }, { "direction", "out" } }, 2, c[sent[i].c]);
	tz_metrics_family(out, "trapeze_sip_responses_total", TZ_METRICS_COUNTER,
			  "SIP responses received to our requests, by status code and class "
			  "(codes seen so far)");
	for (int code = 100; code < 700; code++) {
		char cls[4] = { (char)('0' + code / 100), 'x', 'x', '\0' }, num[4];

		n = tz_sip_stats_response(code);
		if (n == 0)
			continue;
		snprintf(num, sizeof(num), "%d", code);
		tz_metrics_sample_u64(out, "trapeze_sip_responses_total", (struct tz_metrics_label[]){
			{ "code", num }, { "class", cls } }, 2, n);
	}
	by_name(out, "trapeze_sip_events_total",
		"every counter of the SIP user agent (`show sip stats`), by name", "event",
		sip_name, c, TZ_SIP_CTR_COUNT);
}

static void sipws_families(GString *out)
{
	const uint64_t *c = tz_sipws_counters();

	tz_metrics_family(out, "trapeze_sipws_requests_total", TZ_METRICS_COUNTER,
			  "SIP requests received from browsers over WebSocket, by method");
	for (int i = TZ_SIPWS_REQ_REGISTER; i <= TZ_SIPWS_REQ_OTHER; i++) {
		/* "ws_sip_register" -> "REGISTER" */
		g_autofree char *m = g_ascii_strup(tz_sipws_counter_name(i) + 7, -1);

		one(out, "trapeze_sipws_requests_total", "method",
		    i == TZ_SIPWS_REQ_OTHER ? "other" : m, c[i]);
	}
	by_name(out, "trapeze_sipws_events_total",
		"every counter of the SIP-over-WebSocket edge, by name", "event", sipws_name, c,
		TZ_SIPWS_CTR_COUNT);
}

static void dtls_ice_families(GString *out, const struct tz_ws_stats *ws)
{
	static const struct { const char *reason; enum tz_dtls_counter c; } fail[] = {
		{ "handshake_failed", TZ_DTLS_CNT_HANDSHAKE_FAILED },
		{ "handshake_timeout", TZ_DTLS_CNT_HANDSHAKE_TIMEOUT },
		{ "fingerprint_mismatch", TZ_DTLS_CNT_FP_MISMATCH },
		{ "no_srtp_profile", TZ_DTLS_CNT_NO_SRTP_PROFILE },
		{ "bad_record", TZ_DTLS_CNT_BAD_RECORD },
	};
	uint64_t d[TZ_DTLS_CNT_COUNT];

	tz_dtls_counters(d);
	tz_metrics_family(out, "trapeze_dtls_handshakes_total", TZ_METRICS_COUNTER,
			  "DTLS-SRTP handshakes with browsers that completed");
	tz_metrics_sample_u64(out, "trapeze_dtls_handshakes_total", NULL, 0,
			      d[TZ_DTLS_CNT_HANDSHAKE_OK]);
	tz_metrics_family(out, "trapeze_dtls_failures_total", TZ_METRICS_COUNTER,
			  "DTLS failures by reason");
	for (size_t i = 0; i < G_N_ELEMENTS(fail); i++)
		one(out, "trapeze_dtls_failures_total", "reason", fail[i].reason, d[fail[i].c]);
	by_name(out, "trapeze_dtls_events_total", "every DTLS counter, by name", "event",
		dtls_name, d, TZ_DTLS_CNT_COUNT);
	tz_metrics_family(out, "trapeze_ice_failures_total", TZ_METRICS_COUNTER,
			  "ICE failures: no connectivity check in time (no_check), consent "
			  "freshness lost mid-call (consent_lost, RFC 7675)");
	one(out, "trapeze_ice_failures_total", "reason", "no_check",
	    ws->errors[TZ_JSEP_ERR_ICE_FAILED]);
	one(out, "trapeze_ice_failures_total", "reason", "consent_lost",
	    calls_ctr("consent_lost"));
}

static void auth_limit_families(GString *out, const struct tz_metrics_sources *s,
				const struct tz_ws_stats *ws, const uint64_t *sip)
{
	static const char *const tenant_limits[] = { "limit_max_calls", "limit_user_calls",
		"limit_calls_per_s", "limit_user_calls_per_s", "limit_target_denied",
		"limit_daily_minutes", "cross_tenant_refused" };
	static const enum tz_tenant_counter tl[] = { TZ_TENANT_LIMIT_MAX_CALLS,
		TZ_TENANT_LIMIT_USER_CALLS, TZ_TENANT_LIMIT_RATE, TZ_TENANT_LIMIT_USER_RATE,
		TZ_TENANT_LIMIT_DENIED, TZ_TENANT_LIMIT_BUDGET, TZ_TENANT_CROSS_TENANT };
	const uint64_t *a = tz_auth_counters();
	const struct tz_config *cfg = *s->cfg;

	tz_metrics_family(out, "trapeze_auth_logins_total", TZ_METRICS_COUNTER,
			  "logins accepted, by credential (token, sip)");
	one(out, "trapeze_auth_logins_total", "method", "token", a[TZ_AUTH_OK_TOKEN]);
	one(out, "trapeze_auth_logins_total", "method", "sip", a[TZ_AUTH_OK_SIP]);
	tz_metrics_family(out, "trapeze_auth_failures_total", TZ_METRICS_COUNTER,
			  "logins refused and call targets a token does not allow, by reason "
			  "(`show auth`)");
	for (int i = 0; i < TZ_AUTH_COUNT; i++)
		if (i != TZ_AUTH_OK_TOKEN && i != TZ_AUTH_OK_SIP)
			one(out, "trapeze_auth_failures_total", "reason", auth_name((unsigned)i), a[i]);
	tz_metrics_family(out, "trapeze_limit_hits_total", TZ_METRICS_COUNTER,
			  "requests refused by a gateway-wide limit (limits.*), by limit");
	one(out, "trapeze_limit_hits_total", "limit", "max_calls", calls_ctr("calls_refused_max_calls"));
	one(out, "trapeze_limit_hits_total", "limit", "max_calls_per_ip", calls_ctr("calls_refused_per_ip"));
	one(out, "trapeze_limit_hits_total", "limit", "max_sessions", calls_ctr("calls_refused_table_full"));
	one(out, "trapeze_limit_hits_total", "limit", "ws_connections_max", ws->cnt[TZ_WS_CNT_REFUSED_FULL]);
	one(out, "trapeze_limit_hits_total", "limit", "ws_connections_per_ip", ws->cnt[TZ_WS_CNT_REFUSED_PER_IP]);
	one(out, "trapeze_limit_hits_total", "limit", "ws_rate", ws->errors[TZ_JSEP_ERR_RATE_LIMITED]);
	one(out, "trapeze_limit_hits_total", "limit", "sip_rate", sip[TZ_SIP_CTR_RATE_LIMITED]);
	one(out, "trapeze_limit_hits_total", "limit", "sip_flood", sip[TZ_SIP_CTR_FLOOD_DROPPED]);
	one(out, "trapeze_limit_hits_total", "limit", "login_backoff", a[TZ_AUTH_THROTTLED]);
	tz_metrics_family(out, "trapeze_tenant_limit_hits_total", TZ_METRICS_COUNTER,
			  "calls refused by a tenant's limits, by tenant and limit (`show tenant`)");
	for (size_t t = 0; t < cfg->n_tenants; t++) {
		const uint64_t *c = tz_tenant_counters((uint32_t)t);

		for (size_t i = 0; c != NULL && i < G_N_ELEMENTS(tl); i++)
			tz_metrics_sample_u64(out, "trapeze_tenant_limit_hits_total",
				(struct tz_metrics_label[]){
					{ "tenant", tz_cfg_tenant_name(cfg, (uint32_t)t) },
					{ "limit", tenant_limits[i] } }, 2, c[tl[i]]);
	}
}

void tz_metrics_collect_calls(GString *out, void *arg)
{
	const struct tz_metrics_sources *s = arg;
	struct tz_sip *sip = *s->sip;
	struct tz_ws_stats ws = { 0 };
	uint64_t sc[TZ_SIP_CTR_COUNT] = { 0 }, cc[64];
	unsigned n_cc = 0;

	if (*s->ws != NULL)
		tz_ws_server_stats(*s->ws, &ws);
	if (sip != NULL)
		tz_sip_counters(sip, sc);
	call_families(out, s);
	tz_metrics_family(out, "trapeze_call_failures_total", TZ_METRICS_COUNTER,
			  "error messages sent to web clients, by code (trapeze-jsep.v1; "
			  "docs/protocol.md)");
	for (unsigned i = 0; i < TZ_JSEP_ERR_COUNT; i++)
		one(out, "trapeze_call_failures_total", "code", jsep_err_name(i), ws.errors[i]);
	for (; n_cc < G_N_ELEMENTS(cc) && tz_calls_counter_name(n_cc) != NULL; n_cc++)
		cc[n_cc] = tz_calls_counter_value(n_cc);
	by_name(out, "trapeze_call_events_total",
		"every counter of the call manager (`show sip stats`), by name", "event",
		calls_name, cc, n_cc);
	message_family(out, *s->cfg);
	sip_families(out, sip);
	sipws_families(out);
	dtls_ice_families(out, &ws);
	auth_limit_families(out, s, &ws, sc);
	tz_metrics_family(out, "trapeze_ws_connections", TZ_METRICS_GAUGE,
			  "WebSocket connections open (trapeze-jsep.v1 and SIP over WebSocket)");
	tz_metrics_sample_u64(out, "trapeze_ws_connections", NULL, 0, ws.cnt[TZ_WS_CNT_CONN_OPEN]);
	tz_metrics_family(out, "trapeze_ws_events_total", TZ_METRICS_COUNTER,
			  "every counter of the WebSocket server (`show signalling stats`), by name");
	for (unsigned i = 0; i < TZ_WS_CNT_COUNT; i++)
		if (i != TZ_WS_CNT_CONN_OPEN && i != TZ_WS_CNT_QUEUED_BYTES)   /* gauges */
			one(out, "trapeze_ws_events_total", "event", ws_name(i), ws.cnt[i]);
}
