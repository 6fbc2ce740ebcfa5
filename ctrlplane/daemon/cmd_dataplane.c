/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dataplane commands: the published flows of the session table and the
 * dataplane's counters, read lock-free from the workers' copies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_pvt.h"
#include "tz_cli.h"
#include "tz_srtp.h"

static const char *const xform_names[] = {
	[TZ_XF_FORWARD] = "rtp>rtp",
	[TZ_XF_UNPROTECT] = "srtp>rtp",
	[TZ_XF_PROTECT] = "rtp>srtp",
	[TZ_XF_ECHO] = "echo",
	[TZ_XF_REKEY] = "srtp>srtp",
};

static const char *const suite_names[TZ_SRTP_SUITE_COUNT] = {
	[TZ_SRTP_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
	[TZ_SRTP_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
	[TZ_SRTP_AEAD_AES_128_GCM] = "AEAD_AES_128_GCM",
	[TZ_SRTP_AEAD_AES_256_GCM] = "AEAD_AES_256_GCM",
};

/* "198.51.100.10:40000" or "[2001:db8::1]:40000" from a 16-byte address. */
static void addr_text(const uint8_t a[16], bool mapped_v4, uint16_t port, char *buf, size_t len)
{
	static const uint8_t v4_prefix[12] = { [10] = 0xff, [11] = 0xff };
	char ip[INET6_ADDRSTRLEN];

	if (mapped_v4 || memcmp(a, v4_prefix, 12) == 0) {
		inet_ntop(AF_INET, mapped_v4 ? a : a + 12, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, port);
	} else {
		inet_ntop(AF_INET6, a, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, port);
	}
}

struct walk_ctx {
	struct tz_daemon *d;
	JsonBuilder *b;
	long id;          /* only this session, or -1 */
	unsigned n;
};

static void add_flow_counters(JsonBuilder *b, const struct tz_dp_flow_state *st, bool all)
{
	uint64_t drops = 0;

	for (int c = 0; c < TZ_FC_COUNT; c++) {
		if (c >= TZ_FC_AUTH_FAIL)
			drops += st->cnt[c];
		if (all || c <= TZ_FC_BYTES) {
			json_builder_set_member_name(b, tz_flow_counter_name(c));
			json_builder_add_int_value(b, (gint64)st->cnt[c]);
		}
	}
	if (!all) {
		json_builder_set_member_name(b, "drops");
		json_builder_add_int_value(b, (gint64)drops);
	}
}

/* The local address a flow's packets arrive at: the port's own (key index
 * 0) or its media address pad (ports[].media_addresses), "-" for BUNDLE. */
static void local_addr(JsonBuilder *b, const struct tz_daemon *d, const struct tz_dp_flow_key *k)
{
	const struct tz_cfg_port *p;
	char a[INET6_ADDRSTRLEN] = "-";

	if (k->port_idx < d->n_ports) {
		p = d->ports[k->port_idx].cfg;
		if (k->pad > 0 && k->pad <= p->n_media_addrs)
			inet_ntop(AF_INET, &p->media_addrs[k->pad - 1].addr.v4, a, sizeof(a));
		else if (p->ipv4.addr.family == AF_INET && k->remote[10] == 0xff &&
			 k->remote[11] == 0xff)
			inet_ntop(AF_INET, &p->ipv4.addr.v4, a, sizeof(a));
		else if (p->ipv6.addr.family == AF_INET6)
			inet_ntop(AF_INET6, &p->ipv6.addr.v6, a, sizeof(a));
	}
	json_builder_set_member_name(b, "local_addr");
	json_builder_add_string_value(b, a);
}

static int flow_row(const struct tz_dp_flow_key *k, const struct tz_dp_flow *f, void *arg)
{
	struct walk_ctx *w = arg;
	JsonBuilder *b = w->b;
	char from[64], to[80];

	if (w->id >= 0 && f->id != (uint32_t)w->id)
		return 0;
	addr_text(k->remote, false, k->remote_port, from, sizeof(from));
	addr_text(f->out.dst, f->out.family == AF_INET, f->out.dst_port, to, sizeof(to));
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "session");
	json_builder_add_int_value(b, f->id);
	json_builder_set_member_name(b, "in_port");
	/* a BUNDLE sub-flow (a browser's video) is found through its audio's
	 * flow, under a key no packet matches (tz_dp_bundle_key) */
	json_builder_add_string_value(b, k->port_idx == TZ_DP_BUNDLE_PORT ? "bundle"
					 : w->d->ports[k->port_idx].cfg->name);
	json_builder_set_member_name(b, "from");
	json_builder_add_string_value(b, from);
	local_addr(b, w->d, k);
	json_builder_set_member_name(b, "local_port");
	json_builder_add_int_value(b, k->local_port);
	json_builder_set_member_name(b, "to");
	json_builder_add_string_value(b, to);
	json_builder_set_member_name(b, "xform");
	json_builder_add_string_value(b, xform_names[f->xform]);
	if (f->xform == TZ_XF_REKEY && f->srtp != NULL && f->srtp_out != NULL) {
		/* the suites it unprotects and protects with (an SDES trunk's is one) */
		json_builder_set_member_name(b, "suite_in");
		json_builder_add_string_value(b, suite_names[tz_srtp_ctx_suite(f->srtp) % TZ_SRTP_SUITE_COUNT]);
		json_builder_set_member_name(b, "suite_out");
		json_builder_add_string_value(b, suite_names[tz_srtp_ctx_suite(f->srtp_out) % TZ_SRTP_SUITE_COUNT]);
	}
	json_builder_set_member_name(b, "worker");
	json_builder_add_int_value(b, f->worker);
	if (f->stun.on) {       /* consent checks answered here (wrapping at 256) */
		json_builder_set_member_name(b, "consent_answered");
		json_builder_add_int_value(b, tz_dp_flow_state(w->d->sessions, f->slot)->consent_n);
	}
	add_flow_counters(b, tz_dp_flow_state(w->d->sessions, f->slot), w->id >= 0);
	json_builder_end_object(b);
	w->n++;
	return 0;
}

static int show_sessions(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct walk_ctx w = { .d = arg, .b = b, .id = -1 };

	json_builder_begin_array(b);
	if (w.d->sessions != NULL)
		tz_dp_flow_walk(w.d->sessions, flow_row, &w);
	json_builder_end_array(b);
	return 0;
}

static int show_session(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct walk_ctx w = { .d = arg, .b = b };
	char *end;

	w.id = strtol(argv[0], &end, 10);
	if (*argv[0] == '\0' || *end != '\0' || w.id < 0 || w.id > UINT32_MAX)
		return tz_cli_error(req, "\"%s\" is not a session id; see 'show sessions'", argv[0]);
	json_builder_begin_array(b);
	if (w.d->sessions != NULL)
		tz_dp_flow_walk(w.d->sessions, flow_row, &w);
	json_builder_end_array(b);
	if (w.n == 0)
		return tz_cli_error(req, "no session %s; see 'show sessions'", argv[0]);
	return 0;
}

/* One worker's share: what it received, sent, punted and dropped. */
static void worker_row(JsonBuilder *b, unsigned w)
{
	static const enum tz_port_counter shown[] = {
		TZ_PC_RX_PKTS, TZ_PC_TX_PKTS, TZ_PC_MEDIA_RX, TZ_PC_MEDIA_TX, TZ_PC_TO_KERNEL,
		TZ_PC_FROM_KERNEL, TZ_PC_NO_SESSION, TZ_PC_MALFORMED, TZ_PC_TX_DROPS,
		TZ_PC_PUNT_DROP_STUN, TZ_PC_PUNT_DROP_DTLS, TZ_PC_PUNT_DROP_NO_SESSION,
		TZ_PC_PUNT_DROP_OTHER, TZ_PC_PUNT_DROP_WORKER, TZ_PC_SRTP_AUTH_FAIL,
	};
	uint64_t cnt[TZ_PC_COUNT];
	struct tz_dp_lcore_stats st;
	unsigned lcore;

	if (tz_dp_worker_counters(w, cnt) != 0 || tz_dp_lcore_stats(w, &lcore, &st) != 0)
		return;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "worker");
	json_builder_add_int_value(b, w);
	json_builder_set_member_name(b, "lcore");
	json_builder_add_int_value(b, lcore);
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		json_builder_set_member_name(b, tz_port_counter_name(shown[i]));
		json_builder_add_int_value(b, (gint64)cnt[shown[i]]);
	}
	json_builder_end_object(b);
}

static int show_dp_stats(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct tz_daemon *d = arg;
	uint64_t sum[TZ_PC_COUNT] = { 0 }, cnt[TZ_PC_COUNT];

	for (size_t p = 0; p < d->n_ports; p++) {
		tz_dp_port_counters((uint16_t)p, cnt);
		for (int c = 0; c < TZ_PC_COUNT; c++)
			sum[c] += cnt[c];
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "workers");
	json_builder_add_int_value(b, tz_dp_n_workers());
	json_builder_set_member_name(b, "flows");
	json_builder_add_int_value(b, d->sessions != NULL ? tz_dp_flow_count(d->sessions) : 0);
	for (int c = 0; c < TZ_PC_COUNT; c++) {
		json_builder_set_member_name(b, tz_port_counter_name(c));
		json_builder_add_int_value(b, (gint64)sum[c]);
	}
	json_builder_set_member_name(b, "per_worker");
	json_builder_begin_array(b);
	for (unsigned w = 0; w < tz_dp_n_workers(); w++)
		worker_row(b, w);
	json_builder_end_array(b);
	json_builder_end_object(b);
	return 0;
}

int tz_daemon_dp_commands_register(struct tz_daemon *d)
{
	static struct tz_cli_cmd cmds[] = {
		{ "show sessions", NULL, 0, 0,
		  "media flows in the dataplane: addresses, transform, packets, drops", show_sessions },
		{ "show session", "<id>", 1, 1, "every counter of one session's flows", show_session },
		{ "show dataplane stats", NULL, 0, 0, "dataplane counters summed over ports and workers",
		  show_dp_stats },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		cmds[i].arg = d;
	return tz_cli_register(cmds, sizeof(cmds) / sizeof(cmds[0]));
}
