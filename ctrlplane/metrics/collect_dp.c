/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metrics of the dataplane: ethdev statistics of every port and TAP, the
 * dataplane's own counters per port (one family per entry of the
 * TZ_PORT_COUNTERS X-macro, its help text included), the workers' busy
 * ratio, packets and drops by reason, the published flows, build info.
 */
#include <stdio.h>

#include <openssl/crypto.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "gw_pvt.h"
#include "tz_session.h"

/* Port counters that are packets dropped (the rest count what was done). */
const enum tz_port_counter tz_metrics_drop_reasons[] = {
	TZ_PC_TX_DROPS, TZ_PC_KERNEL_DROPS, TZ_PC_MALFORMED, TZ_PC_PUNT_DROP_STUN,
	TZ_PC_PUNT_DROP_DTLS, TZ_PC_PUNT_DROP_NO_SESSION, TZ_PC_PUNT_DROP_OTHER,
	TZ_PC_PUNT_DROP_WORKER, TZ_PC_SRTP_AUTH_FAIL,
};
const size_t tz_metrics_n_drop_reasons = G_N_ELEMENTS(tz_metrics_drop_reasons);

/* rte_eth_stats fields as families: X(name, field, help) */
#define ETH_STATS(X)                                                              \
	X("rx_packets", ipackets, "packets received (ethdev statistics)")         \
	X("tx_packets", opackets, "packets sent (ethdev statistics)")             \
	X("rx_bytes", ibytes, "bytes received (ethdev statistics)")               \
	X("tx_bytes", obytes, "bytes sent (ethdev statistics)")                   \
	X("rx_errors", ierrors, "erroneous packets received (ethdev statistics)") \
	X("tx_errors", oerrors, "packets that failed to send (ethdev statistics)") \
	X("rx_missed", imissed, "packets the device dropped: rx queues full")    \
	X("rx_nombuf", rx_nombuf, "packets dropped: no mbuf to receive into")

static void eth_families(GString *out, const struct tz_metrics_sources *s)
{
	struct rte_eth_stats st[TZ_DP_MAX_PORTS][2];
	char name[96];

	for (size_t p = 0; p < s->n_ports; p++) {
		memset(st[p], 0, sizeof(st[p]));
		rte_eth_stats_get(s->ports[p].port_id, &st[p][0]);
		rte_eth_stats_get(s->ports[p].tap_id, &st[p][1]);
	}
#define ETH_FAMILY(n, field, help)                                                       \
	snprintf(name, sizeof(name), "trapeze_port_%s_total", n);                          \
	tz_metrics_family(out, name, TZ_METRICS_COUNTER, help "; side wire or tap");       \
	for (size_t p = 0; p < s->n_ports; p++)                                            \
		for (int side = 0; side < 2; side++)                                       \
			tz_metrics_sample_u64(out, name, (struct tz_metrics_label[]){       \
				{ "port", s->ports[p].name },                              \
				{ "side", side ? "tap" : "wire" } }, 2, st[p][side].field);
	ETH_STATS(ETH_FAMILY)
#undef ETH_FAMILY
}

static const char *const pc_help[] = {
#define PC_HELP(e, n, h) [TZ_PC_##e] = h,
	TZ_PORT_COUNTERS(PC_HELP)
#undef PC_HELP
};

static void dp_families(GString *out, const struct tz_metrics_sources *s)
{
	uint64_t cnt[TZ_DP_MAX_PORTS][TZ_PC_COUNT];
	char name[96];

	for (size_t p = 0; p < s->n_ports; p++)
		tz_dp_port_counters((uint16_t)p, cnt[p]);
	for (int c = 0; c < TZ_PC_COUNT; c++) {
		snprintf(name, sizeof(name), "trapeze_dp_%s_total", tz_port_counter_name(c));
		tz_metrics_family(out, name, TZ_METRICS_COUNTER, pc_help[c]);
		for (size_t p = 0; p < s->n_ports; p++)
			tz_metrics_sample_u64(out, name,
					      &(struct tz_metrics_label){ "port", s->ports[p].name },
					      1, cnt[p][c]);
	}
}

static void worker_families(GString *out, const struct tz_metrics_sources *s)
{
	unsigned n = tz_dp_n_workers();
	uint64_t cnt[TZ_DP_MAX_WORKERS][TZ_PC_COUNT] = { { 0 } };
	char idx[TZ_DP_MAX_WORKERS][12];

	for (unsigned w = 0; w < n; w++) {
		tz_dp_worker_counters(w, cnt[w]);
		snprintf(idx[w], sizeof(idx[w]), "%u", w);
	}
	tz_metrics_family(out, "trapeze_worker_busy_ratio", TZ_METRICS_GAUGE,
			  "share of the last second the worker spent in rounds that moved packets");
	for (unsigned w = 0; w < n; w++)
		tz_metrics_sample(out, "trapeze_worker_busy_ratio",
				  &(struct tz_metrics_label){ "worker", idx[w] }, 1,
				  s->busy_pct[w] / 100.0);
	tz_metrics_family(out, "trapeze_worker_packets_total", TZ_METRICS_COUNTER,
			  "packets the worker received (rx) and sent (tx), over its ports");
	for (unsigned w = 0; w < n; w++) {
		tz_metrics_sample_u64(out, "trapeze_worker_packets_total", (struct tz_metrics_label[]){
			{ "worker", idx[w] }, { "direction", "rx" } }, 2, cnt[w][TZ_PC_RX_PKTS]);
		tz_metrics_sample_u64(out, "trapeze_worker_packets_total", (struct tz_metrics_label[]){
			{ "worker", idx[w] }, { "direction", "tx" } }, 2, cnt[w][TZ_PC_TX_PKTS]);
	}
	tz_metrics_family(out, "trapeze_worker_drops_total", TZ_METRICS_COUNTER,
			  "packets the worker dropped, by reason (the dataplane counter's name; "
			  "docs/metrics.md)");
	for (unsigned w = 0; w < n; w++)
		for (size_t r = 0; r < tz_metrics_n_drop_reasons; r++)
			tz_metrics_sample_u64(out, "trapeze_worker_drops_total",
				(struct tz_metrics_label[]){ { "worker", idx[w] },
				{ "reason", tz_port_counter_name(tz_metrics_drop_reasons[r]) } },
				2, cnt[w][tz_metrics_drop_reasons[r]]);
}

void tz_metrics_collect_dp(GString *out, void *arg)
{
	const struct tz_metrics_sources *s = arg;

	tz_metrics_family(out, "trapeze_build_info", TZ_METRICS_GAUGE,
			  "always 1; the versions trapezed runs with");
	tz_metrics_sample(out, "trapeze_build_info", (struct tz_metrics_label[]){
		{ "version", TZ_VERSION }, { "dpdk", rte_version() },
		{ "openssl", OpenSSL_version(OPENSSL_VERSION) }, { "crypto", s->crypto } }, 4, 1);
	tz_metrics_family(out, "trapeze_start_time_seconds", TZ_METRICS_GAUGE,
			  "when trapezed started, unix seconds");
	tz_metrics_sample(out, "trapeze_start_time_seconds", NULL, 0, (double)s->started);
	eth_families(out, s);
	dp_families(out, s);
	worker_families(out, s);
	tz_metrics_family(out, "trapeze_dp_flows", TZ_METRICS_GAUGE,
			  "media flows published in the dataplane's session table (3 per bridged call)");
	tz_metrics_sample_u64(out, "trapeze_dp_flows", NULL, 0,
			      s->sessions != NULL ? tz_dp_flow_count(s->sessions) : 0);
}
