/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's own control-socket commands: version, ports, lcores, config,
 * log levels.  Each returns JSON; trapezectl renders it as text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "daemon_pvt.h"
#include "tz_calls.h"
#include "tz_cli.h"
#include "tz_log.h"

static int show_version(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct tz_daemon *d = arg;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "trapezed");
	json_builder_add_string_value(b, TZ_VERSION);
	json_builder_set_member_name(b, "dpdk");
	json_builder_add_string_value(b, rte_version());
	json_builder_set_member_name(b, "openssl");
	json_builder_add_string_value(b, OpenSSL_version(OPENSSL_VERSION));
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, getpid());
	json_builder_set_member_name(b, "uptime_s");
	json_builder_add_int_value(b, time(NULL) - d->started);
	json_builder_set_member_name(b, "config");
	json_builder_add_string_value(b, d->cfg->path);
	json_builder_set_member_name(b, "crypto");
	json_builder_add_string_value(b, d->srtp != NULL ? tz_srtp_engine_driver(d->srtp) : "none");
	json_builder_set_member_name(b, "memory");
	json_builder_add_string_value(b, d->hugepages ? "hugepages" : "4k-pages (--no-huge)");
	json_builder_end_object(b);
	return 0;
}

static void add_int(JsonBuilder *b, const char *name, uint64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)v);
}

static void add_str(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, v);
}

static const char *link_text(uint16_t port_id, char *buf, size_t len)
{
	struct rte_eth_link link;

	if (rte_eth_link_get_nowait(port_id, &link) != 0)
		return "?";
	if (!link.link_status)
		return "down";
	if (link.link_speed == RTE_ETH_SPEED_NUM_NONE || link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN)
		return "up";
	snprintf(buf, len, "up %uG", link.link_speed / 1000);
	if (link.link_speed < 1000)
		snprintf(buf, len, "up %uM", link.link_speed);
	return buf;
}

/* The port's media addresses: its own IPv4 (or IPv6) then media_addresses. */
static void media_addrs(JsonBuilder *b, const struct tz_cfg_port *c)
{
	GString *s = g_string_new(NULL), *n = g_string_new(NULL);
	char a[INET6_ADDRSTRLEN];

	if (c->ipv4.addr.family == AF_INET)
		g_string_append(s, inet_ntop(AF_INET, &c->ipv4.addr.v4, a, sizeof(a)));
	else if (c->ipv6.addr.family == AF_INET6)
		g_string_append(s, inet_ntop(AF_INET6, &c->ipv6.addr.v6, a, sizeof(a)));
	for (size_t i = 0; i < c->n_media_addrs; i++)
		g_string_append_printf(s, " %s", inet_ntop(AF_INET, &c->media_addrs[i].addr.v4, a,
							   sizeof(a)));
	/* the calls on each, in the same order */
	for (size_t i = 0; i <= c->n_media_addrs; i++)
		g_string_append_printf(n, "%s%u", i ? " " : "",
				       tz_calls_media_addr_calls(c->role, (unsigned)i));
	add_str(b, "media_addresses", s->str);
	add_str(b, "media_calls", n->str);
	g_string_free(s, TRUE);
	g_string_free(n, TRUE);
}

/* One table row: the wire side of a port, or its TAP. */
static void port_row(JsonBuilder *b, const struct tz_port *p, bool tap, const uint64_t *cnt)
{
	struct rte_eth_stats st = { 0 };
	uint16_t id = tap ? p->tap_id : p->port_id;
	char buf[32];

	rte_eth_stats_get(id, &st);
	json_builder_begin_object(b);
	add_str(b, "name", tap ? p->tap_ifname : p->cfg->name);
	add_str(b, "role", tap ? "tap" : tz_cfg_role_name(p->cfg->role));
	add_str(b, "driver", tap ? "tap" : p->driver);
	add_str(b, "link", link_text(id, buf, sizeof(buf)));
	add_str(b, "udp_checksum", tap || p->udp_checksum == NULL ? "-" : p->udp_checksum);
	if (!tap)
		media_addrs(b, p->cfg);
	else {
		add_str(b, "media_addresses", "-");
		add_str(b, "media_calls", "-");
	}
	add_int(b, "rx_packets", st.ipackets);
	add_int(b, "rx_bytes", st.ibytes);
	add_int(b, "tx_packets", st.opackets);
	add_int(b, "tx_bytes", st.obytes);
	add_int(b, "drops", st.imissed + st.ierrors + st.rx_nombuf + st.oerrors +
		(tap ? cnt[TZ_PC_KERNEL_DROPS] : cnt[TZ_PC_TX_DROPS]));
	json_builder_end_object(b);
}

static int show_ports(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct tz_daemon *d = arg;
	uint64_t cnt[TZ_PC_COUNT];

	json_builder_begin_array(b);
	for (size_t i = 0; i < d->n_ports; i++) {
		tz_dp_port_counters((uint16_t)i, cnt);
		port_row(b, &d->ports[i], false, cnt);
		port_row(b, &d->ports[i], true, cnt);
	}
	json_builder_end_array(b);
	return 0;
}

static int show_port_counters(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
			      void *arg)
{
	struct tz_daemon *d = arg;
	uint64_t cnt[TZ_PC_COUNT];

	json_builder_begin_array(b);
	for (size_t i = 0; i < d->n_ports; i++) {
		tz_dp_port_counters((uint16_t)i, cnt);
		json_builder_begin_object(b);
		add_str(b, "port", d->ports[i].cfg->name);
		for (int c = 0; c < TZ_PC_COUNT; c++)
			add_int(b, tz_port_counter_name(c), cnt[c]);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	return 0;
}

void tz_daemon_sample_lcores(struct tz_daemon *d)
{
	for (unsigned i = 0; i < tz_dp_n_workers(); i++) {
		struct tz_dp_lcore_stats now;
		unsigned lcore;
		uint64_t dt;

		if (tz_dp_lcore_stats(i, &lcore, &now) != 0)
			continue;
		dt = now.total_tsc - d->last[i].total_tsc;
		d->busy_pct[i] = dt > 0 ? 100.0 * (double)(now.busy_tsc - d->last[i].busy_tsc) / (double)dt : 0;
		d->last[i] = now;
	}
	for (unsigned k = 0; k < tz_svc_n_cores() && k < TZ_SVC_MAX_CORES; k++) {
		uint64_t busy, total, dt;

		if (tz_svc_lcore_stats(k, &busy, &total) != 0)
			continue;
		dt = total - d->svc_last[k][1];
		d->svc_busy_pct[k] = dt > 0 ? 100.0 * (double)(busy - d->svc_last[k][0]) / (double)dt
					    : 0;
		d->svc_last[k][0] = busy;
		d->svc_last[k][1] = total;
	}
}

static int show_lcores(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct tz_daemon *d = arg;

	json_builder_begin_array(b);
	json_builder_begin_object(b);
	add_int(b, "lcore", rte_get_main_lcore());
	add_str(b, "role", "control");
	json_builder_set_member_name(b, "busy_pct");
	json_builder_add_null_value(b);
	add_int(b, "poll_rounds", 0);
	json_builder_end_object(b);
	for (unsigned i = 0; i < tz_dp_n_workers(); i++) {
		struct tz_dp_lcore_stats st;
		unsigned lcore;

		if (tz_dp_lcore_stats(i, &lcore, &st) != 0)
			continue;
		json_builder_begin_object(b);
		add_int(b, "lcore", lcore);
		add_str(b, "role", "worker");
		json_builder_set_member_name(b, "busy_pct");
		json_builder_add_double_value(b, (double)(int)(d->busy_pct[i] * 10) / 10);
		add_int(b, "poll_rounds", st.rounds);
		json_builder_end_object(b);
	}
	for (unsigned k = 0; k < tz_svc_n_cores() && k < TZ_SVC_MAX_CORES; k++) {
		json_builder_begin_object(b);
		add_int(b, "lcore", tz_svc_lcore(k));
		add_str(b, "role", "media-services");
		json_builder_set_member_name(b, "busy_pct");
		json_builder_add_double_value(b, (double)(int)(d->svc_busy_pct[k] * 10) / 10);
		json_builder_set_member_name(b, "poll_rounds");
		json_builder_add_null_value(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	return 0;
}

static int show_config(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct tz_daemon *d = arg;
	char *text = tz_cfg_dump(d->cfg);

	if (text == NULL)
		return tz_cli_error(req, "cannot render the config");
	json_builder_add_string_value(b, text);
	free(text);
	return 0;
}

static int show_log(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	json_builder_begin_array(b);
	for (int i = 0; i < TZ_LOG_SUB_COUNT; i++) {
		json_builder_begin_object(b);
		add_str(b, "subsystem", tz_log_sub_name(i));
		add_str(b, "level", tz_log_level_name(tz_log_get_level(i)));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	return 0;
}

static int set_log_level(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	int level = tz_log_level_parse(argv[1]);
	int n;

	if (level < 0)
		return tz_cli_error(req, "\"%s\" is not a level; use emerg alert crit error warning "
				    "notice info debug", argv[1]);
	n = tz_log_set_level(argv[0], level);
	if (n < 0)
		return tz_cli_error(req, "no subsystem \"%s\"; see 'show log' (patterns: cp.*, *, dpdk)",
				    argv[0]);
	json_builder_begin_object(b);
	add_str(b, "subsystem", argv[0]);
	add_str(b, "level", tz_log_level_name(level));
	add_int(b, "changed", (uint64_t)n);
	json_builder_end_object(b);
	return 0;
}

static const char *const *complete_log(int idx, void *arg)
{
	static const char *subs[TZ_LOG_SUB_COUNT + 4];
	static const char *const levels[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug", NULL,
	};
	int n = 0;

	if (idx == 1)
		return levels;
	for (int i = 0; i < TZ_LOG_SUB_COUNT; i++)
		subs[n++] = tz_log_sub_name(i);
	subs[n++] = "*";
	subs[n++] = "dpdk";
	subs[n] = NULL;
	return subs;
}

int tz_daemon_commands_register(struct tz_daemon *d)
{
	static struct tz_cli_cmd cmds[] = {
		{ "show version", NULL, 0, 0, "versions, PID, uptime, config file", show_version },
		{ "show ports", NULL, 0, 0, "link, packets, bytes and drops of every port and its TAP",
		  show_ports },
		{ "show port counters", NULL, 0, 0, "every dataplane counter of every port",
		  show_port_counters },
		{ "show lcores", NULL, 0, 0, "lcores, their role and busy % over the last second",
		  show_lcores },
		{ "show process", NULL, 0, 0, "every thread's CPU seconds; workers' busy seconds",
		  tz_daemon_show_process },
		{ "show loop", NULL, 0, 0, "control loop iterations, epoll and the context hub's counters",
		  tz_daemon_show_loop },
		{ "show config", NULL, 0, 0, "the running config with defaults (secrets hidden)",
		  show_config },
		{ "show log", NULL, 0, 0, "log level of every subsystem", show_log },
		{ "set log level", "<subsystem> <level>", 2, 2,
		  "change a subsystem's log level at run time (cp.*, * and dpdk work too)",
		  set_log_level, NULL, complete_log },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		cmds[i].arg = d;
	return tz_cli_register(cmds, sizeof(cmds) / sizeof(cmds[0]));
}
